//! Hostile guests against the sandbox and the limits, each through
//! [`Runtime::run`] with a small explicit [`Policy`].
//!
//! For every case: the report is the right [`Failure`], naming the limit and
//! its value where there is one; the call ends within its deadline (see
//! [`SLACK`]); the same runtime then runs the benign guest successfully; and
//! nothing outside the grants shows anywhere in the report or its logs.
//!
//! The guests are built by `windlass-test-guests` (`crates/windlass-test-guests/guests`).
//! All tests share one [`Runtime`] (so a guest is compiled once per process),
//! with its module cache under Cargo's per-target temp dir (so once per
//! machine); the cache tests use runtimes of their own on fresh directories.

use std::io::ErrorKind;
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use serde_json::{Value, json};
use windlass_chart::HookEvent;
use windlass_test_guests as guests;
use windlass_wasm::{
    ChartInfo, ClusterGrant, ClusterReader, EPOCH_TICK, Failure, Fixtures, Grants, HookInput,
    LabelSelector, Limits, ModuleCache, Policy, PreparedInput, ReleaseInfo, Report, Runtime,
    Verdict,
};

/// How far past its deadline a call may end. The runtime promises the
/// deadline plus one epoch tick ([`EPOCH_TICK`], 10 ms); the rest is
/// scheduling on two busy cores (other tests run guests in parallel, and the
/// test host's wasmtime is an unoptimized build), dropping the store and
/// freeing up to a few hundred MiB of guest memory. 1.5 s is far above what
/// any of that costs and far below what a broken limit costs (the guests here
/// run for an hour, or forever): the point is "not minutes", not a benchmark.
const SLACK: Duration = Duration::from_millis(1500);

const MI: u64 = 1 << 20;
const KI: u64 = 1 << 10;

/// The runtime every test shares, with a disk cache that survives test runs.
fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-module-cache");
        Runtime::new(Some(ModuleCache::new(cache))).expect("the runtime starts")
    })
}

/// Small, explicit limits; each test raises or lowers the one it attacks.
fn limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(5),
        memory: 64 * MI,
        log_bytes: 64 * KI,
        outcome_bytes: 64 * KI,
        module_bytes: 16 * MI,
        lookup_timeout: Duration::from_secs(1),
    }
}

/// No grants.
fn policy(limits: Limits) -> Policy {
    Policy {
        grants: Grants::default(),
        limits,
    }
}

/// The chart's files, and nothing else.
fn chart_policy(limits: Limits) -> Policy {
    Policy {
        grants: Grants {
            chart_files: true,
            ..Grants::default()
        },
        limits,
    }
}

fn input(config: Value) -> HookInput {
    HookInput {
        hook_name: "hostile".to_string(),
        event: HookEvent::PreInstall,
        release: ReleaseInfo {
            name: "hostile".to_string(),
            namespace: "default".to_string(),
            revision: 1,
            previous_revision: None,
            is_install: true,
            is_upgrade: false,
        },
        chart: ChartInfo {
            name: "hostile".to_string(),
            version: "0.1.0".to_string(),
            ..ChartInfo::default()
        },
        values: json!({}),
        resources: Vec::new(),
        config,
        kube_version: "v1.36.0".to_string(),
        api_versions: Vec::new(),
    }
}

/// One finished call.
struct Run {
    report: Report,
    elapsed: Duration,
}

impl Run {
    /// The failure, or a panic showing the verdict the guest got instead.
    fn failure(&self) -> &Failure {
        match &self.report.result {
            Err(failure) => failure,
            Ok(verdict) => panic!(
                "expected a failure, got the verdict {}",
                shorten(&format!("{verdict:?}"))
            ),
        }
    }

    fn verdict(&self) -> &Verdict {
        match &self.report.result {
            Ok(verdict) => verdict,
            Err(failure) => panic!("expected a verdict, got the failure {failure}"),
        }
    }

    /// The failure's message as the user sees it.
    fn message(&self) -> String {
        self.failure().to_string()
    }

    /// Everything the report says: result and every log line.
    fn everything(&self) -> String {
        format!("{:?}", self.report)
    }

    /// Ended within `deadline` plus one epoch tick plus [`SLACK`].
    fn assert_within(&self, deadline: Duration) {
        let bound = deadline + EPOCH_TICK + SLACK;
        self.show(bound);
        assert!(
            self.elapsed <= bound,
            "the call took {:?}, over its deadline {deadline:?} + tick + slack = {bound:?}",
            self.elapsed
        );
    }

