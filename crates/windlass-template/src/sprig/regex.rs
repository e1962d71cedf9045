//! Sprig's regular-expression functions (`regexMatch`, `regexFind`,
//! `regexFindAll`, `regexReplaceAll`, `regexReplaceAllLiteral`,
//! `regexSplit`, `regexQuoteMeta` and the `must` variants) with Go's
//! `regexp` semantics.
//!
//! Patterns are Go's RE2 syntax. [`translate`] parses them the way
//! `regexp/syntax` does, failing with Go's messages, and writes the
//! equivalent for the `regex` crate: Go's `\d`, `\w`, `\s` and `\b` are
//! ASCII-only, `{` is a literal unless it starts a valid count, `[` inside
//! a class is a literal, capture names do not reach the crate (Go allows
//! duplicates). Iteration, splitting and `$name` expansion follow Go's
//! loops, which differ from the crate's in how empty matches and names are
//! treated.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use regex::{Regex, RegexBuilder};

use super::conv::{arg_int, arg_str};
use super::strings::{is_digit, is_letter, strings};
use crate::funcs::{Call, Function, Signature, Type};
use crate::gofmt::quote;
use crate::value::Value;

pub(super) fn functions() -> Vec<Function> {
    use Type::{Int, String as Str};
    let table: Vec<(&'static str, Signature, Call)> = vec![
        // `regexMatch` swallows a bad pattern and says false.
        ("regexMatch", Signature::fixed(&[Str, Str]), |a| {
            let matched = GoRegex::new(arg_str(a, 0)).is_ok_and(|re| re.is_match(arg_str(a, 1)));
            Ok(Value::Bool(matched))
        }),
        ("mustRegexMatch", Signature::fixed(&[Str, Str]), |a| {
            Ok(Value::Bool(
                GoRegex::new(arg_str(a, 0))?.is_match(arg_str(a, 1)),
            ))
        }),
        ("regexFindAll", Signature::fixed(&[Str, Str, Int]), |a| {
            find_all(&*GoRegex::must(arg_str(a, 0))?, a)
        }),
        (
            "mustRegexFindAll",
            Signature::fixed(&[Str, Str, Int]),
            |a| find_all(&*GoRegex::new(arg_str(a, 0))?, a),
        ),
        ("regexFind", Signature::fixed(&[Str, Str]), |a| {
            Ok(Value::str(
                GoRegex::must(arg_str(a, 0))?.find(arg_str(a, 1)),
            ))
        }),
        ("mustRegexFind", Signature::fixed(&[Str, Str]), |a| {
            Ok(Value::str(GoRegex::new(arg_str(a, 0))?.find(arg_str(a, 1))))
        }),
        ("regexReplaceAll", Signature::fixed(&[Str, Str, Str]), |a| {
            replace_all(a, GoRegex::must, true)
        }),
        (
            "mustRegexReplaceAll",
            Signature::fixed(&[Str, Str, Str]),
            |a| replace_all(a, GoRegex::new, true),
        ),
        (
            "regexReplaceAllLiteral",
            Signature::fixed(&[Str, Str, Str]),
            |a| replace_all(a, GoRegex::must, false),
        ),
        (
            "mustRegexReplaceAllLiteral",
            Signature::fixed(&[Str, Str, Str]),
            |a| replace_all(a, GoRegex::new, false),
        ),
        ("regexSplit", Signature::fixed(&[Str, Str, Int]), |a| {
            let re = GoRegex::must(arg_str(a, 0))?;
            Ok(strings(re.split(arg_str(a, 1), arg_int(a, 2))))
        }),
        ("mustRegexSplit", Signature::fixed(&[Str, Str, Int]), |a| {
            let re = GoRegex::new(arg_str(a, 0))?;
            Ok(strings(re.split(arg_str(a, 1), arg_int(a, 2))))
        }),
        ("regexQuoteMeta", Signature::fixed(&[Str]), |a| {
            Ok(Value::String(quote_meta(arg_str(a, 0))))
        }),
    ];
    table
        .into_iter()
        .map(|(name, sig, call)| Function { name, sig, call })
        .collect()
}

fn find_all(re: &GoRegex, args: &[Value]) -> Result<Value, String> {
    let s = arg_str(args, 1);
    let found = re
        .matches(s, arg_int(args, 2))
        .into_iter()
        .map(|(start, end)| s[start..end].to_string())
        .collect();
    Ok(strings(found))
}

/// `regexp.QuoteMeta`.
fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if r"\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `regexReplaceAll` (`expand`: `$1` and `${name}` in the replacement) and
/// `regexReplaceAllLiteral`, with the pattern compiled by `compile`.
fn replace_all(
    a: &[Value],
    compile: fn(&str) -> Result<Rc<GoRegex>, String>,
    expand: bool,
) -> Result<Value, String> {
    let re = compile(arg_str(a, 0))?;
    Ok(Value::String(re.replace_all(
        arg_str(a, 1),
        arg_str(a, 2),
        expand,
    )))
}

/// A compiled Go regular expression.
#[derive(Debug)]
struct GoRegex {
    regex: Regex,
    /// The Go name of each capture group (index 0 is the whole match).
    names: Vec<Option<String>>,
    /// Whether the Go pattern is "" (`Split` treats it specially).
    source_empty: bool,
}

