//! `values-policy`: checks the release's merged values against the rules in the
//! hook's config and denies with one finding per violation. See `README.md`.

use regex_lite::Regex;
use serde::Deserialize;
use windlass_hook_guest::{Cluster, Finding, Input, Outcome, Path, Value, deny};

windlass_hook_guest::export_hook!(run);

/// The hook: parse the rules, check the values.
fn run(input: &Input, _cluster: &dyn Cluster) -> Result<Outcome, String> {
    let policy = Policy::from_config(&input.config)?;
    Ok(policy.check(input.values.get()).into_iter().collect())
}

/// The config as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    required: Vec<Path>,
    #[serde(default)]
    ranges: Vec<RangeRule>,
    #[serde(default, rename = "enum")]
    enums: Vec<EnumRule>,
    #[serde(default, rename = "pattern")]
    patterns: Vec<PatternConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeRule {
    path: Path,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnumRule {
    path: Path,
    values: Vec<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternConfig {
    path: Path,
    regex: String,
}

/// A pattern rule with its regex compiled.
#[derive(Debug)]
struct PatternRule {
    path: Path,
    source: String,
    regex: Regex,
}

/// The validated rules.
#[derive(Debug)]
struct Policy {
    required: Vec<Path>,
    ranges: Vec<RangeRule>,
    enums: Vec<EnumRule>,
    patterns: Vec<PatternRule>,
}

impl Policy {
    /// Reads and validates the config: every path parses, every range has a bound
    /// and `min <= max`, every enum lists a value, every regex compiles, and there
    /// is at least one rule (a policy without rules is a mistake, not a pass).
    fn from_config(config: &Value) -> Result<Policy, String> {
        let config: Config = windlass_hook_guest::config_as(config)?;
        for (i, range) in config.ranges.iter().enumerate() {
            match (range.min, range.max) {
                (None, None) => {
                    return Err(format!(
                        "invalid config at ranges[{i}]: set min, max or both"
                    ));
                }
                (Some(min), Some(max)) if min > max => {
                    return Err(format!(
                        "invalid config at ranges[{i}]: min {} is above max {}",
                        min, max
                    ));
                }
                _ => {}
            }
        }
        if let Some(i) = config.enums.iter().position(|e| e.values.is_empty()) {
            return Err(format!("invalid config at enum[{i}].values: it is empty"));
        }
        let patterns = config
            .patterns
            .into_iter()
            .enumerate()
            .map(|(i, p)| match Regex::new(&p.regex) {
                Ok(regex) => Ok(PatternRule {
                    path: p.path,
                    source: p.regex,
                    regex,
                }),
                Err(e) => Err(format!("invalid config at pattern[{i}].regex: {e}")),
            })
            .collect::<Result<Vec<_>, String>>()?;
        let policy = Policy {
            required: config.required,
            ranges: config.ranges,
            enums: config.enums,
            patterns,
        };
        if policy.required.is_empty()
            && policy.ranges.is_empty()
            && policy.enums.is_empty()
            && policy.patterns.is_empty()
        {
            return Err(
                "values-policy has no rules: set config.required, ranges, enum or pattern".into(),
            );
        }
        Ok(policy)
    }

    /// One finding per violated rule, in config order: required, ranges, enum,
    /// pattern. Only `required` cares about absent values; the other rules apply to
    /// a value that is set (`null` counts as not set).
    fn check(&self, values: &Value) -> Vec<Finding> {
        let mut findings = Vec::new();
        for path in &self.required {
            match path.get(values) {
                None | Some(Value::Null) => {
                    findings.push(deny(format!("{path} is required but not set")).at(path));
                }
                Some(Value::String(s)) if s.is_empty() => {
                    findings.push(deny(format!("{path} is required but empty")).at(path));
                }
                Some(_) => {}
            }
        }
        for rule in &self.ranges {
            let Some(value) = set(values, &rule.path) else {
                continue;
            };
            let path = &rule.path;
            let Some(n) = value.as_f64() else {
                findings.push(
                    deny(format!(
                        "{path} must be a number {}, but it is {}",
                        bounds(rule),
                        describe(value)
                    ))
                    .at(path),
                );
                continue;
            };
            if let Some(min) = rule.min.filter(|min| n < *min) {
                findings
                    .push(deny(format!("{path} is {value}, below the minimum {}", min)).at(path));
            } else if let Some(max) = rule.max.filter(|max| n > *max) {
                findings
                    .push(deny(format!("{path} is {value}, above the maximum {}", max)).at(path));
            }
        }
        for rule in &self.enums {
            let Some(value) = set(values, &rule.path) else {
                continue;
            };
            if !rule.values.iter().any(|allowed| same(allowed, value)) {
                let allowed: Vec<String> = rule.values.iter().map(Value::to_string).collect();
                findings.push(
                    deny(format!(
                        "{} is {value}, not one of {}",
                        rule.path,
                        allowed.join(", ")
                    ))
                    .at(&rule.path),
                );
            }
        }
        for rule in &self.patterns {
            let Some(value) = set(values, &rule.path) else {
                continue;
            };
            let path = &rule.path;
            match value.as_str() {
                Some(text) if rule.regex.is_match(text) => {}
                Some(_) => findings.push(
                    deny(format!(
                        "{path} is {value}, which does not match /{}/",
                        rule.source
                    ))
                    .at(path),
                ),
                // A number or boolean is not matched as text: YAML turns `1.10` into
                // 1.1, so its text is not what the user wrote. Ask for quotes.
                None => findings.push(
                    deny(format!(
                        "{path} must be a string matching /{}/, but it is {} (quote it in the values)",
                        rule.source,
                        describe(value)
                    ))
                    .at(path),
                ),
            }
        }
        findings
    }
}

/// The value at `path` unless it is absent or `null`.
fn set<'v>(values: &'v Value, path: &Path) -> Option<&'v Value> {
    path.get(values).filter(|v| !v.is_null())
}

