//! The fuzz targets' bodies (`fuzz/src/lib.rs`) on a deterministic corpus, so
//! the normal suite runs them on stable: hand-written seeds, the templates and
//! values files of the chart corpus when it is present, and mutants of them
//! (bytes changed, dictionary tokens inserted, ranges cut, copied or spliced
//! from another seed). Real fuzzing is `cargo +nightly fuzz run TARGET`
//! (docs/testing.md); an input that fails here is written under
//! `CARGO_TARGET_TMPDIR` to replay with it.

#[path = "../fuzz/src/lib.rs"]
mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// Mutants per target, on top of the seeds: enough to reach past the seeds'
/// happy paths, few enough for an unoptimized test build.
const MUTANTS: usize = 2000;

/// Corpus files larger than this are left out (CRDs and the largest values
/// files): they are plain YAML, and they would dominate the run time.
const MAX_SEED_BYTES: u64 = 16 * 1024;

#[test]
fn lex_parse_never_panics() {
    let inputs = text_inputs(template_seeds(), 0x1e4a);
    run("lex_parse", &inputs, targets::lex_parse);
}

#[test]
fn render_template_never_panics() {
    let inputs = text_inputs(template_seeds(), 0x7e4d);
    run("render_template", &inputs, targets::render_template);
}

#[test]
fn to_yaml_never_panics() {
    let mut seeds: Vec<Vec<u8>> = JSON_SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect();
    seeds.extend(corpus_files(|path| {
        path.file_name()
            .is_some_and(|n| n == "values.yaml" || n == "Chart.yaml")
    }));
    // Random bytes too: the value builder reads any bytes as a value tree.
    let mut rng = Rng(0x9a31);
    seeds.extend((0..64).map(|_| {
        let len = rng.below(256);
        (0..len).map(|_| rng.byte()).collect()
    }));
    let inputs = mutants(&seeds, 0x7a41);
    run("to_yaml", &inputs, targets::to_yaml);
}

/// Runs `body` on every input; a panic names the input and where it was saved.
fn run<T: AsRef<[u8]> + ?Sized>(target: &str, inputs: &[Box<T>], body: impl Fn(&T)) {
    for (i, input) in inputs.iter().enumerate() {
        if catch_unwind(AssertUnwindSafe(|| body(input))).is_err() {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-smoke");
            std::fs::create_dir_all(&dir).expect("create the crash directory");
            let file = dir.join(format!("{target}-{i}"));
            std::fs::write(&file, input.as_ref()).expect("save the crashing input");
            panic!(
                "{target} panicked on input {i}, saved to {}; replay it with \
                 `cargo +nightly fuzz run {target} {}`",
                file.display(),
                file.display()
            );
        }
    }
}

/// The seeds and their mutants as text: templates are UTF-8 (the fuzz
/// targets skip other inputs).
fn text_inputs(seeds: Vec<Vec<u8>>, seed: u64) -> Vec<Box<str>> {
    mutants(&seeds, seed)
        .into_iter()
        .map(|bytes| String::from_utf8_lossy(&bytes).into())
        .collect()
}

/// Templates written to reach each construct of the language, then every
/// file under a `templates/` folder of the chart corpus.
fn template_seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = TEMPLATE_SEEDS
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    seeds.extend(corpus_files(|path| {
        path.parent()
            .and_then(Path::file_name)
            .is_some_and(|n| n == "templates")
    }));
    seeds
}

const TEMPLATE_SEEDS: [&str; 12] = [
    "plain text, no action\n",
    "name: {{ .Values.name }}-{{ .Release.Name | upper | quote }}\n",
    "{{- if .Values.enabled }}on{{ else if .Values.big }}big{{ else }}off{{ end -}}\n",
    "{{ range $i, $p := .Values.ports }}{{ $i }}={{ $p }},{{ else }}none{{ end }}\n",
    "{{ with .Values.image }}{{ .repository }}:{{ .tag | default \"latest\" }}{{ end }}\n",
    "{{ define \"x\" }}[{{ . }}]{{ end }}{{ template \"x\" 3 }}{{ block \"y\" . }}b{{ end }}\n",
    "labels:\n  {{- include \"fuzz.labels\" . | nindent 2 }}\n",
    "{{ $x := 1 }}{{ $x = add $x 2 }}{{ printf \"%d %s %v %q\" $x \"s\" .Values.env 'c' }}\n",
    "{{/* comment */}}{{ `raw {{ }}` }}{{ 0x1F }} {{ 1e3 }} {{ -1.5 }} {{ 1_000 }}\n",
    "{{ toYaml .Values | indent 2 }}\n{{ (fromYaml \"a: [1, {b: c}]\").a }}\n",
    "{{ tpl \"{{ .Values.name }}\" . }} {{ .Files.Get \"files/config.ini\" }} {{ .Template.Name }}\n",
    "{{ range until 3 }}{{ if eq . 1 }}{{ continue }}{{ end }}{{ . }}{{ break }}{{ end }}\n",
];

