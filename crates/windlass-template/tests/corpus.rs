//! Every chart of the conformance corpus rendered by windlass and by real Helm
//! v4 (the `helm-python-sdk` peer's `render`), with the chart's default values
//! and with each value set of `corpus-values.json` (chosen per chart to switch
//! on other templates and code paths: ingress and TLS, metrics and monitors,
//! replication modes, autoscaling, persistence off, extra env, network
//! policies, service types; a few are meant to fail). Both sides must render
//! the same set of template paths with the same text for each, or fail with
//! the same message (for a schema violation, naming the same charts and value
//! paths: see [`schema_failures`]).
//!
//! Our side does what the peer's `render` does (see
//! `windlass-chart/tests/values_conformance.rs`): load the chart,
//! `process_dependencies`, `coalesce`, `schema::validate`, then
//! [`windlass_template::render`] with Helm's defaults for `helm template`
//! (release `release-name` in `default`) and Kubernetes v1.36.0, the
//! version Helm 4 assumes without a cluster.
//!
//! Output of random functions (randAlphaNum, genCA/genSignedCert, htpasswd,
//! uuidv4, and `now`, which the two sides read at different instants) is
//! compared by shape: see [`lines_match`].
//!
//! Every difference of every render is collected and reported (paths on one
//! side only, a short diff of each differing file, both error messages), then
//! the test fails. `WINDLASS_CORPUS_CHARTS=nginx,redis` limits a run to the
//! named charts while working on a fix.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};

use base64::Engine as _;
use regex::Regex;
use serde_json::{Value, json};
use windlass_chart::dependencies::process_dependencies;
use windlass_chart::values::coalesce;
use windlass_chart::{Values, schema};
use windlass_template::{RenderContext, render};
use windlass_testsupport::{HelmPeer, corpus_charts, helm_peer};

/// `.Capabilities.KubeVersion` of Helm 4's render without a cluster.
const KUBE_VERSION: &str = "v1.36.0";

/// Diff lines (`-` and `+`) shown per differing file.
const EXCERPT_LINES: usize = 8;

/// Longer lines are shown as a window around their first difference.
const SHOWN_WIDTH: usize = 160;

/// Path → rendered text, as both sides return it.
type Rendered = BTreeMap<String, String>;

/// One render to compare: a chart with one set of user values.
struct Case {
    dir: PathBuf,
    chart: String,
    label: String,
    values: Values,
}

fn context() -> RenderContext {
    RenderContext {
        kube_version: KUBE_VERSION.into(),
        ..RenderContext::default()
    }
}

#[test]
fn corpus_renders_match_helm() {
    let (Some(charts), Some(peer)) = (corpus_charts(), helm_peer()) else {
        return;
    };
    let cases = cases(&charts);
    assert!(
        !cases.is_empty(),
        "WINDLASS_CORPUS_CHARTS names no corpus chart"
    );

    // Biggest charts first, so that the workers finish together.
    let mut order: Vec<usize> = (0..cases.len()).collect();
    order.sort_by_cached_key(|&i| std::cmp::Reverse(template_bytes(&cases[i].dir)));
    let next = AtomicUsize::new(0);
    let reports = Mutex::new(vec![None; cases.len()]);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let report = run_case(&peer, &cases[i]);
                    reports.lock().expect("no worker panics holding the lock")[i] = Some(report);
                }
            });
        }
    });

    let reports: Vec<Option<String>> = reports
        .into_inner()
        .expect("no worker panicked")
        .into_iter()
        .map(|r| r.expect("every case ran"))
        .collect();
    let differing: Vec<&String> = reports.iter().flatten().collect();
    assert!(
        differing.is_empty(),
        "windlass differs from Helm in {} of {} renders:\n\n{}",
        differing.len(),
        cases.len(),
        differing
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Every corpus chart with its defaults and its value sets, in corpus order,
/// limited to `WINDLASS_CORPUS_CHARTS` when set.
fn cases(charts: &[PathBuf]) -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus-values.json");
    let text = std::fs::read_to_string(&path).expect("tests/corpus-values.json");
    let sets: BTreeMap<String, Vec<Value>> =
        serde_json::from_str(&text).expect("corpus-values.json: {chart: [{label, values}]}");

    // The file must stay in step with the corpus.
    let names: Vec<String> = charts.iter().map(|d| dir_name(d)).collect();
    for chart in sets.keys() {
        assert!(
            names.contains(chart),
            "corpus-values.json: `{chart}` is not a corpus chart"
        );
    }
    let only: Option<Vec<String>> = std::env::var("WINDLASS_CORPUS_CHARTS")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect());

    let mut cases = Vec::new();
    for (dir, chart) in charts.iter().zip(names) {
        let extra = sets.get(&chart).map(Vec::as_slice).unwrap_or_default();
        assert!(
            extra.len() >= 2,
            "corpus-values.json: `{chart}` needs at least two value sets besides its defaults"
        );
        let mut labels = BTreeSet::from(["defaults".to_string()]);
        let mut chart_cases = vec![Case {
            dir: dir.clone(),
            chart: chart.clone(),
            label: "defaults".into(),
            values: Values::new(),
        }];
        for set in extra {
            let label = set["label"].as_str().expect("every value set has a label");
            assert!(
                labels.insert(label.to_string()),
                "{chart}: label `{label}` repeats"
            );
            let Value::Object(values) = set["values"].clone() else {
                panic!("{chart} [{label}]: `values` must be an object");
            };
            chart_cases.push(Case {
                dir: dir.clone(),
                chart: chart.clone(),
                label: label.to_string(),
                values,
            });
        }
        if only.as_ref().is_none_or(|only| only.contains(&chart)) {
            cases.extend(chart_cases);
        }
    }
    cases
}

