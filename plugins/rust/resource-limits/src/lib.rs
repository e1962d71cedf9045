//! `resource-limits`: every container of the release's workloads must use a pinned
//! image (not `:latest`, not untagged) and set resource limits. See `README.md`.

use serde::Deserialize;
use windlass_hook_guest::{Cluster, Finding, Input, Outcome, Path, Resource, Value, deny};

windlass_hook_guest::export_hook!(run);

/// The hook: read the config, check every workload.
fn run(input: &Input, _cluster: &dyn Cluster) -> Result<Outcome, String> {
    let config = Config::read(&input.config)?;
    Ok(input
        .resources
        .iter()
        .flat_map(|r| check(&config, r))
        .collect())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Config {
    /// The limits every container must set.
    #[serde(default = "default_limits")]
    require_limits: Vec<String>,
    /// Images exempt from the tag rule: exact references, or prefixes ending in `*`.
    #[serde(default)]
    allow_images: Vec<String>,
}

fn default_limits() -> Vec<String> {
    vec!["cpu".into(), "memory".into()]
}

impl Config {
    fn read(config: &Value) -> Result<Config, String> {
        let config: Config = windlass_hook_guest::config_as(config)?;
        if let Some(i) = config.require_limits.iter().position(|l| l.is_empty()) {
            return Err(format!(
                "invalid config at requireLimits[{i}]: a resource name is empty"
            ));
        }
        if let Some(i) = config.allow_images.iter().position(|l| l.is_empty()) {
            return Err(format!(
                "invalid config at allowImages[{i}]: an image is empty"
            ));
        }
        Ok(config)
    }

    fn allows(&self, image: &str) -> bool {
        self.allow_images
            .iter()
            .any(|allowed| match allowed.strip_suffix('*') {
                Some(prefix) => image.starts_with(prefix),
                None => image == allowed,
            })
    }
}

/// Where a kind keeps its pod spec, or `None` for kinds that have none.
fn pod_spec_path(resource: &Resource) -> Option<Path> {
    let spec = Path::root().key("spec");
    match (resource.group(), resource.kind.as_str()) {
        ("", "Pod") => Some(spec),
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet") | ("batch", "Job") => {
            Some(spec.key("template").key("spec"))
        }
        ("batch", "CronJob") => Some(
            spec.key("jobTemplate")
                .key("spec")
                .key("template")
                .key("spec"),
        ),
        _ => None,
    }
}

/// The findings for one resource: per container and init container, its image,
/// then its limits.
fn check(config: &Config, resource: &Resource) -> Vec<Finding> {
    let Some(pod) = pod_spec_path(resource) else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    for list in ["initContainers", "containers"] {
        let list_path = pod.clone().key(list);
        let Some(containers) = list_path.get(resource.object()).and_then(Value::as_array) else {
            continue;
        };
        for (i, container) in containers.iter().enumerate() {
            let at = list_path.clone().index(i);
            let name = container
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("(unnamed)");
            let what = format!(
                "{}: {} {name:?}",
                resource.reference(),
                if list == "containers" {
                    "container"
                } else {
                    "init container"
                }
            );
            if let Some(problem) = image_problem(config, container.get("image")) {
                findings.push(
                    deny(format!("{what} {problem}"))
                        .at(at.clone().key("image"))
                        .on(resource.reference()),
                );
            }
            let limits_path = at.key("resources").key("limits");
            let limits = limits_path.get(resource.object());
            let missing: Vec<String> = config
                .require_limits
                .iter()
                .filter(|name| !is_set(limits.and_then(|l| l.get(name.as_str()))))
                .map(|name| format!("resources.limits.{name}"))
                .collect();
            if !missing.is_empty() {
                findings.push(
                    deny(format!(
                        "{what} sets no {} ({limits_path})",
                        missing.join(", ")
                    ))
                    .at(&limits_path)
                    .on(resource.reference()),
                );
            }
        }
    }
    findings
}

/// Why a container's image is not acceptable, if it is not.
fn image_problem(config: &Config, image: Option<&Value>) -> Option<String> {
    let image = match image {
        Some(Value::String(image)) if !image.is_empty() => image,
        _ => return Some("has no image".into()),
    };
    if config.allows(image) {
        return None;
    }
    match tag(image) {
        Tag::Digest => None,
        Tag::None => Some(format!(
            "uses image {image:?} without a tag, which means :latest; pin a version"
        )),
        Tag::Named("latest") => Some(format!("uses image {image:?}; pin a version, not :latest")),
        Tag::Named(_) => None,
    }
}