/// JSON equality, except that numbers compare by value (`1` equals `1.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if a.is_number() && b.is_number() => x == y,
        _ => a == b,
    }
}

/// `between 1 and 10`, `of at least 1`, `of at most 10`.
fn bounds(rule: &RangeRule) -> String {
    match (rule.min, rule.max) {
        (Some(min), Some(max)) => format!("between {} and {}", min, max),
        (Some(min), None) => format!("of at least {}", min),
        (None, Some(max)) => format!("of at most {}", max),
        (None, None) => String::new(),
    }
}

/// A value's type and, for scalars, the value: `a string "3"`, `a list`.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => format!("a string ({s:?})"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a map".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use windlass_hook_guest::json;

    fn check(config: Value, values: Value) -> Vec<(String, String)> {
        Policy::from_config(&config)
            .unwrap()
            .check(&values)
            .into_iter()
            .map(|f| {
                assert!(f.is_error());
                (f.field_path.unwrap(), f.message)
            })
            .collect()
    }

    fn invalid(config: Value) -> String {
        Policy::from_config(&config).unwrap_err()
    }

    #[test]
    fn required_paths_must_be_set_and_non_empty() {
        let config = json!({"required": ["image.repository", "image.tag", "a.b[1]", "name"]});
        let found = check(
            config.clone(),
            json!({"image": {"tag": null}, "a": {"b": [1]}, "name": ""}),
        );
        assert_eq!(
            found,
            vec![
                (
                    "image.repository".into(),
                    "image.repository is required but not set".into()
                ),
                (
                    "image.tag".into(),
                    "image.tag is required but not set".into()
                ),
                ("a.b[1]".into(), "a.b[1] is required but not set".into()),
                ("name".into(), "name is required but empty".into()),
            ]
        );
        let ok =
            json!({"image": {"repository": "r", "tag": 0}, "a": {"b": [1, false]}, "name": "n"});
        assert_eq!(check(config, ok), vec![]);
    }

    #[test]
    fn ranges_check_numbers_within_bounds() {
        let config = json!({"ranges": [
            {"path": "replicaCount", "min": 1, "max": 10},
            {"path": "port", "min": 1024},
            {"path": "ratio", "max": 0.5},
            {"path": "absent", "min": 1},
        ]});
        assert_eq!(
            check(
                config.clone(),
                json!({"replicaCount": 0, "port": 80, "ratio": 0.75})
            ),
            vec![
                (
                    "replicaCount".into(),
                    "replicaCount is 0, below the minimum 1".into()
                ),
                ("port".into(), "port is 80, below the minimum 1024".into()),
                (
                    "ratio".into(),
                    "ratio is 0.75, above the maximum 0.5".into()
                ),
            ]
        );
        assert_eq!(
            check(config.clone(), json!({"replicaCount": 11})),
            vec![(
                "replicaCount".into(),
                "replicaCount is 11, above the maximum 10".into()
            )]
        );
        assert_eq!(
            check(config.clone(), json!({"replicaCount": "3"})),
            vec![(
                "replicaCount".into(),
                "replicaCount must be a number between 1 and 10, but it is a string (\"3\")".into()
            )]
        );
        assert_eq!(
            check(
                config,
                json!({"replicaCount": 10, "port": 1024, "ratio": 0.5, "absent": null})
            ),
            vec![]
        );
    }

    #[test]
    fn enum_compares_json_values() {
        let config = json!({"enum": [
            {"path": "service.type", "values": ["ClusterIP", "NodePort"]},
            {"path": "level", "values": [1, 2]},
        ]});
        assert_eq!(
            check(
                config.clone(),
                json!({"service": {"type": "LoadBalancer"}, "level": "1"})
            ),
            vec![
                (
                    "service.type".into(),
                    "service.type is \"LoadBalancer\", not one of \"ClusterIP\", \"NodePort\""
                        .into()
                ),
                ("level".into(), "level is \"1\", not one of 1, 2".into()),
            ]
        );
        assert_eq!(
            check(
                config,
                json!({"service": {"type": "NodePort"}, "level": 2.0})
            ),
            vec![]
        );
    }

    #[test]
    fn pattern_matches_strings_only() {
        let config = json!({"pattern": [{"path": "image.tag", "regex": "^v?\\d+\\.\\d+\\.\\d+$"}]});
        assert_eq!(
            check(config.clone(), json!({"image": {"tag": "latest"}})),
            vec![(
                "image.tag".into(),
                "image.tag is \"latest\", which does not match /^v?\\d+\\.\\d+\\.\\d+$/".into()
            )]
        );
        let found = check(config.clone(), json!({"image": {"tag": 1.1}}));
        assert_eq!(found.len(), 1);
        assert!(
            found[0].1.contains("must be a string matching"),
            "{}",
            found[0].1
        );
        assert!(found[0].1.contains("a number (1.1)"), "{}", found[0].1);
        assert_eq!(
            check(config.clone(), json!({"image": {"tag": "v1.2.3"}})),
            vec![]
        );
        assert_eq!(check(config, json!({})), vec![]);
    }

    #[test]
    fn one_finding_per_violation_across_rules() {
        let config = json!({
            "required": ["image.repository"],
            "ranges": [{"path": "replicaCount", "max": 3}],
            "enum": [{"path": "pullPolicy", "values": ["IfNotPresent"]}],
            "pattern": [{"path": "image.tag", "regex": "^[0-9]"}],
        });
        let values = json!({"replicaCount": 5, "pullPolicy": "Always", "image": {"tag": "x"}});
        let paths: Vec<String> = check(config, values).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "image.repository",
                "replicaCount",
                "pullPolicy",
                "image.tag"
            ]
        );
    }

    #[test]
    fn invalid_configs_are_errors() {
        assert!(invalid(Value::Null).contains("has no rules"));
        assert!(invalid(json!({})).contains("has no rules"));
        assert!(
            invalid(json!({"required": ["a..b"]})).starts_with("invalid config at required[0]")
        );
        assert!(invalid(json!({"ranges": [{"path": "a"}]})).contains("set min, max or both"));
        assert_eq!(
            invalid(json!({"ranges": [{"path": "a", "min": 5, "max": 1}]})),
            "invalid config at ranges[0]: min 5 is above max 1"
        );
        assert!(
            invalid(json!({"ranges": [{"path": "a", "min": "1"}]}))
                .starts_with("invalid config at ranges[0].min: invalid type")
        );
        assert!(invalid(json!({"enum": [{"path": "a", "values": []}]})).contains("enum[0].values"));
        assert!(
            invalid(json!({"pattern": [{"path": "a", "regex": "("}]}))
                .starts_with("invalid config at pattern[0].regex:")
        );
        assert!(invalid(json!({"require": ["a"]})).contains("unknown field `require`"));
    }

    #[test]
    fn cases() {
        windlass_hook_cases::check_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests"), run);
    }
}