fn dir_name(dir: &Path) -> String {
    dir.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// Size of a chart's templates (subcharts included): the cost of a render.
fn template_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let path = e.path();
            if path.is_dir() {
                template_bytes(&path)
            } else if path.to_string_lossy().contains("/templates/") {
                e.metadata().map_or(0, |m| m.len())
            } else {
                0
            }
        })
        .sum()
}

/// Renders one case on both sides; `None` when they agree, else the report.
fn run_case(peer: &HelmPeer, case: &Case) -> Option<String> {
    let ctx = context();
    let helm = helm_render(peer, case, &ctx);
    // A panic is a difference to report with the others, not the end of the run.
    let ours = catch_unwind(AssertUnwindSafe(|| windlass_render(case, &ctx)))
        .unwrap_or_else(|panic| Err(format!("windlass panicked: {}", panic_message(&*panic))));
    let mut report = format!(
        "{} [{}]: {}",
        case.chart,
        case.label,
        compare(&helm, &ours)?
    );
    // Were the masking of random values short of Helm's own randomness, Helm
    // would differ from itself: say so beside the difference.
    if helm.is_ok()
        && let Some(itself) = compare(&helm, &helm_render(peer, case, &ctx))
    {
        let _ = write!(
            report,
            "  note: a second Helm render differs from the first as well, so the masking of \
             random values may be at fault here, not windlass: {itself}"
        );
    }
    Some(report)
}

fn helm_render(peer: &HelmPeer, case: &Case, ctx: &RenderContext) -> Result<Rendered, String> {
    let request = json!({
        "values": case.values,
        "options": {
            "name": ctx.release_name,
            "namespace": ctx.namespace,
            "revision": ctx.revision,
            "is_install": ctx.is_install,
            "is_upgrade": ctx.is_upgrade,
        },
    });
    let rendered = peer.call("render", &case.dir, &request)?;
    serde_json::from_value(rendered)
        .map_err(|e| format!("the peer's answer is not {{path: text}}: {e}"))
}

/// What the peer's `render` does, on our side.
fn windlass_render(case: &Case, ctx: &RenderContext) -> Result<Rendered, String> {
    let mut chart = windlass_chart::load::load(&case.dir).map_err(|e| e.to_string())?;
    process_dependencies(&mut chart, &case.values).map_err(|e| e.to_string())?;
    let values = coalesce(&chart, &case.values).map_err(|e| e.to_string())?;
    schema::validate(&chart, &values).map_err(|e| e.to_string())?;
    render(&chart, &values, ctx).map_err(|e| e.to_string())
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

/// `None` when both sides agree; else what differs, ready to print.
fn compare(helm: &Result<Rendered, String>, ours: &Result<Rendered, String>) -> Option<String> {
    match (helm, ours) {
        (Err(h), Err(o)) if h == o => None,
        (Err(h), Err(o)) if schema_failures(h).is_some_and(|h| schema_failures(o) == Some(h)) => {
            None
        }
        (Err(h), Err(o)) => Some(format!(
            "both fail, with different messages{}\n  Helm: {}\n  ours: {}\n",
            if h.trim_end() == o.trim_end() {
                " (in trailing whitespace only)"
            } else {
                ""
            },
            indent(h),
            indent(o)
        )),
        (Err(h), Ok(o)) => Some(format!(
            "Helm fails, windlass rendered {} files\n  Helm: {}\n",
            o.len(),
            indent(h)
        )),
        (Ok(h), Err(o)) => Some(format!(
            "windlass fails, Helm rendered {} files\n  ours: {}\n",
            h.len(),
            indent(o)
        )),
        (Ok(h), Ok(o)) => compare_files(h, o),
    }
}

/// The heading of a schema violation, Helm's and ours.
const SCHEMA_HEADING: &str =
    "values don't meet the specifications of the schema(s) in the following chart(s):";

/// The `(chart, value path)` pairs a schema violation names. Ours words it
/// on one line with the `jsonschema` crate's messages, by design (see
/// windlass-chart's `schema.rs`); like `values_conformance.rs`, we compare
/// only what fails, not the wording. Helm: `chart:` lines each followed by
/// `- at '/path': …` lines; ours: `` `chart`: at '/path': …; at … ``.
fn schema_failures(message: &str) -> Option<BTreeSet<(String, String)>> {
    static PARTS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?m)^([^\s`'-][^:]*):$|`([^`]+)`:|at '([^']*)'").expect("valid regex")
    });
    let rest = message.strip_prefix(SCHEMA_HEADING)?;
    let mut chart = None;
    let mut failures = BTreeSet::new();
    for c in PARTS.captures_iter(rest) {
        if let Some(name) = c.get(1).or_else(|| c.get(2)) {
            chart = Some(name.as_str().to_string());
        } else if let Some(path) = c.get(3) {
            failures.insert((chart.clone()?, path.as_str().to_string()));
        }
    }
    Some(failures)
}

