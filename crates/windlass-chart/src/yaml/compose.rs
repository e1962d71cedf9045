//! From YAML text to JSON, in go-yaml v2's two steps: the parser's events are
//! composed into a node tree (anchors point at nodes, nothing is expanded), then
//! the tree is decoded the way `yaml.Unmarshal` fills an `interface{}` and
//! `sigs.k8s.io/yaml` converts that to JSON.
//!
//! Composing is iterative; decoding recurses, but never deeper than
//! [`MAX_DEPTH`] levels (collections and merges), and alias expansion is
//! bounded by go-yaml's own aliasing ratio.

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Number, Value};

use super::compat;
use super::resolve::{CORE_PREFIX, Scalar, is_plain_string, resolve_scalar};

/// How deeply collections (and merge keys) may nest. Helm allows 10000;
/// windlass keeps every document well inside `serde_json`'s own recursion
/// limit (128), which stored releases must pass through again.
pub const MAX_DEPTH: usize = 100;

/// A failure, with the 1-based line it concerns when known.
#[derive(Debug)]
pub(crate) struct Failure {
    pub line: Option<usize>,
    pub message: String,
}

fn fail(line: usize, message: impl Into<String>) -> Failure {
    Failure {
        line: Some(line),
        message: message.into(),
    }
}

type NodeId = usize;

#[derive(Debug)]
enum Kind {
    Scalar {
        /// The text, by its index in [`Tree::texts`].
        text: usize,
        /// The full tag (`tag:yaml.org,2002:int`, `!foo`, `!`), if any.
        tag: Option<String>,
        plain: bool,
    },
    Sequence(Vec<NodeId>),
    /// Keys and values, alternating.
    Mapping(Vec<NodeId>),
    Alias(NodeId),
}

#[derive(Debug)]
struct Node {
    kind: Kind,
    line: usize,
}

/// The first document of a stream as a node tree.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    nodes: Vec<Node>,
    /// The scalars' texts, apart so decoding can move them out.
    texts: Vec<String>,
    root: Option<NodeId>,
    /// Whether an alias refers to a node (which is then decoded more than once).
    aliased: bool,
}

/// The message and line of a parser error, on one line.
fn scan_failure(err: &saphyr_parser::ScanError) -> Failure {
    let message = err.info().split_whitespace().collect::<Vec<_>>().join(" ");
    fail(err.marker().line(), message)
}

/// Composes the first document of `text` (events after its end are never read,
/// as go-yaml's `Unmarshal` reads one document), bridging the places where the
/// parser reads text differently from libyaml (see [`compat`]).
pub(crate) fn compose(text: &str) -> Result<Tree, Failure> {
    let nel = compat::check_characters(text)?;
    let mut text = compat::normalise_breaks(text, nel);
    let mut repairs = 0;
    loop {
        match compose_once(&text) {
            Ok(tree) => return Ok(tree),
            Err(Attempt::Failed(failure)) => return Err(failure),
            Err(Attempt::Repairable(failure, repair)) => {
                if repairs == compat::MAX_REPAIRS {
                    return Err(failure);
                }
                repairs += 1;
                repair.apply(text.to_mut());
            }
        }
    }
}

/// Why one parse failed.
enum Attempt {
    Failed(Failure),
    /// A known difference from libyaml, with the change that bridges it.
    Repairable(Failure, compat::Repair),
}

impl From<Failure> for Attempt {
    fn from(failure: Failure) -> Self {
        Attempt::Failed(failure)
    }
}

