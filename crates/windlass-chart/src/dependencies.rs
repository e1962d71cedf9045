//! Dependency processing, as Helm v4's `ProcessDependencies` does it before
//! rendering: which subcharts take part, under which name, and which of their values
//! the parent imports.
//!
//! For a chart that declares dependencies (recursively, top down):
//!
//! 1. Loaded subcharts are matched to `Chart.yaml` entries by name and version range;
//!    each entry gets a copy of its chart, renamed to the entry's `alias` if it has
//!    one, and the entry's `name` becomes the alias. Loaded subcharts no entry
//!    matches are kept as they are.
//! 2. Every entry is enabled, then `tags` are applied (a subchart with tags is
//!    disabled only if one of its tags is `false` in `tags:` and none is `true`), then
//!    `condition` overrides: the comma-separated paths are looked up in the coalesced
//!    values (for a nested subchart, prefixed with its parents' names) and the first
//!    that holds a boolean decides.
//! 3. Disabled subcharts are removed, with their entries.
//!
//! Then, bottom up, `import-values` copy child values into the parent's defaults: a
//! string `x` imports the child's `exports.x` table to the parent's root, a
//! `{child, parent}` map imports the table at `child` to the path `parent`. Values
//! the parent sets itself win over imported ones. A chart with dependencies also
//! gets its subcharts' defaults merged into its own (nulls kept), as in Helm.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::constraint::is_compatible_range;
use crate::values::{Coalescer, ValuesError, tree};
use crate::{Chart, Dependency, Values};

/// Processes `chart`'s dependencies against the user values (before coalescing).
///
/// # Errors
/// Coalescing along the way finds a subchart whose values are not a map.
pub fn process_dependencies(chart: &mut Chart, user: &Values) -> Result<(), ValuesError> {
    process_dependencies_with_warnings(chart, user).map(|_| ())
}

/// As [`process_dependencies`], also returning the warnings Helm logs (a condition or
/// tag that is not a boolean, an import whose table is missing, coalescing
/// warnings).
///
/// # Errors
/// As [`process_dependencies`].
pub fn process_dependencies_with_warnings(
    chart: &mut Chart,
    user: &Values,
) -> Result<Vec<String>, ValuesError> {
    let mut coalescer = Coalescer::default();
    process_enabled(chart, &tree::from_json(user), "", &mut coalescer)?;
    process_import_values(chart, &mut coalescer)?;
    Ok(coalescer.warnings)
}

