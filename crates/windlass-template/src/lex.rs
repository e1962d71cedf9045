//! Go `text/template`'s lexer (`text/template/parse/lex.go`), item for item:
//! text between actions, `{{`/`}}` with their `-` trim markers (which eat the
//! whitespace of the text beside them), comments, and inside actions
//! identifiers, keywords, fields, variables, numbers, strings, raw strings,
//! characters, `|`, `:=`, `=`, `(`, `)` and `,`. Spaces inside actions are
//! items too: the parser needs them to separate arguments (`f .X` vs `f.X`).

/// What an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// Plain text outside actions.
    Text,
    /// `{{` (after trimming).
    LeftDelim,
    /// `}}`.
    RightDelim,
    /// `{{/* ... */}}`, reported so the parser can skip it.
    Comment,
    /// Spaces, tabs and newlines inside an action.
    Space,
    /// A function or method name.
    Identifier,
    /// `.Field` (the text includes the dot).
    Field,
    /// `$` or `$name`.
    Variable,
    /// `.` alone.
    Dot,
    /// `true` or `false`.
    Bool,
    /// `nil`.
    Nil,
    /// A number as written (`1`, `-2.5e3`, `0x1F`, `1_000`).
    Number,
    /// A quoted string, quotes and escapes as written.
    String,
    /// A raw string, backquotes included.
    RawString,
    /// A character constant, quotes included.
    CharConstant,
    /// `|`.
    Pipe,
    /// `:=`.
    Declare,
    /// `=`.
    Assign,
    /// `(`.
    LeftParen,
    /// `)`.
    RightParen,
    /// `,`.
    Comma,
    /// A lexing error, the last item; its text is Go's message.
    Error,
    /// A keyword: `block break continue define else end if range template with`.
    Keyword,
    /// The end of the input.
    Eof,
}

/// One lexed item: a span of the template. Lines are not kept: the parser
/// counts them from `pos` when it reports an error, which is rare, so the hot
/// path does not count newlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item<'a> {
    pub kind: ItemKind,
    /// Its text as written (empty for `Error`: the message is in
    /// [`Lexed::error`]).
    pub text: &'a str,
    /// Byte offset in the template.
    pub pos: usize,
}

/// The items of a template, and the message of the `Error` item that ends
/// them when lexing failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lexed<'a> {
    pub items: Vec<Item<'a>>,
    pub error: Option<String>,
}

/// The 1-based line of byte offset `pos` in `text`.
pub fn line_at(text: &str, pos: usize) -> usize {
    1 + count_newlines(&text.as_bytes()[..pos.min(text.len())])
}

/// A lexing error: Go's message and the position it is reported at.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LexError {
    message: String,
    pos: usize,
}

/// Lexes `input` with the default delimiters. The items end with `Eof`, or
/// with an `Error` item at the point lexing failed: as in Go, where the parser
/// pulls items one by one, a parse error earlier in the input is reported
/// before a lexing error later in it.
///
/// Error texts are Go's: `unclosed comment`, `comment ends before closing
/// delimiter`, `unclosed action`, `unterminated quoted string`, `unterminated
/// raw quoted string`, `unterminated character constant`, `bad number syntax:
/// "…"`, `unexpected right paren`, `unclosed left paren`, `unrecognized
/// character in action: …`, `expected :=`.
pub fn lex(input: &str) -> Lexed<'_> {
    let mut lexer = Lexer {
        input,
        pos: 0,
        // About one item per 5 bytes in real charts' helpers; room for them
        // up front costs less than growing a large vector.
        items: Vec::with_capacity(input.len() / 4 + 2),
        paren_depth: 0,
    };
    let error = lexer.run().err().map(|error| {
        lexer.items.push(Item {
            kind: ItemKind::Error,
            text: "",
            pos: error.pos,
        });
        error.message
    });
    Lexed {
        items: lexer.items,
        error,
    }
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    items: Vec<Item<'a>>,
    paren_depth: usize,
}

