//! Go `text/template`'s parser (`text/template/parse/parse.go`): the items of
//! [`crate::lex`] into trees, one per template (`define`, `block` and the file
//! itself), with Go's checks at parse time: functions must exist, variables
//! must be declared, `break`/`continue` only inside `range`, and Go's error
//! texts (`template: NAME:LINE: MESSAGE`).

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use crate::funcs::{self, Function};
use crate::lex::{Item, ItemKind, lex, line_at};

/// A node of a template's body.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Text printed as is: these bytes of the tree's `text` (a span, not a
    /// copy: charts are mostly text).
    Text(Range<usize>),
    /// `{{pipeline}}`: printed unless it declares variables.
    Action(Pipe),
    /// `{{if}}`.
    If(Branch),
    /// `{{range}}`.
    Range(Branch),
    /// `{{with}}`.
    With(Branch),
    /// `{{template "name" pipeline}}` (and the call half of `block`).
    Template {
        /// Byte offset of the name, for error positions.
        pos: usize,
        name: String,
        pipe: Option<Pipe>,
    },
    /// `{{break}}`.
    Break,
    /// `{{continue}}`.
    Continue,
}

/// `if`, `range` and `with`: the pipeline, the body, the `else` body.
#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    pub pipe: Pipe,
    pub list: Vec<Node>,
    pub else_list: Option<Vec<Node>>,
}

/// A pipeline: optional declarations, then commands joined by `|`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipe {
    /// Byte offset, for error positions.
    pub pos: usize,
    /// `=` rather than `:=`.
    pub is_assign: bool,
    /// Declared variables (`$x`, or `$i, $e` in `range`).
    pub decl: Vec<Box<str>>,
    pub cmds: Vec<Command>,
}

/// One stage of a pipeline: a function or method with arguments, or a value.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub pos: usize,
    pub args: Vec<Arg>,
}

/// An operand. Names joined by `.` are one string (see [`names`]): Go's
/// identifiers hold no dots, and one allocation per chain keeps parsing
/// charts cheap.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// `.A.B`: the field names (`A.B`).
    Field {
        pos: usize,
        names: Box<str>,
    },
    /// `$x.A.B`: the variable name (`$x`, `$`) then field names (`$x.A.B`).
    Variable {
        pos: usize,
        names: Box<str>,
    },
    /// `(pipeline).A.B` and other chains: the trailing field names (`A.B`).
    Chain {
        pos: usize,
        node: Box<Arg>,
        fields: Box<str>,
    },
    /// `.`.
    Dot {
        pos: usize,
    },
    /// `nil`.
    Nil {
        pos: usize,
    },
    Bool {
        pos: usize,
        value: bool,
    },
    /// Boxed: numbers are rare, and a small `Arg` keeps pipelines small.
    Number {
        pos: usize,
        number: Box<Number>,
    },
    /// A quoted or raw string: its text, and as written (for messages)
    /// when that is not the text in double quotes.
    String {
        pos: usize,
        text: String,
        quoted: Option<Box<str>>,
    },
    /// A function: a builtin (`function` is `None`, unless the function
    /// table overrides it, as Sprig's `slice` does) or a table function.
    Function {
        pos: usize,
        name: &'static str,
        function: Option<&'static Function>,
    },
    /// `(pipeline)`.
    Pipe(Box<Pipe>),
}

/// A number constant as Go's parser reads it: every interpretation that
/// holds (the executor picks by context, as Go's `idealConstant` does).
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    /// As written.
    pub text: String,
    pub int: Option<i64>,
    pub uint: Option<u64>,
    pub float: Option<f64>,
    /// Written as a character constant (`'a'`).
    pub is_char: bool,
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    pub name: String,
    pub root: Vec<Node>,
    /// The name the text was parsed under (the file), for error locations.
    pub parse_name: String,
    /// The whole text parsed, for error locations (line and column).
    pub text: Arc<str>,
}

/// A parse error, in Go's words: `template: NAME:LINE: MESSAGE`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template: {name}:{line}: {message}")]
pub struct ParseError {
    pub name: String,
    pub line: usize,
    pub message: String,
}

impl ParseError {
    /// The error as Helm shows it (`cleanupParseError` in Helm's engine):
    /// `parse error at (NAME:LINE): ` and the last `: `-separated part of Go's
    /// message, so `bad number syntax: "3x"` shows as `"3x"`.
    pub fn helm_message(&self) -> String {
        let full = self.to_string();
        let last = full.rsplit(": ").next().unwrap_or_default();
        format!("parse error at ({}:{}): {last}", self.name, self.line)
    }
}

