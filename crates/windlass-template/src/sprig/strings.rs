//! Sprig's string functions, with the semantics of what they wrap: Go's
//! `strings` package (byte offsets, so `trunc` and `substr` count bytes),
//! Masterminds/goutils (`abbrev`, `wrap`, `initials`, `nospace`, `swapcase`,
//! `untitle`; some of them read a string byte by byte, turning each
//! non-ASCII byte into its own Latin-1 character) and huandu/xstrings
//! (`snakecase`, `kebabcase`, `camelcase`). Character classes and case
//! mappings are Go's `unicode` package's: Unicode categories and simple
//! one-to-one case mappings.

use rand::seq::SliceRandom;
use unicode_general_category::{GeneralCategory as Cat, get_general_category};

use super::conv::{arg_int, arg_str, strslice, strval};
use crate::funcs::{Call, Function, Signature, Type};
use crate::gofmt;
use crate::value::Value;

pub(super) fn functions() -> Vec<Function> {
    use Type::{Any, Int, String as Str};
    let table: Vec<(&'static str, Signature, Call)> = vec![
        ("hello", Signature::fixed(&[]), |_| Ok(Value::str("Hello!"))),
        ("abbrev", Signature::fixed(&[Int, Str]), |a| {
            Ok(text(abbrev(arg_int(a, 0), arg_str(a, 1))))
        }),
        ("abbrevboth", Signature::fixed(&[Int, Int, Str]), |a| {
            Ok(text(abbrevboth(
                arg_int(a, 0),
                arg_int(a, 1),
                arg_str(a, 2),
            )))
        }),
        ("trunc", Signature::fixed(&[Int, Str]), |a| {
            Ok(text(trunc(arg_int(a, 0), arg_str(a, 1))))
        }),
        ("trim", Signature::fixed(&[Str]), |a| {
            Ok(Value::str(arg_str(a, 0).trim()))
        }),
        ("upper", Signature::fixed(&[Str]), |a| {
            Ok(Value::String(arg_str(a, 0).chars().map(to_upper).collect()))
        }),
        ("lower", Signature::fixed(&[Str]), |a| {
            Ok(Value::String(arg_str(a, 0).chars().map(to_lower).collect()))
        }),
        ("title", Signature::fixed(&[Str]), |a| {
            Ok(Value::String(title(arg_str(a, 0))))
        }),
        ("untitle", Signature::fixed(&[Str]), |a| {
            Ok(Value::String(untitle(arg_str(a, 0))))
        }),
        ("substr", Signature::fixed(&[Int, Int, Str]), |a| {
            substr(arg_int(a, 0), arg_int(a, 1), arg_str(a, 2)).map(text)
        }),
        ("repeat", Signature::fixed(&[Int, Str]), |a| {
            repeat(arg_str(a, 1), arg_int(a, 0)).map(Value::String)
        }),
        ("trimall", Signature::fixed(&[Str, Str]), trim_all),
        ("trimAll", Signature::fixed(&[Str, Str]), trim_all),
        ("trimSuffix", Signature::fixed(&[Str, Str]), |a| {
            let (suffix, s) = (arg_str(a, 0), arg_str(a, 1));
            Ok(Value::str(s.strip_suffix(suffix).unwrap_or(s)))
        }),
        ("trimPrefix", Signature::fixed(&[Str, Str]), |a| {
            let (prefix, s) = (arg_str(a, 0), arg_str(a, 1));
            Ok(Value::str(s.strip_prefix(prefix).unwrap_or(s)))
        }),
        ("nospace", Signature::fixed(&[Str]), |a| {
            Ok(Value::String(nospace(arg_str(a, 0))))
        }),
        ("initials", Signature::fixed(&[Str]), |a| {
            Ok(Value::String(initials(arg_str(a, 0))))
        }),
        ("swapcase", Signature::fixed(&[Str]), |a| {
            Ok(Value::String(swapcase(arg_str(a, 0))))
        }),
        ("shuffle", Signature::fixed(&[Str]), |a| {
            let mut chars: Vec<char> = arg_str(a, 0).chars().collect();
            chars.shuffle(&mut rand::thread_rng());
            Ok(Value::String(chars.into_iter().collect()))
        }),
        ("snakecase", Signature::fixed(&[Str]), |a| {
            Ok(Value::String(words_to_lower(arg_str(a, 0), '_')))
        }),
        ("kebabcase", Signature::fixed(&[Str]), |a| {
            Ok(Value::String(words_to_lower(arg_str(a, 0), '-')))
        }),
        ("camelcase", Signature::fixed(&[Str]), |a| {
            Ok(Value::String(camelcase(arg_str(a, 0))))
        }),
        ("wrap", Signature::fixed(&[Int, Str]), |a| {
            Ok(text(wrap(arg_str(a, 1), arg_int(a, 0), "", false)))
        }),
        ("wrapWith", Signature::fixed(&[Int, Str, Str]), |a| {
            Ok(text(wrap(
                arg_str(a, 2),
                arg_int(a, 0),
                arg_str(a, 1),
                true,
            )))
        }),
        // Sprig swaps Go's argument order so that the subject can be piped.
        ("contains", Signature::fixed(&[Str, Str]), |a| {
            Ok(Value::Bool(arg_str(a, 1).contains(arg_str(a, 0))))
        }),
        ("hasPrefix", Signature::fixed(&[Str, Str]), |a| {
            Ok(Value::Bool(arg_str(a, 1).starts_with(arg_str(a, 0))))
        }),
        ("hasSuffix", Signature::fixed(&[Str, Str]), |a| {
            Ok(Value::Bool(arg_str(a, 1).ends_with(arg_str(a, 0))))
        }),
        ("quote", Signature::variadic(&[], Any), |a| {
            Ok(join_non_nil(a, |v| gofmt::quote(&strval(v))))
        }),
        ("squote", Signature::variadic(&[], Any), |a| {
            Ok(join_non_nil(a, |v| format!("'{v}'")))
        }),
        ("cat", Signature::variadic(&[], Any), |a| {
            Ok(join_non_nil(a, ToString::to_string))
        }),
        ("indent", Signature::fixed(&[Int, Str]), |a| {
            indent(arg_int(a, 0), arg_str(a, 1)).map(Value::String)
        }),
        ("nindent", Signature::fixed(&[Int, Str]), |a| {
            indent(arg_int(a, 0), arg_str(a, 1)).map(|s| Value::String(format!("\n{s}")))
        }),
        ("replace", Signature::fixed(&[Str, Str, Str]), |a| {
            Ok(Value::String(
                arg_str(a, 2).replace(arg_str(a, 0), arg_str(a, 1)),
            ))
        }),
        ("plural", Signature::fixed(&[Str, Str, Int]), |a| {
            Ok(Value::str(arg_str(
                a,
                if arg_int(a, 2) == 1 { 0 } else { 1 },
            )))
        }),
        ("split", Signature::fixed(&[Str, Str]), |a| {
            Ok(numbered(split(arg_str(a, 1), arg_str(a, 0), -1)))
        }),
        ("splitn", Signature::fixed(&[Str, Int, Str]), |a| {
            Ok(numbered(split(arg_str(a, 2), arg_str(a, 0), arg_int(a, 1))))
        }),
        ("splitList", Signature::fixed(&[Str, Str]), |a| {
            Ok(strings(split(arg_str(a, 1), arg_str(a, 0), -1)))
        }),
        ("toStrings", Signature::fixed(&[Any]), |a| {
            Ok(strings(strslice(a.first().unwrap_or(&Value::Nil))))
        }),
        ("join", Signature::fixed(&[Str, Any]), |a| {
            let parts = strslice(a.get(1).unwrap_or(&Value::Nil));
            Ok(Value::String(parts.join(arg_str(a, 0))))
        }),
    ];
    table
        .into_iter()
        .map(|(name, sig, call)| Function { name, sig, call })
        .collect()
}

