//! Scalar resolution as go-yaml v2 does it (`resolve.go`, and `decode.go`'s
//! `scalar` for a value bound for `interface{}`), with the parts of Go's
//! `strconv` and `time.Parse` it depends on.
//!
//! Only plain scalars are resolved: a quoted or block scalar without a tag is a
//! string. An explicit tag asks for one type, and a value that resolves to
//! another is an error ("cannot decode !!str `abc` as a !!int"), except that an
//! integer is accepted as a `!!float`.

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};

/// The prefix of the YAML core tags (`!!int` is `tag:yaml.org,2002:int`).
pub(crate) const CORE_PREFIX: &str = "tag:yaml.org,2002:";

/// A scalar as go-yaml v2 hands it to `sigs.k8s.io/yaml`, which then converts
/// it to JSON: Go's `nil`, `bool`, `int`, `uint64`, `float64` or `string`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar {
    Null,
    Bool(bool),
    /// Go's `int` (64 bits here, as on every platform Helm ships for).
    Int(i64),
    /// Go's `uint64`: only integers above `i64::MAX` resolve to it.
    Uint(u64),
    Float(f64),
    Str(String),
}

/// The short form of a resolved tag, for messages (`!!int`).
fn short(tag: &str) -> String {
    match tag.strip_prefix(CORE_PREFIX) {
        Some(rest) => format!("!!{rest}"),
        None => tag.to_string(),
    }
}

/// Resolves one scalar node the way go-yaml v2 decodes it into `interface{}`.
///
/// `tag` is the node's full tag (`tag:yaml.org,2002:int`, `!foo`, or `!` for
/// the non-specific tag), `None` when it has none; `plain` is whether the
/// scalar was written unquoted (not `'…'`, `"…"`, `|` or `>`).
///
/// # Errors
/// A value that does not fit its explicit tag, or `!!binary` content that is
/// not base64, with go-yaml's message.
pub(crate) fn resolve_scalar(
    value: &str,
    tag: Option<&str>,
    plain: bool,
) -> Result<Scalar, String> {
    // decode.go: `if n.tag == "" && !n.implicit` the scalar is a plain string.
    // libyaml's `plain_implicit` is true for an untagged plain scalar and for
    // any scalar tagged with the non-specific `!`.
    let Some(tag) = tag else {
        if !plain {
            return Ok(Scalar::Str(value.to_string()));
        }
        return resolve("", value);
    };
    let tag = short(tag);
    if tag == "!!binary" {
        // decode.go: base64.StdEncoding.DecodeString, then `string(data)`.
        return decode_binary(value).map(Scalar::Str);
    }
    resolve(&tag, value)
}

/// go-yaml v2's `resolve(tag, in)` with its deferred tag check, for a tag in
/// short form (`""` for none), followed by decode.go's handling of a
/// timestamp bound for `interface{}` (it stays the original string).
fn resolve(tag: &str, input: &str) -> Result<Scalar, String> {
    // resolvableTag: any other tag (`!foo`, `!`, `!!merge`, `!!set`...) leaves
    // the text as it is.
    if !matches!(
        tag,
        "" | "!!str" | "!!bool" | "!!int" | "!!float" | "!!null" | "!!timestamp"
    ) {
        return Ok(Scalar::Str(input.to_string()));
    }
    let (rtag, out) = resolve_untyped(tag, input);
    let out = match tag {
        "" | "!!str" => out,
        _ if tag == rtag => out,
        // An integer is a fine `!!float`; a uint64 is not (go-yaml converts
        // only `int` and `int64`).
        "!!float" if rtag == "!!int" => match out {
            #[expect(clippy::cast_precision_loss, reason = "Go's float64(int)")]
            Scalar::Int(i) => Scalar::Float(i as f64),
            _ => return Err(format!("cannot decode {rtag} `{input}` as a {tag}")),
        },
        _ => return Err(format!("cannot decode {rtag} `{input}` as a {tag}")),
    };
    Ok(out)
}

