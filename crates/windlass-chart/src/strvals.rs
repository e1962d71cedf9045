//! The `--set` family of flags, parsed exactly as Helm's `pkg/strvals` does.
//!
//! An expression is `name=value[,name=value...]` where a name is a dotted path with
//! optional list indexes (`a.b[0].c`), merged into an existing [`Values`] in place:
//!
//! - `--set`: values are typed — `true`/`false` (any case) are booleans, `null` (any
//!   case) is null, a decimal integer that does not start with `0` is an int64 (`0`
//!   itself too); everything else (`1.5`, `010`, `1e3`, `0x1f`) stays a string.
//!   `{a,b}` is a list. A backslash escapes the next character (`a\.b=x`, `x=1\,2`).
//! - `--set-string`: as `--set`, but every value is a string.
//! - `--set-file`: as `--set-string`, but each value names a file whose contents become
//!   the value.
//! - `--set-json`: each value is one JSON value (empty means `null`); a whole JSON
//!   object (`{"a":1}`) is deep-merged instead.
//! - `--set-literal`: one `name=value` whose value is everything after the first `=`,
//!   commas, braces and backslashes included; names take no escapes.
//!
//! Helm's quirks are kept: a name without a value fails, but an index that is never
//! closed (`a[0`) ends parsing silently, as does a trailing `.` (`a.`); indexes are
//! limited to 65536 and dotted names to 30 levels; `a[3]=x` pads with nulls.
//! Errors name the flag, the expression and where parsing stopped.

use std::fmt;
use std::io;

use serde_json::{Map, Value};

use crate::Values;
use crate::values::{ValuesError, merge_maps};
use crate::yaml::kind_of;

/// Helm's `MaxIndex`: the largest list index an expression may set.
pub const MAX_INDEX: usize = 65_536;

/// Helm's `MaxNestedNameLevel`: how many dots a name may have.
pub const MAX_NESTED_NAME_LEVEL: usize = 30;

/// How deeply names and list indexes may nest in total (`a[0][0]...`,
/// `a[0].b[0].c...`). Helm limits only dots; this keeps a hostile expression from
/// exhausting the stack.
const MAX_NESTING: usize = 256;

/// Which flag an expression came from (for error messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetFlag {
    /// `--set`.
    Set,
    /// `--set-string`.
    SetString,
    /// `--set-json`.
    SetJson,
    /// `--set-file`.
    SetFile,
    /// `--set-literal`.
    SetLiteral,
}

impl SetFlag {
    /// The flag as typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            SetFlag::Set => "--set",
            SetFlag::SetString => "--set-string",
            SetFlag::SetJson => "--set-json",
            SetFlag::SetFile => "--set-file",
            SetFlag::SetLiteral => "--set-literal",
        }
    }
}

impl fmt::Display for SetFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Applies one `--set` expression to `dest`.
///
/// # Errors
/// The expression does not parse, or addresses an existing value of the wrong kind
/// (`a.b=1` where `a` is a string).
pub fn parse_set(expr: &str, dest: &mut Values) -> Result<(), ValuesError> {
    run(SetFlag::Set, expr, dest, Mode::Typed)
}

/// Applies one `--set-string` expression to `dest`.
///
/// # Errors
/// As [`parse_set`].
pub fn parse_set_string(expr: &str, dest: &mut Values) -> Result<(), ValuesError> {
    run(SetFlag::SetString, expr, dest, Mode::String)
}

/// Applies one `--set-file` expression to `dest`; `read` is given each value (a path)
/// and returns the file's bytes (invalid UTF-8 is replaced).
///
/// # Errors
/// As [`parse_set`], or `read` fails.
pub fn parse_set_file(
    expr: &str,
    dest: &mut Values,
    read: &mut dyn FnMut(&str) -> io::Result<Vec<u8>>,
) -> Result<(), ValuesError> {
    run(SetFlag::SetFile, expr, dest, Mode::File(read))
}

/// Applies one `--set-json` expression to `dest`: a JSON object (after trimming
/// spaces) is deep-merged into `dest`; otherwise `name=<json>` pairs are set.
///
/// # Errors
/// Invalid JSON, or an expression that does not parse.
pub fn parse_set_json(expr: &str, dest: &mut Values) -> Result<(), ValuesError> {
    let trimmed = expr.trim();
    if trimmed.starts_with('{') {
        let object: Values =
            serde_json::from_str(trimmed).map_err(|err| ValuesError::SetSyntax {
                flag: SetFlag::SetJson,
                expr: expr.to_string(),
                at: err.column().max(1),
                message: format!("invalid JSON object: {err}"),
            })?;
        *dest = merge_maps(std::mem::take(dest), object);
        return Ok(());
    }
    run(SetFlag::SetJson, expr, dest, Mode::Json)
}

/// Applies one `--set-literal` expression to `dest`.
///
/// # Errors
/// The name does not parse (a value is always accepted verbatim).
pub fn parse_set_literal(expr: &str, dest: &mut Values) -> Result<(), ValuesError> {
    run(SetFlag::SetLiteral, expr, dest, Mode::Literal)
}

fn run(flag: SetFlag, expr: &str, dest: &mut Values, mode: Mode<'_>) -> Result<(), ValuesError> {
    let mut parser = Parser {
        chars: expr.chars().collect(),
        pos: 0,
        mode,
        depth: 0,
    };
    loop {
        match parser.key(dest, 0) {
            Ok(()) => {}
            Err(Stop::End) => return Ok(()),
            Err(Stop::Fail(failure)) => {
                let at = failure.at.max(1);
                return Err(match failure.kind {
                    FailureKind::Message(message) => ValuesError::SetSyntax {
                        flag,
                        expr: expr.to_string(),
                        at,
                        message,
                    },
                    FailureKind::Read { path, source } => ValuesError::SetFileRead {
                        expr: expr.to_string(),
                        path,
                        source,
                    },
                });
            }
        }
    }
}

/// How values are turned into JSON.
enum Mode<'r> {
    /// `--set`: Helm's `typedVal`.
    Typed,
    /// `--set-string`.
    String,
    /// `--set-file`: read the named file.
    File(&'r mut dyn FnMut(&str) -> io::Result<Vec<u8>>),
    /// `--set-json`.
    Json,
    /// `--set-literal`: different name syntax, value taken verbatim.
    Literal,
}

