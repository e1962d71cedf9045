//! The YAML reader against real Helm v4 (the `helm-python-sdk` peer): each
//! snippet is the `values.yaml` of a throwaway chart, and windlass's
//! `yaml::parse_values` (through `load_values`) must give the values Helm's `load` gives, or fail
//! where Helm fails. This pins YAML 1.1 resolution as go-yaml v2 does it
//! (booleans, nulls, octal/hex/binary/underscore integers, floats), tags,
//! merge keys, anchors and the conversion of keys to JSON object keys.
//!
//! A few inputs Helm accepts are refused on purpose (duplicate keys, keys that
//! collide once converted to JSON); [`deliberate_differences`] pins those.

mod common;

use std::path::Path;

use serde_json::{Value, json};
use windlass_chart::load::load_values;
use windlass_testsupport::{HelmPeer, helm_peer};

use common::{chart_dir, compare_one, json_equal};

const CHART: &[u8] = b"apiVersion: v2\nname: demo\nversion: 1.0.0\n";

/// Helm's reading of `values` as a chart's `values.yaml`.
fn helm_values(peer: &HelmPeer, values: &str) -> Result<Value, String> {
    let (_temp, root) = chart_dir(
        "demo",
        &[("Chart.yaml", CHART), ("values.yaml", values.as_bytes())],
    );
    peer.call("load", &root, &Value::Null).map(|loaded| {
        if loaded["values"].is_null() {
            json!({})
        } else {
            loaded["values"].clone()
        }
    })
}

/// windlass's reading of a `values.yaml`: [`load_values`] splits documents as
/// Helm's `LoadValues` does and reads each with [`yaml::parse_values`].
fn ours(values: &str) -> Result<Value, String> {
    load_values(values.as_bytes(), "values.yaml")
        .map(Value::Object)
        .map_err(|err| err.to_string())
}

