//! Shared test fixtures: sample releases and every driver behind `Arc<dyn Driver>`.

use std::sync::Arc;

use windlass_chart::{Chart, File, Hook, HookEvent, Timestamp};

use crate::{Driver, LocalDriver, MemoryDriver, Release, Status};

/// A release with enough content (chart, values, hooks) to exercise the JSON.
pub fn sample_release(namespace: &str, name: &str, version: u32, status: Status) -> Release {
    let mut chart = Chart::default();
    chart.metadata.name = name.into();
    chart.metadata.version = "0.1.0".into();
    chart.metadata.api_version = "v2".into();
    chart
        .templates
        .push(File::new("templates/cm.yaml", "kind: ConfigMap\n"));
    let mut release = Release {
        name: name.into(),
        namespace: namespace.into(),
        version,
        chart,
        manifest: format!("---\n# Source: {name}/templates/cm.yaml\nkind: ConfigMap\n"),
        hooks: vec![Hook {
            name: format!("{name}-test"),
            kind: "Pod".into(),
            path: format!("{name}/templates/tests/t.yaml"),
            manifest: "kind: Pod\n".into(),
            events: vec![HookEvent::Test],
            ..Hook::default()
        }],
        ..Release::default()
    };
    release
        .config
        .insert("replicaCount".into(), serde_json::json!(version));
    release.info.first_deployed = Timestamp::parse("2024-05-01T10:00:00.5+02:00");
    release.info.last_deployed = Timestamp::parse("2024-05-01T10:00:00.5+02:00");
    release.set_status(status, format!("revision {version}"));
    release
}

/// A driver under test with whatever keeps it alive (the local driver's directory).
pub struct TestDriver {
    /// `memory` or `local`.
    pub label: &'static str,
    /// The driver.
    pub driver: Arc<dyn Driver>,
    _dir: Option<tempfile::TempDir>,
}

/// One fresh instance of every driver.
pub fn drivers() -> Vec<TestDriver> {
    let dir = tempfile::tempdir().expect("temp dir");
    vec![
        TestDriver {
            label: "memory",
            driver: Arc::new(MemoryDriver::new()),
            _dir: None,
        },
        TestDriver {
            label: "local",
            driver: Arc::new(LocalDriver::new(dir.path().join("state"))),
            _dir: Some(dir),
        },
    ]
}
