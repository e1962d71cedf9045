//! The test cluster against itself: real controllers, the simulated node, RBAC.
//!
//! All tests share one control plane per test binary ([`TestCluster::shared_or_skip`]) and
//! each works in its own namespace. Waits have generous deadlines; nothing asserts on
//! durations.

use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Pod, Secret};
use kube::api::{Api, DeleteParams, ListParams, LogParams, PostParams};
use kube::runtime::wait::{Condition, await_condition};
use serde_json::json;
use windlass_testcluster::TestCluster;

/// Generous: the machine may be busy building while the tests run.
const DEADLINE: Duration = Duration::from_secs(120);

fn job(name: &str, script: &str) -> Job {
    serde_json::from_value(json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {
            "backoffLimit": 0,
            "template": {"spec": {
                "restartPolicy": "Never",
                "containers": [{
                    "name": "main",
                    "image": "busybox",
                    "command": ["sh", "-c", script],
                }],
            }},
        },
    }))
    .unwrap()
}

fn job_condition(kind: &'static str) -> impl Condition<Job> {
    move |job: Option<&Job>| {
        job.and_then(|j| j.status.as_ref())
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == kind && c.status == "True"))
    }
}

async fn wait<K, C>(api: &Api<K>, name: &str, condition: C) -> Option<K>
where
    K: kube::Resource + Clone + std::fmt::Debug + serde::de::DeserializeOwned + Send + 'static,
    C: Condition<K>,
{
    tokio::time::timeout(DEADLINE, await_condition(api.clone(), name, condition))
        .await
        .unwrap_or_else(|_| panic!("`{name}` not there after {DEADLINE:?}"))
        .unwrap()
}

async fn job_pod(pods: &Api<Pod>, job: &str) -> Pod {
    let list = pods
        .list(&ListParams::default().labels(&format!("job-name={job}")))
        .await
        .unwrap();
    assert_eq!(list.items.len(), 1, "one pod for job `{job}`");
    list.items.into_iter().next().unwrap()
}

#[tokio::test]
async fn a_job_completes_and_its_logs_come_through_the_apiserver() {
    let Some(cluster) = TestCluster::shared_or_skip("a_job_completes") else {
        return;
    };
    let ns = cluster.namespace("job-ok").await;
    let client = cluster.client();
    let jobs: Api<Job> = Api::namespaced(client.clone(), &ns);
    jobs.create(&PostParams::default(), &job("hello", "echo hello; exit 0"))
        .await
        .unwrap();
    wait(&jobs, "hello", job_condition("Complete")).await;

    let pods: Api<Pod> = Api::namespaced(client, &ns);
    let pod = job_pod(&pods, "hello").await;
    let logs = pods
        .logs(&pod.metadata.name.unwrap(), &LogParams::default())
        .await
        .unwrap();
    assert_eq!(logs, "hello\n");
}

#[tokio::test]
async fn a_failing_job_fails_with_the_real_exit_code() {
    let Some(cluster) = TestCluster::shared_or_skip("a_failing_job_fails") else {
        return;
    };
    let ns = cluster.namespace("job-fail").await;
    let client = cluster.client();
    let jobs: Api<Job> = Api::namespaced(client.clone(), &ns);
    jobs.create(
        &PostParams::default(),
        &job("three", "echo about to fail >&2; exit 3"),
    )
    .await
    .unwrap();
    wait(&jobs, "three", job_condition("Failed")).await;

    let pods: Api<Pod> = Api::namespaced(client, &ns);
    let pod = job_pod(&pods, "three").await;
    let status = pod.status.unwrap();
    assert_eq!(status.phase.as_deref(), Some("Failed"));
    let terminated = status.container_statuses.unwrap()[0]
        .state
        .clone()
        .unwrap()
        .terminated
        .unwrap();
    assert_eq!(terminated.exit_code, 3);
    assert_eq!(terminated.reason.as_deref(), Some("Error"));
    let logs = pods
        .logs(&pod.metadata.name.unwrap(), &LogParams::default())
        .await
        .unwrap();
    assert_eq!(logs, "about to fail\n");
}