    /// What happened and how long it took, on stderr (shown with `--nocapture`
    /// or when the test fails).
    #[allow(clippy::print_stderr, reason = "test diagnostics")]
    fn show(&self, bound: Duration) {
        let result = match &self.report.result {
            Ok(verdict) => format!("allowed: {}", verdict.allowed),
            Err(failure) => format!("{failure:?}: {failure}"),
        };
        eprintln!(
            "took {:?} (bound {bound:?}): {}",
            self.elapsed,
            shorten(&result)
        );
    }

    /// None of `secrets` appears anywhere in the report or its logs.
    fn assert_no_leak(&self, secrets: &[&str]) {
        let everything = self.everything();
        for secret in secrets {
            assert!(
                !secret.is_empty() && !everything.contains(secret),
                "`{secret}` leaked into the report: {}",
                shorten(&everything)
            );
        }
    }
}

fn shorten(text: &str) -> String {
    if text.len() <= 4000 {
        return text.to_string();
    }
    let mut end = 4000;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes)", &text[..end], text.len())
}

async fn run_with(
    guest: &str,
    config: Value,
    policy: &Policy,
    lookups: Arc<dyn ClusterReader>,
    chart_dir: Option<&Path>,
) -> Run {
    let bytes = std::fs::read(guest).expect("the guest was built");
    let module = runtime()
        .load(&bytes, policy.limits.module_bytes)
        .await
        .unwrap_or_else(|e| panic!("{guest} loads: {e}"));
    let input = PreparedInput::from(input(config));
    let start = Instant::now();
    let report = runtime()
        .run(&module, &input, policy, lookups, chart_dir)
        .await;
    Run {
        report,
        elapsed: start.elapsed(),
    }
}

async fn run(guest: &str, config: Value, policy: &Policy) -> Run {
    run_with(guest, config, policy, Arc::new(Fixtures::default()), None).await
}

/// The shared runtime still runs the benign guest, within its limits.
async fn assert_host_survives() {
    let run = run(guests::BENIGN, Value::Null, &policy(limits())).await;
    let verdict = run.verdict();
    assert!(verdict.allowed);
    assert_eq!(verdict.findings[0].message, "benign ok for hostile");
    let logs: Vec<String> = run.report.logs.iter().map(ToString::to_string).collect();
    assert_eq!(
        logs,
        [
            "info: benign guest ran release=hostile",
            "stdout: benign stdout line"
        ]
    );
}

// --- Time -----------------------------------------------------------------