/// Snippets whose reading windlass shares with Helm exactly.
fn snippets() -> Vec<String> {
    let mut cases: Vec<String> = Vec::new();
    // resolve.go's resolveMap: every YAML 1.1 boolean and null spelling, and
    // near misses that stay strings.
    for word in [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "yEs", "tRUE", "oN", "nO", "~",
        "null", "Null", "NULL", "nULL", "", "none", "None",
    ] {
        cases.push(format!("a: {word}\n"));
        if !word.is_empty() {
            // The same words as keys (a null key is an error, as in Helm).
            cases.push(format!("{word}: 1\n"));
        }
    }
    // Integers: Go's ParseInt(s, 0, 64) after removing every `_`, then ParseUint.
    for number in [
        "0",
        "-0",
        "+0",
        "00",
        "7",
        "-7",
        "+7",
        "0755",
        "-0755",
        "0o755",
        "0O17",
        "0x1F",
        "0X1f",
        "-0x1F",
        "+0x1F",
        "0b101",
        "0B11",
        "-0b101",
        "+0b101",
        "1_000",
        "1__0",
        "_1",
        "1_",
        "0_7",
        "0755_1",
        "0x_1F",
        "0b_1",
        "0x",
        "0b",
        "0o",
        "0xG",
        "0b2",
        "0o8",
        "08",
        "09",
        "+",
        "+-5",
        "--5",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "12345678901234567890",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775809",
        "0x7FFFFFFFFFFFFFFF",
        "0x8000000000000000",
        "0xFFFFFFFFFFFFFFFF",
        "0x10000000000000000",
        "-0x8000000000000000",
        "0777777777777777777777",
        "01777777777777777777777",
        "07777777777777777777777",
        "9007199254740993",
        "1:20",
        "190:20:30",
        "1,000",
    ] {
        cases.push(format!("a: {number}\n"));
        cases.push(format!("{number}: x\n"));
    }
    // Floats: yamlStyleFloat, then ParseFloat; `.`-led text goes to ParseFloat
    // directly; the special values cannot become JSON values (but can be keys).
    for number in [
        "1.5",
        "-1.5",
        "+1.5",
        "1.",
        "0.",
        ".5",
        "-.5",
        "+.5",
        "1e3",
        "1E3",
        "1e+3",
        "1e-3",
        "1.0e-3",
        "-1.5e+3",
        "1_000.5",
        "1e",
        "e3",
        "1.5.5",
        "1e400",
        "-1e400",
        "1e-400",
        "0e0",
        "0.1",
        "1.0",
        "1.50",
        "3.14159265358979",
        "1e6",
        "123456.0",
        "1234567.0",
        "1e-5",
        "0.0001",
        "0.000001",
        "100000.0",
        "16777217.0",
        "1e20",
        "-0.0",
        ".5_0",
        "._5",
        ".5e1",
        ".e1",
        ".",
        "..5",
        ".inf",
        ".Inf",
        ".INF",
        "-.inf",
        "+.inf",
        "-.Inf",
        ".nan",
        ".NaN",
        ".NAN",
        ".iNf",
        "Inf",
        "infinity",
        "NaN",
        "nan",
        "0x1p-2",
        "1_0e1_0",
    ] {
        cases.push(format!("a: {number}\n"));
        cases.push(format!("{number}: x\n"));
    }
    // Quoted and block scalars are strings; timestamps stay strings.
    cases.extend(
        [
            "a: 'yes'\n",
            "a: \"no\"\n",
            "a: '0755'\n",
            "a: \"1_000\"\n",
            "a: '~'\n",
            "a: ''\n",
            "a: |\n  yes\n",
            "a: >\n  12\n",
            "a: |-\n  on\n",
            "a: 2001-12-14\n",
            "a: 2001-12-14t21:59:43.10-05:00\n",
            "a: 2001-12-14 21:59:43.10\n",
            "a: 2001-12-14T21:59:43Z\n",
            "2001-12-14: a\n",
            "'yes': a\n",
            "\"1\": a\n",
            "'null': a\n",
            "a: [yes, no, on, 'off', ~, 1_0, 0x10, .5]\n",
            "a: {y: n, off: on}\n",
            "a: <<\n",
            "a: plain\n  continued\n",
            "a: 'it''s'\n",
            "a: \"\\x41\\u00e9\\U0001F600\\t\\e\\N\\_\\L\\P\\0\"\n",
            "a: b#c\n",
            "a: b # comment\n",
        ]
        .map(String::from),
    );
    // Explicit tags: the type they ask for, or go-yaml's "cannot decode".
    for tagged in [
        "!!str 12",
        "!!str yes",
        "!!str ~",
        "!!str",
        "!!int '12'",
        "!!int 0x1F",
        "!!int \"0755\"",
        "!!int abc",
        "!!int 1.5",
        "!!int 09",
        "!!int",
        "!!float 1",
        "!!float '1.5'",
        "!!float 1_000",
        "!!float 09",
        "!!float abc",
        "!!float ''",
        "!!float .inf",
        "!!float 18446744073709551615",
        "!!bool yes",
        "!!bool 'off'",
        "!!bool 1",
        "!!bool",
        "!!null ''",
        "!!null ~",
        "!!null foo",
        "!!binary aGVsbG8=",
        "!!binary |\n  aGVs\n  bG8=",
        "!!binary 'not base64!'",
        "!!binary aGVsbG8",
        "!!binary 'aGVs bG8='",
        "!!binary /w==",
        "!!binary ''",
        "!!timestamp 2001-12-14",
        "!!timestamp 2001-02-30",
        "!!timestamp foo",
        "!!timestamp 5",
        "!foo 12",
        "! 12",
        "! yes",
        "!<tag:yaml.org,2002:int> '7'",
        "!!map {b: 1}",
        "!!seq [1]",
        "!!str {b: 1}",
        "!!int [1]",
        "!!null {b: 1}",
        "!foo {b: 1}",
        "!!merge x",
        "!!set {b, c}",
        "!!omap [b: 1]",
    ] {
        cases.push(format!("a: {tagged}\n"));
    }
    cases.extend(["? !!str 1\n: a\n", "!!binary aGk=: 1\n", "!!str 0x10: a\n"].map(String::from));
    // Keys: resolved like values, converted to JSON keys as sigs.k8s.io/yaml
    // does; collections and null cannot be keys.
    cases.extend(
        [
            "? \n: a\n",
            "[1, 2]: a\n",
            "{a: 1}: b\n",
            "? [1, 2]\n: a\n",
            "a: &a [1]\n*a : 2\n",
            "&k y: 1\nb: *k\n",
            "a: &a y\n*a : 2\n",
        ]
        .map(String::from),
    );
    // Merge keys as go-yaml v2 applies them: in order, later pairs override,
    // in a list earlier maps win; anything but maps is an error.
    cases.extend(
        [
            "base: &b {x: 1, z: 2}\nc:\n  <<: *b\n  z: 3\n",
            "base: &b {x: 1, z: 2}\nc:\n  z: 3\n  <<: *b\n",
            "b1: &b1 {x: 1, z: 1}\nb2: &b2 {z: 2, w: 2}\nc:\n  <<: [*b1, *b2]\n",
            "b1: &b1 {x: 1, z: 1}\nb2: &b2 {z: 2, w: 2}\nc:\n  <<: [*b2, *b1]\n",
            "c:\n  <<: {x: 1}\n  z: 2\n",
            "c:\n  <<: [{x: 1}, {x: 2, z: 2}]\n",
            "s: &s [1, 2]\nc:\n  <<: *s\n",
            "c:\n  <<: 5\n",
            "c:\n  <<: [5]\n",
            "c:\n  <<: ~\n",
            "c:\n  <<: [[{x: 1}]]\n",
            "c:\n  '<<': {x: 1}\n",
            "c:\n  \"<<\": {x: 1}\n",
            "c:\n  !!merge <<: {x: 1}\n",
            "c:\n  !!str <<: {x: 1}\n",
            "c:\n  ! <<: {x: 1}\n",
            "b: &b {x: 1}\nc:\n  <<: *b\n  <<: {z: 2}\n",
            "b: &b {x: 1}\nc:\n  <<: *b\n  x: 2\n",
            "b: &b {x: {p: 1}}\nc:\n  <<: *b\n  x: {q: 2}\n",
            "b: &b {<<: {deep: 1}, x: 1}\nc:\n  <<: *b\n",
            "b: &b [{x: 1}]\nc:\n  <<: *b\n",
            "b: &b {x: 1}\nc:\n  <<: [*b, [1]]\n",
            "<<: {x: 1}\n",
            "b: &b {y: 1}\nc:\n  <<: *b\n",
            "c:\n  <<: {x: 1}\n  <<: {x: 2}\n",
            "list:\n- &e {name: a, port: 80}\n- <<: *e\n  name: b\n",
        ]
        .map(String::from),
    );
    // Anchors and aliases.
    cases.extend(
        [
            "a: &a 1\nb: *a\n",
            "a: &a\n  k: v\nb: *a\nc: *a\n",
            "a: &a [*a]\n",
            "a: &a {b: *a}\n",
            "a: &x 1\nb: &x 2\nc: *x\n",
            "a: *x\n",
            "a: &a yes\nb: *a\n",
            "a: &a 'yes'\nb: *a\n",
            "a: &anc\n",
            "a: !!str &anc 5\nb: *anc\n",
            "a: &anc !!str 5\nb: *anc\n",
        ]
        .map(String::from),
    );
    // Document shapes and syntax.
    cases.extend(
        [
            "{a: 1, b: 2}\n",
            "[1, 2]\n",
            "5\n",
            "\"str\"\n",
            "~\n",
            "# only a comment\n",
            "a: 1\n...\nb: 2\n",
            "a: b: c\n",
            "a: [a:b]\n",
            "a: {a:b}\n",
            "a: [a: b]\n",
            "a: {? b}\n",
            "a: ? b\n",
            "? a\n: 1\n",
            "a:\n- 1\n- 2\n",
            "a:\n  - b: 1\n    c: 2\n",
            "a: \"multi\n  line\"\n",
            "a: |+\n  x\n\n",
            "a: >-\n  x\n  y\n\n  z\n",
            "a: |2\n   x\n",
            "a: 1\r\nb: 2\r\n",
            "\u{feff}a: 1\n",
            "a: [1, 2\n",
            "a: \"\\uD800\"\n",
            "a: -\n",
            "a: 1\n b: 2\n",
            "- a\nb: 1\n",
        ]
        .map(String::from),
    );
    // Tabs as separators.
    cases.extend(
        [
            "a:\tb\n",
            "a:\t- b\n",
            "a:\tb: c\n",
            "a:\t\tb\n",
            "a: \tb\n",
            "a:\t\n  b: 1\n",
            "- \tb\n",
            "-\tb\n",
            "a:\t[1]\n",
            "a:\t'x'\n",
            "a:\t# c\n",
            "? a\n:\tb\n",
            "a:\t&x b\nc: *x\n",
            "a:\t!!str 1\n",
            "a:\t1\n",
            "a:\t-1\n",
            "a:\t~\n",
            "a:\t.5\n",
            "a:\tb\tc\n",
            "a\t: b\n",
            "a:\n\tb: c\n",
            "a: [1,\t2]\n",
            "a: {b:\tc}\n",
            "a: b\t# c\n",
            "a: |\n  x\ty\n",
            "a: \"x\\\ty\"\n",
            "a: x\n\ty\n",
            "a: x\n \ty\n",
            "a: [1,\n\t2]\n",
            "a: 'x\n\ty'\n",
            "a: |\n  x\n  \ty\n",
            "a: 1 \t\nb: 2\n",
            "- \ta\n",
            "a: 1\n \t# c\n",
            "a:\n  - 1\n\t- 2\n",
            "a: b\t\n",
            "a: \"x\n\ty\"\n",
            "a: {b: 1,\n\tc: 2}\n",
        ]
        .map(String::from),
    );
    // Characters and escapes.
    cases.extend(
        [
            "a: \"\\/\"\n",
            "a: \"\\'\"\n",
            "a: \"\\x80\"\n",
            "a: \"\\u0000\"\n",
            "a: \"x\\\n  y\"\n",
            "a: x\u{1}y\n",
            "a: x\u{7f}y\n",
            "a: x\u{85}y\n",
            "a: x\u{a0}y\n",
            "a: x\u{fffe}y\n",
            "a: x\u{1F600}y\n",
            "a: 'x\u{1}y'\n",
            "a: \"x\u{7}y\"\n",
            "a: |\n  x\u{1b}y\n",
            "é: ü\n",
            "a: 'x\u{2028}y'\n",
            "%YAML 1.2\na: 1\n",
            "a: !!int 1_000\n",
            "%YAML 1.1\n---\na: 1\n",
            "--- a: 1\n",
            "---\na: 1\n",
            "a: 1\n--- # c\nb: 2\n",
            "%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n",
            "a: !e!x 1\n",
            "a: !!int 1 # c\n",
            "a: &a1-x 1\nb: *a1-x\n",
            "a: &a, 1\n",
            "a: [&x 1, *x]\n",
            "? |\n  block key\n: v\n",
            "? - a\n: v\n",
            "a: !<!foo> 1\n",
            "a: !!python/object:foo 1\n",
            "a: 'x\n\n  y'\n",
            "a: \"x\n\n  y\"\n",
            "a: [\n  1,\n  2,\n]\n",
            "a: {b: 1,}\n",
            "a: [,]\n",
            "a: {,}\n",
            "a: ]\n",
            "a: }\n",
            "a: @x\n",
            "a: `x\n",
            "a: %x\n",
            "a: x%\n",
            "a: -x\n",
            "a: ?x\n",
            "a: :x\n",
            "a: x:\n",
            "a: x: \n",
            "a: |\n x\n  y\n",
            "a: >\n\n  x\n",
            "a: |1\n  x\n",
            "a: |0\n  x\n",
            "a: |-2\n   x\n",
            "a:\n  b\n c\n",
            "a: 'unterminated\n",
            "a: \"unterminated\n",
            "a: *\n",
            "a: &\n",
            "a: !\n",
            "a: !!\n",
        ]
        .map(String::from),
    );
    // Limits: libyaml's 1024-character implicit keys.
    cases.push(format!("{}: v\n", "k".repeat(1000)));
    cases.push(format!("{}: v\n", "k".repeat(1100)));
    cases.push(format!("? {}\n: v\n", "k".repeat(1100)));
    cases.push(format!("a: \"{}\"\n", "x".repeat(5000)));
    cases
}

