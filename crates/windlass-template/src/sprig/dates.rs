//! Sprig's date functions and the Go `time.Time` they pass around: `now`,
//! `date`, `dateInZone` (`date_in_zone`), `htmlDate`, `htmlDateInZone`,
//! `dateModify` (`date_modify`), `mustDateModify` (`must_date_modify`), `ago`,
//! `toDate`, `mustToDate`, `unixEpoch`, `duration`, `durationRound`.
//!
//! Formatting and parsing follow Go's `time` package: layouts are written with
//! the reference time `Mon Jan 2 15:04:05 MST 2006` (`2006-01-02`, `Z07:00`,
//! `.000`, `_2`, `PM`...), parse errors read as Go's, and durations print as
//! `1h0m0s`. Zones come from the IANA database (`dateInZone ... "Asia/Tokyo"`).
//!
//! Go's `Local` zone is UTC here: a render must not depend on the machine it
//! runs on, and Helm in a container (and the reference renderer) runs in UTC.

use std::any::Any;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use chrono::{Offset as _, TimeZone as _};
use chrono_tz::OffsetName as _;

use crate::funcs::{Function, Signature, Type};
use crate::value::{Object, Value};

/// Go's type name for [`GoTime`].
const TIME_TYPE: &str = "time.Time";
const NANOS_PER_SECOND: i64 = 1_000_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

pub(super) fn functions() -> Vec<Function> {
    const TIME: Type = Type::Object(TIME_TYPE);
    let f = |name, params: &'static [Type], call| Function {
        name,
        sig: Signature::fixed(params),
        call,
    };
    vec![
        f("now", &[], |_| Ok(GoTime::now().into_value())),
        // As in Sprig, `date` and `htmlDate` show the time in the local zone.
        f("date", &[Type::String, Type::Any], |args| {
            Ok(format_in_zone(string(args, 0), arg(args, 1), "Local"))
        }),
        f(
            "dateInZone",
            &[Type::String, Type::Any, Type::String],
            date_in_zone,
        ),
        f(
            "date_in_zone",
            &[Type::String, Type::Any, Type::String],
            date_in_zone,
        ),
        f("htmlDate", &[Type::Any], |args| {
            Ok(format_in_zone("2006-01-02", arg(args, 0), "Local"))
        }),
        f("htmlDateInZone", &[Type::Any, Type::String], |args| {
            Ok(format_in_zone("2006-01-02", arg(args, 0), string(args, 1)))
        }),
        f("dateModify", &[Type::String, TIME], date_modify),
        f("date_modify", &[Type::String, TIME], date_modify),
        f("mustDateModify", &[Type::String, TIME], must_date_modify),
        f("must_date_modify", &[Type::String, TIME], must_date_modify),
        f("ago", &[Type::Any], |args| {
            let t = match arg(args, 0) {
                Value::Int(secs) | Value::Int64(secs) => GoTime::from_unix(*secs, 0),
                other => as_time(other).cloned().unwrap_or_else(GoTime::now),
            };
            let since = GoTime::now().sub(&t);
            Ok(Value::String(format_duration(round_duration(
                since,
                NANOS_PER_SECOND,
            ))))
        }),
        f("toDate", &[Type::String, Type::String], |args| {
            let t = parse(string(args, 0), string(args, 1)).unwrap_or_else(|_| GoTime::zero());
            Ok(t.into_value())
        }),
        f("mustToDate", &[Type::String, Type::String], |args| {
            parse(string(args, 0), string(args, 1)).map(GoTime::into_value)
        }),
        f("unixEpoch", &[TIME], |args| {
            Ok(Value::String(time_arg(args, 0)?.unix.to_string()))
        }),
        f("duration", &[Type::Any], |args| {
            // Seconds, from an int64 or a decimal string; anything else is 0.
            let seconds = match arg(args, 0) {
                Value::Int64(n) => *n,
                Value::String(s) => go_parse_int(s).unwrap_or(0),
                _ => 0,
            };
            // Go's int64 multiplication wraps.
            Ok(Value::String(format_duration(
                seconds.wrapping_mul(NANOS_PER_SECOND),
            )))
        }),
        f("durationRound", &[Type::Any], |args| {
            let nanos = match arg(args, 0) {
                Value::String(s) => parse_duration(s).unwrap_or(0),
                Value::Int64(n) => *n,
                other => as_time(other).map_or(0, |t| GoTime::now().sub(t)),
            };
            Ok(Value::String(duration_round(nanos)))
        }),
    ]
}

/// Argument `i` (nil if missing, which the signature rules out).
fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Nil)
}

fn string(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or("")
}

fn as_time(value: &Value) -> Option<&GoTime> {
    match value {
        Value::Object(o) => o.as_any().downcast_ref::<GoTime>(),
        _ => None,
    }
}

fn time_arg(args: &[Value], i: usize) -> Result<&GoTime, String> {
    args.get(i)
        .and_then(as_time)
        .ok_or_else(|| format!("expected {TIME_TYPE}"))
}

/// What Sprig's `date` functions make of their date argument: a time, or
/// seconds since the epoch as an `int` or `int64`; anything else is now.
fn time_or_now(value: &Value) -> GoTime {
    match value {
        Value::Int(secs) | Value::Int64(secs) => GoTime::from_unix(*secs, 0),
        other => as_time(other).cloned().unwrap_or_else(GoTime::now),
    }
}

fn date_in_zone(args: &[Value]) -> Result<Value, String> {
    Ok(format_in_zone(
        string(args, 0),
        arg(args, 1),
        string(args, 2),
    ))
}

/// Sprig's `dateInZone`: the date argument (see [`time_or_now`]) in the zone,
/// formatted with the layout.
fn format_in_zone(layout: &str, date: &Value, zone: &str) -> Value {
    Value::String(
        time_or_now(date)
            .in_zone(load_location(zone))
            .format(layout),
    )
}

/// An unparsable duration leaves the time as it is.
fn date_modify(args: &[Value]) -> Result<Value, String> {
    let t = time_arg(args, 1)?;
    Ok(match parse_duration(string(args, 0)) {
        Ok(d) => t.add(d),
        Err(_) => t.clone(),
    }
    .into_value())
}

fn must_date_modify(args: &[Value]) -> Result<Value, String> {
    let t = time_arg(args, 1)?;
    Ok(t.add(parse_duration(string(args, 0))?).into_value())
}

/// Go's `time.LoadLocation`, falling back to UTC as Sprig does when the zone
/// is unknown. `Local` is UTC (see the module documentation).
fn load_location(name: &str) -> Zone {
    match name {
        "" | "UTC" | "Local" => Zone::Utc,
        _ => name.parse().map_or(Zone::Utc, Zone::Tz),
    }
}

/// `strconv.ParseInt(s, 10, 64)`'s value: an optional sign and decimal digits.
fn go_parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A time zone a [`GoTime`] is shown in.
#[derive(Debug, Clone, PartialEq)]
enum Zone {
    /// UTC, which is also Go's `Local` here.
    Utc,
    /// A fixed offset east of UTC in seconds, with its name (`""` for a bare
    /// offset parsed from `+0530`).
    Fixed { name: String, offset: i64 },
    /// An IANA zone.
    Tz(chrono_tz::Tz),
}

