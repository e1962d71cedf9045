//! Conformance with real Helm v4 (the peer) on the same control plane, each in
//! its own namespace: the same chart and the same steps, then what is
//! observable compared: which hook Jobs ran in which order (the simulated
//! node's journal), which Jobs and ConfigMaps remain, the release revisions
//! and their statuses. And interop: each takes over the other's releases.

use serde_json::{Value, json};
use windlass_testcluster::TestCluster;
use windlass_testsupport::HelmPeer;

use crate::support::{Windlass, cluster, config_map, job, names, ran, release_secrets};

#[derive(Debug, Clone)]
enum Step {
    Install(String),
    /// Install with `--timeout` in seconds.
    InstallTimeout(String, u64),
    Upgrade(String),
    Rollback(u32),
    Test,
    Uninstall,
}

/// Who runs the steps.
enum Actor<'a> {
    Helm {
        peer: &'a HelmPeer,
        kubeconfig: String,
        namespace: String,
    },
    Windlass(&'a Windlass),
}

impl Actor<'_> {
    fn namespace(&self) -> &str {
        match self {
            Actor::Helm { namespace, .. } => namespace,
            Actor::Windlass(w) => &w.namespace,
        }
    }

    /// Runs a step; whether it succeeded.
    fn act(&self, release: &str, step: &Step) -> bool {
        match self {
            Actor::Helm {
                peer,
                kubeconfig,
                namespace,
            } => {
                let base = json!({"kubeconfig": kubeconfig, "namespace": namespace,
                                  "name": release, "timeout": 60});
                let with = |extra: Value| {
                    let mut request = base.clone();
                    if let (Some(r), Some(e)) = (request.as_object_mut(), extra.as_object()) {
                        r.extend(e.clone());
                    }
                    request
                };
                let result = match step {
                    Step::Install(chart) => peer.cluster("install", Some(chart.as_ref()), &base),
                    Step::InstallTimeout(chart, seconds) => peer.cluster(
                        "install",
                        Some(chart.as_ref()),
                        &with(json!({"timeout": seconds})),
                    ),
                    Step::Upgrade(chart) => peer.cluster("upgrade", Some(chart.as_ref()), &base),
                    Step::Rollback(revision) => {
                        peer.cluster("rollback", None, &with(json!({"revision": revision})))
                    }
                    Step::Test => peer.cluster("test", None, &base),
                    Step::Uninstall => peer.cluster("uninstall", None, &base),
                };
                result.is_ok()
            }
            Actor::Windlass(w) => {
                let (revision, timeout);
                let args: Vec<&str> = match step {
                    Step::Install(chart) => vec!["install", release, chart],
                    Step::InstallTimeout(chart, seconds) => {
                        timeout = format!("{seconds}s");
                        vec!["install", release, chart, "--timeout", &timeout]
                    }
                    Step::Upgrade(chart) => vec!["upgrade", release, chart],
                    Step::Rollback(r) => {
                        revision = r.to_string();
                        vec!["rollback", release, &revision]
                    }
                    Step::Test => vec!["test", release],
                    Step::Uninstall => vec!["uninstall", release],
                };
                w.run(&args).code == 0
            }
        }
    }
}

/// What can be seen of a scenario afterwards.
#[derive(Debug, PartialEq, Eq)]
struct Observed {
    outcomes: Vec<bool>,
    ran: Vec<String>,
    jobs: Vec<String>,
    config_maps: Vec<String>,
    revisions: Vec<(u32, String)>,
}

fn observe(cluster: &TestCluster, actor: &Actor, release: &str, steps: &[Step]) -> Observed {
    let outcomes = steps.iter().map(|s| actor.act(release, s)).collect();
    let ns = actor.namespace();
    Observed {
        outcomes,
        ran: ran(cluster, ns),
        jobs: names(cluster, ns, "batch/v1", "Job"),
        config_maps: names(cluster, ns, "v1", "ConfigMap")
            .into_iter()
            .filter(|n| n != "kube-root-ca.crt")
            .collect(),
        revisions: release_secrets(cluster, ns, release),
    }
}