/// Go's builtin functions, always defined.
pub const BUILTINS: [&str; 19] = [
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

/// Parses `text` as template `name`: its own tree (under `name`) and one per
/// `define`/`block` in it. Functions are the builtins and [`funcs`]' table.
///
/// # Errors
/// The first parse or lex error, as Go reports it.
pub fn parse(name: &str, text: &str) -> Result<BTreeMap<String, Tree>, ParseError> {
    let lexed = lex(text);
    let mut parser = Parser {
        name: name.to_string(),
        items: lexed.items,
        lex_error: lexed.error.unwrap_or_default(),
        next: 0,
        last_pos: 0,
        vars: vec!["$"],
        range_depth: 0,
        action_pos: None,
        trees: BTreeMap::new(),
        input: text,
        text: Arc::from(text),
    };
    let root = parser.top_level()?;
    parser.add(name.to_string(), root)?;
    Ok(parser.trees)
}

struct Parser<'a> {
    name: String,
    items: Vec<Item<'a>>,
    /// The message of the `Error` item, if lexing failed.
    lex_error: String,
    next: usize,
    /// Position of the last item read: errors report its line.
    last_pos: usize,
    vars: Vec<&'a str>,
    range_depth: usize,
    /// Position of the `{{` of the action being parsed.
    action_pos: Option<usize>,
    trees: BTreeMap<String, Tree>,
    input: &'a str,
    text: Arc<str>,
}

/// Whether a template body is only space and comments (Go's `IsEmptyTree`):
/// such a definition does not replace an earlier one.
pub fn is_empty_tree(tree: &Tree) -> bool {
    tree.root.iter().all(|n| match n {
        Node::Text(span) => tree.text[span.clone()].trim().is_empty(),
        _ => false,
    })
}