impl Zone {
    /// The zone's abbreviation and offset at an instant.
    fn at(&self, unix: i64) -> (String, i64) {
        match self {
            Zone::Utc => ("UTC".into(), 0),
            Zone::Fixed { name, offset } => (name.clone(), *offset),
            Zone::Tz(tz) => {
                // chrono covers about ±262,000 years; the zone's rules are
                // the same at either end of that.
                let clamped = unix.clamp(-8_000_000_000_000, 8_000_000_000_000);
                let utc = chrono::DateTime::from_timestamp(clamped, 0).unwrap_or_default();
                let offset = tz.offset_from_utc_datetime(&utc.naive_utc());
                let seconds = i64::from(offset.fix().local_minus_utc());
                let name = offset
                    .abbreviation()
                    .map_or_else(|| numeric_abbreviation(seconds), str::to_string);
                (name, seconds)
            }
        }
    }
}

/// The tz database's name for a zone without letters: `-03`, `+0530`.
fn numeric_abbreviation(offset: i64) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.abs();
    let (hours, minutes, seconds) = (offset / 3600, offset / 60 % 60, offset % 60);
    match (minutes, seconds) {
        (0, 0) => format!("{sign}{hours:02}"),
        (_, 0) => format!("{sign}{hours:02}{minutes:02}"),
        _ => format!("{sign}{hours:02}{minutes:02}{seconds:02}"),
    }
}

/// A Go `time.Time`: an instant, the zone it is shown in, and for `now` a
/// monotonic clock reading (which `%v` prints as `m=+0.001234567`).
#[derive(Debug, Clone)]
pub(crate) struct GoTime {
    /// Seconds since 1970-01-01 UTC.
    unix: i64,
    /// Nanoseconds within the second.
    nanos: i64,
    zone: Zone,
    /// Nanoseconds since this process first read the clock.
    monotonic: Option<i64>,
}

impl GoTime {
    fn now() -> GoTime {
        static START: OnceLock<Instant> = OnceLock::new();
        let start = *START.get_or_init(Instant::now);
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let monotonic = i64::try_from(start.elapsed().as_nanos()).unwrap_or(i64::MAX);
        GoTime {
            unix: i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX),
            nanos: i64::from(since_epoch.subsec_nanos()),
            zone: Zone::Utc,
            monotonic: Some(monotonic),
        }
    }

    /// `time.Unix(secs, nanos)`, in the local zone.
    fn from_unix(unix: i64, nanos: i64) -> GoTime {
        GoTime {
            unix,
            nanos,
            zone: Zone::Utc,
            monotonic: None,
        }
    }

    /// Go's zero time, January 1 of year 1, UTC.
    fn zero() -> GoTime {
        GoTime::from_unix(-62_135_596_800, 0)
    }

    fn into_value(self) -> Value {
        Value::Object(Rc::new(self))
    }

    /// `t.In(zone)`, which also drops the monotonic reading.
    fn in_zone(&self, zone: Zone) -> GoTime {
        GoTime {
            zone,
            monotonic: None,
            ..self.clone()
        }
    }

    /// `t.Add(d)`: saturating where Go's arithmetic would leave its range.
    fn add(&self, nanos: i64) -> GoTime {
        let total = i128::from(self.unix) * i128::from(NANOS_PER_SECOND)
            + i128::from(self.nanos)
            + i128::from(nanos);
        let seconds = total.div_euclid(i128::from(NANOS_PER_SECOND));
        GoTime {
            unix: i64::try_from(seconds).unwrap_or(if seconds < 0 { i64::MIN } else { i64::MAX }),
            nanos: i64::try_from(total.rem_euclid(i128::from(NANOS_PER_SECOND))).unwrap_or(0),
            zone: self.zone.clone(),
            monotonic: self.monotonic.map(|m| m.saturating_add(nanos)),
        }
    }

    /// `t.Sub(u)` in nanoseconds, saturating as Go's does.
    fn sub(&self, other: &GoTime) -> i64 {
        let diff = (i128::from(self.unix) - i128::from(other.unix)) * i128::from(NANOS_PER_SECOND)
            + i128::from(self.nanos - other.nanos);
        i64::try_from(diff).unwrap_or(if diff < 0 { i64::MIN } else { i64::MAX })
    }

    fn unix_nanos(&self) -> i64 {
        self.unix
            .wrapping_mul(NANOS_PER_SECOND)
            .wrapping_add(self.nanos)
    }

    /// The wall clock in this time's zone.
    fn civil(&self) -> Civil {
        let (zone_name, offset) = self.zone.at(self.unix);
        let local = self.unix.saturating_add(offset);
        let days = local.div_euclid(SECONDS_PER_DAY);
        let clock = local.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            yday: days - days_from_civil(year, 1, 1) + 1,
            // 1970-01-01 was a Thursday; 0 is Sunday.
            weekday: (days + 4).rem_euclid(7),
            hour: clock / 3600,
            minute: clock / 60 % 60,
            second: clock % 60,
            zone_name,
            offset,
        }
    }

    /// `t.Format(layout)`.
    fn format(&self, layout: &str) -> String {
        let c = self.civil();
        let mut out = String::with_capacity(layout.len() + 10);
        let mut rest = layout;
        while !rest.is_empty() {
            let (prefix, std, suffix) = next_std_chunk(rest);
            out.push_str(prefix);
            let Some(std) = std else { break };
            rest = suffix;
            c.append(&mut out, std, self.nanos);
        }
        out
    }

    /// `t.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`, then any
    /// monotonic reading.
    fn string(&self) -> String {
        let mut out = self.format("2006-01-02 15:04:05.999999999 -0700 MST");
        if let Some(m) = self.monotonic {
            let sign = if m < 0 { '-' } else { '+' };
            let m = m.unsigned_abs();
            let (seconds, nanos) = (m / 1_000_000_000, m % 1_000_000_000);
            out.push_str(&format!(" m={sign}{seconds}.{nanos:09}"));
        }
        out
    }
}

/// A time's calendar fields in its zone.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    yday: i64,
    weekday: i64,
    hour: i64,
    minute: i64,
    second: i64,
    zone_name: String,
    offset: i64,
}

const LONG_DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const LONG_MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn month_name(month: i64) -> &'static str {
    usize::try_from(month - 1)
        .ok()
        .and_then(|i| LONG_MONTH_NAMES.get(i))
        .copied()
        .unwrap_or("%!Month")
}

fn day_name(weekday: i64) -> &'static str {
    usize::try_from(weekday)
        .ok()
        .and_then(|i| LONG_DAY_NAMES.get(i))
        .copied()
        .unwrap_or("%!Weekday")
}

/// Go's `appendInt`: a decimal padded with zeros to `width` digits, the sign
/// in front of the padding.
fn push_int(out: &mut String, n: i64, width: usize) {
    if n < 0 {
        out.push('-');
    }
    out.push_str(&format!("{:0width$}", n.unsigned_abs()));
}