/// Runs `steps` with Helm and with windlass on charts built by `chart`
/// (called once per side, so each has its own copy) and compares.
fn compare(test: &str, charts: impl Fn(&Windlass) -> Vec<Step>) {
    if let Some((by_windlass, by_helm)) = run_both(test, charts) {
        assert_eq!(
            by_windlass, by_helm,
            "windlass (left) and Helm (right) differ"
        );
    }
}

/// What windlass and Helm left after the same steps, in that order; `None`
/// when the test skips.
fn run_both(test: &str, charts: impl Fn(&Windlass) -> Vec<Step>) -> Option<(Observed, Observed)> {
    run_both_as(test, false, charts)
}

/// [`run_both`], both acting as the restricted identity (granted nothing)
/// when `restricted`; what is left is read as the admin.
fn run_both_as(
    test: &str,
    restricted: bool,
    charts: impl Fn(&Windlass) -> Vec<Step>,
) -> Option<(Observed, Observed)> {
    let cluster = cluster(test)?;
    let peer = windlass_testsupport::helm_peer()?;
    let helm_side = Windlass::new(cluster, "helm");
    let mut windlass_side = Windlass::new(cluster, "wl");
    let kubeconfig = if restricted {
        cluster.restricted_kubeconfig()
    } else {
        cluster.admin_kubeconfig()
    };
    windlass_side.kubeconfig = kubeconfig.display().to_string();
    let helm = Actor::Helm {
        peer: &peer,
        kubeconfig: kubeconfig.display().to_string(),
        namespace: helm_side.namespace.clone(),
    };
    let helm_steps = charts(&helm_side);
    let windlass_steps = charts(&windlass_side);
    let by_helm = observe(cluster, &helm, "conf", &helm_steps);
    let by_windlass = observe(
        cluster,
        &Actor::Windlass(&windlass_side),
        "conf",
        &windlass_steps,
    );
    Some((by_windlass, by_helm))
}

#[test]
fn helm_conformance_every_event_in_order() {
    compare("helm_conformance_every_event_in_order", |w| {
        let ok = "echo ran";
        let chart = w.chart(
            "events",
            &[
                ("app.yaml", config_map("app", &[])),
                (
                    "pre.yaml",
                    [
                        job("a-second", "pre-install", 0, None, ok),
                        job("b-first", "pre-install", -1, None, ok),
                        job(
                            "c-third",
                            "pre-install,pre-upgrade",
                            0,
                            Some("hook-succeeded"),
                            ok,
                        ),
                    ]
                    .join("---\n"),
                ),
                (
                    "post.yaml",
                    job("post", "post-install,post-upgrade", 0, None, ok),
                ),
                // One Job for both rollback events races in Helm: see
                // `helm_conformance_one_job_for_both_rollback_events`.
                (
                    "rollback.yaml",
                    [
                        job("rb-pre", "pre-rollback", 0, Some("hook-succeeded"), ok),
                        job("rb-post", "post-rollback", 0, Some("hook-succeeded"), ok),
                    ]
                    .join("---\n"),
                ),
                ("delete.yaml", job("del", "pre-delete", 0, None, ok)),
                ("test.yaml", job("t", "test", 0, Some("hook-succeeded"), ok)),
            ],
        );
        vec![
            Step::Install(chart.clone()),
            Step::Upgrade(chart.clone()),
            Step::Rollback(1),
            Step::Test,
            Step::Uninstall,
        ]
    });
}

