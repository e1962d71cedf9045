//! A realistic release to hand the hooks: 100 rendered resources (Deployments,
//! Services and ConfigMaps, about 1 KB of JSON each) and about 20 KB of merged
//! values, all of which pass the benchmarked hooks' checks (so every hook walks
//! everything rather than stopping at the first problem).

use serde_json::{Value, json};
use windlass_chart::HookEvent;
use windlass_wasm::{ChartInfo, HookInput, ReleaseInfo, ResourceInput};

pub const RELEASE: &str = "shop";
pub const NAMESPACE: &str = "team-a";

/// The labels every resource and pod template carries.
fn labels(component: &str) -> Value {
    json!({
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/instance": RELEASE,
        "app.kubernetes.io/managed-by": "windlass",
        "app.kubernetes.io/part-of": "shop",
        "example.com/cost-centre": "cc-1234",
    })
}

fn deployment(i: usize) -> Value {
    let name = format!("shop-svc{i:02}");
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels(&name)},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": RELEASE}},
            "template": {
                "metadata": {"labels": labels(&name)},
                "spec": {
                    "serviceAccountName": "shop",
                    "containers": [{
                        "name": "app",
                        "image": format!("registry.example.com/shop/svc{i:02}:1.{i}.0"),
                        "ports": [{"name": "http", "containerPort": 8080}],
                        "env": [
                            {"name": "LOG_LEVEL", "value": "info"},
                            {"name": "DB_HOST", "value": "shop-db.team-a.svc"},
                        ],
                        "resources": {
                            "requests": {"cpu": "100m", "memory": "128Mi"},
                            "limits": {"cpu": "500m", "memory": "256Mi"},
                        },
                        "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                    }, {
                        "name": "proxy",
                        "image": "registry.example.com/tools/envoy:1.31.2",
                        "resources": {"limits": {"cpu": "200m", "memory": "64Mi"}},
                    }],
                },
            },
        },
    })
}

fn service(i: usize) -> Value {
    let name = format!("shop-svc{i:02}");
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": labels(&name)},
        "spec": {
            "type": "ClusterIP",
            "selector": {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": RELEASE},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    })
}

fn config_map(i: usize) -> Value {
    let name = format!("shop-svc{i:02}-config");
    let data: serde_json::Map<String, Value> = (0..8)
        .map(|k| {
            (
                format!("setting-{k}"),
                json!(format!(
                    "value {k} of service {i}, long enough to be a real setting"
                )),
            )
        })
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels(&name)},
        "data": data,
    })
}

/// The merged values: the keys the hooks check, plus per-service settings up
/// to about 20 KB.
fn values() -> Value {
    let services: serde_json::Map<String, Value> = (0..64)
        .map(|i| {
            (
                format!("svc{i:02}"),
                json!({
                    "enabled": true,
                    "image": {"repository": format!("registry.example.com/shop/svc{i:02}"), "tag": format!("1.{i}.0")},
                    "replicaCount": 3,
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
                    "env": {"LOG_LEVEL": "info", "DB_HOST": "shop-db.team-a.svc"},
                    "podAnnotations": {"prometheus.io/scrape": "true"},
                }),
            )
        })
        .collect();
    json!({
        "image": {"repository": "registry.example.com/shop/frontend", "tag": "2.4.1", "pullPolicy": "IfNotPresent"},
        "replicaCount": 3,
        "service": {"type": "ClusterIP", "port": 80},
        "ingress": {"enabled": true, "hosts": [{"host": "shop.example.com", "paths": ["/"]}]},
        "services": services,
    })
}

/// The release as every hook of the event sees it (the config is the hook's).
pub fn input(hook_name: &str, config: Value) -> HookInput {
    let mut resources = Vec::new();
    for i in 0..34 {
        resources.push(ResourceInput::from_object(
            deployment(i),
            "shop/templates/deployment.yaml",
        ));
        if i < 33 {
            resources.push(ResourceInput::from_object(
                service(i),
                "shop/templates/service.yaml",
            ));
            resources.push(ResourceInput::from_object(
                config_map(i),
                "shop/templates/configmap.yaml",
            ));
        }
    }
    HookInput {
        hook_name: hook_name.to_string(),
        event: HookEvent::PreInstall,
        release: ReleaseInfo {
            name: RELEASE.to_string(),
            namespace: NAMESPACE.to_string(),
            revision: 1,
            previous_revision: None,
            is_install: true,
            is_upgrade: false,
        },
        chart: ChartInfo {
            name: "shop".to_string(),
            version: "1.0.0".to_string(),
            app_version: Some("2.4.1".to_string()),
            kube_version: None,
            annotations: Default::default(),
        },
        values: values(),
        resources,
        config,
        kube_version: "v1.36.0".to_string(),
        api_versions: vec![
            "v1".to_string(),
            "apps/v1".to_string(),
            "batch/v1".to_string(),
        ],
    }
}

/// Sizes of the context as JSON, for the report.
pub fn sizes(input: &HookInput) -> (usize, usize, usize) {
    let values = input.values.to_string().len();
    let resources: usize = input
        .resources
        .iter()
        .map(|r| r.object.to_string().len())
        .sum();
    (values, input.resources.len(), resources)
}