/// Runs `check` on each snippet, two at a time (the peer is a process per
/// call), and fails with every mismatch at once.
fn run_all(peer: &HelmPeer, cases: &[String], check: fn(&HelmPeer, &str) -> Option<String>) {
    let (left, right) = cases.split_at(cases.len() / 2);
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles = [left, right].map(|half| {
            scope.spawn(move || {
                half.iter()
                    .filter_map(|c| check(peer, c))
                    .collect::<Vec<_>>()
            })
        });
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("checker thread"))
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} snippets read differently:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn same_as_helm(peer: &HelmPeer, snippet: &str) -> Option<String> {
    let helm = helm_values(peer, snippet);
    let mine = ours(snippet);
    match (&helm, &mine) {
        (Ok(h), Ok(m)) if json_equal(m, h) => None,
        (Err(_), Err(_)) => None,
        _ => Some(format!(
            "  {snippet:?}\n    helm: {helm:?}\n    ours: {mine:?}"
        )),
    }
}

#[test]
fn values_snippets_read_as_helm_reads_them() {
    let Some(peer) = helm_peer() else { return };
    run_all(&peer, &snippets(), same_as_helm);
}

/// Where the parser underneath (YAML 1.2) still reads text differently from
/// libyaml, pinned so that a fix (or a regression) shows. Helm refuses a tab in
/// the indentation of a block-context line (a blank or comment line too) and
/// an implicit flow key past 1024 characters, and a raw line or paragraph
/// separator (U+2028, U+2029) in a plain scalar; windlass reads those files. Helm reads a byte order mark inside a document as
/// a character; windlass refuses it.
#[test]
fn known_differences() {
    let Some(peer) = helm_peer() else { return };
    for snippet in [
        "\ta: b\n",
        "\t\na: 1\n",
        "a: 1\n\t\nb: 2\n",
        "a: 1\n\t# c\nb: 2\n",
        "a:\n  b: 1\n\t\n",
        "a:\n \tb: 1\n",
        "a:\n  b: 1\n  \t\n",
        "a: b\n\t",
        "a: b\n\t\t\n",
        "a:\n  b: |\n    x\n\t\n  c: 1\n",
        "# c\n\t# d\na: 1\n",
        // libyaml breaks lines at a raw LS or PS, even inside a plain scalar.
        "a: x\u{2028}y\n",
        "a: x\u{2029}y\n",
    ] {
        assert!(helm_values(&peer, snippet).is_err(), "{snippet:?}");
        assert!(ours(snippet).is_ok(), "{snippet:?}");
    }
    // An implicit key over 1024 characters in a flow mapping: libyaml refuses
    // it (in block context both refuse it).
    let snippet = format!("a: {{{}: v}}\n", "k".repeat(1100));
    assert!(helm_values(&peer, &snippet).is_err());
    assert!(ours(&snippet).is_ok());
    let snippet = "a: x\u{feff}y\n";
    assert_eq!(helm_values(&peer, snippet), Ok(json!({"a": "x\u{feff}y"})));
    assert!(ours(snippet).is_err());
}