/// One Job for both rollback events: windlass runs it at each (it waits for
/// the Job it created, by uid). Helm 4 sometimes runs it once: the second Job
/// is created right after the first was deleted, and (inferred) Helm's wait
/// takes the first one's completion, still in the API server's watch cache,
/// for the new one's and deletes the new Job before it ran. windlass showed
/// the same symptom until it compared uids. Everything else must match.
#[test]
fn helm_conformance_one_job_for_both_rollback_events() {
    let both = run_both("helm_conformance_one_job_for_both_rollback_events", |w| {
        let chart = w.chart(
            "rb",
            &[(
                "rollback.yaml",
                job(
                    "rb",
                    "pre-rollback,post-rollback",
                    0,
                    Some("before-hook-creation,hook-succeeded"),
                    "echo ran",
                ),
            )],
        );
        vec![
            Step::Install(chart.clone()),
            Step::Upgrade(chart),
            Step::Rollback(1),
        ]
    });
    let Some((by_windlass, mut by_helm)) = both else {
        return;
    };
    assert_eq!(by_windlass.ran, ["rb", "rb"]);
    assert!(
        by_helm.ran == ["rb"] || by_helm.ran == ["rb", "rb"],
        "{:?}",
        by_helm.ran
    );
    by_helm.ran = by_windlass.ran.clone();
    assert_eq!(
        by_windlass, by_helm,
        "windlass (left) and Helm (right) differ"
    );
}

/// A hook the API server refuses to create (a Job without containers): Helm
/// returns at once, deleting neither it (there is nothing) nor the hooks of
/// the event that already succeeded with `hook-succeeded`.
#[test]
fn helm_conformance_a_hook_that_cannot_be_created() {
    compare("helm_conformance_a_hook_that_cannot_be_created", |w| {
        let broken = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: broken\n  \
            annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"1\"\n    \
            helm.sh/hook-delete-policy: hook-failed\nspec:\n  template:\n    spec:\n      \
            restartPolicy: Never\n      containers: []\n";
        let chart = w.chart(
            "broken",
            &[
                ("app.yaml", config_map("app", &[])),
                (
                    "hooks.yaml",
                    [
                        job("earlier", "pre-install", 0, Some("hook-succeeded"), "true"),
                        broken.to_string(),
                    ]
                    .join("---\n"),
                ),
            ],
        );
        vec![Step::Install(chart)]
    });
}

/// A hook past `--timeout` fails the install in both. The one deliberate
/// difference: windlass deletes the timed-out Job so that it stops (it has no
/// `helm.sh/resource-policy: keep`), where Helm leaves it running.
#[test]
fn helm_conformance_a_hook_past_the_timeout() {
    let both = run_both("helm_conformance_a_hook_past_the_timeout", |w| {
        let chart = w.chart(
            "slow",
            &[
                ("app.yaml", config_map("app", &[])),
                (
                    "hooks.yaml",
                    [
                        job("quick", "pre-install", 0, None, "true"),
                        job("slow", "pre-install", 1, None, "sleep 30"),
                        job("never", "pre-install", 2, None, "true"),
                    ]
                    .join("---\n"),
                ),
            ],
        );
        vec![Step::InstallTimeout(chart, 3)]
    });
    let Some((mut by_windlass, by_helm)) = both else {
        return;
    };
    assert_eq!(by_helm.jobs, ["quick", "slow"]);
    assert_eq!(by_windlass.jobs, ["quick"]);
    by_windlass.jobs.push("slow".into());
    assert_eq!(
        by_windlass, by_helm,
        "windlass (left) and Helm (right) differ beyond the deleted Job"
    );
}

/// A CRD hook with `hook-succeeded`: neither deletes it.
#[test]
fn helm_conformance_a_crd_hook_stays() {
    let crd_names = std::sync::Mutex::new(Vec::new());
    compare("helm_conformance_a_crd_hook_stays", |w| {
        let suffix = w.namespace.replace('-', "");
        crd_names
            .lock()
            .unwrap()
            .push(format!("widgets{suffix}.example.com"));
        let crd = crate::support::crd_hook(&suffix, "hook-succeeded");
        let chart = w.chart(
            "crd",
            &[
                ("crd.yaml", crd),
                (
                    "job.yaml",
                    job(
                        "after-crd",
                        "pre-install",
                        1,
                        Some("hook-succeeded"),
                        "true",
                    ),
                ),
            ],
        );
        vec![Step::Install(chart)]
    });
    let names = crd_names.into_inner().unwrap();
    if names.is_empty() {
        return;
    }
    let cluster = cluster("helm_conformance_a_crd_hook_stays").expect("ran above");
    let live = crate::support::crd_names(cluster);
    for name in names {
        assert!(live.contains(&name), "{name} was deleted; live: {live:?}");
    }
}