/// Why parsing stopped. Helm signals the end of input with `io.EOF`, which also ends
/// parsing successfully when it surfaces from a half-written name (`a[0`); `End` is
/// that signal.
enum Stop {
    End,
    Fail(Failure),
}

struct Failure {
    at: usize,
    kind: FailureKind,
}

enum FailureKind {
    Message(String),
    Read { path: String, source: io::Error },
}

type Step<T = ()> = Result<T, Stop>;

/// Why `{a,b}` was not read as a list.
enum ListStop {
    /// Nothing follows the `=`.
    End,
    /// The value does not start with `{`.
    NotList,
    Fail(Failure),
}

struct Parser<'r> {
    chars: Vec<char>,
    pos: usize,
    mode: Mode<'r>,
    depth: usize,
}

impl Parser<'_> {
    fn literal(&self) -> bool {
        matches!(self.mode, Mode::Literal)
    }

    fn next(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn unread(&mut self) {
        self.pos -= 1;
    }

    fn fail(&self, message: impl Into<String>) -> Stop {
        Stop::Fail(Failure {
            at: self.pos,
            kind: FailureKind::Message(message.into()),
        })
    }

    /// Helm's `runesUntil` (backslash escapes the next character) or, for
    /// `--set-literal`, `runesUntilLiteral` (no escapes). `None` means end of input.
    fn runes_until(&mut self, stop: &[char]) -> (String, Option<char>) {
        let escapes = !self.literal();
        let mut out = String::new();
        loop {
            match self.next() {
                None => return (out, None),
                Some(c) if stop.contains(&c) => return (out, Some(c)),
                Some('\\') if escapes => match self.next() {
                    None => return (out, None),
                    Some(escaped) => out.push(escaped),
                },
                Some(c) => out.push(c),
            }
        }
    }

    /// Everything left (the value of `--set-literal`).
    fn rest(&mut self) -> String {
        let rest: String = self.chars[self.pos..].iter().collect();
        self.pos = self.chars.len();
        rest
    }

    /// Helm's `key`, with the nesting guard.
    fn key(&mut self, data: &mut Map<String, Value>, level: usize) -> Step {
        self.nested(|parser| parser.key_segment(data, level))
    }

    /// Runs one level of recursion, failing past [`MAX_NESTING`] levels.
    fn nested(&mut self, step: impl FnOnce(&mut Self) -> Step) -> Step {
        if self.depth >= MAX_NESTING {
            return Err(self.fail(format!(
                "names and indexes nested deeper than {MAX_NESTING} levels"
            )));
        }
        self.depth += 1;
        let result = step(self);
        self.depth -= 1;
        result
    }

    /// Helm's `key`: reads a name segment and acts on the character that ends it.
    fn key_segment(&mut self, data: &mut Map<String, Value>, level: usize) -> Step {
        let stop: &[char] = if self.literal() {
            &['=', '[', '.']
        } else {
            &['=', '[', ',', '.']
        };
        let (key, last) = self.runes_until(stop);
        match last {
            None if key.is_empty() => Err(Stop::End),
            None => Err(self.fail(format!("key {key:?} has no value"))),
            Some('[') => {
                let index = self.key_index()?;
                // Go reads `data[key]` as a list (panicking on anything else) and
                // stores the result back, even when the item fails to parse.
                // An empty name is never stored back, so its list is worked on as a
                // copy (Go would still see in-place changes; nothing relies on that).
                let mut list = match data.get_mut(&key) {
                    None => Vec::new(),
                    Some(Value::Array(items)) if key.is_empty() => items.clone(),
                    Some(Value::Array(items)) => std::mem::take(items),
                    Some(other) => {
                        return Err(self.fail(format!(
                            "unable to parse key: `{key}` holds {}, not a list",
                            kind_of(other)
                        )));
                    }
                };
                let result = self.list_item(&mut list, index, level);
                set(data, &key, Value::Array(list));
                result
            }
            Some('=') => self.assign(data, &key),
            Some(',') => {
                set(data, &key, Value::String(String::new()));
                Err(self.fail(format!("key {key:?} has no value (cannot end with ,)")))
            }
            Some(_) => {
                let level = level + 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return Err(self.fail(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                match data.get_mut(&key) {
                    Some(Value::Object(inner)) => {
                        let result = self.key(inner, level);
                        if result.is_ok() && inner.is_empty() {
                            return Err(self.fail(format!("key map {key:?} has no value")));
                        }
                        result
                    }
                    Some(other) => Err(self.fail(format!(
                        "unable to parse key: `{key}` holds {}, not a map",
                        kind_of(other)
                    ))),
                    None => {
                        let mut inner = Map::new();
                        let result = self.key(&mut inner, level);
                        if result.is_ok() && inner.is_empty() {
                            return Err(self.fail(format!("key map {key:?} has no value")));
                        }
                        if !inner.is_empty() {
                            set(data, &key, Value::Object(inner));
                        }
                        result
                    }
                }
            }
        }
    }

    /// The `=` branch of `key`: reads the value and sets it.
    fn assign(&mut self, data: &mut Map<String, Value>, key: &str) -> Step {
        match self.mode {
            Mode::Literal => {
                let value = self.rest();
                set(data, key, Value::String(value));
                Ok(())
            }
            Mode::Json => {
                if self.empty_val() {
                    set(data, key, Value::Null);
                    return Ok(());
                }
                let value = self.json_value()?;
                set(data, key, value);
                self.empty_val();
                Ok(())
            }
            _ => match self.val_list() {
                Ok(list) => {
                    set(data, key, Value::Array(list));
                    Ok(())
                }
                Err(ListStop::End) => {
                    set(data, key, Value::String(String::new()));
                    Err(Stop::End)
                }
                Err(ListStop::NotList) => {
                    let (raw, _) = self.runes_until(&[',']);
                    let value = self.convert(raw)?;
                    set(data, key, value);
                    Ok(())
                }
                Err(ListStop::Fail(failure)) => Err(Stop::Fail(failure)),
            },
        }
    }

    /// Helm's `keyIndex`: the number up to `]`. An index never closed ends parsing.
    fn key_index(&mut self) -> Step<i64> {
        let (raw, last) = self.runes_until(&[']']);
        if last.is_none() {
            // Helm wraps io.EOF here, and its parse loop treats that as the end.
            return Err(Stop::End);
        }
        raw.parse::<i64>()
            .map_err(|_| self.fail(format!("error parsing index: {raw:?} is not an integer")))
    }

    /// Helm's `listItem`, with the nesting guard.
    fn list_item(&mut self, list: &mut Vec<Value>, index: i64, level: usize) -> Step {
        self.nested(|parser| parser.list_item_segment(list, index, level))
    }

    /// Helm's `listItem`: what follows `name[index]`. `list` is changed in place the
    /// way Go's shared slice is, also when an error follows.
    fn list_item_segment(&mut self, list: &mut Vec<Value>, index: i64, level: usize) -> Step {
        if index < 0 {
            return Err(self.fail(format!("negative {index} index not allowed")));
        }
        let (extra, last) = self.runes_until(&['[', '.', '=']);
        if !extra.is_empty() {
            return Err(self.fail(format!("unexpected data at end of array index: {extra:?}")));
        }
        let slot = usize::try_from(index).ok().filter(|&i| i < list.len());
        match last {
            None => Err(Stop::End),
            Some('=') => {
                let value = match self.mode {
                    Mode::Literal => Value::String(self.rest()),
                    Mode::Json => {
                        if self.empty_val() {
                            return self.set_index(list, index, Value::Null);
                        }
                        let value = self.json_value()?;
                        self.set_index(list, index, value)?;
                        self.empty_val();
                        return Ok(());
                    }
                    _ => match self.val_list() {
                        Ok(items) => Value::Array(items),
                        Err(ListStop::End) => Value::String(String::new()),
                        Err(ListStop::NotList) => {
                            let (raw, _) = self.runes_until(&[',']);
                            self.convert(raw)?
                        }
                        Err(ListStop::Fail(failure)) => return Err(Stop::Fail(failure)),
                    },
                };
                self.set_index(list, index, value)
            }
            Some('[') => {
                let next = self.key_index()?;
                self.nested_list_item(list, slot, index, next, level)
            }
            Some(_) => match slot {
                Some(i) => {
                    if !list[i].is_object() {
                        // Go replaces a non-map item in place before recursing.
                        list[i] = Value::Object(Map::new());
                    }
                    match &mut list[i] {
                        Value::Object(inner) => self.key(inner, level),
                        _ => Ok(()),
                    }
                }
                None => {
                    let mut inner = Map::new();
                    self.key(&mut inner, level)?;
                    self.set_index(list, index, Value::Object(inner))
                }
            },
        }
    }

    /// The `name[i][j]` case of `listItem`: an existing inner list is changed in
    /// place (Go shares it); a missing or null one is built and stored on success.
    fn nested_list_item(
        &mut self,
        list: &mut Vec<Value>,
        slot: Option<usize>,
        index: i64,
        next: i64,
        level: usize,
    ) -> Step {
        match slot.map(|i| &mut list[i]) {
            Some(Value::Array(inner)) => return self.list_item(inner, next, level),
            Some(Value::Null) | None => {}
            Some(other) => {
                let found = kind_of(other);
                return Err(self.fail(format!(
                    "unable to parse key: item {index} holds {found}, not a list"
                )));
            }
        }
        let mut inner = Vec::new();
        self.list_item(&mut inner, next, level)?;
        self.set_index(list, index, Value::Array(inner))
    }

    /// Helm's `setIndex`: sets `list[index]`, padding with nulls.
    fn set_index(&self, list: &mut Vec<Value>, index: i64, value: Value) -> Step {
        let Ok(i) = usize::try_from(index) else {
            return Err(self.fail(format!("negative {index} index not allowed")));
        };
        if i > MAX_INDEX {
            return Err(self.fail(format!(
                "index of {i} is greater than maximum supported index of {MAX_INDEX}"
            )));
        }
        if list.len() <= i {
            list.resize(i + 1, Value::Null);
        }
        list[i] = value;
        Ok(())
    }

    /// Helm's `valList`: `{a,b,c}` after `=`.
    fn val_list(&mut self) -> Result<Vec<Value>, ListStop> {
        match self.next() {
            None => return Err(ListStop::End),
            Some('{') => {}
            Some(_) => {
                self.unread();
                return Err(ListStop::NotList);
            }
        }
        let mut items = Vec::new();
        loop {
            let (raw, last) = self.runes_until(&[',', '}']);
            match last {
                None => {
                    return Err(ListStop::Fail(Failure {
                        at: self.pos,
                        kind: FailureKind::Message("list must terminate with '}'".to_string()),
                    }));
                }
                Some('}') => {
                    if self.next().is_some_and(|c| c != ',') {
                        self.unread();
                    }
                    items.push(self.convert(raw).map_err(list_stop)?);
                    return Ok(items);
                }
                Some(_) => items.push(self.convert(raw).map_err(list_stop)?),
            }
        }
    }

    /// Helm's `emptyVal` (for `--set-json`): skips spaces; true at a `,` (consumed)
    /// or the end, false before anything else (not consumed).
    fn empty_val(&mut self) -> bool {
        loop {
            match self.next() {
                None | Some(',') => return true,
                Some(c) if c.is_whitespace() => {}
                Some(_) => {
                    self.unread();
                    return false;
                }
            }
        }
    }

    /// One JSON value from the current position, ending where Go's `json.Decoder`
    /// ends it (so `a=1 b=2` sets both keys, as in Helm).
    fn json_value(&mut self) -> Step<Value> {
        let rest: String = self.chars[self.pos..].iter().collect();
        let end = json_value_end(&rest)
            .map_err(|message| self.fail(format!("invalid JSON: {message}")))?;
        let text = &rest[..end];
        let value: Value = serde_json::from_str(text).map_err(|err| {
            Stop::Fail(Failure {
                at: self.pos + err.column(),
                kind: FailureKind::Message(format!("invalid JSON: {err}")),
            })
        })?;
        self.pos += text.chars().count();
        Ok(value)
    }

    /// Turns a raw value into JSON according to the flag.
    fn convert(&mut self, raw: String) -> Step<Value> {
        let at = self.pos;
        match &mut self.mode {
            Mode::Typed => Ok(typed_value(raw)),
            Mode::String | Mode::Json | Mode::Literal => Ok(Value::String(raw)),
            Mode::File(read) => match read(&raw) {
                Ok(bytes) => Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned())),
                Err(source) => Err(Stop::Fail(Failure {
                    at,
                    kind: FailureKind::Read { path: raw, source },
                })),
            },
        }
    }
}

