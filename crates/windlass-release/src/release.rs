//! The release record in Helm's JSON shape (`pkg/release/v1/release.go`,
//! `info.go`, `pkg/release/common/status.go`).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use windlass_chart::timestamp::{self, Timestamp};
use windlass_chart::{Chart, Hook, Values};

/// The state of one revision of a release.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Status {
    /// In an uncertain state.
    #[default]
    Unknown,
    /// Deployed; at most one revision of a release is.
    Deployed,
    /// Uninstalled (kept with `--keep-history`).
    Uninstalled,
    /// Replaced by a later revision.
    Superseded,
    /// Failed.
    Failed,
    /// An uninstall is under way.
    Uninstalling,
    /// An install is under way.
    PendingInstall,
    /// An upgrade is under way.
    PendingUpgrade,
    /// A rollback is under way.
    PendingRollback,
}

impl Status {
    /// Every status, in Helm's declaration order.
    pub const ALL: [Status; 9] = [
        Status::Unknown,
        Status::Deployed,
        Status::Uninstalled,
        Status::Superseded,
        Status::Failed,
        Status::Uninstalling,
        Status::PendingInstall,
        Status::PendingUpgrade,
        Status::PendingRollback,
    ];

    /// The status as Helm writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unknown => "unknown",
            Status::Deployed => "deployed",
            Status::Uninstalled => "uninstalled",
            Status::Superseded => "superseded",
            Status::Failed => "failed",
            Status::Uninstalling => "uninstalling",
            Status::PendingInstall => "pending-install",
            Status::PendingUpgrade => "pending-upgrade",
            Status::PendingRollback => "pending-rollback",
        }
    }

    /// Parses Helm's spelling; anything else is `None`.
    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Helm's `IsPending`: an install, upgrade or rollback is (or was, if its
    /// process died) under way. Helm treats this as a lock on the release.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            Status::PendingInstall | Status::PendingUpgrade | Status::PendingRollback
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Option::<String>::deserialize(d)?.unwrap_or_default();
        if text.is_empty() {
            return Ok(Status::Unknown);
        }
        Status::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown release status `{text}`")))
    }
}

/// Release information (`info`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Info {
    /// When the release was first deployed.
    #[serde(
        default,
        with = "timestamp::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_deployed: Option<Timestamp>,
    /// When this revision was deployed.
    #[serde(
        default,
        with = "timestamp::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_deployed: Option<Timestamp>,
    /// When the release was uninstalled.
    #[serde(
        default,
        with = "timestamp::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub deleted: Option<Timestamp>,
    /// A human-readable log entry (`Install complete`, `Upgrade "x" failed: ...`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The revision's status.
    #[serde(default, skip_serializing_if = "is_unknown")]
    pub status: Status,
    /// Rendered `NOTES.txt`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// Deployed resources as Helm records them (kept verbatim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<serde_json::Value>,
    /// Fields a newer Helm may write; kept so a record is never truncated.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn is_unknown(status: &Status) -> bool {
    *status == Status::Unknown
}

/// One revision of a release: the chart, the values, what was rendered, the
/// hooks and how they last ran.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Release {
    /// The release name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Status, times and description of this revision.
    #[serde(default)]
    pub info: Info,
    /// The chart that was released (without subcharts, as Helm stores it).
    #[serde(default)]
    pub chart: Chart,
    /// The user-supplied values (not the merged ones).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub config: Values,
    /// The rendered resources (`---\n# Source: ...` documents), hooks excluded.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    /// Every hook of the release, in kind order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<Hook>,
    /// The revision number, from 1.
    #[serde(default)]
    pub version: u32,
    /// The namespace the release lives in.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// `ssa` or `csa` (Helm v4); empty means client-side apply.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub apply_method: String,
    /// Storage labels (`--labels`); not part of the JSON, as in Helm.
    #[serde(skip)]
    pub labels: BTreeMap<String, String>,
    /// Fields a newer Helm may write; kept so a record is never truncated.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Release {
    /// Helm's `SetStatus`: status and description together.
    pub fn set_status(&mut self, status: Status, description: impl Into<String>) {
        self.info.status = status;
        self.info.description = description.into();
    }

    /// The storage key Helm uses: `sh.helm.release.v1.<name>.v<version>`.
    pub fn key(&self) -> String {
        storage_key(&self.name, self.version)
    }
}

/// `sh.helm.release.v1.<name>.v<version>` (`pkg/storage/storage.go makeKey`).
pub fn storage_key(name: &str, version: u32) -> String {
    format!("sh.helm.release.v1.{name}.v{version}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_helm_v3_record_with_zero_times() {
        // Helm v3 writes Go's zero time for `deleted`; v4 omits it.
        let json = r#"{"name":"demo","info":{"first_deployed":"2024-01-02T03:04:05.123456789+01:00","last_deployed":"2024-01-02T03:04:05.123456789+01:00","deleted":"0001-01-01T00:00:00Z","description":"Install complete","status":"deployed"},"chart":{"metadata":{"name":"demo","version":"0.1.0","apiVersion":"v2"},"lock":null,"templates":[],"values":null,"schema":null,"files":null},"manifest":"---\n","version":1,"namespace":"default"}"#;
        let r: Release = serde_json::from_str(json).unwrap();
        assert_eq!(r.info.status, Status::Deployed);
        assert!(r.info.deleted.is_none());
        let out = serde_json::to_value(&r).unwrap();
        assert!(out["info"].get("deleted").is_none());
        assert_eq!(
            out["info"]["first_deployed"],
            "2024-01-02T03:04:05.123456789+01:00"
        );
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let json = r#"{"name":"demo","info":{"status":"deployed","rollback_revision":3},"version":2,"future_field":{"x":1}}"#;
        let r: Release = serde_json::from_str(json).unwrap();
        let out = serde_json::to_value(&r).unwrap();
        assert_eq!(out["future_field"], serde_json::json!({"x": 1}));
        assert_eq!(out["info"]["rollback_revision"], 3);
    }

    #[test]
    fn pending_statuses() {
        let pending: Vec<_> = Status::ALL.into_iter().filter(|s| s.is_pending()).collect();
        assert_eq!(
            pending,
            [
                Status::PendingInstall,
                Status::PendingUpgrade,
                Status::PendingRollback
            ]
        );
    }
}
