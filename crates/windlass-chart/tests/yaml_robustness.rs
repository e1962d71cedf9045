//! The YAML reader never panics, hangs or overflows its stack: every
//! truncation and thousands of seeded mutations of a realistic values file
//! either parse or fail with a one-line error naming the source.

use std::panic::{AssertUnwindSafe, catch_unwind};

use windlass_chart::yaml;

/// A values file using most of what YAML offers.
const REALISTIC: &str = r#"# Default values for demo.
%YAML 1.1
---
replicaCount: 2
enabled: yes
legacy: off
mode: 0755
size: 1_000
ratio: .5
nothing: ~
image: &image
  repository: "registry.example.com/demo"
  tag: 'v1.2.3'
  pullPolicy: IfNotPresent
sidecar:
  <<: *image
  tag: !!str 1.10
ports: [80, 443, {name: metrics, port: 9090}]
env:
  - name: GREETING
    value: "hello\tworld \u00e9 \x41 \\ \" "
  - name: EMPTY
    value: ""
  - {name: FLAG, value: !!bool "true"}
script: |
  #!/bin/sh
  echo "start"	# tab inside a block scalar
  exit 0
folded: >-
  one
  two

  three
? complex key
: value
anchors: &list [a, b, *image]
copies: [*list, *list]
binary: !!binary aGVsbG8gd29ybGQ=
when: 2001-12-14t21:59:43.10-05:00
nested: {a: {b: {c: [1, [2, [3]]]}}}
...
---
second: document
"#;

const INTERESTING: &[u8] = b":-[]{},\"'\t\n\r&*!|>#%@?` \\<=~.0xyn\x00\xff\xc3\xa9";

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }
}

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut data = base.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(data.len() + 1);
        let byte = INTERESTING[rng.below(INTERESTING.len())];
        match rng.below(6) {
            0 if at < data.len() => data[at] = byte,
            1 => data.insert(at, byte),
            2 if at < data.len() => {
                data.remove(at);
            }
            3 => {
                // Repeat a slice: more nesting, more aliases.
                let end = (at + rng.below(40)).min(data.len());
                let slice = data[at..end].to_vec();
                for _ in 0..rng.below(8) {
                    data.splice(at..at, slice.iter().copied());
                }
            }
            4 if at < data.len() => data[at] = u8::try_from(rng.below(256)).unwrap_or(0),
            _ => data.truncate(at),
        }
    }
    data
}

fn check(input: &[u8]) {
    // Speed is not asserted here (timings belong in benchmarks); alias bombs
    // and deep nesting are refused by the parser's counters, tested in
    // `yaml.rs` (`alias_bomb_is_an_error_not_a_hang`).
    let outcome = catch_unwind(AssertUnwindSafe(|| yaml::parse(input, "fuzz.yaml")));
    let Ok(result) = outcome else {
        panic!("panicked on input:\n{:?}", String::from_utf8_lossy(input));
    };
    if let Err(err) = result {
        let message = err.to_string();
        assert!(
            message.starts_with("`fuzz.yaml`") && !message.contains('\n'),
            "{message:?} for {:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn the_realistic_file_reads() {
    let value = yaml::parse(REALISTIC.as_bytes(), "realistic.yaml").expect("parses");
    assert_eq!(value["enabled"], true);
    assert_eq!(value["mode"], 493);
    assert_eq!(value["sidecar"]["repository"], "registry.example.com/demo");
    assert_eq!(value["sidecar"]["tag"], "1.10");
    assert_eq!(value["binary"], "hello world");
    assert!(value.get("second").is_none(), "only the first document");
}

#[test]
fn every_truncation_parses_or_fails_cleanly() {
    let bytes = REALISTIC.as_bytes();
    for end in 0..=bytes.len() {
        check(&bytes[..end]);
        check(&bytes[end..]);
    }
}

/// `WINDLASS_YAML_FUZZ_ROUNDS` runs more (or fewer) than the default 20,000.
#[test]
fn seeded_mutations_parse_or_fail_cleanly() {
    let rounds = std::env::var("WINDLASS_YAML_FUZZ_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..rounds {
        let input = mutate(&mut rng, REALISTIC.as_bytes());
        check(&input);
    }
}
