//! windlass's Wasm hook runtime against a bare wasmtime host calling the same
//! guests (`bare.rs`), in one run: see `docs/benchmarks.md`.
//!
//! ```text
//! cargo bench -p windlass-wasm --bench hooks [-- HOOK...]
//! ```
//!
//! For each plugin found in `$WINDLASS_PLUGINS_DIR` (default
//! `$WINDLASS_CACHE_DIR/plugins`, else `~/.cache/windlass/plugins`; a missing
//! one is reported and skipped):
//!
//! - **compile**: the first call in a process with an empty module cache,
//!   compilation included (windlass also writes its cache entry);
//! - **cache**: the first call in a new process (this binary run again as a
//!   child) whose module cache holds the precompiled component; the bare host
//!   deserializes the same cache file;
//! - **warm**: p50 and p99 of calls of a loaded module, each in a fresh store,
//!   with a realistic context (`release.rs`);
//! - **event**: 100 Rust hooks of one event, one after another, warm.
//!
//! The two hosts' answers (verdict, number of findings and of objects to
//! create) are compared on every kind of call: a row whose answers differ is
//! marked, since its times would compare different work.

#![allow(clippy::print_stdout, clippy::print_stderr)]
#![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

mod bare;
mod release;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use windlass_wasm::{
    ClusterGrant, ClusterReader, Digest, Fixtures, Grants, HookInput, KindGrant, Module,
    ModuleCache, Policy, PreparedInput, Runtime,
};

use crate::bare::{Answer, Bare};

/// How many new processes measure a first call from the cache, per host.
const COLD_RUNS: usize = 5;
/// How long the warm calls of one host take, about.
const WARM_BUDGET: Duration = Duration::from_secs(3);
/// How often the 100-hook event is measured, per host.
const EVENT_RUNS: usize = 20;
const EVENT_HOOKS: usize = 100;

/// One benchmarked plugin.
struct Plugin {
    name: &'static str,
    language: &'static str,
    config: Value,
    grants: Grants,
}

fn plugins() -> Vec<Plugin> {
    let none = Grants::default;
    vec![
        Plugin {
            name: "resource-limits",
            language: "Rust",
            config: json!({"requireLimits": ["cpu", "memory"], "allowImages": ["registry.example.com/tools/*"]}),
            grants: none(),
        },
        Plugin {
            name: "values-policy",
            language: "Rust",
            config: values_policy_config(),
            grants: none(),
        },
        Plugin {
            name: "generate-password",
            language: "Python",
            config: json!({"secretName": "shop-db", "length": 32}),
            grants: Grants {
                chart_files: false,
                cluster: vec![ClusterGrant {
                    api_version: "v1".to_string(),
                    kind: "Secret".to_string(),
                    namespaces: None,
                }],
                create: vec![KindGrant {
                    api_version: "v1".to_string(),
                    kind: "Secret".to_string(),
                }],
            },
        },
        Plugin {
            name: "service-selectors",
            language: "JS",
            config: json!({"allowWithoutSelector": []}),
            grants: none(),
        },
        Plugin {
            name: "required-labels",
            language: "C",
            config: json!({
                "labels": ["app.kubernetes.io/name", "app.kubernetes.io/instance", "example.com/cost-centre"],
                "podTemplates": true,
            }),
            grants: none(),
        },
        Plugin {
            name: "namespace-policy",
            language: "C (fallback ABI)",
            config: json!({"allowed": ["team-*", "default"], "forbidden": ["kube-*"]}),
            grants: none(),
        },
    ]
}

fn values_policy_config() -> Value {
    json!({
        "required": ["image.repository", "image.tag", "services.svc07.image.tag"],
        "ranges": [{"path": "replicaCount", "min": 1, "max": 10}, {"path": "services.svc03.replicaCount", "min": 1}],
        "enum": [{"path": "service.type", "values": ["ClusterIP", "NodePort"]}],
        "pattern": [{"path": "image.tag", "regex": "^v?\\d+\\.\\d+\\.\\d+$"}],
    })
}

fn plugins_dir() -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("WINDLASS_PLUGINS_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = var("WINDLASS_CACHE_DIR") {
        return PathBuf::from(dir).join("plugins");
    }
    var("HOME")
        .map_or_else(std::env::temp_dir, PathBuf::from)
        .join(".cache/windlass/plugins")
}

