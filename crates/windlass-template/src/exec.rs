//! Go `text/template`'s executor (`text/template/exec.go`) over the trees of
//! [`crate::parse`], with Helm's settings (`missingkey=zero`) and Helm's
//! `include` and `tpl`.
//!
//! Go's messages depend on details this module keeps on purpose:
//! - Errors name the node the executor last looked at (Go's `state.at`), so
//!   the same mistake reads differently as an argument (`at <.Values.x>`) and
//!   as a piped value (`at <upper>`). `State::at` follows Go's calls.
//! - A map entry is an `interface{}`: a missing or null one is a *typed* nil,
//!   and a field of it is "nil pointer evaluating interface {}.x", while the
//!   nil a pipeline or variable yields is untyped and silently has no fields.
//!   `Operand::iface` carries that difference.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::funcs::{self, Signature, Type};
use crate::gofmt::{self, quote};
use crate::parse::{self, Arg, Branch, Command, Node, Number, ParseError, Pipe, Tree};
use crate::value::{Map, Object, Value};

/// Go's limit on nested `{{template}}` calls.
const MAX_EXEC_DEPTH: usize = 100_000;
/// Helm's limit on nested `include`s of one name.
const MAX_INCLUDE_DEPTH: usize = 1000;
/// The name of the template set (Helm's root template), as "no template"
/// messages and `tpl` use it.
pub const ROOT_NAME: &str = "gotpl";

/// A set of named templates that can call each other (Go's `common`).
#[derive(Debug, Clone, Default)]
pub struct TemplateSet {
    /// Fx hashing: names come from the chart's own templates, and the
    /// lookups of every `include` add up.
    /// `Arc`, so a finished set can be dropped on another thread.
    trees: FxHashMap<String, Arc<Tree>>,
}

impl TemplateSet {
    pub fn new() -> TemplateSet {
        TemplateSet::default()
    }

    /// Parses `text` as template `name` and adds it with its `define`s. A
    /// definition replaces an earlier one of the same name unless its body is
    /// empty (Go's `associate`), so the last file parsed wins.
    ///
    /// # Errors
    /// Go's parse error.
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), ParseError> {
        self.add(parse::parse(name, text)?);
        Ok(())
    }

    /// Adds the trees of one parse, as [`TemplateSet::parse`] does.
    pub fn add(&mut self, trees: BTreeMap<String, Tree>) {
        for (tree_name, tree) in trees {
            if parse::is_empty_tree(&tree) && self.trees.contains_key(&tree_name) {
                continue;
            }
            self.trees.insert(tree_name, Arc::new(tree));
        }
    }

    /// The template named `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<Tree>> {
        self.trees.get(name)
    }
}

/// An error as Go's `error` chain: this level's full text and the error it
/// wraps (`error calling include: %w`), which Helm walks to format it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoError {
    pub text: String,
    pub wrapped: Option<Box<GoError>>,
}

impl GoError {
    /// An error that wraps nothing.
    pub fn plain(text: impl Into<String>) -> GoError {
        GoError {
            text: text.into(),
            wrapped: None,
        }
    }
}

/// What a render shares across templates: Helm's `include` counter and the
/// answer to `lookup`.
#[derive(Default)]
pub struct Env {
    included: RefCell<FxHashMap<String, usize>>,
    /// `lookup apiVersion kind namespace name`; `None` answers an empty map,
    /// as `helm template` does.
    #[allow(clippy::type_complexity)]
    pub lookup: Option<Box<dyn Fn(&str, &str, &str, &str) -> Result<Value, String>>>,
}

/// Runs template `name` of `set` on `data`.
///
/// # Errors
/// Go's execution error chain.
pub fn execute(set: &TemplateSet, env: &Env, name: &str, data: Value) -> Result<String, GoError> {
    let Some(tree) = set.get(name) else {
        return Err(GoError::plain(format!(
            "template: no template {} associated with template {}",
            quote(name),
            quote(ROOT_NAME)
        )));
    };
    let mut state = State {
        set,
        env,
        tree,
        vars: Vec::new(),
        depth: 0,
        at: At::None,
        out: String::new(),
    };
    let dot = Operand::value(data);
    state.vars.push(("$", dot.clone()));
    match state.walk(&dot, &tree.root) {
        Ok(()) => Ok(state.out),
        Err(Flow::Error(e)) => Err(e),
        // The parser allows break and continue only inside range.
        Err(Flow::Break | Flow::Continue) => Ok(state.out),
    }
}

/// A value with its static Go type's one distinction that matters here:
/// whether it sits in an `interface{}` slot (a map entry, a list element).
#[derive(Debug, Clone)]
struct Operand {
    value: Value,
    iface: bool,
}

impl Operand {
    fn value(value: Value) -> Operand {
        Operand {
            value,
            iface: false,
        }
    }

    fn iface(value: Value) -> Operand {
        Operand { value, iface: true }
    }

    /// Go's invalid `reflect.Value`: an untyped nil.
    fn invalid() -> Operand {
        Operand::value(Value::Nil)
    }

    fn is_invalid(&self) -> bool {
        !self.iface && matches!(self.value, Value::Nil)
    }

    fn is_nil_iface(&self) -> bool {
        self.iface && matches!(self.value, Value::Nil)
    }
}

/// How a walk ends early.
enum Flow {
    Error(GoError),
    Break,
    Continue,
}

type Exec<T> = Result<T, Flow>;

