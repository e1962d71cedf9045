//! Values handling against real Helm v4 (the `helm-python-sdk` peer) over the
//! chart corpus and the fixture charts in `tests/fixtures/values/` (which exercise
//! what the corpus does not: shared `global` maps, conflicting subchart globals,
//! aliases, tags, nested conditions, `import-values`): coalescing, dependency
//! processing and schema validation must give Helm's results for the same chart and
//! user values. Each fixture lists its user value sets in `user-values.json`.
//!
//! What each peer command composes, found by experiment and matched here:
//! - `merge-values` is `CoalesceValues(chart as loaded, user values)`: no dependency
//!   processing, so every loaded subchart takes part under its chart name (not its
//!   alias), conditions are ignored and nothing is imported. Ours: [`coalesce`] on
//!   the chart straight from the loader.
//! - `validate-schema` is `ValidateAgainstSchema(chart as loaded,
//!   CoalesceValues(chart, user values))`. Ours: [`schema::validate`] on
//!   [`coalesce`]'s result.
//! - `render` runs the install pipeline (`ProcessDependencies`, then
//!   `ToRenderValues`), so a template that prints `toJson .Values` shows the
//!   processed, coalesced values. Ours: [`process_dependencies`], [`coalesce`],
//!   then [`schema::validate`] (rendering fails on a schema violation).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Number, Value, json};
use windlass_chart::dependencies::process_dependencies;
use windlass_chart::values::coalesce;
use windlass_chart::{Chart, Values, schema};
use windlass_testsupport::{HelmPeer, corpus_charts, helm_peer};

fn load_chart(dir: &Path) -> Chart {
    windlass_chart::load::load(dir).unwrap_or_else(|err| panic!("load `{}`: {err}", dir.display()))
}

/// The corpus and the peer, or `None` (with the reason printed) outside CI.
fn setup() -> Option<(Vec<PathBuf>, HelmPeer)> {
    Some((corpus_charts()?, helm_peer()?))
}

/// A labelled set of user values.
type ValueSet = (String, Values);

/// The fixture charts with the value sets each lists in `user-values.json`.
fn fixtures() -> Vec<(PathBuf, Vec<ValueSet>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/values");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .expect("fixtures directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Chart.yaml").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 2, "fixtures under {}", root.display());
    dirs.into_iter()
        .map(|dir| {
            let text = fs::read(dir.join("user-values.json")).expect("user-values.json");
            let sets: Vec<Value> = serde_json::from_slice(&text).expect("user-values.json is JSON");
            let sets = sets
                .into_iter()
                .map(|set| {
                    (
                        set["label"].as_str().expect("label").to_string(),
                        object(set["values"].clone()),
                    )
                })
                .collect();
            (dir, sets)
        })
        .collect()
}

fn chart_label(dir: &Path) -> String {
    dir.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// Numbers compared by value: Helm holds every YAML number as a float64, so `1`,
/// `1.0` and an int64 `1` are the same value to it.
fn normalise(value: &Value) -> Value {
    match value {
        Value::Number(n) => n
            .as_f64()
            .and_then(Number::from_f64)
            .map_or_else(|| value.clone(), Value::Number),
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), normalise(v))).collect())
        }
        other => other.clone(),
    }
}

/// The first difference between two values, as a path and both sides.
fn first_difference(path: &str, ours: &Value, helm: &Value) -> Option<String> {
    match (ours, helm) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys()) {
                let sub = format!("{path}/{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => {
                        if let Some(diff) = first_difference(&sub, x, y) {
                            return Some(diff);
                        }
                    }
                    (x, y) => return Some(format!("{sub}: ours {x:?}, helm {y:?}")),
                }
            }
            None
        }
        _ if normalise(ours) == normalise(helm) => None,
        _ => Some(format!("{path}: ours {ours}, helm {helm}")),
    }
}

fn object(value: Value) -> Values {
    match value {
        Value::Object(map) => map,
        other => panic!("expected an object, got {other}"),
    }
}

/// The first key (in order) whose value satisfies `pick`.
fn first_key(map: &Values, pick: impl Fn(&Value) -> bool) -> Option<String> {
    map.iter()
        .find(|(k, v)| k.as_str() != "global" && pick(v))
        .map(|(k, _)| k.clone())
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Object(_) | Value::Null)
}