impl Civil {
    /// Appends one layout element, as Go's `appendFormat` does.
    fn append(&self, out: &mut String, std: Std, nanos: i64) {
        let hour12 = match self.hour % 12 {
            0 => 12,
            h => h,
        };
        match std {
            Std::Year => push_int(out, self.year.abs() % 100, 2),
            Std::LongYear => push_int(out, self.year, 4),
            Std::Month => out.push_str(&month_name(self.month)[..3]),
            Std::LongMonth => out.push_str(month_name(self.month)),
            Std::NumMonth => push_int(out, self.month, 0),
            Std::ZeroMonth => push_int(out, self.month, 2),
            Std::WeekDay => out.push_str(&day_name(self.weekday)[..3]),
            Std::LongWeekDay => out.push_str(day_name(self.weekday)),
            Std::Day => push_int(out, self.day, 0),
            Std::UnderDay => {
                if self.day < 10 {
                    out.push(' ');
                }
                push_int(out, self.day, 0);
            }
            Std::ZeroDay => push_int(out, self.day, 2),
            Std::UnderYearDay => {
                if self.yday < 100 {
                    out.push(' ');
                    if self.yday < 10 {
                        out.push(' ');
                    }
                }
                push_int(out, self.yday, 0);
            }
            Std::ZeroYearDay => push_int(out, self.yday, 3),
            Std::Hour => push_int(out, self.hour, 2),
            Std::Hour12 => push_int(out, hour12, 0),
            Std::ZeroHour12 => push_int(out, hour12, 2),
            Std::Minute => push_int(out, self.minute, 0),
            Std::ZeroMinute => push_int(out, self.minute, 2),
            Std::Second => push_int(out, self.second, 0),
            Std::ZeroSecond => push_int(out, self.second, 2),
            Std::PM => out.push_str(if self.hour >= 12 { "PM" } else { "AM" }),
            Std::LowerPM => out.push_str(if self.hour >= 12 { "pm" } else { "am" }),
            Std::Offset { z, colons, fields } => {
                // The `Z` forms print `Z` for a zero offset (ISO 8601).
                if z && self.offset == 0 {
                    out.push('Z');
                    return;
                }
                out.push(if self.offset < 0 { '-' } else { '+' });
                let offset = self.offset.abs();
                push_int(out, offset / 3600, 2);
                if fields >= 2 {
                    if colons {
                        out.push(':');
                    }
                    push_int(out, offset / 60 % 60, 2);
                }
                if fields == 3 {
                    if colons {
                        out.push(':');
                    }
                    push_int(out, offset % 60, 2);
                }
            }
            Std::TZ => {
                if self.zone_name.is_empty() {
                    // No name: Go prints the offset as -0700.
                    let minutes = self.offset / 60;
                    out.push(if minutes < 0 { '-' } else { '+' });
                    push_int(out, minutes.abs() / 60, 2);
                    push_int(out, minutes.abs() % 60, 2);
                } else {
                    out.push_str(&self.zone_name);
                }
            }
            Std::Fraction {
                digits,
                separator,
                trim,
            } => {
                if trim && (digits == 0 || nanos == 0) {
                    return;
                }
                let all = format!("{:09}", nanos.clamp(0, 999_999_999));
                let mut fraction = &all[..digits.min(9)];
                if trim {
                    fraction = fraction.trim_end_matches('0');
                    if fraction.is_empty() {
                        return;
                    }
                }
                out.push(char::from(separator));
                out.push_str(fraction);
            }
        }
    }
}

/// One element of a Go layout (Go's `std*` constants).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    LowerPM,
    /// `MST`.
    TZ,
    /// `-0700`, `-07:00`, `-07`, `-070000`, `-07:00:00` and their `Z` forms:
    /// `fields` is 1 (hours), 2 (and minutes) or 3 (and seconds).
    Offset {
        z: bool,
        colons: bool,
        fields: u8,
    },
    /// `.000` (`trim` false) or `.999` (`trim` true), or with a comma.
    Fraction {
        digits: usize,
        separator: u8,
        trim: bool,
    },
}

/// The numeric offset layouts, longest first as Go tries them.
const OFFSET_LAYOUTS: [(&str, bool, u8); 5] = [
    ("070000", false, 3),
    ("07:00:00", true, 3),
    ("0700", false, 2),
    ("07:00", true, 2),
    ("07", false, 1),
];

/// Go's `nextStdChunk`: the text before the first layout element, the
/// element, and the text after it.
fn next_std_chunk(layout: &str) -> (&str, Option<Std>, &str) {
    let b = layout.as_bytes();
    let at = |i: usize, s: &str| b.get(i..i + s.len()) == Some(s.as_bytes());
    let lower_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_lowercase);
    for i in 0..b.len() {
        let found = |std: Std, len: usize| Some((&layout[..i], Some(std), &layout[i + len..]));
        let chunk = match b[i] {
            b'J' if at(i, "January") => found(Std::LongMonth, 7),
            b'J' if at(i, "Jan") && !lower_at(i + 3) => found(Std::Month, 3),
            b'M' if at(i, "Monday") => found(Std::LongWeekDay, 6),
            b'M' if at(i, "Mon") && !lower_at(i + 3) => found(Std::WeekDay, 3),
            b'M' if at(i, "MST") => found(Std::TZ, 3),
            b'0' if matches!(b.get(i + 1), Some(b'1'..=b'6')) => {
                let std = [
                    Std::ZeroMonth,
                    Std::ZeroDay,
                    Std::ZeroHour12,
                    Std::ZeroMinute,
                    Std::ZeroSecond,
                    Std::Year,
                ][usize::from(b[i + 1] - b'1')];
                found(std, 2)
            }
            b'0' if at(i, "002") => found(Std::ZeroYearDay, 3),
            b'1' if at(i, "15") => found(Std::Hour, 2),
            b'1' => found(Std::NumMonth, 1),
            b'2' if at(i, "2006") => found(Std::LongYear, 4),
            b'2' => found(Std::Day, 1),
            // `_2006` is a literal `_` and a year.
            b'_' if at(i, "_2006") => Some((&layout[..=i], Some(Std::LongYear), &layout[i + 5..])),
            b'_' if at(i, "_2") => found(Std::UnderDay, 2),
            b'_' if at(i, "__2") => found(Std::UnderYearDay, 3),
            b'3' => found(Std::Hour12, 1),
            b'4' => found(Std::Minute, 1),
            b'5' => found(Std::Second, 1),
            b'P' if at(i, "PM") => found(Std::PM, 2),
            b'p' if at(i, "pm") => found(Std::LowerPM, 2),
            sign @ (b'-' | b'Z') => OFFSET_LAYOUTS
                .iter()
                .find(|(text, _, _)| at(i + 1, text))
                .and_then(|&(text, colons, fields)| {
                    found(
                        Std::Offset {
                            z: sign == b'Z',
                            colons,
                            fields,
                        },
                        1 + text.len(),
                    )
                }),
            separator @ (b'.' | b',') if matches!(b.get(i + 1), Some(b'0' | b'9')) => {
                let digit = b[i + 1];
                let end = (i + 1..b.len()).find(|&j| b[j] != digit).unwrap_or(b.len());
                // Only a run of digits that ends the number is a fraction.
                if b.get(end).is_some_and(u8::is_ascii_digit) {
                    None
                } else {
                    found(
                        Std::Fraction {
                            digits: end - i - 1,
                            separator,
                            trim: digit == b'9',
                        },
                        end - i,
                    )
                }
            }
            _ => None,
        };
        if let Some(chunk) = chunk {
            return chunk;
        }
    }
    (layout, None, "")
}

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12, any day).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` after 1970-01-01.
pub(super) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days.saturating_add(719_468);
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days before the first of `month` (1-13) in a common year.
fn days_before(month: i64) -> i64 {
    const TABLE: [i64; 13] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
    usize::try_from(month - 1)
        .ok()
        .and_then(|i| TABLE.get(i))
        .copied()
        .unwrap_or(0)
}

fn days_in(month: i64, year: i64) -> i64 {
    if month == 2 && is_leap(year) {
        29
    } else {
        days_before(month + 1) - days_before(month)
    }
}

/// The `quote` of Go's `time` package (used in its error texts): `"` and `\`
/// escaped, every byte of a control or non-ASCII character as `\xNN`.
fn time_quote(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7f => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

/// Go's `time.ParseError` text.
fn parse_error(
    layout: &[u8],
    value: &[u8],
    layout_elem: &[u8],
    value_elem: &[u8],
    message: &str,
) -> String {
    if message.is_empty() {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            time_quote(value),
            time_quote(layout),
            time_quote(value_elem),
            time_quote(layout_elem)
        )
    } else {
        format!("parsing time {}{message}", time_quote(value))
    }
}

