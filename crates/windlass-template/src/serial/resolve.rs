//! go-yaml's implicit typing of plain scalars (`resolve.go`), asked one
//! question: would this string, written plain, read back as something other
//! than a string? Then the encoder must double-quote it (`"true"`, `"123"`,
//! `"2024-01-01"`, `"1:20"`).
//!
//! v2 (`toYaml`) and v3 (`toYamlPretty`) agree here: v3 reads `yes`/`on` as
//! strings but quotes them anyway (`isOldBool`), and both quote YAML 1.1
//! base-60 numbers.

/// Whether go-yaml's encoder must quote `s`: it resolves to a non-string, or
/// is a base-60 number (`1:20`).
pub(super) fn needs_quotes(s: &str) -> bool {
    !resolves_to_string(s) || is_base60_float(s)
}

/// go-yaml's `resolve("", s)` returns the string tag.
fn resolves_to_string(s: &str) -> bool {
    // The first byte hints at what the scalar may be; the empty scalar is null.
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        // `<<` is in go-yaml's table, but its first byte gives no hint, so it
        // stays a string.
        Some(_) => return true,
    };
    if in_resolve_table(s) {
        return false;
    }
    match hint {
        b'.' => !go_parse_float_ok(s),
        b'D' | b'S' => {
            if is_timestamp(s) {
                return false;
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            !(go_parse_int_ok(&plain) || is_yaml_float(&plain))
        }
        _ => true,
    }
}

/// The words go-yaml v2 maps to booleans, null and special floats.
fn in_resolve_table(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "true"
            | "True"
            | "TRUE"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "false"
            | "False"
            | "FALSE"
            | "off"
            | "Off"
            | "OFF"
            | ""
            | "~"
            | "null"
            | "Null"
            | "NULL"
            | ".nan"
            | ".NaN"
            | ".NAN"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
    )
}