fn compose_once(text: &str) -> Result<Tree, Attempt> {
    let mut tree = Tree::default();
    // The parser's anchor ids, to the node each names now.
    let mut anchors: HashMap<usize, NodeId> = HashMap::new();
    // Collections not yet closed, innermost last.
    let mut open: Vec<NodeId> = Vec::new();
    // Whether each node is still open (an alias to it would contain itself).
    let mut is_open: Vec<bool> = Vec::new();
    let mut escapes = compat::EscapeCheck::new(text);
    for next in Parser::new_from_str(text) {
        let (event, span) = next.map_err(|err| {
            let failure = scan_failure(&err);
            match compat::repair(text, err.info(), err.marker().index()) {
                Some(repair) => Attempt::Repairable(failure, repair),
                None => Attempt::Failed(failure),
            }
        })?;
        let line = span.start.line();
        let (kind, anchor, opens) = match event {
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => continue,
            Event::DocumentEnd | Event::StreamEnd => break,
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(id) = open.pop() {
                    is_open[id] = false;
                }
                continue;
            }
            Event::Scalar(value, style, anchor, tag) => {
                if style == ScalarStyle::DoubleQuoted {
                    escapes.check(text, span.start.index(), line)?;
                }
                tree.texts.push(value.into_owned());
                (
                    Kind::Scalar {
                        text: tree.texts.len() - 1,
                        tag: tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                        plain: style == ScalarStyle::Plain,
                    },
                    anchor,
                    false,
                )
            }
            Event::SequenceStart(anchor, _) => (Kind::Sequence(Vec::new()), anchor, true),
            Event::MappingStart(anchor, _) => (Kind::Mapping(Vec::new()), anchor, true),
            Event::Alias(anchor) => {
                let Some(&target) = anchors.get(&anchor) else {
                    return Err(fail(line, "unknown anchor referenced").into());
                };
                if is_open[target] {
                    return Err(fail(line, "anchor value contains itself").into());
                }
                tree.aliased = true;
                (Kind::Alias(target), 0, false)
            }
        };
        let id = tree.nodes.len();
        tree.nodes.push(Node { kind, line });
        is_open.push(opens);
        if anchor > 0 {
            anchors.insert(anchor, id);
        }
        match open.last() {
            Some(&parent) => match &mut tree.nodes[parent].kind {
                Kind::Sequence(children) | Kind::Mapping(children) => children.push(id),
                _ => {}
            },
            None => tree.root = Some(id),
        }
        if opens {
            open.push(id);
            if open.len() > MAX_DEPTH {
                return Err(fail(
                    line,
                    format!("collections nested deeper than {MAX_DEPTH} levels"),
                )
                .into());
            }
        }
    }
    Ok(tree)
}

/// go-yaml v2's `allowedAliasRatio`: the share of decoded nodes that may come
/// from alias expansion, 99% for small documents down to 10% for huge ones.
fn allowed_alias_ratio(decode_count: usize) -> f64 {
    const LOW: f64 = 400_000.0;
    const HIGH: f64 = 4_000_000.0;
    #[expect(clippy::cast_precision_loss, reason = "a ratio of counts")]
    let count = decode_count as f64;
    if count <= LOW {
        0.99
    } else if count >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((count - LOW) / (HIGH - LOW))
    }
}

/// A mapping key as Go holds it in a `map[interface{}]interface{}`.
#[derive(Debug, Clone)]
enum GoKey {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
}

/// What makes two Go map keys the same (Go's `==` on interface values: same
/// type and equal value; a NaN key equals nothing, so it has no identity).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Identity {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(u64),
    Str(String),
}

impl GoKey {
    fn identity(&self) -> Option<Identity> {
        Some(match self {
            GoKey::Null => Identity::Null,
            GoKey::Bool(b) => Identity::Bool(*b),
            GoKey::Int(i) => Identity::Int(*i),
            GoKey::Uint(u) => Identity::Uint(*u),
            GoKey::Float(f) if f.is_nan() => return None,
            // -0.0 == 0.0 in Go.
            GoKey::Float(f) => Identity::Float(if *f == 0.0 { 0 } else { f.to_bits() }),
            GoKey::Str(s) => Identity::Str(s.clone()),
        })
    }

    /// `sigs.k8s.io/yaml`'s conversion of a key to a JSON object key: strings
    /// as they are, ints in decimal, bools as `true`/`false`, floats with Go's
    /// `FormatFloat(f, 'g', -1, 32)` (`.inf`, `-.inf`, `.nan` for the special
    /// values); a null or uint64 key is refused, as there.
    fn json_key(&self) -> Result<String, String> {
        Ok(match self {
            GoKey::Str(s) => s.clone(),
            GoKey::Int(i) => i.to_string(),
            GoKey::Bool(b) => b.to_string(),
            GoKey::Float(f) => match crate::load::go_format_float32(*f).as_str() {
                "+Inf" => ".inf".to_string(),
                "-Inf" => "-.inf".to_string(),
                "NaN" => ".nan".to_string(),
                text => text.to_string(),
            },
            GoKey::Null => return Err("a null mapping key cannot become a JSON object key".into()),
            GoKey::Uint(u) => {
                return Err(format!(
                    "mapping key {u} is out of range for a signed 64-bit integer and cannot become a JSON object key"
                ));
            }
        })
    }