#[tokio::test]
async fn the_exit_code_annotation_decides_without_running() {
    let Some(cluster) = TestCluster::shared_or_skip("the_exit_code_annotation") else {
        return;
    };
    let ns = cluster.namespace("annotated").await;
    let jobs: Api<Job> = Api::namespaced(cluster.client(), &ns);
    let mut job = job("annotated", "echo never runs; exit 0");
    job.spec.as_mut().unwrap().template.metadata = Some(
        serde_json::from_value(json!({
            "annotations": {windlass_testcluster::EXIT_CODE_ANNOTATION: "7"}
        }))
        .unwrap(),
    );
    jobs.create(&PostParams::default(), &job).await.unwrap();
    wait(&jobs, "annotated", job_condition("Failed")).await;
    let journal = cluster.journal(&ns);
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].exit_code, Some(7));
    assert_eq!(journal[0].job.as_deref(), Some("annotated"));
}

#[tokio::test]
async fn a_deployment_becomes_available() {
    let Some(cluster) = TestCluster::shared_or_skip("a_deployment_becomes_available") else {
        return;
    };
    let ns = cluster.namespace("deploy").await;
    let deployments: Api<Deployment> = Api::namespaced(cluster.client(), &ns);
    let deployment: Deployment = serde_json::from_value(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx"}]},
            },
        },
    }))
    .unwrap();
    deployments
        .create(&PostParams::default(), &deployment)
        .await
        .unwrap();
    let available = |d: Option<&Deployment>| {
        d.and_then(|d| d.status.as_ref())
            .is_some_and(|s| s.available_replicas == Some(2) && s.ready_replicas == Some(2))
    };
    let deployment = wait(&deployments, "web", available).await.unwrap();
    let conditions = deployment.status.unwrap().conditions.unwrap();
    assert!(
        conditions
            .iter()
            .any(|c| c.type_ == "Available" && c.status == "True"),
        "{conditions:?}"
    );
}

#[tokio::test]
async fn deleting_a_running_pod_finishes() {
    let Some(cluster) = TestCluster::shared_or_skip("deleting_a_running_pod_finishes") else {
        return;
    };
    let ns = cluster.namespace("delete-running").await;
    let pods: Api<Pod> = Api::namespaced(cluster.client(), &ns);
    let pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "sleeper"},
        "spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "sleep", "image": "busybox", "command": ["sleep", "600"]}],
        },
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    let running = |p: Option<&Pod>| {
        p.and_then(|p| p.status.as_ref())
            .is_some_and(|s| s.phase.as_deref() == Some("Running"))
    };
    let pod = wait(&pods, "sleeper", running).await.unwrap();
    let uid = pod.metadata.uid.unwrap();

    // A graceful delete (the default 30 s grace period): the node must finish it.
    pods.delete("sleeper", &DeleteParams::default())
        .await
        .unwrap();
    wait(
        &pods,
        "sleeper",
        kube::runtime::conditions::is_deleted(&uid),
    )
    .await;
    let journal = cluster.journal(&ns);
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].pod, "sleeper");
    assert_eq!(journal[0].exit_code, None, "killed, not finished");
}

#[tokio::test]
async fn the_restricted_user_is_forbidden() {
    let Some(cluster) = TestCluster::shared_or_skip("the_restricted_user_is_forbidden") else {
        return;
    };
    let ns = cluster.namespace("restricted").await;
    let kubeconfig = kube::config::Kubeconfig::read_from(cluster.restricted_kubeconfig()).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    let client = kube::Client::try_from(config).unwrap();
    let secrets: Api<Secret> = Api::namespaced(client, &ns);
    match secrets.list(&ListParams::default()).await {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 403, "{status:?}");
            assert_eq!(status.reason, "Forbidden", "{status:?}");
            assert!(
                status.message.contains("User \"restricted\""),
                "{}",
                status.message
            );
        }
        other => panic!("expected 403 Forbidden, got {other:?}"),
    }
}