/// User value sets that exercise the coalescing rules on a given chart:
/// defaults only; a `null` that deletes a top-level default and one nested default;
/// a `global` value (new and overriding); a subchart override with a `null` that
/// deletes one of the subchart's defaults; and all of them at once.
fn user_value_sets(chart: &Chart) -> Vec<ValueSet> {
    let defaults = &chart.values;
    let mut sets = vec![("defaults".to_string(), Values::new())];

    let mut nulls = Values::new();
    if let Some(key) = first_key(defaults, is_scalar) {
        nulls.insert(key, Value::Null);
    }
    if let Some(table) = first_key(
        defaults,
        |v| matches!(v, Value::Object(m) if m.values().any(is_scalar)),
    ) {
        let inner = defaults[&table]
            .as_object()
            .and_then(|m| first_key(m, is_scalar));
        if let Some(inner) = inner {
            nulls.insert(table, json!({ inner: null, "windlassAdded": "x" }));
        }
    }
    nulls.insert("windlassUnknownNull".to_string(), Value::Null);
    sets.push(("nulls".to_string(), nulls.clone()));

    let mut global = json!({"windlassGlobal": "from-user", "windlassTable": {"a": 1}});
    if let Some(Value::Object(existing)) = defaults.get("global") {
        if let Some(key) = first_key(existing, is_scalar) {
            global[key] = json!("overridden-global");
        }
        if let Some(key) = first_key(existing, |v| v.is_object()) {
            global[key] = json!({"windlassNested": true});
        }
    }
    let globals = object(json!({ "global": global }));
    sets.push(("global".to_string(), globals.clone()));

    let mut sub_override = Values::new();
    if let Some(sub) = chart.dependencies.first() {
        let mut overrides = Map::new();
        if let Some(key) = first_key(&sub.values, is_scalar) {
            overrides.insert(key, json!("overridden-in-subchart"));
        }
        if let Some(key) = sub
            .values
            .keys()
            .filter(|k| sub.values[*k].is_string())
            .nth(1)
        {
            overrides.insert(key.clone(), Value::Null);
        }
        // Subchart-level globals, some colliding with the parent's: the parent wins.
        let mut sub_global = json!({"windlassSubGlobal": 1, "windlassGlobal": "from-subchart"});
        if let Some(Value::Object(existing)) = defaults.get("global") {
            if let Some(key) = first_key(existing, is_scalar) {
                sub_global[key] = json!("subchart-global");
            }
            if let Some(key) = first_key(existing, |v| v.is_object()) {
                sub_global[key] = json!({"windlassFromSubchart": true});
            }
        }
        overrides.insert("global".to_string(), sub_global);
        sub_override.insert(sub.name().to_string(), Value::Object(overrides));
    }
    sets.push(("subchart".to_string(), sub_override.clone()));

    let mut all = nulls;
    all.extend(globals);
    for (k, v) in sub_override {
        all.insert(k, v);
    }
    sets.push(("all".to_string(), all));
    sets
}

#[test]
fn coalesce_matches_helm_merge_values() {
    let Some((charts, peer)) = setup() else {
        return;
    };
    let mut cases: Vec<(PathBuf, Vec<ValueSet>)> = charts
        .iter()
        .map(|dir| (dir.clone(), user_value_sets(&load_chart(dir))))
        .collect();
    cases.extend(fixtures());
    let mut failures = Vec::new();
    let mut compared = 0;
    for (dir, sets) in &cases {
        let chart = load_chart(dir);
        let name = chart_label(dir);
        for (label, user) in sets {
            compared += 1;
            let helm = peer.call("merge-values", dir, &Value::Object(user.clone()));
            match (coalesce(&chart, user), helm) {
                (Ok(ours), Ok(helm)) => {
                    if let Some(diff) = first_difference("", &Value::Object(ours), &helm) {
                        failures.push(format!("{name} [{label}]: {diff}"));
                    }
                }
                (Err(_), Err(_)) => {}
                (ours, helm) => {
                    failures.push(format!("{name} [{label}]: ours {ours:?}, helm {helm:?}"))
                }
            }
        }
    }
    assert!(
        compared >= charts.len() * 5,
        "every chart was compared with several value sets"
    );
    assert!(
        failures.is_empty(),
        "differences from Helm:\n{}",
        failures.join("\n")
    );
}