    fn describe(&self) -> String {
        match self {
            GoKey::Null => "the null key".into(),
            GoKey::Bool(b) => format!("the boolean key {b}"),
            GoKey::Int(i) => format!("the integer key {i}"),
            GoKey::Uint(u) => format!("the integer key {u}"),
            GoKey::Float(_) => format!(
                "the float key {}",
                self.json_key().unwrap_or_else(|_| "?".into())
            ),
            GoKey::Str(s) => format!("the string key {s:?}"),
        }
    }

    /// The key as the duplicate-key message shows it.
    fn display(&self) -> String {
        match self {
            GoKey::Null => "null".into(),
            GoKey::Uint(u) => u.to_string(),
            _ => self.json_key().unwrap_or_default(),
        }
    }
}

/// A Go `map[interface{}]interface{}` being filled: entries in the order they
/// were first set, each with the line of the key that last set it.
#[derive(Debug, Default)]
struct GoMap {
    entries: Vec<(GoKey, usize, Value)>,
    index: HashMap<Identity, usize>,
}

impl GoMap {
    fn set(&mut self, key: GoKey, line: usize, value: Value) {
        match key.identity() {
            Some(identity) => match self.index.get(&identity) {
                Some(&i) => self.entries[i] = (key, line, value),
                None => {
                    self.index.insert(identity, self.entries.len());
                    self.entries.push((key, line, value));
                }
            },
            None => self.entries.push((key, line, value)),
        }
    }

    /// The JSON object `sigs.k8s.io/yaml` makes of the map. Two Go keys that
    /// become the same JSON key (`1` and `"1"`) are an error: Helm keeps one of
    /// them at random (Go's map order).
    fn into_json(self) -> Result<Value, Failure> {
        let mut object = Map::new();
        let mut first: HashMap<String, GoKey> = HashMap::new();
        for (key, line, value) in self.entries {
            let name = key.json_key().map_err(|message| fail(line, message))?;
            if let Some(earlier) = first.get(&name) {
                return Err(fail(
                    line,
                    format!(
                        "{} and {} both become the JSON key {name:?}",
                        earlier.describe(),
                        key.describe()
                    ),
                ));
            }
            first.insert(name.clone(), key);
            object.insert(name, value);
        }
        Ok(Value::Object(object))
    }
}

/// Decodes a composed tree into JSON. With `last_key_wins`, a key a mapping
/// sets twice keeps its last value, as go-yaml's non-strict decoding does;
/// otherwise it is an error.
pub(crate) fn decode(tree: Tree, last_key_wins: bool) -> Result<Value, Failure> {
    let Some(root) = tree.root else {
        return Ok(Value::Null);
    };
    Decoder {
        nodes: &tree.nodes,
        texts: tree.texts,
        // Without aliases every node is decoded once, so its text can move
        // into the value instead of being copied.
        move_texts: !tree.aliased,
        last_key_wins,
        decode_count: 0,
        alias_count: 0,
        alias_depth: 0,
        level: 0,
    }
    .value(root)
}

struct Decoder<'t> {
    nodes: &'t [Node],
    texts: Vec<String>,
    move_texts: bool,
    last_key_wins: bool,
    /// go-yaml's counters against alias expansion bombs.
    decode_count: usize,
    alias_count: usize,
    alias_depth: usize,
    /// Collections and merges being decoded, to bound the recursion.
    level: usize,
}

