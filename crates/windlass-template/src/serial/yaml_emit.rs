//! go-yaml's emitter (`emitterc.go`, a Go port of libyaml), as far as Helm's
//! output reaches it: one document of block mappings and sequences, empty
//! ones in flow style (`{}`, `[]`), and scalars in the style go-yaml's encoder
//! asks for, downgraded where the text does not allow it. The column, the
//! indentation stack and the `whitespace`/`indention` flags follow the
//! original, because that is where the output's exact spacing comes from.
//!
//! Two flavours: v2 (`toYaml`) folds long lines at 80 columns and does not
//! indent a sequence under its key; v3 (`toYamlPretty`) never folds and
//! indents sequences, and tells tabs apart from other special characters.

/// What go-yaml's encoder hands the emitter: scalars already typed.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in the order they are written.
    Map(Vec<(String, Node)>),
}

/// Which go-yaml.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flavor {
    V2,
    V3,
}

/// The document go-yaml writes for `node`, ending in a line break.
pub(super) fn emit(node: &Node, flavor: Flavor) -> String {
    let mut e = Emitter {
        out: String::new(),
        flavor,
        best_width: match flavor {
            Flavor::V2 => 80,
            Flavor::V3 => usize::MAX,
        },
        indent: -1,
        indents: Vec::new(),
        column: 0,
        whitespace: true,
        indention: true,
        context: Context::default(),
    };
    e.node(node, Context::ROOT);
    // DOCUMENT-END (implicit): just end the last line.
    e.write_indent();
    e.out
}

/// Both go-yaml versions indent by two.
const BEST_INDENT: isize = 2;

/// Where a node stands (the emitter's `*_context` flags).
#[derive(Debug, Clone, Copy, Default)]
struct Context {
    mapping: bool,
    simple_key: bool,
}

impl Context {
    const ROOT: Context = Context {
        mapping: false,
        simple_key: false,
    };
    const ITEM: Context = Context::ROOT;
    const VALUE: Context = Context {
        mapping: true,
        simple_key: false,
    };
    const SIMPLE_KEY: Context = Context {
        mapping: true,
        simple_key: true,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

struct Emitter {
    out: String,
    flavor: Flavor,
    best_width: usize,
    indent: isize,
    indents: Vec<isize>,
    /// In characters, as go-yaml counts.
    column: usize,
    /// The last character written was white space.
    whitespace: bool,
    /// Only indentation written on this line so far.
    indention: bool,
    context: Context,
}

impl Emitter {
    fn node(&mut self, node: &Node, context: Context) {
        self.context = context;
        match node {
            // go-yaml writes empty collections in flow style, and they are
            // the only flow collections here: no scalar is ever in flow
            // context, so the flow-only rules of the original are left out.
            Node::Seq(items) if items.is_empty() => self.empty_flow('[', ']'),
            Node::Map(entries) if entries.is_empty() => self.empty_flow('{', '}'),
            Node::Seq(items) => self.sequence(items),
            Node::Map(entries) => self.mapping(entries),
            Node::Str(s) => self.scalar(s, requested_style(s)),
            Node::Null => self.scalar("null", Style::Plain),
            Node::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain),
            Node::Int(n) => self.scalar(&n.to_string(), Style::Plain),
            Node::Uint(n) => self.scalar(&n.to_string(), Style::Plain),
            Node::Float(x) => self.scalar(&go_float(*x), Style::Plain),
        }
    }

    fn empty_flow(&mut self, open: char, close: char) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    fn sequence(&mut self, items: &[Node]) {
        // v2 writes a sequence that is a mapping's value at the key's
        // indentation ("key:\n- a").
        let indentless = match self.flavor {
            Flavor::V2 => self.context.mapping && !self.indention,
            Flavor::V3 => false,
        };
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator('-', true, false, true);
            self.node(item, Context::ITEM);
        }
        self.pop_indent();
    }