/// A Go string built from bytes. Go keeps a UTF-8 sequence cut in half;
/// a Rust string cannot, so the broken sequence becomes U+FFFD.
fn text(bytes: impl AsRef<[u8]>) -> Value {
    let bytes = bytes.as_ref();
    // `from_utf8` checks ASCII many bytes at a time; the lossy walk does not.
    match std::str::from_utf8(bytes) {
        Ok(valid) => Value::str(valid),
        Err(_) => Value::String(String::from_utf8_lossy(bytes).into_owned()),
    }
}

/// A `[]string`.
pub(super) fn strings(items: Vec<String>) -> Value {
    Value::list(items.into_iter().map(Value::String).collect())
}

/// Sprig's `split`/`splitn` result: `map[_0:a _1:b]`.
fn numbered(parts: Vec<String>) -> Value {
    Value::map(
        parts
            .into_iter()
            .enumerate()
            .map(|(i, part)| (format!("_{i}"), Value::String(part)))
            .collect(),
    )
}

/// The non-nil arguments, each formatted, joined by spaces (`quote`,
/// `squote`, `cat`).
fn join_non_nil(args: &[Value], format: impl Fn(&Value) -> String) -> Value {
    let parts: Vec<String> = args
        .iter()
        .filter(|v| !matches!(v, Value::Nil))
        .map(format)
        .collect();
    Value::String(parts.join(" "))
}

