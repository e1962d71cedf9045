//! Timestamps as Helm writes them: Go's `time.Time` JSON form (RFC 3339 with
//! nanoseconds, trailing zeros trimmed).

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, Local, SecondsFormat, Timelike};
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
        match self.rfc3339_nano() {
            Some(text) => f.write_str(text.as_str()),
            None => self.fmt_through_chrono(f),
        }
    }
}

/// The text of a [`Timestamp`], on the stack.
struct ShortText {
    bytes: [u8; 35],
    len: usize,
}

impl ShortText {
    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    /// `value` (below 100) in two digits.
    fn push2(&mut self, value: u32) {
        self.push(b'0' + u8::try_from(value / 10 % 10).unwrap_or(0));
        self.push(b'0' + u8::try_from(value % 10).unwrap_or(0));
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl Timestamp {
    /// What [`Timestamp::fmt_through_chrono`] writes, written directly (a file's
    /// modification time is formatted for every file of a chart): for a year
    /// of four digits, no leap second and an offset of whole minutes, else
    /// `None`.
    fn rfc3339_nano(&self) -> Option<ShortText> {
        let local = self.0.naive_local();
        let year = u32::try_from(local.year()).ok().filter(|y| *y <= 9999)?;
        let nano = local.nanosecond();
        let offset = self.0.offset().local_minus_utc();
        if nano >= 1_000_000_000 || offset % 60 != 0 {
            return None;
        }
        let mut text = ShortText {
            bytes: [0; 35],
            len: 0,
        };
        text.push2(year / 100);
        text.push2(year % 100);
        text.push(b'-');
        text.push2(local.month());
        text.push(b'-');
        text.push2(local.day());
        text.push(b'T');
        text.push2(local.hour());
        text.push(b':');
        text.push2(local.minute());
        text.push(b':');
        text.push2(local.second());
        if nano > 0 {
            text.push(b'.');
            let mut digits = nano;
            let mut width = 9;
            while digits.is_multiple_of(10) {
                digits /= 10;
                width -= 1;
            }
            for place in (0..width).rev() {
                text.push(b'0' + u8::try_from(digits / 10_u32.pow(place) % 10).unwrap_or(0));
            }
        }
        if offset == 0 {
            text.push(b'Z');
        } else {
            text.push(if offset < 0 { b'-' } else { b'+' });
            let minutes = offset.unsigned_abs() / 60;
            text.push2(minutes / 60);
            text.push(b':');
            text.push2(minutes % 60);
        }
        Some(text)
    }

    fn fmt_through_chrono(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
    fn the_direct_text_is_chronos_text() {
        struct Chrono(Timestamp);
        impl fmt::Display for Chrono {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt_through_chrono(f)
            }
        }
        let mut direct = 0;
        for date in [
            "0000-01-01",
            "0001-02-03",
            "0999-12-31",
            "2024-02-29",
            "9999-12-31",
        ] {
            for time in ["00:00:00", "09:05:07", "23:59:59", "23:59:60"] {
                for fraction in ["", ".1", ".120", ".000000001", ".123456789", ".5"] {
                    for offset in ["Z", "+00:00", "-00:01", "+05:30", "-08:00", "+14:00"] {
                        let text = format!("{date}T{time}{fraction}{offset}");
                        let Some(ts) = Timestamp::parse(&text) else {
                            continue;
                        };
                        direct += usize::from(ts.rfc3339_nano().is_some());
                        assert_eq!(ts.to_string(), Chrono(ts).to_string(), "{text}");
                    }
                }
            }
        }
        assert!(direct > 400, "{direct}");
        // Past the year 9999, before year 0, and an offset with seconds.
        let far = DateTime::from_timestamp(300_000_000_000, 7).unwrap();
        let odd = FixedOffset::east_opt(3_600 + 59).unwrap();
        for ts in [
            Timestamp(far.fixed_offset()),
            Timestamp(
                DateTime::from_timestamp(-63_000_000_000, 0)
                    .unwrap()
                    .fixed_offset(),
            ),
            Timestamp(far.with_timezone(&odd)),
        ] {
            assert!(ts.rfc3339_nano().is_none());
            assert_eq!(ts.to_string(), Chrono(ts).to_string());
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