const JSON_SEEDS: [&str; 6] = [
    "null",
    "{\"a\": 1, \"b\": [true, null, 1e300, -0.0], \"c\": {\"d\": \"1:20\"}}",
    "[\"yes\", \"~\", \"\", \"multi\\nline\\n\", \" lead\", \"a: b\", \"# c\"]",
    "{\"\": {\"\": []}, \"key with spaces\": \"\\u00e9\\ufeff\", \"10\": 10, \"9\": 9}",
    "\"\\t\\r\\n\\u0000\\u001b\"",
    "123456789012345678901234567890",
];

/// Files of the chart corpus (if present) whose path matches `keep`, in
/// path order.
fn corpus_files(keep: impl Fn(&Path) -> bool) -> Vec<Vec<u8>> {
    let Some(dir) = windlass_testsupport::corpus_dir() else {
        return Vec::new();
    };
    let mut paths = Vec::new();
    walk(&dir, &mut paths);
    paths.retain(|p| keep(p) && p.metadata().is_ok_and(|m| m.len() <= MAX_SEED_BYTES));
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read(p).expect("read a corpus file"))
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read a corpus directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The seeds, then `MUTANTS` mutants of them, each 1 to 4 random edits of a
/// random seed.
fn mutants(seeds: &[Vec<u8>], seed: u64) -> Vec<Box<[u8]>> {
    let tokens = dictionary();
    let mut rng = Rng(seed);
    let mut out: Vec<Box<[u8]>> = seeds.iter().map(|s| s.clone().into()).collect();
    for _ in 0..MUTANTS {
        let mut input = seeds[rng.below(seeds.len())].clone();
        for _ in 0..=rng.below(4) {
            let at = rng.below(input.len() + 1);
            match rng.below(6) {
                0 if at < input.len() => input[at] = rng.byte(),
                1 => {
                    let token = &tokens[rng.below(tokens.len())];
                    input.splice(at..at, token.iter().copied());
                }
                2 => {
                    let end = (at + rng.below(16)).min(input.len());
                    input.drain(at..end);
                }
                3 => {
                    let end = (at + rng.below(64)).min(input.len());
                    let copy = input[at..end].to_vec();
                    let to = rng.below(input.len() + 1);
                    input.splice(to..to, copy);
                }
                4 => {
                    let other = &seeds[rng.below(seeds.len())];
                    let from = rng.below(other.len() + 1);
                    input.truncate(at);
                    input.extend_from_slice(&other[from..]);
                }
                _ => input.truncate(at),
            }
        }
        out.push(input.into());
    }
    out
}

/// The tokens of `fuzz/template.dict`, the dictionary libFuzzer gets.
fn dictionary() -> Vec<Vec<u8>> {
    include_str!("../fuzz/template.dict")
        .lines()
        .filter_map(|line| line.strip_prefix('"')?.strip_suffix('"'))
        .map(unescape)
        .collect()
}

/// libFuzzer's dictionary escapes: `\\`, `\"` and `\xNN`.
fn unescape(token: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut bytes = token.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'x') => {
                let hex: Vec<u8> = bytes.by_ref().take(2).collect();
                let hex = std::str::from_utf8(&hex).expect("ASCII hex digits");
                out.push(u8::from_str_radix(hex, 16).expect("a \\xNN escape"));
            }
            Some(escaped) => out.push(escaped),
            None => out.push(b'\\'),
        }
    }
    out
}

/// SplitMix64: a fixed, dependency-free sequence, so every run tests the same
/// inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("below n, which is a usize")
    }

    fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[0]
    }
}