fn list_stop(stop: Stop) -> ListStop {
    match stop {
        Stop::End => ListStop::End,
        Stop::Fail(failure) => ListStop::Fail(failure),
    }
}

/// Helm's `set`: an empty name is ignored.
fn set(data: &mut Map<String, Value>, key: &str, value: Value) {
    if !key.is_empty() {
        data.insert(key.to_string(), value);
    }
}

/// Helm's `typedVal` for `--set`.
fn typed_value(raw: String) -> Value {
    if equal_fold(&raw, "true") {
        return Value::Bool(true);
    }
    if equal_fold(&raw, "false") {
        return Value::Bool(false);
    }
    if equal_fold(&raw, "null") {
        return Value::Null;
    }
    if raw == "0" {
        return Value::from(0_i64);
    }
    if !raw.is_empty() && !raw.starts_with('0') {
        // Go's strconv.ParseInt(raw, 10, 64): optional sign, ASCII digits, in range.
        if let Ok(n) = raw.parse::<i64>() {
            return Value::from(n);
        }
    }
    Value::String(raw)
}

/// Go's `strings.EqualFold` against a lowercase ASCII word: ASCII case is ignored,
/// and `ſ` (U+017F), which Unicode folds to `s`, matches `s` (so `falſe` is false).
fn equal_fold(s: &str, word: &str) -> bool {
    let mut chars = s.chars();
    for w in word.chars() {
        match chars.next() {
            Some(c) if c.to_ascii_lowercase() == w => {}
            Some('\u{17f}') if w == 's' => {}
            _ => return false,
        }
    }
    chars.next().is_none()
}