/// Go's `leadingInt`: the leading decimal digits, `None` past 2^63.
fn leading_int(s: &[u8]) -> Option<(u64, &[u8])> {
    let mut x: u64 = 0;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        if x > (1 << 63) / 10 {
            return None;
        }
        x = x * 10 + u64::from(s[i] - b'0');
        if x > 1 << 63 {
            return None;
        }
        i += 1;
    }
    Some((x, &s[i..]))
}

/// The `atoi` of Go's `time` package: an optional sign and only digits.
fn time_atoi(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (x, rest) = leading_int(digits)?;
    if !rest.is_empty() {
        return None;
    }
    // Go converts with int(q), which wraps 2^63 to its minimum.
    let x = x as i64;
    Some(if negative { x.wrapping_neg() } else { x })
}

/// Go's `getnum`: one or two digits (`fixed` demands two).
fn getnum(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let digit = |i: usize| {
        s.get(i)
            .filter(|b| b.is_ascii_digit())
            .map(|b| i64::from(b - b'0'))
    };
    let first = digit(0)?;
    match digit(1) {
        Some(second) => Some((first * 10 + second, &s[2..])),
        None if fixed => None,
        None => Some((first, &s[1..])),
    }
}

/// Go's `getnum3`: one to three digits (`fixed` demands three).
fn getnum3(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let count = s.iter().take(3).take_while(|b| b.is_ascii_digit()).count();
    if count == 0 || (fixed && count != 3) {
        return None;
    }
    let n = s[..count]
        .iter()
        .fold(0, |n, b| n * 10 + i64::from(b - b'0'));
    Some((n, &s[count..]))
}

/// Go's `lookup`: the first name that starts `value`, ignoring ASCII case.
fn lookup_name<'a>(names: &[&str], value: &'a [u8]) -> Option<(i64, &'a [u8])> {
    names.iter().enumerate().find_map(|(i, name)| {
        let candidate = value.get(..name.len())?;
        candidate
            .eq_ignore_ascii_case(name.as_bytes())
            .then(|| (i64::try_from(i).unwrap_or(0), &value[name.len()..]))
    })
}

/// Go's `skip`: `prefix` must start `value`, a space in it matching any run
/// of spaces. On failure, the value where matching stopped.
fn skip<'a>(mut value: &'a [u8], mut prefix: &[u8]) -> Result<&'a [u8], &'a [u8]> {
    while let Some((&p, rest)) = prefix.split_first() {
        if p == b' ' {
            if value.first().is_some_and(|&v| v != b' ') {
                return Err(value);
            }
            prefix = trim_spaces(prefix);
            value = trim_spaces(value);
            continue;
        }
        match value.split_first() {
            Some((&v, value_rest)) if v == p => {
                value = value_rest;
                prefix = rest;
            }
            _ => return Err(value),
        }
    }
    Ok(value)
}

fn trim_spaces(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b != b' ').unwrap_or(s.len());
    &s[start..]
}

/// Go's `parseNanoseconds`: a separator then digits, scaled to nanoseconds.
/// `Err(true)` is a range error, `Err(false)` a bad value.
fn parse_nanoseconds(value: &[u8], len: usize) -> Result<i64, bool> {
    if !matches!(value.first(), Some(b'.' | b',')) {
        return Err(false);
    }
    let len = len.min(10);
    let ns = time_atoi(&value[1..len]).ok_or(false)?;
    if ns < 0 {
        return Err(true);
    }
    Ok(ns * 10_i64.pow(u32::try_from(10 - len).unwrap_or(0)))
}

/// Go's `parseTimeZone`: the length of a zone abbreviation starting `value`.
fn parse_time_zone(value: &[u8]) -> Option<usize> {
    if value.len() < 3 {
        return None;
    }
    if value.starts_with(b"ChST") || value.starts_with(b"MeST") {
        return Some(4);
    }
    if value.starts_with(b"GMT") {
        return Some(3 + parse_signed_offset(&value[3..]));
    }
    if matches!(value[0], b'+' | b'-') {
        return Some(parse_signed_offset(value)).filter(|&n| n > 0);
    }
    let upper = value
        .iter()
        .take(6)
        .take_while(|b| b.is_ascii_uppercase())
        .count();
    match upper {
        5 if value[4] == b'T' => Some(5),
        4 if value[3] == b'T' || value.starts_with(b"WITA") => Some(4),
        3 => Some(3),
        _ => None,
    }
}

/// Go's `parseSignedOffset`: the length of `+N`/`-N` with N at most 23, or 0.
fn parse_signed_offset(value: &[u8]) -> usize {
    let Some((b'+' | b'-', digits)) = value.split_first() else {
        return 0;
    };
    match leading_int(digits) {
        Some((x, rest)) if rest.len() != digits.len() && x <= 23 => value.len() - rest.len(),
        _ => 0,
    }
}