#[tokio::test]
async fn an_endless_loop_is_stopped_at_its_deadline() {
    let limits = Limits {
        timeout: Duration::from_millis(500),
        ..limits()
    };
    let run = run(guests::SPIN, Value::Null, &policy(limits.clone())).await;
    assert_eq!(run.failure(), &Failure::Timeout("500ms".to_string()));
    assert_eq!(run.message(), "exceeded its time limit of 500ms");
    assert!(
        run.elapsed >= limits.timeout,
        "stopped early: {:?}",
        run.elapsed
    );
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

#[tokio::test]
async fn a_huge_memory_copy_in_a_loop_is_stopped_at_its_deadline() {
    // One `memory.copy` of 96 MiB cannot be interrupted, but it is bounded by
    // the memory limit; the epoch check between copies ends the loop.
    let limits = Limits {
        timeout: Duration::from_millis(750),
        memory: 256 * MI,
        ..limits()
    };
    let run = run(guests::MEMORY_COPY, Value::Null, &policy(limits.clone())).await;
    assert_eq!(run.failure(), &Failure::Timeout("750ms".to_string()));
    assert_eq!(run.message(), "exceeded its time limit of 750ms");
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

#[tokio::test]
async fn sleeping_through_wasi_clocks_is_stopped_at_its_deadline() {
    let limits = Limits {
        timeout: Duration::from_millis(500),
        ..limits()
    };
    let run = run(guests::SLEEP, Value::Null, &policy(limits.clone())).await;
    assert_eq!(run.failure(), &Failure::Timeout("500ms".to_string()));
    assert_eq!(run.message(), "exceeded its time limit of 500ms");
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

/// A cluster that never answers.
struct NeverAnswers;

#[async_trait]
impl ClusterReader for NeverAnswers {
    async fn get(
        &self,
        _api_version: &str,
        _kind: &str,
        _namespace: Option<&str>,
        _name: &str,
    ) -> Result<Option<Value>, String> {
        std::future::pending().await
    }

    async fn list(
        &self,
        _api_version: &str,
        _kind: &str,
        _namespaces: Option<&[String]>,
        _selector: &LabelSelector,
    ) -> Result<Vec<Value>, String> {
        std::future::pending().await
    }
}

fn lookup_policy(limits: Limits) -> Policy {
    Policy {
        grants: Grants {
            cluster: vec![ClusterGrant {
                api_version: "v1".to_string(),
                kind: "ConfigMap".to_string(),
                namespaces: None,
            }],
            ..Grants::default()
        },
        limits,
    }
}

#[tokio::test]
async fn a_lookup_that_never_answers_is_stopped_at_the_call_deadline() {
    // The lookup's own timeout is longer than the call's: the call's wins.
    let limits = Limits {
        timeout: Duration::from_millis(500),
        lookup_timeout: Duration::from_secs(60),
        ..limits()
    };
    let run = run_with(
        guests::SLOW_LOOKUP,
        Value::Null,
        &lookup_policy(limits.clone()),
        Arc::new(NeverAnswers),
        None,
    )
    .await;
    assert_eq!(run.failure(), &Failure::Timeout("500ms".to_string()));
    assert_eq!(run.message(), "exceeded its time limit of 500ms");
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

#[tokio::test]
async fn a_lookup_that_never_answers_fails_at_the_lookup_timeout() {
    // The lookup's timeout is shorter: the guest gets `unavailable` and says so.
    let limits = Limits {
        timeout: Duration::from_secs(10),
        lookup_timeout: Duration::from_millis(200),
        ..limits()
    };
    let run = run_with(
        guests::SLOW_LOOKUP,
        Value::Null,
        &lookup_policy(limits.clone()),
        Arc::new(NeverAnswers),
        None,
    )
    .await;
    assert_eq!(
        run.failure(),
        &Failure::Guest(
            "lookup failed: LookupError::Unavailable(\"the lookup did not finish within 200ms\")"
                .to_string()
        )
    );
    assert!(run.elapsed >= limits.lookup_timeout);
    run.assert_within(limits.lookup_timeout);
    assert_host_survives().await;
}

// --- Memory and stack -----------------------------------------------------

#[tokio::test]
async fn memory_growth_is_stopped_at_the_memory_limit() {
    let limits = Limits {
        memory: 32 * MI,
        ..limits()
    };
    let run = run(guests::GROW_MEMORY, Value::Null, &policy(limits.clone())).await;
    assert_eq!(run.failure(), &Failure::Memory("32Mi".to_string()));
    assert_eq!(run.message(), "exceeded its memory limit of 32Mi");
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

#[tokio::test]
async fn deep_recursion_exhausts_the_stack() {
    let limits = limits();
    let run = run(guests::RECURSE, Value::Null, &policy(limits.clone())).await;
    assert_eq!(run.failure(), &Failure::Stack);
    assert_eq!(run.message(), "exhausted its call stack (deep recursion)");
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

// --- Output ---------------------------------------------------------------

fn log_bytes(report: &Report) -> usize {
    report
        .logs
        .iter()
        .map(|l| {
            l.message.len()
                + l.fields
                    .iter()
                    .map(|(k, v)| k.len() + v.len())
                    .sum::<usize>()
        })
        .sum()
}

#[tokio::test]
async fn a_log_flood_is_stopped_at_the_log_limit() {
    let limits = limits();
    let run = run(guests::LOG_FLOOD, Value::Null, &policy(limits.clone())).await;
    assert_eq!(run.failure(), &Failure::LogLimit("64Ki".to_string()));
    assert_eq!(run.message(), "exceeded its log limit of 64Ki");
    assert!(log_bytes(&run.report) as u64 <= limits.log_bytes);
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

#[tokio::test]
async fn a_stdout_flood_is_stopped_at_the_log_limit() {
    // The guest ignores its failed writes and allows: the verdict is still a failure.
    let limits = limits();
    let run = run(guests::STDOUT_FLOOD, Value::Null, &policy(limits.clone())).await;
    assert_eq!(run.failure(), &Failure::LogLimit("64Ki".to_string()));
    assert_eq!(run.message(), "exceeded its log limit of 64Ki");
    assert!(log_bytes(&run.report) as u64 <= limits.log_bytes);
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

#[tokio::test]
async fn a_huge_outcome_is_over_the_outcome_limit() {
    let limits = Limits {
        memory: 256 * MI,
        ..limits()
    };
    let run = run(
        guests::HUGE_OUTCOME,
        json!("messages"),
        &policy(limits.clone()),
    )
    .await;
    assert_eq!(run.failure(), &Failure::OutcomeLimit("64Ki".to_string()));
    assert_eq!(
        run.message(),
        "returned an outcome larger than its limit of 64Ki"
    );
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

#[tokio::test]
async fn an_outcome_hidden_in_resource_refs_is_over_the_outcome_limit() {
    let limits = Limits {
        memory: 256 * MI,
        ..limits()
    };
    let run = run(
        guests::HUGE_OUTCOME,
        json!("resource-refs"),
        &policy(limits.clone()),
    )
    .await;
    assert_eq!(run.failure(), &Failure::OutcomeLimit("64Ki".to_string()));
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

#[tokio::test]
async fn a_flood_of_empty_findings_is_over_the_outcome_limit() {
    let limits = Limits {
        memory: 256 * MI,
        ..limits()
    };
    let run = run(
        guests::HUGE_OUTCOME,
        json!("count"),
        &policy(limits.clone()),
    )
    .await;
    assert_eq!(run.failure(), &Failure::OutcomeLimit("64Ki".to_string()));
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

#[tokio::test]
async fn a_panic_is_a_trap_and_its_message_is_logged() {
    let limits = limits();
    let run = run(guests::PANIC_TRAP, Value::Null, &policy(limits.clone())).await;
    let Failure::Trap(message) = run.failure() else {
        panic!("expected a trap, got {}", run.failure());
    };
    assert!(message.contains("unreachable"), "{message}");
    assert!(run.message().starts_with("trapped: "));
    let logs: Vec<String> = run.report.logs.iter().map(ToString::to_string).collect();
    assert_eq!(logs[0], "warn: about to panic");
    assert!(
        logs.iter()
            .any(|l| l.starts_with("stderr: ") && l.contains("hostile guest panics on purpose")),
        "{logs:?}"
    );
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

// --- Filesystem -----------------------------------------------------------

const KNOWN: &str = "known chart file 6c1f0e";
const SECRET: &str = "outside secret 9b2d4a";
/// A file name outside the chart that only a directory listing could reveal.
const HIDDEN_NAME: &str = "hidden-name-3e7a51.txt";

/// A temp dir holding `chart/` (granted) and `outside/` (not), with symlinks
/// from inside the chart to outside it.
struct Sandbox {
    _dir: tempfile::TempDir,
    root: PathBuf,
    chart: PathBuf,
    secret: PathBuf,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let chart = root.join("chart");
        let outside = root.join("outside");
        std::fs::create_dir_all(chart.join("templates")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(chart.join("known.txt"), KNOWN).unwrap();
        std::fs::write(chart.join("Chart.yaml"), "name: hostile\nversion: 0.1.0\n").unwrap();
        let secret = outside.join("secret.txt");
        std::fs::write(&secret, SECRET).unwrap();
        std::fs::write(outside.join(HIDDEN_NAME), SECRET).unwrap();
        std::os::unix::fs::symlink("../outside/secret.txt", chart.join("escape")).unwrap();
        std::os::unix::fs::symlink(&secret, chart.join("escape-abs")).unwrap();
        std::os::unix::fs::symlink("../outside", chart.join("escape-dir")).unwrap();
        std::os::unix::fs::symlink("/etc", chart.join("escape-etc")).unwrap();
        Sandbox {
            _dir: dir,
            root,
            chart,
            secret,
        }
    }

    /// Every file and link under the sandbox with its contents (or target).
    fn snapshot(&self) -> Vec<(PathBuf, String)> {
        fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for path in entries {
                let meta = std::fs::symlink_metadata(&path).unwrap();
                if meta.is_symlink() {
                    let target = std::fs::read_link(&path).unwrap();
                    out.push((path, format!("-> {}", target.display())));
                } else if meta.is_dir() {
                    out.push((path.clone(), "dir".to_string()));
                    walk(&path, out);
                } else {
                    out.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }

    async fn probe(&self, ops: Value) -> Run {
        let limits = limits();
        let run = run_with(
            guests::FS_PROBE,
            json!({ "ops": ops }),
            &chart_policy(limits.clone()),
            Arc::new(Fixtures::default()),
            Some(&self.chart),
        )
        .await;
        run.assert_within(limits.timeout);
        run
    }
}

/// The guest tried every operation and every one failed (it returns `err`
/// listing them): the attempts and their errors.
fn all_failed(run: &Run, attempts: usize) -> Vec<String> {
    let Failure::Guest(message) = run.failure() else {
        panic!("expected the guest's err, got {}", run.failure());
    };
    let lines: Vec<String> = message.split("; ").map(str::to_string).collect();
    assert_eq!(lines.len(), attempts, "{lines:#?}");
    for line in &lines {
        assert!(line.contains(": failed: "), "{line}");
    }
    lines
}

/// Lines of the host's `/etc/passwd`, none of which may reach a guest.
fn passwd_lines() -> Vec<String> {
    std::fs::read_to_string("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(':'))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_granted_chart_files_are_readable() {
    // The positive control for the filesystem cases.
    let sandbox = Sandbox::new();
    let run = sandbox
        .probe(json!([
            ["read", "/chart/known.txt"],
            ["list", "/chart"],
            ["read", "/chart/templates/../known.txt"],
        ]))
        .await;
    let messages: Vec<&str> = run
        .verdict()
        .findings
        .iter()
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            format!("read /chart/known.txt: ok: {KNOWN}"),
            "list /chart: ok: entries [Chart.yaml, escape, escape-abs, escape-dir, escape-etc, known.txt, templates]".to_string(),
            format!("read /chart/templates/../known.txt: ok: {KNOWN}"),
        ]
    );
    run.assert_no_leak(&[SECRET, HIDDEN_NAME]);
    assert_host_survives().await;
}

#[tokio::test]
async fn etc_passwd_is_unreachable() {
    let sandbox = Sandbox::new();
    let run = sandbox
        .probe(json!([
            ["read", "/etc/passwd"],
            ["metadata", "/etc/passwd"],
            ["list", "/etc"],
            ["read", "/chart/../etc/passwd"],
            ["read", "/chart/../../../../../../etc/passwd"],
            ["read", "/chart/escape-etc/passwd"],
            ["read", "etc/passwd"],
        ]))
        .await;
    all_failed(&run, 7);
    let passwd = passwd_lines();
    assert!(!passwd.is_empty(), "the host has an /etc/passwd to protect");
    run.assert_no_leak(&passwd.iter().map(String::as_str).collect::<Vec<_>>());
    run.assert_no_leak(&["root:"]);
    assert_host_survives().await;
}

#[tokio::test]
async fn dot_dot_does_not_leave_the_chart() {
    let sandbox = Sandbox::new();
    let run = sandbox
        .probe(json!([
            ["read", "/chart/../outside/secret.txt"],
            ["read", "/chart/templates/../../outside/secret.txt"],
            ["read", "../outside/secret.txt"],
            ["read", "chart/../outside/secret.txt"],
            ["list", "/chart/.."],
            ["list", "/chart/../outside"],
            ["list", "/chart/templates/../.."],
            ["metadata", "/chart/../outside/secret.txt"],
        ]))
        .await;
    all_failed(&run, 8);
    run.assert_no_leak(&[SECRET, HIDDEN_NAME]);
    assert_host_survives().await;
}

#[tokio::test]
async fn absolute_host_paths_are_unreachable() {
    // Even the host path of the granted chart is nothing in the guest: it
    // sees the chart only at /chart.
    let sandbox = Sandbox::new();
    let secret = sandbox.secret.display().to_string();
    let known = sandbox.chart.join("known.txt").display().to_string();
    let outside = sandbox.root.join("outside").display().to_string();
    let run = sandbox
        .probe(json!([
            ["read", secret],
            ["read", known],
            ["list", outside],
            ["metadata", secret],
        ]))
        .await;
    all_failed(&run, 4);
    run.assert_no_leak(&[SECRET, KNOWN, HIDDEN_NAME]);
    assert_host_survives().await;
}

#[tokio::test]
async fn symlinks_out_of_the_chart_are_not_followed() {
    let sandbox = Sandbox::new();
    let run = sandbox
        .probe(json!([
            ["read", "/chart/escape"],
            ["read", "/chart/escape-abs"],
            ["read", "/chart/escape-dir/secret.txt"],
            ["list", "/chart/escape-dir"],
            ["metadata", "/chart/escape"],
            ["read", "/chart/escape-etc/passwd"],
        ]))
        .await;
    all_failed(&run, 6);
    run.assert_no_leak(&[SECRET, HIDDEN_NAME]);
    let passwd = passwd_lines();
    run.assert_no_leak(&passwd.iter().map(String::as_str).collect::<Vec<_>>());
    assert_host_survives().await;
}

#[tokio::test]
async fn trailing_slashes_do_not_escape() {
    // A trailing slash makes a path resolve through a final symlink (and
    // must name a directory); neither may lead out of the chart.
    let sandbox = Sandbox::new();
    let run = sandbox
        .probe(json!([
            ["read", "/chart/escape/"],
            ["read", "/chart/escape-abs/"],
            ["list", "/chart/escape-dir/"],
            ["list", "/chart/escape-dir//"],
            ["list", "/chart/../"],
            ["list", "/chart/..//outside/"],
            ["read", "/chart/known.txt/"],
            ["list", "/chart/escape-etc/"],
        ]))
        .await;
    all_failed(&run, 8);
    run.assert_no_leak(&[SECRET, HIDDEN_NAME]);
    let passwd = passwd_lines();
    run.assert_no_leak(&passwd.iter().map(String::as_str).collect::<Vec<_>>());
    assert_host_survives().await;
}

#[tokio::test]
async fn the_chart_is_read_only() {
    let sandbox = Sandbox::new();
    let before = sandbox.snapshot();
    let run = sandbox
        .probe(json!([
            ["write", "/chart/known.txt"],
            ["append", "/chart/known.txt"],
            ["truncate", "/chart/known.txt"],
            ["create", "/chart/new.txt"],
            ["remove", "/chart/known.txt"],
            ["mkdir", "/chart/newdir"],
            ["rename", "/chart/known.txt"],
            ["write", "/chart/escape"],
            ["write", "/chart/templates/new.yaml"],
            ["remove", "/chart/escape"],
        ]))
        .await;
    all_failed(&run, 10);
    assert_eq!(sandbox.snapshot(), before, "the guest changed the chart");
    run.assert_no_leak(&[SECRET]);
    assert_host_survives().await;
}

// --- Environment and network ----------------------------------------------

#[tokio::test]
async fn the_environment_is_empty() {
    let limits = limits();
    let run = run(guests::ENV_PROBE, Value::Null, &policy(limits.clone())).await;
    let Failure::Guest(message) = run.failure() else {
        panic!("expected the guest's err, got {}", run.failure());
    };
    assert!(
        message.starts_with(
            "saw 0 environment variables []; args []; HOME Err(NotPresent); PATH Err(NotPresent)"
        ),
        "{message}"
    );
    let host_values: Vec<String> = std::env::vars()
        .map(|(_, v)| v)
        .filter(|v| v.len() >= 8)
        .collect();
    run.assert_no_leak(&host_values.iter().map(String::as_str).collect::<Vec<_>>());
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

#[tokio::test]
async fn the_network_is_unreachable() {
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    tcp.set_nonblocking(true).unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_nonblocking(true).unwrap();
    let limits = limits();
    let run = run(
        guests::NET_PROBE,
        json!({
            "tcp": tcp.local_addr().unwrap().to_string(),
            "udp": udp.local_addr().unwrap().to_string(),
            "resolve": "localhost",
        }),
        &policy(limits.clone()),
    )
    .await;
    let Failure::Guest(message) = run.failure() else {
        panic!("expected the guest's err, got {}", run.failure());
    };
    let attempts: Vec<&str> = message.split("; ").collect();
    assert_eq!(attempts.len(), 4, "{attempts:#?}");
    for attempt in &attempts {
        assert!(attempt.contains(": failed: "), "{attempt}");
    }
    assert_eq!(
        tcp.accept().map(|_| ()).unwrap_err().kind(),
        ErrorKind::WouldBlock,
        "the guest connected"
    );
    let mut buf = [0u8; 64];
    assert_eq!(
        udp.recv_from(&mut buf).map(|_| ()).unwrap_err().kind(),
        ErrorKind::WouldBlock,
        "the guest's datagram arrived"
    );
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

// --- The fallback ABI -----------------------------------------------------

#[tokio::test]
async fn a_command_module_in_an_endless_loop_is_stopped_at_its_deadline() {
    let limits = Limits {
        timeout: Duration::from_millis(500),
        ..limits()
    };
    let run = run(guests::COMMAND_SPIN, Value::Null, &policy(limits.clone())).await;
    assert_eq!(run.failure(), &Failure::Timeout("500ms".to_string()));
    assert_eq!(run.message(), "exceeded its time limit of 500ms");
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

#[tokio::test]
async fn garbage_on_a_command_modules_stdout_is_an_invalid_outcome() {
    let limits = limits();
    let run = run(
        guests::COMMAND_GARBAGE,
        json!({"garbage": 4096}),
        &policy(limits.clone()),
    )
    .await;
    let Failure::InvalidOutcome(message) = run.failure() else {
        panic!("expected an invalid outcome, got {}", run.failure());
    };
    // Not UTF-8, not JSON, or not an outcome: each says what stdout is not.
    assert!(message.starts_with("stdout is "), "{message}");
    // The garbage is not echoed back as logs.
    assert!(run.report.logs.is_empty(), "{:?}", run.report.logs);
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

#[tokio::test]
async fn a_garbage_flood_on_a_command_modules_stdout_is_over_the_outcome_limit() {
    let limits = limits();
    let run = run(
        guests::COMMAND_GARBAGE,
        json!({"garbage": 100 * MI}),
        &policy(limits.clone()),
    )
    .await;
    assert_eq!(run.failure(), &Failure::OutcomeLimit("64Ki".to_string()));
    assert_eq!(
        run.message(),
        "returned an outcome larger than its limit of 64Ki"
    );
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

#[tokio::test]
async fn a_command_module_that_dies_on_its_refused_stdout_is_over_the_outcome_limit() {
    // Like the flood above, but the guest panics when the host refuses a write.
    let limits = limits();
    let run = run(
        guests::COMMAND_GARBAGE,
        json!({"garbage": 100 * MI, "strict": true}),
        &policy(limits.clone()),
    )
    .await;
    assert_eq!(run.failure(), &Failure::OutcomeLimit("64Ki".to_string()));
    assert!(
        run.report
            .logs
            .iter()
            // A command module's unprefixed stderr lines are logged at `info`
            // (plugins/fallback/README.md).
            .any(|l| l.level == "info" && l.message.contains("cannot write to stdout")),
        "{:?}",
        run.report.logs
    );
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

#[tokio::test]
async fn a_command_modules_outcome_is_bounded_by_the_outcome_limit_not_the_log_limit() {
    // stdout is the outcome on the fallback ABI: an outcome over the log
    // limit but within the outcome limit is fine.
    let limits = Limits {
        log_bytes: 4 * KI,
        outcome_bytes: 64 * KI,
        ..limits()
    };
    let run = run(
        guests::COMMAND_GARBAGE,
        json!({"padded": 32 * KI}),
        &policy(limits.clone()),
    )
    .await;
    let verdict = run.verdict();
    assert!(verdict.allowed);
    assert_eq!(verdict.findings[0].message.len() as u64, 32 * KI);
    run.assert_within(limits.timeout);
    assert_host_survives().await;
}

// --- The module cache -----------------------------------------------------

/// The one precompiled file (and its sidecar) under `cache/compiled/<engine>/`.
fn compiled_file(cache: &Path, digest_hex: &str) -> PathBuf {
    let engines: Vec<PathBuf> = std::fs::read_dir(cache.join("compiled"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(engines.len(), 1, "one engine: {engines:?}");
    let path = engines[0].join(format!("{digest_hex}.cwasm"));
    assert!(path.is_file(), "{} was written", path.display());
    path
}

fn identity(path: &Path) -> (u64, SystemTime) {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).unwrap();
    (meta.ino(), meta.modified().unwrap())
}

/// Loads and runs the benign guest on `runtime`.
async fn load_and_run_benign(runtime: &Runtime) {
    let bytes = std::fs::read(guests::BENIGN).unwrap();
    let module = runtime.load(&bytes, 16 * MI).await.expect("benign loads");
    let report = runtime
        .run(
            &module,
            &input(Value::Null).into(),
            &policy(limits()),
            Arc::new(Fixtures::default()),
            None,
        )
        .await;
    let verdict = report.result.expect("benign runs");
    assert!(verdict.allowed);
}

#[tokio::test]
async fn a_second_runtime_loads_from_the_disk_cache_and_a_corrupt_entry_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(guests::BENIGN).unwrap();
    let digest = windlass_wasm::Digest::of(&bytes);

    let first = Runtime::new(Some(ModuleCache::new(dir.path()))).unwrap();
    load_and_run_benign(&first).await;
    let compiled = compiled_file(dir.path(), digest.hex());
    assert_eq!(
        ModuleCache::new(dir.path()).module(&digest).unwrap(),
        Some(bytes.clone()),
        "the module bytes are kept too"
    );
    // An old mtime, so any rewrite shows even on a coarse clock.
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    std::fs::File::options()
        .write(true)
        .open(&compiled)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let cached = identity(&compiled);
    let compiled_bytes = std::fs::read(&compiled).unwrap();

    // A second runtime (a second process, in effect) uses the file as it is.
    let second = Runtime::new(Some(ModuleCache::new(dir.path()))).unwrap();
    load_and_run_benign(&second).await;
    assert_eq!(identity(&compiled), cached, "the cached file was rewritten");

    // Flipped bytes, written in place (same inode and size, mtime put back):
    // the file's ctime changed, so its digest is checked, which fails, and
    // the module is recompiled and the file rewritten.
    let mut corrupt = compiled_bytes.clone();
    for i in [64, corrupt.len() / 2, corrupt.len() - 1] {
        corrupt[i] ^= 0xa5;
    }
    std::fs::write(&compiled, &corrupt).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&compiled)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let third = Runtime::new(Some(ModuleCache::new(dir.path()))).unwrap();
    load_and_run_benign(&third).await;
    assert_ne!(
        identity(&compiled),
        cached,
        "the corrupt file was not rebuilt"
    );
    let rebuilt = std::fs::read(&compiled).unwrap();
    assert_ne!(rebuilt, corrupt);
    let meta = std::fs::read_to_string(compiled.with_extension("cwasm.meta")).unwrap();
    assert!(
        meta.contains(&format!(
            "sha256 {}\n",
            windlass_wasm::Digest::of(&rebuilt).hex()
        )),
        "the sidecar matches the rebuilt file: {meta}"
    );
}

#[tokio::test]
async fn a_pinned_module_loads_from_the_cache_without_its_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(guests::BENIGN).unwrap();
    let digest = windlass_wasm::Digest::of(&bytes);
    let first = Runtime::new(Some(ModuleCache::new(dir.path()))).unwrap();
    load_and_run_benign(&first).await;

    // A new process with the digest from a release record: the module is
    // neither read nor needed.
    let second = Runtime::new(Some(ModuleCache::new(dir.path()))).unwrap();
    let unread = || -> Result<Vec<u8>, String> { panic!("the module was read") };
    let module = second.load_pinned(&digest, 16 * MI, unread).await.unwrap();
    let report = second
        .run(
            &module,
            &input(Value::Null).into(),
            &policy(limits()),
            Arc::new(Fixtures::default()),
            None,
        )
        .await;
    assert!(report.result.unwrap().allowed);
    // The size limit still holds, from the size recorded with the entry.
    let third = Runtime::new(Some(ModuleCache::new(dir.path()))).unwrap();
    let err = third.load_pinned(&digest, 1000, unread).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("over its module size limit of 1000"),
        "{err}"
    );

    // Not cached: the bytes are fetched and must match the pin.
    let empty = tempfile::tempdir().unwrap();
    let fresh = Runtime::new(Some(ModuleCache::new(empty.path()))).unwrap();
    let other = b"\0asm\x01\0\0\0".to_vec();
    let err = fresh
        .load_pinned(&digest, 16 * MI, || Ok(other.clone()))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&digest.to_string()), "{err}");
    assert!(
        err.contains(&windlass_wasm::Digest::of(&other).to_string()),
        "{err}"
    );
    let err = fresh
        .load_pinned(&digest, 16 * MI, || Err("no such module".to_string()))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "no such module");
}

#[tokio::test]
async fn foreign_files_in_the_cache_do_not_crash_it() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(guests::BENIGN).unwrap();
    let digest = windlass_wasm::Digest::of(&bytes);
    let first = Runtime::new(Some(ModuleCache::new(dir.path()))).unwrap();
    load_and_run_benign(&first).await;
    let compiled = compiled_file(dir.path(), digest.hex());
    let engine_dir = compiled.parent().unwrap().to_path_buf();

    // Garbage whose sidecar matches: it passes the digest check, so wasmtime's
    // own header check must refuse it.
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| u8::try_from(i * 31 % 251).unwrap())
        .collect();
    std::fs::write(&compiled, &garbage).unwrap();
    std::fs::write(
        compiled.with_extension("cwasm.meta"),
        format!(
            "sha256 {}\nkind component\nmodule-bytes {}\n",
            windlass_wasm::Digest::of(&garbage).hex(),
            bytes.len()
        ),
    )
    .unwrap();
    // Files that are nobody's: junk names, another engine's directory, a
    // stray temp file, a directory where a file should be.
    std::fs::write(engine_dir.join("junk.cwasm"), b"junk").unwrap();
    std::fs::write(engine_dir.join("junk.cwasm.meta"), b"not a sidecar").unwrap();
    std::fs::write(engine_dir.join(".tmpXYZ"), b"half a write").unwrap();
    std::fs::create_dir_all(dir.path().join("compiled/0000000000000000")).unwrap();
    std::fs::write(
        dir.path()
            .join(format!("compiled/0000000000000000/{}.cwasm", digest.hex())),
        b"another engine's bytes",
    )
    .unwrap();
    std::fs::write(dir.path().join("compiled/README"), b"hello").unwrap();

    let second = Runtime::new(Some(ModuleCache::new(dir.path()))).unwrap();
    load_and_run_benign(&second).await;
    assert_ne!(std::fs::read(&compiled).unwrap(), garbage, "rebuilt");

    // A directory where the compiled file and the module bytes belong: the
    // cache cannot write them, and the module still runs.
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_dir.file_name().unwrap();
    std::fs::create_dir_all(
        dir.path()
            .join("compiled")
            .join(engine)
            .join(format!("{}.cwasm", digest.hex())),
    )
    .unwrap();
    std::fs::create_dir_all(
        dir.path()
            .join("modules")
            .join(format!("{}.wasm", digest.hex())),
    )
    .unwrap();
    let third = Runtime::new(Some(ModuleCache::new(dir.path()))).unwrap();
    load_and_run_benign(&third).await;
}

#[test]
fn every_guest_is_built() {
    for (name, path) in guests::ALL {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&bytes[..4], b"\0asm", "{name}");
    }
}