impl GoRegex {
    /// `regexp.Compile`: the error is Go's (`error parsing regexp: ...`).
    /// Compiled patterns are kept for the thread (the render's): charts call
    /// the same few patterns from helpers included hundreds of times, and
    /// compiling one costs far more than matching.
    fn new(expr: &str) -> Result<Rc<GoRegex>, String> {
        thread_local! {
            static COMPILED: RefCell<HashMap<String, Result<Rc<GoRegex>, String>>> =
                RefCell::new(HashMap::new());
        }
        /// Patterns kept at most: a template building patterns from data
        /// cannot grow the cache without bound.
        const MAX_KEPT: usize = 512;
        if let Some(kept) = COMPILED.with_borrow(|c| c.get(expr).cloned()) {
            return kept;
        }
        let compiled = GoRegex::compile(expr).map(Rc::new);
        COMPILED.with_borrow_mut(|c| {
            if c.len() >= MAX_KEPT {
                c.clear();
            }
            c.insert(expr.to_string(), compiled.clone());
        });
        compiled
    }

    fn compile(expr: &str) -> Result<GoRegex, String> {
        let translated = translate(expr).map_err(|e| e.to_string())?;
        let regex = RegexBuilder::new(&translated.pattern)
            .size_limit(64 << 20)
            .nest_limit(u32::try_from(MAX_DEPTH * 2).unwrap_or(u32::MAX))
            .build()
            .map_err(|_| SyntaxError::new(Code::Large, expr).to_string())?;
        Ok(GoRegex {
            regex,
            names: translated.names,
            source_empty: expr.is_empty(),
        })
    }

    /// `regexp.MustCompile`, whose panic Sprig's non-`must` functions let
    /// through.
    fn must(expr: &str) -> Result<Rc<GoRegex>, String> {
        GoRegex::new(expr).map_err(|e| format!("regexp: Compile({}): {e}", backquote(expr)))
    }

    fn is_match(&self, s: &str) -> bool {
        self.regex.is_match(s)
    }

    /// `FindString`: the first match, or "".
    fn find<'s>(&self, s: &'s str) -> &'s str {
        self.regex.find(s).map_or("", |m| m.as_str())
    }

    /// Go's `allMatches`: at most `n` matches (all when negative), skipping
    /// an empty match right after the previous match.
    fn matches(&self, s: &str, n: i64) -> Vec<(usize, usize)> {
        let limit = usize::try_from(n).unwrap_or(usize::MAX);
        let mut out = Vec::new();
        let (mut pos, mut prev_end) = (0, None);
        while out.len() < limit && pos <= s.len() {
            let Some(m) = self.regex.find_at(s, pos) else {
                break;
            };
            let mut accept = true;
            if m.end() == pos {
                // An empty match: never right after the previous match, and
                // the next search starts one character on.
                accept = prev_end != Some(m.start());
                pos += s[pos..].chars().next().map_or(1, char::len_utf8);
            } else {
                pos = m.end();
            }
            prev_end = Some(m.end());
            if accept {
                out.push((m.start(), m.end()));
            }
        }
        out
    }

    /// `Regexp.Split`: at most `n` pieces (all when negative, none for 0).
    fn split(&self, s: &str, n: i64) -> Vec<String> {
        if n == 0 {
            return Vec::new();
        }
        if !self.source_empty && s.is_empty() {
            return vec![String::new()];
        }
        let limit = usize::try_from(n).ok();
        let mut out = Vec::new();
        let (mut begin, mut end) = (0, 0);
        for (start, stop) in self.matches(s, n) {
            if limit.is_some_and(|limit| out.len() + 1 == limit) {
                break;
            }
            end = start;
            if stop != 0 {
                out.push(s[begin..end].to_string());
            }
            begin = stop;
        }
        if end != s.len() {
            out.push(s[begin..].to_string());
        }
        out
    }

    /// `ReplaceAllString` (`expand`: `$1`, `${name}`, `$$`) or
    /// `ReplaceAllLiteralString`, with Go's loop: no replacement for an
    /// empty match right after a match.
    fn replace_all(&self, s: &str, template: &str, expand: bool) -> String {
        let mut out = String::new();
        let (mut last_end, mut search) = (0, 0);
        while search <= s.len() {
            let Some(caps) = self.regex.captures_at(s, search) else {
                break;
            };
            let Some(whole) = caps.get(0) else {
                break;
            };
            out.push_str(&s[last_end..whole.start()]);
            if whole.end() > last_end || whole.start() == 0 {
                if expand {
                    self.expand(&mut out, template, &caps);
                } else {
                    out.push_str(template);
                }
            }
            last_end = whole.end();
            let width = s[search..].chars().next().map_or(0, char::len_utf8);
            search = if search + width > whole.end() {
                search + width
            } else if search + 1 > whole.end() {
                search + 1
            } else {
                whole.end()
            };
        }
        out.push_str(&s[last_end..]);
        out
    }

    /// Go's `Regexp.expand`.
    fn expand(&self, out: &mut String, template: &str, caps: &regex::Captures<'_>) {
        let mut rest = template;
        while let Some((before, after)) = rest.split_once('$') {
            out.push_str(before);
            rest = after;
            if let Some(after_dollar) = rest.strip_prefix('$') {
                out.push('$');
                rest = after_dollar;
                continue;
            }
            let Some((name, after_name)) = reference(rest) else {
                out.push('$');
                continue;
            };
            rest = after_name;
            let group = match group_number(name) {
                Some(n) => caps.get(n),
                None => self
                    .names
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.as_deref() == Some(name))
                    .find_map(|(i, _)| caps.get(i)),
            };
            if let Some(group) = group {
                out.push_str(group.as_str());
            }
        }
        out.push_str(rest);
    }
}

