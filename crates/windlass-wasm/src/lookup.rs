//! Where cluster lookups are answered from: the [`ClusterReader`] contract, and
//! [`Fixtures`], the reader of the no-cluster target (objects from a file, or
//! none). The cluster target supplies a reader backed by the API server.

use async_trait::async_trait;
use serde_json::Value;

/// Answers a hook's `get-object` and `list-objects` calls (after the host has
/// checked them against the hook's grants).
#[async_trait]
pub trait ClusterReader: Send + Sync {
    /// One object, or `None` if it does not exist.
    ///
    /// # Errors
    /// Why the cluster could not answer.
    async fn get(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, String>;

    /// The objects of a kind in `namespaces` (`None`: all), matching `selector`.
    ///
    /// # Errors
    /// Why the cluster could not answer.
    async fn list(
        &self,
        api_version: &str,
        kind: &str,
        namespaces: Option<&[String]>,
        selector: &LabelSelector,
    ) -> Result<Vec<Value>, String>;
}

/// A fixed set of objects standing in for the cluster's contents, for running
/// hooks without a cluster (`--fixtures`, the local target). Empty by default.
#[derive(Debug, Clone, Default)]
pub struct Fixtures {
    objects: Vec<Value>,
}

impl Fixtures {
    /// Lookups answered from `objects` (Kubernetes objects as JSON).
    pub fn new(objects: Vec<Value>) -> Self {
        Fixtures { objects }
    }

    fn matching<'a>(
        &'a self,
        api_version: &'a str,
        kind: &'a str,
    ) -> impl Iterator<Item = &'a Value> + 'a {
        self.objects.iter().filter(move |o| {
            o.get("apiVersion").and_then(Value::as_str) == Some(api_version)
                && o.get("kind").and_then(Value::as_str) == Some(kind)
        })
    }
}

fn metadata<'a>(object: &'a Value, field: &str) -> Option<&'a str> {
    object.get("metadata")?.get(field)?.as_str()
}

#[async_trait]
impl ClusterReader for Fixtures {
    async fn get(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, String> {
        Ok(self
            .matching(api_version, kind)
            .find(|o| metadata(o, "name") == Some(name) && metadata(o, "namespace") == namespace)
            .cloned())
    }

    async fn list(
        &self,
        api_version: &str,
        kind: &str,
        namespaces: Option<&[String]>,
        selector: &LabelSelector,
    ) -> Result<Vec<Value>, String> {
        Ok(self
            .matching(api_version, kind)
            .filter(|o| match (namespaces, metadata(o, "namespace")) {
                // A cluster-scoped object has no namespace to filter on.
                (None, _) | (_, None) => true,
                (Some(list), Some(ns)) => list.iter().any(|n| n == ns),
            })
            .filter(|o| selector.matches(o.get("metadata").and_then(|m| m.get("labels"))))
            .cloned()
            .collect())
    }
}

/// A Kubernetes label selector in its string form: `a=b`, `a==b`, `a!=b`,
/// `a`, `!a`, `a in (x,y)`, `a notin (x,y)`, joined by commas.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

impl LabelSelector {
    /// Parses a selector; an empty string selects everything.
    ///
    /// # Errors
    /// A requirement that is none of the forms above.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut requirements = Vec::new();
        for part in split_top_level(text) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            requirements.push(
                parse_requirement(part)
                    .ok_or_else(|| format!("invalid label selector requirement `{part}`"))?,
            );
        }
        Ok(LabelSelector { requirements })
    }

    /// Whether `labels` (a JSON object, or absent) satisfies every requirement.
    pub fn matches(&self, labels: Option<&Value>) -> bool {
        let get = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
        self.requirements.iter().all(|r| match r {
            Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
            Requirement::In(k, vs) => get(k).is_some_and(|v| vs.iter().any(|x| x == v)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|v| !vs.iter().any(|x| x == v)),
        })
    }
}

/// Splits on commas outside parentheses.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn parse_requirement(part: &str) -> Option<Requirement> {
    let key_value = |sep: &str| -> Option<(String, String)> {
        let (k, v) = part.split_once(sep)?;
        let (k, v) = (k.trim(), v.trim());
        valid_key(k).then(|| (k.to_string(), v.to_string()))
    };
    if let Some((k, v)) = key_value("!=") {
        return Some(Requirement::NotEquals(k, v));
    }
    if let Some((k, v)) = key_value("==").or_else(|| key_value("=")) {
        return Some(Requirement::Equals(k, v));
    }
    for (word, negate) in [(" notin ", true), (" in ", false)] {
        if let Some((k, rest)) = part.split_once(word) {
            let k = k.trim();
            let list = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
            let values: Vec<String> = list.split(',').map(|v| v.trim().to_string()).collect();
            if !valid_key(k) {
                return None;
            }
            return Some(if negate {
                Requirement::NotIn(k.to_string(), values)
            } else {
                Requirement::In(k.to_string(), values)
            });
        }
    }
    if let Some(k) = part.strip_prefix('!') {
        return valid_key(k.trim()).then(|| Requirement::NotExists(k.trim().to_string()));
    }
    valid_key(part).then(|| Requirement::Exists(part.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selectors_follow_kubernetes_string_form() {
        let labels = json!({"app": "web", "tier": "front"});
        let cases = [
            ("", true),
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("app", true),
            ("!app", false),
            ("!missing", true),
            ("tier in (front, back)", true),
            ("tier notin (front)", false),
            ("app=web,tier=back", false),
            ("app=web, tier in (front)", true),
        ];
        for (text, want) in cases {
            let selector = LabelSelector::parse(text).unwrap();
            assert_eq!(selector.matches(Some(&labels)), want, "{text}");
        }
        assert!(LabelSelector::parse("a b").is_err());
        assert!(LabelSelector::parse("tier in front").is_err());
    }

    #[tokio::test]
    async fn fixtures_answer_get_and_list() {
        let fixtures = Fixtures::new(vec![
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "a", "labels": {"x": "1"}}}),
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "t", "namespace": "b"}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}),
        ]);
        assert!(
            fixtures
                .get("v1", "Secret", Some("a"), "s")
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            fixtures
                .get("v1", "Secret", Some("b"), "s")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            fixtures
                .get("v1", "Namespace", None, "a")
                .await
                .unwrap()
                .is_some()
        );
        let all = LabelSelector::default();
        assert_eq!(
            fixtures
                .list("v1", "Secret", None, &all)
                .await
                .unwrap()
                .len(),
            2
        );
        let only_a = ["a".to_string()];
        assert_eq!(
            fixtures
                .list("v1", "Secret", Some(&only_a), &all)
                .await
                .unwrap()
                .len(),
            1
        );
        let x = LabelSelector::parse("x=1").unwrap();
        assert_eq!(
            fixtures.list("v1", "Secret", None, &x).await.unwrap().len(),
            1
        );
    }
}