/// Go's `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` accepts `s`
/// (underscores already removed): decimal, `0x`, `0o`, `0b`, and a leading
/// `0` for octal.
fn go_parse_int_ok(s: &str) -> bool {
    let (signed, digits) = match s.as_bytes().first() {
        Some(b'+' | b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let negative = s.starts_with('-');
    let Some(magnitude) = go_parse_uint_base0(digits) else {
        return false;
    };
    let fits_int = if negative {
        magnitude <= 1 << 63
    } else {
        magnitude < 1 << 63
    };
    // ParseUint takes no sign.
    fits_int || (!signed && magnitude <= u128::from(u64::MAX))
}

/// The magnitude Go's `ParseUint(s, 0, 64)` reads, `None` for a syntax error;
/// out-of-range values come back larger than `u64::MAX`.
fn go_parse_uint_base0(s: &str) -> Option<u128> {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return None;
    }
    let (base, digits): (u32, &[u8]) = if bytes[0] == b'0' {
        match bytes.get(1).map(u8::to_ascii_lowercase) {
            Some(b'b') if bytes.len() >= 3 => (2, &bytes[2..]),
            Some(b'o') if bytes.len() >= 3 => (8, &bytes[2..]),
            Some(b'x') if bytes.len() >= 3 => (16, &bytes[2..]),
            _ => (8, &bytes[1..]),
        }
    } else {
        (10, bytes)
    };
    let mut n: u128 = 0;
    for &b in digits {
        let d = char::from(b).to_digit(base)?;
        // Saturate past u64: the caller only needs to know it is too big.
        n = (n * u128::from(base) + u128::from(d)).min(u128::from(u64::MAX) + 1);
    }
    Some(n)
}

/// go-yaml's float pattern `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`,
/// and the value in range (Go's `ParseFloat` fails on overflow).
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_digits = count_digits(&b[i..]);
    i += int_digits;
    if int_digits == 0 {
        if b.get(i) != Some(&b'.') {
            return false;
        }
        let frac = count_digits(&b[i + 1..]);
        if frac == 0 {
            return false;
        }
        i += 1 + frac;
    } else if b.get(i) == Some(&b'.') {
        i += 1 + count_digits(&b[i + 1..]);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = count_digits(&b[i..]);
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len() && s.parse::<f64>().is_ok_and(f64::is_finite)
}

fn count_digits(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// Go's `strconv.ParseFloat(s, 64)` succeeds on `s`, which starts with `.`
/// (so no sign, no `inf`/`nan`, no hex): digits with Go's underscore rule,
/// at least one of them, an optional exponent, and no overflow.
fn go_parse_float_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 1;
    let mut mantissa_digits = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => mantissa_digits += 1,
            b'_' => {}
            _ => break,
        }
        i += 1;
    }
    if mantissa_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while matches!(b.get(i), Some(b'0'..=b'9' | b'_')) {
            i += 1;
        }
        if !b[start..i].iter().any(u8::is_ascii_digit) {
            return false;
        }
    }
    if i != b.len() || !underscores_ok(s) {
        return false;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    plain.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Go's `underscoreOK`: every `_` sits between two digits.
fn underscores_ok(s: &str) -> bool {
    // The last thing seen: '^' start, '0' digit, '_' underscore, '!' other.
    let mut saw = b'^';
    for &c in s.as_bytes() {
        if c.is_ascii_digit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

/// go-yaml's `isBase60Float`:
/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    i += 1;
    while matches!(b.get(i), Some(b'0'..=b'9' | b'_')) {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        // `[0-5]?[0-9]`: one digit, or two with the first at most 5.
        let d1 = b.get(i + 1).filter(|c| c.is_ascii_digit());
        let d2 = b.get(i + 2).filter(|c| c.is_ascii_digit());
        match (d1, d2) {
            (Some(&first), Some(_)) if first <= b'5' => i += 3,
            (Some(_), _) => i += 2,
            (None, _) => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while matches!(b.get(i), Some(b'0'..=b'9' | b'_')) {
            i += 1;
        }
    }
    i == b.len()
}

/// go-yaml's `parseTimestamp`: `YYYY-` and then one of the layouts it tries
/// with Go's `time.Parse`.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() <= 4 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    [
        Layout::DateTime(b'T'),
        Layout::DateTime(b't'),
        Layout::SpaceDateTime,
        Layout::Date,
    ]
    .into_iter()
    .any(|layout| parses_as(b, layout))
}

/// The layouts go-yaml tries: `2006-1-2T15:4:5.999999999Z07:00` (and with a
/// lower-case `t`), `2006-1-2 15:4:5.999999999` and `2006-1-2`.
#[derive(Clone, Copy)]
enum Layout {
    DateTime(u8),
    SpaceDateTime,
    Date,
}

/// Go's `time.Parse(layout, s)` succeeds.
fn parses_as(s: &[u8], layout: Layout) -> bool {
    let mut p = TimeParser { s, i: 0 };
    let Some(year) = p.fixed(4) else { return false };
    let Some(month) = p.literal(b'-').and_then(|()| p.num()) else {
        return false;
    };
    let Some(day) = p.literal(b'-').and_then(|()| p.num()) else {
        return false;
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in(month, year) {
        return false;
    }
    let ok = match layout {
        Layout::Date => true,
        Layout::DateTime(t) => p.literal(t).is_some() && p.clock() && p.zone(),
        Layout::SpaceDateTime => p.spaces() && p.clock(),
    };
    ok && p.i == s.len()
}

/// A cursor over the text `time.Parse` reads.
struct TimeParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl TimeParser<'_> {
    fn peek_digit(&self, at: usize) -> Option<u32> {
        self.s
            .get(self.i + at)
            .filter(|c| c.is_ascii_digit())
            .map(|c| u32::from(c - b'0'))
    }

    /// Exactly `n` digits.
    fn fixed(&mut self, n: usize) -> Option<u32> {
        let mut v = 0;
        for k in 0..n {
            v = v * 10 + self.peek_digit(k)?;
        }
        self.i += n;
        Some(v)
    }

    /// Go's `getnum(s, false)`: one or two digits.
    fn num(&mut self) -> Option<u32> {
        let first = self.peek_digit(0)?;
        match self.peek_digit(1) {
            Some(second) => {
                self.i += 2;
                Some(first * 10 + second)
            }
            None => {
                self.i += 1;
                Some(first)
            }
        }
    }

    fn literal(&mut self, c: u8) -> Option<()> {
        (self.s.get(self.i) == Some(&c)).then(|| self.i += 1)
    }

    /// A space in a layout matches any run of spaces (Go's `skip`), and
    /// matches nothing at the end of the input.
    fn spaces(&mut self) -> bool {
        if self.s.get(self.i).is_some_and(|&c| c != b' ') {
            return false;
        }
        while self.s.get(self.i) == Some(&b' ') {
            self.i += 1;
        }
        true
    }

    /// `15:4:5` and an optional `.999999999` fraction.
    fn clock(&mut self) -> bool {
        let Some(hour) = self.num() else { return false };
        let Some(min) = self.literal(b':').and_then(|()| self.num()) else {
            return false;
        };
        let Some(sec) = self.literal(b':').and_then(|()| self.num()) else {
            return false;
        };
        if hour >= 24 || min >= 60 || sec >= 60 {
            return false;
        }
        // A fraction needs a digit after the separator; Go takes any number.
        if matches!(self.s.get(self.i), Some(b'.' | b',')) && self.peek_digit(1).is_some() {
            self.i += 1;
            while self.peek_digit(0).is_some() {
                self.i += 1;
            }
        }
        true
    }

    /// `Z07:00`: `Z`, or `±hh:mm`.
    fn zone(&mut self) -> bool {
        if self.literal(b'Z').is_some() {
            return true;
        }
        let rest = &self.s[self.i..];
        if rest.len() < 6 || rest[3] != b':' || !matches!(rest[0], b'+' | b'-') {
            return false;
        }
        let two = |a: u8, b: u8| {
            (a.is_ascii_digit() && b.is_ascii_digit()).then(|| (a - b'0') * 10 + (b - b'0'))
        };
        match (two(rest[1], rest[2]), two(rest[4], rest[5])) {
            (Some(h), Some(m)) if h <= 24 && m <= 60 => {
                self.i += 6;
                true
            }
            _ => false,
        }
    }
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_numbers_need_quotes() {
        for s in [
            "",
            "~",
            "null",
            "NULL",
            "true",
            "True",
            "yes",
            "Y",
            "n",
            "off",
            "ON",
            ".inf",
            "-.Inf",
            ".nan",
            "123",
            "-1",
            "+1",
            "0x1F",
            "0X1f",
            "0o17",
            "0b101",
            "012",
            "08",
            "1_000",
            "1e3",
            "1.5",
            "1.",
            ".5",
            "+.5",
            "-0",
            "18446744073709551615",
            "-9223372036854775808",
            "1:20",
            "-1:20:30.5",
            "2001-12-14",
            "2001-1-2",
            "2001-12-14T21:59:43.10Z",
            "2001-12-14t21:59:43+05:00",
            "2001-12-14 21:59:43.1",
            "2001-12-14  21:59:43",
            ".5_5",
        ] {
            assert!(needs_quotes(s), "{s:?}");
        }
    }

    #[test]
    fn other_strings_stay_plain() {
        for s in [
            "a",
            "yES",
            "tRUE",
            "nil",
            "None",
            "<<",
            "-",
            "+",
            "0x",
            "0b",
            "1e400",
            "1:60",
            "1:2a",
            "2001-12-14T21:59:43",
            "2001-02-29",
            "2001-13-01",
            "2001-12-14 25:00:00",
            "2001-12-14x",
            "1.2.3",
            "v1",
            "0.0.0.0",
            ".",
            "._5",
            ".e3",
            "1e",
            "- a",
            "0x1G",
        ] {
            assert!(!needs_quotes(s), "{s:?}");
        }
    }

    #[test]
    fn huge_integers_are_floats_when_they_fit() {
        // Past u64, the float pattern still matches: a float, so quoted.
        assert!(needs_quotes("100000000000000000000"));
        assert!(needs_quotes("-18446744073709551616"));
    }
}