/// The body of go-yaml v2's `resolve`: the tag the text resolves to and the
/// value. A timestamp is returned as its text (decode.go keeps timestamps
/// bound for `interface{}` as strings).
fn resolve_untyped(tag: &str, input: &str) -> (&'static str, Scalar) {
    let string = || ("!!str", Scalar::Str(input.to_string()));
    // "Any data is accepted as a !!str or !!binary."
    if tag == "!!str" {
        return string();
    }
    // The first byte is a hint of what the text might be.
    let hint = match input.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => return string(),
    };
    if let Some(resolved) = lookup(input) {
        return resolved;
    }
    match hint {
        b'.' => {
            // Not in the map, so maybe a normal float (strconv.ParseFloat on
            // the text as written: underscores only between digits).
            if let Some(f) = go_parse_float(input) {
                return ("!!float", Scalar::Float(f));
            }
        }
        b'D' | b'S' => {
            // Only untagged text (or an explicit !!timestamp) may be a
            // timestamp; bound for interface{} it stays a string.
            if (tag.is_empty() || tag == "!!timestamp") && is_timestamp(input) {
                return ("!!timestamp", Scalar::Str(input.to_string()));
            }
            let plain = input.replace('_', "");
            if let Some(i) = go_parse_int(&plain) {
                return ("!!int", Scalar::Int(i));
            }
            if let Some(u) = go_parse_uint(&plain) {
                return ("!!int", Scalar::Uint(u));
            }
            if yaml_style_float(&plain)
                && let Some(f) = go_parse_float(&plain)
            {
                return ("!!float", Scalar::Float(f));
            }
            // go-yaml then retries `0b…` and `-0b…` in base 2; Go's
            // ParseInt with base 0 has accepted those prefixes since Go 1.13,
            // so that retry never finds anything new.
        }
        _ => {}
    }
    string()
}

/// go-yaml v2's `resolveMap`: the YAML 1.1 booleans, nulls and special floats
/// (exactly these spellings, no others).
fn lookup(input: &str) -> Option<(&'static str, Scalar)> {
    Some(match input {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            ("!!bool", Scalar::Bool(true))
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            ("!!bool", Scalar::Bool(false))
        }
        "" | "~" | "null" | "Null" | "NULL" => ("!!null", Scalar::Null),
        ".nan" | ".NaN" | ".NAN" => ("!!float", Scalar::Float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            ("!!float", Scalar::Float(f64::INFINITY))
        }
        "-.inf" | "-.Inf" | "-.INF" => ("!!float", Scalar::Float(f64::NEG_INFINITY)),
        // "<<" is in the map too (as !!merge), but its first byte has no hint,
        // so resolve never looks it up: `<<` as a value is the string "<<".
        _ => return None,
    })
}

/// `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `lower(c)` in strconv: ASCII letters to lower case, others garbled
/// harmlessly.
fn lower(c: u8) -> u8 {
    c | (b'x' - b'X')
}

/// Go's `strconv.ParseUint(s, 0, 64)`: an optional `0b`, `0o`, `0x` or `0`
/// (octal) prefix, underscores only as Go allows them; `None` on any error.
pub(crate) fn go_parse_uint(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let first = *b.first()?;
    let (base, digits): (u8, &[u8]) = if first == b'0' {
        match b.get(1).map(|&c| lower(c)) {
            Some(b'b') if b.len() >= 3 => (2, &b[2..]),
            Some(b'o') if b.len() >= 3 => (8, &b[2..]),
            Some(b'x') if b.len() >= 3 => (16, &b[2..]),
            _ => (8, &b[1..]),
        }
    } else {
        (10, b)
    };
    let mut n: u64 = 0;
    let mut underscores = false;
    let cutoff = u64::MAX / u64::from(base) + 1;
    for &c in digits {
        let d = match c {
            b'_' => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => c - b'0',
            _ if lower(c).is_ascii_lowercase() => lower(c) - b'a' + 10,
            _ => return None,
        };
        if d >= base || n >= cutoff {
            return None;
        }
        n = (n * u64::from(base)).checked_add(u64::from(d))?;
    }
    if underscores && !underscore_ok(s) {
        return None;
    }
    Some(n)
}