/// Helm's `processDependencyEnabled`.
fn process_enabled(
    chart: &mut Chart,
    values: &tree::Table<'_>,
    path: &str,
    coalescer: &mut Coalescer,
) -> Result<(), ValuesError> {
    if chart.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let loaded = std::mem::take(&mut chart.dependencies);
    let reqs = &chart.metadata.dependencies;
    let matches = |loaded: &Chart, req: &Dependency| {
        loaded.name() == req.name && compatible(&req.version, &loaded.metadata.version)
    };
    // Helm's `getAliasDependency`: each entry takes the first loaded chart it
    // matches. Loaded charts no entry matches are kept as they are.
    let picks: Vec<Option<usize>> = reqs
        .iter()
        .map(|req| loaded.iter().position(|c| matches(c, req)))
        .collect();
    let kept: Vec<bool> = loaded
        .iter()
        .map(|c| !reqs.iter().any(|req| matches(c, req)))
        .collect();
    // Copies are needed only while a chart has more takers: the last one
    // gets the chart itself (a copy holds every file of it).
    let mut takers = vec![0_usize; loaded.len()];
    for &i in picks.iter().flatten() {
        takers[i] += 1;
    }
    let mut loaded: Vec<Option<Chart>> = loaded.into_iter().map(Some).collect();
    let mut attached: Vec<Chart> = Vec::new();
    for (slot, keep) in loaded.iter_mut().zip(kept) {
        if keep {
            attached.extend(slot.take());
        }
    }
    for (req, pick) in chart.metadata.dependencies.iter_mut().zip(picks) {
        if let Some(i) = pick {
            takers[i] -= 1;
            let taken = if takers[i] == 0 {
                loaded[i].take()
            } else {
                loaded[i].clone()
            };
            if let Some(mut copy) = taken {
                if !req.alias.is_empty() {
                    copy.metadata.name = req.alias.clone();
                }
                attached.push(copy);
            }
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    chart.dependencies = attached;
    // Out of the chart while a tree borrows the chart (coalescing does not
    // read them).
    let mut reqs = std::mem::take(&mut chart.metadata.dependencies);
    for req in &mut reqs {
        req.enabled = true;
    }

    if chart
        .dependencies
        .iter()
        .all(|sub| sub.metadata.dependencies.is_empty())
    {
        // No subchart has anything to process: the tree is only read here,
        // so it borrows the chart's defaults.
        let coalesced = tree::deep_copy(values);
        let disabled = decide(
            chart,
            &coalesced,
            tree::nodes_from_json,
            &mut reqs,
            path,
            coalescer,
        );
        return drop_disabled(chart, reqs, disabled);
    }
    // Subcharts start from this tree once the chart has changed, so it copies
    // the chart's defaults.
    let coalesced = tree::deep_copy(values);
    let disabled = decide(
        chart,
        &coalesced,
        tree::nodes_copied,
        &mut reqs,
        path,
        coalescer,
    );
    drop_disabled(chart, reqs, disabled)?;
    for sub in &mut chart.dependencies {
        let sub_path = format!("{path}{}.", sub.name());
        process_enabled(sub, &coalesced, &sub_path, coalescer)?;
    }
    Ok(())
}

/// The chart's values coalesced into `coalesced`, then Helm's tags and
/// conditions: the names of the entries that end up disabled.
fn decide<'c, 'v>(
    chart: &'c Chart,
    coalesced: &tree::Table<'v>,
    defaults: tree::Defaults<'c, 'v>,
    reqs: &mut [Dependency],
    path: &str,
    coalescer: &mut Coalescer,
) -> Result<HashSet<String>, ValuesError> {
    coalescer.coalesce(chart, coalesced, "", false, defaults)?;
    apply_tags(reqs, coalesced, coalescer);
    apply_conditions(reqs, coalesced, path, coalescer);
    Ok(reqs
        .iter()
        .filter(|req| !req.enabled)
        .map(|req| req.name.clone())
        .collect())
}

/// Puts the entries back and removes the disabled ones and their charts.
fn drop_disabled(
    chart: &mut Chart,
    reqs: Vec<Dependency>,
    disabled: Result<HashSet<String>, ValuesError>,
) -> Result<(), ValuesError> {
    chart.metadata.dependencies = reqs;
    let disabled = disabled?;
    chart
        .dependencies
        .retain(|sub| !disabled.contains(sub.name()));
    chart
        .metadata
        .dependencies
        .retain(|req| !disabled.contains(&req.name));
    Ok(())
}

/// Helm's `IsCompatibleRange`: false when either side does not parse.
fn compatible(constraint: &str, version: &str) -> bool {
    is_compatible_range(constraint, version).unwrap_or(false)
}

/// Helm's `processDependencyTags`.
fn apply_tags(reqs: &mut [Dependency], values: &tree::Table<'_>, coalescer: &mut Coalescer) {
    let Some(tags) = tree::table_at(values, "tags") else {
        return;
    };
    for req in reqs {
        let (mut has_true, mut has_false) = (false, false);
        for tag in &req.tags {
            match tree::get(&tags, tag).map(|node| tree::node_to_json(&node)) {
                None => {}
                Some(Value::Bool(true)) => has_true = true,
                Some(Value::Bool(false)) => has_false = true,
                Some(_) => coalescer.warnings.push(format!(
                    "returned non-bool value for tag {tag:?} of chart `{}`",
                    req.name
                )),
            }
        }
        if !has_true && has_false {
            req.enabled = false;
        } else if has_true || !has_false {
            req.enabled = true;
        }
    }
}

/// Helm's `processDependencyConditions`. As in Helm, only the whole condition is
/// trimmed, not each path, so `a.on, b.on` looks up ` b.on`, which never resolves.
fn apply_conditions(
    reqs: &mut [Dependency],
    values: &tree::Table<'_>,
    prefix: &str,
    coalescer: &mut Coalescer,
) {
    for req in reqs {
        for condition in req.condition.trim().split(',') {
            if condition.is_empty() {
                continue;
            }
            match path_value(values, &format!("{prefix}{condition}")) {
                None => {}
                Some(Value::Bool(enabled)) => {
                    req.enabled = enabled;
                    break;
                }
                Some(_) => coalescer.warnings.push(format!(
                    "returned non-bool value for condition {condition:?} of chart `{}`",
                    req.name
                )),
            }
        }
    }
}

/// Helm's `Values.PathValue`: the non-table value at a dotted path.
fn path_value(values: &tree::Table<'_>, path: &str) -> Option<Value> {
    let (table, key) = match path.rsplit_once('.') {
        Some((parents, key)) => (tree::table_at(values, parents)?, key),
        None => (values.clone(), path),
    };
    match tree::get(&table, key)? {
        tree::Node::Table(_) => None,
        leaf => Some(tree::node_to_json(&leaf)),
    }
}

/// Helm's `processDependencyImportValues`: children first, then the chart itself.
fn process_import_values(chart: &mut Chart, coalescer: &mut Coalescer) -> Result<(), ValuesError> {
    for sub in &mut chart.dependencies {
        process_import_values(sub, coalescer)?;
    }
    import_values(chart, coalescer)
}

/// Helm's `processImportValues` (merge mode, as Helm v4 always uses): rewrites the
/// chart's default values and normalises each entry's `import-values` to
/// `{child, parent}` maps.
fn import_values(chart: &mut Chart, coalescer: &mut Coalescer) -> Result<(), ValuesError> {
    if chart.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let merged = tree::new_table();
    coalescer.coalesce(chart, &merged, "", true, tree::nodes_from_json)?;
    let imported = tree::new_table();
    // Written back once the trees, which borrow the chart, are done with.
    let mut all_normalised = Vec::new();
    for req in &chart.metadata.dependencies {
        let mut normalised = Vec::new();
        for entry in &req.import_values {
            let (child, parent, table) = match entry {
                Value::Object(map) => {
                    let child = go_sprint(map.get("child"));
                    let parent = go_sprint(map.get("parent"));
                    let table = tree::table_at(&merged, &format!("{}.{child}", req.name));
                    (child, parent, table)
                }
                Value::String(name) => {
                    let child = format!("exports.{name}");
                    let table = tree::table_at(&merged, &format!("{}.{child}", req.name));
                    (child, ".".to_string(), table)
                }
                _ => continue,
            };
            normalised.push(Value::Object(Map::from_iter([
                ("child".to_string(), Value::String(child.clone())),
                ("parent".to_string(), Value::String(parent.clone())),
            ])));
            let Some(table) = table else {
                coalescer.warnings.push(format!(
                    "ImportValues missing table from chart `{}`: `{child}`",
                    req.name
                ));
                continue;
            };
            // Go's `AsMap` hands out a fresh map for an empty table.
            let table = if tree::is_empty(&table) {
                tree::new_table()
            } else {
                table
            };
            coalescer.coalesce_tables(&imported, &path_to_table(&parent, table), "", true);
        }
        all_normalised.push(normalised);
    }
    // The parent's own values win over imported ones. With nothing imported
    // that changes nothing, and the copy is skipped.
    let merged = if tree::is_empty(&imported) {
        merged
    } else {
        let merged = tree::deep_copy(&merged);
        coalescer.coalesce_tables(&merged, &imported, "", true);
        merged
    };
    let values = tree::to_json(&merged);
    for (req, normalised) in chart.metadata.dependencies.iter_mut().zip(all_normalised) {
        req.import_values = normalised;
    }
    chart.values = values;
    Ok(())
}

/// Helm's `pathToMap`: `data` nested under the dotted `path` (`.` is the root).
fn path_to_table<'v>(path: &str, data: tree::Table<'v>) -> tree::Table<'v> {
    if path == "." {
        return data;
    }
    let mut current = data;
    for step in path.rsplit('.') {
        let outer = tree::new_table();
        tree::insert(&outer, step, tree::Node::Table(current));
        current = outer;
    }
    current
}