impl<'a> Parser<'a> {
    fn error<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            name: self.name.clone(),
            line: line_at(self.input, self.last_pos),
            message: message.into(),
        })
    }

    fn next_item(&mut self) -> Item<'a> {
        let item = self.items[self.next.min(self.items.len() - 1)];
        if self.next < self.items.len() {
            self.next += 1;
        }
        self.last_pos = item.pos;
        item
    }

    fn backup(&mut self) {
        self.next = self.next.saturating_sub(1);
    }

    fn peek(&self) -> Item<'a> {
        self.items[self.next.min(self.items.len() - 1)]
    }

    fn next_non_space(&mut self) -> Item<'a> {
        loop {
            let item = self.next_item();
            if item.kind != ItemKind::Space {
                return item;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item<'a> {
        let item = self.next_non_space();
        self.backup();
        item
    }

    fn expect(&mut self, kind: ItemKind, context: &str) -> Result<Item<'a>, ParseError> {
        let item = self.next_non_space();
        if item.kind != kind {
            return self.unexpected(&item, context);
        }
        Ok(item)
    }

    /// Go's `item.String()` for error messages.
    fn describe(&self, item: &Item) -> String {
        match item.kind {
            ItemKind::Eof => "EOF".to_string(),
            ItemKind::Error => self.lex_error.clone(),
            ItemKind::Keyword => format!("<{}>", item.text),
            _ if item.text.chars().count() > 10 => {
                let head: String = item.text.chars().take(10).collect();
                format!("{head:?}...")
            }
            _ => format!("{:?}", item.text),
        }
    }

    fn unexpected<T>(&self, item: &Item, context: &str) -> Result<T, ParseError> {
        if item.kind == ItemKind::Error {
            let mut extra = String::new();
            if let Some(action_pos) = self.action_pos {
                let action_line = line_at(self.input, action_pos);
                if action_line != line_at(self.input, item.pos) {
                    extra = format!(" in action started at {}:{action_line}", self.name);
                    if self.lex_error.ends_with(" action") {
                        extra = extra[" in action".len()..].to_string();
                    }
                }
            }
            return self.error(format!("{}{extra}", self.lex_error));
        }
        self.error(format!("unexpected {} in {context}", self.describe(item)))
    }

    /// Stores a finished tree; a non-empty redefinition in one parse is an error.
    fn add(&mut self, name: String, root: Vec<Node>) -> Result<(), ParseError> {
        let tree = Tree {
            name: name.clone(),
            root,
            parse_name: self.name.clone(),
            text: Arc::clone(&self.text),
        };
        match self.trees.get(&name) {
            Some(old) if !is_empty_tree(old) => {
                if !is_empty_tree(&tree) {
                    return self.error(format!(
                        "template: multiple definition of template {name:?}"
                    ));
                }
            }
            _ => {
                self.trees.insert(name, tree);
            }
        }
        Ok(())
    }

    fn top_level(&mut self) -> Result<Vec<Node>, ParseError> {
        let mut root = Vec::new();
        while self.peek().kind != ItemKind::Eof {
            if self.peek().kind == ItemKind::LeftDelim {
                let delim = self.next;
                self.next_item();
                let word = self.next_non_space();
                if word.kind == ItemKind::Keyword && word.text == "define" {
                    self.definition()?;
                    continue;
                }
                self.next = delim;
            }
            match self.text_or_action()? {
                Parsed::Node(node) => root.push(node),
                Parsed::Skip => {}
                Parsed::End => return self.error("unexpected {{end}}"),
                Parsed::Else => return self.error("unexpected {{else}}"),
            }
        }
        if self.peek().kind == ItemKind::Error {
            let item = self.next_item();
            return self.unexpected(&item, "input");
        }
        Ok(root)
    }

    /// `{{define "name"}}` body `{{end}}`, after `define`.
    fn definition(&mut self) -> Result<(), ParseError> {
        let context = "define clause";
        let token = self.next_non_space();
        let name = match token.kind {
            ItemKind::String | ItemKind::RawString => self.unquote(&token)?,
            _ => return self.unexpected(&token, context),
        };
        self.expect(ItemKind::RightDelim, context)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$"]);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        match end {
            Parsed::End => {}
            _ => return self.error(format!("unexpected {{{{else}}}} in {context}")),
        }
        self.add(name, list)
    }

    fn text_or_action(&mut self) -> Result<Parsed, ParseError> {
        let item = self.next_non_space();
        match item.kind {
            ItemKind::Text => Ok(Parsed::Node(Node::Text(
                item.pos..item.pos + item.text.len(),
            ))),
            ItemKind::LeftDelim => {
                self.action_pos = Some(item.pos);
                let parsed = self.action();
                self.action_pos = None;
                parsed
            }
            ItemKind::Comment => Ok(Parsed::Skip),
            _ => self.unexpected(&item, "input"),
        }
    }

    fn action(&mut self) -> Result<Parsed, ParseError> {
        let token = self.next_non_space();
        if token.kind == ItemKind::Keyword {
            return match token.text {
                "block" => self.block().map(Parsed::Node),
                "break" | "continue" => self.loop_control(&token).map(Parsed::Node),
                "else" => self.else_control(),
                "end" => {
                    self.expect(ItemKind::RightDelim, "end")?;
                    Ok(Parsed::End)
                }
                "if" => self.control("if").map(|b| Parsed::Node(Node::If(b))),
                "range" => self.control("range").map(|b| Parsed::Node(Node::Range(b))),
                "with" => self.control("with").map(|b| Parsed::Node(Node::With(b))),
                "template" => self.template_control().map(Parsed::Node),
                _ => self.unexpected(&token, "command"),
            };
        }
        self.backup();
        let pipe = self.pipeline("command", ItemKind::RightDelim)?;
        Ok(Parsed::Node(Node::Action(pipe)))
    }

    fn loop_control(&mut self, token: &Item) -> Result<Node, ParseError> {
        let keyword = token.text;
        if self.range_depth == 0 {
            return self.error(format!("{{{{{keyword}}}}} outside {{{{range}}}}"));
        }
        self.expect(ItemKind::RightDelim, &format!("{{{{{keyword}}}}}"))?;
        Ok(if keyword == "break" {
            Node::Break
        } else {
            Node::Continue
        })
    }

    fn else_control(&mut self) -> Result<Parsed, ParseError> {
        let peek = self.peek_non_space();
        if peek.kind == ItemKind::Keyword && (peek.text == "if" || peek.text == "with") {
            // `{{else if}}`/`{{else with}}`: the keyword stays pending.
            return Ok(Parsed::Else);
        }
        self.expect(ItemKind::RightDelim, "else")?;
        Ok(Parsed::Else)
    }

    /// The body of a control up to its `{{end}}` or `{{else}}`.
    fn item_list(&mut self) -> Result<(Vec<Node>, Parsed), ParseError> {
        let mut list = Vec::new();
        loop {
            let peek = self.peek_non_space();
            if peek.kind == ItemKind::Eof {
                return self.error("unexpected EOF");
            }
            if peek.kind == ItemKind::Error {
                let item = self.next_item();
                return self.unexpected(&item, "input");
            }
            match self.text_or_action()? {
                Parsed::Node(node) => list.push(node),
                Parsed::Skip => {}
                end @ (Parsed::End | Parsed::Else) => return Ok((list, end)),
            }
        }
    }

    fn control(&mut self, context: &str) -> Result<Branch, ParseError> {
        let vars = self.vars.len();
        let pipe = self.pipeline(context, ItemKind::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let (list, next) = self.item_list()?;
        if context == "range" {
            self.range_depth -= 1;
        }
        let mut else_list = None;
        if matches!(next, Parsed::Else) {
            let peek = self.peek();
            let chained = peek.kind == ItemKind::Keyword
                && ((context == "if" && peek.text == "if")
                    || (context == "with" && peek.text == "with"));
            if chained {
                // `{{if a}}_{{else if b}}_{{end}}` is `{{if a}}_{{else}}{{if b}}_{{end}}{{end}}`.
                self.next_item();
                let inner = self.control(context)?;
                else_list = Some(vec![if context == "if" {
                    Node::If(inner)
                } else {
                    Node::With(inner)
                }]);
            } else {
                let (list, end) = self.item_list()?;
                if !matches!(end, Parsed::End) {
                    return self.error("expected end; found {{else}}");
                }
                else_list = Some(list);
            }
        }
        self.vars.truncate(vars);
        Ok(Branch {
            pipe,
            list,
            else_list,
        })
    }

    fn template_name(&mut self, token: &Item, context: &str) -> Result<String, ParseError> {
        match token.kind {
            ItemKind::String | ItemKind::RawString => self.unquote(token),
            _ => self.unexpected(token, context),
        }
    }

    fn template_control(&mut self) -> Result<Node, ParseError> {
        let context = "template clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, context)?;
        let pipe = if self.next_non_space().kind == ItemKind::RightDelim {
            None
        } else {
            self.backup();
            Some(self.pipeline(context, ItemKind::RightDelim)?)
        };
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe,
        })
    }

    /// `{{block "name" pipeline}}` body `{{end}}`: a `define` plus a `template`.
    fn block(&mut self) -> Result<Node, ParseError> {
        let context = "block clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, context)?;
        let pipe = self.pipeline(context, ItemKind::RightDelim)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$"]);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        if !matches!(end, Parsed::End) {
            return self.error(format!("unexpected {{{{else}}}} in {context}"));
        }
        self.add(name.clone(), list)?;
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe: Some(pipe),
        })
    }

    fn pipeline(&mut self, context: &str, end: ItemKind) -> Result<Pipe, ParseError> {
        let start = self.peek_non_space();
        let mut pipe = Pipe {
            pos: start.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        // Declarations: `$x :=`, `$x =`, `$i, $e :=` (range only).
        loop {
            let v = self.peek_non_space();
            if v.kind != ItemKind::Variable {
                break;
            }
            let at = self.next;
            self.next_item();
            let next = self.peek_non_space();
            match next.kind {
                ItemKind::Assign | ItemKind::Declare => {
                    pipe.is_assign = next.kind == ItemKind::Assign;
                    self.next_non_space();
                    pipe.decl.push(v.text.into());
                    self.vars.push(v.text);
                    break;
                }
                ItemKind::Comma => {
                    self.next_non_space();
                    pipe.decl.push(v.text.into());
                    self.vars.push(v.text);
                    if context == "range" && pipe.decl.len() < 2 {
                        let peek = self.peek_non_space();
                        if matches!(
                            peek.kind,
                            ItemKind::Variable | ItemKind::RightDelim | ItemKind::RightParen
                        ) {
                            continue;
                        }
                        return self.error("range can only initialize variables");
                    }
                    return self.error(format!("too many declarations in {context}"));
                }
                _ => {
                    // Not a declaration: read the variable again as an operand.
                    self.next = at;
                    break;
                }
            }
        }
        loop {
            let token = self.next_non_space();
            if token.kind == end {
                if pipe.cmds.is_empty() {
                    return self.error(format!("missing value for {context}"));
                }
                for (i, cmd) in pipe.cmds.iter().enumerate().skip(1) {
                    if matches!(
                        cmd.args.first(),
                        Some(
                            Arg::Bool { .. }
                                | Arg::Dot { .. }
                                | Arg::Nil { .. }
                                | Arg::Number { .. }
                                | Arg::String { .. }
                        )
                    ) {
                        return self.error(format!(
                            "non executable command in pipeline stage {}",
                            i + 1
                        ));
                    }
                }
                return Ok(pipe);
            }
            match token.kind {
                ItemKind::Bool
                | ItemKind::CharConstant
                | ItemKind::Dot
                | ItemKind::Field
                | ItemKind::Identifier
                | ItemKind::Number
                | ItemKind::Nil
                | ItemKind::RawString
                | ItemKind::String
                | ItemKind::Variable
                | ItemKind::LeftParen => {
                    self.backup();
                    let command = self.command()?;
                    pipe.cmds.push(command);
                }
                _ => return self.unexpected(&token, context),
            }
        }
    }

    fn command(&mut self) -> Result<Command, ParseError> {
        let pos = self.peek_non_space().pos;
        let mut args = Vec::new();
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                args.push(operand);
            }
            let token = self.next_item();
            match token.kind {
                ItemKind::Space => continue,
                ItemKind::RightDelim | ItemKind::RightParen => self.backup(),
                ItemKind::Pipe => {}
                _ => return self.unexpected(&token, "operand"),
            }
            break;
        }
        if args.is_empty() {
            return self.error("empty command");
        }
        Ok(Command { pos, args })
    }

    fn operand(&mut self) -> Result<Option<Arg>, ParseError> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().kind != ItemKind::Field {
            return Ok(Some(node));
        }
        // Go's chain (and the field or variable it becomes) sits at the
        // first trailing field, which is where its errors point.
        let pos = self.peek().pos;
        let mut end = pos;
        while self.peek().kind == ItemKind::Field {
            let field = self.next_item();
            end = field.pos + field.text.len();
        }
        // The fields are adjacent in the text: `.A.B`.
        let fields = &self.input[pos + 1..end];
        let joined = |names: &str| format!("{names}.{fields}").into_boxed_str();
        Ok(Some(match node {
            Arg::Field { names, .. } => Arg::Field {
                pos,
                names: joined(&names),
            },
            Arg::Variable { names, .. } => Arg::Variable {
                pos,
                names: joined(&names),
            },
            Arg::Bool { .. }
            | Arg::String { .. }
            | Arg::Number { .. }
            | Arg::Nil { .. }
            | Arg::Dot { .. } => {
                return self.error(format!("unexpected . after term {:?}", term_text(&node)));
            }
            other => Arg::Chain {
                pos,
                node: Box::new(other),
                fields: fields.into(),
            },
        }))
    }

    fn term(&mut self) -> Result<Option<Arg>, ParseError> {
        let token = self.next_non_space();
        let pos = token.pos;
        Ok(Some(match token.kind {
            ItemKind::Identifier => {
                let function = funcs::lookup(token.text);
                let name = match function {
                    Some(f) => f.name,
                    None => match BUILTINS.iter().find(|b| **b == token.text) {
                        Some(builtin) => builtin,
                        None => {
                            return self.error(format!("function {:?} not defined", token.text));
                        }
                    },
                };
                Arg::Function {
                    pos,
                    name,
                    function,
                }
            }
            ItemKind::Dot => Arg::Dot { pos },
            ItemKind::Nil => Arg::Nil { pos },
            ItemKind::Variable => {
                if !self.vars.contains(&token.text) {
                    return self.error(format!("undefined variable {:?}", token.text));
                }
                Arg::Variable {
                    pos,
                    names: token.text.into(),
                }
            }
            ItemKind::Field => Arg::Field {
                pos,
                names: token.text[1..].into(),
            },
            ItemKind::Bool => Arg::Bool {
                pos,
                value: token.text == "true",
            },
            ItemKind::CharConstant | ItemKind::Number => Arg::Number {
                pos,
                number: match number(&token) {
                    Ok(number) => Box::new(number),
                    Err(message) => return self.error(message),
                },
            },
            ItemKind::LeftParen => {
                let pipe = self.pipeline("parenthesized pipeline", ItemKind::RightParen)?;
                Arg::Pipe(Box::new(pipe))
            }
            ItemKind::String | ItemKind::RawString => {
                let text = self.unquote(&token)?;
                let plain = token.text.len() == text.len() + 2
                    && token.text.starts_with('"')
                    && token.text[1..].starts_with(text.as_str());
                Arg::String {
                    pos,
                    text,
                    quoted: (!plain).then(|| token.text.into()),
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }

    fn unquote(&self, token: &Item) -> Result<String, ParseError> {
        match unquote(token.text) {
            Some(text) => Ok(text),
            None => self.error("invalid syntax"),
        }
    }
}

/// What parsing one item of a list produced.
enum Parsed {
    Node(Node),
    /// A comment.
    Skip,
    End,
    /// `{{else}}`.
    Else,
}

impl Arg {
    /// Byte offset, for error positions.
    pub fn pos(&self) -> usize {
        term_pos(self)
    }
}

fn term_pos(arg: &Arg) -> usize {
    match arg {
        Arg::Field { pos, .. }
        | Arg::Variable { pos, .. }
        | Arg::Chain { pos, .. }
        | Arg::Dot { pos }
        | Arg::Nil { pos }
        | Arg::Bool { pos, .. }
        | Arg::Number { pos, .. }
        | Arg::String { pos, .. }
        | Arg::Function { pos, .. } => *pos,
        Arg::Pipe(pipe) => pipe.pos,
    }
}

fn term_text(arg: &Arg) -> String {
    match arg {
        Arg::Bool { value, .. } => value.to_string(),
        Arg::String { text, quoted, .. } => quoted_text(text, quoted.as_deref()),
        Arg::Number { number, .. } => number.text.clone(),
        Arg::Nil { .. } => "nil".into(),
        Arg::Dot { .. } => ".".into(),
        _ => String::new(),
    }
}

/// Go's `Node.String()`, which error messages quote as the context
/// (`at <.Values.x>`).
impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field { names, .. } => write!(f, ".{names}"),
            Arg::Variable { names, .. } => f.write_str(names),
            Arg::Chain { node, fields, .. } => {
                match node.as_ref() {
                    Arg::Pipe(pipe) => write!(f, "({pipe})")?,
                    other => write!(f, "{other}")?,
                }
                write!(f, ".{fields}")
            }
            Arg::Dot { .. } => f.write_str("."),
            Arg::Nil { .. } => f.write_str("nil"),
            Arg::Bool { value, .. } => write!(f, "{value}"),
            Arg::Number { number, .. } => f.write_str(&number.text),
            Arg::String { text, quoted, .. } => f.write_str(&quoted_text(text, quoted.as_deref())),
            Arg::Function { name, .. } => f.write_str(name),
            Arg::Pipe(pipe) => write!(f, "{pipe}"),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            match arg {
                Arg::Pipe(pipe) => write!(f, "({pipe})")?,
                other => write!(f, "{other}")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            f.write_str(&self.decl.join(", "))?;
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, cmd) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{cmd}")?;
        }
        Ok(())
    }
}

/// A string constant as written: `quoted`, or the text in double quotes.
fn quoted_text(text: &str, quoted: Option<&str>) -> String {
    quoted.map_or_else(|| format!("\"{text}\""), str::to_string)
}

/// The names of a dotted chain (`Values.image.tag`, `$x.tag`), in order.
pub fn names(chain: &str) -> std::str::Split<'_, char> {
    chain.split('.')
}