/// Continuation lines of a message, indented under its first line.
fn indent(message: &str) -> String {
    message.trim_end().replace('\n', "\n        ")
}

fn compare_files(helm: &Rendered, ours: &Rendered) -> Option<String> {
    let mut out = String::new();
    let mut differing = 0;
    for path in helm.keys().filter(|p| !ours.contains_key(*p)) {
        differing += 1;
        let _ = writeln!(out, "  only in Helm: {path}");
    }
    for path in ours.keys().filter(|p| !helm.contains_key(*p)) {
        differing += 1;
        let _ = writeln!(out, "  only in windlass: {path}");
    }
    for (path, h) in helm {
        let Some(o) = ours.get(path) else { continue };
        if let Some(excerpt) = diff_excerpt(h, o) {
            differing += 1;
            let _ = write!(out, "  {path}: {excerpt}");
        }
    }
    let total = helm
        .keys()
        .chain(ours.keys())
        .collect::<BTreeSet<_>>()
        .len();
    (differing > 0).then(|| format!("{differing} of {total} files differ\n{out}"))
}

// ---------------------------------------------------------------------------
// Comparing modulo random values

/// Tokens that may hold a random value: a bcrypt hash (htpasswd), a UUID, an
/// RFC 3339 time (`now`), or a maximal run of at least 8 base64 characters
/// (randAlphaNum, `now | date` stamps, and whatever `b64enc` encoded:
/// passwords, keys, certificates, but also configuration).
static RANDOM_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\$2[aby]?\$[0-9]{2}\$[./A-Za-z0-9]{53}",
        r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        r"|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})?",
        r"|[A-Za-z0-9+/=]{8,}",
    ))
    .expect("valid regex")
});

/// Runs shorter than this may differ as random values when they do not
/// decode to text; longer ones (SSH keys, DER) must be identical, hex
/// digests aside.
const LONG_RUN: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bcrypt,
    Uuid,
    Time,
    Run,
}

fn kind(token: &str) -> Kind {
    if token.starts_with('$') {
        Kind::Bcrypt
    } else if token.contains(':') {
        Kind::Time
    } else if token.contains('-') {
        Kind::Uuid
    } else {
        Kind::Run
    }
}

/// A line cut into literal text and candidate tokens: always
/// `text, token, text, …, token, text`, so two lines with as many tokens
/// line up piece by piece.
fn pieces(line: &str) -> (Vec<&str>, Vec<&str>) {
    let mut texts = Vec::new();
    let mut tokens = Vec::new();
    let mut at = 0;
    for m in RANDOM_TOKEN.find_iter(line) {
        texts.push(&line[at..m.start()]);
        tokens.push(m.as_str());
        at = m.end();
    }
    texts.push(&line[at..]);
    (texts, tokens)
}

/// Whether a line of Helm's output and a line of ours agree, the values of
/// random functions aside.
///
/// Identical lines agree. Otherwise both are cut into candidate tokens
/// ([`RANDOM_TOKEN`]) and the literal text between them: the literal text
/// must be identical, and each pair of tokens must [agree](tokens_match).
/// So a changed word, quote, key, indentation or line is still a difference,
/// and so is a same-length word such as `kubernetes` for `prometheus`.
///
/// What this lets through, knowingly: times in the same format and hex
/// digests of the same length (a digest of content that differs for a real
/// reason is caught in the file holding that content), and short
/// letters-and-digits values of the same length. What it does not absorb: a
/// random value with punctuation printed without `b64enc` (`randAscii`) and
/// PEM printed raw over several lines (its line count varies); the corpus
/// has neither. When a render differs, [`run_case`] renders Helm a second
/// time and notes whether Helm differs from itself under this comparison.
fn lines_match(helm: &str, ours: &str) -> bool {
    if helm == ours {
        return true;
    }
    let (helm_texts, helm_tokens) = pieces(helm);
    let (our_texts, our_tokens) = pieces(ours);
    helm_texts == our_texts
        && helm_tokens
            .iter()
            .zip(&our_tokens)
            .all(|(h, o)| tokens_match(h, o))
}

