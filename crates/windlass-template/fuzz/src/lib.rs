//! The bodies of windlass-template's fuzz targets. The libFuzzer binaries in
//! `fuzz_targets/` (nightly, `cargo fuzz`) call them, and the stable smoke
//! test `tests/fuzz_smoke.rs` includes this file as a module and feeds them a
//! deterministic corpus, so the bodies build and run with the normal suite.
//!
//! A body panics only on a bug: errors are the expected answer to most inputs.

use std::rc::Rc;

use windlass_chart::{Chart, File, Values};
use windlass_template::lex::{ItemKind, lex};
use windlass_template::value::Value;
use windlass_template::{RenderContext, RenderError, funcs, parse, render};

/// Lexes and parses `text` as a template.
pub fn lex_parse(text: &str) {
    let lexed = lex(text);
    let items = lexed.items;
    // Documented contract: items end with `Eof` or, on failure, `Error` (with
    // a message); error locations slice the text at item positions.
    let last = items.last().map(|item| item.kind);
    assert!(
        matches!(last, Some(ItemKind::Eof | ItemKind::Error)),
        "items end with {last:?}"
    );
    for item in &items {
        assert!(
            text.is_char_boundary(item.pos),
            "item {item:?} is not at a character boundary of the text"
        );
    }
    assert_eq!(last == Some(ItemKind::Error), lexed.error.is_some());
    if let Err(error) = parse::parse("fuzz", text) {
        let _ = error.helm_message();
    }
}

/// Helm's scaffold-style helpers, so that `include`s in the input resolve.
const HELPERS: &str = r#"{{- define "fuzz.name" -}}
{{ default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "fuzz.labels" -}}
app.kubernetes.io/name: {{ include "fuzz.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
"#;

/// Renders `text` as `templates/fuzz.yaml` of a small chart (helpers, a file
/// for `.Files`, a few values of each kind).
pub fn render_template(text: &str) {
    let mut chart = Chart::default();
    chart.metadata.name = "fuzz".into();
    chart.metadata.version = "0.1.0".into();
    chart.templates = vec![
        File::new("templates/_helpers.tpl", HELPERS),
        File::new("templates/fuzz.yaml", text),
    ];
    chart.files = vec![File::new("files/config.ini", "[main]\nkey = value\n")];
    let context = RenderContext {
        kube_version: "v1.36.0".into(),
        ..RenderContext::default()
    };
    // The renderer runs on its own thread and turns a panic there into this
    // error: for the fuzzer it is a crash.
    if let Err(RenderError::Template { message }) = render(&chart, &values(), &context) {
        assert_ne!(
            message, "the renderer failed unexpectedly",
            "the renderer panicked"
        );
    }
}

fn values() -> Values {
    let json = serde_json::json!({
        "replicaCount": 2,
        "big": 1_000_000,
        "ratio": 0.5,
        "enabled": true,
        "name": "web",
        "nameOverride": "",
        "image": {"repository": "nginx", "tag": "1.25", "pullPolicy": "IfNotPresent"},
        "ports": [80, 443],
        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "two"}],
        "annotations": {"a.io/x": "y", "empty": null},
    });
    match json {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("an object literal"),
    }
}

/// Builds a value from `data` (JSON text as Go decodes it, else a tree drawn
/// from the bytes), writes it with `toYaml` and `toYamlPretty`, and reads the
/// YAML back with `fromYaml` and `fromYamlArray`; then reads `data` itself as
/// YAML.
pub fn to_yaml(data: &[u8]) {
    let value = match serde_json::from_slice::<serde_json::Value>(data) {
        Ok(json) => Value::from(&json),
        Err(_) => Builder { data }.value(0),
    };
    let function = |name| funcs::lookup(name).expect("a registered function");
    let readers = [function("fromYaml"), function("fromYamlArray")];
    let read_all = |text: String| {
        for reader in &readers {
            let _ = (reader.call)(&[Value::String(text.clone())]);
        }
    };
    for writer in [function("toYaml"), function("toYamlPretty")] {
        if let Ok(Value::String(yaml)) = (writer.call)(std::slice::from_ref(&value)) {
            read_all(yaml);
        }
    }
    read_all(String::from_utf8_lossy(data).into_owned());
}

/// Strings YAML treats specially: they must be quoted or escaped to read back
/// as the same string.
const TRICKY_STRINGS: [&str; 24] = [
    "",
    "true",
    "no",
    "~",
    "null",
    "1:20",
    "0x1F",
    "1e3",
    ".inf",
    "- a",
    "a: b",
    "#c",
    "a\nb\n",
    " lead",
    "trail ",
    "\t",
    "\"q\"",
    "'",
    "2024-01-01",
    "é\u{FEFF}",
    "a\r\nb",
    "<<",
    "&x *x",
    "|\n>",
];

/// Reads a value tree from bytes: each value takes a tag byte, then what its
/// kind needs; missing bytes read as zero, so every input is a value.
struct Builder<'a> {
    data: &'a [u8],
}

impl Builder<'_> {
    const MAX_DEPTH: u32 = 8;

    fn byte(&mut self) -> u8 {
        let (&first, rest) = self.data.split_first().unwrap_or((&0, &[]));
        self.data = rest;
        first
    }

    fn u64(&mut self) -> u64 {
        (0..8).fold(0, |n, _| (n << 8) | u64::from(self.byte()))
    }

    fn bytes(&mut self) -> Vec<u8> {
        let len = usize::from(self.byte() % 32).min(self.data.len());
        let (taken, rest) = self.data.split_at(len);
        self.data = rest;
        taken.to_vec()
    }

    fn string(&mut self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    fn value(&mut self, depth: u32) -> Value {
        let tag = self.byte();
        let nested = depth < Self::MAX_DEPTH;
        match tag % 11 {
            1 => Value::Bool(tag & 0x80 != 0),
            2 => Value::Int(self.u64().cast_signed()),
            3 => Value::Int64(self.u64().cast_signed()),
            // Every bit pattern: NaN, infinities, -0, subnormals.
            4 => Value::Float(f64::from_bits(self.u64())),
            5 => Value::Float(f64::from(self.byte()) * 10f64.powi(i32::from(tag % 13) - 6)),
            6 => Value::String(self.string()),
            7 => Value::str(TRICKY_STRINGS[usize::from(self.byte()) % TRICKY_STRINGS.len()]),
            8 => Value::Bytes(Rc::new(self.bytes())),
            9 if nested => {
                let len = self.byte() % 6;
                Value::list((0..len).map(|_| self.value(depth + 1)).collect())
            }
            10 if nested => {
                let len = self.byte() % 6;
                Value::map(
                    (0..len)
                        .map(|_| (self.string(), self.value(depth + 1)))
                        .collect(),
                )
            }
            _ => Value::Nil,
        }
    }
}
