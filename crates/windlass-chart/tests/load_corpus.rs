//! Conformance of chart loading with real Helm v4 over the chart corpus: for
//! every chart, and recursively for every vendored subchart, the metadata,
//! values, schema, template names, file names and loaded subchart names must
//! equal what the Helm peer reports (see `compare_tree` for subcharts inside
//! a parent). The same charts packed as `.tgz` (with
//! every file, since Helm does not apply `.helmignore` to archives) must load
//! like Helm loads those archives.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;
use windlass_chart::Chart;
use windlass_chart::ignore::Rules;
use windlass_testsupport::{HelmPeer, corpus_charts, helm_peer};

use common::{compare_content, compare_one, names, pack_dir, strings};

#[test]
fn corpus_directories_load_like_helm() {
    let Some(charts) = corpus_charts() else {
        return;
    };
    let Some(peer) = helm_peer() else { return };
    assert!(!charts.is_empty(), "the corpus has charts");
    let mut compared = 0;
    for dir in &charts {
        let ours = windlass_chart::load(dir).unwrap_or_else(|e| panic!("loading {e}"));
        compared += compare_tree(&peer, dir, &ours, &dir.display().to_string());
    }
    assert!(
        compared > charts.len(),
        "subcharts were compared too ({compared} charts)"
    );
}

#[test]
fn corpus_archives_load_like_helm() {
    let Some(charts) = corpus_charts() else {
        return;
    };
    let Some(peer) = helm_peer() else { return };
    let temp = tempfile::tempdir().expect("temp dir");
    for dir in &charts {
        let name = dir.file_name().expect("chart dir name").to_string_lossy();
        let archive = temp.path().join(format!("{name}.tgz"));
        std::fs::write(&archive, pack_dir(dir, &name)).expect("write archive");
        let ours = windlass_chart::load(&archive).unwrap_or_else(|e| panic!("loading {e}"));
        let helm = peer
            .call("load", &archive, &Value::Null)
            .unwrap_or_else(|e| panic!("Helm cannot load {}: {e}", archive.display()));
        compare_one(&helm, &ours, &archive.display().to_string());
    }
}

/// Compares one chart directory with Helm's view of it, then each vendored
/// subchart twice: loaded on its own (compared in full), and as loaded inside
/// its parent. Inside a parent Helm applies only the top chart's
/// `.helmignore` (to the whole tree), so there a subchart may lack files that
/// Helm's standalone view has, but only files the top chart's rules ignore.
/// Returns how many charts were compared.
fn compare_tree(peer: &HelmPeer, dir: &Path, ours: &Chart, label: &str) -> usize {
    let helm = peer
        .call("load", dir, &Value::Null)
        .unwrap_or_else(|e| panic!("Helm cannot load {label}: {e}"));
    compare_one(&helm, ours, label);
    let rules = top_rules(dir);
    let mut compared = 1;
    for sub_dir in subchart_dirs(dir) {
        let entry = sub_dir
            .file_name()
            .expect("entry name")
            .to_string_lossy()
            .into_owned();
        compared += compare_in_parent(
            peer,
            &sub_dir,
            ours,
            &rules,
            &format!("charts/{entry}"),
            label,
        );
        let standalone = windlass_chart::load(&sub_dir).unwrap_or_else(|e| panic!("loading {e}"));
        compared += compare_tree(peer, &sub_dir, &standalone, &sub_dir.display().to_string());
    }
    compared
}

/// Compares the subchart at `dir` (at `rel` from the top chart) as loaded
/// inside `parent` with Helm's standalone view, recursively.
fn compare_in_parent(
    peer: &HelmPeer,
    dir: &Path,
    parent: &Chart,
    rules: &Rules,
    rel: &str,
    label: &str,
) -> usize {
    let helm = peer
        .call("load", dir, &Value::Null)
        .unwrap_or_else(|e| panic!("Helm cannot load {}: {e}", dir.display()));
    let name = helm["metadata"]["name"].as_str().expect("subchart name");
    let label = format!("{label}/charts/{name} (in parent)");
    let ours = parent
        .dependencies
        .iter()
        .find(|d| d.name() == name)
        .unwrap_or_else(|| panic!("{label}: subchart `{name}` not loaded"));
    compare_content(&helm, ours, &label);
    let ours_templates = names(ours.templates.iter().map(|f| &f.name));
    let ours_files = names(ours.files.iter().map(|f| &f.name));
    for (what, ours_names, helm_names) in [
        ("templates", ours_templates, strings(&helm["templates"])),
        ("files", ours_files, strings(&helm["files"])),
    ] {
        for name in &ours_names {
            assert!(
                helm_names.contains(name),
                "{label}: {what}: `{name}` is not in Helm's view"
            );
        }
        for name in helm_names.iter().filter(|n| !ours_names.contains(n)) {
            assert!(
                ignored_from_top(rules, &format!("{rel}/{name}")),
                "{label}: {what}: `{name}` is missing and not ignored by the top chart"
            );
        }
    }
    let mut compared = 1;
    for sub_dir in subchart_dirs(dir) {
        let entry = sub_dir
            .file_name()
            .expect("entry name")
            .to_string_lossy()
            .into_owned();
        compared += compare_in_parent(
            peer,
            &sub_dir,
            ours,
            rules,
            &format!("{rel}/charts/{entry}"),
            &label,
        );
    }
    compared
}

/// The top chart's `.helmignore` plus Helm's default rule.
fn top_rules(dir: &Path) -> Rules {
    let mut rules = match std::fs::read(dir.join(".helmignore")) {
        Ok(text) => Rules::parse(&text).expect("corpus .helmignore parses"),
        Err(_) => Rules::empty(),
    };
    rules.add_defaults();
    rules
}

/// Whether the walk from the top chart skips `path`: the file itself or one
/// of its directories is ignored.
fn ignored_from_top(rules: &Rules, path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    (1..=parts.len()).any(|n| rules.ignore(&parts[..n].join("/"), n < parts.len()))
}

/// The entries of `charts/` that Helm loads as subcharts.
fn subchart_dirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir.join("charts")) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.expect("readable charts/").path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            !name.starts_with('_')
                && !name.starts_with('.')
                && (p.is_dir() || name.ends_with(".tgz"))
        })
        .collect();
    out.sort();
    out
}