/// Whole texts under [`lines_match`], line by line.
fn texts_match(helm: &str, ours: &str) -> bool {
    let (h, o): (Vec<&str>, Vec<&str>) = (helm.split('\n').collect(), ours.split('\n').collect());
    h.len() == o.len() && h.iter().zip(&o).all(|(h, o)| lines_match(h, o))
}

/// Two tokens agree when identical; when both are base64 of text, when
/// their texts agree (recursively: a `b64enc`'d configuration must be the
/// same configuration, a `b64enc`'d random password only of the same shape),
/// PEM blocks by their types and about their size (a key's or certificate's
/// DER length varies with its random numbers); otherwise when both [look
/// random](looks_random) and have the [same shape](same_shape).
fn tokens_match(helm: &str, ours: &str) -> bool {
    if helm == ours {
        return true;
    }
    if kind(helm) == Kind::Run
        && kind(ours) == Kind::Run
        && let (Some(h), Some(o)) = (decoded_text(helm), decoded_text(ours))
    {
        return match (pem_shape(&h), pem_shape(&o)) {
            (Some((h_types, h_len)), Some((o_types, o_len))) => {
                h_types == o_types && h_len.abs_diff(o_len) * 16 <= h_len.max(o_len)
            }
            (None, None) => texts_match(&h, &o),
            _ => false,
        };
    }
    looks_random(helm) && looks_random(ours) && same_shape(helm, ours)
}

/// The text a base64 run encodes, if it encodes printable text.
fn decoded_text(run: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(run).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .then_some(text)
}

/// A PEM text's `-----BEGIN …-----` lines and the length of its bodies.
fn pem_shape(text: &str) -> Option<(Vec<&str>, usize)> {
    let types: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("-----BEGIN "))
        .collect();
    let body = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::len)
        .sum();
    (!types.is_empty()).then_some((types, body))
}

