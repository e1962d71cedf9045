//! The cases of `tests/cases/*.json` against what real Helm 4 did with them
//! (`*.expected.json`, recorded by `tests/helm-peer/record_templates.py`).
//! For now the parse errors: every case Helm refused to parse must fail to
//! parse here with Helm's message.

use std::path::Path;

use serde_json::Value;
use windlass_template::parse::parse;

/// The name Helm gives the case's template.
const NAME: &str = "t/templates/t.txt";

#[test]
fn parse_errors_match_helm() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("cases dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p.to_string_lossy().ends_with(".expected.json")
        })
        .collect();
    files.sort();
    for file in files {
        let cases: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("JSON");
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(file.with_extension("expected.json"))
                .expect("recorded expectations; run tests/helm-peer/record_templates.py"),
        )
        .expect("JSON");
        for case in cases {
            let name = case["name"].as_str().expect("name");
            let template = case["template"].as_str().expect("template");
            let Some(helm) = expected[name]["error"].as_str() else {
                continue;
            };
            if !helm.starts_with("parse error at ") {
                continue;
            }
            checked += 1;
            // No function beyond Go's builtins is used by these cases.
            match parse(NAME, template, &|_| false) {
                Ok(_) => failures.push(format!("{name}: parsed, Helm said {helm}")),
                Err(e) if e.helm_message() == helm => {}
                Err(e) => {
                    failures.push(format!("{name}: {:?}\n  Helm: {helm:?}", e.helm_message()))
                }
            }
        }
    }
    assert!(checked > 0, "no parse-error case found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