/// The number of `\n` in `bytes`, counted in chunks of at most 255 into a
/// `u8`, which the compiler vectorizes (a `usize` count it does not).
fn count_newlines(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|chunk| {
            usize::from(
                chunk
                    .iter()
                    .fold(0u8, |n, &b| n.wrapping_add(u8::from(b == b'\n'))),
            )
        })
        .sum()
}

/// The offset of the first `{{` in `text`: a search for `{` (memchr) then a
/// look at the next byte, cheaper than a substring search per action.
fn find_left_delim(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find('{') {
        let at = from + i;
        if bytes.get(at + 1) == Some(&b'{') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// ASCII letters, digits and `_`, by byte.
static WORD_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b: u8 = 0;
    while b < 128 {
        table[b as usize] = b.is_ascii_alphanumeric() || b == b'_';
        b += 1;
    }
    table
};

impl<'a> Lexer<'a> {
    fn error(&self, message: impl Into<String>) -> LexError {
        LexError {
            message: message.into(),
            pos: self.pos,
        }
    }

    fn emit(&mut self, kind: ItemKind, start: usize, end: usize) {
        self.items.push(Item {
            kind,
            text: &self.input[start..end],
            pos: start,
        });
    }

    fn rest(&self) -> &str {
        &self.input[self.pos..]
    }

    #[inline]
    fn peek(&self) -> Option<char> {
        match self.input.as_bytes().get(self.pos) {
            Some(&b) if b.is_ascii() => Some(char::from(b)),
            _ => self.rest().chars().next(),
        }
    }

    fn run(&mut self) -> Result<(), LexError> {
        loop {
            // Text up to the next `{{`.
            let Some(offset) = find_left_delim(self.rest()) else {
                if self.pos < self.input.len() {
                    self.emit(ItemKind::Text, self.pos, self.input.len());
                }
                self.pos = self.input.len();
                self.emit(ItemKind::Eof, self.pos, self.pos);
                return Ok(());
            };
            let delim = self.pos + offset;
            let after = &self.input[delim + 2..];
            let trim = after.starts_with('-') && after[1..].starts_with(is_space);
            let mut text_end = delim;
            if trim {
                text_end = self.input[..delim].trim_end_matches(is_space).len();
            }
            if text_end > self.pos {
                self.emit(ItemKind::Text, self.pos, text_end);
            }
            self.pos = delim + 2;
            if trim {
                self.pos += 2;
            }
            self.left_delim(delim)?;
        }
    }

    /// After `{{` (and a left trim marker): a comment or an action.
    fn left_delim(&mut self, delim: usize) -> Result<(), LexError> {
        if self.rest().starts_with("/*") {
            return self.comment();
        }
        self.emit(ItemKind::LeftDelim, delim, delim + 2);
        self.paren_depth = 0;
        self.inside_action()
    }

    fn comment(&mut self) -> Result<(), LexError> {
        let start = self.pos;
        let Some(end) = self.rest().find("*/") else {
            return Err(self.error("unclosed comment"));
        };
        self.pos += end + 2;
        let comment_end = self.pos;
        let (trim, len) = self.right_delim_at(self.pos);
        if len == 0 {
            return Err(self.error("comment ends before closing delimiter"));
        }
        self.emit(ItemKind::Comment, start, comment_end);
        self.pos += len;
        if trim {
            self.skip_leading_space();
        }
        Ok(())
    }

    /// Whether a right delimiter starts at `pos`: `(trim, length)`, length 0
    /// when there is none. The trim marker is ` -}}` (whitespace, then `-`).
    #[inline]
    fn right_delim_at(&self, pos: usize) -> (bool, usize) {
        let rest = &self.input.as_bytes()[pos..];
        match rest {
            [b'}', b'}', ..] => (false, 2),
            [b' ' | b'\t' | b'\r' | b'\n', b'-', b'}', b'}', ..] => (true, 4),
            _ => (false, 0),
        }
    }

    fn skip_leading_space(&mut self) {
        let trimmed = self.rest().trim_start_matches(is_space);
        self.pos = self.input.len() - trimmed.len();
    }

    fn inside_action(&mut self) -> Result<(), LexError> {
        loop {
            let (trim, len) = self.right_delim_at(self.pos);
            if len > 0 {
                if self.paren_depth > 0 {
                    return Err(self.error("unclosed left paren"));
                }
                let start = if trim { self.pos + 2 } else { self.pos };
                self.emit(ItemKind::RightDelim, start, self.pos + len);
                self.pos += len;
                if trim {
                    self.skip_leading_space();
                }
                return Ok(());
            }
            let start = self.pos;
            let Some(c) = self.peek() else {
                return Err(self.error("unclosed action"));
            };
            match c {
                c if is_space(c) => {
                    // Up to the first non-space, or the space of a ` -}}`
                    // marker (checked before this, so never the first).
                    while let Some(c) = self.peek() {
                        if !is_space(c) || self.right_delim_at(self.pos).1 == 4 {
                            break;
                        }
                        self.pos += c.len_utf8();
                    }
                    self.emit(ItemKind::Space, start, self.pos);
                }
                '=' => {
                    self.pos += 1;
                    self.emit(ItemKind::Assign, start, self.pos);
                }
                ':' => {
                    if !self.rest().starts_with(":=") {
                        return Err(self.error("expected :="));
                    }
                    self.pos += 2;
                    self.emit(ItemKind::Declare, start, self.pos);
                }
                '|' => {
                    self.pos += 1;
                    self.emit(ItemKind::Pipe, start, self.pos);
                }
                '"' => self.quoted(start, '"')?,
                '`' => self.raw_quote(start)?,
                '\'' => self.quoted(start, '\'')?,
                '$' => {
                    self.pos += 1;
                    self.alphanumeric_run();
                    self.emit(ItemKind::Variable, start, self.pos);
                }
                '.' => {
                    let next = self.rest()[1..].chars().next();
                    if next.is_some_and(|n| n.is_ascii_digit()) {
                        self.number(start)?;
                    } else {
                        self.pos += 1;
                        self.alphanumeric_run();
                        let kind = if self.pos == start + 1 {
                            ItemKind::Dot
                        } else {
                            ItemKind::Field
                        };
                        self.emit(kind, start, self.pos);
                    }
                }
                '+' | '-' | '0'..='9' => self.number(start)?,
                '(' => {
                    self.pos += 1;
                    self.paren_depth += 1;
                    self.emit(ItemKind::LeftParen, start, self.pos);
                }
                ')' => {
                    if self.paren_depth == 0 {
                        return Err(self.error("unexpected right paren"));
                    }
                    self.pos += 1;
                    self.paren_depth -= 1;
                    self.emit(ItemKind::RightParen, start, self.pos);
                }
                ',' => {
                    self.pos += 1;
                    self.emit(ItemKind::Comma, start, self.pos);
                }
                c if is_alphanumeric(c) => {
                    self.alphanumeric_run();
                    let word = &self.input[start..self.pos];
                    let kind = match word {
                        "true" | "false" => ItemKind::Bool,
                        "nil" => ItemKind::Nil,
                        "block" | "break" | "continue" | "define" | "else" | "end" | "if"
                        | "range" | "template" | "with" => ItemKind::Keyword,
                        _ => ItemKind::Identifier,
                    };
                    self.emit(kind, start, self.pos);
                }
                other => {
                    return Err(self.error(format!("unrecognized character in action: {other:?}")));
                }
            }
        }
    }

    fn alphanumeric_run(&mut self) {
        // ASCII first, byte by byte; other characters one by one.
        let bytes = self.input.as_bytes();
        while bytes
            .get(self.pos)
            .is_some_and(|&b| WORD_BYTE[usize::from(b)])
        {
            self.pos += 1;
        }
        if bytes.get(self.pos).is_none_or(u8::is_ascii) {
            return;
        }
        while let Some(c) = self.peek() {
            if !is_alphanumeric(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
    }

    /// A quoted string (`"`) or character constant (`'`): up to the closing
    /// quote, past backslash escapes, on one line.
    fn quoted(&mut self, start: usize, quote: char) -> Result<(), LexError> {
        let (kind, unterminated) = if quote == '"' {
            (ItemKind::String, "unterminated quoted string")
        } else {
            (ItemKind::CharConstant, "unterminated character constant")
        };
        self.pos += 1;
        loop {
            // Up to the next byte that matters (all ASCII, so never inside
            // a multi-byte character).
            let bytes = &self.input.as_bytes()[self.pos..];
            self.pos += bytes
                .iter()
                .position(|&b| b == b'\\' || b == b'\n' || char::from(b) == quote)
                .unwrap_or(bytes.len());
            match self.peek() {
                Some('\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some('\n') | None => return Err(self.error(unterminated)),
                        Some(c) => self.pos += c.len_utf8(),
                    }
                }
                Some('\n') | None => return Err(self.error(unterminated)),
                Some(c) if c == quote => {
                    self.pos += 1;
                    self.emit(kind, start, self.pos);
                    return Ok(());
                }
                Some(c) => self.pos += c.len_utf8(),
            }
        }
    }

    fn raw_quote(&mut self, start: usize) -> Result<(), LexError> {
        let Some(end) = self.rest()[1..].find('`') else {
            return Err(self.error("unterminated raw quoted string"));
        };
        self.pos += end + 2;
        self.emit(ItemKind::RawString, start, self.pos);
        Ok(())
    }

    /// Go's `scanNumber`: sign, `0x`/`0o`/`0b` prefixes, `_` separators, a
    /// fraction, an exponent (`p` for hex), an imaginary `i`; then the number
    /// must end at a non-alphanumeric character.
    fn number(&mut self, start: usize) -> Result<(), LexError> {
        let bytes = self.input.as_bytes();
        let mut i = self.pos;
        if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
            i += 1;
        }
        let mut digits: &[u8] = b"0123456789_";
        let mut exponent: &[u8] = b"eE";
        if i + 1 < bytes.len() && bytes[i] == b'0' {
            match bytes[i + 1] {
                b'x' | b'X' => {
                    i += 2;
                    digits = b"0123456789abcdefABCDEF_";
                    exponent = b"pP";
                }
                b'o' | b'O' => {
                    i += 2;
                    digits = b"01234567_";
                    exponent = b"";
                }
                b'b' | b'B' => {
                    i += 2;
                    digits = b"01_";
                    exponent = b"";
                }
                _ => {}
            }
        }
        let run = |mut i: usize, set: &[u8]| {
            while i < bytes.len() && set.contains(&bytes[i]) {
                i += 1;
            }
            i
        };
        i = run(i, digits);
        if i < bytes.len() && bytes[i] == b'.' {
            i = run(i + 1, digits);
        }
        if !exponent.is_empty() && i < bytes.len() && exponent.contains(&bytes[i]) {
            i += 1;
            if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
                i += 1;
            }
            i = run(i, b"0123456789_");
        }
        if i < bytes.len() && bytes[i] == b'i' {
            i += 1;
        }
        self.pos = i;
        if self.peek().is_some_and(is_alphanumeric) {
            self.alphanumeric_run();
            return Err(self.error(format!(
                "bad number syntax: {:?}",
                &self.input[start..self.pos]
            )));
        }
        self.emit(ItemKind::Number, start, self.pos);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::ItemKind::*;
    use super::*;

    fn kinds(input: &str) -> Vec<(ItemKind, std::string::String)> {
        lex(input)
            .items
            .into_iter()
            .map(|i| (i.kind, i.text.to_string()))
            .collect()
    }

    fn k(kind: ItemKind, text: &str) -> (ItemKind, std::string::String) {
        (kind, text.to_string())
    }

    #[test]
    fn text_and_actions() {
        assert_eq!(
            kinds("a {{ .Values.x | quote }} b"),
            [
                k(Text, "a "),
                k(LeftDelim, "{{"),
                k(Space, " "),
                k(Field, ".Values"),
                k(Field, ".x"),
                k(Space, " "),
                k(Pipe, "|"),
                k(Space, " "),
                k(Identifier, "quote"),
                k(Space, " "),
                k(RightDelim, "}}"),
                k(Text, " b"),
                k(Eof, ""),
            ]
        );
    }

    #[test]
    fn trim_markers_eat_the_whitespace_beside_them() {
        assert_eq!(
            kinds("a \n {{- $x := 1 -}} \n b"),
            [
                k(Text, "a"),
                k(LeftDelim, "{{"),
                k(Variable, "$x"),
                k(Space, " "),
                k(Declare, ":="),
                k(Space, " "),
                // The space of ` -}}` belongs to the marker.
                k(Number, "1"),
                k(RightDelim, "}}"),
                k(Text, "b"),
                k(Eof, ""),
            ]
        );
        // `{{-3}}` is the number -3, not a trim marker.
        assert_eq!(kinds("{{-3}}")[1], k(Number, "-3"));
    }

    #[test]
    fn comments_keywords_and_literals() {
        assert_eq!(
            kinds("x {{- /* note */ -}} y"),
            [
                k(Text, "x"),
                k(Comment, "/* note */"),
                k(Text, "y"),
                k(Eof, "")
            ]
        );
        let items = kinds(r#"{{if eq . nil true "s\"q" `raw` 'c' 0x1F 1_000 2.5e-3 (x)}}{{end}}"#);
        let got: Vec<ItemKind> = items
            .iter()
            .map(|(kind, _)| *kind)
            .filter(|kind| *kind != Space)
            .collect();
        assert_eq!(
            got,
            [
                LeftDelim,
                Keyword,
                Identifier,
                Dot,
                Nil,
                Bool,
                String,
                RawString,
                CharConstant,
                Number,
                Number,
                Number,
                LeftParen,
                Identifier,
                RightParen,
                RightDelim,
                LeftDelim,
                Keyword,
                RightDelim,
                Eof
            ]
        );
    }

    // Helm shows the last `: `-separated part of Go's message, with the line
    // (tests/cases/printing.expected.json, the `lex-*` cases).
    #[test]
    fn errors_say_what_go_says_with_the_line() {
        // The message, and the line of the error's position.
        let error = |input: &'static str| {
            let lexed = lex(input);
            let last = *lexed.items.last().expect("an item");
            assert_eq!(last.kind, Error, "{lexed:?}");
            let message = lexed.error.expect("a message");
            Lex {
                text: message,
                line: line_at(input, last.pos),
            }
        };
        struct Lex {
            text: std::string::String,
            line: usize,
        }
        assert_eq!(error("a\n{{ .x").text, "unclosed action");
        assert_eq!(error("a\n{{ .x").line, 2);
        assert_eq!(error("{{/* x").text, "unclosed comment");
        assert_eq!(
            error("{{/* x */ .y }}").text,
            "comment ends before closing delimiter"
        );
        assert_eq!(error("{{ \"ab\n\" }}").text, "unterminated quoted string");
        assert_eq!(error("{{ ) }}").text, "unexpected right paren");
        assert_eq!(error("{{ (x }}").text, "unclosed left paren");
        assert_eq!(error("{{ 3x }}").text, "bad number syntax: \"3x\"");
        assert_eq!(error("{{ : }}").text, "expected :=");
        // The items before the error come first: Helm reports `{{ (x }}` as
        // `function "x" not defined`, which the parser finds before the error.
        let items = lex("{{ (x }}").items;
        let x = items.iter().position(|i| i.kind == Identifier).unwrap();
        assert!(x < items.iter().position(|i| i.kind == Error).unwrap());
    }
}