fn policy(plugin: &Plugin) -> Policy {
    Policy {
        grants: plugin.grants.clone(),
        ..Policy::default()
    }
}

fn lookups() -> Arc<dyn ClusterReader> {
    Arc::new(Fixtures::default())
}

/// The bare host's context record for `input`, built the way windlass builds
/// its own (the JSON texts written once).
fn bare_context(input: &HookInput) -> bare::Context {
    let text = |v: &Value| v.to_string();
    bare::Context {
        event: bare::Event::PreInstall,
        release: bare::Release {
            name: input.release.name.clone(),
            namespace: input.release.namespace.clone(),
            revision: input.release.revision,
            previous_revision: input.release.previous_revision,
            is_install: input.release.is_install,
            is_upgrade: input.release.is_upgrade,
        },
        chart: bare::Chart {
            name: input.chart.name.clone(),
            version: input.chart.version.clone(),
            app_version: input.chart.app_version.clone(),
            kube_version: input.chart.kube_version.clone(),
            annotations: Vec::new(),
        },
        values: text(&input.values),
        resources: input
            .resources
            .iter()
            .map(|r| bare::Resource {
                api_version: r.api_version.clone(),
                kind: r.kind.clone(),
                name: r.name.clone(),
                namespace: r.namespace.clone(),
                source: r.source.clone(),
                object: text(&r.object),
            })
            .collect(),
        config: text(&input.config),
        kube_version: input.kube_version.clone(),
        api_versions: input.api_versions.clone(),
    }
}

/// What the bare host is handed: the context record, or the fallback ABI's JSON.
enum BareInput {
    Record(Box<bare::Context>),
    Json(bytes::Bytes),
}

impl BareInput {
    fn of(input: &HookInput, command: bool) -> BareInput {
        if command {
            BareInput::Json(serde_json::to_vec(input).expect("JSON").into())
        } else {
            BareInput::Record(Box::new(bare_context(input)))
        }
    }
}

async fn bare_call(host: &Bare, pre: &bare::Pre, name: &str, input: &BareInput) -> Answer {
    match input {
        BareInput::Record(context) => host.call(pre, context).await,
        BareInput::Json(json) => host.call_command(pre, name, json).await,
    }
}

async fn windlass_call(
    runtime: &Runtime,
    module: &Module,
    input: &PreparedInput,
    policy: &Policy,
) -> Answer {
    let report = runtime.run(module, input, policy, lookups(), None).await;
    match report.result {
        Ok(verdict) => Answer {
            allowed: verdict.allowed,
            findings: verdict.findings.len(),
            create: verdict.create.len(),
        },
        Err(failure) => panic!("windlass: {} failed: {failure}", input.hook_name()),
    }
}

fn is_command(bytes: &[u8]) -> bool {
    bytes.get(4) == Some(&1)
}

/// Where windlass's cache keeps the precompiled form of `digest`.
fn cache_entry(cache: &Path, digest: &Digest) -> Option<PathBuf> {
    let name = format!("{}.cwasm", digest.hex());
    std::fs::read_dir(cache.join("compiled"))
        .ok()?
        .flatten()
        .map(|engine| engine.path().join(&name))
        .find(|path| path.is_file())
}

fn tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio")
}

// ----- timing --------------------------------------------------------------

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The `p`th percentile (nearest rank) of sorted samples.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    percentile(samples, 50.0)
}

fn show(d: Duration) -> String {
    let us = micros(d);
    if us < 1_000.0 {
        format!("{us:.0} µs")
    } else if us < 1_000_000.0 {
        format!("{:.1} ms", us / 1_000.0)
    } else {
        format!("{:.2} s", us / 1_000_000.0)
    }
}

fn ratio(windlass: Duration, bare: Duration) -> String {
    format!("{:.2}x", windlass.as_secs_f64() / bare.as_secs_f64())
}

// ----- the child process: a first call from the cache ----------------------