    fn mapping(&mut self, entries: &[(String, Node)]) {
        self.increase_indent(false, false);
        for (key, value) in entries {
            self.write_indent();
            let analysis = Analysis::of(key, self.flavor);
            // A key that fits on one line and in 128 bytes is written as
            // `key: value`; others as `? key` and `: value` on the next line.
            if !analysis.multiline && key.len() <= 128 {
                self.context = Context::SIMPLE_KEY;
                self.scalar_analyzed(key, requested_style(key), &analysis);
                self.write_indicator(':', false, false, false);
            } else {
                self.write_indicator('?', true, false, true);
                self.context = Context::VALUE;
                self.scalar_analyzed(key, requested_style(key), &analysis);
                self.write_indent();
                self.write_indicator(':', true, false, true);
            }
            self.node(value, Context::VALUE);
        }
        self.pop_indent();
    }

    fn scalar(&mut self, text: &str, requested: Style) {
        let analysis = Analysis::of(text, self.flavor);
        self.scalar_analyzed(text, requested, &analysis);
    }

    fn scalar_analyzed(&mut self, text: &str, requested: Style, a: &Analysis) {
        let style = self.select_style(text, requested, a);
        self.increase_indent(true, false);
        let allow_breaks = !self.context.simple_key;
        match style {
            Style::Plain => self.write_plain(text, allow_breaks),
            Style::SingleQuoted => self.write_single_quoted(text, allow_breaks),
            Style::DoubleQuoted => self.write_double_quoted(text, allow_breaks),
            Style::Literal => self.write_literal(text),
        }
        self.pop_indent();
    }