#[tokio::test]
async fn the_journal_lists_pods_in_start_order() {
    let Some(cluster) = TestCluster::shared_or_skip("the_journal_lists_pods") else {
        return;
    };
    let ns = cluster.namespace("journal").await;
    let jobs: Api<Job> = Api::namespaced(cluster.client(), &ns);
    // One after the other, as hooks run: each waits for the previous to complete.
    for (name, script) in [("first", "exit 0"), ("second", "echo 2"), ("third", "true")] {
        jobs.create(&PostParams::default(), &job(name, script))
            .await
            .unwrap();
        wait(&jobs, name, job_condition("Complete")).await;
    }
    let journal = cluster.journal(&ns);
    let order: Vec<_> = journal.iter().map(|e| e.job.as_deref().unwrap()).collect();
    assert_eq!(order, ["first", "second", "third"]);
    assert!(journal.iter().all(|e| e.exit_code == Some(0)));
    assert!(journal.iter().all(|e| e.containers == ["main"]));
    assert!(journal.windows(2).all(|w| w[0].started <= w[1].started));
    assert!(
        journal
            .iter()
            .all(|e| e.pod.starts_with(e.job.as_deref().unwrap()))
    );
}

#[tokio::test]
async fn namespaces_are_fresh() {
    let Some(cluster) = TestCluster::shared_or_skip("namespaces_are_fresh") else {
        return;
    };
    let a = cluster.namespace("same").await;
    let b = cluster.namespace("same").await;
    assert_ne!(a, b);
    let long = cluster.namespace(&"x".repeat(100)).await;
    assert!(long.len() <= 63, "{long}");
}

#[tokio::test]
async fn follow_streams_logs_until_the_container_exits() {
    let Some(cluster) = TestCluster::shared_or_skip("follow_streams_logs") else {
        return;
    };
    let ns = cluster.namespace("follow").await;
    let client = cluster.client();
    let jobs: Api<Job> = Api::namespaced(client.clone(), &ns);
    jobs.create(
        &PostParams::default(),
        &job("ticks", "for i in 1 2 3; do echo tick $i; sleep 0.3; done"),
    )
    .await
    .unwrap();
    let pods: Api<Pod> = Api::namespaced(client, &ns);
    let started = |p: Option<&Pod>| {
        p.and_then(|p| p.status.as_ref())
            .is_some_and(|s| s.phase.as_deref() != Some("Pending"))
    };
    // Polled, a tenth of a second apart, as many times as it takes a slow
    // machine; the bound only stops a hung test.
    let mut name = None;
    for _ in 0..1200 {
        let list = pods
            .list(&ListParams::default().labels("job-name=ticks"))
            .await
            .unwrap();
        if let Some(pod) = list.items.iter().find(|p| started(Some(p))) {
            name = pod.metadata.name.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let name = name.expect("a pod of Job `ticks` started");
    let params = LogParams {
        follow: true,
        ..LogParams::default()
    };
    let lines: Vec<String> = pods
        .log_stream(&name, &params)
        .await
        .map(futures::AsyncBufReadExt::lines)
        .unwrap()
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(lines, ["tick 1", "tick 2", "tick 3"]);

    let tail = pods
        .logs(
            &name,
            &LogParams {
                tail_lines: Some(1),
                ..LogParams::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(tail, "tick 3\n");
}

#[tokio::test]
async fn a_pod_gets_its_env_and_runs_init_containers_first() {
    let Some(cluster) = TestCluster::shared_or_skip("a_pod_gets_its_env") else {
        return;
    };
    let ns = cluster.namespace("env").await;
    let pods: Api<Pod> = Api::namespaced(cluster.client(), &ns);
    let pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "env"},
        "spec": {
            "restartPolicy": "Never",
            "initContainers": [{
                "name": "prepare",
                "image": "busybox",
                "command": ["sh", "-c", "echo prepared > marker"],
            }],
            "containers": [{
                "name": "main",
                "image": "busybox",
                "command": ["sh", "-c"],
                "args": ["echo $GREETING $(GREETING) $POD_NAMESPACE; cat marker"],
                "env": [
                    {"name": "GREETING", "value": "hi"},
                    {"name": "POD_NAMESPACE",
                     "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                ],
            }],
        },
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    let succeeded = |p: Option<&Pod>| {
        p.and_then(|p| p.status.as_ref())
            .is_some_and(|s| s.phase.as_deref() == Some("Succeeded"))
    };
    wait(&pods, "env", succeeded).await;
    let logs = pods
        .logs(
            "env",
            &LogParams {
                container: Some("main".to_owned()),
                ..LogParams::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(logs, format!("hi hi {ns}\nprepared\n"));
    let journal = cluster.journal(&ns);
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].containers, ["prepare", "main"]);
    assert_eq!(journal[0].job, None);
}