/// Go's `extract`: the name after a `$` (letters, digits, `_`; in braces or
/// not) and the rest of the template.
fn reference(s: &str) -> Option<(&str, &str)> {
    let (braced, body) = match s.strip_prefix('{') {
        Some(body) => (true, body),
        None => (false, s),
    };
    let len = body
        .char_indices()
        .find(|(_, c)| !(is_letter(*c) || is_digit(*c) || *c == '_'))
        .map_or(body.len(), |(i, _)| i);
    if len == 0 {
        return None;
    }
    let (name, rest) = body.split_at(len);
    if braced {
        return rest.strip_prefix('}').map(|rest| (name, rest));
    }
    Some((name, rest))
}

/// A reference's group number: ASCII digits without a leading zero, below
/// 10^8; anything else is a name.
fn group_number(name: &str) -> Option<usize> {
    if name.len() > 1 && name.starts_with('0') || name.len() > 8 {
        return None;
    }
    if !name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    name.parse().ok()
}

/// How `regexp.MustCompile` quotes the pattern in its panic.
fn backquote(s: &str) -> String {
    let plain = s
        .chars()
        .all(|c| !(c < ' ' && c != '\t' || c == '`' || c == '\u{7F}' || c == '\u{FEFF}'));
    if plain { format!("`{s}`") } else { quote(s) }
}

// ---- Go's `regexp/syntax` parser, writing the `regex` crate's syntax.

/// `regexp/syntax`'s error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Code {
    CharRange,
    Escape,
    NamedCapture,
    PerlOp,
    RepeatOp,
    RepeatSize,
    MissingBracket,
    MissingParen,
    MissingRepeatArgument,
    TrailingBackslash,
    UnexpectedParen,
    NestingDepth,
    Large,
}

impl Code {
    fn text(self) -> &'static str {
        match self {
            Code::CharRange => "invalid character class range",
            Code::Escape => "invalid escape sequence",
            Code::NamedCapture => "invalid named capture",
            Code::PerlOp => "invalid or unsupported Perl syntax",
            Code::RepeatOp => "invalid nested repetition operator",
            Code::RepeatSize => "invalid repeat count",
            Code::MissingBracket => "missing closing ]",
            Code::MissingParen => "missing closing )",
            Code::MissingRepeatArgument => "missing argument to repetition operator",
            Code::TrailingBackslash => "trailing backslash at end of expression",
            Code::UnexpectedParen => "unexpected )",
            Code::NestingDepth => "expression nests too deeply",
            Code::Large => "expression too large",
        }
    }
}

/// `syntax.Error`: the code and the offending part of the pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SyntaxError {
    code: Code,
    expr: String,
}

impl SyntaxError {
    fn new(code: Code, expr: &str) -> SyntaxError {
        SyntaxError {
            code,
            expr: expr.to_string(),
        }
    }
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "error parsing regexp: {}: `{}`",
            self.code.text(),
            self.expr
        )
    }
}

/// A Go pattern in the `regex` crate's syntax.
#[derive(Debug)]
struct Translated {
    pattern: String,
    names: Vec<Option<String>>,
}

/// Go's nesting limit (`maxHeight`).
const MAX_DEPTH: usize = 1000;
/// Go's limit on `{n,m}` counts, and on their product when nested.
const MAX_REPEAT: u64 = 1000;

/// One element of a concatenation.
#[derive(Debug)]
struct Piece {
    text: String,
    /// False for a flag group such as `(?i)`, which Go does not push as an
    /// operand: a repetition after it applies to what came before.
    operand: bool,
    /// Whether a repetition operator already applies to it.
    repeated: bool,
    /// The largest product of nested `{n,m}` counts inside (Go's
    /// `repeatIsValid`).
    weight: u64,
}

impl Piece {
    fn atom(text: impl Into<String>) -> Piece {
        Piece {
            text: text.into(),
            operand: true,
            repeated: false,
            weight: 1,
        }
    }
}

/// Parses a Go pattern and writes it in the crate's syntax.
fn translate(expr: &str) -> Result<Translated, SyntaxError> {
    let mut parser = Parser {
        whole: expr,
        pos: 0,
        names: vec![None],
    };
    let top = parser.alternation(0)?;
    if parser.pos < expr.len() {
        // Only an unmatched `)` stops the top level early.
        return Err(SyntaxError::new(Code::UnexpectedParen, expr));
    }
    Ok(Translated {
        pattern: top.text,
        names: parser.names,
    })
}