fn trim_all(args: &[Value]) -> Result<Value, String> {
    let (cutset, s) = (arg_str(args, 0), arg_str(args, 1));
    Ok(Value::str(s.trim_matches(|c| cutset.contains(c))))
}

/// A byte count or offset from a Go int (negative ones are handled before).
fn offset(n: i64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// A byte length as a Go int.
fn go_len(s: &[u8]) -> i64 {
    i64::try_from(s.len()).unwrap_or(i64::MAX)
}

/// `trunc`: the first `c` bytes, or with a negative `c` the last `-c`.
fn trunc(c: i64, s: &str) -> &[u8] {
    let (bytes, len) = (s.as_bytes(), go_len(s.as_bytes()));
    if c < 0 && len + c > 0 {
        &bytes[offset(len + c)..]
    } else if c >= 0 && len > c {
        &bytes[..offset(c)]
    } else {
        bytes
    }
}

/// `substr`: `s[start:end]`, or `s[:end]` for a negative start, or
/// `s[start:]` for a negative or too large end; out-of-range slices fail
/// with Go's runtime panic.
fn substr(start: i64, end: i64, s: &str) -> Result<&[u8], String> {
    let (bytes, len) = (s.as_bytes(), go_len(s.as_bytes()));
    let out_of_range =
        |what: String| Err(format!("runtime error: slice bounds out of range {what}"));
    if start < 0 {
        return match end {
            e if e < 0 => out_of_range(format!("[:{e}]")),
            e if e > len => out_of_range(format!("[:{e}] with length {len}")),
            e => Ok(&bytes[..offset(e)]),
        };
    }
    if end < 0 || end > len {
        return if start > len {
            out_of_range(format!("[{start}:{len}]"))
        } else {
            Ok(&bytes[offset(start)..])
        };
    }
    if start > end {
        return out_of_range(format!("[{start}:{end}]"));
    }
    Ok(&bytes[offset(start)..offset(end)])
}

/// `strings.Repeat`, with its panics; an allocation too large for memory is
/// an error rather than an abort.
/// The largest string `repeat` (and `indent`) builds.
const MAX_REPEAT_BYTES: usize = 1 << 30;

fn repeat(s: &str, count: i64) -> Result<String, String> {
    if count < 0 {
        return Err("strings: negative Repeat count".into());
    }
    let size = s
        .len()
        .checked_mul(offset(count))
        .filter(|size| isize::try_from(*size).is_ok())
        .ok_or("strings: Repeat output length overflow")?;
    // Go would try and die out of memory; a bounded error is kinder.
    if size > MAX_REPEAT_BYTES {
        return Err(format!(
            "strings: Repeat output of {size} bytes is over windlass's limit of 1 GiB"
        ));
    }
    Ok(s.repeat(offset(count)))
}

/// `indent`: every line (empty ones too) prefixed with `spaces` spaces.
fn indent(spaces: i64, s: &str) -> Result<String, String> {
    let pad = repeat(" ", spaces)?;
    Ok(format!("{pad}{}", s.replace('\n', &format!("\n{pad}"))))
}

/// Sprig's `abbrev`: widths below 4 leave the string alone.
fn abbrev(width: i64, s: &str) -> Vec<u8> {
    if width < 4 {
        return s.as_bytes().to_vec();
    }
    abbreviate(s.as_bytes(), 0, width).unwrap_or_default()
}

fn abbrevboth(left: i64, right: i64, s: &str) -> Vec<u8> {
    if right < 4 || left > 0 && right < 7 {
        return s.as_bytes().to_vec();
    }
    abbreviate(s.as_bytes(), left, right).unwrap_or_default()
}

/// goutils' `AbbreviateFull` (byte offsets): `None` where it returns an
/// error, which Sprig turns into "".
fn abbreviate(s: &[u8], offset_: i64, max_width: i64) -> Option<Vec<u8>> {
    const MARKER: &[u8] = b"...";
    if s.is_empty() {
        return Some(Vec::new());
    }
    if max_width < 4 {
        return None;
    }
    let len = go_len(s);
    if len <= max_width {
        return Some(s.to_vec());
    }
    // Go's int arithmetic, wrapping included.
    let mut start = offset_.min(len);
    if len.wrapping_sub(start) < max_width - 3 {
        start = len - (max_width - 3);
    }
    if start <= 4 {
        return Some([&s[..offset(max_width - 3)], MARKER].concat());
    }
    if max_width < 7 {
        return None;
    }
    if start.wrapping_add(max_width - 3) < len {
        let rest = abbreviate(&s[offset(start)..], 0, max_width - 3).unwrap_or_default();
        return Some([MARKER, &rest].concat());
    }
    Some([MARKER, &s[offset(len - (max_width - 3))..]].concat())
}

/// goutils' `WrapCustom` (byte offsets): breaks at the last space that
/// fits; a longer word is either cut (`wrap_long`) or kept whole.
fn wrap(s: &str, width: i64, newline: &str, wrap_long: bool) -> Vec<u8> {
    let s = s.as_bytes();
    if s.is_empty() {
        return Vec::new();
    }
    let newline = if newline.is_empty() {
        b"\n"
    } else {
        newline.as_bytes()
    };
    let width = offset(width.max(1));
    let mut out = Vec::new();
    let mut at = 0;
    while s.len() - at > width {
        if s[at] == b' ' {
            at += 1;
            continue;
        }
        let end = width + at + 1;
        if let Some(space) = s[at..end].iter().rposition(|b| *b == b' ') {
            out.extend_from_slice(&s[at..at + space]);
            out.extend_from_slice(newline);
            at += space + 1;
        } else if wrap_long {
            out.extend_from_slice(&s[at..at + width]);
            out.extend_from_slice(newline);
            at += width;
        } else if let Some(space) = s[at + width..].iter().position(|b| *b == b' ') {
            out.extend_from_slice(&s[at..at + width + space]);
            out.extend_from_slice(newline);
            at += width + space + 1;
        } else {
            out.extend_from_slice(&s[at..]);
            at = s.len();
        }
    }
    out.extend_from_slice(&s[at..]);
    out
}

/// Go's `unicode.IsSpace` on a byte read as a rune, the way goutils'
/// byte loops test it (so 0x85 and 0xA0, parts of UTF-8 sequences, count).
fn byte_is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' | 0x85 | 0xA0)
}

