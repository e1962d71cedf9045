//! Timestamps as Helm writes them: Go's `time.Time` JSON form (RFC 3339 with
//! nanoseconds, trailing zeros trimmed).

use std::fmt;

use chrono::{DateTime, FixedOffset, Local, SecondsFormat};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time, serialised the way Go's `time.Time` marshals to JSON, so
/// release records round-trip through Helm unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<FixedOffset>);

impl Timestamp {
    /// The current local time, as Helm's `time.Now()` records it.
    pub fn now() -> Self {
        Timestamp(Local::now().fixed_offset())
    }

    /// Parses RFC 3339, which is what Go writes and reads.
    pub fn parse(text: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(text).ok().map(Timestamp)
    }

    /// Go's zero time (`0001-01-01T00:00:00Z`), which Helm v3 writes for unset times.
    pub fn is_go_zero(&self) -> bool {
        self.0.timestamp() == GO_ZERO_UNIX
    }
}

/// `0001-01-01T00:00:00Z` as a Unix timestamp.
const GO_ZERO_UNIX: i64 = -62_135_596_800;

impl fmt::Display for Timestamp {
    /// Go's `time.RFC3339Nano`: fractional seconds with trailing zeros trimmed,
    /// `Z` for UTC.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.to_rfc3339_opts(SecondsFormat::Nanos, true);
        // chrono always writes nine digits; Go trims trailing zeros and the dot.
        let (datetime, offset) = match text.rfind(['Z', '+', '-']) {
            Some(i) if i > 19 => text.split_at(i),
            _ => (text.as_str(), ""),
        };
        let datetime = match datetime.split_once('.') {
            Some((whole, frac)) => {
                let frac = frac.trim_end_matches('0');
                if frac.is_empty() {
                    whole.to_string()
                } else {
                    format!("{whole}.{frac}")
                }
            }
            None => datetime.to_string(),
        };
        write!(f, "{datetime}{offset}")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid timestamp `{text}`")))
    }
}

/// Serde helpers for `Option<Timestamp>` fields that Helm v4 omits when zero and
/// older Helm writes as `""` or Go's zero time: all three read back as `None`.
pub mod optional {
    use super::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the timestamp; callers skip `None` with `skip_serializing_if`.
    pub fn serialize<S: Serializer>(
        value: &Option<Timestamp>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(ts) => serializer.collect_str(ts),
            None => serializer.serialize_none(),
        }
    }

    /// Reads a timestamp, mapping `null`, `""` and Go's zero time to `None`.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?;
        match text.as_deref() {
            None | Some("") => Ok(None),
            Some(text) => {
                let ts = Timestamp::parse(text).ok_or_else(|| {
                    serde::de::Error::custom(format!("invalid timestamp `{text}`"))
                })?;
                Ok((!ts.is_go_zero()).then_some(ts))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go_rfc3339nano() {
        // Go trims trailing zeros of the fraction and drops it when zero.
        let cases = [
            ("2024-05-01T10:00:00.120000000Z", "2024-05-01T10:00:00.12Z"),
            ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z"),
            (
                "2024-05-01T10:00:00.000000001+02:00",
                "2024-05-01T10:00:00.000000001+02:00",
            ),
            ("2024-05-01T10:00:00.5-07:30", "2024-05-01T10:00:00.5-07:30"),
        ];
        for (input, want) in cases {
            assert_eq!(Timestamp::parse(input).unwrap().to_string(), want);
        }
    }

    #[test]
    fn go_zero_and_empty_read_as_none() {
        #[derive(serde::Deserialize)]
        struct T {
            #[serde(default, with = "optional")]
            at: Option<Timestamp>,
        }
        for json in [
            r#"{"at":""}"#,
            r#"{"at":"0001-01-01T00:00:00Z"}"#,
            r#"{"at":null}"#,
            "{}",
        ] {
            let t: T = serde_json::from_str(json).unwrap();
            assert!(t.at.is_none(), "{json}");
        }
    }
}