/// Go's `time.ParseInLocation(layout, value, time.Local)`, Local being UTC.
fn parse(layout_text: &str, value_text: &str) -> Result<GoTime, String> {
    let (full_layout, full_value) = (layout_text.as_bytes(), value_text.as_bytes());
    let mut layout = layout_text;
    let mut value = full_value;
    let (mut am, mut pm) = (false, false);
    let (mut year, mut month, mut day, mut yday) = (0_i64, -1_i64, -1_i64, -1_i64);
    let (mut hour, mut minute, mut second, mut nanos) = (0_i64, 0_i64, 0_i64, 0_i64);
    let mut utc = false;
    // Go's sentinel for "no offset parsed" is -1.
    let mut zone_offset = -1_i64;
    let mut zone_name: &[u8] = b"";
    loop {
        let (prefix, std, suffix) = next_std_chunk(layout);
        let std_text = &layout.as_bytes()[prefix.len()..layout.len() - suffix.len()];
        value = skip(value, prefix.as_bytes())
            .map_err(|rest| parse_error(full_layout, full_value, prefix.as_bytes(), rest, ""))?;
        let Some(std) = std else {
            if !value.is_empty() {
                let message = format!(": extra text: {}", time_quote(value));
                return Err(parse_error(full_layout, full_value, b"", value, &message));
            }
            break;
        };
        layout = suffix;
        let hold = value;
        let mut range_error: Option<&str> = None;
        // `None` is Go's `errBad`: the element does not match.
        let ok: Option<()> = (|| {
            match std {
                Std::Year => {
                    let digits = value.get(..2)?;
                    value = &value[2..];
                    year = time_atoi(digits)?;
                    year += if year >= 69 { 1900 } else { 2000 };
                }
                Std::LongYear => {
                    let digits = value.get(..4).filter(|d| d[0].is_ascii_digit())?;
                    value = &value[4..];
                    year = time_atoi(digits)?;
                }
                Std::Month | Std::LongMonth => {
                    let names: Vec<&str> = if std == Std::Month {
                        LONG_MONTH_NAMES.iter().map(|m| &m[..3]).collect()
                    } else {
                        LONG_MONTH_NAMES.to_vec()
                    };
                    let (index, rest) = lookup_name(&names, value)?;
                    month = index + 1;
                    value = rest;
                }
                Std::NumMonth | Std::ZeroMonth => {
                    let (n, rest) = getnum(value, std == Std::ZeroMonth)?;
                    (month, value) = (n, rest);
                    if !(1..=12).contains(&month) {
                        range_error = Some("month");
                    }
                }
                Std::WeekDay | Std::LongWeekDay => {
                    // Checked for syntax only.
                    let names: Vec<&str> = if std == Std::WeekDay {
                        LONG_DAY_NAMES.iter().map(|d| &d[..3]).collect()
                    } else {
                        LONG_DAY_NAMES.to_vec()
                    };
                    value = lookup_name(&names, value)?.1;
                }
                Std::Day | Std::UnderDay | Std::ZeroDay => {
                    if std == Std::UnderDay && value.first() == Some(&b' ') {
                        value = &value[1..];
                    }
                    (day, value) = getnum(value, std == Std::ZeroDay)?;
                }
                Std::UnderYearDay | Std::ZeroYearDay => {
                    for _ in 0..2 {
                        if std == Std::UnderYearDay && value.first() == Some(&b' ') {
                            value = &value[1..];
                        }
                    }
                    (yday, value) = getnum3(value, std == Std::ZeroYearDay)?;
                }
                Std::Hour => {
                    (hour, value) = getnum(value, false)?;
                    if !(0..24).contains(&hour) {
                        range_error = Some("hour");
                    }
                }
                Std::Hour12 | Std::ZeroHour12 => {
                    (hour, value) = getnum(value, std == Std::ZeroHour12)?;
                    if !(0..=12).contains(&hour) {
                        range_error = Some("hour");
                    }
                }
                Std::Minute | Std::ZeroMinute => {
                    (minute, value) = getnum(value, std == Std::ZeroMinute)?;
                    if !(0..60).contains(&minute) {
                        range_error = Some("minute");
                    }
                }
                Std::Second | Std::ZeroSecond => {
                    (second, value) = getnum(value, std == Std::ZeroSecond)?;
                    if !(0..60).contains(&second) {
                        range_error = Some("second");
                        return Some(());
                    }
                    // A fraction in the value that the layout does not have.
                    if value.len() >= 2
                        && matches!(value[0], b'.' | b',')
                        && value[1].is_ascii_digit()
                        && !matches!(next_std_chunk(layout).1, Some(Std::Fraction { .. }))
                    {
                        let end = (2..value.len())
                            .find(|&n| !value[n].is_ascii_digit())
                            .unwrap_or(value.len());
                        match parse_nanoseconds(value, end) {
                            Ok(ns) => nanos = ns,
                            Err(true) => range_error = Some("fractional second"),
                            Err(false) => return None,
                        }
                        value = &value[end..];
                    }
                }
                Std::PM | Std::LowerPM => {
                    let mark = value.get(..2)?;
                    value = &value[2..];
                    let (upper, lower) = if std == Std::PM {
                        (b"PM", b"AM")
                    } else {
                        (b"pm", b"am")
                    };
                    if mark == upper {
                        pm = true;
                    } else if mark == lower {
                        am = true;
                    } else {
                        return None;
                    }
                }
                Std::Offset { z, colons, fields } => {
                    if z && value.first() == Some(&b'Z') {
                        value = &value[1..];
                        utc = true;
                        return Some(());
                    }
                    // Sign, hours, then minutes and seconds at their positions.
                    let (len, minute_at, second_at) = match (fields, colons) {
                        (1, _) => (3, None, None),
                        (2, false) => (5, Some(3), None),
                        (2, true) => (6, Some(4), None),
                        (_, false) => (7, Some(3), Some(5)),
                        (_, true) => (9, Some(4), Some(7)),
                    };
                    let text = value.get(..len)?;
                    if colons && (text[3] != b':' || (fields == 3 && text[6] != b':')) {
                        return None;
                    }
                    value = &value[len..];
                    let field = |at: Option<usize>| match at {
                        Some(i) => getnum(&text[i..i + 2], true).map(|(n, _)| n),
                        None => Some(0),
                    };
                    let hh = field(Some(1))?;
                    let mm = field(minute_at)?;
                    let ss = field(second_at)?;
                    if hh > 24 {
                        range_error = Some("time zone offset hour");
                    }
                    if mm > 60 {
                        range_error = Some("time zone offset minute");
                    }
                    if ss > 60 {
                        range_error = Some("time zone offset second");
                    }
                    zone_offset = (hh * 60 + mm) * 60 + ss;
                    match text[0] {
                        b'+' => {}
                        b'-' => zone_offset = -zone_offset,
                        _ => return None,
                    }
                }
                Std::TZ => {
                    if value.starts_with(b"UTC") {
                        utc = true;
                        value = &value[3..];
                        return Some(());
                    }
                    let len = parse_time_zone(value)?;
                    (zone_name, value) = value.split_at(len);
                }
                Std::Fraction { digits, trim, .. } => {
                    if trim {
                        if value.len() < 2
                            || !matches!(value[0], b'.' | b',')
                            || !value[1].is_ascii_digit()
                        {
                            // The fraction is optional.
                            return Some(());
                        }
                        let end = (1..value.len())
                            .find(|&n| !value[n].is_ascii_digit())
                            .unwrap_or(value.len());
                        match parse_nanoseconds(value, end) {
                            Ok(ns) => nanos = ns,
                            Err(true) => range_error = Some("fractional second"),
                            Err(false) => return None,
                        }
                        value = &value[end..];
                    } else {
                        let len = 1 + digits;
                        if value.len() < len {
                            return None;
                        }
                        match parse_nanoseconds(value, len) {
                            Ok(ns) => nanos = ns,
                            Err(true) => range_error = Some("fractional second"),
                            Err(false) => return None,
                        }
                        value = &value[len..];
                    }
                }
            }
            Some(())
        })();
        if let Some(what) = range_error {
            let message = format!(": {what} out of range");
            return Err(parse_error(
                full_layout,
                full_value,
                std_text,
                value,
                &message,
            ));
        }
        if ok.is_none() {
            return Err(parse_error(full_layout, full_value, std_text, hold, ""));
        }
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    let range = |message: &str| parse_error(full_layout, full_value, b"", value, message);
    if yday >= 0 {
        let (mut m, mut d) = (0, 0);
        if is_leap(year) {
            if yday == 31 + 29 {
                (m, d) = (2, 29);
            } else if yday > 31 + 29 {
                yday -= 1;
            }
        }
        if !(1..=365).contains(&yday) {
            return Err(range(": day-of-year out of range"));
        }
        if m == 0 {
            m = (yday - 1) / 31 + 1;
            if days_before(m + 1) < yday {
                m += 1;
            }
            d = yday - days_before(m);
        }
        if month >= 0 && month != m {
            return Err(range(": day-of-year does not match month"));
        }
        month = m;
        if day >= 0 && day != d {
            return Err(range(": day-of-year does not match day"));
        }
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return Err(range(": day out of range"));
    }
    let unix =
        days_from_civil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
    let t = GoTime::from_unix(unix, nanos);
    if utc {
        return Ok(t);
    }
    let name = String::from_utf8_lossy(zone_name).into_owned();
    if zone_offset != -1 {
        let t = GoTime::from_unix(unix - zone_offset, nanos);
        // The local zone (UTC) if it matches, else a zone of that offset.
        if zone_offset == 0 && (name.is_empty() || name == "UTC") {
            return Ok(t);
        }
        return Ok(t.in_zone(Zone::Fixed {
            name,
            offset: zone_offset,
        }));
    }
    if !name.is_empty() {
        // An abbreviation the local zone does not use: the wall clock is read
        // as UTC and shown under that name, at GMT's offset if it has one.
        let offset = name
            .strip_prefix("GMT")
            .filter(|rest| !rest.is_empty())
            .and_then(|rest| time_atoi(rest.as_bytes()))
            .map_or(0, |hours| hours * 3600);
        return Ok(t.in_zone(Zone::Fixed { name, offset }));
    }
    Ok(t)
}

const NANOS_PER_MICRO: u64 = 1_000;
const NANOS_PER_MILLI: u64 = 1_000_000;

/// Go's `time.ParseDuration`, in nanoseconds, with its errors.
fn parse_duration(text: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", time_quote(text.as_bytes()));
    let mut s = text.as_bytes();
    let mut negative = false;
    if let Some((&sign @ (b'-' | b'+'), rest)) = s.split_first() {
        negative = sign == b'-';
        s = rest;
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let before = s.len();
        let (whole, rest) = leading_int(s).ok_or_else(invalid)?;
        s = rest;
        let had_whole = before != s.len();
        let (mut fraction, mut scale, mut had_fraction) = (0_u64, 1_f64, false);
        if s.first() == Some(&b'.') {
            s = &s[1..];
            let before = s.len();
            (fraction, scale, s) = leading_fraction(s);
            had_fraction = before != s.len();
        }
        if !had_whole && !had_fraction {
            return Err(invalid());
        }
        let unit_len = s
            .iter()
            .position(|&c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                time_quote(text.as_bytes())
            ));
        }
        let (unit_text, rest) = s.split_at(unit_len);
        s = rest;
        let unit: u64 = match unit_text {
            b"ns" => 1,
            // `µs` with the micro sign or the Greek mu.
            b"us" | b"\xc2\xb5s" | b"\xce\xbcs" => NANOS_PER_MICRO,
            b"ms" => NANOS_PER_MILLI,
            b"s" => 1_000_000_000,
            b"m" => 60_000_000_000,
            b"h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    time_quote(unit_text),
                    time_quote(text.as_bytes())
                ));
            }
        };
        if whole > (1 << 63) / unit {
            return Err(invalid());
        }
        let mut v = whole * unit;
        if fraction > 0 {
            // As Go: float64 keeps fractions of hours nanosecond-accurate.
            #[expect(
                clippy::cast_precision_loss,
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "Go's own float conversion of the fraction"
            )]
            let part = (fraction as f64 * (unit as f64 / scale)) as u64;
            v += part;
            if v > 1 << 63 {
                return Err(invalid());
            }
        }
        total += v;
        if total > 1 << 63 {
            return Err(invalid());
        }
    }
    if negative {
        // 2^63 negates to the minimum.
        return Ok((total as i64).wrapping_neg());
    }
    i64::try_from(total).map_err(|_| invalid())
}

