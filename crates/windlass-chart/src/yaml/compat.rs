//! Where the YAML 1.2 parser (`saphyr-parser`) and go-yaml v2's libyaml-derived
//! scanner read the same text differently, and how windlass bridges it, each
//! checked against Helm:
//! - libyaml refuses control characters anywhere in the stream ("control
//!   characters are not allowed"); [`check_characters`] does the same.
//! - libyaml treats a raw NEL (U+0085) as a line break and reads it as `\n`;
//!   [`normalise_breaks`] does that before parsing.
//! - After a `:`, libyaml takes a tab as the separating blank (`a:\tb`), where
//!   the parser refuses it before a letter, digit or `-`. [`repair`] replaces
//!   that one tab with a space and the document is parsed again.
//! - libyaml takes tabs in the leading blanks of a quoted scalar's continuation
//!   line (folding drops them), where the parser refuses them; [`repair`] makes
//!   them spaces.
//! - libyaml knows the escape `\'` in double quotes and not `\/`; the parser
//!   the other way round. [`repair`] rewrites `\'` as `\x27` (the same
//!   character), and [`EscapeCheck`] refuses `\/`.

use std::borrow::Cow;

use super::compose::Failure;

/// How many repairs one document may need before its error stands (each one
/// costs a parse of the whole text).
pub(crate) const MAX_REPAIRS: usize = 100;

const TAB_AFTER_COLON: &str = "':' must be followed by a valid YAML whitespace";
const TAB_IN_QUOTED: &str = "tab cannot be used as indentation";
const UNKNOWN_ESCAPE: &str = "while parsing a quoted scalar, found unknown escape character";

/// libyaml's reader: only printable characters, tab and line breaks. Also
/// says whether the text holds a NEL, for [`normalise_breaks`].
pub(crate) fn check_characters(text: &str) -> Result<bool, Failure> {
    let printable = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{85}')
            || matches!(c, '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
            || c >= '\u{10000}'
    };
    // Runs of printable ASCII and breaks are skipped in bulk: nearly all of a
    // chart's YAML is that.
    let mut at = 0;
    let mut nel = false;
    loop {
        at += ascii_run(&text.as_bytes()[at..]);
        // `at` is on a char boundary: everything before it is ASCII.
        let Some(c) = text[at..].chars().next() else {
            return Ok(nel);
        };
        nel |= c == '\u{85}';
        if !printable(c) {
            return Err(Failure {
                line: Some(line_of(text, at)),
                message: format!(
                    "control characters are not allowed (U+{:04X})",
                    u32::from(c)
                ),
            });
        }
        at += c.len_utf8();
    }
}

/// The length of the leading run of printable ASCII, tabs and breaks.
fn ascii_run(bytes: &[u8]) -> usize {
    let ok = |b: u8| b.wrapping_sub(0x20) < 0x5f || matches!(b, b'\t' | b'\n' | b'\r');
    // Whole blocks without early exit or short-circuits, so the check
    // vectorises (about ten times fewer instructions).
    const BLOCK: usize = 32;
    let mut start = 0;
    for block in bytes.chunks_exact(BLOCK) {
        let mut bad = 0u8;
        for &b in block {
            let printable = b.wrapping_sub(0x20) < 0x5f;
            let brk = (b == b'\t') | (b == b'\n') | (b == b'\r');
            bad |= u8::from(!(printable | brk));
        }
        if bad != 0 {
            break;
        }
        start += BLOCK;
    }
    start
        + bytes[start..]
            .iter()
            .position(|&b| !ok(b))
            .unwrap_or(bytes.len() - start)
}