/// A value of the wrong JSON type for a schema `type`.
fn wrong_value_for(schema_type: &str) -> Option<Value> {
    Some(match schema_type {
        "integer" | "number" => json!("not-a-number"),
        "boolean" => json!("not-a-boolean"),
        "string" => json!(12345),
        "array" => json!("not-a-list"),
        "object" => json!(["not", "a", "map"]),
        _ => return None,
    })
}

/// The `/path`s Helm's message reports (`- at '/path': ...`).
fn helm_paths(message: &str) -> Vec<String> {
    let mut paths: Vec<String> = message
        .lines()
        .filter_map(|line| line.strip_prefix("- at '"))
        .filter_map(|rest| rest.split_once('\'').map(|(p, _)| p.to_string()))
        .collect();
    paths.sort();
    paths
}

/// Every chart in the tree with a schema, with the path of value keys leading to it.
fn charts_with_schema<'a>(
    chart: &'a Chart,
    path: Vec<String>,
    out: &mut Vec<(Vec<String>, &'a Chart)>,
) {
    if chart.schema.is_some() {
        out.push((path.clone(), chart));
    }
    for sub in &chart.dependencies {
        let mut sub_path = path.clone();
        sub_path.push(sub.name().to_string());
        charts_with_schema(sub, sub_path, out);
    }
}

#[test]
fn schema_validation_agrees_with_helm() {
    let Some((charts, peer)) = setup() else {
        return;
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for dir in &charts {
        let chart = load_chart(dir);
        let name = chart_label(dir);
        let mut with_schema = Vec::new();
        charts_with_schema(&chart, Vec::new(), &mut with_schema);
        for (path, schema_chart) in with_schema {
            let schema: Value =
                serde_json::from_slice(schema_chart.schema.as_deref().unwrap_or_default())
                    .unwrap_or_else(|err| {
                        panic!("{name}: schema of `{}`: {err}", schema_chart.name())
                    });
            // A property with a single plain type, given a value of another type.
            let bad = schema["properties"].as_object().and_then(|props| {
                props.iter().find_map(|(key, prop)| {
                    let wrong = wrong_value_for(prop.get("type")?.as_str()?)?;
                    (!prop.as_object()?.contains_key("anyOf")).then(|| (key.clone(), wrong))
                })
            });
            let Some((key, wrong)) = bad else { continue };
            let mut failing = json!({ key.clone(): wrong });
            for step in path.iter().rev() {
                failing = json!({ step.clone(): failing });
            }
            for (label, user) in [("defaults", Values::new()), ("failing", object(failing))] {
                let helm = peer
                    .call("validate-schema", dir, &Value::Object(user.clone()))
                    .unwrap_or_else(|err| panic!("{name}: peer: {err}"));
                let ours = coalesce(&chart, &user).map(|values| schema::validate(&chart, &values));
                let ours = match ours {
                    Ok(result) => result,
                    Err(err) => panic!("{name} [{label}]: coalesce failed: {err}"),
                };
                checked += 1;
                let helm_ok = helm["ok"] == json!(true);
                if helm_ok != (label == "defaults") {
                    failures.push(format!(
                        "{name} [{label}, {key}]: unexpected Helm result {helm}"
                    ));
                    continue;
                }
                match (&ours, helm_ok) {
                    (Ok(()), true) => {}
                    (Err(windlass_chart::ValuesError::Schema { failures: ours }), false) => {
                        let mut our_paths: Vec<String> = ours
                            .iter()
                            .filter_map(|f| f.instance_path.clone())
                            .collect();
                        our_paths.sort();
                        let helm_message = helm["error"].as_str().unwrap_or_default();
                        if our_paths != helm_paths(helm_message) {
                            failures.push(format!(
                                "{name} [{label}, {key}]: paths differ: ours {our_paths:?}, helm {helm_message}"
                            ));
                        }
                    }
                    (ours, _) => failures.push(format!(
                        "{name} [{label}, {key}]: ours {ours:?}, helm {helm}"
                    )),
                }
            }
        }
    }
    assert!(checked >= 2, "the corpus has charts with schemas");
    assert!(
        failures.is_empty(),
        "differences from Helm:\n{}",
        failures.join("\n")
    );
}

/// A copy of a chart's values-related files (recursively through `charts/`) with
/// one template that prints `.Values` as JSON, so the peer's `render` shows the
/// values after dependency processing.
fn values_only_copy(from: &Path, to: &Path, top: bool) {
    fs::create_dir_all(to).expect("create chart copy");
    for file in [
        "Chart.yaml",
        "values.yaml",
        "values.schema.json",
        "requirements.yaml",
    ] {
        if from.join(file).is_file() {
            fs::copy(from.join(file), to.join(file)).expect("copy chart file");
        }
    }
    if top {
        fs::create_dir_all(to.join("templates")).expect("create templates");
        fs::write(to.join("templates/values.json"), "{{ toJson .Values }}\n")
            .expect("write template");
    }
    let Ok(entries) = fs::read_dir(from.join("charts")) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.join("Chart.yaml").is_file() {
            values_only_copy(&path, &to.join("charts").join(entry.file_name()), false);
        } else if path.is_file() {
            fs::create_dir_all(to.join("charts")).expect("create charts");
            fs::copy(&path, to.join("charts").join(entry.file_name()))
                .expect("copy subchart archive");
        }
    }
}