/// Go's `fmt.Sprintf("%v", x)` for a YAML value: how Helm turns `child:` and
/// `parent:` into strings (a missing one is `<nil>`).
fn go_sprint(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "<nil>".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.as_f64().map_or_else(|| n.to_string(), go_float),
        Some(Value::Array(items)) => {
            let inner: Vec<String> = items.iter().map(|v| go_sprint(Some(v))).collect();
            format!("[{}]", inner.join(" "))
        }
        Some(Value::Object(map)) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}:{}", go_sprint(Some(v))))
                .collect();
            format!("map[{}]", inner.join(" "))
        }
    }
}

/// Go's `%v` for a float64 (YAML numbers are float64 in Helm): the shortest digits,
/// in exponent form when the decimal exponent is below -4 or at least 6, as `%g`
/// decides for the shortest representation.
fn go_float(f: f64) -> String {
    let sci = format!("{f:e}");
    let Some((mantissa, exponent)) = sci.split_once('e') else {
        return sci;
    };
    let Ok(exponent) = exponent.parse::<i32>() else {
        return sci;
    };
    if (-4..6).contains(&exponent) {
        return format!("{f}");
    }
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::values::coalesce;

    fn values(v: Value) -> Values {
        v.as_object().cloned().unwrap_or_default()
    }

    fn chart(name: &str, defaults: Value, reqs: Vec<Dependency>, loaded: Vec<Chart>) -> Chart {
        let mut chart = Chart::default();
        chart.metadata.name = name.to_string();
        chart.metadata.version = "1.0.0".to_string();
        chart.metadata.dependencies = reqs;
        chart.values = values(defaults);
        chart.dependencies = loaded;
        chart
    }

    fn req(name: &str) -> Dependency {
        Dependency {
            name: name.to_string(),
            version: "1.x".to_string(),
            ..Dependency::default()
        }
    }

    fn names(chart: &Chart) -> Vec<&str> {
        chart.dependencies.iter().map(Chart::name).collect()
    }

    #[test]
    fn first_condition_that_is_a_bool_wins() {
        let cases = [
            (
                "a.enabled,b.enabled",
                json!({"a": {"enabled": false}, "b": {"enabled": true}}),
                false,
                "the first path decides",
            ),
            (
                "missing.x,b.enabled",
                json!({"b": {"enabled": false}}),
                false,
                "paths that do not resolve are skipped",
            ),
            (
                "a.enabled,b.enabled",
                json!({"a": {"enabled": "yes"}, "b": {"enabled": false}}),
                false,
                "non-booleans are skipped",
            ),
            (
                "a,b.enabled",
                json!({"a": {"enabled": false}, "b": {"enabled": true}}),
                true,
                "a table is not a value",
            ),
            (
                "a.enabled, b.enabled",
                json!({"a": {}, "b": {"enabled": false}}),
                true,
                "paths are not trimmed, so ` b.enabled` never resolves",
            ),
            ("", json!({}), true, "no condition keeps it enabled"),
        ];
        for (condition, user, enabled, rule) in cases {
            let mut dep = req("sub");
            dep.condition = condition.to_string();
            let mut top = chart(
                "top",
                json!({}),
                vec![dep],
                vec![chart("sub", json!({}), vec![], vec![])],
            );
            process_dependencies(&mut top, &values(user)).unwrap();
            assert_eq!(names(&top) == ["sub"], enabled, "{condition:?}: {rule}");
            assert_eq!(
                top.metadata.dependencies.len(),
                usize::from(enabled),
                "{rule}: the entry goes too"
            );
        }
    }

    #[test]
    fn conditions_see_chart_defaults_and_subchart_defaults() {
        let mut dep = req("sub");
        dep.condition = "sub.enabled".to_string();
        let sub = chart("sub", json!({"enabled": false}), vec![], vec![]);
        let mut top = chart("top", json!({}), vec![dep.clone()], vec![sub.clone()]);
        process_dependencies(&mut top, &Values::new()).unwrap();
        assert!(
            names(&top).is_empty(),
            "the subchart's own default disables it"
        );
        let mut top = chart(
            "top",
            json!({"sub": {"enabled": true}}),
            vec![dep.clone()],
            vec![sub.clone()],
        );
        process_dependencies(&mut top, &Values::new()).unwrap();
        assert_eq!(
            names(&top),
            ["sub"],
            "the parent's default beats the subchart's"
        );
        let mut top = chart(
            "top",
            json!({"sub": {"enabled": true}}),
            vec![dep],
            vec![sub],
        );
        process_dependencies(&mut top, &values(json!({"sub": {"enabled": false}}))).unwrap();
        assert!(names(&top).is_empty(), "the user beats both");
    }

    #[test]
    fn tags_disable_only_when_no_tag_is_true_and_conditions_override() {
        let cases = [
            (
                vec!["a"],
                json!({"tags": {"a": false}}),
                "",
                false,
                "a false tag disables",
            ),
            (
                vec!["a", "b"],
                json!({"tags": {"a": false, "b": true}}),
                "",
                true,
                "any true tag enables",
            ),
            (
                vec!["a"],
                json!({"tags": {"other": false}}),
                "",
                true,
                "unset tags keep it enabled",
            ),
            (
                vec!["a"],
                json!({"tags": {"a": "false"}}),
                "",
                true,
                "non-boolean tags are ignored",
            ),
            (
                vec!["a"],
                json!({"tags": {"a": false}, "c": true}),
                "c",
                true,
                "a condition overrides tags",
            ),
        ];
        for (tags, user, condition, enabled, rule) in cases {
            let mut dep = req("sub");
            dep.tags = tags.into_iter().map(String::from).collect();
            dep.condition = condition.to_string();
            let mut top = chart(
                "top",
                json!({}),
                vec![dep],
                vec![chart("sub", json!({}), vec![], vec![])],
            );
            process_dependencies(&mut top, &values(user)).unwrap();
            assert_eq!(names(&top) == ["sub"], enabled, "{rule}");
        }
    }

    #[test]
    fn alias_renames_the_copy_and_its_values_key() {
        let mut aliased = req("sub");
        aliased.alias = "first".to_string();
        aliased.condition = "first.on".to_string();
        let mut second = req("sub");
        second.alias = "second".to_string();
        second.condition = "second.on".to_string();
        let sub = chart("sub", json!({"on": true, "who": "default"}), vec![], vec![]);
        let mut top = chart("top", json!({}), vec![aliased, second], vec![sub]);
        let user = values(json!({"second": {"on": false}, "first": {"who": "user"}}));
        process_dependencies(&mut top, &user).unwrap();
        assert_eq!(names(&top), ["first"]);
        assert_eq!(
            top.metadata.dependencies[0].name, "first",
            "the entry takes the alias as its name"
        );
        let got = coalesce(&top, &user).unwrap();
        assert_eq!(got["first"]["who"], "user");
        assert_eq!(got["first"]["on"], true);
    }

    #[test]
    fn every_entry_gets_its_own_chart_in_order() {
        let (mut a, mut b) = (req("sub"), req("sub"));
        a.alias = "a".to_string();
        b.alias = "b".to_string();
        let mut top = chart(
            "top",
            json!({}),
            vec![a, req("sub"), b],
            vec![
                chart("sub", json!({"n": 1}), vec![], vec![]),
                chart("other", json!({}), vec![], vec![]),
                chart("sub", json!({"n": 2}), vec![], vec![]),
            ],
        );
        process_dependencies(&mut top, &Values::new()).unwrap();
        // Unmatched charts first; the second `sub` is matched but never taken.
        assert_eq!(names(&top), ["other", "a", "sub", "b"]);
        assert!(top.dependencies.iter().skip(1).all(|c| c.values["n"] == 1));
    }

    #[test]
    fn version_ranges_select_the_loaded_chart() {
        let mut dep = req("sub");
        dep.version = "2.x".to_string();
        let mut top = chart(
            "top",
            json!({}),
            vec![dep],
            vec![chart("sub", json!({}), vec![], vec![])],
        );
        process_dependencies(&mut top, &Values::new()).unwrap();
        assert_eq!(
            names(&top),
            ["sub"],
            "a loaded chart no entry matches is kept as is"
        );
        let mut dep = req("sub");
        dep.alias = "renamed".to_string();
        dep.version = "2.x".to_string();
        let mut top = chart(
            "top",
            json!({}),
            vec![dep],
            vec![chart("sub", json!({}), vec![], vec![])],
        );
        process_dependencies(&mut top, &Values::new()).unwrap();
        assert_eq!(names(&top), ["sub"], "so no alias applies to it");
    }

    #[test]
    fn nested_conditions_are_prefixed_with_the_parent_names() {
        let mut inner = req("leaf");
        inner.condition = "leaf.enabled".to_string();
        let leaf = chart("leaf", json!({}), vec![], vec![]);
        let mut mid_req = req("mid");
        mid_req.alias = "middle".to_string();
        let mid = chart("mid", json!({}), vec![inner], vec![leaf]);
        let mut top = chart("top", json!({}), vec![mid_req], vec![mid]);
        process_dependencies(
            &mut top,
            &values(json!({"middle": {"leaf": {"enabled": false}}})),
        )
        .unwrap();
        assert_eq!(names(&top), ["middle"]);
        assert!(
            names(&top.dependencies[0]).is_empty(),
            "middle.leaf.enabled is read"
        );
    }

    #[test]
    fn import_values_in_both_forms() {
        let mut dep = req("sub");
        dep.import_values = vec![
            json!("data"),
            json!({"child": "deep.table", "parent": "imported.here"}),
            json!({"child": "missing", "parent": "nowhere"}),
            json!(42),
        ];
        let sub = chart(
            "sub",
            json!({"exports": {"data": {"fromExports": 1, "shared": "child"}}, "deep": {"table": {"x": 1}}}),
            vec![],
            vec![],
        );
        let mut top = chart(
            "top",
            json!({"shared": "parent", "imported": {"here": {"x": 2}}}),
            vec![dep],
            vec![sub],
        );
        let warnings = process_dependencies_with_warnings(&mut top, &Values::new()).unwrap();
        let got = coalesce(&top, &Values::new()).unwrap();
        assert_eq!(
            got["fromExports"], 1,
            "a string imports exports.<name> to the root"
        );
        assert_eq!(got["shared"], "parent", "the parent's own value wins");
        assert_eq!(
            got["imported"],
            json!({"here": {"x": 2}}),
            "and wins inside imported tables too"
        );
        assert!(
            !got.contains_key("nowhere"),
            "a missing child table imports nothing"
        );
        assert!(
            warnings.iter().any(|w| w.contains("missing")),
            "{warnings:?}"
        );
        assert_eq!(
            top.metadata.dependencies[0].import_values,
            [
                json!({"child": "exports.data", "parent": "."}),
                json!({"child": "deep.table", "parent": "imported.here"}),
                json!({"child": "missing", "parent": "nowhere"}),
            ],
            "entries are normalised to child/parent maps, others dropped"
        );
    }

    #[test]
    fn imports_into_a_new_path_and_with_missing_keys() {
        let mut dep = req("sub");
        dep.import_values = vec![
            json!({"child": "t"}),
            json!({"child": "t", "parent": "a.b"}),
        ];
        let sub = chart("sub", json!({"t": {"k": "v"}}), vec![], vec![]);
        let mut top = chart("top", json!({}), vec![dep], vec![sub]);
        process_dependencies(&mut top, &Values::new()).unwrap();
        assert_eq!(top.values["a"], json!({"b": {"k": "v"}}));
        assert_eq!(
            top.values["<nil>"],
            json!({"k": "v"}),
            "a missing parent is Go's \"<nil>\""
        );
    }

    #[test]
    fn processing_merges_subchart_defaults_into_the_parent_keeping_nulls() {
        let sub = chart("sub", json!({"a": 1, "n": null}), vec![], vec![]);
        let mut top = chart("top", json!({"p": null}), vec![req("sub")], vec![sub]);
        process_dependencies(&mut top, &Values::new()).unwrap();
        assert_eq!(
            Value::Object(top.values.clone()),
            json!({"p": null, "sub": {"a": 1, "n": null, "global": {}}})
        );
        let got = coalesce(&top, &Values::new()).unwrap();
        assert_eq!(Value::Object(got), json!({"sub": {"a": 1, "global": {}}}));
    }

    #[test]
    fn charts_without_declared_dependencies_are_left_alone() {
        let sub = chart("sub", json!({"on": false}), vec![], vec![]);
        let mut top = chart("top", json!({"x": null}), vec![], vec![sub]);
        let before = top.clone();
        process_dependencies(&mut top, &Values::new()).unwrap();
        assert_eq!(top, before);
    }

    #[test]
    fn go_formatting_of_import_paths() {
        assert_eq!(go_sprint(Some(&json!(1))), "1");
        assert_eq!(go_sprint(Some(&json!(1.5))), "1.5");
        assert_eq!(go_sprint(Some(&json!(1_000_000))), "1e+06");
        assert_eq!(go_sprint(Some(&json!(123_456))), "123456");
        assert_eq!(go_sprint(Some(&json!(0.00001))), "1e-05");
        assert_eq!(go_sprint(Some(&json!(true))), "true");
        assert_eq!(go_sprint(Some(&json!(["a", 1]))), "[a 1]");
        assert_eq!(go_sprint(Some(&json!({"b": 1, "a": "x"}))), "map[a:x b:1]");
    }
}
