//! The cases of `tests/cases/*.json` against what real Helm 4 did with them
//! (`*.expected.json`, recorded by `tests/helm-peer/record_templates.py`).
//! Every case Helm refused to parse must fail to parse here with Helm's
//! message, and every case must render as Helm rendered it (but for the
//! listed known differences).

use std::path::Path;

use serde_json::Value;
use windlass_template::parse::parse;

/// The name Helm gives the case's template.
const NAME: &str = "t/templates/t.txt";

#[test]
fn parse_errors_match_helm() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (_, case, helm) in recorded_cases() {
        let name = case["name"].as_str().expect("name");
        let template = case["template"].as_str().expect("template");
        let Some(helm) = helm["error"].as_str() else {
            continue;
        };
        if !helm.starts_with("parse error at ") {
            continue;
        }
        checked += 1;
        match parse(NAME, template) {
            Ok(_) => failures.push(format!("{name}: parsed, Helm said {helm}")),
            Err(e) if e.helm_message() == helm => {}
            Err(e) => failures.push(format!("{name}: {:?}\n  Helm: {helm:?}", e.helm_message())),
        }
    }
    assert!(checked > 0, "no parse-error case found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Cases that differ from Helm, each for a reason the value model cannot
/// express yet (docs/templates.md, "Known differences"). They must keep
/// differing: one that starts to match is reported, so the list stays true.
const KNOWN_DIFFERENCES: [(&str, &str, &str); 3] = [
    (
        "executor.json",
        "chart-fields",
        "`.Chart.Annotations` is a nil map[string]string in Helm (typeOf, toJson null)",
    ),
    (
        "serial.json",
        "json-struct-field-order",
        "toJson writes a Go struct's fields in declaration order; objects give sorted maps",
    ),
    (
        "serial.json",
        "from-toml-table-array-type",
        "typeOf of a TOML array of tables is []map[string]interface {}; lists are untyped",
    ),
];

/// Every recorded case rendered as Helm rendered it: chart `t` with the case's
/// template as `templates/t.txt`, its values and files; the output, or
/// Helm's error message, must be identical.
#[test]
fn renders_match_helm() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (file, case, expected) in recorded_cases() {
        let name = case["name"].as_str().expect("name");
        let mut chart = windlass_chart::Chart::default();
        chart.metadata.name = "t".into();
        chart.metadata.version = "0.1.0".into();
        chart.metadata.api_version = "v2".into();
        chart.templates.push(windlass_chart::File::new(
            "templates/t.txt",
            case["template"].as_str().expect("template"),
        ));
        if let Some(files) = case["files"].as_object() {
            for (path, text) in files {
                let file = windlass_chart::File::new(path.as_str(), text.as_str().expect("text"));
                if path.starts_with("templates/") {
                    chart.templates.push(file);
                } else {
                    chart.files.push(file);
                }
            }
        }
        let values = case["values"].as_object().cloned().unwrap_or_default();
        let got = windlass_template::render(
            &chart,
            &values,
            &windlass_template::RenderContext {
                kube_version: "v1.36.0".into(),
                ..Default::default()
            },
        );
        checked += 1;
        let got = match got {
            Ok(files) => serde_json::json!({
                "output": files.get("t/templates/t.txt").cloned().unwrap_or_default()
            }),
            Err(e) => serde_json::json!({ "error": e.to_string() }),
        };
        let known = KNOWN_DIFFERENCES
            .iter()
            .any(|(f, n, _)| *f == file && *n == name);
        match (got == expected, known) {
            (false, false) => {
                failures.push(format!(
                    "{file}: {name}:\n  got:  {got}\n  Helm: {expected}"
                ));
            }
            (true, true) => failures.push(format!(
                "{file}: {name} now matches Helm: remove it from KNOWN_DIFFERENCES"
            )),
            _ => {}
        }
    }
    assert!(checked > 0, "no case found");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ from Helm:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `(cases file, case, what Helm did)` for every recorded case.
fn recorded_cases() -> Vec<(String, Value, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("cases dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p.to_string_lossy().ends_with(".expected.json")
        })
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let cases: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("JSON");
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(file.with_extension("expected.json"))
                .expect("recorded expectations; run tests/helm-peer/record_templates.py"),
        )
        .expect("JSON");
        let label = file
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        for case in cases {
            let name = case["name"].as_str().expect("name").to_string();
            out.push((label.clone(), case, expected[&name].clone()));
        }
    }
    out
}