impl<'t> Decoder<'t> {
    fn node(&self, id: NodeId) -> &'t Node {
        &self.nodes[id]
    }

    /// A scalar's text for its decoded value: moved out when nothing else
    /// will read it, else copied.
    fn take_text(&mut self, text: usize) -> String {
        if self.move_texts {
            std::mem::take(&mut self.texts[text])
        } else {
            self.texts[text].clone()
        }
    }

    /// go-yaml's accounting at the start of every `unmarshal`: a document
    /// whose decoding is mostly alias expansion fails.
    fn count(&mut self, id: NodeId) -> Result<(), Failure> {
        self.decode_count += 1;
        if self.alias_depth > 0 {
            self.alias_count += 1;
        }
        #[expect(clippy::cast_precision_loss, reason = "a ratio of counts")]
        let ratio = self.alias_count as f64 / self.decode_count as f64;
        if self.alias_count > 100
            && self.decode_count > 1000
            && ratio > allowed_alias_ratio(self.decode_count)
        {
            return Err(fail(
                self.node(id).line,
                "document contains excessive aliasing (alias expansion limit)",
            ));
        }
        Ok(())
    }

    fn enter(&mut self, id: NodeId) -> Result<(), Failure> {
        self.level += 1;
        if self.level > MAX_DEPTH {
            return Err(fail(
                self.node(id).line,
                format!("collections and merges nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn with_alias<T>(
        &mut self,
        target: NodeId,
        decode: impl FnOnce(&mut Self, NodeId) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        self.alias_depth += 1;
        let result = decode(self, target);
        self.alias_depth -= 1;
        result
    }

    fn value(&mut self, id: NodeId) -> Result<Value, Failure> {
        self.count(id)?;
        let node = self.node(id);
        let line = node.line;
        match &node.kind {
            Kind::Alias(target) => self.with_alias(*target, Self::value),
            Kind::Scalar { text, tag, plain } => {
                let text = self.take_text(*text);
                // What `resolve_scalar` gives such a scalar, without a copy.
                if tag.is_none() && (!*plain || is_plain_string(&text)) {
                    return Ok(Value::String(text));
                }
                let scalar =
                    resolve_scalar(&text, tag.as_deref(), *plain).map_err(|m| fail(line, m))?;
                scalar_json(scalar, &text).map_err(|m| fail(line, m))
            }
            Kind::Sequence(children) => {
                self.enter(id)?;
                let items = children
                    .iter()
                    .map(|&child| self.value(child))
                    .collect::<Result<Vec<_>, _>>()?;
                self.level -= 1;
                Ok(Value::Array(items))
            }
            Kind::Mapping(children) => {
                self.enter(id)?;
                let value = match self.string_keys(children) {
                    Some(names) => self.string_keyed(children, names)?,
                    None => {
                        let mut map = GoMap::default();
                        self.mapping_into(id, &mut map)?;
                        map.into_json()?
                    }
                };
                self.level -= 1;
                Ok(value)
            }
        }
    }

    /// The keys of a mapping if every one is a plain string: an untagged
    /// scalar (not an alias, not a merge) that resolves to its own text.
    fn string_keys(&self, children: &[NodeId]) -> Option<Vec<usize>> {
        children
            .chunks_exact(2)
            .map(|pair| match &self.node(pair[0]).kind {
                Kind::Scalar {
                    text,
                    tag: None,
                    plain,
                } if !self.is_merge(pair[0])
                    && (!*plain || is_plain_string(&self.texts[*text])) =>
                {
                    Some(*text)
                }
                _ => None,
            })
            .collect()
    }

    /// A mapping whose keys are all strings (nearly every one), straight into
    /// JSON: as [`Decoder::mapping_into`] and [`GoMap::into_json`] would, but
    /// a key can only clash with the same text, so the object itself finds
    /// duplicates and no Go map is needed.
    fn string_keyed(&mut self, children: &[NodeId], names: Vec<usize>) -> Result<Value, Failure> {
        let mut object = Map::new();
        for (pair, name) in children.chunks_exact(2).zip(names) {
            // What `key` does for such a key, but the resolving.
            self.count(pair[0])?;
            let name = self.take_text(name);
            if !self.last_key_wins && object.contains_key(&name) {
                return Err(fail(
                    self.node(pair[0]).line,
                    format!("duplicate entry with key {name:?}"),
                ));
            }
            let value = self.value(pair[1])?;
            object.insert(name, value);
        }
        Ok(Value::Object(object))
    }

    /// go-yaml's `isMerge`: a scalar `<<` that is plain and untagged (or
    /// tagged `!`), or tagged `!!merge`.
    fn is_merge(&self, id: NodeId) -> bool {
        match &self.node(id).kind {
            Kind::Scalar { text, tag, plain } => {
                self.texts[*text] == "<<"
                    && match tag.as_deref() {
                        None => *plain,
                        Some("!") => true,
                        Some(tag) => tag.strip_prefix(CORE_PREFIX) == Some("merge"),
                    }
            }
            _ => false,
        }
    }

    /// Sets the pairs of mapping `id` into `out` in order, applying merge keys
    /// where they stand. A key set twice by the mapping's own pairs is an error
    /// (windlass's policy; go-yaml keeps the last); keys from a merge are
    /// overwritten by later pairs and overwrite earlier ones, as in go-yaml.
    fn mapping_into(&mut self, id: NodeId, out: &mut GoMap) -> Result<(), Failure> {
        let Kind::Mapping(children) = &self.node(id).kind else {
            return Ok(());
        };
        let mut explicit: HashSet<Identity> = HashSet::new();
        for pair in children.chunks(2) {
            let (key_id, value_id) = match *pair {
                [k, v] => (k, v),
                _ => continue,
            };
            if self.is_merge(key_id) {
                self.merge(value_id, out)?;
                continue;
            }
            let line = self.node(key_id).line;
            let key = self.key(key_id)?;
            if let Some(identity) = key.identity()
                && !explicit.insert(identity)
                && !self.last_key_wins
            {
                return Err(fail(
                    line,
                    format!("duplicate entry with key {:?}", key.display()),
                ));
            }
            let value = self.value(value_id)?;
            out.set(key, line, value);
        }
        Ok(())
    }

    /// go-yaml v2's `merge`: a mapping, an alias to one, or a sequence of
    /// those (earlier ones take precedence, so they are applied last).
    fn merge(&mut self, id: NodeId, out: &mut GoMap) -> Result<(), Failure> {
        let line = self.node(id).line;
        let want_map = || {
            fail(
                line,
                "map merge requires map or sequence of maps as the value",
            )
        };
        match &self.node(id).kind {
            Kind::Mapping(_) | Kind::Alias(_) => {
                if !self.is_map(id) {
                    return Err(want_map());
                }
                self.merge_one(id, out)
            }
            Kind::Sequence(children) => {
                for &child in children.iter().rev() {
                    if !self.is_map(child) {
                        return Err(want_map());
                    }
                    self.merge_one(child, out)?;
                }
                Ok(())
            }
            Kind::Scalar { .. } => Err(want_map()),
        }
    }

    /// Whether `id` is a mapping or an alias to one.
    fn is_map(&self, id: NodeId) -> bool {
        match self.node(id).kind {
            Kind::Mapping(_) => true,
            Kind::Alias(target) => matches!(self.node(target).kind, Kind::Mapping(_)),
            _ => false,
        }
    }

    fn merge_one(&mut self, id: NodeId, out: &mut GoMap) -> Result<(), Failure> {
        self.count(id)?;
        if let Kind::Alias(target) = self.node(id).kind {
            return self.with_alias(target, |this, target| this.merge_one(target, out));
        }
        self.enter(id)?;
        self.mapping_into(id, out)?;
        self.level -= 1;
        Ok(())
    }

    /// A mapping key: a scalar (or an alias to one) resolved as any scalar;
    /// a timestamp stays its text. A collection cannot be a key.
    fn key(&mut self, id: NodeId) -> Result<GoKey, Failure> {
        self.count(id)?;
        let node = self.node(id);
        let line = node.line;
        match &node.kind {
            Kind::Alias(target) => self.with_alias(*target, Self::key),
            Kind::Scalar { text, tag, plain } => {
                let text = self.take_text(*text);
                if tag.is_none() && (!*plain || is_plain_string(&text)) {
                    return Ok(GoKey::Str(text));
                }
                let scalar =
                    resolve_scalar(&text, tag.as_deref(), *plain).map_err(|m| fail(line, m))?;
                Ok(match scalar {
                    Scalar::Null => GoKey::Null,
                    Scalar::Bool(b) => GoKey::Bool(b),
                    Scalar::Int(i) => GoKey::Int(i),
                    Scalar::Uint(u) => GoKey::Uint(u),
                    Scalar::Float(f) => GoKey::Float(f),
                    Scalar::Str(s) => GoKey::Str(s),
                })
            }
            Kind::Sequence(_) => Err(fail(line, "invalid map key: a sequence")),
            Kind::Mapping(_) => Err(fail(line, "invalid map key: a mapping")),
        }
    }
}

/// A resolved scalar as JSON; a NaN or infinite float cannot be (Go's
/// `encoding/json` refuses it, and so Helm does).
fn scalar_json(scalar: Scalar, text: &str) -> Result<Value, String> {
    Ok(match scalar {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => Value::Number(i.into()),
        Scalar::Uint(u) => Value::Number(u.into()),
        Scalar::Float(f) => {
            Value::Number(Number::from_f64(f).ok_or_else(|| {
                format!("`{text}` is not a finite number, which JSON cannot hold")
            })?)
        }
        Scalar::Str(s) => Value::String(s),
    })
}