/// User value sets that switch each declared dependency through its condition and
/// its tags.
fn dependency_value_sets(chart: &Chart) -> Vec<ValueSet> {
    let mut sets = vec![("defaults".to_string(), Values::new())];
    for dep in &chart.metadata.dependencies {
        if let Some(condition) = dep.condition.split(',').next().filter(|c| !c.is_empty()) {
            for enabled in [false, true] {
                let mut value = json!(enabled);
                for step in condition.split('.').rev() {
                    value = json!({ step: value });
                }
                sets.push((format!("{condition}={enabled}"), object(value)));
            }
        }
        for tag in &dep.tags {
            sets.push((
                format!("tags.{tag}=false"),
                object(json!({"tags": { tag.clone(): false }})),
            ));
        }
    }
    sets
}

#[test]
fn dependency_processing_matches_helm_render() {
    let Some((charts, peer)) = setup() else {
        return;
    };
    let mut cases: Vec<(PathBuf, Vec<ValueSet>)> = charts
        .iter()
        .map(|dir| (dir.clone(), dependency_value_sets(&load_chart(dir))))
        .collect();
    cases.extend(fixtures());
    let scratch = tempfile::tempdir().expect("temp dir");
    let mut failures = Vec::new();
    let mut compared = 0;
    for (dir, sets) in &cases {
        let name = chart_label(dir);
        let copy = scratch.path().join(&name);
        values_only_copy(dir, &copy, true);
        let loaded = load_chart(&copy);
        for (label, user) in sets {
            compared += 1;
            let rendered = peer.call("render", &copy, &json!({ "values": user }));
            let mut chart = loaded.clone();
            let ours = process_dependencies(&mut chart, user)
                .and_then(|()| coalesce(&chart, user))
                .and_then(|values| schema::validate(&chart, &values).map(|()| values));
            match (ours, rendered) {
                (Ok(ours), Ok(rendered)) => {
                    let text = rendered[format!("{}/templates/values.json", loaded.name())]
                        .as_str()
                        .unwrap_or_else(|| panic!("{name}: no values.json in {rendered}"));
                    let helm: Value = serde_json::from_str(text).expect("Helm printed JSON");
                    if let Some(diff) = first_difference("", &Value::Object(ours), &helm) {
                        failures.push(format!("{name} [{label}]: {diff}"));
                    }
                }
                (Err(_), Err(_)) => {}
                (ours, helm) => {
                    failures.push(format!("{name} [{label}]: ours {ours:?}, helm {helm:?}"))
                }
            }
        }
    }
    assert!(
        compared > charts.len() * 2,
        "conditions and tags were exercised"
    );
    assert!(
        failures.is_empty(),
        "differences from Helm:\n{}",
        failures.join("\n")
    );
}