fn is_hex(run: &str) -> bool {
    run.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A bcrypt hash, UUID or time, or a run mixing at least two of lower case,
/// upper case and digits (random letters and digits, base64 of binary), or
/// of digits only (timestamps). Words and paths of one case do not look
/// random.
fn looks_random(token: &str) -> bool {
    if kind(token) != Kind::Run {
        return true;
    }
    let has = |f: fn(&u8) -> bool| token.as_bytes().iter().any(f);
    let classes = [
        has(u8::is_ascii_lowercase),
        has(u8::is_ascii_uppercase),
        has(u8::is_ascii_digit),
    ];
    classes.iter().filter(|c| **c).count() >= 2 || token.bytes().all(|b| b.is_ascii_digit())
}

/// Two tokens of the same kind that one random function could both have
/// produced: bcrypt hashes of the same version and cost, UUIDs of the same
/// version, times in the same format, runs of the same length below
/// [`LONG_RUN`] or hex digests of the same length (`sha256sum` of content
/// with random values in it, as in `checksum/secret` annotations).
fn same_shape(a: &str, b: &str) -> bool {
    let skeleton = |t: &str| t.replace(|c: char| c.is_ascii_digit(), "0");
    match (kind(a), kind(b)) {
        (Kind::Bcrypt, Kind::Bcrypt) => a.get(..7) == b.get(..7),
        (Kind::Uuid, Kind::Uuid) => a.get(14..15) == b.get(14..15),
        (Kind::Time, Kind::Time) => skeleton(a) == skeleton(b),
        (Kind::Run, Kind::Run) => {
            a.len() == b.len() && (a.len() < LONG_RUN || is_hex(a) && is_hex(b))
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Line diff

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// Line `.0` of Helm's text agrees with line `.1` of ours.
    Same(usize, usize),
    /// Line of Helm's text missing from ours.
    Helm(usize),
    /// Line of ours missing from Helm's.
    Ours(usize),
}

/// Cells of the longest-common-subsequence table we allow; beyond that the
/// changed middle is shown as one block.
const MAX_CELLS: usize = 4 << 20;

/// A line diff under [`lines_match`]: common head and tail, then the
/// longest common subsequence of the middle.
fn diff_lines(helm: &[&str], ours: &[&str]) -> Vec<Op> {
    let head = helm
        .iter()
        .zip(ours)
        .take_while(|(h, o)| lines_match(h, o))
        .count();
    let tail = helm[head..]
        .iter()
        .rev()
        .zip(ours[head..].iter().rev())
        .take_while(|(h, o)| lines_match(h, o))
        .count();
    let (h_mid, o_mid) = (
        &helm[head..helm.len() - tail],
        &ours[head..ours.len() - tail],
    );

    let mut ops: Vec<Op> = (0..head).map(|i| Op::Same(i, i)).collect();
    if h_mid.len().saturating_mul(o_mid.len()) <= MAX_CELLS {
        ops.extend(lcs(h_mid, o_mid).into_iter().map(|op| match op {
            Op::Same(i, j) => Op::Same(head + i, head + j),
            Op::Helm(i) => Op::Helm(head + i),
            Op::Ours(j) => Op::Ours(head + j),
        }));
    } else {
        ops.extend((0..h_mid.len()).map(|i| Op::Helm(head + i)));
        ops.extend((0..o_mid.len()).map(|j| Op::Ours(head + j)));
    }
    let (h_tail, o_tail) = (helm.len() - tail, ours.len() - tail);
    ops.extend((0..tail).map(|k| Op::Same(h_tail + k, o_tail + k)));
    ops
}

/// Longest common subsequence by dynamic programming. Lines are compared by
/// their literal text first (interned), and by [`lines_match`] only when that
/// agrees, since tokenising per cell would be slow.
fn lcs(helm: &[&str], ours: &[&str]) -> Vec<Op> {
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut key = |line: &str| {
        let next = ids.len();
        *ids.entry(pieces(line).0.join("\u{0}")).or_insert(next)
    };
    let h_keys: Vec<usize> = helm.iter().map(|l| key(l)).collect();
    let o_keys: Vec<usize> = ours.iter().map(|l| key(l)).collect();
    let same = |i: usize, j: usize| h_keys[i] == o_keys[j] && lines_match(helm[i], ours[j]);

    // suffix[i][j]: length of the LCS of helm[i..] and ours[j..].
    let (n, m) = (helm.len(), ours.len());
    let width = m + 1;
    let mut suffix = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            suffix[i * width + j] = if same(i, j) {
                suffix[(i + 1) * width + j + 1] + 1
            } else {
                suffix[(i + 1) * width + j].max(suffix[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::new();
    while i < n && j < m {
        if same(i, j) {
            ops.push(Op::Same(i, j));
            i += 1;
            j += 1;
        } else if suffix[(i + 1) * width + j] >= suffix[i * width + j + 1] {
            ops.push(Op::Helm(i));
            i += 1;
        } else {
            ops.push(Op::Ours(j));
            j += 1;
        }
    }
    ops.extend((i..n).map(Op::Helm));
    ops.extend((j..m).map(Op::Ours));
    ops
}

/// `None` when the texts agree; else the number of diff lines and the first
/// [`EXCERPT_LINES`] of the diff, unified style (`-` Helm, `+` ours), each
/// hunk after one line of context. A one-line change inside base64 of text
/// (a `b64enc`'d configuration) is followed by the diff of the decoded texts.
fn diff_excerpt(helm: &str, ours: &str) -> Option<String> {
    if helm == ours {
        return None;
    }
    let h: Vec<&str> = helm.split('\n').collect();
    let o: Vec<&str> = ours.split('\n').collect();
    let ops = diff_lines(&h, &o);
    let changed = ops.iter().filter(|op| !matches!(op, Op::Same(..))).count();
    if changed == 0 {
        return None;
    }
    let mut out = format!("{changed} diff lines\n");
    let mut shown = 0;
    let mut k = 0;
    while k < ops.len() && shown < EXCERPT_LINES {
        if matches!(ops[k], Op::Same(..)) {
            k += 1;
            continue;
        }
        let end = ops[k..]
            .iter()
            .position(|op| matches!(op, Op::Same(..)))
            .map_or(ops.len(), |p| k + p);
        let helm_lines: Vec<&str> = ops[k..end]
            .iter()
            .filter_map(|op| {
                if let Op::Helm(i) = op {
                    Some(h[*i])
                } else {
                    None
                }
            })
            .collect();
        let our_lines: Vec<&str> = ops[k..end]
            .iter()
            .filter_map(|op| {
                if let Op::Ours(j) = op {
                    Some(o[*j])
                } else {
                    None
                }
            })
            .collect();
        // Long lines are shown around where the first changed lines part.
        let (h_col, o_col) = match (helm_lines.first(), our_lines.first()) {
            (Some(a), Some(b)) => first_difference(a, b),
            _ => (0, 0),
        };
        let (h_at, o_at) = position(&ops, k);
        let _ = writeln!(out, "    @@ -{} +{} @@", h_at + 1, o_at + 1);
        if k > 0
            && let Op::Same(i, _) = ops[k - 1]
        {
            let _ = writeln!(out, "     {}", shown_line(h[i], 0));
        }
        // Both sides of a long hunk get a share of what is left to show.
        let room = EXCERPT_LINES - shown;
        let h_take = helm_lines
            .len()
            .min((room / 2).max(room.saturating_sub(our_lines.len())));
        let o_take = our_lines.len().min(room - h_take);
        for line in &helm_lines[..h_take] {
            let _ = writeln!(out, "    -{}", shown_line(line, h_col));
        }
        for line in &our_lines[..o_take] {
            let _ = writeln!(out, "    +{}", shown_line(line, o_col));
        }
        shown += h_take + o_take;
        if h_take < helm_lines.len() || o_take < our_lines.len() {
            let _ = writeln!(
                out,
                "    … and {} more - lines, {} more + lines in this hunk",
                helm_lines.len() - h_take,
                our_lines.len() - o_take
            );
        }
        if let ([a], [b]) = (helm_lines.as_slice(), our_lines.as_slice())
            && let Some(inner) = decoded_difference(a, b)
        {
            let _ = write!(
                out,
                "      decoded base64: {}",
                inner.replace("\n    ", "\n        ")
            );
        }
        k = end;
    }
    Some(out)
}

/// Byte offsets in `helm` and `ours` of their first difference: the first
/// piece (literal text or token) that does not agree, else the first
/// differing character.
fn first_difference(helm: &str, ours: &str) -> (usize, usize) {
    let (h_texts, h_tokens) = pieces(helm);
    let (o_texts, o_tokens) = pieces(ours);
    if h_tokens.len() == o_tokens.len() {
        let (mut h_at, mut o_at) = (0, 0);
        for (k, (ht, ot)) in h_texts.iter().zip(&o_texts).enumerate() {
            if ht != ot {
                let same = common_prefix(ht, ot);
                return (h_at + same, o_at + same);
            }
            h_at += ht.len();
            o_at += ot.len();
            if let (Some(hk), Some(ok)) = (h_tokens.get(k), o_tokens.get(k)) {
                if !tokens_match(hk, ok) {
                    let same = common_prefix(hk, ok);
                    return (h_at + same, o_at + same);
                }
                h_at += hk.len();
                o_at += ok.len();
            }
        }
    }
    let same = common_prefix(helm, ours);
    (same, same)
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((at, _), _)| at)
}

/// The diff of the decoded texts when two lines differ in exactly one token
/// and both tokens are base64 of (non-PEM) text.
fn decoded_difference(helm: &str, ours: &str) -> Option<String> {
    let (h_texts, h_tokens) = pieces(helm);
    let (o_texts, o_tokens) = pieces(ours);
    if h_texts != o_texts {
        return None;
    }
    let mut differing = h_tokens
        .iter()
        .zip(&o_tokens)
        .filter(|(h, o)| !tokens_match(h, o));
    let ((h, o), None) = (differing.next()?, differing.next()) else {
        return None;
    };
    let (h, o) = (decoded_text(h)?, decoded_text(o)?);
    if pem_shape(&h).is_some() || pem_shape(&o).is_some() {
        return None;
    }
    diff_excerpt(&h, &o)
}

/// Line numbers (from 0) on both sides where op `k` starts.
fn position(ops: &[Op], k: usize) -> (usize, usize) {
    let (mut h, mut o) = (0, 0);
    for op in &ops[..k] {
        match op {
            Op::Same(..) => {
                h += 1;
                o += 1;
            }
            Op::Helm(_) => h += 1,
            Op::Ours(_) => o += 1,
        }
    }
    (h, o)
}

/// A line as shown: whole if short, else a window around `column`.
fn shown_line(line: &str, column: usize) -> String {
    if line.len() <= SHOWN_WIDTH {
        return line.to_string();
    }
    let start = floor_char(line, column.saturating_sub(SHOWN_WIDTH / 2));
    let end = floor_char(line, (start + SHOWN_WIDTH).min(line.len()));
    format!(
        "{}{}{} [{} chars, from column {}]",
        if start > 0 { "…" } else { "" },
        &line[start..end],
        if end < line.len() { "…" } else { "" },
        line.len(),
        start + 1
    )
}

fn floor_char(s: &str, mut at: usize) -> usize {
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

// ---------------------------------------------------------------------------
// The comparison's own tests (no Helm needed)

#[cfg(test)]
mod masking {
    use super::*;

    fn b64(text: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(text)
    }

    /// A PEM block of `body_len` base64 characters, base64-encoded as a chart
    /// does with `b64enc`.
    fn pem(kind: &str, body: char, body_len: usize) -> String {
        let body: String = std::iter::repeat_n(body, body_len).collect();
        b64(&format!(
            "-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n"
        ))
    }

    #[test]
    fn random_values_of_the_same_shape_agree() {
        for (helm, ours, why) in [
            (
                "password: \"aGVsbG8xMjM0NQ==\"",
                "password: \"Zm9vYmFyMTIzNA==\"",
                "b64enc of randAlphaNum 10",
            ),
            (
                "  password: Xk2pQ9aLmZ",
                "  password: b7TqW3nR0c",
                "randAlphaNum 10",
            ),
            (
                "stamp: \"20250101120000\"",
                "stamp: \"20250101120003\"",
                "now | date",
            ),
            ("  .htpasswd: |\n", "  .htpasswd: |\n", "identical"),
            (
                "    tempo:$2a$10$abcdefghijklmnopqrstuv0123456789ABCDEFGHIJKLMNOPQRSTU",
                "    tempo:$2a$10$Zyxwvutsrqponmlkjihgfe9876543210ZYXWVUTSRQPONMLKJIHGF",
                "htpasswd",
            ),
            (
                "uid: 123e4567-e89b-42d3-a456-426614174000",
                "uid: 9f0c1d2e-3b4a-4c5d-8e6f-0a1b2c3d4e5f",
                "uuidv4",
            ),
        ] {
            assert!(lines_match(helm, ours), "{why}: {helm:?} vs {ours:?}");
        }
        // Certificates a few bytes apart in length.
        let (a, b) = (pem("CERTIFICATE", 'A', 1200), pem("CERTIFICATE", 'B', 1204));
        assert!(lines_match(
            &format!("  tls.crt: {a}"),
            &format!("  tls.crt: {b}")
        ));
    }

    #[test]
    fn real_differences_are_still_caught() {
        for (helm, ours, why) in [
            ("type: ClusterIP", "type: NodePort", "another word"),
            (
                "name: kubernetes",
                "name: prometheus",
                "a same-length word of one case",
            ),
            ("name: \"Xk2pQ9aLmZ\"", "name: Xk2pQ9aLmZ", "quoting"),
            (
                "password: \"aGVsbG8xMjM0NQ==\"",
                "password: 'Zm9vYmFyMTIzNA=='",
                "quote style beside a random value",
            ),
            (
                "password: aGVsbG8xMjM0NQ==",
                "secret: Zm9vYmFyMTIzNA==",
                "the key beside a random value",
            ),
            (
                "  password: Xk2pQ9aLmZ",
                "    password: b7TqW3nR0c",
                "indentation",
            ),
            (
                "password: Xk2pQ9aLmZ",
                "password: b7TqW3nR0c1",
                "length of a short random value",
            ),
            (
                "password: Xk2pQ9aLmZ",
                "password: xkzpqwalmz",
                "a value that does not look random",
            ),
            ("replicas: 1", "replicas: 2", "a short number"),
            (
                "    tempo:$2a$10$abcdefghijklmnopqrstuv0123456789ABCDEFGHIJKLMNOPQRSTU",
                "    tempo:$2b$10$Zyxwvutsrqponmlkjihgfe9876543210ZYXWVUTSRQPONMLKJIHGF",
                "bcrypt version",
            ),
        ] {
            assert!(!lines_match(helm, ours), "{why}: {helm:?} vs {ours:?}");
        }
        let cert = pem("CERTIFICATE", 'A', 1200);
        for (other, why) in [
            (pem("RSA PRIVATE KEY", 'A', 1200), "another PEM type"),
            (pem("CERTIFICATE", 'A', 600), "a much shorter certificate"),
        ] {
            assert!(!lines_match(&cert, &other), "{why}");
        }
    }

    #[test]
    fn base64_of_text_is_compared_as_that_text() {
        let config = |timeout: &str| b64(&format!("global:\n  resolve_timeout: {timeout}\n"));
        assert!(!lines_match(
            &format!("  alertmanager.yaml: {}", config("5m")),
            &format!("  alertmanager.yaml: {}", config("10m"))
        ));
        assert!(lines_match(
            &format!("  alertmanager.yaml: {}", config("5m")),
            &format!("  alertmanager.yaml: {}", config("5m"))
        ));
        // `now` as RFC 3339, plain and encoded (Argo CD's admin.passwordMtime).
        assert!(lines_match(
            "t: 2025-11-24T18:35:55Z",
            "t: 2025-11-24T18:36:02Z"
        ));
        assert!(!lines_match(
            "t: 2025-11-24T18:35:55Z",
            "t: 2025-11-24T18:35:55+00:00"
        ));
        assert!(lines_match(
            &b64("2025-11-24T18:35:55Z"),
            &b64("2025-11-24T18:35:59Z")
        ));
        // A digest of random content, as in `checksum/secret` annotations.
        let (d1, d2) = (
            "60e997b7388e397c2a7f5b7f55a4a3114110864893abf56cfd87afa3e05e0d54",
            "eb970ff536eef9c8b754ee9f8c89111c9e36bcd6778b08bba74a898d076e3dfc",
        );
        assert!(lines_match(
            &format!("checksum/secret: {d1}"),
            &format!("checksum/secret: {d2}")
        ));
        assert!(!lines_match(
            &format!("checksum/secret: {d1}"),
            &format!("checksum/secret: {}", &d2[..40])
        ));
        // Base64 of binary is random only when short: a changed SSH key is not.
        let key = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
        assert!(!lines_match(key, &key.replace('q', "r")));
    }

    #[test]
    fn a_changed_configuration_inside_base64_is_shown_decoded() {
        let line = |body: &str| format!("  config: {}", b64(body));
        let helm = line("a: 1\nb: 2\n");
        let ours = line("a: 1\nb: \"2\"\n");
        let excerpt = diff_excerpt(&helm, &ours).expect("they differ");
        assert!(
            excerpt.ends_with("decoded base64: 2 diff lines\n        @@ -2 +2 @@\n         a: 1\n        -b: 2\n        +b: \"2\"\n"),
            "{excerpt}"
        );
    }

    #[test]
    fn files_differing_only_in_random_values_agree() {
        let helm = "kind: Secret\ndata:\n  password: \"aGVsbG8xMjM0NQ==\"\n";
        let ours = "kind: Secret\ndata:\n  password: \"Zm9vYmFyMTIzNA==\"\n";
        assert_eq!(diff_excerpt(helm, ours), None);
    }

    #[test]
    fn a_diff_shows_the_differing_lines_with_context() {
        let helm = "a: 1\nb: 2\nc: 3\nd: 4\n";
        let ours = "a: 1\nb: 2\nc: three\nd: 4\nextra: x\n";
        let excerpt = diff_excerpt(helm, ours).expect("they differ");
        assert_eq!(
            excerpt,
            "3 diff lines\n    @@ -3 +3 @@\n     b: 2\n    -c: 3\n    +c: three\n    @@ -5 +5 @@\n     d: 4\n    +extra: x\n"
        );
    }

    #[test]
    fn both_sides_of_a_long_hunk_are_shown() {
        let helm: String = (0..20).map(|i| format!("helm {i}\n")).collect();
        let ours = "Error: something\n";
        let excerpt = diff_excerpt(&helm, ours).expect("they differ");
        assert!(
            excerpt.contains("    -helm 6\n    +Error: something\n"),
            "{excerpt}"
        );
        assert!(
            excerpt.ends_with("… and 13 more - lines, 0 more + lines in this hunk\n"),
            "{excerpt}"
        );
    }

    #[test]
    fn long_lines_are_shown_around_their_difference() {
        let helm = format!("{}X{}", "a".repeat(1000), "b".repeat(1000));
        let ours = format!("{}Y{}", "a".repeat(1000), "b".repeat(1000));
        let excerpt = diff_excerpt(&helm, &ours).expect("they differ");
        assert!(
            excerpt.contains(&format!("-…{}X", "a".repeat(80))),
            "{excerpt}"
        );
        assert!(
            excerpt.contains(&format!("+…{}Y", "a".repeat(80))),
            "{excerpt}"
        );
        assert!(
            excerpt.contains("[2001 chars, from column 921]"),
            "{excerpt}"
        );
    }

    #[test]
    fn schema_violations_are_compared_by_chart_and_path() {
        let helm = "values don't meet the specifications of the schema(s) in the following \
                    chart(s):\nnginx:\n- at '/replicaCount': got string, want integer\n";
        let ours = "values don't meet the specifications of the schema(s) in the following \
                    chart(s): `nginx`: at '/replicaCount': \"three\" is not of type \"integer\"";
        assert_eq!(compare(&Err(helm.into()), &Err(ours.into())), None);
        let other_path = ours.replace("/replicaCount", "/image");
        assert!(compare(&Err(helm.into()), &Err(other_path)).is_some());
        let other_chart = ours.replace("`nginx`", "`common`");
        assert!(compare(&Err(helm.into()), &Err(other_chart)).is_some());
        assert_eq!(
            schema_failures(
                "values don't meet the specifications of the schema(s) in the following \
                 chart(s):\nredis:\n- at '/a': x\n- at '/b': y\ncommon:\n- at '/c': z\n"
            ),
            Some(BTreeSet::from([
                ("common".into(), "/c".into()),
                ("redis".into(), "/a".into()),
                ("redis".into(), "/b".into()),
            ]))
        );
    }

    #[test]
    fn errors_and_paths_are_compared() {
        let files = |pairs: &[(&str, &str)]| -> Result<Rendered, String> {
            Ok(pairs
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect())
        };
        assert_eq!(compare(&Err("boom".into()), &Err("boom".into())), None);
        assert!(compare(&Err("boom".into()), &Err("bang".into())).is_some());
        assert!(compare(&Err("boom".into()), &files(&[])).is_some());
        let report = compare(
            &files(&[("c/a", "x"), ("c/b", "y")]),
            &files(&[("c/a", "x"), ("c/c", "y")]),
        )
        .expect("paths differ");
        assert!(report.starts_with("2 of 3 files differ\n"), "{report}");
        assert!(report.contains("only in Helm: c/b") && report.contains("only in windlass: c/c"));
    }
}