/// Go's `strconv.Unquote` for the string forms the lexer passes: a raw string
/// as is, a quoted one with Go's escapes. `None` for an invalid escape.
pub fn unquote(text: &str) -> Option<String> {
    if let Some(raw) = text.strip_prefix('`').and_then(|t| t.strip_suffix('`')) {
        return Some(raw.replace('\r', ""));
    }
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    unescape(inner, '"')
}

/// Go's escapes inside a quoted string or character constant.
fn unescape(inner: &str, quote: char) -> Option<String> {
    if !inner.contains('\\') {
        return Some(inner.to_string());
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escape = chars.next()?;
        let hex = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, n: usize| {
            let digits: String = (0..n).filter_map(|_| chars.next()).collect();
            (digits.len() == n)
                .then(|| u32::from_str_radix(&digits, 16).ok())
                .flatten()
        };
        match escape {
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\u{b}'),
            '\\' => out.push('\\'),
            c if c == quote => out.push(c),
            'x' => {
                // A byte; Go strings may hold invalid UTF-8, these do not.
                out.push(char::from_u32(hex(&mut chars, 2)?)?);
            }
            'u' => out.push(char::from_u32(hex(&mut chars, 4)?)?),
            'U' => out.push(char::from_u32(hex(&mut chars, 8)?)?),
            '0'..='7' => {
                let mut value = escape.to_digit(8)?;
                for _ in 0..2 {
                    value = value * 8 + chars.next()?.to_digit(8)?;
                }
                out.push(char::from_u32(value)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Go's `newNumber`: a character constant's code point, else the integer,
/// unsigned and float readings that hold.
fn number(token: &Item) -> Result<Number, String> {
    let text = token.text.to_string();
    if token.kind == ItemKind::CharConstant {
        let inner = &text[1..text.len() - 1];
        let decoded = unescape(inner, '\'').ok_or_else(|| "invalid syntax".to_string())?;
        let mut chars = decoded.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            return Err(format!("malformed character constant: {text}"));
        };
        let code = u32::from(c);
        return Ok(Number {
            text,
            int: Some(i64::from(code)),
            uint: Some(u64::from(code)),
            float: Some(f64::from(code)),
            is_char: true,
        });
    }
    if text.ends_with('i') {
        return Err(format!("complex numbers are not supported: {text:?}"));
    }
    let clean = text.replace('_', "");
    let (negative, digits) = match clean.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, clean.strip_prefix('+').unwrap_or(&clean)),
    };
    let radix_value = |digits: &str| -> Option<u64> {
        let lower = digits.to_ascii_lowercase();
        if let Some(hex) = lower.strip_prefix("0x") {
            u64::from_str_radix(hex, 16).ok()
        } else if let Some(octal) = lower.strip_prefix("0o") {
            u64::from_str_radix(octal, 8).ok()
        } else if let Some(binary) = lower.strip_prefix("0b") {
            u64::from_str_radix(binary, 2).ok()
        } else if lower.len() > 1 && lower.starts_with('0') {
            u64::from_str_radix(&lower[1..], 8).ok()
        } else {
            lower.parse::<u64>().ok()
        }
    };
    let magnitude = radix_value(digits);
    let uint = magnitude.filter(|_| !negative || magnitude == Some(0));
    let int = magnitude.and_then(|m| {
        if negative {
            0i64.checked_sub_unsigned(m)
        } else {
            i64::try_from(m).ok()
        }
    });
    #[allow(clippy::cast_precision_loss)] // Go converts the same way.
    let float = if let Some(i) = int {
        Some(i as f64)
    } else if let Some(u) = uint {
        Some(u as f64)
    } else {
        let parsed = clean.parse::<f64>().ok().filter(|f| f.is_finite());
        if parsed.is_some() && !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {text:?}"));
        }
        parsed
    };
    let (mut int, mut uint) = (int, uint);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked by round trip
    if let Some(f) = float {
        if int.is_none() && (f as i64) as f64 == f {
            int = Some(f as i64);
        }
        if uint.is_none() && f >= 0.0 && (f as u64) as f64 == f {
            uint = Some(f as u64);
        }
    }
    if int.is_none() && uint.is_none() && float.is_none() {
        return Err(format!("illegal number syntax: {text:?}"));
    }
    Ok(Number {
        text,
        int,
        uint,
        float,
        is_char: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> BTreeMap<String, Tree> {
        parse("t", text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn parse_err(text: &str) -> String {
        match parse("t.txt", text) {
            Ok(trees) => panic!("{text:?} parsed: {trees:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn pipelines_fields_and_variables() {
        let trees =
            parse_ok("a{{ $x := .Values.image | quote }}{{ $x.tag }}{{ (include \"n\" .).Foo }}");
        let root = &trees["t"].root;
        assert_eq!(root[0], Node::Text(0..1));
        let Node::Action(pipe) = &root[1] else {
            panic!("{root:?}")
        };
        assert_eq!(pipe.decl, ["$x".into()]);
        assert_eq!(pipe.cmds.len(), 2);
        assert!(
            matches!(&pipe.cmds[0].args[0], Arg::Field { names, .. } if &**names == "Values.image")
        );
        let Node::Action(pipe) = &root[2] else {
            panic!()
        };
        assert!(
            matches!(&pipe.cmds[0].args[0], Arg::Variable { names, .. } if &**names == "$x.tag")
        );
        let Node::Action(pipe) = &root[3] else {
            panic!()
        };
        assert!(matches!(&pipe.cmds[0].args[0], Arg::Chain { fields, .. } if &**fields == "Foo"));
    }

    #[test]
    fn control_structures_defines_and_blocks() {
        let trees = parse_ok(
            "{{define \"a\"}}A{{end}}{{if .x}}1{{else if .y}}2{{else}}3{{end}}\
             {{range $i, $e := .l}}{{if $e}}{{break}}{{end}}{{continue}}{{end}}\
             {{with .w}}w{{else with .v}}v{{end}}{{block \"b\" .}}B{{end}}{{template \"a\"}}",
        );
        assert_eq!(trees.keys().collect::<Vec<_>>(), ["a", "b", "t"]);
        assert_eq!(trees["a"].root, [Node::Text(14..15)]);
        let root = &trees["t"].root;
        let Node::If(branch) = &root[0] else {
            panic!("{root:?}")
        };
        let Some(else_list) = &branch.else_list else {
            panic!()
        };
        assert!(matches!(&else_list[0], Node::If(inner) if inner.else_list.is_some()));
        assert!(matches!(&root[1], Node::Range(b) if b.pipe.decl == ["$i".into(), "$e".into()]));
        assert!(matches!(&root[2], Node::With(b) if b.else_list.is_some()));
        assert!(matches!(&root[3], Node::Template { name, pipe: Some(_), .. } if name == "b"));
        assert!(matches!(&root[4], Node::Template { name, pipe: None, .. } if name == "a"));
    }

    // Messages quote a constant as written (Go's `StringNode.Quoted`).
    #[test]
    fn string_constants_print_as_written() {
        let trees = parse_ok(r#"{{ print "a" "\x41\"" `r` }}"#);
        let Node::Action(pipe) = &trees["t"].root[0] else {
            panic!()
        };
        let printed: Vec<String> = pipe.cmds[0].args.iter().map(ToString::to_string).collect();
        assert_eq!(printed, ["print", r#""a""#, r#""\x41\"""#, "`r`"]);
        assert!(matches!(&pipe.cmds[0].args[2], Arg::String { text, .. } if text == "A\""));
    }

    #[test]
    fn numbers_read_as_go_reads_them() {
        let num = |text: &str| {
            let input = format!("{{{{{text}}}}}");
            let items = lex(&input).items;
            number(&items[1]).unwrap()
        };
        assert_eq!(num("3").int, Some(3));
        assert_eq!(num("3").float, Some(3.0));
        assert_eq!(num("1.5").int, None);
        assert_eq!(num("1e3").int, Some(1000));
        assert_eq!(num("0x1F").int, Some(31));
        assert_eq!(num("0755").int, Some(493));
        assert_eq!(num("1_000").int, Some(1000));
        assert_eq!(num("-2").uint, None);
        assert_eq!(num("'a'").int, Some(97));
        assert!(num("'a'").is_char);
    }

    // Helm's messages (tests/cases/printing.expected.json) are the last
    // `: `-separated part of these, with the line.
    #[test]
    fn errors_are_gos() {
        assert_eq!(
            parse_err("{{ (x }}"),
            "template: t.txt:1: function \"x\" not defined"
        );
        assert_eq!(
            parse_err("{{ 3x }}"),
            "template: t.txt:1: bad number syntax: \"3x\""
        );
        assert_eq!(parse_err("a\n{{ .x"), "template: t.txt:2: unclosed action");
        assert_eq!(
            parse_err("{{ ) }}"),
            "template: t.txt:1: unexpected right paren"
        );
        assert_eq!(parse_err("{{ : }}"), "template: t.txt:1: expected :=");
        assert_eq!(
            parse_err("{{ $y }}"),
            "template: t.txt:1: undefined variable \"$y\""
        );
        assert_eq!(
            parse_err("{{ break }}"),
            "template: t.txt:1: {{break}} outside {{range}}"
        );
        assert_eq!(
            parse_err("{{ end }}"),
            "template: t.txt:1: unexpected {{end}}"
        );
        assert_eq!(
            parse_err("{{ if .x }}"),
            "template: t.txt:1: unexpected EOF"
        );
        assert_eq!(
            parse_err("{{ }}"),
            "template: t.txt:1: missing value for command"
        );
        assert_eq!(
            parse_err("{{ .x | 3 }}"),
            "template: t.txt:1: non executable command in pipeline stage 2"
        );
    }
}