    /// `yaml_emitter_select_scalar_style`: the requested style, or a safer
    /// one when the text or the place does not allow it.
    fn select_style(&self, text: &str, requested: Style, a: &Analysis) -> Style {
        let mut style = requested;
        if self.context.simple_key && a.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain
            && (!a.plain_allowed || (text.is_empty() && self.context.simple_key))
        {
            style = Style::SingleQuoted;
        }
        if style == Style::SingleQuoted && !a.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!a.block_allowed || self.context.simple_key) {
            style = Style::DoubleQuoted;
        }
        style
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        // v3 sets this here; v2 sets it right after every call.
        self.indention = true;
    }

    /// Copies a line break from the text; only `\n` is normalized.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
            self.indention = true;
        }
    }

    fn write_indent(&mut self) {
        let indent = usize::try_from(self.indent).unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: char,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        self.put(indicator);
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    /// Whether a space may become a line break: past the width (80 columns
    /// in v2), and not right after another space. The writers add their own
    /// conditions (not at either end of a quoted text).
    fn fold_here(&self, allow_breaks: bool, spaces: bool) -> bool {
        allow_breaks && !spaces && self.column > self.best_width
    }

    fn write_plain(&mut self, text: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let (mut spaces, mut breaks) = (false, false);
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == ' ' {
                let next_is_space = chars.peek() == Some(&' ');
                if self.fold_here(allow_breaks, spaces) && !next_is_space {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, text: &str, allow_breaks: bool) {
        self.write_indicator('\'', true, false, false);
        let (mut spaces, mut breaks) = (false, false);
        let last = text.len().saturating_sub(1);
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == ' ' {
                let next_is_space = chars.peek().is_some_and(|&(_, n)| n == ' ');
                if self.fold_here(allow_breaks, spaces) && i > 0 && i < last && !next_is_space {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator('\'', false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, text: &str, allow_breaks: bool) {
        self.write_indicator('"', true, false, false);
        // go-yaml's `is_bom` looks at the start of the text wherever it is
        // asked, so text that starts with a BOM is escaped throughout.
        let starts_with_bom = text.starts_with('\u{feff}');
        let last = text.len().saturating_sub(1);
        let mut spaces = false;
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if !is_printable(c) || starts_with_bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                self.write_escape(c);
                spaces = false;
            } else if c == ' ' {
                if self.fold_here(allow_breaks, spaces) && i > 0 && i < last {
                    self.write_indent();
                    // A space that starts the next line would be lost.
                    if chars.peek().is_some_and(|&(_, n)| n == ' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator('"', false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// The escape after a backslash in a double-quoted scalar.
    fn write_escape(&mut self, c: char) {
        let short = match c {
            '\0' => Some('0'),
            '\u{7}' => Some('a'),
            '\u{8}' => Some('b'),
            '\t' => Some('t'),
            '\n' => Some('n'),
            '\u{b}' => Some('v'),
            '\u{c}' => Some('f'),
            '\r' => Some('r'),
            '\u{1b}' => Some('e'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            '\u{85}' => Some('N'),
            '\u{a0}' => Some('_'),
            '\u{2028}' => Some('L'),
            '\u{2029}' => Some('P'),
            _ => None,
        };
        if let Some(letter) = short {
            self.put(letter);
            return;
        }
        let code = u32::from(c);
        let hex = if code <= 0xFF {
            format!("x{code:02X}")
        } else if code <= 0xFFFF {
            format!("u{code:04X}")
        } else {
            format!("U{code:08X}")
        };
        for h in hex.chars() {
            self.put(h);
        }
    }

    fn write_literal(&mut self, text: &str) {
        self.write_indicator('|', true, false, false);
        self.write_block_scalar_hints(text);
        self.put_break();
        self.whitespace = true;
        let mut breaks = true;
        for c in text.chars() {
            if is_break(c) {
                self.write_break(c);
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }

    /// The indentation indicator (text that starts with a space or a break)
    /// and the chomping indicator (`-` without a final break, `+` with more
    /// than one).
    fn write_block_scalar_hints(&mut self, text: &str) {
        if text.starts_with(' ') || text.chars().next().is_some_and(is_break) {
            self.write_indicator('2', false, false, false);
        }
        let mut rev = text.chars().rev();
        let chomp = match (rev.next(), rev.next()) {
            (None, _) => Some('-'),
            (Some(last), _) if !is_break(last) => Some('-'),
            (Some(_), None) => Some('+'),
            (Some(_), Some(before)) if is_break(before) => Some('+'),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
    }
}

/// The style go-yaml's encoder asks for a string (`stringv`): literal if it
/// has a line feed, double-quoted if plain would read back as another type,
/// plain otherwise.
fn requested_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if super::resolve::needs_quotes(s) {
        Style::DoubleQuoted
    } else {
        Style::Plain
    }
}

/// A float as go-yaml writes it: Go's `%g`, and `.inf`/`.nan`.
fn go_float(x: f64) -> String {
    if x.is_nan() {
        ".nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { ".inf" } else { "-.inf" }.into()
    } else {
        crate::value::format_float(x)
    }
}

/// What `yaml_emitter_analyze_scalar` finds out about a text, for block
/// context (the flow-context verdicts are never asked for here).
#[derive(Debug, Clone, Copy)]
struct Analysis {
    multiline: bool,
    plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

impl Analysis {
    fn of(value: &str, flavor: Flavor) -> Analysis {
        if value.is_empty() {
            return Analysis {
                multiline: false,
                plain_allowed: true,
                single_quoted_allowed: true,
                block_allowed: false,
            };
        }
        let mut indicators = value.starts_with("---") || value.starts_with("...");
        let mut line_breaks = false;
        let mut special_characters = false;
        let mut tab_characters = false;
        let (mut leading_space, mut leading_break) = (false, false);
        let (mut trailing_space, mut trailing_break) = (false, false);
        let (mut break_space, mut space_break) = (false, false);
        let (mut previous_space, mut previous_break) = (false, false);
        let mut preceded_by_whitespace = true;
        let chars: Vec<char> = value.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            let is_first = i == 0;
            let is_last = i + 1 == chars.len();
            let followed_by_whitespace = chars.get(i + 1).is_none_or(|&n| is_blank(n));
            // Characters that mean something to a block-context reader.
            indicators |= if is_first {
                match c {
                    '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\''
                    | '"' | '%' | '@' | '`' => true,
                    '?' | ':' | '-' => followed_by_whitespace,
                    _ => false,
                }
            } else {
                match c {
                    ':' => followed_by_whitespace,
                    '#' => preceded_by_whitespace,
                    _ => false,
                }
            };
            if c == '\t' && flavor == Flavor::V3 {
                tab_characters = true;
            } else if !is_printable(c) {
                special_characters = true;
            }
            if c == ' ' {
                leading_space |= is_first;
                trailing_space |= is_last;
                break_space |= previous_break;
                previous_space = true;
                previous_break = false;
            } else if is_break(c) {
                line_breaks = true;
                leading_break |= is_first;
                trailing_break |= is_last;
                space_break |= previous_space;
                previous_space = false;
                previous_break = true;
            } else {
                previous_space = false;
                previous_break = false;
            }
            preceded_by_whitespace = is_blank(c) || is_break(c) || c == '\0';
        }
        let plain_allowed = !(leading_space
            || leading_break
            || trailing_space
            || trailing_break
            || break_space
            || space_break
            || tab_characters
            || special_characters
            || line_breaks
            || indicators);
        Analysis {
            multiline: line_breaks,
            plain_allowed,
            single_quoted_allowed: !(break_space
                || space_break
                || tab_characters
                || special_characters),
            block_allowed: !(trailing_space || space_break || special_characters),
        }
    }
}

/// go-yaml's `is_printable`: line feed, printable ASCII, and the BMP from
/// U+00A0 except surrogates, the BOM, U+FFFE and U+FFFF. Nothing past the
/// BMP (so emoji are escaped), no tab, no carriage return, no NEL.
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        && c != '\u{feff}'
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: Vec<(&str, Node)>) -> Node {
        Node::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    fn s(text: &str) -> Node {
        Node::Str(text.to_string())
    }

    #[test]
    fn block_collections() {
        let doc = map(vec![
            (
                "a",
                Node::Seq(vec![
                    Node::Int(1),
                    map(vec![("b", s("x")), ("c", Node::Null)]),
                ]),
            ),
            (
                "d",
                map(vec![("e", Node::Seq(vec![Node::Seq(vec![s("f")])]))]),
            ),
            ("g", Node::Seq(vec![])),
            ("h", map(vec![])),
        ]);
        assert_eq!(
            emit(&doc, Flavor::V2),
            "a:\n- 1\n- b: x\n  c: null\nd:\n  e:\n  - - f\ng: []\nh: {}\n"
        );
        assert_eq!(
            emit(&doc, Flavor::V3),
            "a:\n  - 1\n  - b: x\n    c: null\nd:\n  e:\n    - - f\ng: []\nh: {}\n"
        );
    }

    #[test]
    fn scalar_styles() {
        let doc = map(vec![
            ("plain", s("hello world")),
            ("typed", s("true")),
            ("lead", s(" x")),
            ("star", s("*x")),
            ("literal", s("a\nb\n")),
            ("strip", s("a\nb")),
            ("keep", s("a\n\n")),
            ("trailing", s("a \nb")),
            ("tab", s("a\tb")),
            ("emoji", s("\u{1f600}")),
        ]);
        assert_eq!(
            emit(&doc, Flavor::V2),
            "plain: hello world\ntyped: \"true\"\nlead: ' x'\nstar: '*x'\n\
             literal: |\n  a\n  b\nstrip: |-\n  a\n  b\nkeep: |+\n  a\n\n\
             trailing: \"a \\nb\"\ntab: \"a\\tb\"\nemoji: \"\\U0001F600\"\n"
        );
    }

    #[test]
    fn long_lines_fold_in_v2_only() {
        let long = "word ".repeat(30).trim_end().to_string();
        let v2 = emit(&map(vec![("k", s(&long))]), Flavor::V2);
        assert!(v2.lines().count() > 1, "{v2}");
        assert!(v2.lines().skip(1).all(|l| l.starts_with("  word")), "{v2}");
        let v3 = emit(&map(vec![("k", s(&long))]), Flavor::V3);
        assert_eq!(v3.lines().count(), 1);
    }

    #[test]
    fn root_scalars_and_empty_collections() {
        assert_eq!(emit(&s("x"), Flavor::V2), "x\n");
        assert_eq!(emit(&Node::Null, Flavor::V2), "null\n");
        assert_eq!(emit(&Node::Map(vec![]), Flavor::V2), "{}\n");
        assert_eq!(emit(&Node::Seq(vec![]), Flavor::V2), "[]\n");
        assert_eq!(emit(&s("a\nb"), Flavor::V2), "|-\n  a\n  b\n");
    }

    #[test]
    fn complex_keys() {
        let long = "k".repeat(129);
        let doc = map(vec![
            (&long, Node::Seq(vec![Node::Int(1)])),
            ("a\nb", Node::Int(2)),
        ]);
        let out = emit(&doc, Flavor::V2);
        assert_eq!(out, format!("? {long}\n: - 1\n? |-\n  a\n  b\n: 2\n"));
    }
}