/// The 1-based line of byte offset `at`.
pub(crate) fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// libyaml reads a raw NEL as a line break, like `\n`. `nel` is what
/// [`check_characters`] said: whether there is one.
pub(crate) fn normalise_breaks(text: &str, nel: bool) -> Cow<'_, str> {
    if nel {
        Cow::Owned(text.replace('\u{85}', "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The byte offset of character `index`, if the text is that long.
pub(crate) fn byte_offset(text: &str, index: usize) -> Option<usize> {
    if index == text.chars().count() {
        return Some(text.len());
    }
    text.char_indices().nth(index).map(|(at, _)| at)
}

/// A change to the text that lets the parser read it as libyaml does.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Repair {
    at: usize,
    len: usize,
    with: String,
}

impl Repair {
    pub(crate) fn apply(&self, text: &mut String) {
        text.replace_range(self.at..self.at + self.len, &self.with);
    }
}

/// The repair for a parser error at character `index`, when it is one of the
/// known differences from libyaml.
pub(crate) fn repair(text: &str, info: &str, index: usize) -> Option<Repair> {
    let at = byte_offset(text, index)?;
    let bytes = text.as_bytes();
    if info == TAB_AFTER_COLON {
        // The error points past the tabs that follow the `:`.
        let mut start = at;
        while start > 0 && bytes[start - 1] == b'\t' {
            start -= 1;
        }
        // Only after the `:` of a key on the same line: after a `:` that opens
        // its line (the value of a `?` key) libyaml refuses a tab too.
        let colon = start.checked_sub(1)?;
        let line_start = text[..colon].rfind('\n').map_or(0, |i| i + 1);
        let keyed = !text[line_start..colon].trim().is_empty();
        return (start < at && bytes[colon] == b':' && keyed).then_some(Repair {
            at: start,
            len: 1,
            with: " ".into(),
        });
    }
    if info == UNKNOWN_ESCAPE {
        // The error points at the opening quote; find the escape.
        let escape = first_escape(text, at, |c| !KNOWN_ESCAPES.contains(c))?;
        return (text[escape..].starts_with("\\'")).then_some(Repair {
            at: escape,
            len: 2,
            with: "\\x27".into(),
        });
    }
    if info == TAB_IN_QUOTED {
        // The error points at a tab in the leading blanks of a continuation
        // line, which folding drops: make them all spaces.
        let blanks = text[at..].len() - text[at..].trim_start_matches([' ', '\t']).len();
        return Some(Repair {
            at,
            len: blanks,
            with: " ".repeat(blanks),
        });
    }
    None
}

/// Escape letters the parser knows (the YAML 1.2 set).
const KNOWN_ESCAPES: &str = "0abt\tnvfre \"/\\N_LPxuU\r\n";

/// In the double-quoted scalar whose opening quote is at byte `quote`, the byte
/// offset of the first `\` escape whose letter satisfies `wanted`.
fn first_escape(text: &str, quote: usize, wanted: impl Fn(char) -> bool) -> Option<usize> {
    let body = text.get(quote..)?.strip_prefix('"')?;
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return None,
            '\\' => {
                let (_, letter) = chars.next()?;
                if wanted(letter) {
                    return Some(quote + 1 + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Refuses `\/` in double-quoted scalars, as libyaml does, walking the text
/// once (scalars come in document order).
pub(crate) struct EscapeCheck {
    /// Whether the text has `\/` at all; when not, nothing is checked.
    active: bool,
    /// A character index and its byte offset, to walk forward from.
    chars: usize,
    bytes: usize,
}

impl EscapeCheck {
    pub(crate) fn new(text: &str) -> Self {
        EscapeCheck {
            active: text.contains("\\/"),
            chars: 0,
            bytes: 0,
        }
    }

    /// Checks the double-quoted scalar whose node starts at character `index`.
    pub(crate) fn check(&mut self, text: &str, index: usize, line: usize) -> Result<(), Failure> {
        if !self.active {
            return Ok(());
        }
        if index < self.chars {
            (self.chars, self.bytes) = (0, 0);
        }
        let Some(skip) = text[self.bytes..]
            .char_indices()
            .nth(index - self.chars)
            .map(|(at, _)| at)
        else {
            return Ok(());
        };
        (self.chars, self.bytes) = (index, self.bytes + skip);
        // The node may start with an anchor or a tag; the scalar at its quote.
        let Some(quote) = text[self.bytes..].find('"').map(|at| self.bytes + at) else {
            return Ok(());
        };
        match first_escape(text, quote, |c| c == '/') {
            Some(_) => Err(Failure {
                line: Some(line),
                message: "found unknown escape character `\\/`".into(),
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_unprintable_character_is_found_wherever_it_is() {
        for len in 0..100 {
            for bad in ['\u{1}', '\u{7f}', '\u{9f}', '\u{fffe}'] {
                // Before, inside and after the blocks checked in bulk, with
                // printable non-ASCII around it.
                let head: String = (0..len)
                    .map(|i| match i % 13 {
                        0 => '\n',
                        7 => 'é',
                        _ => 'a',
                    })
                    .collect();
                let text = format!("{head}{bad}x\u{1}");
                let failure = check_characters(&text).unwrap_err();
                assert_eq!(failure.line, Some(line_of(&text, head.len())), "{len}");
                let code = format!("U+{:04X})", u32::from(bad));
                assert!(failure.message.ends_with(&code), "{}", failure.message);
                assert!(check_characters(&head).is_ok());
            }
        }
        assert!(check_characters("\t\r\n ~\u{85}\u{a0}\u{10000}").unwrap());
        assert!(!check_characters("\t\r\n ~\u{a0}\u{10000}").unwrap());
    }
}