/// goutils' `DeleteWhiteSpace`: the string unchanged when it has no
/// whitespace byte, else the other bytes each as a character.
fn nospace(s: &str) -> String {
    if !s.bytes().any(byte_is_space) {
        return s.to_string();
    }
    s.bytes()
        .filter(|b| !byte_is_space(*b))
        .map(char::from)
        .collect()
}

/// goutils' `Initials`: the first byte of each word, as a character.
fn initials(s: &str) -> String {
    let mut out = String::new();
    let mut after_gap = true;
    for b in s.bytes() {
        if byte_is_space(b) {
            after_gap = true;
        } else if after_gap {
            out.push(char::from(b));
            after_gap = false;
        }
    }
    out
}

/// `strings.Title`: upper-case (title-case) each letter that follows a
/// separator.
fn title(s: &str) -> String {
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if is_separator(prev) { to_title(c) } else { c };
            prev = c;
            out
        })
        .collect()
}

/// `strings.Title`'s word separators: ASCII other than letters, digits and
/// `_`; beyond ASCII, spaces only.
fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    !(is_letter(c) || is_digit(c)) && c.is_whitespace()
}

/// goutils' `Uncapitalize`: lower-case the first character of each
/// whitespace-separated word.
fn untitle(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if c.is_whitespace() {
                next = true;
                c
            } else if next {
                next = false;
                to_lower(c)
            } else {
                c
            }
        })
        .collect()
}

/// goutils' `SwapCase`: upper and title case to lower; lower case to title
/// case at the start of a word, else to upper case.
fn swapcase(s: &str) -> String {
    let mut word_start = true;
    s.chars()
        .map(|c| {
            let cat = get_general_category(c);
            if matches!(cat, Cat::UppercaseLetter | Cat::TitlecaseLetter) {
                word_start = false;
                to_lower(c)
            } else if cat == Cat::LowercaseLetter {
                let out = if word_start { to_title(c) } else { to_upper(c) };
                word_start = false;
                out
            } else {
                word_start = c.is_whitespace();
                c
            }
        })
        .collect()
}

/// `strings.Split`/`SplitN`: `n` < 0 for all parts, 0 for none; an empty
/// separator splits into characters.
fn split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let chars: Vec<char> = s.chars().collect();
        let count = if n < 0 {
            chars.len()
        } else {
            offset(n).min(chars.len())
        };
        let mut out: Vec<String> = chars.iter().take(count).map(char::to_string).collect();
        if count > 0 && count < chars.len() {
            out[count - 1] = chars[count - 1..].iter().collect();
        }
        return out;
    }
    if n < 0 {
        s.split(sep).map(str::to_string).collect()
    } else {
        s.splitn(offset(n), sep).map(str::to_string).collect()
    }
}