/// An identity without RBAC permissions: both fail the install, and nothing
/// is created (no release record, no hook run, no resource).
#[test]
fn helm_conformance_an_identity_without_permissions() {
    let both = run_both_as(
        "helm_conformance_an_identity_without_permissions",
        true,
        |w| {
            let chart = w.chart(
                "denied",
                &[
                    ("app.yaml", config_map("app", &[])),
                    ("hook.yaml", job("pre", "pre-install", 0, None, "true")),
                ],
            );
            vec![Step::Install(chart)]
        },
    );
    let Some((by_windlass, by_helm)) = both else {
        return;
    };
    assert_eq!(by_helm.outcomes, [false]);
    assert_eq!(
        by_windlass, by_helm,
        "windlass (left) and Helm (right) differ"
    );
}

#[test]
fn helm_conformance_failures_and_delete_policies() {
    compare("helm_conformance_failures_and_delete_policies", |w| {
        let good = w.chart(
            "good",
            &[
                ("app.yaml", config_map("app", &[])),
                (
                    "hooks.yaml",
                    [
                        job(
                            "gone-on-success",
                            "post-install",
                            0,
                            Some("hook-succeeded"),
                            "true",
                        ),
                        job("kept", "post-install", 1, Some("hook-failed"), "true"),
                    ]
                    .join("---\n"),
                ),
            ],
        );
        let bad = w.chart(
            "bad",
            &[
                ("app.yaml", config_map("app", &[])),
                ("new.yaml", config_map("new-in-v2", &[])),
                (
                    "hooks.yaml",
                    [
                        job("earlier", "pre-upgrade", 0, Some("hook-succeeded"), "true"),
                        job(
                            "fails-goes",
                            "pre-upgrade",
                            1,
                            Some("hook-failed"),
                            "exit 2",
                        ),
                        job("never-runs", "pre-upgrade", 2, None, "true"),
                    ]
                    .join("---\n"),
                ),
            ],
        );
        vec![Step::Install(good), Step::Upgrade(bad)]
    });
}

#[test]
fn helm_conformance_keep_and_pruning() {
    compare("helm_conformance_keep_and_pruning", |w| {
        let keep = [("helm.sh/resource-policy", "keep")];
        let v1 = w.chart(
            "v1",
            &[
                ("a.yaml", config_map("stays", &[])),
                ("b.yaml", config_map("dropped", &[])),
                ("c.yaml", config_map("dropped-kept", &keep)),
                ("d.yaml", config_map("kept-on-uninstall", &keep)),
            ],
        );
        let v2 = w.chart(
            "v2",
            &[
                ("a.yaml", config_map("stays", &[])),
                ("d.yaml", config_map("kept-on-uninstall", &keep)),
            ],
        );
        vec![Step::Install(v1), Step::Upgrade(v2), Step::Uninstall]
    });
}

#[test]
fn helm_conformance_failing_pre_install() {
    compare("helm_conformance_failing_pre_install", |w| {
        let chart = w.chart(
            "failing",
            &[
                ("app.yaml", config_map("app", &[])),
                (
                    "hook.yaml",
                    job("broken", "pre-install", 0, None, "echo no; exit 4"),
                ),
            ],
        );
        vec![Step::Install(chart)]
    });
}

fn helm_call(peer: &HelmPeer, command: &str, chart: Option<&str>, request: Value) -> Value {
    peer.cluster(command, chart.map(std::path::Path::new), &request)
        .unwrap_or_else(|e| panic!("helm {command}: {e}"))
}