/// Where the first JSON value in `s` ends (a byte offset), by the rules of Go's
/// JSON scanner: composite values end at their closing bracket, strings at their
/// closing quote, numbers and literals at the first character their grammar does
/// not allow. Malformed values inside brackets are left for the JSON parser.
fn json_value_end(s: &str) -> Result<usize, String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    let Some(&first) = b.get(i) else {
        return Err("unexpected end of JSON input".to_string());
    };
    let unexpected_end = || "unexpected end of JSON input".to_string();
    match first {
        b'{' | b'[' => {
            let mut depth = 0_usize;
            let mut in_string = false;
            let mut j = i;
            while j < b.len() {
                let c = b[j];
                if in_string {
                    match c {
                        b'\\' => j += 1,
                        b'"' => in_string = false,
                        _ => {}
                    }
                } else {
                    match c {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                return Ok(j + 1);
                            }
                        }
                        _ => {}
                    }
                }
                j += 1;
            }
            Err(unexpected_end())
        }
        b'"' => {
            let mut j = i + 1;
            while j < b.len() {
                match b[j] {
                    b'\\' => j += 2,
                    b'"' => return Ok(j + 1),
                    _ => j += 1,
                }
            }
            Err(unexpected_end())
        }
        b'-' | b'0'..=b'9' => {
            let digit = |j: usize| b.get(j).is_some_and(u8::is_ascii_digit);
            let mut j = i;
            if b[j] == b'-' {
                j += 1;
                if j == b.len() {
                    return Err(unexpected_end());
                }
                if !digit(j) {
                    return Err(format!(
                        "invalid character {:?} in numeric literal",
                        char::from(b[j])
                    ));
                }
            }
            if b[j] == b'0' {
                j += 1;
            } else {
                while digit(j) {
                    j += 1;
                }
            }
            if b.get(j) == Some(&b'.') {
                j += 1;
                if j == b.len() {
                    return Err(unexpected_end());
                }
                if !digit(j) {
                    return Err(format!(
                        "invalid character {:?} after decimal point in numeric literal",
                        char::from(b[j])
                    ));
                }
                while digit(j) {
                    j += 1;
                }
            }
            if matches!(b.get(j), Some(b'e' | b'E')) {
                j += 1;
                if matches!(b.get(j), Some(b'+' | b'-')) {
                    j += 1;
                }
                if j == b.len() {
                    return Err(unexpected_end());
                }
                if !digit(j) {
                    return Err(format!(
                        "invalid character {:?} in exponent of numeric literal",
                        char::from(b[j])
                    ));
                }
                while digit(j) {
                    j += 1;
                }
            }
            Ok(j)
        }
        b't' | b'f' | b'n' => {
            let word: &[u8] = match first {
                b't' => b"true",
                b'f' => b"false",
                _ => b"null",
            };
            for (k, &expected) in word.iter().enumerate() {
                match b.get(i + k) {
                    None => return Err(unexpected_end()),
                    Some(&c) if c == expected => {}
                    Some(&c) => {
                        return Err(format!(
                            "invalid character {:?} in literal {} (expecting {:?})",
                            char::from(c),
                            String::from_utf8_lossy(word),
                            char::from(expected)
                        ));
                    }
                }
            }
            Ok(i + word.len())
        }
        _ => {
            let c = s[i..].chars().next().unwrap_or(' ');
            Err(format!(
                "invalid character {c:?} looking for beginning of value"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    type Parse = fn(&str, &mut Values) -> Result<(), ValuesError>;

    fn parsed(parse: Parse, expr: &str) -> Result<Value, String> {
        let mut dest = Values::new();
        parse(expr, &mut dest).map_err(|e| e.to_string())?;
        Ok(Value::Object(dest))
    }

    /// `(expression, expected values or None for an error, the rule it checks)`.
    type Case = (&'static str, Option<Value>, &'static str);

    fn check(parse: Parse, cases: &[Case]) {
        for (expr, expected, rule) in cases {
            let got = parsed(parse, expr);
            match expected {
                Some(want) => assert_eq!(got.as_ref(), Ok(want), "`{expr}` ({rule})"),
                None => assert!(got.is_err(), "`{expr}` should fail ({rule}), got {got:?}"),
            }
        }
    }

    #[test]
    fn set_cases_from_helm() {
        // The inputs and outcomes of Helm's TestParseSet.
        let cases: &[Case] = &[
            (
                "name1=null,f=false,t=true",
                Some(json!({"name1": null, "f": false, "t": true})),
                "null and booleans are typed",
            ),
            (
                "name1=value1",
                Some(json!({"name1": "value1"})),
                "a plain string",
            ),
            (
                "name1=value1,name2=value2",
                Some(json!({"name1": "value1", "name2": "value2"})),
                "commas separate pairs",
            ),
            (
                "name1=value1,name2=value2,",
                Some(json!({"name1": "value1", "name2": "value2"})),
                "a trailing comma is allowed",
            ),
            ("name1=value1,,,,name2=value2,", None, "empty pairs are not"),
            (
                "name1=,name2=value2",
                Some(json!({"name1": "", "name2": "value2"})),
                "an empty value is an empty string",
            ),
            (
                "leading_zeros=00009",
                Some(json!({"leading_zeros": "00009"})),
                "a leading zero keeps a string",
            ),
            (
                "zero_int=0",
                Some(json!({"zero_int": 0})),
                "0 itself is an integer",
            ),
            (
                "long_int=1234567890",
                Some(json!({"long_int": 1_234_567_890})),
                "integers are int64",
            ),
            (
                "boolean=true",
                Some(json!({"boolean": true})),
                "true is a bool",
            ),
            (
                "is_null=null",
                Some(json!({"is_null": null})),
                "null is null",
            ),
            ("name1,name2=", None, "a name without = fails"),
            (
                "name1,name2=value2",
                None,
                "a name without = fails before another pair",
            ),
            (
                "name1,name2=value2\\",
                None,
                "a trailing backslash does not rescue it",
            ),
            ("name1,name2", None, "names without values fail"),
            (
                "name1=one\\,two,name2=three\\,four",
                Some(json!({"name1": "one,two", "name2": "three,four"})),
                "\\, escapes a comma",
            ),
            (
                "name1=one\\=two,name2=three\\=four",
                Some(json!({"name1": "one=two", "name2": "three=four"})),
                "\\= escapes an equals sign",
            ),
            (
                "name1=one two three,name2=three two one",
                Some(json!({"name1": "one two three", "name2": "three two one"})),
                "spaces are kept",
            ),
            (
                "outer.inner=value",
                Some(json!({"outer": {"inner": "value"}})),
                "dots nest maps",
            ),
            (
                "outer.middle.inner=value",
                Some(json!({"outer": {"middle": {"inner": "value"}}})),
                "several levels",
            ),
            (
                "outer.inner1=value,outer.inner2=value2",
                Some(json!({"outer": {"inner1": "value", "inner2": "value2"}})),
                "siblings merge",
            ),
            (
                "outer.inner1=value,outer.middle.inner=value",
                Some(json!({"outer": {"inner1": "value", "middle": {"inner": "value"}}})),
                "mixed depths merge",
            ),
            ("name1.name2", None, "a dotted name without value fails"),
            (
                "name1.name2,name1.name3",
                None,
                "dotted names without values fail",
            ),
            (
                "name1.name2=",
                Some(json!({"name1": {"name2": ""}})),
                "an empty nested value",
            ),
            (
                "name1.=name2",
                None,
                "an empty segment leaves an empty map, which fails",
            ),
            (
                "name1.,name2",
                None,
                "an empty segment before a comma fails",
            ),
            (
                "name1={value1,value2}",
                Some(json!({"name1": ["value1", "value2"]})),
                "braces make a list",
            ),
            (
                "name1={value1,value2},name2={value1,value2}",
                Some(json!({"name1": ["value1", "value2"], "name2": ["value1", "value2"]})),
                "two lists",
            ),
            (
                "name1={1021,902}",
                Some(json!({"name1": [1021, 902]})),
                "list items are typed",
            ),
            (
                "name1.name2={value1,value2}",
                Some(json!({"name1": {"name2": ["value1", "value2"]}})),
                "a nested list",
            ),
            ("name1={1021,902", None, "an unterminated list fails"),
            (
                "list[0]=foo",
                Some(json!({"list": ["foo"]})),
                "an index sets a list item",
            ),
            (
                "list[0].foo=bar",
                Some(json!({"list": [{"foo": "bar"}]})),
                "an item can be a map",
            ),
            (
                "list[0].foo=bar,list[0].hello=world",
                Some(json!({"list": [{"foo": "bar", "hello": "world"}]})),
                "the same item merges",
            ),
            (
                "list[0].foo=bar,list[-30].hello=world",
                None,
                "negative indexes fail",
            ),
            (
                "list[0]=foo,list[1]=bar",
                Some(json!({"list": ["foo", "bar"]})),
                "indexes fill in order",
            ),
            (
                "list[0]=foo,list[1]=bar,",
                Some(json!({"list": ["foo", "bar"]})),
                "trailing comma after an index",
            ),
            (
                "list[0]=foo,list[3]=bar",
                Some(json!({"list": ["foo", null, null, "bar"]})),
                "gaps are padded with nulls",
            ),
            (
                "list[0]=foo,list[-20]=bar",
                None,
                "negative index after a valid one",
            ),
            ("illegal[0]name.foo=bar", None, "text after ] fails"),
            (
                "noval[0]",
                Some(json!({"noval": []})),
                "an index without value leaves an empty list",
            ),
            (
                "noval[0]=",
                Some(json!({"noval": [""]})),
                "an empty item value",
            ),
            (
                "nested[0][0]=1",
                Some(json!({"nested": [[1]]})),
                "nested lists",
            ),
            (
                "nested[1][1]=1",
                Some(json!({"nested": [null, [null, 1]]})),
                "nested lists pad too",
            ),
            (
                "name1.name2[0].foo=bar,name1.name2[1].foo=bar",
                Some(json!({"name1": {"name2": [{"foo": "bar"}, {"foo": "bar"}]}})),
                "lists inside maps",
            ),
            (
                "name1.name2[1].foo=bar,name1.name2[0].foo=bar",
                Some(json!({"name1": {"name2": [{"foo": "bar"}, {"foo": "bar"}]}})),
                "indexes out of order",
            ),
            (
                "name1.name2[1].foo=bar",
                Some(json!({"name1": {"name2": [null, {"foo": "bar"}]}})),
                "a map item after a gap",
            ),
            ("]={}].", None, "a list then a dotted name on it fails"),
        ];
        check(parse_set, cases);
    }

    #[test]
    fn set_typing_rules() {
        let cases: &[Case] = &[
            ("a=1.5", Some(json!({"a": "1.5"})), "floats stay strings"),
            (
                "a=010",
                Some(json!({"a": "010"})),
                "octal-looking stays a string",
            ),
            ("a=1e3", Some(json!({"a": "1e3"})), "exponents stay strings"),
            ("a=0x1F", Some(json!({"a": "0x1F"})), "hex stays a string"),
            ("a=-5", Some(json!({"a": -5})), "a sign is allowed"),
            (
                "a=+5",
                Some(json!({"a": 5})),
                "Go's ParseInt accepts a plus sign",
            ),
            (
                "a=9223372036854775807",
                Some(json!({"a": 9_223_372_036_854_775_807_i64})),
                "int64 max",
            ),
            (
                "a=9223372036854775808",
                Some(json!({"a": "9223372036854775808"})),
                "out of int64 range stays a string",
            ),
            (
                "a=1_000",
                Some(json!({"a": "1_000"})),
                "underscores are not digits here",
            ),
            (
                "a=TRUE,b=False,c=NULL",
                Some(json!({"a": true, "b": false, "c": null})),
                "case does not matter",
            ),
            (
                "a=fal\u{17f}e",
                Some(json!({"a": false})),
                "Go's EqualFold folds ſ to s",
            ),
            (
                "a= true",
                Some(json!({"a": " true"})),
                "spaces are significant",
            ),
            (
                "a\\.b=1",
                Some(json!({"a.b": 1})),
                "\\. keeps a dot in the name",
            ),
            (
                "a=x\\",
                Some(json!({"a": "x"})),
                "a trailing backslash is dropped",
            ),
        ];
        check(parse_set, cases);
    }

    #[test]
    fn set_quirks_helm_keeps() {
        let cases: &[Case] = &[
            (
                "a[0",
                Some(json!({})),
                "an index never closed ends parsing silently",
            ),
            ("a[=1", Some(json!({})), "so does this one"),
            (
                "a.",
                Some(json!({})),
                "a trailing dot ends parsing silently",
            ),
            ("a[x]=1", None, "a non-numeric index fails"),
            (".a=1", Some(json!({})), "an empty name is never stored"),
            (
                "a[65536]=x",
                Some(
                    json!({"a": (0..65_537).map(|i| if i == 65_536 { json!("x") } else { Value::Null }).collect::<Vec<_>>()}),
                ),
                "MaxIndex itself is allowed",
            ),
            ("a[65537]=x", None, "past MaxIndex fails"),
            ("a=1,a.b=2", None, "a scalar cannot become a map"),
            ("a=1,a[0]=2", None, "a scalar cannot become a list"),
        ];
        check(parse_set, cases);
        let deep = (1..=MAX_NESTED_NAME_LEVEL + 2)
            .map(|i| format!("name{i}"))
            .collect::<Vec<_>>()
            .join(".");
        let err = parsed(parse_set, &format!("{deep}=value")).unwrap_err();
        assert!(
            err.contains("nested level is greater than maximum supported nested level of 30"),
            "{err}"
        );
        let ok = (1..=MAX_NESTED_NAME_LEVEL + 1)
            .map(|i| format!("n{i}"))
            .collect::<Vec<_>>()
            .join(".");
        assert!(parsed(parse_set, &format!("{ok}=v")).is_ok());
        // Helm has no limit here; a hostile expression must fail, not overflow.
        let lists = format!("a{}=1", "[0]".repeat(10_000));
        let alternating = format!("{}=1", "a[0].".repeat(10_000));
        for (parse, expr) in [
            (parse_set as Parse, &lists),
            (parse_set, &alternating),
            (parse_set_literal, &alternating),
        ] {
            let err = parsed(parse, expr).unwrap_err();
            assert!(err.contains("nested deeper than 256 levels"), "{err:.100}");
        }
        let fine = format!("{}=1", "a[0].".repeat(100));
        assert!(
            parsed(parse_set, &fine).is_ok(),
            "realistic nesting is fine"
        );
    }

    #[test]
    fn set_merges_into_existing_values() {
        // Helm's TestParseInto cases.
        let mut dest = json!({"outer": {"inner1": "overwrite", "inner2": "value2"}})
            .as_object()
            .unwrap()
            .clone();
        parse_set(
            "outer.inner1=value1,outer.inner3=value3,outer.inner4=4",
            &mut dest,
        )
        .unwrap();
        assert_eq!(
            Value::Object(dest),
            json!({"outer": {"inner1": "value1", "inner2": "value2", "inner3": "value3", "inner4": 4}})
        );

        let mut dest = Values::new();
        parse_set("listOuter[0][0].type=listValue", &mut dest).unwrap();
        parse_set("listOuter[0][0].status=alive", &mut dest).unwrap();
        assert_eq!(
            Value::Object(dest),
            json!({"listOuter": [[{"type": "listValue", "status": "alive"}]]})
        );

        let mut dest = Values::new();
        parse_set("listOuter[0][0].type=listValue", &mut dest).unwrap();
        parse_set("listOuter[1][0].status=alive", &mut dest).unwrap();
        assert_eq!(
            Value::Object(dest),
            json!({"listOuter": [[{"type": "listValue"}], [{"status": "alive"}]]})
        );

        let mut dest = json!({"listOuter": [[[{"exited": "old"}]]]})
            .as_object()
            .unwrap()
            .clone();
        parse_set("listOuter[0][1][0].type=listValue", &mut dest).unwrap();
        parse_set("listOuter[0][0][1].status=alive", &mut dest).unwrap();
        assert_eq!(
            Value::Object(dest),
            json!({"listOuter": [[[{"exited": "old"}, {"status": "alive"}], [{"type": "listValue"}]]]})
        );
    }

    #[test]
    fn set_over_a_null_from_a_file_fails_like_go() {
        // `a: null` from -f, then `--set a.b=1`: Go's type assertion on nil panics.
        let mut dest = json!({"a": null}).as_object().unwrap().clone();
        let err = parse_set("a.b=1", &mut dest).unwrap_err();
        assert!(err.to_string().contains("holds null, not a map"), "{err}");
    }

    #[test]
    fn set_string_keeps_strings() {
        // Helm's testsString cases and TestParseIntoString.
        let cases: &[Case] = &[
            (
                "long_int_string=1234567890",
                Some(json!({"long_int_string": "1234567890"})),
                "no int typing",
            ),
            (
                "boolean=true",
                Some(json!({"boolean": "true"})),
                "no bool typing",
            ),
            ("is_null=null", Some(json!({"is_null": "null"})), "no null"),
            ("zero=0", Some(json!({"zero": "0"})), "no zero"),
            (
                "l={1,true}",
                Some(json!({"l": ["1", "true"]})),
                "list items stay strings",
            ),
        ];
        check(parse_set_string, cases);
        let mut dest = json!({"outer": {"inner1": "overwrite", "inner2": "value2"}})
            .as_object()
            .unwrap()
            .clone();
        parse_set_string("outer.inner1=1,outer.inner3=3", &mut dest).unwrap();
        assert_eq!(
            Value::Object(dest),
            json!({"outer": {"inner1": "1", "inner2": "value2", "inner3": "3"}})
        );
    }

    #[test]
    fn set_json_cases_from_helm() {
        // Helm's TestParseJSON cases.
        let mut dest = json!({"outer": {"inner1": "overwrite", "inner2": "value2"}})
            .as_object()
            .unwrap()
            .clone();
        parse_set_json(
            r#"outer.inner1="1",outer.inner3=3,outer.inner4=true,outer.inner5="true""#,
            &mut dest,
        )
        .unwrap();
        assert_eq!(
            Value::Object(dest),
            json!({"outer": {"inner1": "1", "inner2": "value2", "inner3": 3, "inner4": true, "inner5": "true"}})
        );

        let mut dest = json!({"outer": {"inner1": {"x": "overwrite"}, "inner2": "value2", "inner3": ["overwrite"]}})
            .as_object()
            .unwrap()
            .clone();
        parse_set_json(
            r#"outer.inner1={"a":"1","b":2,"c":[1,2,3]},outer.inner3=["new value 1","new value 2"],outer.inner4={"aa":"1","bb":2,"cc":[1,2,3]},outer.inner5=[{"A":"1","B":2,"C":[1,2,3]}]"#,
            &mut dest,
        )
        .unwrap();
        assert_eq!(
            Value::Object(dest),
            json!({"outer": {
                "inner1": {"a": "1", "b": 2, "c": [1, 2, 3]},
                "inner2": "value2",
                "inner3": ["new value 1", "new value 2"],
                "inner4": {"aa": "1", "bb": 2, "cc": [1, 2, 3]},
                "inner5": [{"A": "1", "B": 2, "C": [1, 2, 3]}]
            }})
        );

        let mut dest = json!({"outer": {"inner1": {"x": "overwrite"}, "inner2": "value2"}})
            .as_object()
            .unwrap()
            .clone();
        parse_set_json(
            r#"outer.inner1=,outer.inner3={"aa":"1","bb":2,"cc":[1,2,3]},outer.inner3.cc[1]=null"#,
            &mut dest,
        )
        .unwrap();
        assert_eq!(
            Value::Object(dest),
            json!({"outer": {"inner1": null, "inner2": "value2", "inner3": {"aa": "1", "bb": 2, "cc": [1, null, 3]}}})
        );

        let err = parsed(
            parse_set_json,
            r#"outer.inner1={"a":"1","b":2,"c":[1,2,3]},outer.inner3=["new value 1","new value 2"],outer.inner4={"aa":"1","bb":2,"cc":[1,2,3]},outer.inner5={"A":"1","B":2,"C":[1,2,3]}]"#,
        );
        assert!(err.is_err(), "a stray ] is a syntax error");
    }

    #[test]
    fn set_json_value_boundaries_follow_go_decoder() {
        let cases: &[Case] = &[
            (
                "a=1 b=2",
                Some(json!({"a": 1, "b": 2})),
                "a value ends at a space and the next pair follows",
            ),
            (
                "a=1b=2",
                Some(json!({"a": 1, "b": 2})),
                "a number ends where its grammar does",
            ),
            (
                "a=\"x\"b=2",
                Some(json!({"a": "x", "b": 2})),
                "a string ends at its quote",
            ),
            (
                "a=  ,b=1",
                Some(json!({"a": null, "b": 1})),
                "an empty value is null",
            ),
            ("a=nul", None, "a broken literal fails"),
            ("a={\"x\":1", None, "an unterminated object fails"),
            ("a=-", None, "a lone minus fails"),
            (
                "{\"a\": {\"b\": 1}}",
                Some(json!({"a": {"b": 1}})),
                "a whole object merges",
            ),
            (
                " {\"a\": 1} ",
                Some(json!({"a": 1})),
                "after trimming spaces",
            ),
            ("{\"a\": 1} x", None, "a whole object must be all there is"),
        ];
        check(parse_set_json, cases);
        let mut dest = json!({"a": {"keep": 1, "b": 0}})
            .as_object()
            .unwrap()
            .clone();
        parse_set_json(r#"{"a": {"b": 2}}"#, &mut dest).unwrap();
        assert_eq!(
            Value::Object(dest),
            json!({"a": {"keep": 1, "b": 2}}),
            "the object form deep-merges"
        );
    }

    #[test]
    fn set_file_reads_through_the_reader() {
        // Helm's TestParseFile / TestParseIntoFile, plus lists and read errors.
        let mut read = |p: &str| -> io::Result<Vec<u8>> {
            match p {
                "path1" => Ok(b"value1".to_vec()),
                "p2" => Ok(b"true".to_vec()),
                _ => Err(io::Error::new(io::ErrorKind::NotFound, "no such file")),
            }
        };
        let mut dest = Values::new();
        parse_set_file("name1=path1,b=p2,l={path1,p2}", &mut dest, &mut read).unwrap();
        assert_eq!(
            Value::Object(dest),
            json!({"name1": "value1", "b": "true", "l": ["value1", "true"]})
        );
        let err = parse_set_file("k=missing", &mut Values::new(), &mut read).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`--set-file k=missing`: cannot read `missing`: no such file"
        );
    }

    #[test]
    fn set_literal_cases_from_helm() {
        // Helm's TestParseLiteral cases.
        let cases: &[Case] = &[
            ("name", None, "a name without = fails"),
            ("name=", Some(json!({"name": ""})), "an empty value"),
            (
                "name=value",
                Some(json!({"name": "value"})),
                "a plain value",
            ),
            (
                "long_int_string=1234567890",
                Some(json!({"long_int_string": "1234567890"})),
                "no int typing",
            ),
            (
                "boolean=true",
                Some(json!({"boolean": "true"})),
                "no bool typing",
            ),
            ("is_null=null", Some(json!({"is_null": "null"})), "no null"),
            ("zero=0", Some(json!({"zero": "0"})), "no zero"),
            (
                "name1=null,name2=value2",
                Some(json!({"name1": "null,name2=value2"})),
                "commas are part of the value",
            ),
            (
                "name1=value,,,tail",
                Some(json!({"name1": "value,,,tail"})),
                "even several",
            ),
            (
                "leading_zeros=00009",
                Some(json!({"leading_zeros": "00009"})),
                "leading zeros kept",
            ),
            (
                "name=one two three",
                Some(json!({"name": "one two three"})),
                "spaces kept",
            ),
            (
                "outer.inner=value",
                Some(json!({"outer": {"inner": "value"}})),
                "dots nest",
            ),
            (
                "outer.middle.inner=value",
                Some(json!({"outer": {"middle": {"inner": "value"}}})),
                "several levels",
            ),
            ("name1.name2", None, "a dotted name without value"),
            (
                "name1.name2=",
                Some(json!({"name1": {"name2": ""}})),
                "an empty nested value",
            ),
            ("name1.=name2", None, "an empty segment"),
            (
                "name1.,name2",
                None,
                "a comma is part of the name, which then has no value",
            ),
            (
                "name1={value1,value2}",
                Some(json!({"name1": "{value1,value2}"})),
                "no list syntax",
            ),
            (
                "list[0]=foo",
                Some(json!({"list": ["foo"]})),
                "indexes work",
            ),
            (
                "list[0].foo=bar",
                Some(json!({"list": [{"foo": "bar"}]})),
                "map items",
            ),
            ("list[-30].hello=world", None, "negative index"),
            (
                "list[3]=bar",
                Some(json!({"list": [null, null, null, "bar"]})),
                "padding",
            ),
            ("illegal[0]name.foo=bar", None, "text after ]"),
            (
                "noval[0]",
                Some(json!({"noval": []})),
                "index without value",
            ),
            ("noval[0]=", Some(json!({"noval": [""]})), "empty item"),
            (
                "nested[0][0]=1",
                Some(json!({"nested": [["1"]]})),
                "nested lists hold strings",
            ),
            (
                "nested[1][1]=1",
                Some(json!({"nested": [null, [null, "1"]]})),
                "nested padding",
            ),
            (
                "name1.name2[0].foo=bar",
                Some(json!({"name1": {"name2": [{"foo": "bar"}]}})),
                "lists in maps",
            ),
            (
                "name1.name2[1].foo=bar",
                Some(json!({"name1": {"name2": [null, {"foo": "bar"}]}})),
                "gap then map",
            ),
            (
                "]={}].",
                Some(json!({"]": "{}]."})),
                "everything after = is the value",
            ),
            ("name=val,val", Some(json!({"name": "val,val"})), "comma"),
            ("name=val.val", Some(json!({"name": "val.val"})), "dot"),
            ("name=val=val", Some(json!({"name": "val=val"})), "equals"),
            ("name=val$val", Some(json!({"name": "val$val"})), "dollar"),
            (
                "name=(value)",
                Some(json!({"name": "(value)"})),
                "parentheses",
            ),
            ("name={value", Some(json!({"name": "{value"})), "open brace"),
            (
                "name=value}",
                Some(json!({"name": "value}"})),
                "close brace",
            ),
            (
                r"name=val\val",
                Some(json!({"name": r"val\val"})),
                "backslash kept",
            ),
            (
                r"name=val\\val",
                Some(json!({"name": r"val\\val"})),
                "two backslashes kept",
            ),
            (
                r"name={val,.?*v\0a!l)some",
                Some(json!({"name": r"{val,.?*v\0a!l)some"})),
                "anything goes",
            ),
            (
                r"name=em%GT)tqUDqz,i-\h+Mbqs-!:.m\\rE=mkbM#rR}@{-k@",
                Some(json!({"name": r"em%GT)tqUDqz,i-\h+Mbqs-!:.m\\rE=mkbM#rR}@{-k@"})),
                "fuzz case",
            ),
        ];
        check(parse_set_literal, cases);
        let mut dest = json!({"outer": {"inner1": "overwrite", "inner2": "value2"}})
            .as_object()
            .unwrap()
            .clone();
        parse_set_literal(
            "outer.inner1=value1,outer.inner3=value3,outer.inner4=4",
            &mut dest,
        )
        .unwrap();
        assert_eq!(
            Value::Object(dest),
            json!({"outer": {"inner1": "value1,outer.inner3=value3,outer.inner4=4", "inner2": "value2"}})
        );
    }

    #[test]
    fn errors_name_flag_expression_and_position() {
        let err = parsed(parse_set, "a.b,c=1").unwrap_err();
        assert_eq!(
            err,
            "`--set a.b,c=1`: key \"b\" has no value (cannot end with ,) (at character 4)"
        );
        let err = parsed(parse_set, "a[x]=1").unwrap_err();
        assert_eq!(
            err,
            "`--set a[x]=1`: error parsing index: \"x\" is not an integer (at character 4)"
        );
        let err = parsed(parse_set_json, "a=tru").unwrap_err();
        assert!(err.starts_with("`--set-json a=tru`: invalid JSON"), "{err}");
        let err = parsed(parse_set, "a\nb").unwrap_err();
        assert_eq!(
            err, "`--set a\\nb`: key \"a\\nb\" has no value (at character 3)",
            "one line"
        );
        let err = parsed(parse_set_literal, "name").unwrap_err();
        assert!(
            err.starts_with("`--set-literal name`: key \"name\" has no value"),
            "{err}"
        );
    }
}
