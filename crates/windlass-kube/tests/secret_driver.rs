//! The `secret` release driver against a real control plane: Helm's exact
//! Secret format, preconditioned writes, the Lease lock, RBAC denials, corrupt
//! records, and interoperability with real Helm v4 (the helm-python-sdk peer).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::{SignedDuration, Timestamp as Instant};
use kube::api::{Api, PostParams};
use serde_json::{Value, json};
use windlass_chart::{HookEvent, Timestamp};
use windlass_kube::SecretDriver;
use windlass_release::test_support::sample_release;
use windlass_release::{Driver, Error, Release, Status, Storage, codec};
use windlass_testcluster::TestCluster;

/// The shared control plane, or `None` (the test skips; under CI it fails).
fn cluster(test: &str) -> Option<&'static TestCluster> {
    TestCluster::shared_or_skip(test)
}

async fn client_for(kubeconfig: &Path) -> kube::Client {
    let kubeconfig = kube::config::Kubeconfig::read_from(kubeconfig).expect("read kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(
        kubeconfig,
        &kube::config::KubeConfigOptions::default(),
    )
    .await
    .expect("kubeconfig is usable");
    kube::Client::try_from(config).expect("client")
}

async fn stored_secret(client: &kube::Client, namespace: &str, key: &str) -> Secret {
    Api::<Secret>::namespaced(client.clone(), namespace)
        .get(key)
        .await
        .expect("the record Secret exists")
}

async fn lease(client: &kube::Client, namespace: &str, release: &str) -> Option<Lease> {
    Api::<Lease>::namespaced(client.clone(), namespace)
        .get_opt(&SecretDriver::lease_name(release))
        .await
        .expect("read the Lease")
}

#[tokio::test]
async fn round_trip_follows_the_driver_contract() {
    let Some(cluster) = cluster("round_trip_follows_the_driver_contract") else {
        return;
    };
    let ns = cluster.namespace("secret-contract").await;
    let d = SecretDriver::new(cluster.client());
    assert_eq!(d.name(), "secret");
    let mut r = sample_release(&ns, "demo", 1, Status::PendingInstall);
    r.labels.insert("team".into(), "payments".into());

    assert!(matches!(
        d.get(&ns, "demo", 1).await,
        Err(Error::RevisionNotFound { version: 1, .. })
    ));
    assert!(matches!(
        d.update(&r).await,
        Err(Error::RevisionNotFound { .. })
    ));
    assert!(matches!(
        d.delete(&ns, "demo", 1).await,
        Err(Error::RevisionNotFound { .. })
    ));
    assert!(d.history(&ns, "demo").await.unwrap().is_empty());

    d.create(&r).await.unwrap();
    let err = d.create(&r).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "release record `sh.helm.release.v1.demo.v1` already exists"
    );
    assert_eq!(d.get(&ns, "demo", 1).await.unwrap(), r);

    r.set_status(Status::Deployed, "Install complete");
    r.labels.insert("tier".into(), "web".into());
    d.update(&r).await.unwrap();
    // Twice in a row: the driver remembers the version its own write produced.
    d.update(&r).await.unwrap();
    assert_eq!(d.get(&ns, "demo", 1).await.unwrap(), r);

    let mut r2 = sample_release(&ns, "demo", 2, Status::Deployed);
    r2.labels.insert("team".into(), "payments".into());
    d.create(&r2).await.unwrap();
    d.create(&sample_release(&ns, "other", 1, Status::Failed))
        .await
        .unwrap();
    let mut history = d.history(&ns, "demo").await.unwrap();
    history.sort_by_key(|r| r.version);
    assert_eq!(history, [r.clone(), r2.clone()]);

    let mut listed: Vec<(String, u32)> = d
        .list(Some(&ns))
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.version))
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            ("demo".to_string(), 1),
            ("demo".to_string(), 2),
            ("other".to_string(), 1)
        ]
    );
    // Across namespaces. Other tests share the cluster, and one of them plants a
    // corrupt record, which the driver contract reports rather than skips.
    match d.list(None).await {
        Ok(everywhere) => assert_eq!(
            everywhere.iter().filter(|r| r.namespace == ns).count(),
            3,
            "all-namespace list includes this namespace's records"
        ),
        Err(Error::Corrupt { location, .. }) => {
            assert!(
                location.contains("/sh.helm.release.v1.broken.v1"),
                "{location}"
            );
        }
        Err(e) => panic!("list(None): {e}"),
    }
    assert!(
        d.list(Some("default"))
            .await
            .unwrap()
            .iter()
            .all(|r| r.namespace == "default")
    );

    assert_eq!(d.delete(&ns, "demo", 1).await.unwrap(), r);
    assert!(matches!(
        d.get(&ns, "demo", 1).await,
        Err(Error::RevisionNotFound { .. })
    ));
    // Storage's rules work on top of it.
    let storage = Storage::new(Arc::new(d.clone()));
    assert_eq!(storage.last(&ns, "demo").await.unwrap().version, 2);
    assert_eq!(storage.deployed(&ns, "demo").await.unwrap(), r2);
}