/// `--child windlass|bare NAME MODULE CACHE`: one first call from the cache in
/// this new process; prints `setup_us load_us call_us allowed findings create`.
fn child(args: &[String]) {
    let [host, name, module, cache] = args else {
        panic!("--child HOST NAME MODULE CACHE")
    };
    let plugin = plugins()
        .into_iter()
        .find(|p| p.name == name)
        .expect("a known plugin");
    let bytes = std::fs::read(module).expect("module");
    let input = release::input(name, plugin.config.clone());
    let command = is_command(&bytes);
    // The digest a release record pins; the engine loads by it.
    let digest = Digest::of(&bytes);
    let rt = tokio();
    let (setup, load, call, answer) = match host.as_str() {
        "windlass" => rt.block_on(async {
            let policy = policy(&plugin);
            let started = Instant::now();
            let runtime = Runtime::new(Some(ModuleCache::new(cache))).expect("runtime");
            let setup = started.elapsed();
            let started = Instant::now();
            let module = runtime
                .load_pinned(&digest, policy.limits.module_bytes, || Ok(bytes.clone()))
                .await
                .expect("load");
            let load = started.elapsed();
            let started = Instant::now();
            // The first call converts the context, as the bare host's does.
            let input = PreparedInput::from(input);
            let answer = windlass_call(&runtime, &module, &input, &policy).await;
            (setup, load, started.elapsed(), answer)
        }),
        "bare" => rt.block_on(async {
            let entry = cache_entry(Path::new(cache), &digest).expect("a cache entry");
            let started = Instant::now();
            let host = Bare::new();
            let setup = started.elapsed();
            let started = Instant::now();
            let pre = host.deserialize_file(&entry, command);
            let load = started.elapsed();
            let started = Instant::now();
            let input = BareInput::of(&input, command);
            let answer = bare_call(&host, &pre, name, &input).await;
            (setup, load, started.elapsed(), answer)
        }),
        other => panic!("unknown host {other}"),
    };
    println!(
        "{:.0} {:.0} {:.0} {} {} {}",
        micros(setup),
        micros(load),
        micros(call),
        answer.allowed,
        answer.findings,
        answer.create
    );
}

struct Cold {
    load: Duration,
    first_call: Duration,
    answer: Answer,
}

fn run_child(host: &str, name: &str, module: &Path, cache: &Path) -> Cold {
    let output = Command::new(std::env::current_exe().expect("this binary"))
        .arg("--child")
        .args([host, name])
        .arg(module)
        .arg(cache)
        .output()
        .expect("spawn the child");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the {host} child for {name} failed: {}{}",
        text,
        String::from_utf8_lossy(&output.stderr)
    );
    let fields: Vec<&str> = text.split_whitespace().collect();
    let us = |i: usize| Duration::from_micros(fields[i].parse().expect("micros"));
    Cold {
        load: us(1),
        first_call: us(1) + us(2),
        answer: Answer {
            allowed: fields[3] == "true",
            findings: fields[4].parse().expect("findings"),
            create: fields[5].parse().expect("create"),
        },
    }
}

// ----- the parent: every measurement of one plugin -------------------------

struct Row {
    name: &'static str,
    language: &'static str,
    size: usize,
    compile: (Duration, Duration),
    cold_load: (Duration, Duration),
    cold_call: (Duration, Duration),
    warm_p50: (Duration, Duration),
    warm_p99: (Duration, Duration),
    warm_calls: usize,
    answers_agree: bool,
}

struct Loaded {
    runtime: Arc<Runtime>,
    module: Arc<Module>,
    host: Arc<Bare>,
    pre: Arc<bare::Pre>,
}

