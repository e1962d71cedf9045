//! Server defaults that server-side apply needs before the server adds them.
//!
//! A list merged by key (`x-kubernetes-list-type: map`) must carry every key
//! field in an applied object, even one the server would default: Kubernetes
//! 1.20 rejects a Service port without `protocol` ("associative list with keys
//! has an element that omits key field \"protocol\""), and Helm 4, applying
//! server-side, fails on such charts. Newer servers default the key. Charts
//! rarely write `protocol: TCP`, so windlass fills in the server's own default
//! where it is missing: it is what the server would store anyway.

use serde_json::Value;

/// Fills `protocol: TCP` where a list keyed by (port, protocol) omits it:
/// Service `spec.ports`, and container `ports` of Pods and of every pod
/// template (Deployments, Jobs, CronJobs...).
pub fn fill_list_map_keys(object: &mut Value) {
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let Some(spec) = object.get_mut("spec") else {
        return;
    };
    if kind == "Service" {
        default_protocol(spec.get_mut("ports"));
        return;
    }
    fill_pod_specs(spec);
}

/// Walks `spec` and nested `template.spec` / `jobTemplate.spec` looking for
/// containers.
fn fill_pod_specs(spec: &mut Value) {
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        if let Some(containers) = spec.get_mut(list).and_then(Value::as_array_mut) {
            for container in containers {
                default_protocol(container.get_mut("ports"));
            }
        }
    }
    if let Some(template_spec) = spec.pointer_mut("/template/spec") {
        fill_pod_specs(template_spec);
    }
    if let Some(job_spec) = spec.pointer_mut("/jobTemplate/spec") {
        fill_pod_specs(job_spec);
    }
}

fn default_protocol(ports: Option<&mut Value>) {
    let Some(ports) = ports.and_then(Value::as_array_mut) else {
        return;
    };
    for port in ports.iter_mut().filter_map(Value::as_object_mut) {
        if !port.contains_key("protocol") {
            port.insert("protocol".into(), Value::from("TCP"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn service_and_container_ports_get_the_server_default_protocol() {
        let mut service = json!({"kind": "Service", "spec": {"ports": [
            {"port": 80}, {"port": 53, "protocol": "UDP"}]}});
        fill_list_map_keys(&mut service);
        assert_eq!(service["spec"]["ports"][0]["protocol"], "TCP");
        assert_eq!(service["spec"]["ports"][1]["protocol"], "UDP");

        let mut cronjob = json!({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template":
            {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 8080}]}]}}}}}});
        fill_list_map_keys(&mut cronjob);
        assert_eq!(
            cronjob.pointer("/spec/jobTemplate/spec/template/spec/containers/0/ports/0/protocol"),
            Some(&json!("TCP"))
        );

        let mut pod =
            json!({"kind": "Pod", "spec": {"initContainers": [{"ports": [{"containerPort": 1}]}]}});
        fill_list_map_keys(&mut pod);
        assert_eq!(
            pod.pointer("/spec/initContainers/0/ports/0/protocol"),
            Some(&json!("TCP"))
        );

        let mut config_map = json!({"kind": "ConfigMap", "data": {"ports": "x"}});
        let before = config_map.clone();
        fill_list_map_keys(&mut config_map);
        assert_eq!(config_map, before);
    }
}