/// The node Go's executor last looked at, named in error messages.
#[derive(Clone, Copy)]
enum At<'t> {
    None,
    Action(&'t Pipe),
    Pipe(&'t Pipe),
    Command(&'t Command),
    Arg(&'t Arg),
    Template(&'t Node),
}

struct State<'t> {
    set: &'t TemplateSet,
    env: &'t Env,
    /// The template being run.
    tree: &'t Tree,
    vars: Vec<(&'t str, Operand)>,
    depth: usize,
    at: At<'t>,
    out: String,
}

/// A function being called: a table function, a Go builtin, or a method.
enum Callee<'a> {
    Function(&'static funcs::Function),
    Builtin(&'a str),
    Method(&'a Rc<dyn Object>, &'a str, Signature),
    ValuesMethod(&'a Map, &'a str, Signature),
}

const ANY: &[Type] = &[Type::Any];

/// Go's builtins' signatures (their `reflect.Value` parameters take anything).
fn builtin_signature(name: &str) -> Option<Signature> {
    Some(match name {
        "and" | "or" | "index" | "eq" => Signature::variadic(ANY, Type::Any),
        "not" | "len" => Signature::fixed(ANY),
        "ne" | "lt" | "le" | "gt" | "ge" => Signature::fixed(&[Type::Any, Type::Any]),
        "print" | "println" | "html" | "js" | "urlquery" | "call" => {
            Signature::variadic(&[], Type::Any)
        }
        "printf" => Signature::variadic(&[Type::String], Type::Any),
        _ => return None,
    })
}

/// The methods of Helm's `Values` type.
fn values_method(name: &str) -> Option<Signature> {
    match name {
        "YAML" | "AsMap" => Some(Signature::fixed(&[])),
        "Table" | "PathValue" => Some(Signature::fixed(&[Type::String])),
        _ => None,
    }
}

impl<'t> State<'t> {
    // ---- errors ----

    /// Go's `state.errorf`: `template: FILE:LINE:COL: executing "NAME" at
    /// <NODE>: MESSAGE`.
    fn error_text(&self, message: &str) -> String {
        let (pos, context) = match self.at {
            At::None => {
                return format!("template: {}: {message}", self.tree.name);
            }
            At::Action(pipe) => (pipe.pos, format!("{{{{{pipe}}}}}")),
            At::Pipe(pipe) => (pipe.pos, pipe.to_string()),
            At::Command(cmd) => (cmd.pos, cmd.to_string()),
            At::Arg(arg) => (arg.pos(), arg.to_string()),
            At::Template(Node::Template {
                pos, name, pipe, ..
            }) => (
                *pos,
                match pipe {
                    Some(pipe) => format!("{{{{template {} {pipe}}}}}", quote(name)),
                    None => format!("{{{{template {}}}}}", quote(name)),
                },
            ),
            At::Template(_) => (0, String::new()),
        };
        format!(
            "template: {}: executing {} at <{context}>: {message}",
            self.location(pos),
            quote(&self.tree.name)
        )
    }

    /// `FILE:LINE:COL` of a byte offset, the column counted in bytes from 0
    /// as Go's `ErrorContext` does.
    fn location(&self, pos: usize) -> String {
        let text = &self.tree.text;
        let before = text.get(..pos).unwrap_or(text);
        let line = 1 + before.matches('\n').count();
        let col = match before.rfind('\n') {
            Some(newline) => pos - newline - 1,
            None => pos,
        };
        format!("{}:{line}:{col}", self.tree.parse_name)
    }

    fn error(&self, message: impl AsRef<str>) -> Flow {
        Flow::Error(GoError::plain(self.error_text(message.as_ref())))
    }

    /// `error calling NAME: CAUSE`, wrapping the cause as Go's `%w` does.
    fn call_error(&self, name: &str, cause: GoError) -> Flow {
        let text = self.error_text(&format!("error calling {name}: {}", cause.text));
        Flow::Error(GoError {
            text,
            wrapped: Some(Box::new(cause)),
        })
    }

    // ---- walking ----

    fn walk(&mut self, dot: &Operand, nodes: &'t [Node]) -> Exec<()> {
        for node in nodes {
            match node {
                Node::Text(span) => self.out.push_str(&self.tree.text[span.clone()]),
                Node::Action(pipe) => {
                    self.at = At::Action(pipe);
                    let value = self.eval_pipeline(dot, pipe)?;
                    if pipe.decl.is_empty() {
                        self.print(&value);
                    }
                }
                Node::If(branch) => self.walk_if_or_with(false, dot, branch)?,
                Node::With(branch) => self.walk_if_or_with(true, dot, branch)?,
                Node::Range(branch) => self.walk_range(dot, branch)?,
                Node::Template { .. } => self.walk_template(dot, node)?,
                Node::Break => return Err(Flow::Break),
                Node::Continue => return Err(Flow::Continue),
            }
        }
        Ok(())
    }

    /// Go's `printValue`: an untyped nil prints `<no value>`.
    fn print(&mut self, value: &Value) {
        match value {
            Value::Nil => self.out.push_str("<no value>"),
            Value::String(s) => self.out.push_str(s),
            other => self.out.push_str(&other.to_string()),
        }
    }

    fn walk_if_or_with(&mut self, with: bool, dot: &Operand, branch: &'t Branch) -> Exec<()> {
        let mark = self.vars.len();
        let result = (|| {
            let value = self.eval_pipeline(dot, &branch.pipe)?;
            if value.is_true() {
                let inner = if with {
                    Operand::value(value)
                } else {
                    dot.clone()
                };
                self.walk(&inner, &branch.list)
            } else if let Some(else_list) = &branch.else_list {
                self.walk(dot, else_list)
            } else {
                Ok(())
            }
        })();
        self.vars.truncate(mark);
        result
    }

    fn walk_range(&mut self, dot: &Operand, branch: &'t Branch) -> Exec<()> {
        let outer = self.vars.len();
        let result = self.range_body(dot, branch);
        self.vars.truncate(outer);
        result
    }

    fn range_body(&mut self, dot: &Operand, branch: &'t Branch) -> Exec<()> {
        let value = self.eval_pipeline(dot, &branch.pipe)?;
        let mark = self.vars.len();
        let mut items: Vec<(Operand, Operand)> = Vec::new();
        match &value {
            Value::List(list) => {
                for (i, item) in list.iter().enumerate() {
                    items.push((Operand::value(int(i)), Operand::iface(item.clone())));
                }
            }
            Value::Bytes(bytes) => {
                for (i, b) in bytes.iter().enumerate() {
                    items.push((
                        Operand::value(int(i)),
                        Operand::value(Value::Int((*b).into())),
                    ));
                }
            }
            Value::Map(map) => {
                for (k, v) in map.entries() {
                    items.push((Operand::value(Value::String(k)), Operand::iface(v)));
                }
            }
            Value::Int(n) | Value::Int64(n) => {
                if branch.pipe.decl.len() > 1 {
                    return Err(self.error(format!(
                        "can't use {value} to iterate over more than one variable"
                    )));
                }
                let make = |i| match value {
                    Value::Int64(_) => Value::Int64(i),
                    _ => Value::Int(i),
                };
                for i in 0..*n {
                    items.push((Operand::invalid(), Operand::value(make(i))));
                }
            }
            Value::Object(o) if o.kind() == "slice" || o.kind() == "map" => {
                if let Value::List(list) = o.to_data() {
                    for (i, item) in list.iter().enumerate() {
                        items.push((Operand::value(int(i)), Operand::value(item.clone())));
                    }
                } else if let Value::Map(map) = o.to_data() {
                    for (k, v) in map.entries() {
                        items.push((Operand::value(Value::String(k)), Operand::value(v)));
                    }
                }
            }
            Value::Nil => {}
            other => return Err(self.error(format!("range can't iterate over {other}"))),
        }
        if items.is_empty() {
            if let Some(else_list) = &branch.else_list {
                return self.walk(dot, else_list);
            }
            return Ok(());
        }
        let decl = &branch.pipe.decl;
        for (index, elem) in items {
            // The pipeline's own declarations were pushed (and hold the
            // collection); each iteration sets them, as Go's setTopVar does.
            if !decl.is_empty() {
                if branch.pipe.is_assign {
                    if decl.len() > 1 {
                        self.set_var(&decl[0], index.clone());
                        self.set_var(&decl[1], elem.clone());
                    } else {
                        self.set_var(&decl[0], elem.clone());
                    }
                } else {
                    let top = self.vars.len();
                    if decl.len() > 1 {
                        self.vars[top - 2].1 = index.clone();
                    }
                    self.vars[top - 1].1 = elem.clone();
                }
            }
            let result = self.walk(&elem, &branch.list);
            self.vars.truncate(mark);
            match result {
                Ok(()) | Err(Flow::Continue) => {}
                Err(Flow::Break) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn walk_template(&mut self, dot: &Operand, node: &'t Node) -> Exec<()> {
        let Node::Template { name, pipe, .. } = node else {
            return Ok(());
        };
        self.at = At::Template(node);
        let Some(tree) = self.set.get(name) else {
            return Err(self.error(format!("template {} not defined", quote(name))));
        };
        if self.depth == MAX_EXEC_DEPTH {
            return Err(self.error(format!(
                "exceeded maximum template depth ({MAX_EXEC_DEPTH})"
            )));
        }
        let value = match pipe {
            Some(pipe) => self.eval_pipeline(dot, pipe)?,
            None => Value::Nil,
        };
        let dot = Operand::value(value);
        let mut inner = State {
            set: self.set,
            env: self.env,
            tree,
            vars: vec![("$", dot.clone())],
            depth: self.depth + 1,
            at: At::None,
            out: std::mem::take(&mut self.out),
        };
        let result = inner.walk(&dot, &tree.root);
        self.out = inner.out;
        match result {
            Err(Flow::Error(e)) => Err(Flow::Error(e)),
            _ => Ok(()),
        }
    }

    // ---- variables ----

    fn var(&self, name: &str) -> Exec<Operand> {
        match self.vars.iter().rev().find(|(n, _)| *n == name) {
            Some((_, value)) => Ok(value.clone()),
            None => Err(self.error(format!("undefined variable: {name}"))),
        }
    }

    fn set_var(&mut self, name: &str, value: Operand) {
        if let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| *n == name) {
            slot.1 = value;
        }
    }

    // ---- evaluation ----

    fn eval_pipeline(&mut self, dot: &Operand, pipe: &'t Pipe) -> Exec<Value> {
        self.at = At::Pipe(pipe);
        let mut value: Option<Operand> = None;
        for cmd in &pipe.cmds {
            let result = self.eval_command(dot, cmd, value.take())?;
            // Go digs a value out of its interface between stages.
            value = Some(Operand::value(result.value));
        }
        let value = value.map_or(Value::Nil, |v| v.value);
        for name in &pipe.decl {
            if pipe.is_assign {
                self.set_var(name, Operand::value(value.clone()));
            } else {
                self.vars.push((name, Operand::value(value.clone())));
            }
        }
        Ok(value)
    }

    fn eval_command(
        &mut self,
        dot: &Operand,
        cmd: &'t Command,
        fin: Option<Operand>,
    ) -> Exec<Operand> {
        let first = &cmd.args[0];
        match first {
            Arg::Field { names, .. } => {
                self.at = At::Arg(first);
                return self.eval_field_chain(dot, first, dot.clone(), names, &cmd.args, fin);
            }
            Arg::Chain { .. } => return self.eval_chain(dot, first, &cmd.args, fin),
            Arg::Function { .. } => {
                return self.eval_function(dot, first, At::Command(cmd), &cmd.args, fin);
            }
            Arg::Pipe(pipe) => {
                self.not_a_function(&cmd.args, fin.as_ref())?;
                return Ok(Operand::value(self.eval_pipeline(dot, pipe)?));
            }
            Arg::Variable { names, .. } => {
                return self.eval_variable(dot, first, names, &cmd.args, fin);
            }
            _ => {}
        }
        self.at = At::Arg(first);
        self.not_a_function(&cmd.args, fin.as_ref())?;
        Ok(match first {
            Arg::Bool { value, .. } => Operand::value(Value::Bool(*value)),
            Arg::Dot { .. } => dot.clone(),
            Arg::Nil { .. } => return Err(self.error("nil is not a command")),
            Arg::Number { number, .. } => Operand::value(self.ideal_constant(number)?),
            Arg::String { text, .. } => Operand::value(Value::String(text.clone())),
            _ => Operand::invalid(),
        })
    }

    fn not_a_function(&self, args: &[Arg], fin: Option<&Operand>) -> Exec<()> {
        if args.len() > 1 || fin.is_some() {
            return Err(self.error(format!("can't give argument to non-function {}", args[0])));
        }
        Ok(())
    }

    /// An untyped number constant: a float64 if written as one, else an int.
    fn ideal_constant(&self, number: &Number) -> Exec<Value> {
        let text = &number.text;
        let hex_int = text.len() > 2
            && text.starts_with('0')
            && matches!(text.as_bytes()[1], b'x' | b'X')
            && !text.contains(['p', 'P']);
        if let Some(f) = number.float
            && !hex_int
            && !number.is_char
            && text.contains(['.', 'e', 'E', 'p', 'P'])
        {
            return Ok(Value::Float(f));
        }
        if let Some(i) = number.int {
            return Ok(Value::Int(i));
        }
        if number.uint.is_some() {
            return Err(self.error(format!("{text} overflows int")));
        }
        Ok(Value::Nil)
    }

    fn eval_chain(
        &mut self,
        dot: &Operand,
        chain: &'t Arg,
        args: &'t [Arg],
        fin: Option<Operand>,
    ) -> Exec<Operand> {
        let Arg::Chain { node, fields, .. } = chain else {
            return Ok(Operand::invalid());
        };
        self.at = At::Arg(chain);
        if matches!(node.as_ref(), Arg::Nil { .. }) {
            return Err(self.error(format!("indirection through explicit nil in {chain}")));
        }
        let receiver = self.eval_arg(dot, None, node)?;
        self.eval_field_chain(dot, chain, receiver, fields, args, fin)
    }

    fn eval_variable(
        &mut self,
        dot: &Operand,
        node: &'t Arg,
        names: &'t str,
        args: &'t [Arg],
        fin: Option<Operand>,
    ) -> Exec<Operand> {
        self.at = At::Arg(node);
        let Some((variable, fields)) = names.split_once('.') else {
            let value = self.var(names)?;
            self.not_a_function(args, fin.as_ref())?;
            return Ok(value);
        };
        let value = self.var(variable)?;
        self.eval_field_chain(dot, node, value, fields, args, fin)
    }

    /// `node` is the field, chain or variable node: a method's error names it.
    fn eval_field_chain(
        &mut self,
        dot: &Operand,
        node: &'t Arg,
        mut receiver: Operand,
        names: &'t str,
        args: &'t [Arg],
        fin: Option<Operand>,
    ) -> Exec<Operand> {
        if names.is_empty() {
            return Ok(receiver);
        }
        let (init, last) = names.rsplit_once('.').unwrap_or(("", names));
        if !init.is_empty() {
            for name in parse::names(init) {
                receiver = self.eval_field(dot, node, name, &[], None, receiver)?;
            }
        }
        self.eval_field(dot, node, last, args, fin, receiver)
    }

    fn eval_field(
        &mut self,
        dot: &Operand,
        node: &'t Arg,
        name: &str,
        args: &'t [Arg],
        fin: Option<Operand>,
        receiver: Operand,
    ) -> Exec<Operand> {
        if receiver.is_invalid() {
            return Ok(Operand::invalid());
        }
        // For messages only: naming the type allocates.
        let type_name = || {
            if receiver.iface {
                "interface {}".to_string()
            } else {
                receiver.value.type_name()
            }
        };
        if receiver.is_nil_iface() {
            return Err(self.error(format!("nil pointer evaluating {}.{name}", type_name())));
        }
        let at = At::Arg(node);
        match &receiver.value {
            Value::Object(o) => {
                if let Some(sig) = o.method(name) {
                    return self.eval_call(dot, &Callee::Method(o, name, sig), at, name, args, fin);
                }
            }
            Value::Map(m) if m.is_values() => {
                if let Some(sig) = values_method(name) {
                    return self.eval_call(
                        dot,
                        &Callee::ValuesMethod(m, name, sig),
                        at,
                        name,
                        args,
                        fin,
                    );
                }
            }
            _ => {}
        }
        let has_args = args.len() > 1 || fin.is_some();
        match &receiver.value {
            Value::Map(m) => {
                if has_args {
                    return Err(self.error(format!("{name} is not a method but has arguments")));
                }
                return Ok(Operand::iface(m.get(name).unwrap_or(Value::Nil)));
            }
            Value::Object(o) => {
                if let Some(value) = o.field(name) {
                    if has_args {
                        return Err(self.error(if o.kind() == "map" {
                            format!("{name} is not a method but has arguments")
                        } else {
                            format!("{name} has arguments but cannot be invoked as function")
                        }));
                    }
                    return Ok(Operand::value(value));
                }
            }
            _ => {}
        }
        Err(self.error(format!(
            "can't evaluate field {name} in type {}",
            type_name()
        )))
    }

    /// `ident` is an [`Arg::Function`]: the table's function (which
    /// overrides a builtin, as Sprig's `slice` does), else a Go builtin.
    fn eval_function(
        &mut self,
        dot: &Operand,
        ident: &'t Arg,
        node: At<'t>,
        args: &'t [Arg],
        fin: Option<Operand>,
    ) -> Exec<Operand> {
        let Arg::Function { name, function, .. } = ident else {
            return Ok(Operand::invalid());
        };
        self.at = At::Arg(ident);
        let callee = match function {
            Some(f) => Callee::Function(f),
            None => Callee::Builtin(name),
        };
        self.eval_call(dot, &callee, node, name, args, fin)
    }

    /// Go's `evalCall`: checks the count, evaluates and converts arguments,
    /// calls, and wraps the callee's error.
    fn eval_call(
        &mut self,
        dot: &Operand,
        callee: &Callee<'_>,
        node: At<'t>,
        name: &str,
        args: &'t [Arg],
        fin: Option<Operand>,
    ) -> Exec<Operand> {
        let args = args.get(1..).unwrap_or_default();
        let sig = match callee {
            Callee::Function(f) => f.sig,
            Callee::Builtin(name) => builtin_signature(name).unwrap_or(Signature::fixed(&[])),
            Callee::Method(_, _, sig) | Callee::ValuesMethod(_, _, sig) => *sig,
        };
        let num_in = args.len() + usize::from(fin.is_some());
        let num_fixed = sig.params.len();
        if sig.variadic.is_some() {
            if num_in < num_fixed {
                return Err(self.error(format!(
                    "wrong number of args for {name}: want at least {num_fixed} got {}",
                    args.len()
                )));
            }
        } else if num_in != num_fixed {
            return Err(self.error(format!(
                "wrong number of args for {name}: want {num_fixed} got {num_in}"
            )));
        }

        // `and` and `or` stop at the deciding argument and return it.
        if let Callee::Builtin(b @ ("and" | "or")) = callee {
            let want = *b == "or";
            let mut value = Operand::invalid();
            for arg in args {
                value = self.eval_arg(dot, Some(Type::Any), arg)?;
                if value.value.is_true() == want {
                    return Ok(value);
                }
            }
            if let Some(fin) = fin {
                value = fin;
            }
            return Ok(value);
        }

        let param = |i: usize| -> Type {
            sig.params
                .get(i)
                .copied()
                .or(sig.variadic)
                .unwrap_or(Type::Any)
        };
        let mut argv: Vec<Operand> = Vec::with_capacity(num_in);
        for (i, arg) in args.iter().enumerate() {
            argv.push(self.eval_arg(dot, Some(param(i)), arg)?);
        }
        if let Some(fin) = fin {
            let typ = param(argv.len());
            argv.push(self.validate_type(fin, Some(typ))?);
        }

        let result = match callee {
            Callee::Function(f) if funcs::EXECUTOR_FUNCTIONS.contains(&f.name) => {
                self.call_helm(f.name, &argv)
            }
            Callee::Function(f) => {
                let values: Vec<Value> = argv.into_iter().map(|a| a.value).collect();
                (f.call)(&values).map_err(GoError::plain)
            }
            Callee::Builtin(name) => call_builtin(name, &argv).map_err(GoError::plain),
            Callee::Method(o, name, _) => {
                let values: Vec<Value> = argv.into_iter().map(|a| a.value).collect();
                o.call(name, &values).map_err(GoError::plain)
            }
            Callee::ValuesMethod(m, name, _) => {
                let values: Vec<Value> = argv.into_iter().map(|a| a.value).collect();
                values_call(m, name, &values).map_err(GoError::plain)
            }
        };
        match result {
            Ok(value) => Ok(Operand::value(value)),
            Err(cause) => {
                self.at = node;
                Err(self.call_error(name, cause))
            }
        }
    }

    /// Go's `evalArg`: `typ` is `None` for a chain's receiver (no conversion).
    fn eval_arg(&mut self, dot: &Operand, typ: Option<Type>, arg: &'t Arg) -> Exec<Operand> {
        self.at = At::Arg(arg);
        let value = match arg {
            Arg::Dot { .. } => dot.clone(),
            Arg::Nil { .. } => {
                let typ = typ.unwrap_or(Type::Any);
                return match zero_of(typ) {
                    Some(zero) => Ok(zero),
                    None => Err(self.error(format!("cannot assign nil to {typ}"))),
                };
            }
            Arg::Field { names, .. } => self.eval_field_chain(
                dot,
                arg,
                dot.clone(),
                names,
                std::slice::from_ref(arg),
                None,
            )?,
            Arg::Variable { names, .. } => self.eval_variable(dot, arg, names, &[], None)?,
            Arg::Pipe(pipe) => Operand::value(self.eval_pipeline(dot, pipe)?),
            Arg::Function { .. } => self.eval_function(dot, arg, At::Arg(arg), &[], None)?,
            Arg::Chain { .. } => self.eval_chain(dot, arg, &[], None)?,
            literal => return self.eval_literal(typ.unwrap_or(Type::Any), literal),
        };
        self.validate_type(value, typ)
    }

    fn eval_literal(&self, typ: Type, arg: &Arg) -> Exec<Operand> {
        let value = match (typ, arg) {
            (Type::Bool | Type::Any, Arg::Bool { value, .. }) => Value::Bool(*value),
            (Type::Bool, _) => return Err(self.error(format!("expected bool; found {arg}"))),
            (Type::Float64, Arg::Number { number, .. }) if number.float.is_some() => {
                Value::Float(number.float.unwrap_or_default())
            }
            (Type::Float64, _) => return Err(self.error(format!("expected float; found {arg}"))),
            (Type::Int, Arg::Number { number, .. }) if number.int.is_some() => {
                Value::Int(number.int.unwrap_or_default())
            }
            (Type::Int64, Arg::Number { number, .. }) if number.int.is_some() => {
                Value::Int64(number.int.unwrap_or_default())
            }
            (Type::Int | Type::Int64, _) => {
                return Err(self.error(format!("expected integer; found {arg}")));
            }
            (Type::String | Type::Any, Arg::String { text, .. }) => Value::String(text.clone()),
            (Type::String, _) => return Err(self.error(format!("expected string; found {arg}"))),
            (Type::Any, Arg::Number { number, .. }) => self.ideal_constant(number)?,
            _ => {
                return Err(self.error(format!("can't handle {arg} for arg of type {typ}")));
            }
        };
        Ok(Operand::value(value))
    }

    /// Go's `validateType`: the value as the parameter type, or Go's error.
    fn validate_type(&self, value: Operand, typ: Option<Type>) -> Exec<Operand> {
        let Some(typ) = typ else {
            return Ok(value);
        };
        if value.is_invalid() {
            return match zero_of(typ) {
                Some(zero) => Ok(zero),
                None => Err(self.error(format!("invalid value; expected {typ}"))),
            };
        }
        if typ == Type::Any {
            return Ok(value);
        }
        if value.is_nil_iface() {
            return Err(self.error(format!(
                "wrong type for value; expected {typ}; got interface {{}}"
            )));
        }
        if assignable(&value.value, typ) {
            // Go converts a named map type (Helm's `Values`) to the parameter's
            // plain `map[string]interface{}`: the same map, another type.
            if let (Type::Map, Value::Map(m)) = (typ, &value.value) {
                return Ok(Operand::value(Value::Map(m.as_plain())));
            }
            return Ok(Operand::value(value.value));
        }
        Err(self.error(format!(
            "wrong type for value; expected {typ}; got {}",
            value.value.type_name()
        )))
    }

    // ---- Helm's include, tpl and lookup ----

    fn call_helm(&mut self, name: &str, argv: &[Operand]) -> Result<Value, GoError> {
        let text = argv
            .first()
            .and_then(|a| a.value.as_str())
            .unwrap_or_default();
        let data = argv.get(1).map_or(Value::Nil, |a| a.value.clone());
        match name {
            "include" => self.include(text, data).map(Value::String),
            "tpl" => self.tpl(text, data).map(Value::String),
            _ => {
                let strings: Vec<&str> = argv.iter().filter_map(|a| a.value.as_str()).collect();
                match (&self.env.lookup, strings.as_slice()) {
                    (Some(lookup), [api, kind, ns, name]) => {
                        lookup(api, kind, ns, name).map_err(GoError::plain)
                    }
                    _ => Ok(Value::Map(Map::new())),
                }
            }
        }
    }

    fn include(&mut self, name: &str, data: Value) -> Result<String, GoError> {
        {
            let mut included = self.env.included.borrow_mut();
            // The name is copied only the first time it is included.
            let count = match included.get_mut(name) {
                Some(count) => count,
                None => included.entry(name.to_string()).or_insert(0),
            };
            if *count > MAX_INCLUDE_DEPTH {
                return Err(GoError {
                    text: format!(
                        "rendering template has a nested reference name: {name}: unable to execute template"
                    ),
                    wrapped: Some(Box::new(GoError::plain("unable to execute template"))),
                });
            }
            *count += 1;
        }
        let result = execute(self.set, self.env, name, data);
        if let Some(count) = self.env.included.borrow_mut().get_mut(name) {
            *count = count.saturating_sub(1);
        }
        result
    }

    /// Helm's `tpl`: the text parsed as `gotpl` into a copy of the whole set
    /// (so every `define` is visible, and its own defines stay local), run on
    /// `data`, `<no value>` removed.
    fn tpl(&mut self, text: &str, data: Value) -> Result<String, GoError> {
        let mut set = self.set.clone();
        if let Err(e) = set.parse(ROOT_NAME, text) {
            let cause = GoError::plain(e.to_string());
            return Err(GoError {
                text: format!("cannot parse template {}: {}", quote(text), cause.text),
                wrapped: Some(Box::new(cause)),
            });
        }
        match execute(&set, self.env, ROOT_NAME, data) {
            Ok(out) => Ok(out.replace("<no value>", "")),
            Err(cause) => Err(GoError {
                text: format!(
                    "error during tpl function execution for {}: {}",
                    quote(text),
                    cause.text
                ),
                wrapped: Some(Box::new(cause)),
            }),
        }
    }
}

fn int(i: usize) -> Value {
    Value::Int(i64::try_from(i).unwrap_or(i64::MAX))
}

/// The zero value of a type that can be nil; `None` for one that cannot.
fn zero_of(typ: Type) -> Option<Operand> {
    Some(Operand::value(match typ {
        Type::Any | Type::Object(_) => Value::Nil,
        Type::List => Value::list(Vec::new()),
        Type::Map => Value::Map(Map::new()),
        Type::Bytes => Value::Bytes(Rc::new(Vec::new())),
        Type::String | Type::Int | Type::Int64 | Type::Float64 | Type::Bool => return None,
    }))
}

/// Go's assignability of a value to a parameter type.
fn assignable(value: &Value, typ: Type) -> bool {
    match (value, typ) {
        (_, Type::Any)
        | (Value::String(_), Type::String)
        | (Value::Int(_), Type::Int)
        | (Value::Int64(_), Type::Int64)
        | (Value::Float(_), Type::Float64)
        | (Value::Bool(_), Type::Bool)
        | (Value::List(_), Type::List)
        | (Value::Map(_), Type::Map)
        | (Value::Bytes(_), Type::Bytes) => true,
        (Value::Object(o), Type::Object(name)) => o.type_name() == name,
        _ => false,
    }
}

/// Calls a method of Helm's `Values` type.
fn values_call(map: &Map, name: &str, args: &[Value]) -> Result<Value, String> {
    match name {
        "AsMap" => Ok(Value::Map(map.as_plain())),
        // `yaml.Marshal`: what `toYaml` gives, with its final newline.
        "YAML" => {
            let to_yaml = funcs::lookup("toYaml").ok_or("toYaml is not available")?;
            let text = (to_yaml.call)(&[Value::Map(map.clone())])?;
            Ok(Value::String(format!(
                "{}\n",
                text.as_str().unwrap_or_default()
            )))
        }
        "Table" | "PathValue" => {
            let path = args.first().and_then(Value::as_str).unwrap_or_default();
            values_path(map, path, name == "Table")
        }
        _ => Err(format!("no method {name}")),
    }
}

/// `Values.Table` and `Values.PathValue`: a dotted path into the tree.
fn values_path(map: &Map, path: &str, table: bool) -> Result<Value, String> {
    let parts: Vec<&str> = path.split('.').collect();
    let Some((last, init)) = parts.split_last() else {
        return Err(format!("no table named {path:?}"));
    };
    let mut current = map.clone();
    for part in init {
        match current.get(part) {
            Some(Value::Map(m)) => current = m,
            _ => {
                return Err(if table {
                    format!("no table named {path:?}")
                } else {
                    format!("{path:?} is not a value")
                });
            }
        }
    }
    match (current.get(last), table) {
        (Some(Value::Map(m)), true) => Ok(Value::Map(m.as_values())),
        (Some(v), false) if !matches!(v, Value::Map(_)) => Ok(v),
        (_, true) => Err(format!("no table named {path:?}")),
        (_, false) => Err(format!("{path:?} is not a value")),
    }
}

// ---- Go's builtins ----

fn call_builtin(name: &str, args: &[Operand]) -> Result<Value, String> {
    let values = || args.iter().map(|a| a.value.clone()).collect::<Vec<_>>();
    match name {
        "not" => Ok(Value::Bool(!args[0].value.is_true())),
        "len" => length(&args[0]),
        "index" => index(&args[0], &args[1..]),
        "eq" => eq(&args[0].value, &values()[1..]).map(Value::Bool),
        "ne" => eq(&args[0].value, &values()[1..]).map(|b| Value::Bool(!b)),
        "lt" => less(&args[0].value, &args[1].value).map(Value::Bool),
        "le" => Ok(Value::Bool(
            less(&args[0].value, &args[1].value)? || eq(&args[0].value, &values()[1..])?,
        )),
        "gt" => Ok(Value::Bool(
            !(less(&args[0].value, &args[1].value)? || eq(&args[0].value, &values()[1..])?),
        )),
        "ge" => Ok(Value::Bool(!less(&args[0].value, &args[1].value)?)),
        "print" => Ok(Value::String(gofmt::sprint(&values()))),
        "println" => Ok(Value::String(gofmt::sprintln(&values()))),
        "printf" => {
            let all = values();
            let format = all[0].as_str().unwrap_or_default().to_string();
            Ok(Value::String(gofmt::sprintf(&format, &all[1..])))
        }
        "html" => Ok(Value::String(html_escape(&eval_args_text(&values())))),
        "js" => Ok(Value::String(js_escape(&eval_args_text(&values())))),
        "urlquery" => Ok(Value::String(query_escape(&eval_args_text(&values())))),
        _ => Err(format!("function {name} is not supported")),
    }
}

/// Go's `evalArgs` for the escapers: one string argument as is, else `Sprint`.
fn eval_args_text(args: &[Value]) -> String {
    match args {
        [Value::String(s)] => s.clone(),
        _ => gofmt::sprint(args),
    }
}

fn length(item: &Operand) -> Result<Value, String> {
    if item.is_nil_iface() {
        return Err("len of nil pointer".into());
    }
    let n = match &item.value {
        Value::String(s) => s.len(),
        Value::Bytes(b) => b.len(),
        Value::List(l) => l.len(),
        Value::Map(m) => m.len(),
        Value::Object(o) => match o.len() {
            Some(n) => n,
            None => return Err(format!("len of type {}", o.type_name())),
        },
        Value::Nil => return Err("len of untyped nil".into()),
        other => return Err(format!("len of type {}", other.type_name())),
    };
    Ok(int(n))
}

fn index(item: &Operand, indexes: &[Operand]) -> Result<Value, String> {
    if item.is_invalid() {
        return Err("index of untyped nil".into());
    }
    let mut current = item.clone();
    for index in indexes {
        if current.is_nil_iface() {
            return Err("index of nil pointer".into());
        }
        let position = |len: usize| -> Result<usize, String> {
            let x = match &index.value {
                Value::Int(n) | Value::Int64(n) => *n,
                Value::Nil => return Err("cannot index slice/array with nil".into()),
                other => {
                    return Err(format!(
                        "cannot index slice/array with type {}",
                        other.type_name()
                    ));
                }
            };
            match usize::try_from(x) {
                Ok(x) if x <= len => Ok(x),
                _ => Err(format!("index out of range: {x}")),
            }
        };
        current = match &current.value {
            Value::List(list) => {
                let x = position(list.len())?;
                Operand::iface(
                    list.get(x)
                        .cloned()
                        .ok_or("reflect: slice index out of range")?,
                )
            }
            Value::String(s) => {
                let x = position(s.len())?;
                let byte = s
                    .as_bytes()
                    .get(x)
                    .ok_or("reflect: string index out of range")?;
                Operand::value(Value::Int((*byte).into()))
            }
            Value::Bytes(b) => {
                let x = position(b.len())?;
                let byte = b.get(x).ok_or("reflect: slice index out of range")?;
                Operand::value(Value::Int((*byte).into()))
            }
            Value::Map(map) => match &index.value {
                Value::String(key) => Operand::iface(map.get(key).unwrap_or(Value::Nil)),
                Value::Nil => return Err("value is nil; should be of type string".into()),
                other => {
                    return Err(format!(
                        "value has type {}; should be string",
                        other.type_name()
                    ));
                }
            },
            Value::Object(o) if o.kind() == "map" => match &index.value {
                Value::String(key) => Operand::value(o.field(key).unwrap_or(Value::Nil)),
                other => {
                    return Err(format!(
                        "value has type {}; should be string",
                        other.type_name()
                    ));
                }
            },
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(current.value)
}

/// Go's comparison classes: int kinds compare with each other.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Basic {
    Bool,
    Int,
    Float,
    String,
    Other,
}

fn basic(value: &Value) -> Basic {
    match value {
        Value::Bool(_) => Basic::Bool,
        Value::Int(_) | Value::Int64(_) => Basic::Int,
        Value::Float(_) => Basic::Float,
        Value::String(_) => Basic::String,
        _ => Basic::Other,
    }
}

fn eq(first: &Value, others: &[Value]) -> Result<bool, String> {
    if others.is_empty() {
        return Err("missing argument for comparison".into());
    }
    for other in others {
        let (k1, k2) = (basic(first), basic(other));
        let truth = if k1 == k2 {
            match (first, other) {
                (Value::Bool(a), Value::Bool(b)) => a == b,
                (Value::Int(a) | Value::Int64(a), Value::Int(b) | Value::Int64(b)) => a == b,
                (Value::Float(a), Value::Float(b)) => a == b,
                (Value::String(a), Value::String(b)) => a == b,
                (Value::Nil, Value::Nil) => true,
                (Value::Nil, _) | (_, Value::Nil) => false,
                (a, b) => {
                    return Err(format!(
                        "non-comparable types {a}: {}, {}: {b}",
                        a.type_name(),
                        b.type_name()
                    ));
                }
            }
        } else if matches!(first, Value::Nil) || matches!(other, Value::Nil) {
            false
        } else {
            return Err(format!(
                "incompatible types for comparison: {} and {}",
                first.type_name(),
                other.type_name()
            ));
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn less(a: &Value, b: &Value) -> Result<bool, String> {
    let (k1, k2) = (basic(a), basic(b));
    if k1 == Basic::Other || k2 == Basic::Other {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return Err(format!(
            "incompatible types for comparison: {} and {}",
            a.type_name(),
            b.type_name()
        ));
    }
    match (a, b) {
        (Value::Int(x) | Value::Int64(x), Value::Int(y) | Value::Int64(y)) => Ok(x < y),
        (Value::Float(x), Value::Float(y)) => Ok(x < y),
        (Value::String(x), Value::String(y)) => Ok(x < y),
        _ => Err("invalid type for comparison".into()),
    }
}

/// Go's `HTMLEscapeString`.
fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `JSEscapeString`.
fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