/// Where windlass refuses what Helm accepts: a key given twice in one mapping
/// (Helm keeps the last), and two keys that become the same JSON key (Helm
/// keeps one of them, whichever Go's map order puts last).
#[test]
fn deliberate_differences() {
    let Some(peer) = helm_peer() else { return };
    let cases: &[(&str, Value, &str)] = &[
        (
            "a: 1\nb: 2\na: 3\n",
            json!({"a": 3, "b": 2}),
            "line 3: duplicate entry with key \"a\"",
        ),
        (
            "y: a\ntrue: b\n",
            json!({"true": "b"}),
            "line 2: duplicate entry with key \"true\"",
        ),
        (
            "0x10: a\n16: b\n",
            json!({"16": "b"}),
            "line 2: duplicate entry with key \"16\"",
        ),
        (
            "&k y: 1\n*k : 2\n",
            json!({"true": 2}),
            "line 2: duplicate entry with key \"true\"",
        ),
        (
            "c:\n  x: 1\n  <<: {z: 1}\n  x: 2\n",
            json!({"c": {"x": 2, "z": 1}}),
            "line 4: duplicate entry with key \"x\"",
        ),
    ];
    for (snippet, helm_reads, our_error) in cases {
        let helm = helm_values(&peer, snippet).expect("Helm reads it");
        assert_eq!(&helm, helm_reads, "{snippet:?}");
        let err = ours(snippet).expect_err(snippet);
        assert!(err.contains(our_error), "{snippet:?}: {err}");
    }
    // Keys that collide once converted: Helm's answer depends on map order.
    for (snippet, our_error) in [
        (
            "1: a\n'1': b\n",
            "line 2: the integer key 1 and the string key \"1\" both become the JSON key \"1\"",
        ),
        (
            "1: a\n1.0: b\n",
            "line 2: the integer key 1 and the float key 1 both become the JSON key \"1\"",
        ),
    ] {
        assert!(helm_values(&peer, snippet).is_ok(), "{snippet:?}");
        let err = ours(snippet).expect_err(snippet);
        assert!(err.contains(our_error), "{snippet:?}: {err}");
    }
}

