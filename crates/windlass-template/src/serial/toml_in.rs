//! Helm's `fromToml`: BurntSushi/toml decoding into `map[string]interface{}`.
//! Integers are int64 (not float64 as from YAML or JSON), datetimes are Go
//! `time.Time` values. The text is read by the `toml` crate, so an error
//! names the same line as Helm's but words the problem its own way.

use std::any::Any;
use std::collections::BTreeMap;

use crate::value::{Map, Object, Value};

/// `fromToml`: the table, or a map with the error under `Error`.
pub(super) fn from_toml(text: &str) -> Value {
    match text.parse::<toml::Table>() {
        Ok(table) => table_value(table),
        Err(error) => {
            let line = error.span().map(|span| {
                let before = &text.as_bytes()[..span.start.min(text.len())];
                before.iter().filter(|&&b| b == b'\n').count() + 1
            });
            let at = line.map(|n| format!("line {n}: ")).unwrap_or_default();
            let map = Map::new();
            map.insert(
                "Error",
                Value::String(format!("toml: {at}{}", error.message().trim_end())),
            );
            Value::Map(map)
        }
    }
}

fn table_value(table: toml::Table) -> Value {
    Value::map(
        table
            .into_iter()
            .map(|(k, v)| (k, value(v)))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn value(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(n) => Value::Int64(n),
        toml::Value::Float(x) => Value::Float(x),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::Object(std::rc::Rc::new(GoTime::from(d))),
        toml::Value::Array(items) => Value::list(items.into_iter().map(value).collect()),
        toml::Value::Table(table) => table_value(table),
    }
}

/// A TOML datetime as the Go `time.Time` BurntSushi decodes it into. Local
/// kinds get a zone named `datetime-local`, `date-local` or `time-local`; a
/// local time falls on 0000-01-01.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GoTime {
    date: (u16, u8, u8),
    time: (u8, u8, u8, u32),
    /// Offset east of UTC in minutes, and the zone's name.
    offset_minutes: i16,
    zone: Option<&'static str>,
}

impl From<toml::value::Datetime> for GoTime {
    fn from(d: toml::value::Datetime) -> GoTime {
        let date = d.date.map_or((0, 1, 1), |x| (x.year, x.month, x.day));
        let time = d
            .time
            .map_or((0, 0, 0, 0), |t| (t.hour, t.minute, t.second, t.nanosecond));
        let (offset_minutes, zone) = match (d.offset, d.date, d.time) {
            (Some(toml::value::Offset::Custom { minutes }), _, _) if minutes != 0 => {
                (minutes, None)
            }
            (Some(_), _, _) => (0, Some("UTC")),
            (None, Some(_), Some(_)) => (0, Some("datetime-local")),
            (None, Some(_), None) => (0, Some("date-local")),
            (None, None, _) => (0, Some("time-local")),
        };
        GoTime {
            date,
            time,
            offset_minutes,
            zone,
        }
    }
}

impl GoTime {
    fn clock(&self, fraction_sep: bool) -> String {
        let (y, mo, d) = self.date;
        let (h, mi, s, ns) = self.time;
        let mut text = format!("{y:04}-{mo:02}-{d:02}");
        text.push(if fraction_sep { 'T' } else { ' ' });
        text.push_str(&format!("{h:02}:{mi:02}:{s:02}"));
        if ns > 0 {
            let digits = format!("{ns:09}");
            text.push('.');
            text.push_str(digits.trim_end_matches('0'));
        }
        text
    }

    /// `-0800` style, or `-08:00` with a colon.
    fn offset(&self, colon: bool) -> String {
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        let abs = self.offset_minutes.unsigned_abs();
        let sep = if colon { ":" } else { "" };
        format!("{sign}{:02}{sep}{:02}", abs / 60, abs % 60)
    }
}

impl Object for GoTime {
    fn type_name(&self) -> String {
        "time.Time".into()
    }

    /// Go's `Time.String`: `1979-05-27 07:32:00 -0800 -0800`.
    fn go_string(&self) -> String {
        let zone = self.zone.map_or_else(|| self.offset(false), str::to_string);
        format!("{} {} {zone}", self.clock(false), self.offset(false))
    }

    /// `MarshalJSON`: RFC 3339 with nanoseconds, `Z` for UTC.
    fn to_data(&self) -> Value {
        let offset = if self.offset_minutes == 0 {
            "Z".to_string()
        } else {
            self.offset(true)
        };
        Value::String(format!("{}{offset}", self.clock(true)))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected texts recorded from Helm 4.2.3.
    #[test]
    fn datetimes_print_as_go_times() {
        let v = from_toml(
            "a = 1979-05-27T07:32:00.999Z\nc = 1979-05-27T07:32:00.5\nd = 07:32:01.123456789\n\
             e = 1979-05-27\nf = 1979-05-27 07:32:00+05:30\ng = 1979-05-27T07:32:00-00:00\n",
        );
        assert_eq!(
            v.to_string(),
            "map[a:1979-05-27 07:32:00.999 +0000 UTC c:1979-05-27 07:32:00.5 +0000 datetime-local \
             d:0000-01-01 07:32:01.123456789 +0000 time-local e:1979-05-27 00:00:00 +0000 date-local \
             f:1979-05-27 07:32:00 +0530 +0530 g:1979-05-27 07:32:00 +0000 UTC]"
        );
        let Value::Map(m) = v else { panic!("a map") };
        let Some(Value::Object(f)) = m.get("f") else {
            panic!("a time")
        };
        assert_eq!(f.to_data(), Value::str("1979-05-27T07:32:00+05:30"));
    }

    #[test]
    fn integers_are_int64_and_errors_name_the_line() {
        let v = from_toml("a = 1\nb = [1, 2.5]\n[[t]]\nx = 1\n");
        assert_eq!(v.to_string(), "map[a:1 b:[1 2.5] t:[map[x:1]]]");
        let Value::Map(m) = from_toml("a = 1\nb = \n") else {
            panic!("a map")
        };
        let error = m.get("Error").unwrap().to_string();
        assert!(error.starts_with("toml: line 2: "), "{error}");
    }
}
