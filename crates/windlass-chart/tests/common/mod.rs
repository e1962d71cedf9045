//! Helpers shared by the loader's integration tests: comparing a loaded
//! chart with the Helm peer's view, and building chart directories and
//! archives in temporary directories.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::{Path, PathBuf};

use serde_json::Value;
use windlass_chart::Chart;

/// Asserts that `ours` matches the Helm peer's `load` answer in full:
/// metadata, values, schema, template names, file names, subchart names.
pub fn compare_one(helm: &Value, ours: &Chart, label: &str) {
    compare_content(helm, ours, label);
    assert_eq!(
        names(ours.templates.iter().map(|f| &f.name)),
        strings(&helm["templates"]),
        "{label}: templates"
    );
    assert_eq!(
        names(ours.files.iter().map(|f| &f.name)),
        strings(&helm["files"]),
        "{label}: files"
    );
}

/// Everything [`compare_one`] checks but the template and file names.
pub fn compare_content(helm: &Value, ours: &Chart, label: &str) {
    let metadata = serde_json::to_value(&ours.metadata).expect("metadata serialises");
    assert_eq!(metadata, helm["metadata"], "{label}: metadata");
    let values = Value::Object(ours.values.clone());
    let helm_values = if helm["values"].is_null() {
        Value::Object(serde_json::Map::new())
    } else {
        helm["values"].clone()
    };
    assert!(
        json_equal(&values, &helm_values),
        "{label}: values differ\nours: {values}\nhelm: {helm_values}"
    );
    match (&ours.schema, &helm["schema"]) {
        (None, Value::Null) => {}
        (Some(bytes), helm_schema) if !helm_schema.is_null() => {
            let parsed: Value = serde_json::from_slice(bytes).expect("schemas in tests are JSON");
            assert!(json_equal(&parsed, helm_schema), "{label}: schema");
        }
        (ours_schema, helm_schema) => panic!(
            "{label}: schema presence differs (ours {}, Helm {})",
            ours_schema.is_some(),
            !helm_schema.is_null()
        ),
    }
    assert_eq!(
        names(ours.dependencies.iter().map(|d| &d.metadata.name)),
        strings(&helm["dependencies"]),
        "{label}: loaded subcharts"
    );
}

/// Sorted copies of names.
pub fn names<'a>(items: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut out: Vec<String> = items.cloned().collect();
    out.sort();
    out
}

/// A JSON list of strings, sorted.
pub fn strings(value: &Value) -> Vec<String> {
    let mut out: Vec<String> = value
        .as_array()
        .unwrap_or_else(|| panic!("expected a list, got {value}"))
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect();
    out.sort();
    out
}

/// JSON equality where numbers compare by value: Helm holds every number as
/// a float64 and prints `1.0` as `1`.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// Packs a directory, every file, under `top/`, as `helm package` lays out an
/// archive (but without applying `.helmignore`).
pub fn pack_dir(dir: &Path, top: &str) -> Vec<u8> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    builder.follow_symlinks(true);
    builder.append_dir_all(top, dir).expect("pack chart");
    builder
        .into_inner()
        .expect("finish tar")
        .finish()
        .expect("finish gzip")
}

/// An archive entry: a name stored verbatim (no checks, so hostile names can
/// be written), and the data; a name ending in `/` is a directory.
pub type Entry<'a> = (&'a str, &'a [u8]);

/// Builds a `.tgz` from entries, writing names byte for byte.
pub fn tgz(entries: &[Entry<'_>]) -> Vec<u8> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    for (name, data) in entries {
        builder
            .append(&header(name, data.len() as u64), *data)
            .expect("append entry");
    }
    builder
        .into_inner()
        .expect("finish tar")
        .finish()
        .expect("finish gzip")
}

/// A GNU tar header for `name` claiming `size` bytes.
pub fn header(name: &str, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    let bytes = name.as_bytes();
    assert!(bytes.len() < 100, "short names only");
    header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
    if name.ends_with('/') {
        header.set_entry_type(tar::EntryType::Directory);
        header.set_mode(0o755);
        header.set_size(0);
    } else {
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o644);
        header.set_size(size);
    }
    header.set_mtime(1_700_000_000);
    header.set_cksum();
    header
}

/// Writes files (name → contents) under `root`, creating directories.
pub fn write_tree(root: &Path, files: &[(&str, &[u8])]) {
    for (name, data) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(&path, data).expect("write fixture file");
    }
}

/// A chart directory named `name` inside a fresh temporary directory.
pub fn chart_dir(name: &str, files: &[(&str, &[u8])]) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().expect("temp dir");
    let root = temp.path().join(name);
    std::fs::create_dir_all(&root).expect("mkdir chart");
    write_tree(&root, files);
    (temp, root)
}

/// Removes modification times, which differ between a directory and an
/// archive of it, so two loads can be compared.
pub fn without_modtimes(mut chart: Chart) -> Chart {
    for file in chart.templates.iter_mut().chain(chart.files.iter_mut()) {
        file.modtime = None;
    }
    chart.dependencies = chart
        .dependencies
        .into_iter()
        .map(without_modtimes)
        .collect();
    chart
}