fn bench_plugin(
    rt: &tokio::runtime::Runtime,
    plugin: &Plugin,
    path: &Path,
    cache: &Path,
) -> (Row, Loaded) {
    let bytes = std::fs::read(path).expect("module");
    let command = is_command(&bytes);
    let hook_input = release::input(plugin.name, plugin.config.clone());
    let bare_input = BareInput::of(&hook_input, command);
    let input = PreparedInput::from(hook_input);
    let policy = policy(plugin);
    let mut agree = true;
    let mut check = |what: &str, windlass: &Answer, bare: &Answer| {
        if windlass != bare {
            agree = false;
            eprintln!("  ! {what}: windlass answered {windlass:?}, the bare host {bare:?}");
        }
    };

    // (a) The first call, compilation included.
    eprintln!("{}: compiling ({} bytes)", plugin.name, bytes.len());
    let runtime = Arc::new(Runtime::new(Some(ModuleCache::new(cache))).expect("runtime"));
    let started = Instant::now();
    let (module, answer) = rt.block_on(async {
        let module = runtime
            .load(&bytes, policy.limits.module_bytes)
            .await
            .expect("load");
        let answer = windlass_call(&runtime, &module, &input, &policy).await;
        (module, answer)
    });
    let windlass_compile = started.elapsed();
    let host = Arc::new(Bare::new());
    let started = Instant::now();
    let pre = host.compile(&bytes);
    let bare_answer = rt.block_on(bare_call(&host, &pre, plugin.name, &bare_input));
    let bare_compile = started.elapsed();
    check("first call", &answer, &bare_answer);
    eprintln!(
        "  compile: windlass {}, bare {}",
        show(windlass_compile),
        show(bare_compile)
    );

    // (b) The first call from the cache, in new processes, alternating hosts.
    let mut load = (Vec::new(), Vec::new());
    let mut first = (Vec::new(), Vec::new());
    for _ in 0..COLD_RUNS {
        let w = run_child("windlass", plugin.name, path, cache);
        let b = run_child("bare", plugin.name, path, cache);
        check("first call from the cache", &w.answer, &b.answer);
        load.0.push(w.load);
        load.1.push(b.load);
        first.0.push(w.first_call);
        first.1.push(b.first_call);
    }
    let cold_load = (median(&mut load.0), median(&mut load.1));
    let cold_call = (median(&mut first.0), median(&mut first.1));
    eprintln!(
        "  from the cache: load windlass {}, bare {}",
        show(cold_load.0),
        show(cold_load.1)
    );

    // (c) Warm calls, in alternating blocks.
    let calls = rt.block_on(async {
        // A few calls to settle, and an estimate of the call's time.
        let started = Instant::now();
        for _ in 0..5 {
            windlass_call(&runtime, &module, &input, &policy).await;
        }
        let each = started.elapsed() / 5;
        (WARM_BUDGET.as_secs_f64() / each.as_secs_f64()).clamp(300.0, 5000.0) as usize
    });
    let blocks = 10;
    let per_block = calls.div_ceil(blocks);
    let mut warm = (Vec::new(), Vec::new());
    rt.block_on(async {
        for _ in 0..blocks {
            for _ in 0..per_block {
                let started = Instant::now();
                let w = windlass_call(&runtime, &module, &input, &policy).await;
                warm.0.push(started.elapsed());
                if w != answer {
                    agree = false;
                }
            }
            for _ in 0..per_block {
                let started = Instant::now();
                let b = bare_call(&host, &pre, plugin.name, &bare_input).await;
                warm.1.push(started.elapsed());
                if b != bare_answer {
                    agree = false;
                }
            }
        }
    });
    warm.0.sort();
    warm.1.sort();
    let warm_p50 = (percentile(&warm.0, 50.0), percentile(&warm.1, 50.0));
    let warm_p99 = (percentile(&warm.0, 99.0), percentile(&warm.1, 99.0));
    eprintln!(
        "  warm p50: windlass {}, bare {}",
        show(warm_p50.0),
        show(warm_p50.1)
    );

    let row = Row {
        name: plugin.name,
        language: plugin.language,
        size: bytes.len(),
        compile: (windlass_compile, bare_compile),
        cold_load,
        cold_call,
        warm_p50,
        warm_p99,
        warm_calls: warm.0.len(),
        answers_agree: agree,
    };
    let loaded = Loaded {
        runtime,
        module,
        host,
        pre: Arc::new(pre),
    };
    (row, loaded)
}

