//! Go's `json.Unmarshal` into `interface{}`, `map[string]interface{}` or
//! `[]interface{}`, with Go's error messages, which `fromJson` hands to the
//! template (`invalid character 'x' after object key:value pair`).
//!
//! As in Go, the whole text is checked first (a syntax error wins over
//! anything else), then decoded: numbers become float64, a later duplicate
//! key wins, and a number out of float64's range is an error that leaves
//! `nil` in its place while decoding goes on.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::MAX_DEPTH;
use crate::value::Value;

/// The Go type decoded into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// `interface{}`.
    Any,
    /// `map[string]interface{}`.
    Map,
    /// `[]interface{}`.
    List,
}

impl Target {
    /// Go's name of the type, as its errors print it.
    pub(super) fn go_type(self) -> &'static str {
        match self {
            Target::Any => "interface {}",
            Target::Map => "map[string]interface {}",
            Target::List => "[]interface {}",
        }
    }
}

/// What `json.Unmarshal` leaves in the target, and the error it returns.
/// JSON `null` leaves the target as it was (for a map or a list Go would set
/// it to nil, which templates print as empty).
pub(super) fn unmarshal(text: &str, target: Target) -> (Option<Value>, Option<String>) {
    if let Err(message) = check_valid(text.as_bytes()) {
        return (None, Some(message));
    }
    let mut decoder = Decoder {
        s: text.as_bytes(),
        i: 0,
        error: None,
    };
    decoder.skip_space();
    let kind = decoder.peek_kind();
    let fits = match target {
        Target::Any => true,
        Target::Map => matches!(kind, Kind::Object | Kind::Null),
        Target::List => matches!(kind, Kind::Array | Kind::Null),
    };
    if !fits {
        let what = match kind {
            Kind::Object => "object",
            Kind::Array => "array",
            Kind::String => "string",
            Kind::Number => "number",
            Kind::Bool => "bool",
            Kind::Null => "null",
        };
        return (
            None,
            Some(format!(
                "json: cannot unmarshal {what} into Go value of type {}",
                target.go_type()
            )),
        );
    }
    let value = decoder.value();
    let value = match value {
        Value::Nil if target != Target::Any => None,
        other => Some(other),
    };
    (value, decoder.error)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

/// Go's scanner (`checkValid`): the first syntax error, worded as Go words it.
fn check_valid(s: &[u8]) -> Result<(), String> {
    Scanner { s, i: 0 }.run()
}

/// Where the scanner is inside: an object (after a key's colon, or after its
/// value) or an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Object,
    Array,
}

struct Scanner<'a> {
    s: &'a [u8],
    i: usize,
}

/// A syntax error about the byte `c`. At the end of the text, Go's scanner
/// feeds itself a space to see whether the text is complete, so an
/// unfinished number or literal is an error about `' '`.
fn invalid(c: u8, context: &str) -> String {
    format!("invalid character {} {context}", quote_char(c))
}

const EOF: &str = "unexpected end of JSON input";

