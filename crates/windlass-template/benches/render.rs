//! Each chart of the conformance corpus rendered by windlass (in this process)
//! beside real Helm v4 (the peer's interpreter running
//! `tests/helm-peer/time_render.py`), chart by chart in alternation, and
//! windlass's peak memory for one render of each chart (in a child process).
//! One run, medians and ratios, printed as Markdown for docs/benchmarks.md.
//!
//! ```sh
//! eval "$(scripts/setup-test-env)"
//! cargo bench -p windlass-template --bench render [-- CHART...]
//! ```
//!
//! An iteration is the same work on both sides, `helm template` without its
//! printing: load the chart directory, process dependencies, coalesce values,
//! validate them against the schemas, render. Helm is timed inside its
//! interpreter (no interpreter start, no library load); its time includes
//! the bridge's JSON encoding and decoding of the rendered files.

#![allow(clippy::print_stdout, clippy::print_stderr)] // the report is the output

/// The allocator of the `windlass` binary, so the render is timed as it runs
/// there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};
use windlass_chart::{Values, dependencies, schema, values};
use windlass_template::RenderContext;

/// Timed iterations per chart and side, after one warm-up.
const ITERATIONS: usize = 20;

/// `.Capabilities.KubeVersion` of Helm v4's render without a cluster (and
/// `windlass_engine::DEFAULT_KUBE_VERSION`).
const KUBE_VERSION: &str = "v1.36.0";

/// The user values a chart is rendered with, on both sides: none, except
/// where the corpus copy lacks subcharts its templates read unless disabled
/// (kube-prometheus-stack fails in Helm too with its defaults).
fn user_values(chart: &str) -> Value {
    match chart {
        "kube-prometheus-stack" => json!({
            "kubeStateMetrics": {"enabled": false},
            "nodeExporter": {"enabled": false},
        }),
        _ => json!({}),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|a| a == "--child") {
        child(args.get(at + 1).map(PathBuf::from));
        return;
    }
    // cargo passes `--bench`; other words name the charts to run.
    let wanted: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let (Some(charts), Some(python)) = (windlass_testsupport::corpus_charts(), helm_python())
    else {
        eprintln!("the chart corpus or the Helm peer is missing: run scripts/setup-test-env");
        std::process::exit(1);
    };

    let mut rows = Vec::new();
    for dir in charts {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !wanted.is_empty() && !wanted.iter().any(|w| **w == name) {
            continue;
        }
        eprintln!("render: {name}");
        let user = user_values(&name);
        let windlass = time_windlass(&dir, &user);
        let helm = time_helm(&python, &dir, &user);
        let rss = peak_rss_kib(Some(&dir));
        rows.push((name, windlass, helm, rss));
    }

    println!("| chart | output | windlass | Helm 4 | windlass / Helm | windlass peak RSS |");
    println!("|---|---|---|---|---|---|");
    for (name, windlass, helm, rss) in &rows {
        let output = match windlass {
            Ok(w) => format!("{} files, {} KB", w.files, w.bytes.div_ceil(1024)),
            Err(_) => "–".into(),
        };
        let ratio = match (windlass, helm) {
            (Ok(w), Ok(h)) => format!("{:.2}x", w.median / h),
            _ => "–".into(),
        };
        println!(
            "| {name} | {output} | {} | {} | {ratio} | {} |",
            cell(windlass.as_ref().map(|w| ms(w.median))),
            cell(helm.as_ref().map(|h| ms(*h))),
            cell(rss.as_ref().map(|kib| mib(*kib))),
        );
    }
    match peak_rss_kib(None) {
        Ok(kib) => println!(
            "\nPeak RSS of the same child rendering nothing: {}.",
            mib(kib)
        ),
        Err(e) => println!("\nPeak RSS of the child rendering nothing: {e}."),
    }
}

/// A cell: the value, or `fails: ` and the first line of the error.
fn cell(result: Result<String, &String>) -> String {
    result.unwrap_or_else(|e| format!("fails: {}", e.lines().next().unwrap_or_default()))
}