struct Parser<'a> {
    whole: &'a str,
    pos: usize,
    names: Vec<Option<String>>,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.whole[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn error<T>(&self, code: Code, start: usize) -> Result<T, SyntaxError> {
        Err(SyntaxError::new(code, &self.whole[start..self.pos]))
    }

    /// Alternatives up to an unmatched `)` or the end.
    fn alternation(&mut self, depth: usize) -> Result<Piece, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(SyntaxError::new(Code::NestingDepth, self.whole));
        }
        let mut branches = vec![self.concatenation(depth)?];
        while self.peek() == Some('|') {
            self.pos += 1;
            branches.push(self.concatenation(depth)?);
        }
        let weight = branches.iter().map(|b| b.weight).max().unwrap_or(1);
        let text: Vec<String> = branches.into_iter().map(|b| b.text).collect();
        Ok(Piece {
            text: text.join("|"),
            weight,
            ..Piece::atom("")
        })
    }

    fn concatenation(&mut self, depth: usize) -> Result<Piece, SyntaxError> {
        let mut pieces: Vec<Piece> = Vec::new();
        // Where the previous repetition operator started, if the previous
        // token was one (Go rejects `a**`).
        let mut last_repeat: Option<usize> = None;
        while let Some(c) = self.peek() {
            let start = self.pos;
            let mut repeat_here = None;
            match c {
                '|' | ')' => break,
                '(' => {
                    if let Some(piece) = self.group(depth)? {
                        pieces.push(piece);
                    }
                }
                '[' => pieces.push(Piece::atom(self.class()?)),
                '*' | '+' | '?' => {
                    self.pos += 1;
                    self.repeat(&mut pieces, c.to_string(), None, start, last_repeat)?;
                    repeat_here = Some(start);
                }
                '{' => match self.counted_repeat() {
                    Some((min, max)) => {
                        if !(0..=1000).contains(&min) || max > 1000 || max >= 0 && min > max {
                            return self.error(Code::RepeatSize, start);
                        }
                        let counted = Counted {
                            count: u64::try_from(if max < 0 { min } else { max }).unwrap_or(0),
                            checked: min >= 2 || max >= 2,
                        };
                        let op = self.whole[start..self.pos].to_string();
                        self.repeat(&mut pieces, op, Some(counted), start, last_repeat)?;
                        repeat_here = Some(start);
                    }
                    None => {
                        self.pos += 1;
                        pieces.push(Piece::atom(literal('{')));
                    }
                },
                '\\' => self.escape(&mut pieces)?,
                '.' | '^' | '$' => {
                    self.pos += 1;
                    pieces.push(Piece::atom(c.to_string()));
                }
                _ => {
                    self.pos += c.len_utf8();
                    pieces.push(Piece::atom(literal(c)));
                }
            }
            last_repeat = repeat_here;
        }
        let weight = pieces.iter().map(|p| p.weight).max().unwrap_or(1);
        let text: String = pieces.into_iter().map(|p| p.text).collect();
        Ok(Piece {
            text,
            weight,
            ..Piece::atom("")
        })
    }

    /// Applies the repetition `op` (already consumed) to the last operand.
    fn repeat(
        &mut self,
        pieces: &mut [Piece],
        mut op: String,
        counted: Option<Counted>,
        start: usize,
        last_repeat: Option<usize>,
    ) -> Result<(), SyntaxError> {
        if self.peek() == Some('?') {
            self.pos += 1;
            op.push('?');
        }
        if let Some(last) = last_repeat {
            return self.error(Code::RepeatOp, last);
        }
        let Some(operand) = pieces.iter_mut().rev().find(|p| p.operand) else {
            return self.error(Code::MissingRepeatArgument, start);
        };
        if let Some(Counted { count, checked }) = counted {
            if checked && count.saturating_mul(operand.weight) > MAX_REPEAT {
                return self.error(Code::RepeatSize, start);
            }
            // A count of 0 hides what is inside from Go's check.
            operand.weight = if count == 0 {
                1
            } else {
                count.saturating_mul(operand.weight)
            };
        }
        if operand.repeated {
            operand.text = format!("(?:{})", operand.text);
        }
        operand.text.push_str(&op);
        operand.repeated = true;
        Ok(())
    }

    /// `{n}`, `{n,}` or `{n,m}` (Go's `parseRepeat`), consumed; `None`
    /// (nothing consumed) when `{` is a literal. A count too big to read is
    /// -1 (min) or makes min -1, as in Go.
    fn counted_repeat(&mut self) -> Option<(i64, i64)> {
        let s = self.rest().strip_prefix('{')?;
        let (mut min, mut s) = parse_count(s)?;
        let max;
        if let Some(after_comma) = s.strip_prefix(',') {
            if after_comma.starts_with('}') {
                max = -1;
                s = after_comma;
            } else {
                let (n, after) = parse_count(after_comma)?;
                if n < 0 {
                    min = -1;
                }
                max = n;
                s = after;
            }
        } else {
            max = min;
        }
        let after = s.strip_prefix('}')?;
        self.pos = self.whole.len() - after.len();
        Some((min, max))
    }

    /// A group, or a flag change (`(?i)`, which gives no piece).
    fn group(&mut self, depth: usize) -> Result<Option<Piece>, SyntaxError> {
        let start = self.pos;
        let rest = self.rest();
        let mut open = "(".to_string();
        if rest.starts_with("(?") {
            let b = rest.as_bytes();
            let named = if b.len() > 4 && b[2] == b'P' && b[3] == b'<' {
                Some(4)
            } else if b.len() > 3 && b[2] == b'<' {
                Some(3)
            } else {
                None
            };
            if let Some(name_start) = named {
                let Some(end) = rest.find('>') else {
                    self.pos = self.whole.len();
                    return self.error(Code::NamedCapture, start);
                };
                let name = &rest[name_start..end];
                self.pos += end + 1;
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    return self.error(Code::NamedCapture, start);
                }
                self.names.push(Some(name.to_string()));
            } else {
                match self.flags(start)? {
                    // `(?)` changes nothing.
                    Flags::Set(text) if text.is_empty() => return Ok(None),
                    Flags::Set(text) => {
                        return Ok(Some(Piece {
                            operand: false,
                            ..Piece::atom(format!("(?{text})"))
                        }));
                    }
                    Flags::Group(text) => open = format!("(?{text}:"),
                }
            }
        } else {
            self.pos += 1;
            self.names.push(None);
        }
        let inner = self.alternation(depth + 1)?;
        if self.peek() != Some(')') {
            return Err(SyntaxError::new(Code::MissingParen, self.whole));
        }
        self.pos += 1;
        Ok(Some(Piece {
            weight: inner.weight,
            ..Piece::atom(format!("{open}{})", inner.text))
        }))
    }

    /// The flags of `(?flags)` or `(?flags:` (Go's `parsePerlFlags`), with
    /// `self.pos` at `(?`.
    fn flags(&mut self, start: usize) -> Result<Flags, SyntaxError> {
        self.pos += 2;
        let mut text = String::new();
        let mut negated = false;
        let mut saw_flag = false;
        while let Some(c) = self.peek() {
            self.pos += c.len_utf8();
            match c {
                'i' | 'm' | 's' | 'U' => {
                    text.push(c);
                    saw_flag = true;
                }
                '-' if !negated => {
                    text.push('-');
                    negated = true;
                    saw_flag = false;
                }
                ':' | ')' if !negated || saw_flag => {
                    return Ok(if c == ':' {
                        Flags::Group(text)
                    } else {
                        Flags::Set(text)
                    });
                }
                _ => break,
            }
        }
        self.error(Code::PerlOp, start)
    }

    /// A character class `[...]`, as a class of the crate's syntax.
    fn class(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::from("[");
        if self.peek() == Some('^') {
            self.pos += 1;
            out.push('^');
        }
        let negated = out.len() > 1;
        let mut items = String::new();
        let mut first = true;
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                return Err(SyntaxError::new(Code::MissingBracket, &self.whole[start..]));
            }
            if rest.starts_with(']') && !first {
                self.pos += 1;
                break;
            }
            first = false;
            if let Some(end) = rest.strip_prefix("[:").and_then(|body| body.find(":]")) {
                let name = &rest[..end + 4];
                let inner = &name[2..name.len() - 2];
                if !POSIX_CLASSES.contains(&inner.strip_prefix('^').unwrap_or(inner)) {
                    return Err(SyntaxError::new(Code::CharRange, name));
                }
                self.pos += name.len();
                items.push_str(name);
                continue;
            }
            if rest.starts_with("\\p") || rest.starts_with("\\P") {
                items.push_str(&self.unicode_class()?);
                continue;
            }
            if let Some(class) = perl_class(rest) {
                self.pos += 2;
                // `[0-9]` joins as `0-9`; a negated class nests.
                let positive = class.strip_prefix('[').filter(|c| !c.starts_with('^'));
                items.push_str(positive.and_then(|c| c.strip_suffix(']')).unwrap_or(class));
                continue;
            }
            let range_start = self.pos;
            let lo = self.class_char(start)?;
            let mut hi = lo;
            let rest = self.rest();
            if rest.len() >= 2 && rest.starts_with('-') && !rest[1..].starts_with(']') {
                self.pos += 1;
                hi = self.class_char(start)?;
                if hi < lo {
                    return self.error(Code::CharRange, range_start);
                }
            }
            // Surrogates cannot occur in UTF-8: clip them off the range.
            let lo = if is_surrogate(lo) { 0xE000 } else { lo };
            let hi = if is_surrogate(hi) { 0xD7FF } else { hi };
            if lo <= hi {
                items.push_str(&format!("\\x{{{lo:X}}}-\\x{{{hi:X}}}"));
            }
        }
        if items.is_empty() {
            // Only surrogates: a class that matches nothing (or anything).
            return Ok(if negated { r"[\x00-\x{10FFFF}]" } else { NEVER }.to_string());
        }
        out.push_str(&items);
        out.push(']');
        Ok(out)
    }

    /// One character of a class, escaped or not (Go's `parseClassChar`).
    fn class_char(&mut self, class_start: usize) -> Result<u32, SyntaxError> {
        match self.peek() {
            None => Err(SyntaxError::new(
                Code::MissingBracket,
                &self.whole[class_start..],
            )),
            Some('\\') => self.escaped_char(),
            Some(c) => {
                self.pos += c.len_utf8();
                Ok(u32::from(c))
            }
        }
    }

    /// An escape outside a class.
    fn escape(&mut self, pieces: &mut Vec<Piece>) -> Result<(), SyntaxError> {
        let rest = self.rest();
        let next = rest[1..].chars().next();
        let simple = match next {
            Some('A') => Some(r"\A"),
            Some('z') => Some(r"\z"),
            // Go's word boundaries are ASCII ones.
            Some('b') => Some(r"(?-u:\b)"),
            Some('B') => Some(r"(?-u:\B)"),
            _ => None,
        };
        if let Some(text) = simple {
            self.pos += 2;
            pieces.push(Piece::atom(text));
            return Ok(());
        }
        match next {
            Some('C') => {
                self.pos += 2;
                return self.error(Code::Escape, self.pos - 2);
            }
            Some('Q') => {
                // Literal text up to `\E` or the end, one operand per character.
                let body = &rest[2..];
                let (text, consumed) = match body.find(r"\E") {
                    Some(end) => (&body[..end], 2 + end + 2),
                    None => (body, 2 + body.len()),
                };
                pieces.extend(text.chars().map(|c| Piece::atom(literal(c))));
                self.pos += consumed;
                return Ok(());
            }
            Some('p' | 'P') => {
                let items = self.unicode_class()?;
                let class = if items.is_empty() {
                    NEVER.to_string()
                } else {
                    format!("[{items}]")
                };
                pieces.push(Piece::atom(class));
                return Ok(());
            }
            _ => {}
        }
        if let Some(class) = perl_class(rest) {
            self.pos += 2;
            pieces.push(Piece::atom(class));
            return Ok(());
        }
        let c = self.escaped_char()?;
        pieces.push(Piece::atom(char_text(c)));
        Ok(())
    }

    /// Go's `parseEscape`: an escaped character (a code point that may be
    /// a surrogate, which can never match).
    fn escaped_char(&mut self) -> Result<u32, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let Some(c) = self.peek() else {
            return Err(SyntaxError::new(Code::TrailingBackslash, ""));
        };
        self.pos += c.len_utf8();
        let octal = |c: Option<char>| c.and_then(|c| c.to_digit(8));
        match c {
            '1'..='7' | '0' if c == '0' || octal(self.peek()).is_some() => {
                let mut value = c.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    let Some(digit) = octal(self.peek()) else {
                        break;
                    };
                    value = value * 8 + digit;
                    self.pos += 1;
                }
                Ok(value)
            }
            'x' => {
                let Some(first) = self.peek() else {
                    return self.error(Code::Escape, start);
                };
                self.pos += first.len_utf8();
                if first == '{' {
                    let mut value: u32 = 0;
                    let mut digits = 0;
                    loop {
                        let Some(c) = self.peek() else {
                            return self.error(Code::Escape, start);
                        };
                        self.pos += c.len_utf8();
                        if c == '}' {
                            break;
                        }
                        let Some(digit) = c.to_digit(16) else {
                            return self.error(Code::Escape, start);
                        };
                        value = value * 16 + digit;
                        digits += 1;
                        if value > 0x10_FFFF {
                            return self.error(Code::Escape, start);
                        }
                    }
                    if digits == 0 {
                        return self.error(Code::Escape, start);
                    }
                    return Ok(value);
                }
                let second = self.peek();
                if let Some(second) = second {
                    self.pos += second.len_utf8();
                }
                match (first.to_digit(16), second.and_then(|c| c.to_digit(16))) {
                    (Some(hi), Some(lo)) => Ok(hi * 16 + lo),
                    _ => self.error(Code::Escape, start),
                }
            }
            'a' => Ok(0x07),
            'f' => Ok(0x0C),
            'n' => Ok(0x0A),
            'r' => Ok(0x0D),
            't' => Ok(0x09),
            'v' => Ok(0x0B),
            c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok(u32::from(c)),
            _ => self.error(Code::Escape, start),
        }
    }

    /// `\pX`, `\p{Name}`, `\PX`, `\p{^Name}` (Go's `parseUnicodeClass`), as
    /// the items of a class.
    fn unicode_class(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos;
        let rest = self.rest();
        let mut negated = rest.as_bytes()[1] == b'P';
        let after = &rest[2..];
        let (mut name, len) = match after.chars().next() {
            Some('{') => match rest.find('}') {
                Some(end) => (&rest[3..end], end + 1),
                None => {
                    self.pos = self.whole.len();
                    return self.error(Code::CharRange, start);
                }
            },
            Some(c) => (&after[..c.len_utf8()], 2 + c.len_utf8()),
            None => ("", 2),
        };
        self.pos += len;
        if let Some(positive) = name.strip_prefix('^') {
            negated = !negated;
            name = positive;
        }
        let Some(property) = unicode_property(name) else {
            return self.error(Code::CharRange, start);
        };
        let positive: String = property.iter().map(|p| format!("\\p{{{p}}}")).collect();
        Ok(match (negated, property.as_slice()) {
            (false, _) => positive,
            (true, []) => r"\x{0}-\x{10FFFF}".to_string(),
            (true, [one]) => format!("\\P{{{one}}}"),
            (true, _) => format!("[^{positive}]"),
        })
    }
}