impl Scanner<'_> {
    fn run(&mut self) -> Result<(), String> {
        let mut stack: Vec<Container> = Vec::new();
        'value: loop {
            self.skip_space();
            let Some(c) = self.peek() else {
                return Err(EOF.into());
            };
            match c {
                b'{' | b'[' => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(invalid(c, "exceeded max depth"));
                    }
                    self.i += 1;
                    self.skip_space();
                    let close = if c == b'{' { b'}' } else { b']' };
                    match self.peek() {
                        Some(n) if n == close => self.i += 1,
                        None => return Err(EOF.into()),
                        Some(_) if c == b'[' => {
                            stack.push(Container::Array);
                            continue 'value;
                        }
                        Some(_) => {
                            stack.push(Container::Object);
                            self.key()?;
                            continue 'value;
                        }
                    }
                }
                b'"' => self.string()?,
                b'-' | b'0'..=b'9' => self.number()?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                _ => return Err(invalid(c, "looking for beginning of value")),
            }
            // After a value: close containers, or go on to the next value.
            loop {
                self.skip_space();
                let Some(&top) = stack.last() else {
                    return match self.peek() {
                        None => Ok(()),
                        Some(c) => Err(invalid(c, "after top-level value")),
                    };
                };
                let Some(c) = self.peek() else {
                    return Err(EOF.into());
                };
                self.i += 1;
                match (top, c) {
                    (Container::Object, b',') => {
                        self.skip_space();
                        self.key()?;
                        continue 'value;
                    }
                    (Container::Array, b',') => continue 'value,
                    (Container::Object, b'}') | (Container::Array, b']') => {
                        stack.pop();
                    }
                    (Container::Object, _) => {
                        return Err(invalid(c, "after object key:value pair"));
                    }
                    (Container::Array, _) => return Err(invalid(c, "after array element")),
                }
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// The next byte of a token that cannot end here.
    fn next_or_space(&mut self) -> u8 {
        let c = self.peek().unwrap_or(b' ');
        self.i += 1;
        c
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.i += 1;
        }
    }

    /// An object key and its colon.
    fn key(&mut self) -> Result<(), String> {
        match self.peek() {
            Some(b'"') => self.string()?,
            Some(c) => return Err(invalid(c, "looking for beginning of object key string")),
            None => return Err(EOF.into()),
        }
        self.skip_space();
        match self.peek() {
            Some(b':') => {
                self.i += 1;
                Ok(())
            }
            Some(c) => Err(invalid(c, "after object key")),
            None => Err(EOF.into()),
        }
    }

    fn string(&mut self) -> Result<(), String> {
        self.i += 1; // the opening quote
        loop {
            let Some(c) = self.peek() else {
                return Err(EOF.into());
            };
            self.i += 1;
            match c {
                b'"' => return Ok(()),
                b'\\' => match self.next_or_space() {
                    b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {}
                    b'u' => {
                        for _ in 0..4 {
                            let h = self.next_or_space();
                            if !h.is_ascii_hexdigit() {
                                return Err(invalid(h, "in \\u hexadecimal character escape"));
                            }
                        }
                    }
                    e => return Err(invalid(e, "in string escape code")),
                },
                0..=0x1f => return Err(invalid(c, "in string literal")),
                _ => {}
            }
        }
    }

    fn number(&mut self) -> Result<(), String> {
        if self.peek() == Some(b'-') {
            self.i += 1;
            let c = self.peek().unwrap_or(b' ');
            if !c.is_ascii_digit() {
                return Err(invalid(c, "in numeric literal"));
            }
        }
        if self.peek() == Some(b'0') {
            self.i += 1;
        } else {
            self.digits();
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            let c = self.peek().unwrap_or(b' ');
            if !c.is_ascii_digit() {
                return Err(invalid(c, "after decimal point in numeric literal"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            let c = self.peek().unwrap_or(b' ');
            if !c.is_ascii_digit() {
                return Err(invalid(c, "in exponent of numeric literal"));
            }
            self.digits();
        }
        Ok(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), String> {
        let name = std::str::from_utf8(word).unwrap_or_default();
        self.i += 1;
        for &expected in &word[1..] {
            let c = self.next_or_space();
            if c != expected {
                let context = format!("in literal {name} (expecting {})", quote_char(expected));
                return Err(invalid(c, &context));
            }
        }
        Ok(())
    }
}

/// Go's `quoteChar`: the byte as a quoted character, `'x'`, `'\n'`, `'\''`.
/// A byte of a multi-byte character shows as the Latin-1 character it would
/// be on its own (`'Ã'`), as in Go.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => return r"'\''".to_string(),
        b'"' => return "'\"'".to_string(),
        _ => {}
    }
    let mut out = String::from("'");
    match c {
        0x07 => out.push_str(r"\a"),
        0x08 => out.push_str(r"\b"),
        0x0c => out.push_str(r"\f"),
        b'\n' => out.push_str(r"\n"),
        b'\r' => out.push_str(r"\r"),
        b'\t' => out.push_str(r"\t"),
        0x0b => out.push_str(r"\v"),
        b'\\' => out.push_str(r"\\"),
        0x00..=0x1f | 0x7f => {
            let _ = write!(out, "\\x{c:02x}");
        }
        // Not printable for Go: C1 controls, no-break space, soft hyphen.
        0x80..=0xa0 | 0xad => {
            let _ = write!(out, "\\u{c:04x}");
        }
        _ => out.push(char::from(c)),
    }
    out.push('\'');
    out
}

/// Decodes text [`check_valid`] accepted.
struct Decoder<'a> {
    s: &'a [u8],
    i: usize,
    /// The first type error, as Go saves it and goes on.
    error: Option<String>,
}

