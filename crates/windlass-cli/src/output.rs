//! What goes to stdout, in Helm's formats: the status block, history and list
//! tables (and their JSON/YAML elements), the plan, template output.

use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset, Local};
use serde::Serialize;
use windlass_chart::{HookEvent, Timestamp};
use windlass_engine::Plan;
use windlass_release::Release;

use crate::args::Output;

/// Writes `value` as JSON (one line, like Go's `json.Encoder`) or YAML.
pub fn data<T: Serialize>(value: &T, format: Output) -> anyhow::Result<String> {
    Ok(match format {
        Output::Json | Output::Table => format!("{}\n", serde_json::to_string(value)?),
        Output::Yaml => serde_yaml::to_string(value)?,
    })
}

/// Go's `time.ANSIC` in local time: `Mon Jan _2 15:04:05 2006`.
fn ansic(ts: &Timestamp) -> String {
    ts.0.with_timezone(&Local)
        .format("%a %b %e %H:%M:%S %Y")
        .to_string()
}

/// Go's `time.Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`.
fn go_time_string(ts: &Timestamp) -> String {
    let t: DateTime<FixedOffset> = ts.0;
    let mut out = t.format("%Y-%m-%d %H:%M:%S").to_string();
    let nanos = t.timestamp_subsec_nanos();
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    let offset = t.format("%z").to_string();
    let zone = if t.offset().local_minus_utc() == 0 {
        "UTC".to_string()
    } else {
        offset.clone()
    };
    let _ = write!(out, " {offset} {zone}");
    out
}

/// Helm's status block (`pkg/cmd/status.go`).
pub fn status(release: &Release, show_notes: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "NAME: {}", release.name);
    if let Some(ts) = &release.info.last_deployed {
        let _ = writeln!(out, "LAST DEPLOYED: {}", ansic(ts));
    }
    let _ = writeln!(out, "NAMESPACE: {}", release.namespace);
    let _ = writeln!(out, "STATUS: {}", release.info.status);
    let _ = writeln!(out, "REVISION: {}", release.version);
    let _ = writeln!(out, "DESCRIPTION: {}", release.info.description);

    let tests: Vec<_> = release
        .hooks
        .iter()
        .filter(|h| h.runs_at(HookEvent::Test))
        .collect();
    if tests.is_empty() {
        out.push_str("TEST SUITE: None\n");
    }
    for hook in tests {
        let Some(started) = &hook.last_run.started_at else {
            continue;
        };
        let completed = hook
            .last_run
            .completed_at
            .as_ref()
            .map_or_else(|| "-".to_string(), ansic);
        let _ = write!(
            out,
            "TEST SUITE:     {}\nLast Started:   {}\nLast Completed: {}\nPhase:          {}\n",
            hook.name,
            ansic(started),
            completed,
            hook.last_run.phase
        );
    }

    if release
        .info
        .description
        .eq_ignore_ascii_case("Dry run complete")
    {
        out.push_str("HOOKS:\n");
        for hook in &release.hooks {
            let _ = writeln!(out, "---\n# Source: {}\n{}", hook.path, hook.manifest);
        }
        let _ = writeln!(out, "MANIFEST:\n{}", release.manifest);
    }
    if show_notes && !release.info.notes.trim().is_empty() {
        let _ = writeln!(out, "NOTES:\n{}", release.info.notes.trim());
    }
    out
}

/// A table as Helm's `uitable` prints it: cells padded to the column width,
/// joined by tabs.
pub fn table(header: &[&str], rows: &[Vec<String>], with_header: bool) -> String {
    table_within(header, rows, with_header, usize::MAX)
}

/// [`table`] with uitable's `MaxColWidth`: a longer cell keeps its first
/// `max_width - 3` characters and ends in `...`.
fn table_within(
    header: &[&str],
    rows: &[Vec<String>],
    with_header: bool,
    max_width: usize,
) -> String {
    let mut all: Vec<Vec<String>> = Vec::new();
    if with_header {
        all.push(header.iter().map(ToString::to_string).collect());
    }
    all.extend(rows.iter().map(|row| {
        row.iter()
            .map(|cell| {
                if cell.chars().count() > max_width {
                    let kept: String = cell.chars().take(max_width.saturating_sub(3)).collect();
                    format!("{kept}...")
                } else {
                    cell.clone()
                }
            })
            .collect()
    }));
    let mut widths = vec![0; header.len()];
    for row in &all {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &all {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = widths[i]))
            .collect();
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    out
}

fn chart_label(release: &Release) -> String {
    format!(
        "{}-{}",
        release.chart.metadata.name, release.chart.metadata.version
    )
}

/// One row of `history -o json`.
#[derive(Serialize)]
pub struct HistoryEntry {
    revision: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated: Option<String>,
    status: String,
    chart: String,
    app_version: String,
    description: String,
}

/// `history`: the newest `max` revisions, oldest first.
pub fn history(releases: &[Release], max: usize, format: Output) -> anyhow::Result<String> {
    let start = releases.len().saturating_sub(max);
    let shown = &releases[start..];
    if format != Output::Table {
        let entries: Vec<HistoryEntry> = shown
            .iter()
            .map(|r| HistoryEntry {
                revision: r.version,
                updated: r.info.last_deployed.map(|t| t.to_string()),
                status: r.info.status.to_string(),
                chart: chart_label(r),
                app_version: r.chart.metadata.app_version.clone(),
                description: r.info.description.clone(),
            })
            .collect();
        return data(&entries, format);
    }
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|r| {
            vec![
                r.version.to_string(),
                r.info
                    .last_deployed
                    .as_ref()
                    .map_or_else(String::new, ansic),
                r.info.status.to_string(),
                chart_label(r),
                r.chart.metadata.app_version.clone(),
                r.info.description.clone(),
            ]
        })
        .collect();
    // Helm's `history` caps its columns at 60 (`-o json` has the full text).
    Ok(table_within(
        &[
            "REVISION",
            "UPDATED",
            "STATUS",
            "CHART",
            "APP VERSION",
            "DESCRIPTION",
        ],
        &rows,
        true,
        60,
    ))
}