#[test]
fn helm_reads_upgrades_and_rolls_back_a_windlass_release() {
    let Some(cluster) = cluster("helm_reads_upgrades_and_rolls_back_a_windlass_release") else {
        return;
    };
    let Some(peer) = windlass_testsupport::helm_peer() else {
        return;
    };
    let w = Windlass::new(cluster, "interop-wl");
    let v1 = w.chart("app", &[("a.yaml", config_map("one", &[]))]);
    let v2 = w.chart("app2", &[("a.yaml", config_map("two", &[]))]);
    w.run(&["install", "shared", &v1, "--set", "greeting=hi"])
        .ok();
    let base = json!({"kubeconfig": cluster.admin_kubeconfig(), "namespace": w.namespace, "name": "shared"});

    let list = helm_call(&peer, "list", None, base.clone());
    assert_eq!(list["releases"][0]["name"], "shared", "{list}");
    let history = helm_call(&peer, "history", None, base.clone());
    assert_eq!(
        history["history"].as_array().map(Vec::len),
        Some(1),
        "{history}"
    );
    let status = helm_call(&peer, "status", None, base.clone());
    assert_eq!(status["release"]["status"], "deployed", "{status}");
    let values = helm_call(&peer, "get-values", None, base.clone());
    assert_eq!(values["values"], json!({"greeting": "hi"}));

    helm_call(&peer, "upgrade", Some(&v2), base.clone());
    let mut rollback = base.clone();
    rollback["revision"] = json!(1);
    helm_call(&peer, "rollback", None, rollback);
    assert_eq!(
        release_secrets(cluster, &w.namespace, "shared"),
        [
            (1, "superseded".into()),
            (2, "superseded".into()),
            (3, "deployed".into())
        ]
    );
    // windlass reads Helm's revisions back and goes on.
    let history = w.run(&["history", "shared"]).ok().to_string();
    assert!(history.contains("Rollback to 1"), "{history}");
    w.run(&["upgrade", "shared", &v2]).ok();
    assert!(names(cluster, &w.namespace, "v1", "ConfigMap").contains(&"two".to_string()));
}

#[test]
fn windlass_upgrades_and_rolls_back_a_helm_release() {
    let Some(cluster) = cluster("windlass_upgrades_and_rolls_back_a_helm_release") else {
        return;
    };
    let Some(peer) = windlass_testsupport::helm_peer() else {
        return;
    };
    let w = Windlass::new(cluster, "interop-helm");
    let v1 = w.chart("app", &[("a.yaml", config_map("one", &[]))]);
    let v2 = w.chart("app2", &[("a.yaml", config_map("two", &[]))]);
    let base = json!({"kubeconfig": cluster.admin_kubeconfig(), "namespace": w.namespace,
                      "name": "theirs", "values": {"size": 3}});
    helm_call(&peer, "install", Some(&v1), base.clone());

    w.run(&["upgrade", "theirs", &v2, "--reuse-values"]).ok();
    let live = names(cluster, &w.namespace, "v1", "ConfigMap");
    assert!(
        live.contains(&"two".to_string()) && !live.contains(&"one".to_string()),
        "{live:?}"
    );
    w.run(&["rollback", "theirs", "1"]).ok();
    let live = names(cluster, &w.namespace, "v1", "ConfigMap");
    assert!(
        live.contains(&"one".to_string()) && !live.contains(&"two".to_string()),
        "{live:?}"
    );

    let history = helm_call(&peer, "history", None, base.clone());
    let statuses: Vec<&str> = history["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|r| r["status"].as_str())
        .collect();
    assert_eq!(
        statuses,
        ["superseded", "superseded", "deployed"],
        "{history}"
    );
    let values = helm_call(&peer, "get-values", None, base);
    assert_eq!(values["values"], json!({"size": 3}));
}
