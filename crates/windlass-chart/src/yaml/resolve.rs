//! Scalar resolution as go-yaml v2 does it (`resolve.go`, and `decode.go`'s
//! `scalar` for a value bound for `interface{}`), with the parts of Go's
//! `strconv` and `time.Parse` it depends on.
//!
//! Only plain scalars are resolved: a quoted or block scalar without a tag is a
//! string. An explicit tag asks for one type, and a value that resolves to
//! another is an error ("cannot decode !!str `abc` as a !!int"), except that an
//! integer is accepted as a `!!float`.

use std::borrow::Cow;

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
            let plain = if input.contains('_') {
                Cow::Owned(input.replace('_', ""))
            } else {
                Cow::Borrowed(input)
            };
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

/// Whether an untagged plain scalar resolves to a string, decided from its
/// first byte and the `resolveMap` only; `false` also for text that may be a
/// number (resolve it to know).
pub(crate) fn is_plain_string(input: &str) -> bool {
    match input.as_bytes().first() {
        None | Some(b'+' | b'-' | b'0'..=b'9' | b'.') => false,
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => {
            lookup(input).is_none()
        }
        Some(_) => true,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    use Scalar::{Bool, Float, Int, Null, Str, Uint};

    fn s(text: &str) -> Scalar {
        Str(text.to_string())
    }

    /// Plain, untagged scalars: (text, expected, the go-yaml v2 rule).
    #[test]
    fn plain_scalars_resolve_as_go_yaml_v2() {
        let cases: &[(&str, Scalar, &str)] = &[
            // resolveMap: YAML 1.1 booleans in exactly these spellings.
            ("y", Bool(true), "resolveMap y"),
            ("Y", Bool(true), "resolveMap Y"),
            ("yes", Bool(true), "resolveMap yes"),
            ("Yes", Bool(true), "resolveMap Yes"),
            ("YES", Bool(true), "resolveMap YES"),
            ("on", Bool(true), "resolveMap on"),
            ("On", Bool(true), "resolveMap On"),
            ("ON", Bool(true), "resolveMap ON"),
            ("true", Bool(true), "resolveMap true"),
            ("True", Bool(true), "resolveMap True"),
            ("TRUE", Bool(true), "resolveMap TRUE"),
            ("n", Bool(false), "resolveMap n"),
            ("N", Bool(false), "resolveMap N"),
            ("no", Bool(false), "resolveMap no"),
            ("No", Bool(false), "resolveMap No"),
            ("NO", Bool(false), "resolveMap NO"),
            ("off", Bool(false), "resolveMap off"),
            ("Off", Bool(false), "resolveMap Off"),
            ("OFF", Bool(false), "resolveMap OFF"),
            ("false", Bool(false), "resolveMap false"),
            ("False", Bool(false), "resolveMap False"),
            ("FALSE", Bool(false), "resolveMap FALSE"),
            ("yEs", s("yEs"), "hint M, not in resolveMap"),
            ("oN", s("oN"), "hint M, not in resolveMap"),
            ("nope", s("nope"), "hint M, not in resolveMap"),
            // resolveMap: nulls, including the empty plain scalar (hint N).
            ("", Null, "empty text: hint N, resolveMap \"\""),
            ("~", Null, "resolveMap ~"),
            ("null", Null, "resolveMap null"),
            ("Null", Null, "resolveMap Null"),
            ("NULL", Null, "resolveMap NULL"),
            ("nULL", s("nULL"), "hint M, not in resolveMap"),
            // Integers: ParseInt(plain, 0, 64) after removing every `_`.
            ("0", Int(0), "ParseInt base 0: a lone 0"),
            ("-0", Int(0), "ParseInt: sign"),
            ("42", Int(42), "ParseInt decimal"),
            ("+42", Int(42), "ParseInt: plus sign"),
            ("-42", Int(-42), "ParseInt: minus sign"),
            ("0755", Int(493), "ParseInt base 0: leading 0 is octal"),
            ("-0755", Int(-493), "ParseInt: sign then octal"),
            ("00", Int(0), "ParseInt base 0: octal 0"),
            ("0o755", Int(493), "ParseInt base 0: 0o prefix"),
            ("0O17", Int(15), "ParseInt base 0: prefixes in either case"),
            ("0x1F", Int(31), "ParseInt base 0: 0x prefix"),
            (
                "0X1f",
                Int(31),
                "ParseInt base 0: hex digits in either case",
            ),
            ("-0x1F", Int(-31), "ParseInt: sign then hex"),
            ("0b101", Int(5), "ParseInt base 0: 0b prefix"),
            ("-0b101", Int(-5), "ParseInt: sign then binary"),
            ("1_000", Int(1000), "every _ removed first"),
            ("1__0", Int(10), "every _ removed first"),
            ("1_", Int(1), "every _ removed first"),
            ("0x_1F", Int(31), "every _ removed first"),
            ("0755_1", Int(3945), "every _ removed first, then octal"),
            ("_1", s("_1"), "first byte `_` has no hint"),
            (
                "0x",
                s("0x"),
                "ParseInt: 0x needs a digit (then octal `x` fails)",
            ),
            ("0b2", s("0b2"), "ParseInt: 2 is not a binary digit"),
            ("+", s("+"), "ParseInt: no digits"),
            ("+-5", s("+-5"), "ParseInt: one sign only"),
            ("1:20", s("1:20"), "no sexagesimal numbers in go-yaml"),
            ("9223372036854775807", Int(i64::MAX), "ParseInt: int64 max"),
            ("-9223372036854775808", Int(i64::MIN), "ParseInt: int64 min"),
            (
                "9223372036854775808",
                Uint(1 << 63),
                "ParseInt overflows, ParseUint fits",
            ),
            ("0xFFFFFFFFFFFFFFFF", Uint(u64::MAX), "ParseUint base 0"),
            (
                "0x10000000000000000",
                s("0x10000000000000000"),
                "neither fits, not a float",
            ),
            (
                "-9223372036854775809",
                Float(-9_223_372_036_854_775_809.0),
                "yamlStyleFloat",
            ),
            // Floats: yamlStyleFloat on the text without `_`, then ParseFloat.
            ("09", Float(9.0), "not octal, but yamlStyleFloat matches"),
            ("1.5", Float(1.5), "yamlStyleFloat"),
            ("1.", Float(1.0), "yamlStyleFloat: digits and a dot"),
            ("-1.5e+3", Float(-1500.0), "yamlStyleFloat: exponent"),
            ("1E3", Float(1000.0), "yamlStyleFloat: capital E"),
            ("1_000.5", Float(1000.5), "every _ removed first"),
            ("1e", s("1e"), "yamlStyleFloat: exponent needs digits"),
            ("1.5.5", s("1.5.5"), "yamlStyleFloat: one dot"),
            ("1e400", s("1e400"), "ParseFloat: out of range is an error"),
            ("1e-400", Float(0.0), "ParseFloat: underflow is zero"),
            (
                "18446744073709551616",
                Float(18_446_744_073_709_551_616.0),
                "too big for ParseUint",
            ),
            ("0x1p-2", s("0x1p-2"), "yamlStyleFloat: no hex floats"),
            // Hint `.`: resolveMap, else ParseFloat on the text as written.
            (".5", Float(0.5), "hint .: ParseFloat"),
            (".5e1", Float(5.0), "hint .: ParseFloat"),
            (
                ".5_0",
                Float(0.5),
                "hint .: ParseFloat allows _ between digits",
            ),
            (
                "._5",
                s("._5"),
                "hint .: ParseFloat refuses _ after the dot",
            ),
            (".", s("."), "hint .: no digits"),
            (".e1", s(".e1"), "hint .: no digits"),
            (".iNf", s(".iNf"), "hint .: not in resolveMap, not a number"),
            ("-.5", Float(-0.5), "hint S: yamlStyleFloat"),
            // Timestamps stay strings (decode.go, for interface{}).
            ("2001-12-14", s("2001-12-14"), "timestamp kept as text"),
            (
                "2001-12-14t21:59:43.10-05:00",
                s("2001-12-14t21:59:43.10-05:00"),
                "timestamp",
            ),
            // No hint: strings.
            ("<<", s("<<"), "`<` has no hint: << is a string value"),
            ("Inf", s("Inf"), "hint 0 (I)"),
            ("infinity", s("infinity"), "hint 0 (i)"),
            ("abc", s("abc"), "hint 0"),
            ("é", s("é"), "hint 0 for non-ASCII"),
        ];
        for (text, want, rule) in cases {
            let got = resolve_scalar(text, None, true).unwrap();
            assert_eq!(&got, want, "{text:?} ({rule})");
        }
        // The special floats resolve to the non-finite values.
        for (text, want) in [
            (".inf", f64::INFINITY),
            (".Inf", f64::INFINITY),
            (".INF", f64::INFINITY),
            ("+.inf", f64::INFINITY),
            ("-.inf", f64::NEG_INFINITY),
            ("-.Inf", f64::NEG_INFINITY),
        ] {
            assert_eq!(resolve_scalar(text, None, true), Ok(Float(want)), "{text}");
        }
        for text in [".nan", ".NaN", ".NAN"] {
            assert!(
                matches!(resolve_scalar(text, None, true), Ok(Float(f)) if f.is_nan()),
                "{text}"
            );
        }
    }

    #[test]
    fn plain_strings_are_known_without_resolving() {
        let texts = [
            "",
            "~",
            "y",
            "yes",
            "Yes",
            "no",
            "on",
            "oN",
            "nope",
            "null",
            "nULL",
            "true",
            "tag",
            "fullnameOverride",
            "0",
            "-1",
            "+",
            ".5",
            ".inf",
            ".x",
            "1e3",
            "2001-12-14",
            "<<",
            "é",
            "_1",
            "image",
            "Inf",
            "FALSE",
            "False",
            "off",
            "OFF",
            "o",
            "N",
            "t",
        ];
        let mut strings = 0;
        for text in texts {
            if is_plain_string(text) {
                strings += 1;
                assert_eq!(resolve_scalar(text, None, true), Ok(s(text)), "{text:?}");
            }
        }
        assert_eq!(strings, 12);
    }

    /// Quoted and block scalars (not plain, untagged) are strings as written
    /// (decode.go: `n.tag == "" && !n.implicit`).
    #[test]
    fn non_plain_scalars_are_strings() {
        for text in ["yes", "0755", "~", "", "1.5", ".inf"] {
            assert_eq!(resolve_scalar(text, None, false), Ok(s(text)), "{text}");
        }
    }

    /// Explicit tags: (tag, text, expected or the error go-yaml gives).
    #[test]
    fn tagged_scalars_resolve_as_go_yaml_v2() {
        let core = |suffix: &str| format!("{CORE_PREFIX}{suffix}");
        let cases: Vec<(String, &str, Result<Scalar, &str>, &str)> = vec![
            (core("str"), "12", Ok(s("12")), "!!str: any text as is"),
            (core("str"), "yes", Ok(s("yes")), "!!str: no resolution"),
            (core("str"), "", Ok(s("")), "!!str: empty"),
            (core("int"), "12", Ok(Int(12)), "!!int"),
            (core("int"), "0x1F", Ok(Int(31)), "!!int: any ParseInt form"),
            (
                core("int"),
                "abc",
                Err("cannot decode !!str `abc` as a !!int"),
                "deferred check",
            ),
            (
                core("int"),
                "1.5",
                Err("cannot decode !!float `1.5` as a !!int"),
                "deferred check",
            ),
            (
                core("int"),
                "",
                Err("cannot decode !!null `` as a !!int"),
                "deferred check",
            ),
            (core("float"), "1", Ok(Float(1.0)), "!!float takes an int"),
            (
                core("float"),
                "1_000",
                Ok(Float(1000.0)),
                "!!float takes an int",
            ),
            (core("float"), "2.5", Ok(Float(2.5)), "!!float"),
            (
                core("float"),
                "18446744073709551615",
                Err("cannot decode !!int `18446744073709551615` as a !!float"),
                "only int and int64 become float64",
            ),
            (core("bool"), "yes", Ok(Bool(true)), "!!bool"),
            (
                core("bool"),
                "1",
                Err("cannot decode !!int `1` as a !!bool"),
                "deferred check",
            ),
            (core("null"), "", Ok(Null), "!!null"),
            (core("null"), "~", Ok(Null), "!!null"),
            (
                core("null"),
                "foo",
                Err("cannot decode !!str `foo` as a !!null"),
                "deferred check",
            ),
            (
                core("timestamp"),
                "2001-12-14",
                Ok(s("2001-12-14")),
                "!!timestamp kept as text",
            ),
            (
                core("timestamp"),
                "2001-02-29",
                Err("cannot decode !!str `2001-02-29` as a !!timestamp"),
                "time.Parse checks the day",
            ),
            (
                core("timestamp"),
                "5",
                Err("cannot decode !!int `5` as a !!timestamp"),
                "deferred",
            ),
            (
                core("binary"),
                "aGVsbG8=",
                Ok(s("hello")),
                "!!binary: base64",
            ),
            (
                core("binary"),
                "aGVs\nbG8=\n",
                Ok(s("hello")),
                "!!binary: newlines skipped",
            ),
            (
                core("binary"),
                "/w==",
                Ok(s("\u{fffd}")),
                "!!binary: invalid UTF-8 as U+FFFD",
            ),
            (core("binary"), "", Ok(s("")), "!!binary: empty"),
            (
                core("binary"),
                "aGVsbG8",
                Err("!!binary value contains invalid base64 data"),
                "padding required",
            ),
            (core("merge"), "x", Ok(s("x")), "not resolvable: text as is"),
            (
                core("foo"),
                "12",
                Ok(s("12")),
                "unknown core tag: text as is",
            ),
            (
                "!foo".to_string(),
                "12",
                Ok(s("12")),
                "local tag: text as is",
            ),
            (
                "!".to_string(),
                "yes",
                Ok(s("yes")),
                "non-specific tag: text as is",
            ),
        ];
        for (tag, text, want, rule) in cases {
            let got = resolve_scalar(text, Some(&tag), true);
            assert_eq!(got, want.map_err(String::from), "{tag} {text:?} ({rule})");
            // A tag applies to quoted text the same way.
            let quoted = resolve_scalar(text, Some(&tag), false);
            assert_eq!(quoted, got, "{tag} {text:?} quoted");
        }
    }

    #[test]
    fn go_strconv_ports() {
        assert_eq!(go_parse_uint("0"), Some(0));
        assert_eq!(go_parse_uint("18446744073709551615"), Some(u64::MAX));
        assert_eq!(go_parse_uint("18446744073709551616"), None);
        assert_eq!(
            go_parse_uint("1_000"),
            Some(1000),
            "underscores between digits"
        );
        assert_eq!(go_parse_uint("1__000"), None, "one underscore at a time");
        assert_eq!(go_parse_uint("0x_1f"), Some(31), "after a base prefix");
        assert_eq!(go_parse_uint("_1"), None);
        assert_eq!(go_parse_uint(""), None);
        assert_eq!(go_parse_int("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(go_parse_int("-9223372036854775809"), None);
        assert_eq!(go_parse_int("9223372036854775808"), None);
        assert_eq!(go_parse_float("1e308"), Some(1e308));
        assert_eq!(go_parse_float("1e309"), None, "overflow");
        assert_eq!(go_parse_float("1_0.5"), Some(10.5));
        assert_eq!(go_parse_float("1_.5"), None);
        assert_eq!(go_parse_float("1e1_0"), Some(1e10));
        assert_eq!(go_parse_float("1e_10"), None);
        assert_eq!(go_parse_float("inf"), None, "only decimal text reaches it");
    }

    #[test]
    fn timestamps_follow_go_time_parse_layouts() {
        for yes in [
            "2001-12-14",
            "2001-1-2",
            "2000-02-29",
            "2001-12-14T21:59:43Z",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14T21:59:43,5+01:00",
            "2001-12-14 21:59:43.10",
            "2001-12-14 1:2:3",
        ] {
            assert!(is_timestamp(yes), "{yes}");
        }
        for no in [
            "2001-12-14 21:59:43.10 -5",
            "2001-13-01",
            "2001-02-29",
            "2001-12-32",
            "01-12-14",
            "2001-12-14T25:00:00Z",
            "2001-12-14T21:59:43",
            "2001-12-14x",
            "2001-12-14T21:59:43+0500",
        ] {
            assert!(!is_timestamp(no), "{no}");
        }
    }

    #[test]
    fn lossy_utf8_replaces_each_bad_byte_as_go_does() {
        assert_eq!(go_lossy_utf8(b"ok"), "ok");
        // A truncated three-byte sequence is two bad bytes to Go.
        assert_eq!(go_lossy_utf8(b"a\xe2\x82b"), "a\u{fffd}\u{fffd}b");
        assert_eq!(go_lossy_utf8(b"\xff\xfe"), "\u{fffd}\u{fffd}");
    }
}