/// What an image reference pins.
#[derive(Debug, PartialEq)]
enum Tag<'a> {
    /// `@sha256:…`: pinned by content, whatever the tag.
    Digest,
    None,
    Named(&'a str),
}

/// The tag of `registry[:port]/path[:tag][@digest]`. A `:` before the last `/`
/// belongs to the registry's port.
fn tag(image: &str) -> Tag<'_> {
    if image.contains('@') {
        return Tag::Digest;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, tag)) if !tag.is_empty() => Tag::Named(tag),
        _ => Tag::None,
    }
}

/// A limit counts as set unless absent, `null` or an empty string.
fn is_set(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use windlass_hook_guest::json;

    fn findings(config: Value, object: Value) -> Vec<(String, String)> {
        let config = Config::read(&config).unwrap();
        check(&config, &Resource::from_object(object, "t.yaml"))
            .into_iter()
            .map(|f| {
                assert!(f.is_error());
                assert!(f.resource.is_some());
                (f.field_path.unwrap(), f.message)
            })
            .collect()
    }

    fn deployment(containers: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"template": {"spec": {"containers": containers}}}})
    }

    fn limited(image: &str) -> Value {
        json!({"name": "app", "image": image,
               "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}}})
    }

    #[test]
    fn tags_are_read_past_registry_ports_and_digests() {
        assert_eq!(tag("nginx"), Tag::None);
        assert_eq!(tag("nginx:1.27"), Tag::Named("1.27"));
        assert_eq!(tag("registry:5000/team/app"), Tag::None);
        assert_eq!(tag("registry:5000/team/app:latest"), Tag::Named("latest"));
        assert_eq!(tag("nginx:"), Tag::None);
        assert_eq!(tag("nginx@sha256:abc"), Tag::Digest);
        assert_eq!(tag("nginx:latest@sha256:abc"), Tag::Digest);
    }

    #[test]
    fn pinned_and_limited_containers_pass() {
        let ok = deployment(json!([limited("nginx:1.27"), limited("r:5000/a@sha256:0")]));
        assert_eq!(findings(Value::Null, ok), vec![]);
    }

    #[test]
    fn latest_and_untagged_images_are_denied() {
        let d = deployment(json!([
            limited("nginx:latest"),
            limited("registry:5000/app")
        ]));
        assert_eq!(
            findings(Value::Null, d),
            vec![
                (
                    "spec.template.spec.containers[0].image".into(),
                    "Deployment shop/web: container \"app\" uses image \"nginx:latest\"; pin a version, not :latest".into()
                ),
                (
                    "spec.template.spec.containers[1].image".into(),
                    "Deployment shop/web: container \"app\" uses image \"registry:5000/app\" without a tag, which means :latest; pin a version".into()
                ),
            ]
        );
    }

    #[test]
    fn missing_limits_are_listed_per_container() {
        let d = deployment(json!([
            {"name": "app", "image": "nginx:1", "resources": {"limits": {"cpu": "1"}}},
            {"name": "side", "image": "envoy:1", "resources": {"requests": {"cpu": "1"}}},
            {"name": "empty", "image": "x:1", "resources": {"limits": {"cpu": "", "memory": null}}},
        ]));
        assert_eq!(
            findings(Value::Null, d),
            vec![
                (
                    "spec.template.spec.containers[0].resources.limits".into(),
                    "Deployment shop/web: container \"app\" sets no resources.limits.memory (spec.template.spec.containers[0].resources.limits)".into()
                ),
                (
                    "spec.template.spec.containers[1].resources.limits".into(),
                    "Deployment shop/web: container \"side\" sets no resources.limits.cpu, resources.limits.memory (spec.template.spec.containers[1].resources.limits)".into()
                ),
                (
                    "spec.template.spec.containers[2].resources.limits".into(),
                    "Deployment shop/web: container \"empty\" sets no resources.limits.cpu, resources.limits.memory (spec.template.spec.containers[2].resources.limits)".into()
                ),
            ]
        );
    }

    #[test]
    fn required_limits_are_configurable() {
        let d = deployment(json!([{"name": "app", "image": "nginx:1",
                                   "resources": {"limits": {"memory": "1Gi"}}}]));
        assert_eq!(
            findings(json!({"requireLimits": ["memory"]}), d.clone()),
            vec![]
        );
        assert_eq!(findings(json!({"requireLimits": []}), d.clone()), vec![]);
        let found = findings(json!({"requireLimits": ["memory", "ephemeral-storage"]}), d);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .1
                .contains("sets no resources.limits.ephemeral-storage (")
        );
    }

    #[test]
    fn allowed_images_skip_the_tag_rule_only() {
        let config = json!({"allowImages": ["busybox:latest", "registry.example.com/tools/*"]});
        let d = deployment(json!([
            limited("busybox:latest"),
            limited("registry.example.com/tools/debug"),
            {"name": "bare", "image": "busybox:latest"},
            limited("busybox"),
        ]));
        let paths: Vec<String> = findings(config, d).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "spec.template.spec.containers[2].resources.limits",
                "spec.template.spec.containers[3].image",
            ]
        );
    }

    #[test]
    fn every_workload_kind_and_init_containers_are_checked() {
        let bad = json!([{"name": "c", "image": "x"}]);
        let cases = [
            (
                "v1",
                "Pod",
                json!({"spec": {"initContainers": bad}}),
                "spec.initContainers[0]",
            ),
            (
                "apps/v1",
                "StatefulSet",
                json!({"spec": {"template": {"spec": {"containers": bad}}}}),
                "spec.template.spec.containers[0]",
            ),
            (
                "apps/v1",
                "DaemonSet",
                json!({"spec": {"template": {"spec": {"containers": bad}}}}),
                "spec.template.spec.containers[0]",
            ),
            (
                "batch/v1",
                "Job",
                json!({"spec": {"template": {"spec": {"containers": bad}}}}),
                "spec.template.spec.containers[0]",
            ),
            (
                "batch/v1",
                "CronJob",
                json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": bad}}}}}}),
                "spec.jobTemplate.spec.template.spec.containers[0]",
            ),
        ];
        for (api_version, kind, mut object, at) in cases {
            object["apiVersion"] = json!(api_version);
            object["kind"] = json!(kind);
            object["metadata"] = json!({"name": "w"});
            let found = findings(Value::Null, object);
            assert_eq!(found.len(), 2, "{kind}: {found:?}");
            assert_eq!(found[0].0, format!("{at}.image"), "{kind}");
            assert_eq!(found[1].0, format!("{at}.resources.limits"), "{kind}");
            assert!(found[0].1.starts_with(&format!("{kind}/w: ")), "{kind}");
        }
        let init = findings(
            Value::Null,
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                                                "spec": {"initContainers": [{"name": "i", "image": "x:1"}]}}),
        );
        assert!(init[0].1.contains("init container \"i\""));
    }

    #[test]
    fn other_kinds_and_groups_are_ignored() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        assert_eq!(findings(Value::Null, cm), vec![]);
        let mut custom = deployment(json!([{"name": "c", "image": "x"}]));
        custom["apiVersion"] = json!("example.com/v1");
        assert_eq!(findings(Value::Null, custom), vec![]);
    }

    #[test]
    fn missing_image_is_denied() {
        let found = findings(
            Value::Null,
            deployment(json!([{"name": "c", "resources": {"limits": {"cpu": 1, "memory": 1}}}])),
        );
        assert_eq!(
            found,
            vec![(
                "spec.template.spec.containers[0].image".into(),
                "Deployment shop/web: container \"c\" has no image".into()
            )]
        );
    }

    #[test]
    fn invalid_configs_are_errors() {
        let err = |c: Value| Config::read(&c).unwrap_err();
        assert!(
            err(json!({"requireLimits": "cpu"}))
                .starts_with("invalid config at requireLimits: invalid type")
        );
        assert_eq!(
            err(json!({"requireLimits": ["cpu", ""]})),
            "invalid config at requireLimits[1]: a resource name is empty"
        );
        assert!(err(json!({"allowImages": [""]})).starts_with("invalid config at allowImages[0]"));
        assert!(err(json!({"limits": ["cpu"]})).contains("unknown field `limits`"));
    }

    #[test]
    fn cases() {
        windlass_hook_cases::check_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests"), run);
    }
}