// ---- huandu/xstrings' case conversions.

/// xstrings' `isConnector`.
fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || c.is_whitespace()
}

/// xstrings' `isAlphabet`: letters other than the CJK ideographs.
fn is_alphabet(c: char) -> bool {
    is_letter(c) && !matches!(u32::from(c), 0x4E00..=0x9FCC | 0x3400..=0x4D85 | 0x2_0000..=0x2_B81D)
}

/// What Go's `utf8.DecodeRuneInString` reports for invalid input; xstrings
/// skips it (a literal U+FFFD included).
const RUNE_ERROR: char = '\u{FFFD}';

/// xstrings' `camelcase` (its `toCamelCase` with an upper-case first
/// letter): connectors (`_`, `-`, spaces) drop out and capitalize what
/// follows; an all-capital run after a capital is lowered (`HTTPServer` to
/// `Httpserver`); leading connectors stay.
fn camelcase(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    let mut first_upper = false;
    let mut r0 = None;
    for c in chars.by_ref() {
        if !is_connector(c) {
            first_upper = is_upper(c);
            r0 = Some(to_upper(c));
            break;
        }
        out.push(c);
        r0 = Some(c);
    }
    let Some(mut r0) = r0 else {
        return out;
    };
    if chars.peek().is_none() {
        // The last character is written again, a connector included
        // (`__` becomes `___`).
        out.push(r0);
        return out;
    }
    for c in chars {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = is_upper(r0);
            r0 = to_upper(r0);
        } else {
            if first_upper {
                if is_upper(r0) {
                    r0 = to_lower(r0);
                } else {
                    first_upper = false;
                }
            }
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

/// xstrings' word kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Word {
    Invalid,
    Number,
    UpperCase,
    Alphabet,
    Connector,
    Punct,
    Other,
}

/// xstrings' `nextValidRune`: the first character that is not U+FFFD and
/// the bytes up to and including it; `prev` when there is none.
fn next_valid(s: &str, prev: char) -> (char, usize) {
    let mut size = 0;
    for c in s.chars() {
        size += c.len_utf8();
        if c != RUNE_ERROR {
            return (c, size);
        }
    }
    (prev, size)
}

/// Moves `end` over the characters after it for which `keep` holds,
/// leaving `r` at the first one that does not (xstrings' scanning loops).
fn extend_while(s: &str, end: &mut usize, r: &mut char, keep: impl Fn(char) -> bool) {
    while *end < s.len() {
        let (next, size) = next_valid(&s[*end..], *r);
        *r = next;
        if !keep(next) {
            break;
        }
        *end += size;
    }
}

/// xstrings' `nextWord`: the kind of the next word, the word, and the rest.
fn next_word(s: &str) -> (Word, &str, &str) {
    if s.is_empty() {
        return (Word::Invalid, "", "");
    }
    let (mut r, mut end) = next_valid(s, RUNE_ERROR);
    if r == RUNE_ERROR {
        return (Word::Invalid, &s[..end], &s[end..]);
    }
    let kind = if is_connector(r) {
        extend_while(s, &mut end, &mut r, is_connector);
        Word::Connector
    } else if is_punct(r) {
        extend_while(s, &mut end, &mut r, is_punct);
        Word::Punct
    } else if is_upper(r) {
        if end < s.len() {
            let (next, size) = next_valid(&s[end..], r);
            r = next;
            if is_upper(r) {
                // A run of capitals; in `HTTPStatus` the `S` starts the
                // next word.
                let mut last_size = size;
                end += size;
                while end < s.len() {
                    let (next, size) = next_valid(&s[end..], r);
                    r = next;
                    if !is_upper(r) {
                        break;
                    }
                    last_size = size;
                    end += size;
                }
                if end < s.len() && is_alphabet(r) {
                    end -= last_size;
                }
            } else if is_alphabet(r) {
                end += size;
                extend_while(s, &mut end, &mut r, |c| is_alphabet(c) && !is_upper(c));
            }
        }
        Word::UpperCase
    } else if is_alphabet(r) {
        extend_while(s, &mut end, &mut r, |c| is_alphabet(c) && !is_upper(c));
        Word::Alphabet
    } else if is_number(r) {
        extend_while(s, &mut end, &mut r, is_number);
        Word::Number
    } else {
        extend_while(s, &mut end, &mut r, |c| {
            !(is_connector(c) || is_alphabet(c) || is_number(c) || is_punct(c))
        });
        Word::Other
    };
    (kind, &s[..end], &s[end..])
}

/// xstrings' `toLower`: capital and connector words lowered, connectors
/// replaced; other words as they are.
fn push_lower(out: &mut String, kind: Word, word: &str, connector: char) {
    if kind != Word::UpperCase && kind != Word::Connector {
        out.push_str(word);
        return;
    }
    for c in word.chars() {
        out.push(if is_connector(c) {
            connector
        } else if is_upper(c) {
            to_lower(c)
        } else {
            c
        });
    }
}

/// xstrings' `camelCaseToLowerCase` (`snakecase`, `kebabcase`): words
/// lowered and joined by `connector`; a number sticks to the word before it
/// unless letters follow it (`Bld4Floor3rd` to `bld4_floor_3rd`).
fn words_to_lower(s: &str, connector: char) -> String {
    let mut out = String::new();
    if s.is_empty() {
        return out;
    }
    let (mut kind, mut word, mut rest) = next_word(s);
    while !rest.is_empty() {
        if kind != Word::Connector {
            push_lower(&mut out, kind, word, connector);
        }
        let (prev, last) = (kind, word);
        (kind, word, rest) = next_word(rest);
        match prev {
            Word::Number => {
                while matches!(kind, Word::Alphabet | Word::Number) {
                    push_lower(&mut out, kind, word, connector);
                    (kind, word, rest) = next_word(rest);
                }
                if !matches!(kind, Word::Invalid | Word::Punct | Word::Connector) {
                    out.push(connector);
                }
            }
            Word::Connector => push_lower(&mut out, prev, last, connector),
            Word::Punct => {}
            _ => {
                if kind != Word::Number {
                    if kind != Word::Connector && kind != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                if rest.is_empty() {
                    continue;
                }
                let number = word;
                (kind, word, rest) = next_word(rest);
                if kind != Word::Alphabet {
                    // The number belongs to the word before it.
                    push_lower(&mut out, Word::Number, number, connector);
                    if kind != Word::Connector && kind != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                // Letters follow the number: it starts a new word.
                out.push(connector);
                push_lower(&mut out, Word::Number, number, connector);
                while matches!(kind, Word::Alphabet | Word::Number) {
                    push_lower(&mut out, kind, word, connector);
                    (kind, word, rest) = next_word(rest);
                }
                if !matches!(kind, Word::Invalid | Word::Connector | Word::Punct) {
                    out.push(connector);
                }
            }
        }
    }
    push_lower(&mut out, kind, word, connector);
    out
}

// ---- Go's `unicode` package: categories and simple case mappings.

fn is_upper(c: char) -> bool {
    get_general_category(c) == Cat::UppercaseLetter
}

pub(super) fn is_letter(c: char) -> bool {
    matches!(
        get_general_category(c),
        Cat::UppercaseLetter
            | Cat::LowercaseLetter
            | Cat::TitlecaseLetter
            | Cat::ModifierLetter
            | Cat::OtherLetter
    )
}

/// `unicode.IsDigit`: decimal digits of any script.
pub(super) fn is_digit(c: char) -> bool {
    get_general_category(c) == Cat::DecimalNumber
}

fn is_number(c: char) -> bool {
    matches!(
        get_general_category(c),
        Cat::DecimalNumber | Cat::LetterNumber | Cat::OtherNumber
    )
}

fn is_punct(c: char) -> bool {
    matches!(
        get_general_category(c),
        Cat::ConnectorPunctuation
            | Cat::DashPunctuation
            | Cat::OpenPunctuation
            | Cat::ClosePunctuation
            | Cat::InitialPunctuation
            | Cat::FinalPunctuation
            | Cat::OtherPunctuation
    )
}

/// `unicode.ToUpper`: the simple mapping. Rust's is the full one, which
/// differs where it has several characters (`ß` stays `ß` in Go).
fn to_upper(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        // Greek letters with ypogegrammeni have a one-character simple
        // mapping to their capital with prosgegrammeni.
        _ => match u32::from(c) {
            n @ (0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7) => {
                char::from_u32(n + 8).unwrap_or(c)
            }
            0x1FB3 => '\u{1FBC}',
            0x1FC3 => '\u{1FCC}',
            0x1FF3 => '\u{1FFC}',
            _ => c,
        },
    }
}

/// `unicode.ToLower`: the simple mapping (`İ` to `i`).
fn to_lower(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ if c == '\u{130}' => 'i',
        _ => c,
    }
}

/// `unicode.ToTitle`: the upper case, except for the Latin digraphs (`ǆ` to
/// `ǅ`) and Georgian, whose title case is itself.
fn to_title(c: char) -> char {
    match u32::from(c) {
        0x1C4..=0x1C6 => '\u{1C5}',
        0x1C7..=0x1C9 => '\u{1C8}',
        0x1CA..=0x1CC => '\u{1CB}',
        0x1F1..=0x1F3 => '\u{1F2}',
        0x10D0..=0x10FA | 0x10FD..=0x10FF => c,
        _ => to_upper(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sprig::testing::{i, out, s};

    // The expectations below are Helm 4's, from
    // tests/cases/sprig_core.expected.json.
    #[test]
    fn case_mappings_are_go_simple_mappings() {
        assert_eq!(out("upper", &[s("straße ǆ éa")]), "STRAßE Ǆ ÉA");
        assert_eq!(out("lower", &[s("İSTANBUL ΑΣ ÉA")]), "istanbul ασ éa");
        assert_eq!(
            out("title", &[s("hello wORLD foo_bar a-b 3d x.y ǆx éa")]),
            "Hello WORLD Foo_bar A-B 3d X.Y ǅx Éa"
        );
        assert_eq!(
            out("untitle", &[s("Hello World\tFOO  Bar")]),
            "hello world\tfOO  bar"
        );
        assert_eq!(out("swapcase", &[s("Hello World ǅx")]), "hELLO wORLD ǆX");
        assert_eq!(out("swapcase", &[s("aBc dEF  gh")]), "AbC Def  GH");
    }

    /// The `case-conversions-N` cases of tests/cases/sprig_core.json
    /// (`{{ snakecase "X" }}|{{ camelcase "X" }}|{{ kebabcase "X" }}`)
    /// against what Helm printed.
    #[test]
    fn xstrings_case_conversions_match_helm() {
        let cases: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/cases/sprig_core.json")).unwrap();
        let expected: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/cases/sprig_core.expected.json"))
                .unwrap();
        let mut checked = 0;
        for case in cases.as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            if !name.starts_with("case-conversions-") {
                continue;
            }
            // The input is a Go string literal that is also valid JSON.
            let template = case["template"].as_str().unwrap();
            let literal = template
                .strip_prefix("{{ snakecase ")
                .and_then(|t| t.split(" }}").next())
                .unwrap();
            let input: String = serde_json::from_str(literal).unwrap();
            let got = ["snakecase", "camelcase", "kebabcase"].map(|f| out(f, &[s(&input)]));
            assert_eq!(
                got.join("|"),
                expected[name]["output"].as_str().unwrap(),
                "{name}"
            );
            checked += 1;
        }
        assert!(checked >= 18, "{checked} cases");
        assert_eq!(out("camelcase", &[s("")]), "");
    }

    #[test]
    fn byte_offsets_and_go_panics() {
        assert_eq!(out("substr", &[i(1), i(3), s("abcdef")]), "bc");
        assert_eq!(out("substr", &[i(-1), i(2), s("abcdef")]), "ab");
        assert_eq!(out("substr", &[i(2), i(-1), s("abcdef")]), "cdef");
        assert_eq!(out("substr", &[i(2), i(99), s("abcdef")]), "cdef");
        assert_eq!(
            out("substr", &[i(5), i(6), s("abc")]),
            "error: runtime error: slice bounds out of range [5:3]"
        );
        assert_eq!(
            out("substr", &[i(-1), i(10), s("abc")]),
            "error: runtime error: slice bounds out of range [:10] with length 3"
        );
        assert_eq!(
            out("substr", &[i(2), i(1), s("abc")]),
            "error: runtime error: slice bounds out of range [2:1]"
        );
        assert_eq!(
            out("substr", &[i(-1), i(-1), s("abc")]),
            "error: runtime error: slice bounds out of range [:-1]"
        );
        for (n, want) in [
            (3, "abc"),
            (-2, "ef"),
            (10, "abcdef"),
            (-10, "abcdef"),
            (0, ""),
        ] {
            assert_eq!(out("trunc", &[i(n), s("abcdef")]), want);
        }
        assert_eq!(out("repeat", &[i(3), s("ab")]), "ababab");
        assert_eq!(
            out("repeat", &[i(-1), s("x")]),
            "error: strings: negative Repeat count"
        );
        assert_eq!(
            out("repeat", &[i(i64::MAX), s("xy")]),
            "error: strings: Repeat output length overflow"
        );
        assert_eq!(out("repeat", &[i(i64::MAX), s("")]), "");
        assert!(out("repeat", &[i(1 << 31), s("a")]).contains("limit of 1 GiB"));
        assert_eq!(out("indent", &[i(2), s("a\n\nb")]), "  a\n  \n  b");
        assert_eq!(out("nindent", &[i(4), s("x\ny")]), "\n    x\n    y");
        assert_eq!(
            out("indent", &[i(-1), s("x")]),
            "error: strings: negative Repeat count"
        );
    }

    #[test]
    fn goutils_functions() {
        assert_eq!(out("abbrev", &[i(5), s("hello world")]), "he...");
        assert_eq!(out("abbrev", &[i(3), s("hello")]), "hello");
        assert_eq!(out("abbrev", &[i(4), s("abcdef")]), "a...");
        for (left, right, input, want) in [
            (5, 10, "1234 5678 9123", "...5678..."),
            (0, 6, "abcdefghij", "abc..."),
            (1, 5, "abcdefghij", "abcdefghij"),
            (10, 7, "abcdefghijklmno", "...k..."),
            (20, 8, "abcdefghijklmno", "...klmno"),
            (3, 10, "abcdefghijklmno", "abcdefg..."),
        ] {
            assert_eq!(out("abbrevboth", &[i(left), i(right), s(input)]), want);
        }
        assert_eq!(out("initials", &[s("First Try")]), "FT");
        assert_eq!(out("initials", &[s("éa ü")]), "ÃÃ");
        assert_eq!(out("nospace", &[s("a b\tc\nd")]), "abcd");
        assert_eq!(out("nospace", &[s("héllo")]), "héllo");
        assert_eq!(out("nospace", &[s("hé llo")]), "hÃ©llo");
        assert_eq!(
            out("wrap", &[i(5), s("Hello World Foo")]),
            "Hello\nWorld\nFoo"
        );
        assert_eq!(out("wrap", &[i(3), s("abcdefgh ij")]), "abcdefgh\nij");
        assert_eq!(out("wrap", &[i(0), s("a b")]), "a\nb");
        assert_eq!(out("wrap", &[i(10), s("  lead space")]), "lead space");
        assert_eq!(
            out("wrapWith", &[i(5), s("\t"), s("Hello World")]),
            "Hello\tWorld"
        );
        assert_eq!(
            out("wrapWith", &[i(3), s("|"), s("abcdefgh")]),
            "abc|def|gh"
        );
    }

    #[test]
    fn quoting_and_joining() {
        let args = [
            s("a"),
            i(1),
            Value::Nil,
            Value::Float(1.5),
            Value::Bool(true),
        ];
        assert_eq!(out("quote", &args), r#""a" "1" "1.5" "true""#);
        assert_eq!(out("quote", &[Value::Nil]), "");
        assert_eq!(out("quote", &[Value::Float(1e6)]), r#""1e+06""#);
        assert_eq!(out("squote", &[s("a"), Value::Nil, i(2)]), "'a' '2'");
        assert_eq!(out("cat", &[s("a"), Value::Nil, i(1), s("b")]), "a 1 b");
        assert_eq!(out("cat", &[]), "");
        let list = Value::list(vec![i(1), i(2), Value::Nil, s("a")]);
        assert_eq!(out("join", &[s(","), list]), "1,2,a");
        assert_eq!(out("join", &[s("-"), s("abc")]), "abc");
        assert_eq!(out("join", &[s(","), Value::Nil]), "");
    }

    #[test]
    fn splitting() {
        assert_eq!(out("split", &[s("/"), s("a/b/c")]), "map[_0:a _1:b _2:c]");
        assert_eq!(out("split", &[s(""), s("ab")]), "map[_0:a _1:b]");
        assert_eq!(out("split", &[s(","), s("")]), "map[_0:]");
        assert_eq!(
            out("splitn", &[s("/"), i(2), s("a/b/c")]),
            "map[_0:a _1:b/c]"
        );
        assert_eq!(out("splitn", &[s("/"), i(0), s("a/b")]), "map[]");
        assert_eq!(out("splitn", &[s(""), i(2), s("abc")]), "map[_0:a _1:bc]");
        assert_eq!(out("splitList", &[s(","), s("a,b,,c")]), "[a b  c]");
        assert_eq!(out("splitList", &[s(""), s("abc")]), "[a b c]");
        assert_eq!(out("splitList", &[s(""), s("")]), "[]");
        assert_eq!(out("replace", &[s(""), s("-"), s("abc")]), "-a-b-c-");
        assert_eq!(out("trimAll", &[s("$"), s("$$5.00$")]), "5.00");
        assert_eq!(out("trim", &[s("\u{a0}x\u{3000}")]), "x");
    }
}