/// Go's `strconv.ParseInt(s, 0, 64)`: an optional sign, then as
/// [`go_parse_uint`], within `i64`.
pub(crate) fn go_parse_int(s: &str) -> Option<i64> {
    let (negative, rest) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let magnitude = go_parse_uint(rest)?;
    if negative {
        0_i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal text (the only kind resolve
/// gives it): optional sign, digits with at most one `.`, an optional
/// exponent, underscores only between digits; overflow to ±Inf is an error.
pub(crate) fn go_parse_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let (mut saw_dot, mut saw_digits, mut underscores) = (false, false, false);
    while let Some(&c) = b.get(i) {
        match c {
            b'_' => underscores = true,
            b'.' if !saw_dot => saw_dot = true,
            b'0'..=b'9' => saw_digits = true,
            _ => break,
        }
        i += 1;
    }
    if !saw_digits {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        while let Some(&c) = b.get(i) {
            match c {
                b'_' => underscores = true,
                b'0'..=b'9' => {}
                _ => break,
            }
            i += 1;
        }
    }
    if i != b.len() || (underscores && !underscore_ok(s)) {
        return None;
    }
    let value: f64 = s.replace('_', "").parse().ok()?;
    value.is_finite().then_some(value)
}

/// Go's `strconv.underscoreOK`: underscores only between digits (a base
/// prefix counts as a digit), never at the start or the end.
fn underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    // What we saw last: '^' start, '0' a digit or prefix, '_' an underscore,
    // '!' anything else.
    let mut saw = b'^';
    if let Some(b'+' | b'-') = b.first() {
        b = &b[1..];
    }
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(lower(b[1]), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = lower(b[1]) == b'x';
    }
    while let Some(&c) = b.get(i) {
        i += 1;
        if c.is_ascii_digit() || (hex && (b'a'..=b'f').contains(&lower(c))) {
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

/// `!!binary`: Go's `base64.StdEncoding.DecodeString` (padding required,
/// stray bits in the last character tolerated, `\r` and `\n` skipped), then
/// the bytes as a Go string, which `encoding/json` writes with each byte of
/// invalid UTF-8 replaced by U+FFFD.
fn decode_binary(text: &str) -> Result<String, String> {
    const GO_STD: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    let cleaned: String = text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    let bytes = GO_STD
        .decode(cleaned)
        .map_err(|_| "!!binary value contains invalid base64 data".to_string())?;
    Ok(go_lossy_utf8(&bytes))
}

/// Bytes as Go's `encoding/json` writes a string holding them: every byte
/// that is not part of valid UTF-8 becomes U+FFFD on its own.
pub(crate) fn go_lossy_utf8(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    loop {
        match std::str::from_utf8(bytes) {
            Ok(text) => {
                out.push_str(text);
                return out;
            }
            Err(err) => {
                let (valid, rest) = bytes.split_at(err.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                out.push('\u{fffd}');
                bytes = &rest[1..];
            }
        }
    }
}

/// go-yaml v2's `parseTimestamp`: `YYYY-` then one of Go's layouts
/// `2006-1-2T15:4:5.999999999Z07:00` (also with `t`),
/// `2006-1-2 15:4:5.999999999` and `2006-1-2`, as `time.Parse` reads them.
pub(crate) fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    [Some(b'T'), Some(b't'), Some(b' '), None]
        .into_iter()
        .any(|separator| parse_go_time(b, separator))
}

/// `time.Parse` with the layout `2006-1-2` followed, when `separator` is
/// given, by `<separator>15:4:5.999999999` and (for `T`/`t`) `Z07:00`.
fn parse_go_time(b: &[u8], separator: Option<u8>) -> bool {
    let mut cur = Cursor { b, i: 0 };
    let year: u32 = b[..4].iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'));
    cur.i = 4;
    let Some(month) = cur.literal(b'-').and_then(|()| cur.number()) else {
        return false;
    };
    let Some(day) = cur.literal(b'-').and_then(|()| cur.number()) else {
        return false;
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in(month, year) {
        return false;
    }
    let Some(separator) = separator else {
        return cur.done();
    };
    let time = cur.literal(separator).and_then(|()| {
        let hour = cur.number()?;
        cur.literal(b':')?;
        let minute = cur.number()?;
        cur.literal(b':')?;
        let second = cur.number()?;
        (hour < 24 && minute < 60 && second < 60).then_some(())
    });
    if time.is_none() {
        return false;
    }
    // `.999999999`: an optional `.` or `,` and any number of digits.
    if matches!(cur.peek(), Some(b'.' | b',')) && cur.peek_at(1).is_some_and(|c| c.is_ascii_digit())
    {
        cur.i += 1;
        while cur.peek().is_some_and(|c| c.is_ascii_digit()) {
            cur.i += 1;
        }
    }
    if separator == b' ' {
        return cur.done();
    }
    // `Z07:00`: `Z`, or a sign, two digits, `:`, two digits.
    if cur.peek() == Some(b'Z') {
        cur.i += 1;
        return cur.done();
    }
    let rest = &b[cur.i..];
    rest.len() >= 6
        && matches!(rest[0], b'+' | b'-')
        && rest[3] == b':'
        && [1, 2, 4, 5].iter().all(|&k| rest[k].is_ascii_digit())
        && (rest[1] - b'0') * 10 + (rest[2] - b'0') <= 24
        && (rest[4] - b'0') * 10 + (rest[5] - b'0') <= 60
        && rest.len() == 6
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.b.get(self.i + ahead).copied()
    }

    fn literal(&mut self, c: u8) -> Option<()> {
        (self.peek() == Some(c)).then(|| self.i += 1)
    }

    /// Go's `getnum(s, false)`: one or two digits.
    fn number(&mut self) -> Option<u32> {
        let first = self.peek().filter(u8::is_ascii_digit)?;
        self.i += 1;
        let mut n = u32::from(first - b'0');
        if let Some(second) = self.peek().filter(u8::is_ascii_digit) {
            self.i += 1;
            n = n * 10 + u32::from(second - b'0');
        }
        Some(n)
    }

    fn done(&self) -> bool {
        self.i == self.b.len()
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