#[tokio::test]
async fn stored_secret_is_exactly_helms() {
    let Some(cluster) = cluster("stored_secret_is_exactly_helms") else {
        return;
    };
    let ns = cluster.namespace("secret-format").await;
    let client = cluster.client();
    let d = SecretDriver::new(client.clone());
    let mut r = sample_release(&ns, "web", 3, Status::PendingUpgrade);
    r.labels.insert("team".into(), "edge".into());
    d.create(&r).await.unwrap();

    let secret = stored_secret(&client, &ns, "sh.helm.release.v1.web.v3").await;
    assert_eq!(secret.type_.as_deref(), Some("helm.sh/release.v1"));
    let labels = secret.metadata.labels.clone().unwrap();
    let created_at: i64 = labels["createdAt"].parse().unwrap();
    assert!(created_at > 1_700_000_000, "{created_at}");
    let expected = BTreeMap::from([
        ("createdAt".to_string(), labels["createdAt"].clone()),
        ("name".to_string(), "web".to_string()),
        ("owner".to_string(), "helm".to_string()),
        ("status".to_string(), "pending-upgrade".to_string()),
        ("team".to_string(), "edge".to_string()),
        ("version".to_string(), "3".to_string()),
    ]);
    assert_eq!(labels, expected);
    let data = secret.data.clone().unwrap();
    assert_eq!(data.keys().collect::<Vec<_>>(), ["release"]);
    // Kubernetes removes its base64 layer; what is left is Helm's encoding.
    let text = std::str::from_utf8(&data["release"].0).unwrap();
    assert!(
        text.starts_with("H4sIAAAAAAAC/"),
        "Go's gzip header: {text:.20}"
    );
    let mut without_labels = r.clone();
    without_labels.labels.clear();
    assert_eq!(codec::decode(text, "k").unwrap(), without_labels);

    // An update is labelled modifiedAt, not createdAt, as Helm's Update does.
    r.set_status(Status::Deployed, "Upgrade complete");
    d.update(&r).await.unwrap();
    let labels = stored_secret(&client, &ns, "sh.helm.release.v1.web.v3")
        .await
        .metadata
        .labels
        .unwrap();
    assert!(!labels.contains_key("createdAt"), "{labels:?}");
    assert!(labels["modifiedAt"].parse::<i64>().unwrap() >= created_at);
    assert_eq!(labels["status"], "deployed");
}