/// Chart.yaml goes through the same reader: YAML 1.1 scalars in metadata.
#[test]
fn chart_metadata_reads_yaml_1_1_as_helm_does() {
    let Some(peer) = helm_peer() else { return };
    for chart_yaml in [
        "apiVersion: v2\nname: demo\nversion: 1.0.0\ndeprecated: yes\n",
        "apiVersion: v2\nname: demo\nversion: 1.0.0\ndeprecated: off\nappVersion: 0755\n",
        "apiVersion: v2\nname: demo\nversion: 1.0.0\nappVersion: 1_000\nkeywords: [on, n, 1e3, 0x10]\n",
        "apiVersion: v2\nname: demo\nversion: 1.0.0\nannotations: {a: yes, b: 012345678, c: 1.10}\n",
        "apiVersion: v2\nname: demo\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: 1.0.0\n  condition: sub.enabled\n  enabled: no\n",
        "base: &b\n  apiVersion: v2\n  version: 1.0.0\n<<: *b\nname: demo\n",
    ] {
        let (_temp, root) = chart_dir(
            "demo",
            &[
                ("Chart.yaml", chart_yaml.as_bytes()),
                ("values.yaml", b"sub:\n  enabled: no\n"),
            ],
        );
        check_chart(&peer, &root, chart_yaml);
    }
}

fn check_chart(peer: &HelmPeer, root: &Path, label: &str) {
    let helm = peer.call("load", root, &Value::Null);
    let mine = windlass_chart::load(root);
    match (helm, mine) {
        (Ok(helm), Ok(mine)) => compare_one(&helm, &mine, label),
        (Err(_), Err(_)) => {}
        (helm, mine) => panic!("{label:?}: helm {helm:?}, ours {:?}", mine.map(|_| ())),
    }
}
