//! Parity with real Helm v4 on edge cases: each fixture chart (a directory or
//! an archive) is loaded by windlass and by the Helm peer; both must accept
//! it or both refuse it, as the case says, and accepted charts must look the
//! same (metadata, values, schema, template, file and subchart names).

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;
use windlass_testsupport::helm_peer;

use common::{Entry, compare_one, tgz, write_tree};

const CHART: &[u8] = b"apiVersion: v2\nname: demo\nversion: 1.2.3\n";

/// How a fixture is laid out.
enum Layout {
    /// Files of a chart directory.
    Dir(&'static [(&'static str, &'static [u8])]),
    /// Entries of a `.tgz`, names stored verbatim.
    Tgz(&'static [Entry<'static>]),
}

struct Case {
    name: &'static str,
    layout: Layout,
    /// Extra setup on the chart directory (symlinks).
    setup: Option<fn(&Path)>,
    /// Whether Helm (and so windlass) loads it.
    loads: bool,
}

const fn dir(
    name: &'static str,
    loads: bool,
    files: &'static [(&'static str, &'static [u8])],
) -> Case {
    Case {
        name,
        layout: Layout::Dir(files),
        setup: None,
        loads,
    }
}

const fn archive(name: &'static str, loads: bool, entries: &'static [Entry<'static>]) -> Case {
    Case {
        name,
        layout: Layout::Tgz(entries),
        setup: None,
        loads,
    }
}

fn cases() -> Vec<Case> {
    let mut cases = vec![
        // Chart.yaml decoding: sigs.k8s.io/yaml scalar conversion, case-insensitive keys.
        dir("numbers-become-strings", true, &[(
            "Chart.yaml",
            b"apiVersion: v2\nname: demo\nversion: 1.0\nappVersion: 1.10\nkeywords: [1, 2.5, true, 1e6]\nannotations: {a: 1, b: 1.50}\nhome: 0.000001\n",
        )]),
        dir("case-insensitive-keys", true, &[("Chart.yaml", b"APIVERSION: v2\nName: demo\nVersion: 1.0.0\nappversion: x\n")]),
        dir("unknown-keys", true, &[("Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 1.0.0\nfoo: [1]\nbar: {x: 1}\n")]),
        dir("sanitised", true, &[(
            "Chart.yaml",
            b"apiVersion: v2\nname: demo\nversion: 1.0.0\ndescription: \"a\\tb\\x01c\\u00a0d\\u200be\"\nmaintainers: [{name: \"x\\ty\", email: 1}]\nkeywords: [\"k\\u0007\"]\n",
        )]),
        dir("lenient-semver", true, &[("Chart.yaml", b"apiVersion: v2\nname: demo\nversion: v01.2\n")]),
        dir("semver-four-parts", false, &[("Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 1.2.3.4\n")]),
        dir("semver-space", false, &[("Chart.yaml", b"apiVersion: v2\nname: demo\nversion: ' 1.2.3'\n")]),
        dir("name-dotdot", false, &[("Chart.yaml", b"apiVersion: v2\nname: ..\nversion: 1.0.0\n")]),
        dir("name-slash", false, &[("Chart.yaml", b"apiVersion: v2\nname: a/b\nversion: 1.0.0\n")]),
        dir("name-control-only", false, &[("Chart.yaml", b"apiVersion: v2\nname: \"\\x01\"\nversion: 1.0.0\n")]),
        dir("type-other", false, &[("Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 1.0.0\ntype: plugin\n")]),
        dir("type-library", true, &[("Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 1.0.0\ntype: library\n")]),
        dir("null-maintainer", false, &[("Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 1.0.0\nmaintainers: [~]\n")]),
        dir("null-dependency", false, &[("Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 1.0.0\ndependencies: [~]\n")]),
        dir("alias-bad", false, &[("Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 1.0.0\ndependencies: [{name: a, alias: 'b c'}]\n")]),
        dir("alias-duplicate", false, &[("Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 1.0.0\ndependencies: [{name: a, alias: b}, {name: b}]\n")]),
        dir("dependency-scalars", true, &[(
            "Chart.yaml",
            b"apiVersion: v2\nname: demo\nversion: 1.0.0\ndependencies: [{name: 5, version: 1.10, repository: \" r\", tags: [1, \"t\\u0001\"], import-values: [a, {child: b, parent: c}], condition: x.enabled}]\n",
        )]),
        dir("dependency-enabled-string", false, &[("Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 1.0.0\ndependencies: [{name: a, enabled: 'x'}]\n")]),
        dir("deprecated-string", false, &[("Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 1.0.0\ndeprecated: 'true'\n")]),
        dir("name-list", false, &[("Chart.yaml", b"apiVersion: v2\nname: [a]\nversion: 1.0.0\n")]),
        dir("chart-yaml-list", false, &[("Chart.yaml", b"- a\n")]),
        dir("chart-yaml-empty", false, &[("Chart.yaml", b"")]),
        dir("kube-version-not-checked-at-load", true, &[("Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 1.0.0\nkubeVersion: not a constraint\n")]),
        // requirements.yaml / requirements.lock / Chart.lock.
        dir("requirements-v1", true, &[
            ("Chart.yaml", b"name: demo\nversion: 1.0.0\n"),
            ("requirements.yaml", b"dependencies: [{name: db, version: ~1.2, repository: https://x}]\n"),
            ("requirements.lock", b"dependencies: []\n"),
        ]),
        dir("requirements-v2", true, &[
            ("Chart.yaml", CHART),
            ("requirements.yaml", b"dependencies: [{name: db}]\n"),
            ("requirements.lock", b"dependencies: []\n"),
            ("Chart.lock", b"generated: 2020-01-01T00:00:00Z\n"),
        ]),
        dir("requirements-without-chart-yaml", true, &[("requirements.yaml", b"apiVersion: v1\nname: demo\nversion: 1.0.0\n")]),
        dir("values-only", false, &[("values.yaml", b"a: 1\n")]),
        dir("lock-empty", true, &[("Chart.yaml", CHART), ("Chart.lock", b"")]),
        dir("lock-date-only", false, &[("Chart.yaml", CHART), ("Chart.lock", b"generated: 2020-01-01\n")]),
        dir("lock-number", false, &[("Chart.yaml", CHART), ("Chart.lock", b"generated: 5\n")]),
        dir("lock-list", false, &[("Chart.yaml", CHART), ("Chart.lock", b"- a\n")]),
        // values.yaml: several documents, separators, shapes, BOM.
        dir("values-documents", true, &[("Chart.yaml", CHART), ("values.yaml", b"a: {x: 1, l: [1]}\n---\na: {z: 2, l: [2]}\n--- # c\nb: 1\n---\n~\n")]),
        dir("values-bad-separator", false, &[("Chart.yaml", CHART), ("values.yaml", b"a: 1\n--- foo\nb: 2\n")]),
        dir("values-four-dashes", false, &[("Chart.yaml", CHART), ("values.yaml", b"a: 1\n----\nb: 2\n")]),
        dir("values-list", false, &[("Chart.yaml", CHART), ("values.yaml", b"- 1\n")]),
        dir("values-scalar-document", false, &[("Chart.yaml", CHART), ("values.yaml", b"a: 1\n---\nfoo\n")]),
        dir("values-crlf", true, &[("Chart.yaml", CHART), ("values.yaml", b"a: 1\r\n---\r\nb: |\r\n  x\r\n")]),
        dir("values-block-with-dashes", true, &[("Chart.yaml", CHART), ("values.yaml", b"a: |\n  x\n  ---\n  y\nb: 2\n")]),
        dir("values-invalid-utf8", false, &[("Chart.yaml", CHART), ("values.yaml", b"a: \xff\n")]),
        dir("byte-order-marks", true, &[("Chart.yaml", b"\xEF\xBB\xBFapiVersion: v2\nname: demo\nversion: 1.0.0\n"), ("values.yaml", b"\xEF\xBB\xBFa: 1\n")]),
        dir("schema-and-files", true, &[
            ("Chart.yaml", CHART),
            ("values.schema.json", br#"{"type": "object", "required": ["a"]}"#),
            ("templates", b"a file, not a directory"),
            ("Chart.yaml.bak", b"x"),
            (".hidden", b"x"),
        ]),
        // .helmignore.
        dir("ignore-negation-keeps-yaml", true, &[(".helmignore", b"!*.yaml\n"), ("Chart.yaml", CHART), ("values.yaml", b"a: 1\n"), ("README.md", b"x"), ("templates/a.yaml", b"x")]),
        dir("ignore-negation-drops-chart-yaml", false, &[(".helmignore", b"*.txt\n!a.txt\n"), ("Chart.yaml", CHART), ("a.txt", b"x")]),
        dir("ignore-negated-directory", false, &[(".helmignore", b"!docs/\n"), ("Chart.yaml", CHART)]),
        dir("ignore-rules", true, &[
            (".helmignore", b"# comment\r\n  *.md  \r\ndocs/\n/top.txt\n\\*.txt\nsub/*.yaml\nimg[0-9].png\n"),
            ("Chart.yaml", CHART),
            ("README.md", b"x"),
            ("docs/a.txt", b"x"),
            ("top.txt", b"x"),
            ("nested/top.txt", b"x"),
            ("*.txt", b"x"),
            ("sub/a.yaml", b"x"),
            ("sub/deeper/a.yaml", b"x"),
            ("img1.png", b"x"),
            ("imgA.png", b"x"),
        ]),
        dir("ignore-double-star", false, &[(".helmignore", b"**/x\n"), ("Chart.yaml", CHART)]),
        dir("ignore-bad-pattern", false, &[(".helmignore", b"[z-\n"), ("Chart.yaml", CHART)]),
        dir("ignore-chart-yaml", false, &[(".helmignore", b"Chart.yaml\n"), ("Chart.yaml", CHART)]),
        dir("ignore-templates-dir", true, &[(".helmignore", b"templates/\n"), ("Chart.yaml", CHART), ("templates/a.yaml", b"x")]),
        dir("ignore-applies-to-subcharts", true, &[
            (".helmignore", b"*.md\ncharts/sub/extra/\n"),
            ("Chart.yaml", CHART),
            ("charts/sub/Chart.yaml", b"apiVersion: v2\nname: sub\nversion: 1.0.0\n"),
            ("charts/sub/README.md", b"x"),
            ("charts/sub/extra/a", b"x"),
            ("charts/sub/.helmignore", b"*\n"),
        ]),
        dir("template-dot-files", true, &[("Chart.yaml", CHART), ("templates/.hidden", b"x"), ("templates/sub/.hidden", b"x"), ("templates/a.yaml", b"x")]),
        // charts/.
        dir("charts-rules", true, &[
            ("Chart.yaml", CHART),
            ("charts/sub/Chart.yaml", b"apiVersion: v2\nname: sub\nversion: 1.0.0\n"),
            ("charts/sub/templates/a.yaml", b"x"),
            ("charts/sub/keys.prov", b"x"),
            ("charts/_x/Chart.yaml", b"broken: ["),
            ("charts/.y/z", b"x"),
            ("charts/_notes.txt", b"x"),
            ("charts/sub-1.0.0.tgz.prov", b"x"),
            ("charts/.prov", b"x"),
        ]),
        dir("charts-stray-file", false, &[("Chart.yaml", CHART), ("charts/README.md", b"x")]),
        dir("charts-dir-without-chart-yaml", false, &[("Chart.yaml", CHART), ("charts/sub/templates/a.yaml", b"x")]),
        dir("charts-directory-named-tgz", false, &[("Chart.yaml", CHART), ("charts/x.tgz/Chart.yaml", CHART)]),
        dir("charts-not-a-tgz", false, &[("Chart.yaml", CHART), ("charts/x.tgz", b"not gzip")]),
        dir("subchart-validated", false, &[("Chart.yaml", CHART), ("charts/sub/Chart.yaml", b"apiVersion: v2\nname: sub\n")]),
        // Archives.
        archive("archive-basic", true, &[("demo/", b""), ("demo/Chart.yaml", CHART), ("demo/templates/a.yaml", b"x"), ("demo/values.yaml", b"a: 1\n")]),
        archive("archive-no-helmignore", true, &[("demo/Chart.yaml", CHART), ("demo/.helmignore", b"*.md\n"), ("demo/README.md", b"x"), ("demo/templates/.hidden", b"x")]),
        archive("archive-backslashes", true, &[("demo\\Chart.yaml", CHART), ("demo\\templates\\a.yaml", b"x")]),
        archive("archive-rooted-top", true, &[("/Chart.yaml", CHART)]),
        archive("archive-mixed-tops", true, &[("a/Chart.yaml", CHART), ("b/values.yaml", b"x: 1\n")]),
        archive("archive-traversal", false, &[("demo/Chart.yaml", CHART), ("demo/../../etc/passwd", b"x")]),
        archive("archive-absolute-inside", false, &[("demo/Chart.yaml", CHART), ("demo//etc/passwd", b"x")]),
        archive("archive-drive", false, &[("demo/Chart.yaml", CHART), ("demo/c:/x", b"x")]),
        archive("archive-dotdot-name", false, &[("demo/Chart.yaml", CHART), ("demo/..x", b"x")]),
        archive("archive-chart-yaml-at-root", false, &[("Chart.yaml", CHART)]),
        archive("archive-chart-yaml-dir-at-root", false, &[("demo/Chart.yaml", CHART), ("Chart.yaml/x", b"x")]),
        archive("archive-empty", false, &[]),
        archive("archive-only-dirs", false, &[("demo/", b""), ("demo/templates/", b"")]),
    ];
    #[cfg(unix)]
    cases.extend([
        Case {
            name: "symlinks-followed",
            layout: Layout::Dir(&[("Chart.yaml", CHART), ("real/a.txt", b"a"), ("b.txt", b"b")]),
            setup: Some(|root| {
                std::os::unix::fs::symlink("b.txt", root.join("link.txt")).expect("symlink");
                std::os::unix::fs::symlink("real", root.join("linkdir")).expect("symlink");
            }),
            loads: true,
        },
        Case {
            name: "symlink-dangling",
            layout: Layout::Dir(&[("Chart.yaml", CHART)]),
            setup: Some(|root| {
                std::os::unix::fs::symlink("nowhere", root.join("x")).expect("symlink")
            }),
            loads: false,
        },
    ]);
    cases
}

fn materialise(case: &Case, temp: &Path) -> PathBuf {
    match &case.layout {
        Layout::Dir(files) => {
            let root = temp.join("demo");
            std::fs::create_dir_all(&root).expect("mkdir");
            write_tree(&root, files);
            if let Some(setup) = case.setup {
                setup(&root);
            }
            root
        }
        Layout::Tgz(entries) => {
            let path = temp.join("demo-1.0.0.tgz");
            std::fs::write(&path, tgz(entries)).expect("write archive");
            path
        }
    }
}

#[test]
fn edge_cases_load_like_helm() {
    let Some(peer) = helm_peer() else { return };
    for case in cases() {
        let temp = tempfile::tempdir().expect("temp dir");
        let path = materialise(&case, temp.path());
        let ours = windlass_chart::load(&path);
        let helm = peer.call("load", &path, &Value::Null);
        let name = case.name;
        match (ours, helm) {
            (Ok(ours), Ok(helm)) => {
                assert!(
                    case.loads,
                    "{name}: both load, but the case expects a refusal"
                );
                compare_one(&helm, &ours, name);
            }
            (Err(ours), Err(_)) => assert!(!case.loads, "{name}: both refuse: {ours}"),
            (Ok(_), Err(helm)) => panic!("{name}: Helm refuses ({helm}) but windlass loads"),
            (Err(ours), Ok(_)) => panic!("{name}: windlass refuses ({ours}) but Helm loads"),
        }
    }
}

/// The one deliberate difference: windlass's YAML reader refuses duplicate
/// mapping keys (the crate's policy for untrusted input), where Helm keeps
/// the last value silently (and only `helm lint` warns).
#[test]
fn duplicate_keys_are_refused_where_helm_keeps_the_last() {
    let Some(peer) = helm_peer() else { return };
    let temp = tempfile::tempdir().expect("temp dir");
    let root = temp.path().join("demo");
    write_tree(
        &root,
        &[
            ("Chart.yaml", CHART),
            ("values.yaml", b"a: 1\nb: 2\na: 3\n"),
        ],
    );
    let helm = peer
        .call("load", &root, &Value::Null)
        .expect("Helm loads it");
    assert_eq!(helm["values"]["a"], 3);
    let message = windlass_chart::load(&root)
        .expect_err("windlass refuses it")
        .to_string();
    // The line is that of the second `a`.
    assert!(
        message.starts_with(&format!("`{}/values.yaml` line 3: ", root.display()))
            && message.ends_with("duplicate entry with key \"a\""),
        "{message}"
    );

    // The same holds for Chart.yaml.
    write_tree(
        &root,
        &[
            (
                "Chart.yaml",
                b"apiVersion: v2\nname: demo\nversion: 1.0.0\nversion: 1.0.1\n",
            ),
            ("values.yaml", b""),
        ],
    );
    let helm = peer
        .call("load", &root, &Value::Null)
        .expect("Helm loads it");
    assert_eq!(helm["metadata"]["version"], "1.0.1");
    let message = windlass_chart::load(&root)
        .expect_err("windlass refuses it")
        .to_string();
    assert!(
        message.starts_with(&format!("`{}/Chart.yaml` line 4: ", root.display())),
        "{message}"
    );
}