/// Go's `leadingFraction`: digits after a point, precision kept until it
/// would overflow.
fn leading_fraction(s: &[u8]) -> (u64, f64, &[u8]) {
    let (mut x, mut scale, mut overflow) = (0_u64, 1_f64, false);
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    for &c in &s[..digits] {
        if overflow {
            continue;
        }
        if x > ((1 << 63) - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(c - b'0');
        if y > 1 << 63 {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, &s[digits..])
}

/// Go's `Duration.String`: `1h2m3.5s`, `1.5ms`, `0s`.
fn format_duration(nanos: i64) -> String {
    let mut u = nanos.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        let (precision, unit) = match u {
            0 => return "0s".into(),
            1..1_000 => (0, "ns"),
            1_000..1_000_000 => (3, "µs"),
            _ => (6, "ms"),
        };
        let (whole, fraction) = split_fraction(u, precision);
        out.push_str(&format!("{whole}{fraction}{unit}"));
    } else {
        let (seconds, fraction) = split_fraction(u, 9);
        u = seconds;
        let mut text = format!("{}{fraction}s", u % 60);
        u /= 60;
        if u > 0 {
            text = format!("{}m{text}", u % 60);
            u /= 60;
            // Hours are the largest unit: days differ in length.
            if u > 0 {
                text = format!("{u}h{text}");
            }
        }
        out.push_str(&text);
    }
    if nanos < 0 {
        out.insert(0, '-');
    }
    out
}

/// Go's `fmtFrac`: `v / 10^precision` and its fraction as `.123` without
/// trailing zeros (empty when zero).
fn split_fraction(v: u64, precision: u32) -> (u64, String) {
    let scale = 10_u64.pow(precision);
    let digits = format!("{:0width$}", v % scale, width = precision as usize);
    let digits = digits.trim_end_matches('0');
    let fraction = if digits.is_empty() {
        String::new()
    } else {
        format!(".{digits}")
    };
    (v / scale, fraction)
}

/// Go's `Duration.Round(m)`: to the nearest multiple, halves away from zero,
/// saturating.
fn round_duration(d: i64, m: i64) -> i64 {
    if m <= 0 {
        return d;
    }
    let r = (d % m).abs();
    let less_than_half = |r: i64| r.unsigned_abs() * 2 < m.unsigned_abs();
    if d < 0 {
        if less_than_half(r) {
            return d + r;
        }
        d.checked_sub(m - r).unwrap_or(i64::MIN)
    } else {
        if less_than_half(r) {
            return d - r;
        }
        d.checked_add(m - r).unwrap_or(i64::MAX)
    }
}

/// Sprig's `durationRound`: the largest whole unit (y, mo, d, h, m, s) that
/// the duration exceeds, ignoring its sign.
fn duration_round(nanos: i64) -> String {
    const SECOND: u64 = 1_000_000_000;
    const UNITS: [(u64, &str); 6] = [
        (SECOND * 3600 * 24 * 365, "y"),
        (SECOND * 3600 * 24 * 30, "mo"),
        (SECOND * 3600 * 24, "d"),
        (SECOND * 3600, "h"),
        (SECOND * 60, "m"),
        (SECOND, "s"),
    ];
    let u = nanos.unsigned_abs();
    UNITS
        .iter()
        .find(|(unit, _)| u > *unit)
        .map_or_else(|| "0s".into(), |(unit, name)| format!("{}{name}", u / unit))
}

/// `time.Month` and `time.Weekday`: ints that print as names.
#[derive(Debug)]
struct NamedInt {
    type_name: &'static str,
    name: &'static str,
    number: i64,
}

impl Object for NamedInt {
    fn type_name(&self) -> String {
        self.type_name.into()
    }
    fn kind(&self) -> &'static str {
        "int"
    }
    fn method(&self, name: &str) -> Option<Signature> {
        (name == "String").then_some(Signature::fixed(&[]))
    }
    fn call(&self, name: &str, _args: &[Value]) -> Result<Value, String> {
        match name {
            "String" => Ok(Value::str(self.name)),
            _ => Err(format!("can't call method {name}")),
        }
    }
    fn go_string(&self) -> String {
        self.name.into()
    }
    fn to_data(&self) -> Value {
        Value::Int(self.number)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Object for GoTime {
    fn type_name(&self) -> String {
        TIME_TYPE.into()
    }

    fn method(&self, name: &str) -> Option<Signature> {
        const TIME: &[Type] = &[Type::Object(TIME_TYPE)];
        Some(match name {
            "Year" | "Month" | "Day" | "Hour" | "Minute" | "Second" | "Nanosecond" | "YearDay"
            | "Weekday" | "Unix" | "UnixMilli" | "UnixMicro" | "UnixNano" | "UTC" | "Local"
            | "IsZero" | "String" => Signature::fixed(&[]),
            "Format" => Signature::fixed(&[Type::String]),
            "Add" => Signature::fixed(&[Type::Int64]),
            "Before" | "After" | "Equal" => Signature::fixed(TIME),
            _ => return None,
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        let c = || self.civil();
        Ok(match name {
            "Year" => Value::Int(c().year),
            "Month" => {
                let month = c().month;
                Value::Object(Rc::new(NamedInt {
                    type_name: "time.Month",
                    name: month_name(month),
                    number: month,
                }))
            }
            "Day" => Value::Int(c().day),
            "Hour" => Value::Int(c().hour),
            "Minute" => Value::Int(c().minute),
            "Second" => Value::Int(c().second),
            "Nanosecond" => Value::Int(self.nanos),
            "YearDay" => Value::Int(c().yday),
            "Weekday" => {
                let weekday = c().weekday;
                Value::Object(Rc::new(NamedInt {
                    type_name: "time.Weekday",
                    name: day_name(weekday),
                    number: weekday,
                }))
            }
            "Unix" => Value::Int64(self.unix),
            "UnixMilli" => Value::Int64(
                self.unix
                    .wrapping_mul(1_000)
                    .wrapping_add(self.nanos / 1_000_000),
            ),
            "UnixMicro" => Value::Int64(
                self.unix
                    .wrapping_mul(1_000_000)
                    .wrapping_add(self.nanos / 1_000),
            ),
            "UnixNano" => Value::Int64(self.unix_nanos()),
            "UTC" | "Local" => self.in_zone(Zone::Utc).into_value(),
            "IsZero" => Value::Bool(self.unix == GoTime::zero().unix && self.nanos == 0),
            "String" => Value::String(self.string()),
            "Format" => Value::String(self.format(string(args, 0))),
            "Add" => match args.first() {
                Some(Value::Int64(d) | Value::Int(d)) => self.add(*d).into_value(),
                _ => return Err("Add takes a duration".into()),
            },
            "Before" | "After" | "Equal" => {
                let other = time_arg(args, 0)?;
                let diff = self.sub(other);
                Value::Bool(match name {
                    "Before" => diff < 0,
                    "After" => diff > 0,
                    _ => diff == 0,
                })
            }
            _ => return Err(format!("can't call method {name}")),
        })
    }

    fn go_string(&self) -> String {
        self.string()
    }

    /// `MarshalJSON`: RFC 3339 with nanoseconds.
    fn to_data(&self) -> Value {
        Value::String(self.format("2006-01-02T15:04:05.999999999Z07:00"))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sprig::testing::call;

    fn text(name: &str, args: &[Value]) -> String {
        match call(name, args) {
            Ok(v) => v.to_string(),
            Err(e) => panic!("{name}: {e}"),
        }
    }

    fn to_date(layout: &str, value: &str) -> Value {
        call("toDate", &[Value::str(layout), Value::str(value)]).unwrap()
    }

    // Expected texts recorded from Helm 4 (tests/cases/sprig_extra.json).
    #[test]
    fn formats_with_go_layouts() {
        let t = Value::Int(1_700_000_000);
        for (layout, expected) in [
            (
                "Mon Jan _2 15:04:05.000 MST 2006",
                "Tue Nov 14 22:13:20.000 UTC 2023",
            ),
            ("2006-01-02T15:04:05Z07:00", "2023-11-14T22:13:20Z"),
            (
                "Monday, 02-January-06 3:04:05 PM pm",
                "Tuesday, 14-November-23 10:13:20 PM pm",
            ),
            (
                "1/2 __2 002 .999 ,000 -07:00:00",
                "11/14 318 318  ,000 +00:00:00",
            ),
            ("Z0700 Z07 -07 Jantar Mondays", "Z Z +00 Jantar Tuesdays"),
            ("_2006 05.9 15h", "_2023 20 22h"),
        ] {
            assert_eq!(
                text("date", &[Value::str(layout), t.clone()]),
                expected,
                "{layout}"
            );
        }
    }

    #[test]
    fn zones_come_from_the_tz_database() {
        let zone = |layout: &str, secs: i64, zone: &str| {
            text(
                "dateInZone",
                &[Value::str(layout), Value::Int(secs), Value::str(zone)],
            )
        };
        assert_eq!(
            zone("2006-01-02 15:04:05 MST -0700", 0, "America/New_York"),
            "1969-12-31 19:00:00 EST -0500"
        );
        assert_eq!(zone("MST", 0, "Nowhere/X"), "UTC");
        assert_eq!(zone("MST", 0, "Europe/Paris"), "CET");
        assert_eq!(
            zone("MST -07:00", 1_720_000_000, "Asia/Kolkata"),
            "IST +05:30"
        );
        assert_eq!(zone("MST", 0, "America/Sao_Paulo"), "-03");
    }

    #[test]
    fn parses_as_go() {
        assert_eq!(
            to_date("2006-01-02", "2024-03-05").to_string(),
            "2024-03-05 00:00:00 +0000 UTC"
        );
        assert_eq!(
            to_date("2006-01-02", "x").to_string(),
            "0001-01-01 00:00:00 +0000 UTC"
        );
        assert_eq!(
            to_date(
                "2006-01-02 15:04:05.999999999 -0700",
                "2024-03-05 13:14:15.123456789 +0530"
            )
            .to_string(),
            "2024-03-05 13:14:15.123456789 +0530 +0530"
        );
        assert_eq!(
            to_date("2006-01-02 MST", "2024-03-05 EST").to_string(),
            "2024-03-05 00:00:00 +0000 EST"
        );
        assert_eq!(
            to_date("2006-01-02 MST", "2024-03-05 GMT+3").to_string(),
            "2024-03-05 03:00:00 +0300 GMT+3"
        );
        assert_eq!(
            to_date("3:04PM", "7:30AM").to_string(),
            "0000-01-01 07:30:00 +0000 UTC"
        );
        assert_eq!(
            to_date("2006-01-02 15:04:05", "2024-03-05 10:11:12.5").to_string(),
            "2024-03-05 10:11:12.5 +0000 UTC"
        );
        assert_eq!(
            to_date("2006 002", "2024 060").to_string(),
            "2024-02-29 00:00:00 +0000 UTC"
        );
        let t = to_date("2006-01-02", "2024-03-05");
        assert_eq!(call("unixEpoch", &[t]), Ok(Value::str("1709596800")));
    }

    #[test]
    fn parse_errors_read_as_go() {
        let must = |layout: &str, value: &str| {
            call("mustToDate", &[Value::str(layout), Value::str(value)]).unwrap_err()
        };
        assert_eq!(
            must("2006-01-02", "x"),
            r#"parsing time "x" as "2006-01-02": cannot parse "x" as "2006""#
        );
        assert_eq!(
            must("2006-01-02", "2024-02-30"),
            r#"parsing time "2024-02-30": day out of range"#
        );
        assert_eq!(
            must("2006-01-02", "2024-13-01"),
            r#"parsing time "2024-13-01": month out of range"#
        );
        assert_eq!(
            must("2006-01-02", "2024-03-01x"),
            r#"parsing time "2024-03-01x": extra text: "x""#
        );
        assert_eq!(
            must("2006-01-02", "2024/03"),
            r#"parsing time "2024/03" as "2006-01-02": cannot parse "/03" as "-""#
        );
        assert_eq!(
            must("Jan", "é"),
            r#"parsing time "\xc3\xa9" as "Jan": cannot parse "\xc3\xa9" as "Jan""#
        );
    }

    #[test]
    fn durations_parse_and_print_as_go() {
        for (text, nanos) in [
            ("1h", 3_600_000_000_000),
            ("-1.5h", -5_400_000_000_000),
            ("1h2m3.5s", 3_723_500_000_000),
            ("300ms", 300_000_000),
            ("1µs", 1_000),
            ("0", 0),
            (".5s", 500_000_000),
        ] {
            assert_eq!(parse_duration(text), Ok(nanos), "{text}");
        }
        assert_eq!(
            parse_duration("1x"),
            Err(r#"time: unknown unit "x" in duration "1x""#.into())
        );
        assert_eq!(
            parse_duration("1"),
            Err(r#"time: missing unit in duration "1""#.into())
        );
        assert_eq!(
            parse_duration(""),
            Err(r#"time: invalid duration """#.into())
        );
        assert_eq!(
            parse_duration("9999999999h"),
            Err(r#"time: invalid duration "9999999999h""#.into())
        );
        for (nanos, text) in [
            (0, "0s"),
            (1, "1ns"),
            (1_500, "1.5µs"),
            (1_500_000, "1.5ms"),
            (3_600_000_000_000, "1h0m0s"),
            (90_061_000_000_000, "25h1m1s"),
            (-5_400_000_000_000, "-1h30m0s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ] {
            assert_eq!(format_duration(nanos), text);
        }
        assert_eq!(
            round_duration(1_500_000_000, NANOS_PER_SECOND),
            2_000_000_000
        );
        assert_eq!(
            round_duration(-1_499_999_999, NANOS_PER_SECOND),
            -1_000_000_000
        );
    }

    #[test]
    fn sprig_duration_helpers() {
        assert_eq!(text("duration", &[Value::Int(3600)]), "0s");
        assert_eq!(text("duration", &[Value::str("3600")]), "1h0m0s");
        assert_eq!(text("duration", &[Value::Int64(90_061)]), "25h1m1s");
        assert_eq!(text("durationRound", &[Value::str("-3h")]), "3h");
        assert_eq!(text("durationRound", &[Value::Int(3600)]), "0s");
        assert_eq!(text("durationRound", &[Value::str("2h")]), "2h");
        assert_eq!(text("durationRound", &[Value::str("1h")]), "60m");
        assert_eq!(text("durationRound", &[Value::str("800h")]), "1mo");
    }

    #[test]
    fn modify_now_and_methods() {
        let t = to_date("2006-01-02", "2024-03-05");
        assert_eq!(
            text("dateModify", &[Value::str("-1.5h"), t.clone()]),
            "2024-03-04 22:30:00 +0000 UTC"
        );
        assert_eq!(
            text("dateModify", &[Value::str("1x"), t.clone()]),
            "2024-03-05 00:00:00 +0000 UTC"
        );
        assert_eq!(
            call("mustDateModify", &[Value::str("1x"), t.clone()]),
            Err(r#"time: unknown unit "x" in duration "1x""#.into())
        );
        let now = text("now", &[]);
        assert!(now.contains(" +0000 UTC m=+"), "{now}");
        let Value::Object(o) = &t else { panic!() };
        assert_eq!(o.call("Month", &[]).unwrap().to_string(), "March");
        assert_eq!(o.call("Weekday", &[]).unwrap().to_string(), "Tuesday");
        assert_eq!(o.call("YearDay", &[]), Ok(Value::Int(65)));
        assert_eq!(t.to_json(), Some(serde_json::json!("2024-03-05T00:00:00Z")));
        assert_eq!(
            text("htmlDateInZone", &[Value::Int(0), Value::str("Asia/Tokyo")]),
            "1970-01-01"
        );
        assert_eq!(
            text("ago", &[Value::Int64(i64::MIN)]),
            "2562047h47m16.854775807s"
        );
    }
}