fn ms(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{:.1} ms", seconds * 1000.0)
    } else {
        format!("{seconds:.2} s")
    }
}

fn mib(kib: u64) -> String {
    let mib = kib as f64 / 1024.0;
    format!("{mib:.1} MB")
}

/// The median of `samples`, in seconds.
fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

// ----- windlass ------------------------------------------------------------

struct Windlass {
    median: f64,
    files: usize,
    bytes: usize,
}

/// What `helm template` does before printing, with windlass's crates.
fn render_chart(dir: &Path, user: &Value) -> Result<(usize, usize), String> {
    let user: Values = user.as_object().cloned().unwrap_or_default();
    let mut chart = windlass_chart::load(dir).map_err(|e| e.to_string())?;
    dependencies::process_dependencies(&mut chart, &user).map_err(|e| e.to_string())?;
    let values = values::coalesce(&chart, &user).map_err(|e| e.to_string())?;
    schema::validate(&chart, &values).map_err(|e| e.to_string())?;
    let context = RenderContext {
        kube_version: KUBE_VERSION.into(),
        ..RenderContext::default()
    };
    let files = windlass_template::render(&chart, &values, &context).map_err(|e| e.to_string())?;
    Ok((files.len(), files.values().map(String::len).sum()))
}

fn time_windlass(dir: &Path, user: &Value) -> Result<Windlass, String> {
    let (files, bytes) = render_chart(dir, user)?; // the warm-up
    let samples = (0..ITERATIONS)
        .map(|_| {
            let started = Instant::now();
            black_box(render_chart(dir, user)).map(|_| started.elapsed().as_secs_f64())
        })
        .collect::<Result<Vec<f64>, String>>()?;
    Ok(Windlass {
        median: median(samples),
        files,
        bytes,
    })
}

/// `--child [CHART]`: renders the chart once (or nothing) and prints this
/// process's peak resident set (`VmHWM`) in KiB. A process of its own, so the
/// peak is this chart's alone.
fn child(dir: Option<PathBuf>) {
    if let Some(dir) = dir {
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        if let Err(e) = black_box(render_chart(&dir, &user_values(&name))) {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .expect("VmHWM in /proc/self/status");
    println!("{kib}");
}

fn peak_rss_kib(dir: Option<&Path>) -> Result<u64, String> {
    let mut command = Command::new(std::env::current_exe().expect("this binary"));
    command.arg("--child").args(dir);
    let out = command.output().expect("run the child");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("the child printed no size: {e}"))
}

// ----- Helm ----------------------------------------------------------------

/// The peer's interpreter, found as `windlass_testsupport::helm_peer` finds it
/// (which keeps its path to itself).
fn helm_python() -> Option<PathBuf> {
    windlass_testsupport::helm_peer()?;
    Some(
        std::env::var_os("WINDLASS_HELM_PEER_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                windlass_testsupport::cache_dir().join("helm-peer/helm-python-sdk-0.2.2/bin/python")
            }),
    )
}

/// Helm's median seconds for `dir`, from `time_render.py` in one interpreter.
fn time_helm(python: &Path, dir: &Path, user: &Value) -> Result<f64, String> {
    let script = windlass_testsupport::repo_root().join("tests/helm-peer/time_render.py");
    let out = Command::new(python)
        .arg(script)
        .arg(ITERATIONS.to_string())
        .arg(dir)
        .arg(user.to_string())
        .output()
        .expect("run the Helm peer");
    // Helm logs warnings on stderr; only a broken bridge exits non-zero.
    assert!(
        out.status.success(),
        "time_render.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: Value = serde_json::from_slice(&out.stdout).expect("time_render.py prints JSON");
    if let Some(error) = answer["error"].as_str() {
        return Err(error.to_string());
    }
    let samples = answer["seconds"]
        .as_array()
        .expect("seconds")
        .iter()
        .map(|s| s.as_f64().expect("a number of seconds"))
        .collect();
    Ok(median(samples))
}