#[tokio::test]
async fn a_stale_update_is_refused_and_leaves_the_other_writers_record() {
    let Some(cluster) = cluster("a_stale_update_is_refused") else {
        return;
    };
    let ns = cluster.namespace("secret-stale").await;
    let a = SecretDriver::new(cluster.client());
    let b = SecretDriver::new(cluster.client());
    // Reads for checking go through a third driver, so they refresh neither
    // A's nor B's remembered versions.
    let observer = SecretDriver::new(cluster.client());
    let r = sample_release(&ns, "demo", 1, Status::PendingInstall);
    a.create(&r).await.unwrap();

    // B reads the record (it never saw it before) and marks it deployed.
    let mut by_b = b.get(&ns, "demo", 1).await.unwrap();
    by_b.set_status(Status::Deployed, "written by B");
    b.update(&by_b).await.unwrap();

    // A still holds the version it created: its write must not land.
    let mut by_a = r.clone();
    by_a.set_status(Status::Deployed, "written by A");
    let err = a.update(&by_a).await.unwrap_err();
    assert!(
        matches!(err, Error::Conflict { ref name, version: 1, .. } if name == "demo"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "release `demo` revision 1 was changed by another writer since it was read; nothing was written"
    );
    assert_eq!(observer.get(&ns, "demo", 1).await.unwrap(), by_b);
    // Retrying without reading again is refused again.
    assert!(matches!(a.update(&by_a).await, Err(Error::Conflict { .. })));
    // So is deleting what A last saw.
    let err = a.delete(&ns, "demo", 1).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Conflict {
                action: "deleted",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(observer.get(&ns, "demo", 1).await.unwrap(), by_b);

    // After reading the current record, A may write.
    let mut current = a.get(&ns, "demo", 1).await.unwrap();
    current.set_status(Status::Superseded, "written by A after reading");
    a.update(&current).await.unwrap();
    assert_eq!(observer.get(&ns, "demo", 1).await.unwrap(), current);
    // And B's remembered version is now stale in turn.
    assert!(matches!(b.update(&by_b).await, Err(Error::Conflict { .. })));
    assert!(matches!(
        b.delete(&ns, "demo", 1).await,
        Err(Error::Conflict { .. })
    ));
    // Reading the history refreshes B's view; then B may delete.
    assert_eq!(b.history(&ns, "demo").await.unwrap(), [current.clone()]);
    assert_eq!(b.delete(&ns, "demo", 1).await.unwrap(), current);
}

#[tokio::test]
async fn the_lease_lock_excludes_other_holders_until_dropped() {
    let Some(cluster) = cluster("the_lease_lock_excludes_other_holders") else {
        return;
    };
    let ns = cluster.namespace("secret-lock").await;
    let client = cluster.client();
    let a = SecretDriver::new(client.clone());
    let b = SecretDriver::new(client.clone());
    assert_ne!(a.holder_identity(), b.holder_identity());

    let guard = a.lock(&ns, "demo").await.unwrap();
    let held = lease(&client, &ns, "demo").await.expect("the Lease exists");
    let spec = held.spec.unwrap();
    assert_eq!(spec.holder_identity.as_deref(), Some(a.holder_identity()));
    assert_eq!(spec.lease_duration_seconds, Some(15));
    assert!(spec.acquire_time.is_some() && spec.renew_time.is_some());

    let err = b.lock(&ns, "demo").await.unwrap_err();
    match &err {
        Error::Locked { name, detail } => {
            assert_eq!(name, "demo");
            assert!(detail.contains(a.holder_identity()), "{detail}");
            assert!(
                detail.contains(&format!("Lease `{ns}/windlass.release.demo`")),
                "{detail}"
            );
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    // The same driver cannot take it twice either.
    assert!(matches!(
        a.lock(&ns, "demo").await,
        Err(Error::Locked { .. })
    ));
    // Other releases are independent.
    let _other = b.lock(&ns, "other").await.unwrap();

    drop(guard);
    a.settle().await;
    assert!(
        lease(&client, &ns, "demo").await.is_none(),
        "the Lease is deleted"
    );
    let guard_b = b.lock(&ns, "demo").await.unwrap();
    assert!(matches!(
        a.lock(&ns, "demo").await,
        Err(Error::Locked { .. })
    ));
    drop(guard_b);
    // The same driver locks again right away: it waits for its own release.
    let _again = b.lock(&ns, "demo").await.unwrap();

    // What `windlass status` does to tell an interrupted release: take and drop.
    let probe = a.lock(&ns, "probe").await.unwrap();
    drop(probe);
    let _probe_again = a.lock(&ns, "probe").await.unwrap();
}

#[tokio::test]
async fn a_held_lease_is_renewed() {
    let Some(cluster) = cluster("a_held_lease_is_renewed") else {
        return;
    };
    let ns = cluster.namespace("secret-renew").await;
    let client = cluster.client();
    let d = SecretDriver::new(client.clone());
    let _guard = d.lock(&ns, "demo").await.unwrap();
    let first = lease(&client, &ns, "demo").await.unwrap().spec.unwrap();
    // Renewals come every 5 s; wait for one (the bound only stops a hung test).
    let mut renewed = None;
    for _ in 0..60 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let spec = lease(&client, &ns, "demo").await.unwrap().spec.unwrap();
        if spec.renew_time != first.renew_time {
            renewed = Some(spec);
            break;
        }
    }
    let renewed = renewed.expect("the Lease is renewed while the guard lives");
    assert_eq!(renewed.holder_identity, first.holder_identity);
    assert_eq!(renewed.acquire_time, first.acquire_time);
    assert!(renewed.renew_time > first.renew_time);
}

#[tokio::test]
async fn an_expired_lease_is_taken_over() {
    let Some(cluster) = cluster("an_expired_lease_is_taken_over") else {
        return;
    };
    let ns = cluster.namespace("secret-expired").await;
    let client = cluster.client();
    let leases = Api::<Lease>::namespaced(client.clone(), &ns);
    let abandoned = |name: &str, renewed_secs_ago: i64| Lease {
        metadata: ObjectMeta {
            name: Some(SecretDriver::lease_name(name)),
            ..ObjectMeta::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: Some("killed-host_4242_0123456789abcdef".into()),
            lease_duration_seconds: Some(15),
            acquire_time: Some(MicroTime(
                Instant::now() - SignedDuration::from_secs(renewed_secs_ago + 30),
            )),
            renew_time: Some(MicroTime(
                Instant::now() - SignedDuration::from_secs(renewed_secs_ago),
            )),
            lease_transitions: Some(2),
            ..LeaseSpec::default()
        }),
    };
    let post = PostParams::default();
    leases.create(&post, &abandoned("old", 60)).await.unwrap();
    leases.create(&post, &abandoned("live", 0)).await.unwrap();

    let d = SecretDriver::new(client.clone());
    let _guard = d.lock(&ns, "old").await.unwrap();
    let spec = lease(&client, &ns, "old").await.unwrap().spec.unwrap();
    assert_eq!(spec.holder_identity.as_deref(), Some(d.holder_identity()));
    assert_eq!(spec.lease_transitions, Some(3));

    // A Lease renewed just now (by a process that still runs) is respected.
    let err = d.lock(&ns, "live").await.unwrap_err();
    assert!(
        matches!(&err, Error::Locked { detail, .. } if detail.contains("killed-host_4242_0123456789abcdef")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_forbidden_identity_gets_a_clear_error() {
    let Some(cluster) = cluster("a_forbidden_identity_gets_a_clear_error") else {
        return;
    };
    let ns = cluster.namespace("secret-rbac").await;
    let restricted = client_for(cluster.restricted_kubeconfig()).await;
    let d = SecretDriver::new(restricted);

    let err = d.get(&ns, "demo", 1).await.unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            Error::Backend {
                driver: "secret",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        text.contains(&format!(
            "cannot get Secret `{ns}/sh.helm.release.v1.demo.v1`"
        )),
        "{text}"
    );
    assert!(
        text.contains("403 Forbidden") && text.contains("forbidden"),
        "{text}"
    );

    let err = d
        .create(&sample_release(&ns, "demo", 1, Status::Deployed))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!(
            "cannot create Secret `{ns}/sh.helm.release.v1.demo.v1`"
        )) && err.contains("forbidden"),
        "{err}"
    );
    let err = d.history(&ns, "demo").await.unwrap_err().to_string();
    assert!(
        err.contains("cannot list Secrets labelled `owner=helm,name=demo`")
            && err.contains("forbidden"),
        "{err}"
    );
    let err = d.lock(&ns, "demo").await.unwrap_err().to_string();
    assert!(
        err.contains(&format!("Lease `{ns}/windlass.release.demo`")) && err.contains("forbidden"),
        "{err}"
    );
}

#[tokio::test]
async fn a_corrupt_record_is_reported_by_name_and_never_replaced() {
    let Some(cluster) = cluster("a_corrupt_record_is_reported") else {
        return;
    };
    let ns = cluster.namespace("secret-corrupt").await;
    let client = cluster.client();
    let secrets = Api::<Secret>::namespaced(client.clone(), &ns);
    let garbage: Secret = serde_json::from_value(json!({
        "metadata": {
            "name": "sh.helm.release.v1.broken.v1",
            "labels": {"owner": "helm", "name": "broken", "status": "deployed", "version": "1"}
        },
        "type": "helm.sh/release.v1",
        // base64 of "not a release"
        "data": {"release": "bm90IGEgcmVsZWFzZQ=="}
    }))
    .unwrap();
    secrets
        .create(&PostParams::default(), &garbage)
        .await
        .unwrap();

    let d = SecretDriver::new(client.clone());
    let location = format!("{ns}/sh.helm.release.v1.broken.v1");
    let is_corrupt = |e: &Error| matches!(e, Error::Corrupt { location: l, .. } if *l == location);
    let err = d.get(&ns, "broken", 1).await.unwrap_err();
    assert!(is_corrupt(&err), "{err:?}");
    assert!(
        err.to_string()
            .contains(&format!("`{location}` is corrupt")),
        "{err}"
    );
    assert!(is_corrupt(&d.history(&ns, "broken").await.unwrap_err()));
    assert!(is_corrupt(&d.list(Some(&ns)).await.unwrap_err()));
    let err = d
        .update(&sample_release(&ns, "broken", 1, Status::Deployed))
        .await
        .unwrap_err();
    assert!(is_corrupt(&err), "{err:?}");
    assert!(is_corrupt(&d.delete(&ns, "broken", 1).await.unwrap_err()));
    let kept = secrets.get("sh.helm.release.v1.broken.v1").await.unwrap();
    assert_eq!(
        kept.data, garbage.data,
        "the corrupt record is left as it was"
    );
}

// ---------------------------------------------------------------------------
// Interoperability with real Helm v4.

/// A tiny chart: a ConfigMap and a pre-install ConfigMap hook.
fn write_tiny_chart(dir: &Path) -> PathBuf {
    let chart = dir.join("tiny");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: tiny\nversion: 0.1.0\nappVersion: \"1.0\"\n",
    )
    .unwrap();
    std::fs::write(chart.join("values.yaml"), "greeting: hello\ncolour: blue\n").unwrap();
    std::fs::write(
        chart.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\ndata:\n  greeting: {{ .Values.greeting | quote }}\n",
    )
    .unwrap();
    std::fs::write(
        chart.join("templates/hook.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-pre\n  annotations:\n    helm.sh/hook: pre-install\ndata:\n  colour: {{ .Values.colour | quote }}\n",
    )
    .unwrap();
    chart
}

#[tokio::test]
async fn helm_reads_what_the_driver_writes_and_the_other_way_round() {
    let Some(cluster) = cluster("helm_reads_what_the_driver_writes") else {
        return;
    };
    let Some(peer) = windlass_testsupport::helm_peer() else {
        return;
    };
    let ns = cluster.namespace("secret-helm").await;
    let kubeconfig = cluster.admin_kubeconfig();
    let dir = tempfile::tempdir().unwrap();
    let chart_dir = write_tiny_chart(dir.path());
    let d = SecretDriver::new(cluster.client());

    // windlass writes revisions 1 (superseded) and 2 (deployed) of `fromwl`.
    let chart = windlass_chart::load_dir(&chart_dir).expect("load the tiny chart");
    let record = |version: u32, status: Status, greeting: &str| {
        let mut r = Release {
            name: "fromwl".into(),
            namespace: ns.clone(),
            version,
            chart: chart.clone(),
            manifest: "---\n# Source: tiny/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fromwl-settings\n".into(),
            ..Release::default()
        };
        r.config.insert("greeting".into(), json!(greeting));
        r.labels.insert("team".into(), "edge".into());
        r.info.first_deployed = Timestamp::parse("2025-01-02T03:04:05Z");
        r.info.last_deployed = Timestamp::parse("2025-01-02T03:04:05Z");
        r.set_status(status, format!("written by windlass, revision {version}"));
        r
    };
    let (v1, mut v2) = (
        record(1, Status::Superseded, "hi"),
        record(2, Status::PendingUpgrade, "bonjour"),
    );
    d.create(&v1).await.unwrap();
    d.create(&v2).await.unwrap();
    v2.set_status(Status::Deployed, "written by windlass, revision 2");
    d.update(&v2).await.unwrap();

    let request = |extra: Value| {
        let mut base = json!({"kubeconfig": kubeconfig, "namespace": ns});
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        base
    };
    let helm = |command: &str, chart: Option<&Path>, extra: Value| {
        peer.cluster(command, chart, &request(extra))
            .unwrap_or_else(|e| panic!("helm {command}: {e}"))
    };

    // Helm's summaries: `revision`, `status`, chart name and version, labels.
    let listed = helm("list", None, json!({}));
    let releases = listed["releases"].as_array().unwrap();
    assert_eq!(releases.len(), 1, "{listed}");
    assert_eq!(releases[0]["name"], "fromwl");
    assert_eq!(releases[0]["revision"], 2);
    assert_eq!(releases[0]["status"], "deployed");
    assert_eq!(releases[0]["chart_name"], "tiny");
    assert_eq!(releases[0]["chart_version"], "0.1.0");
    assert_eq!(releases[0]["labels"]["team"], "edge", "{listed}");

    let history = helm("history", None, json!({"name": "fromwl"}));
    let revisions: Vec<(i64, String)> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["revision"].as_i64().unwrap(),
                h["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        revisions,
        [(1, "superseded".to_string()), (2, "deployed".to_string())],
        "{history}"
    );

    let status = helm("status", None, json!({"name": "fromwl"}));
    assert_eq!(status["release"]["revision"], 2, "{status}");
    assert_eq!(status["release"]["status"], "deployed", "{status}");
    assert_eq!(status["release"]["manifest"], v2.manifest.as_str());
    let status = helm("status", None, json!({"name": "fromwl", "revision": 1}));
    assert_eq!(status["release"]["status"], "superseded", "{status}");

    let values = helm("get-values", None, json!({"name": "fromwl"}));
    assert_eq!(values["values"], json!({"greeting": "bonjour"}), "{values}");
    let all = helm("get-values", None, json!({"name": "fromwl", "all": true}));
    assert_eq!(
        all["values"],
        json!({"greeting": "bonjour", "colour": "blue"}),
        "{all}"
    );

    // Helm upgrades the release windlass wrote: it reads the deployed record.
    helm(
        "upgrade",
        Some(&chart_dir),
        json!({"name": "fromwl", "values": {"greeting": "ciao"}, "timeout": 60}),
    );
    let mut history = d.history(&ns, "fromwl").await.unwrap();
    history.sort_by_key(|r| r.version);
    let statuses: Vec<_> = history.iter().map(|r| (r.version, r.info.status)).collect();
    assert_eq!(
        statuses,
        [
            (1, Status::Superseded),
            (2, Status::Superseded),
            (3, Status::Deployed)
        ]
    );
    assert_eq!(history[2].config["greeting"], "ciao");

    // Helm installs `fromhelm`; the driver reads it.
    helm(
        "install",
        Some(&chart_dir),
        json!({"name": "fromhelm", "values": {"greeting": "hallo"}, "timeout": 60}),
    );
    let history = d.history(&ns, "fromhelm").await.unwrap();
    assert_eq!(history.len(), 1);
    let r = d.get(&ns, "fromhelm", 1).await.unwrap();
    assert_eq!(history[0], r);
    assert_eq!(r.info.status, Status::Deployed);
    assert_eq!(r.config["greeting"], "hallo");
    assert_eq!(r.chart.metadata.name, "tiny");
    assert_eq!(r.hooks.len(), 1);
    assert_eq!(r.hooks[0].events, [HookEvent::PreInstall]);
    assert!(r.manifest.contains("fromhelm-settings"), "{}", r.manifest);

    // The driver updates Helm's record in place (a preconditioned replace), and
    // Helm still reads it, user label included.
    let mut updated = r.clone();
    updated
        .labels
        .insert("checked-by".into(), "windlass".into());
    d.update(&updated).await.unwrap();
    let status = helm("status", None, json!({"name": "fromhelm"}));
    assert_eq!(
        status["release"]["labels"]["checked-by"], "windlass",
        "{status}"
    );
    assert_eq!(status["release"]["status"], "deployed", "{status}");

    // Helm upgrades again, rewriting revision 1 as superseded; the driver sees
    // that, and its remembered version of revision 1 no longer matches.
    helm(
        "upgrade",
        Some(&chart_dir),
        json!({"name": "fromhelm", "values": {"greeting": "servus"}, "timeout": 60}),
    );
    assert!(matches!(
        d.update(&updated).await,
        Err(Error::Conflict { version: 1, .. })
    ));
    let mut history = d.history(&ns, "fromhelm").await.unwrap();
    history.sort_by_key(|r| r.version);
    let statuses: Vec<_> = history.iter().map(|r| (r.version, r.info.status)).collect();
    assert_eq!(statuses, [(1, Status::Superseded), (2, Status::Deployed)]);
    assert_eq!(history[1].config["greeting"], "servus");
}