/// A `{n,m}` repetition as Go's `repeatIsValid` sees it: the count nesting
/// multiplies (the max, or the min when unbounded), and whether Go checks
/// it (only when min or max is at least 2).
#[derive(Debug, Clone, Copy)]
struct Counted {
    count: u64,
    checked: bool,
}

/// What `(?...` turned out to be.
enum Flags {
    /// `(?flags)`: the flags change for the rest of the group.
    Set(String),
    /// `(?flags:`: a non-capturing group.
    Group(String),
}

/// Go's `[:name:]` classes (the crate has the same, with the same ASCII
/// meaning).
const POSIX_CLASSES: [&str; 14] = [
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

/// Go's general categories by their short names and aliases, as Go 1.25
/// reads them (case, spaces, `_` and `-` ignored): `L`, `Letter`, `lu`,
/// `Uppercase_Letter`...
const CATEGORIES: [(&str, &[&str]); 39] = [
    ("C", &["other"]),
    ("Cc", &["control", "cntrl"]),
    ("Cf", &["format"]),
    ("Cn", &["unassigned"]),
    ("Co", &["privateuse"]),
    ("Cs", &["surrogate"]),
    ("L", &["letter"]),
    ("LC", &["casedletter"]),
    ("Ll", &["lowercaseletter"]),
    ("Lm", &["modifierletter"]),
    ("Lo", &["otherletter"]),
    ("Lt", &["titlecaseletter"]),
    ("Lu", &["uppercaseletter"]),
    ("M", &["mark", "combiningmark"]),
    ("Mc", &["spacingmark"]),
    ("Me", &["enclosingmark"]),
    ("Mn", &["nonspacingmark"]),
    ("N", &["number"]),
    ("Nd", &["decimalnumber", "digit"]),
    ("Nl", &["letternumber"]),
    ("No", &["othernumber"]),
    ("P", &["punctuation", "punct"]),
    ("Pc", &["connectorpunctuation"]),
    ("Pd", &["dashpunctuation"]),
    ("Pe", &["closepunctuation"]),
    ("Pf", &["finalpunctuation"]),
    ("Pi", &["initialpunctuation"]),
    ("Po", &["otherpunctuation"]),
    ("Ps", &["openpunctuation"]),
    ("S", &["symbol"]),
    ("Sc", &["currencysymbol"]),
    ("Sk", &["modifiersymbol"]),
    ("Sm", &["mathsymbol"]),
    ("So", &["othersymbol"]),
    ("Z", &["separator"]),
    ("Zl", &["lineseparator"]),
    ("Zp", &["paragraphseparator"]),
    ("Zs", &["spaceseparator"]),
    ("Any", &[]),
];

/// Scripts whose full name is four letters, like the ISO 15924 codes Go
/// does not accept (`Grek`).
const FOUR_LETTER_SCRIPTS: [&str; 6] = ["cham", "lisu", "modi", "newa", "thai", "toto"];

/// The crate's properties (for `\p{...}`) that make up Go's class `name`:
/// a general category or alias, `Any`, `ASCII`, `Assigned`, or a script by
/// its full name. An empty list matches nothing (surrogates); `None` if Go
/// has no such class.
fn unicode_property(name: &str) -> Option<Vec<String>> {
    let loose: String = name
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect();
    if loose.is_empty() {
        return None;
    }
    for (short, aliases) in CATEGORIES {
        if loose == short.to_lowercase() || aliases.contains(&loose.as_str()) {
            return Some(match short {
                // Go's C is Cc, Cf, Co and Cs; UTF-8 has no surrogates.
                "C" => vec!["gc=Cc".into(), "gc=Cf".into(), "gc=Co".into()],
                "Cs" => Vec::new(),
                "Any" => vec!["Any".into()],
                _ => vec![format!("gc={short}")],
            });
        }
    }
    match loose.as_str() {
        "ascii" => return Some(vec!["ASCII".into()]),
        "assigned" => return Some(vec!["Assigned".into()]),
        _ => {}
    }
    let is_code = loose.len() == 4 && !FOUR_LETTER_SCRIPTS.contains(&loose.as_str());
    let script = format!("Script={loose}");
    (!is_code && name.is_ascii() && Regex::new(&format!(r"\p{{{script}}}")).is_ok())
        .then(|| vec![script])
}

/// Go's `parseInt` for repeat counts: decimal digits without a leading
/// zero, and the rest; -1 for a count of 10^8 or more.
fn parse_count(s: &str) -> Option<(i64, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits >= 2 && s.starts_with('0') {
        return None;
    }
    let mut n: i64 = 0;
    for b in s[..digits].bytes() {
        if n >= 100_000_000 {
            n = -1;
            break;
        }
        n = n * 10 + i64::from(b - b'0');
    }
    Some((n, &s[digits..]))
}

/// Go's ASCII `\d \D \s \S \w \W` at the start of `s`, as a class.
fn perl_class(s: &str) -> Option<&'static str> {
    Some(match s.get(..2)? {
        r"\d" => r"[0-9]",
        r"\D" => r"[^0-9]",
        r"\s" => r"[\t\n\x0C\r ]",
        r"\S" => r"[^\t\n\x0C\r ]",
        r"\w" => r"[0-9A-Za-z_]",
        r"\W" => r"[^0-9A-Za-z_]",
        _ => return None,
    })
}