impl Decoder<'_> {
    fn skip_space(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\r' | b'\n') {
            self.i += 1;
        }
    }

    fn peek_kind(&self) -> Kind {
        match self.s.get(self.i) {
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(b'"') => Kind::String,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'n') => Kind::Null,
            _ => Kind::Number,
        }
    }

    fn value(&mut self) -> Value {
        self.skip_space();
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut entries = BTreeMap::new();
                loop {
                    self.skip_space();
                    match self.s.get(self.i) {
                        Some(b'}') => {
                            self.i += 1;
                            break;
                        }
                        Some(b',') => self.i += 1,
                        _ => {
                            let key = self.string();
                            self.skip_space();
                            self.i += 1; // the colon
                            let item = self.value();
                            entries.insert(key, item);
                        }
                    }
                }
                Value::map(entries)
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    match self.s.get(self.i) {
                        Some(b']') => {
                            self.i += 1;
                            break;
                        }
                        Some(b',') => self.i += 1,
                        _ => items.push(self.value()),
                    }
                }
                Value::list(items)
            }
            Some(b'"') => Value::String(self.string()),
            Some(b't') => {
                self.i += 4;
                Value::Bool(true)
            }
            Some(b'f') => {
                self.i += 5;
                Value::Bool(false)
            }
            Some(b'n') => {
                self.i += 4;
                Value::Nil
            }
            _ => self.number(),
        }
    }

    fn number(&mut self) -> Value {
        let start = self.i;
        while self.i < self.s.len()
            && matches!(
                self.s[self.i],
                b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
            )
        {
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or_default();
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Value::Float(x),
            _ => {
                self.error.get_or_insert_with(|| {
                    format!("json: cannot unmarshal number {text} into Go value of type float64")
                });
                Value::Nil
            }
        }
    }

    /// A string literal, unescaped; a lone surrogate escape becomes U+FFFD.
    fn string(&mut self) -> String {
        self.i += 1; // the opening quote
        let mut out = String::new();
        let mut run = self.i;
        while let Some(&c) = self.s.get(self.i) {
            if c != b'"' && c != b'\\' {
                self.i += 1;
                continue;
            }
            // The text was valid UTF-8 and quotes and backslashes are ASCII.
            out.push_str(std::str::from_utf8(&self.s[run..self.i]).unwrap_or_default());
            if c == b'"' {
                self.i += 1;
                break;
            }
            let escape = self.s.get(self.i + 1).copied().unwrap_or(b'"');
            self.i += 2;
            match escape {
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'u' => out.push(self.unicode_escape()),
                other => out.push(char::from(other)),
            }
            run = self.i;
        }
        out
    }

    /// The character of a `\uXXXX` escape (the `\u` already read), joining
    /// a surrogate pair.
    fn unicode_escape(&mut self) -> char {
        let first = self.hex4();
        if (0xd800..0xdc00).contains(&first)
            && self.s.get(self.i) == Some(&b'\\')
            && self.s.get(self.i + 1) == Some(&b'u')
        {
            let save = self.i;
            self.i += 2;
            let second = self.hex4();
            if (0xdc00..0xe000).contains(&second) {
                let code = 0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00);
                return char::from_u32(code).unwrap_or('\u{fffd}');
            }
            self.i = save;
        }
        char::from_u32(first).unwrap_or('\u{fffd}')
    }

    fn hex4(&mut self) -> u32 {
        let mut v = 0;
        for _ in 0..4 {
            let d = self
                .s
                .get(self.i)
                .and_then(|&h| char::from(h).to_digit(16))
                .unwrap_or(0);
            v = v * 16 + d;
            self.i += 1;
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> String {
        unmarshal(text, Target::Any).1.unwrap_or_default()
    }

    #[test]
    fn syntax_errors_read_as_go_writes_them() {
        for (text, go) in [
            ("", "unexpected end of JSON input"),
            ("{", "unexpected end of JSON input"),
            ("{\"a\" 1}", "invalid character '1' after object key"),
            (
                "{\"a\":1 x}",
                "invalid character 'x' after object key:value pair",
            ),
            ("[1 2]", "invalid character '2' after array element"),
            (
                "{1}",
                "invalid character '1' looking for beginning of object key string",
            ),
            ("x", "invalid character 'x' looking for beginning of value"),
            ("1 2", "invalid character '2' after top-level value"),
            (
                "tru}",
                "invalid character '}' in literal true (expecting 'e')",
            ),
            (
                "nul",
                "invalid character ' ' in literal null (expecting 'l')",
            ),
            ("-", "invalid character ' ' in numeric literal"),
            (
                "1.",
                "invalid character ' ' after decimal point in numeric literal",
            ),
            (
                "1e+",
                "invalid character ' ' in exponent of numeric literal",
            ),
            ("\"\\", "invalid character ' ' in string escape code"),
            ("\"abc", "unexpected end of JSON input"),
            ("[1", "unexpected end of JSON input"),
            ("{\"a\":", "unexpected end of JSON input"),
            ("\"a\nb\"", "invalid character '\\n' in string literal"),
            ("\"\\x\"", "invalid character 'x' in string escape code"),
            (
                "\"\\u12g4\"",
                "invalid character 'g' in \\u hexadecimal character escape",
            ),
            ("-x", "invalid character 'x' in numeric literal"),
            (
                "1.x",
                "invalid character 'x' after decimal point in numeric literal",
            ),
            (
                "1ex",
                "invalid character 'x' in exponent of numeric literal",
            ),
            ("01", "invalid character '1' after top-level value"),
            (
                "{\"a\":1,}",
                "invalid character '}' looking for beginning of object key string",
            ),
            (
                "[1,]",
                "invalid character ']' looking for beginning of value",
            ),
            ("é", "invalid character 'Ã' looking for beginning of value"),
        ] {
            assert_eq!(error_of(text), go, "{text:?}");
        }
    }

    #[test]
    fn decodes_as_go_does() {
        let (v, err) = unmarshal(
            r#"{"a":[1,"x\u00e9\ud83d\ude00\ud800",null,true],"a":2.5}"#,
            Target::Map,
        );
        assert_eq!(err, None);
        assert_eq!(v.unwrap().to_string(), "map[a:2.5]");
        let (v, _) = unmarshal(r#"["x\u00e9\ud83d\ude00\ud800\n"]"#, Target::List);
        assert_eq!(v.unwrap(), Value::list(vec![Value::str("xé😀\u{fffd}\n")]));
        let (v, err) = unmarshal(r#"{"a":1e400,"b":2}"#, Target::Map);
        assert_eq!(
            err.as_deref(),
            Some("json: cannot unmarshal number 1e400 into Go value of type float64")
        );
        assert_eq!(v.unwrap().to_string(), "map[a:<nil> b:2]");
    }

    #[test]
    fn type_mismatch_at_the_top() {
        assert_eq!(
            unmarshal("[1]", Target::Map).1.as_deref(),
            Some("json: cannot unmarshal array into Go value of type map[string]interface {}")
        );
        assert_eq!(
            unmarshal("{}", Target::List).1.as_deref(),
            Some("json: cannot unmarshal object into Go value of type []interface {}")
        );
        assert_eq!(unmarshal("null", Target::Map), (None, None));
    }
}