/// (d) 100 Rust hooks in one event, warm: alternately resource-limits and
/// values-policy, each with its own name and configuration.
fn bench_event(
    rt: &tokio::runtime::Runtime,
    rust: &[(&Plugin, &Loaded)],
) -> (Duration, Duration, Duration, Duration) {
    let hooks: Vec<(usize, HookInput, Policy)> = (0..EVENT_HOOKS)
        .map(|i| {
            let (plugin, _) = rust[i % rust.len()];
            let input = release::input(&format!("{}-{i}", plugin.name), plugin.config.clone());
            (i % rust.len(), input, policy(plugin))
        })
        .collect();
    let bare_inputs: Vec<bare::Context> = hooks.iter().map(|(_, i, _)| bare_context(i)).collect();
    let mut windlass = Vec::new();
    let mut bare = Vec::new();
    rt.block_on(async {
        for _ in 0..EVENT_RUNS {
            // As the engine does: the event's context converted once, each
            // hook with its own name and config.
            let started = Instant::now();
            let event = PreparedInput::from(hooks[0].1.clone());
            for (which, input, policy) in &hooks {
                let loaded = rust[*which].1;
                let hook = event.for_hook(input.hook_name.clone(), input.config.clone());
                windlass_call(&loaded.runtime, &loaded.module, &hook, policy).await;
            }
            windlass.push(started.elapsed());
            let started = Instant::now();
            for ((which, _, _), context) in hooks.iter().zip(&bare_inputs) {
                let loaded = rust[*which].1;
                loaded.host.call(&loaded.pre, context).await;
            }
            bare.push(started.elapsed());
        }
    });
    windlass.sort();
    bare.sort();
    (
        percentile(&windlass, 50.0),
        percentile(&bare, 50.0),
        *windlass.last().expect("runs"),
        *bare.last().expect("runs"),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|a| a == "--child") {
        child(&args[at + 1..]);
        return;
    }
    let wanted: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let dir = plugins_dir();
    let cache = tempfile::tempdir().expect("a cache directory");
    let rt = tokio();

    let sample = release::input("sample", Value::Null);
    let (values_bytes, resources, resources_bytes) = release::sizes(&sample);
    eprintln!(
        "context: {resources} resources ({resources_bytes} bytes of JSON), values {values_bytes} bytes"
    );

    let all = plugins();
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    let mut loaded: Vec<(&Plugin, Loaded)> = Vec::new();
    for plugin in &all {
        if !wanted.is_empty() && !wanted.iter().any(|w| *w == plugin.name) {
            continue;
        }
        let path = dir.join(format!("{}.wasm", plugin.name));
        if !path.is_file() {
            eprintln!(
                "skipped {}: {} not found (build it with `plugins/build {} {}`, or set WINDLASS_PLUGINS_DIR)",
                plugin.name,
                path.display(),
                dir.display(),
                plugin.name
            );
            missing.push(plugin.name);
            continue;
        }
        let (row, l) = bench_plugin(&rt, plugin, &path, cache.path());
        rows.push(row);
        loaded.push((plugin, l));
    }

    let rust: Vec<(&Plugin, &Loaded)> = loaded
        .iter()
        .filter(|(p, _)| p.language == "Rust")
        .map(|(p, l)| (*p, l))
        .collect();
    let event = if rust.is_empty() {
        eprintln!("skipped the 100-hook event: no Rust plugin was benchmarked");
        None
    } else {
        eprintln!("event: {EVENT_HOOKS} Rust hooks, {EVENT_RUNS} times");
        Some(bench_event(&rt, &rust))
    };

    report(&rows, event, &missing, values_bytes, resources_bytes);
}

fn report(
    rows: &[Row],
    event: Option<(Duration, Duration, Duration, Duration)>,
    missing: &[&str],
    values_bytes: usize,
    resources_bytes: usize,
) {
    println!();
    println!(
        "Context: 100 resources ({:.0} KB of JSON), values {:.1} KB. Times: windlass / bare wasmtime (ratio).",
        resources_bytes as f64 / 1024.0,
        values_bytes as f64 / 1024.0
    );
    println!();
    println!(
        "| hook | language | module | (a) first call, compiling | (b) load from cache, new process | (b) first call from cache | (c) warm p50 | (c) warm p99 |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for r in rows {
        let cell =
            |(w, b): (Duration, Duration)| format!("{} / {} ({})", show(w), show(b), ratio(w, b));
        println!(
            "| {}{} | {} | {:.0} KB | {} | {} | {} | {} | {} |",
            r.name,
            if r.answers_agree {
                ""
            } else {
                " (answers differ!)"
            },
            r.language,
            r.size as f64 / 1024.0,
            cell(r.compile),
            cell(r.cold_load),
            cell(r.cold_call),
            cell(r.warm_p50),
            cell(r.warm_p99),
        );
    }
    println!();
    for r in rows {
        println!("- {}: {} warm calls per host", r.name, r.warm_calls);
    }
    if let Some((w50, b50, wmax, bmax)) = event {
        println!();
        println!(
            "(d) {EVENT_HOOKS} Rust hooks in one event, warm, median of {EVENT_RUNS}: windlass {} / bare {} ({}); slowest: windlass {} / bare {}",
            show(w50),
            show(b50),
            ratio(w50, b50),
            show(wmax),
            show(bmax)
        );
    }
    if !missing.is_empty() {
        println!();
        println!("Not measured (module not found): {}", missing.join(", "));
    }
}