/// A literal character outside a class.
fn literal(c: char) -> String {
    regex::escape(c.encode_utf8(&mut [0; 4]))
}

/// A literal code point outside a class; a surrogate never matches.
fn char_text(c: u32) -> String {
    char::from_u32(c).map_or_else(|| NEVER.to_string(), literal)
}

fn is_surrogate(c: u32) -> bool {
    (0xD800..0xE000).contains(&c)
}

/// A pattern that matches nothing.
const NEVER: &str = r"[^\x00-\x{10FFFF}]";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sprig::testing::call;

    fn out(name: &str, args: &[&str]) -> String {
        let args: Vec<Value> = args
            .iter()
            .map(|a| match a.strip_prefix('#') {
                Some(n) => Value::Int(n.parse().unwrap()),
                None => Value::str(*a),
            })
            .collect();
        match call(name, &args) {
            Ok(v) => v.to_string(),
            Err(e) => format!("error: {e}"),
        }
    }

    // Expectations from tests/cases/sprig_core.expected.json.
    #[test]
    fn go_syntax_errors() {
        for (pattern, message) in [
            ("[", "missing closing ]: `[`"),
            ("a(b", "missing closing ): `a(b`"),
            ("a)", "unexpected ): `a)`"),
            ("*", "missing argument to repetition operator: `*`"),
            ("a|*", "missing argument to repetition operator: `*`"),
            ("a**", "invalid nested repetition operator: `**`"),
            ("[z-a]", "invalid character class range: `z-a`"),
            (r"\x", "invalid escape sequence: `\\x`"),
            ("(?x)a", "invalid or unsupported Perl syntax: `(?x`"),
            ("a{1001}", "invalid repeat count: `{1001}`"),
            (r"(a)\1", "invalid escape sequence: `\\1`"),
            ("a\\", "trailing backslash at end of expression: ``"),
            ("a(?=b)", "invalid or unsupported Perl syntax: `(?=`"),
            ("[[:foo:]]", "invalid character class range: `[:foo:]`"),
            ("(?P<n", "invalid named capture: `(?P<n`"),
            ("(?P<é>a)", "invalid named capture: `(?P<é>`"),
            (r"\p{Foo}", "invalid character class range: `\\p{Foo}`"),
            ("(a{500}){3}", "invalid repeat count: `{3}`"),
            ("a*??", "invalid nested repetition operator: `*??`"),
            (r"\C", "invalid escape sequence: `\\C`"),
            (r"\p{Grek}", "invalid character class range: `\\p{Grek}`"),
            ("(?i-)a", "invalid or unsupported Perl syntax: `(?i-)`"),
            (r"\p", "invalid character class range: `\\p`"),
        ] {
            assert_eq!(
                translate(pattern).err().map(|e| e.to_string()),
                Some(format!("error parsing regexp: {message}")),
                "{pattern}"
            );
        }
        assert_eq!(
            out("regexFind", &["a(b", "ab"]),
            "error: regexp: Compile(`a(b`): error parsing regexp: missing closing ): `a(b`"
        );
        assert_eq!(
            out("mustRegexMatch", &["[", "a"]),
            "error: error parsing regexp: missing closing ]: `[`"
        );
        assert_eq!(out("regexMatch", &["[", "a"]), "false");
    }

    #[test]
    fn go_classes_are_ascii() {
        assert_eq!(out("regexFindAll", &[r"\d+", "1٣2 x", "#-1"]), "[1 2]");
        assert_eq!(out("regexMatch", &[r"^\w+$", "héllo"]), "false");
        assert_eq!(out("regexMatch", &[r"^\s$", "\u{a0}"]), "false");
        assert_eq!(out("regexFind", &[r"\bb\w*", "ab béb"]), "b");
        assert_eq!(out("regexFind", &[r"\pL+", "12héllo"]), "héllo");
        assert_eq!(out("regexFind", &["[^a]+", "aébc"]), "ébc");
        assert_eq!(out("regexFind", &[r"\p{Greek}+", "aαβ"]), "αβ");
        assert_eq!(out("regexFind", &[r"[\P{L}]+", "ab12c"]), "12");
        assert_eq!(out("regexFind", &[r"\PN+", "12ab3"]), "ab");
        assert_eq!(out("regexFind", &[r"\p{Letter}", "1a"]), "a");
        assert_eq!(out("regexFind", &[r"\p{greek}", "aα"]), "α");
        assert_eq!(out("regexFind", &[r"[\pN]+", "a٣1"]), "٣1");
        assert_eq!(out("regexFind", &[r"\pC", "a\u{1}"]), "\u{1}");
        assert_eq!(out("regexFind", &[r"\p{Cs}", "a"]), "");
        assert_eq!(out("regexFind", &[r"\P{Cs}", "a"]), "a");
    }

    #[test]
    fn go_syntax_quirks() {
        for (pattern, input, want) in [
            ("a{2}", "aaa", "aa"),
            ("a{,2}", "a{,2}", "a{,2}"),
            ("x{", "x{", "x{"),
            ("[a[]+", "[a[b", "[a["),
            ("a&&b", "a&&b", "a&&b"),
            ("[a-c&&b]+", "a&b", "a&b"),
            (r"\Qa.b\E+", "a.bb", "a.bb"),
            ("(?U)a+", "aaa", "a"),
            (r"\x41\x{42}\101", "ABA", "ABA"),
            ("[~-~]", "~", "~"),
            ("a{1,3}?", "aaa", "a"),
            ("[]a]", "]", "]"),
            ("[^]a]", "b", "b"),
            ("a$", "a\n", ""),
            ("(?i)k", "K", "K"),
            ("a(?i)*", "aaa", "aaa"),
            ("^*a", "a", "a"),
            ("(?)a", "a", "a"),
            ("a{01}", "a{01}", "a{01}"),
            ("(?i:A)b", "ab", "ab"),
            (r"[\d-z]+", "5-z", "5-z"),
            ("[[:^alpha:]]+", "ab12", "12"),
            ("(?P<a>x)(?P<a>y)", "xy", "xy"),
        ] {
            assert_eq!(out("regexFind", &[pattern, input]), want, "{pattern}");
        }
        assert_eq!(out("regexFindAll", &[r"(?m)^\w", "ab\ncd", "#-1"]), "[a c]");
    }

    #[test]
    fn go_iteration_split_and_replace() {
        assert_eq!(
            out("regexFindAll", &["[0-9]+", "a1b22c333", "#2"]),
            "[1 22]"
        );
        assert_eq!(out("regexFindAll", &["[0-9]+", "a1b22c333", "#0"]), "[]");
        assert_eq!(out("regexFindAll", &["a*", "baaac", "#-1"]), "[ aaa ]");
        assert_eq!(out("regexFindAll", &["", "abc", "#-1"]), "[   ]");
        for (pattern, input, n, want) in [
            ("z+", "pizza", -1, "[pi a]"),
            ("z+", "pizza", 0, "[]"),
            ("z+", "pizza", 1, "[pizza]"),
            ("", "abc", -1, "[a b c]"),
            ("a", "banana", -1, "[b n n ]"),
            ("a", "banana", 2, "[b nana]"),
            ("x", "", -1, "[]"),
            ("", "", -1, "[]"),
            ("a*", "baaac", -1, "[b c]"),
        ] {
            assert_eq!(
                out("regexSplit", &[pattern, input, &format!("#{n}")]),
                want,
                "{pattern} {input}"
            );
        }
        for (pattern, input, template, want) in [
            ("a(x*)b", "-ab-axxb-", "${1}W", "-W-xxW-"),
            ("a(x*)b", "-ab-axxb-", "$1W", "---"),
            ("a(?P<n>x*)b", "-axb-", "[$n]", "-[x]-"),
            ("a", "aaa", "$$", "$$$"),
            ("a*", "baaac", "-", "-b-c-"),
            ("", "abc", "-", "-a-b-c-"),
            ("(a)", "a", "$2|$x|${1}|$", "||a|$"),
            ("(a)", "a", "${1", "${1"),
            ("(a)(b)", "ab", "$2$1$01$10${2}x", "babx"),
            ("(?P<x>a)(?P<x>b)", "ab", "[$x]", "[a]"),
            ("(a)|(b)", "b", "[$1]", "[]"),
            ("a", "aé", "$é", "é"),
        ] {
            assert_eq!(
                out("regexReplaceAll", &[pattern, input, template]),
                want,
                "{pattern} {template}"
            );
        }
        assert_eq!(
            out("regexReplaceAllLiteral", &["a(x*)b", "-ab-axxb-", "${1}"]),
            "-${1}-${1}-"
        );
        assert_eq!(
            out("regexQuoteMeta", &[r"1.5+[x]^$(a|b)\{}?*"]),
            r"1\.5\+\[x\]\^\$\(a\|b\)\\\{\}\?\*"
        );
    }
}