/// One row of `list -o json` (Helm writes the revision as a string).
#[derive(Serialize)]
pub struct ListEntry {
    name: String,
    namespace: String,
    revision: String,
    updated: String,
    status: String,
    chart: String,
    app_version: String,
}

/// `list`.
pub fn list(
    releases: &[Release],
    short: bool,
    headers: bool,
    format: Output,
) -> anyhow::Result<String> {
    if short {
        if format == Output::Table {
            return Ok(releases.iter().map(|r| format!("{}\n", r.name)).collect());
        }
        let names: Vec<&str> = releases.iter().map(|r| r.name.as_str()).collect();
        return data(&names, format);
    }
    let entries: Vec<ListEntry> = releases
        .iter()
        .map(|r| ListEntry {
            name: r.name.clone(),
            namespace: r.namespace.clone(),
            revision: r.version.to_string(),
            updated: r
                .info
                .last_deployed
                .as_ref()
                .map_or_else(|| "-".to_string(), go_time_string),
            status: r.info.status.to_string(),
            chart: chart_label(r),
            app_version: r.chart.metadata.app_version.clone(),
        })
        .collect();
    if format != Output::Table {
        return data(&entries, format);
    }
    let rows: Vec<Vec<String>> = entries
        .into_iter()
        .map(|e| {
            vec![
                e.name,
                e.namespace,
                e.revision,
                e.updated,
                e.status,
                e.chart,
                e.app_version,
            ]
        })
        .collect();
    Ok(table(
        &[
            "NAME",
            "NAMESPACE",
            "REVISION",
            "UPDATED",
            "STATUS",
            "CHART",
            "APP VERSION",
        ],
        &rows,
        headers,
    ))
}

/// `hook run`: the verdict, findings and logs.
pub fn hook_report(report: &windlass_wasm::Report, format: Output) -> anyhow::Result<String> {
    if format != Output::Table {
        let mut value = match &report.result {
            Ok(verdict) => serde_json::to_value(verdict)?,
            Err(failure) => serde_json::json!({"error": failure.to_string()}),
        };
        if let Some(map) = value.as_object_mut() {
            map.insert("logs".into(), serde_json::to_value(&report.logs)?);
        }
        return data(&value, format);
    }
    let mut out = String::new();
    match &report.result {
        Ok(verdict) => {
            let _ = writeln!(
                out,
                "VERDICT: {}",
                if verdict.allowed { "allowed" } else { "denied" }
            );
            for finding in &verdict.findings {
                let _ = writeln!(out, "  {finding}");
            }
            for object in &verdict.create {
                let kind = object
                    .get("kind")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default();
                let name = object
                    .pointer("/metadata/name")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default();
                let _ = writeln!(out, "  creates {kind}/{name}");
            }
        }
        Err(failure) => {
            let _ = writeln!(out, "VERDICT: error: {failure}");
        }
    }
    if !report.logs.is_empty() {
        out.push_str("LOGS:\n");
        for line in &report.logs {
            let _ = writeln!(out, "  {line}");
        }
    }
    Ok(out)
}

/// `plan` as tables.
pub fn plan_table(plan: &Plan) -> String {
    let mut rows = Vec::new();
    for (event, hooks) in &plan.hooks {
        if hooks.is_empty() {
            rows.push(vec![
                event.to_string(),
                "-".into(),
                "(no hooks)".into(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
        for h in hooks {
            rows.push(vec![
                event.to_string(),
                h.weight.to_string(),
                h.kind.clone(),
                h.name.clone(),
                h.runtime.to_string(),
                h.delete_policies.join(","),
            ]);
        }
    }
    let mut out = String::from("HOOKS\n");
    out.push_str(&table(
        &[
            "EVENT",
            "WEIGHT",
            "KIND",
            "NAME",
            "RUNTIME",
            "DELETE POLICIES",
        ],
        &rows,
        true,
    ));
    out.push_str("\nRESOURCES\n");
    let rows: Vec<Vec<String>> = plan
        .resources
        .iter()
        .map(|r| vec![r.kind.clone(), r.name.clone(), r.namespace.clone()])
        .collect();
    out.push_str(&table(&["KIND", "NAME", "NAMESPACE"], &rows, true));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_time_formats() {
        let ts = Timestamp::parse("2016-01-16T00:00:01.5Z").unwrap();
        assert_eq!(go_time_string(&ts), "2016-01-16 00:00:01.5 +0000 UTC");
        let ts = Timestamp::parse("2016-01-16T00:00:01+05:30").unwrap();
        assert_eq!(go_time_string(&ts), "2016-01-16 00:00:01 +0530 +0530");
    }

    #[test]
    fn tables_pad_every_cell() {
        let out = table(&["A", "BB"], &[vec!["long".into(), "x".into()]], true);
        assert_eq!(out, "A   \tBB\nlong\tx \n");
    }

    #[test]
    fn capped_tables_cut_long_cells_like_uitable() {
        let out = table_within(
            &["A"],
            &[vec!["abcdefgh".into()], vec!["abcdef".into()]],
            true,
            6,
        );
        assert_eq!(out, "A     \nabc...\nabcdef\n");
    }
}
