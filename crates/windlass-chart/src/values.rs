//! Composing a release's values exactly as Helm v4 does.
//!
//! The flow of an install (`helm install` / `helm template`), and the function to
//! call at each step:
//!
//! 1. **User values** — [`ValueOptions::merge_values`] (Helm's `Options.MergeValues`):
//!    every `-f` file in order (read by [`crate::load::load_values`], so a file may
//!    hold several `---` documents), deep-merged so maps merge and lists and scalars
//!    replace; then `--set-json`, `--set`, `--set-string`, `--set-file` and
//!    `--set-literal`, each flag's expressions in order, parsed by [`crate::strvals`].
//!    A `null` here only overrides; nothing is deleted yet. This map is what a
//!    release records as its config.
//! 2. **Dependencies** — [`crate::dependencies::process_dependencies`] on the loaded
//!    chart with those user values: aliases, `condition`, `tags`, removal of disabled
//!    subcharts and `import-values`. It rewrites the chart (its subcharts and its
//!    default values), never the user values.
//! 3. **Coalesce** — [`coalesce`] (Helm's `CoalesceValues`) the processed chart with
//!    the user values: user values beat chart defaults, a parent beats its
//!    subcharts, a user `null` deletes the default it overrides, chart-default
//!    `null`s are dropped, and `global` is copied down into every subchart with the
//!    parent winning. The result is `.Values` for the templates.
//! 4. **Schema** — [`crate::schema::validate`] the coalesced values against the
//!    `values.schema.json` of the chart and of every remaining subchart.
//!
//! ```no_run
//! use std::path::Path;
//! use windlass_chart::{dependencies, load, schema, values};
//!
//! let options = values::ValueOptions {
//!     value_files: vec!["prod.yaml".into()],
//!     set: vec!["replicaCount=3".into()],
//!     ..Default::default()
//! };
//! let user = options.merge_values()?;
//! let mut chart = load(Path::new("./mychart"))?;
//! dependencies::process_dependencies(&mut chart, &user)?;
//! let rendered_values = values::coalesce(&chart, &user)?;
//! schema::validate(&chart, &rendered_values)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Coalescing is ported from Go code that shares maps by reference (shallow copies
//! of `global` tables, imported tables), so a change made through one path shows up
//! through another; real charts observe this (a subchart's default under a nested
//! `global` map reaches the parent's `global`). To reproduce that, coalescing runs on
//! a private tree of reference-counted tables, and converts to and from
//! [`Values`] at the edges.

use std::collections::BTreeSet;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::display::one_line;
use crate::strvals::{self, SetFlag};
use crate::yaml::{self, YamlError};
use crate::{Chart, Values};

/// Everything that can go wrong while composing, processing or validating values.
#[derive(Debug, thiserror::Error)]
pub enum ValuesError {
    /// A `-f` file (or stdin, or a `--set-file` source) could not be read.
    #[error("cannot read values file `{}`: {source}", one_line(path))]
    ReadFile {
        /// The path as given (`-` for stdin).
        path: String,
        /// Why reading failed.
        #[source]
        source: io::Error,
    },
    /// A values file is not valid YAML, or a document in it is not a map.
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// A `--set`-family expression that does not parse.
    #[error("`{flag} {}`: {message} (at character {at})", one_line(expr))]
    SetSyntax {
        /// Which flag the expression came from.
        flag: SetFlag,
        /// The whole expression, as given.
        expr: String,
        /// 1-based character position where parsing stopped.
        at: usize,
        /// What is wrong.
        message: String,
    },
    /// A `--set-file` whose file cannot be read.
    #[error(
        "`--set-file {}`: cannot read `{}`: {source}",
        one_line(expr),
        one_line(path)
    )]
    SetFileRead {
        /// The whole expression, as given.
        expr: String,
        /// The file named in it.
        path: String,
        /// Why reading failed.
        #[source]
        source: io::Error,
    },
    /// The values for a subchart are not a map (Helm: "type mismatch on `<sub>`").
    #[error("values for subchart `{subchart}` of chart `{chart}` must be a map, found {found}")]
    SubchartValues {
        /// The parent chart.
        chart: String,
        /// The subchart (its name or alias).
        subchart: String,
        /// What was found instead.
        found: &'static str,
    },
    /// Values that violate a chart's `values.schema.json`, or a schema that cannot
    /// be used; every problem of every chart is listed.
    #[error("{}", crate::schema::render_failures(failures))]
    Schema {
        /// Each problem, in the order the charts were visited.
        failures: Vec<crate::schema::SchemaFailure>,
    },
}

/// The values a user passes on the command line, in Helm's flag names.
///
/// Defaults: nothing at all, which composes to an empty map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueOptions {
    /// `-f` / `--values`: YAML files merged in order; `-` reads stdin.
    pub value_files: Vec<PathBuf>,
    /// `--set-json`: `key=<json>` pairs, or a whole JSON object.
    pub set_json: Vec<String>,
    /// `--set`: `key=value` pairs with Helm's typing (ints, bools, `null`).
    pub set: Vec<String>,
    /// `--set-string`: `key=value` pairs whose values stay strings.
    pub set_string: Vec<String>,
    /// `--set-file`: `key=path` pairs whose values are the files' contents.
    pub set_file: Vec<String>,
    /// `--set-literal`: one `key=value` whose value is taken verbatim.
    pub set_literal: Vec<String>,
}

impl ValueOptions {
    /// Composes the user values as Helm's `Options.MergeValues` does, reading files
    /// from disk and `-` from stdin.
    ///
    /// # Errors
    /// An unreadable or malformed file, a remote URL (windlass reads no network), or
    /// a `--set`-family expression that does not parse.
    pub fn merge_values(&self) -> Result<Values, ValuesError> {
        self.merge_values_with(&mut read_source)
    }

    /// As [`ValueOptions::merge_values`], reading every `-f` file and `--set-file`
    /// source through `read` (given the path exactly as the user wrote it).
    ///
    /// # Errors
    /// As [`ValueOptions::merge_values`].
    pub fn merge_values_with(
        &self,
        read: &mut dyn FnMut(&Path) -> io::Result<Vec<u8>>,
    ) -> Result<Values, ValuesError> {
        let mut base = Values::new();
        for path in &self.value_files {
            let name = path.display().to_string();
            let bytes = read(path).map_err(|source| ValuesError::ReadFile {
                path: name.clone(),
                source,
            })?;
            let current = crate::load::load_values(&bytes, &name)?;
            base = merge_maps(base, current);
        }
        for expr in &self.set_json {
            strvals::parse_set_json(expr, &mut base)?;
        }
        for expr in &self.set {
            strvals::parse_set(expr, &mut base)?;
        }
        for expr in &self.set_string {
            strvals::parse_set_string(expr, &mut base)?;
        }
        for expr in &self.set_file {
            strvals::parse_set_file(expr, &mut base, &mut |p: &str| read(Path::new(p)))?;
        }
        for expr in &self.set_literal {
            strvals::parse_set_literal(expr, &mut base)?;
        }
        Ok(base)
    }
}

/// Reads a `-f` or `--set-file` source the way Helm's `readFile` does, minus the
/// network: `-` (surrounding spaces allowed) is stdin, an `http`, `https` or `oci`
/// URL is refused, anything else is a local path. Like Helm, a name that Go's
/// `url.Parse` rejects (a bad `%` escape, a control character, a leading `:`) is an
/// error rather than a path.
///
/// # Errors
/// The I/O error, or `Unsupported` for a remote URL, or `InvalidInput` for a name
/// Helm would reject.
pub fn read_source(path: &Path) -> io::Result<Vec<u8>> {
    let Some(text) = path.to_str() else {
        return std::fs::read(path);
    };
    if text.trim() == "-" {
        let mut buf = Vec::new();
        io::stdin().read_to_end(&mut buf)?;
        return Ok(buf);
    }
    if let Some(problem) = go_url_parse_problem(text) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, problem));
    }
    if let Some((scheme, _)) = text.split_once(':') {
        let scheme = scheme.to_ascii_lowercase();
        if matches!(scheme.as_str(), "http" | "https" | "oci") {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "remote values ({scheme}) are not fetched; download the file and pass its path"
                ),
            ));
        }
    }
    std::fs::read(path)
}

/// Why Go's `url.Parse` would reject `text`, if it would. Helm parses every values
/// path as a URL first and fails on these before touching the file: a control
/// character, a leading `:`, a `:` in the first segment of a scheme-less path
/// (`my file:x.yaml`), or a `%` not followed by two hex digits in the path or the
/// `#fragment`.
fn go_url_parse_problem(text: &str) -> Option<String> {
    if text.chars().any(|c| c < ' ' || c == '\u{7f}') {
        return Some("invalid control character in URL".to_string());
    }
    let (rest, fragment) = text.split_once('#').unwrap_or((text, ""));
    if let Some(problem) = bad_escape(fragment) {
        return Some(problem);
    }
    let (scheme, rest) = match go_url_scheme(rest) {
        Err(problem) => return Some(problem),
        Ok(Some(scheme_len)) => (true, &rest[scheme_len + 1..]),
        Ok(None) => (false, rest),
    };
    let path = rest.split_once('?').map_or(rest, |(path, _)| path);
    if scheme && !path.starts_with('/') {
        // An opaque URL (`c:\x.yaml`): Go checks nothing more.
        return None;
    }
    if !scheme && !path.starts_with('/') {
        let first_segment = path.split('/').next().unwrap_or_default();
        if first_segment.contains(':') {
            return Some("first path segment in URL cannot contain colon".to_string());
        }
    }
    bad_escape(path)
}

/// Go's `getScheme`: the length of a valid scheme before the first `:`, if any.
fn go_url_scheme(text: &str) -> Result<Option<usize>, String> {
    for (i, c) in text.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i == 0 => return Err("missing protocol scheme".to_string()),
            ':' => return Ok(Some(i)),
            _ => return Ok(None),
        }
    }
    Ok(None)
}

/// A `%` that is not followed by two hex digits, as Go's `unescape` reports it.
fn bad_escape(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let at = bytes.iter().enumerate().position(|(i, &b)| {
        b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })?;
    let end = (at + 3).min(bytes.len());
    Some(format!(
        "invalid URL escape {:?}",
        String::from_utf8_lossy(&bytes[at..end])
    ))
}

/// Helm's `MergeMaps`: a deep merge where `b` wins. Maps present on both sides merge
/// recursively; every other value from `b` (a list, a scalar, `null`) replaces.
pub fn merge_maps(mut a: Values, b: Values) -> Values {
    for (key, value) in b {
        match (a.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => {
                let merged = merge_maps(std::mem::take(existing), incoming);
                *existing = merged;
            }
            (_, value) => {
                a.insert(key, value);
            }
        }
    }
    a
}

/// The coalesced values together with the warnings Helm would log on the way
/// (a table overridden by a scalar and the like).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coalesced {
    /// The values the templates see as `.Values`.
    pub values: Values,
    /// Helm's log lines for values that could not be merged, in the order met.
    pub warnings: Vec<String>,
}

/// Helm's `CoalesceValues`: the chart's defaults (and its subcharts', under their
/// names) under the user values. See the module documentation for the rules.
///
/// # Errors
/// The values for a subchart are not a map.
pub fn coalesce(chart: &Chart, user: &Values) -> Result<Values, ValuesError> {
    coalesce_with_warnings(chart, user).map(|c| c.values)
}

/// As [`coalesce`], also returning the warnings Helm logs.
///
/// # Errors
/// As [`coalesce`].
pub fn coalesce_with_warnings(chart: &Chart, user: &Values) -> Result<Coalesced, ValuesError> {
    let mut coalescer = Coalescer::default();
    let dest = tree::from_json(user);
    coalescer.coalesce(chart, &dest, "", false, tree::nodes_from_json)?;
    Ok(Coalesced {
        values: tree::to_json(&dest),
        warnings: coalescer.warnings,
    })
}

/// Helm's `CoalesceTables`: `src` under `dst`, where `dst` wins and a `null` in
/// `dst` deletes the key when `src` has a value for it. This is what an upgrade with
/// `--reuse-values` uses to put the new values over the release's old ones.
pub fn coalesce_tables(dst: &Values, src: &Values) -> Values {
    let mut coalescer = Coalescer::default();
    let dst = tree::from_json(dst);
    coalescer.coalesce_tables(&dst, &tree::from_json(src), "", false);
    tree::to_json(&dst)
}

/// Joins a key path the way Helm names values in warnings (`parent.key`).
fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

/// A port of Helm's coalescing functions, over [`tree`] tables so that shared maps
/// behave as in Go. `merge` is Helm's flag that keeps `null`s (used by
/// `MergeValues` while processing dependencies).
#[derive(Debug, Default)]
pub(crate) struct Coalescer {
    pub(crate) warnings: Vec<String>,
}

impl Coalescer {
    /// `coalesce`: the chart's own defaults into `dest`, then each subchart.
    /// `defaults` makes tree nodes of a chart's defaults: borrowing them
    /// ([`tree::nodes_from_json`]) where the chart outlives the tree, else
    /// copying them ([`tree::nodes_copied`]).
    pub(crate) fn coalesce<'c, 'v>(
        &mut self,
        chart: &'c Chart,
        dest: &tree::Table<'v>,
        prefix: &str,
        merge: bool,
        defaults: tree::Defaults<'c, 'v>,
    ) -> Result<(), ValuesError> {
        self.coalesce_values(chart, dest, prefix, merge, defaults);
        self.coalesce_deps(chart, dest, prefix, merge, defaults)
    }

    /// `coalesceDeps`: each subchart's values live under its name (an alias, once
    /// dependencies are processed); globals are copied down before its defaults.
    fn coalesce_deps<'c, 'v>(
        &mut self,
        chart: &'c Chart,
        dest: &tree::Table<'v>,
        prefix: &str,
        merge: bool,
        defaults: tree::Defaults<'c, 'v>,
    ) -> Result<(), ValuesError> {
        for sub in &chart.dependencies {
            let name = sub.name();
            let sub_values = match tree::get(dest, name) {
                None => {
                    let table = tree::new_table();
                    tree::insert(dest, name, tree::Node::Table(table.clone()));
                    table
                }
                Some(tree::Node::Table(table)) => table,
                Some(tree::Node::Leaf(value)) => {
                    return Err(ValuesError::SubchartValues {
                        chart: chart.name().to_string(),
                        subchart: name.to_string(),
                        found: yaml::kind_of(&value),
                    });
                }
            };
            let sub_prefix = concat_prefix(prefix, chart.name());
            self.coalesce_globals(&sub_values, dest, &sub_prefix);
            self.coalesce(sub, &sub_values, &sub_prefix, merge, defaults)?;
        }
        Ok(())
    }

    /// `coalesceGlobals`: the parent's `global` (in `src`) over the subchart's own
    /// `global` (in `dest`). Parent tables are shallow-copied, as in Go, so nested
    /// tables stay shared with the parent.
    fn coalesce_globals<'v>(
        &mut self,
        dest: &tree::Table<'v>,
        src: &tree::Table<'v>,
        prefix: &str,
    ) {
        let dest_global = match tree::get(dest, GLOBAL) {
            None => tree::new_table(),
            Some(tree::Node::Table(table)) => table,
            Some(tree::Node::Leaf(_)) => {
                self.warn("warning: skipping globals because destination global is not a table.");
                return;
            }
        };
        let src_global = match tree::get(src, GLOBAL) {
            None => tree::new_table(),
            Some(tree::Node::Table(table)) => table,
            Some(tree::Node::Leaf(_)) => {
                self.warn("warning: skipping globals because source global is not a table.");
                return;
            }
        };
        for (key, value) in tree::entries(&src_global) {
            match value {
                tree::Node::Table(table) => {
                    let copy = tree::shallow_copy(&table);
                    match tree::get(&dest_global, &key) {
                        None => tree::insert(&dest_global, key, tree::Node::Table(copy)),
                        Some(tree::Node::Leaf(_)) => self.warn(format!(
                            "Conflict: cannot merge map onto non-map for {key:?}. Skipping."
                        )),
                        Some(tree::Node::Table(existing)) => {
                            self.coalesce_tables(
                                &copy,
                                &existing,
                                &concat_prefix(prefix, &key),
                                true,
                            );
                            tree::insert(&dest_global, key, tree::Node::Table(copy));
                        }
                    }
                }
                tree::Node::Leaf(_) => {
                    if let Some(tree::Node::Table(_)) = tree::get(&dest_global, &key) {
                        self.warn(format!("key {key} is table. Skipping"));
                    } else {
                        tree::insert(&dest_global, key, value);
                    }
                }
            }
        }
        tree::insert(dest, GLOBAL, tree::Node::Table(dest_global));
    }

    /// `coalesceValues`: a fresh copy of the chart's defaults under `values`.
    ///
    /// Matches Helm v4.2: when coalescing (not merging), a user `null` deletes the
    /// default, and `null`s in the chart's defaults are dropped (also nested ones)
    /// before they are copied in.
    fn coalesce_values<'c, 'v>(
        &mut self,
        chart: &'c Chart,
        values: &tree::Table<'v>,
        prefix: &str,
        merge: bool,
        defaults: tree::Defaults<'c, 'v>,
    ) {
        let sub_prefix = concat_prefix(prefix, chart.name());
        for (key, default) in defaults(&chart.values) {
            match tree::get(values, &key) {
                Some(user) if user.is_nil() && !merge => tree::remove(values, &key),
                Some(tree::Node::Table(dest)) => match default {
                    tree::Node::Table(src) => {
                        let merge = merge || chart.dependencies.iter().any(|d| d.name() == &*key);
                        if !merge {
                            tree::clean_nil(&src);
                        }
                        self.coalesce_tables(&dest, &src, &concat_prefix(&sub_prefix, &key), merge);
                    }
                    tree::Node::Leaf(value) => {
                        if !value.is_null() {
                            self.warn(format!(
                                "warning: skipped value for {sub_prefix}.{key}: Not a table."
                            ));
                        }
                    }
                },
                Some(tree::Node::Leaf(_)) => {}
                None => {
                    if !merge {
                        match &default {
                            tree::Node::Leaf(value) if value.is_null() => continue,
                            tree::Node::Table(table) => tree::clean_nil(table),
                            tree::Node::Leaf(_) => {}
                        }
                    }
                    tree::insert(values, key, default);
                }
            }
        }
    }

    /// `coalesceTablesFullKey`: `src` under `dst`; `dst` wins. Like Go, it first
    /// marks in `src` every key that is `null` in `dst`.
    pub(crate) fn coalesce_tables<'v>(
        &mut self,
        dst: &tree::Table<'v>,
        src: &tree::Table<'v>,
        prefix: &str,
        merge: bool,
    ) {
        if std::rc::Rc::ptr_eq(dst, src) {
            // Go coalesces a shared table with itself to no effect.
            return;
        }
        // Keys `null` in `dst` that `src` had a value for (before the
        // marking below overwrote it): only these are deleted.
        let mut nulled: BTreeSet<tree::Key> = BTreeSet::new();
        let nils: Vec<tree::Key> = dst
            .borrow()
            .iter()
            .filter(|(_, value)| value.is_nil())
            .map(|(key, _)| std::rc::Rc::clone(key))
            .collect();
        for key in nils {
            if tree::get(src, &key).is_some_and(|v| !v.is_nil()) {
                nulled.insert(std::rc::Rc::clone(&key));
            }
            tree::insert(src, key, tree::Node::null());
        }
        for (key, value) in tree::entries(src) {
            match tree::get(dst, &key) {
                Some(existing) if !merge && existing.is_nil() && nulled.contains(&key) => {
                    tree::remove(dst, &key);
                }
                None => tree::insert(dst, key, value),
                Some(existing) => match (&value, &existing) {
                    (tree::Node::Table(from), tree::Node::Table(into)) => {
                        self.coalesce_tables(into, from, &concat_prefix(prefix, &key), merge);
                    }
                    (tree::Node::Table(_), _) => self.warn(format!(
                        "warning: cannot overwrite table with non table for {} ({})",
                        concat_prefix(prefix, &key),
                        tree::describe(&value)
                    )),
                    (tree::Node::Leaf(leaf), tree::Node::Table(_)) if !leaf.is_null() => {
                        self.warn(format!(
                            "warning: destination for {} is a table. Ignoring non-table value ({})",
                            concat_prefix(prefix, &key),
                            tree::describe(&value)
                        ));
                    }
                    _ => {}
                },
            }
        }
    }

    fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(message.into());
    }
}

/// Helm's `GlobalKey`.
const GLOBAL: &str = "global";

/// Values as Go holds them during coalescing: maps are shared by reference, so a
/// table reachable from two places changes in both. Lists and scalars are never
/// mutated by coalescing and are kept as plain JSON.
///
/// The trees built here are acyclic: tables are only ever inserted from a source
/// tree into a destination that the source cannot reach, so the recursive walks
/// terminate, with depth bounded by the input's own nesting.
pub(crate) mod tree {
    use std::cell::RefCell;
    use std::collections::BTreeMap;
    use std::rc::Rc;

    use serde_json::{Map, Value};

    /// A table's key: shared, so a snapshot of a table's entries (taken
    /// before every change to it) copies no text.
    pub(crate) type Key = Rc<str>;

    /// A Go `map[string]interface{}`: shared and mutable.
    pub(crate) type Table<'v> = Rc<RefCell<BTreeMap<Key, Node<'v>>>>;

    /// A Go `interface{}` holding a values entry.
    #[derive(Debug, Clone)]
    pub(crate) enum Node<'v> {
        /// A map.
        Table(Table<'v>),
        /// Anything else, `null` included.
        Leaf(Leaf<'v>),
    }

    /// A value that is not a map. Coalescing never changes one, so it is
    /// borrowed from the JSON it came from when that outlives the tree.
    #[derive(Debug, Clone)]
    pub(crate) enum Leaf<'v> {
        Borrowed(&'v Value),
        Owned(Rc<Value>),
    }

    impl std::ops::Deref for Leaf<'_> {
        type Target = Value;

        fn deref(&self) -> &Value {
            match self {
                Leaf::Borrowed(value) => value,
                Leaf::Owned(value) => value,
            }
        }
    }

    static NULL: Value = Value::Null;

    /// How a chart's defaults become nodes: [`nodes_from_json`] or [`nodes_copied`].
    pub(crate) type Defaults<'c, 'v> = fn(&'c Map<String, Value>) -> BTreeMap<Key, Node<'v>>;

    impl Node<'_> {
        pub(crate) fn null() -> Self {
            Node::Leaf(Leaf::Borrowed(&NULL))
        }

        /// Go's `value == nil`.
        pub(crate) fn is_nil(&self) -> bool {
            matches!(self, Node::Leaf(v) if v.is_null())
        }
    }

    pub(crate) fn new_table<'v>() -> Table<'v> {
        Rc::new(RefCell::new(BTreeMap::new()))
    }

    /// A fresh, unshared tree holding `map`, whose leaves it borrows.
    pub(crate) fn from_json(map: &Map<String, Value>) -> Table<'_> {
        Rc::new(RefCell::new(nodes_from_json(map)))
    }

    /// The entries of [`from_json`], not yet in a table.
    pub(crate) fn nodes_from_json(map: &Map<String, Value>) -> BTreeMap<Key, Node<'_>> {
        // Collected rather than inserted one by one: the keys come sorted,
        // so the map is built in one pass.
        map.iter()
            .map(|(key, value)| {
                let node = match value {
                    Value::Object(map) => Node::Table(from_json(map)),
                    other => Node::Leaf(Leaf::Borrowed(other)),
                };
                (Key::from(key.as_str()), node)
            })
            .collect()
    }

    /// [`from_json`] with the leaves copied, for a tree that must not borrow
    /// `map` (its chart changes while the tree lives).
    pub(crate) fn copied_from_json<'v>(map: &Map<String, Value>) -> Table<'v> {
        Rc::new(RefCell::new(nodes_copied(map)))
    }

    /// The entries of [`copied_from_json`], not yet in a table.
    pub(crate) fn nodes_copied<'v>(map: &Map<String, Value>) -> BTreeMap<Key, Node<'v>> {
        map.iter()
            .map(|(key, value)| {
                let node = match value {
                    Value::Object(map) => Node::Table(copied_from_json(map)),
                    other => Node::Leaf(Leaf::Owned(Rc::new(other.clone()))),
                };
                (Key::from(key.as_str()), node)
            })
            .collect()
    }

    /// The JSON a table holds now (shared tables are written out at each place).
    pub(crate) fn to_json(table: &Table<'_>) -> Map<String, Value> {
        table
            .borrow()
            .iter()
            .map(|(key, node)| (String::from(&**key), node_to_json(node)))
            .collect()
    }

    pub(crate) fn node_to_json(node: &Node<'_>) -> Value {
        match node {
            Node::Table(table) => Value::Object(to_json(table)),
            Node::Leaf(value) => (**value).clone(),
        }
    }

    /// `copystructure.Copy`: a deep copy that shares no table. Leaves are
    /// never mutated, so they are shared rather than copied.
    pub(crate) fn deep_copy<'a: 'v, 'v>(table: &Table<'a>) -> Table<'v> {
        let entries = table
            .borrow()
            .iter()
            .map(|(key, node)| {
                let node = match node {
                    Node::Table(inner) => Node::Table(deep_copy(inner)),
                    Node::Leaf(Leaf::Borrowed(value)) => Node::Leaf(Leaf::Borrowed(value)),
                    Node::Leaf(Leaf::Owned(value)) => Node::Leaf(Leaf::Owned(Rc::clone(value))),
                };
                (Rc::clone(key), node)
            })
            .collect();
        Rc::new(RefCell::new(entries))
    }

    /// Go's `copyMap`: a new table whose entries (nested tables included) are shared.
    pub(crate) fn shallow_copy<'v>(table: &Table<'v>) -> Table<'v> {
        Rc::new(RefCell::new(table.borrow().clone()))
    }

    pub(crate) fn get<'v>(table: &Table<'v>, key: &str) -> Option<Node<'v>> {
        table.borrow().get(key).cloned()
    }

    pub(crate) fn insert<'v>(table: &Table<'v>, key: impl Into<Key>, node: Node<'v>) {
        table.borrow_mut().insert(key.into(), node);
    }

    pub(crate) fn remove(table: &Table<'_>, key: &str) {
        table.borrow_mut().remove(key);
    }

    /// A snapshot of the entries, so the table can change while they are visited.
    pub(crate) fn entries<'v>(table: &Table<'v>) -> Vec<(Key, Node<'v>)> {
        table
            .borrow()
            .iter()
            .map(|(k, v)| (Rc::clone(k), v.clone()))
            .collect()
    }

    pub(crate) fn is_empty(table: &Table<'_>) -> bool {
        table.borrow().is_empty()
    }

    /// `cleanNilValues`: drops `null` entries, recursively through nested tables.
    pub(crate) fn clean_nil(table: &Table<'_>) {
        // Walked in place (tables never contain themselves): nearly every
        // table has no null to drop, so no snapshot of its entries.
        let mut nulls = Vec::new();
        for (key, node) in table.borrow().iter() {
            match node {
                Node::Leaf(value) if value.is_null() => nulls.push(key.clone()),
                Node::Table(inner) => clean_nil(inner),
                Node::Leaf(_) => {}
            }
        }
        if !nulls.is_empty() {
            let mut entries = table.borrow_mut();
            for key in nulls {
                entries.remove(&key);
            }
        }
    }

    /// `Values.Table`: the table at a dotted path, if every step is a table.
    pub(crate) fn table_at<'v>(table: &Table<'v>, path: &str) -> Option<Table<'v>> {
        let mut current = table.clone();
        for step in path.split('.') {
            match get(&current, step) {
                Some(Node::Table(next)) => current = next,
                _ => return None,
            }
        }
        Some(current)
    }

    /// A short rendering of a value for warnings.
    pub(crate) fn describe(node: &Node<'_>) -> String {
        let text = node_to_json(node).to_string();
        if text.chars().count() > 80 {
            let head: String = text.chars().take(77).collect();
            format!("{head}...")
        } else {
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn values(v: Value) -> Values {
        match v {
            Value::Object(map) => map,
            _ => panic!("test values must be an object"),
        }
    }

    fn chart(name: &str, defaults: Value, deps: Vec<Chart>) -> Chart {
        let mut chart = Chart::default();
        chart.metadata.name = name.to_string();
        chart.values = values(defaults);
        chart.dependencies = deps;
        chart
    }

    #[test]
    fn merge_maps_merges_maps_and_replaces_the_rest() {
        // Helm's MergeMaps: maps merge deeply; lists, scalars and null replace.
        let a = values(json!({"m": {"x": 1, "y": {"z": 1}}, "l": [1, 2], "s": "a", "n": 1}));
        let b = values(json!({"m": {"y": {"w": 2}}, "l": [3], "s": {"now": "map"}, "n": null}));
        assert_eq!(
            Value::Object(merge_maps(a, b)),
            json!({"m": {"x": 1, "y": {"z": 1, "w": 2}}, "l": [3], "s": {"now": "map"}, "n": null})
        );
    }

    #[test]
    fn option_order_is_files_json_set_string_file_literal() {
        // Helm applies the flags in a fixed order whatever the command line order.
        let opts = ValueOptions {
            value_files: vec!["v.yaml".into()],
            set_json: vec![r#"k="json""#.into(), r#"{"shared":"json"}"#.into()],
            set: vec!["k=set".into()],
            set_string: vec!["k=string".into()],
            set_file: vec!["k=f.txt".into()],
            set_literal: vec!["k=literal,not,split".into()],
        };
        let mut read = |p: &Path| -> io::Result<Vec<u8>> {
            match p.to_str() {
                Some("v.yaml") => Ok(b"k: file\nshared: file\nkeep: 1\n".to_vec()),
                Some("f.txt") => Ok(b"from-file".to_vec()),
                _ => Err(io::Error::new(io::ErrorKind::NotFound, "nope")),
            }
        };
        let all = opts.merge_values_with(&mut read).unwrap();
        assert_eq!(
            Value::Object(all),
            json!({"k": "literal,not,split", "shared": "json", "keep": 1})
        );
        let mut peel = opts.clone();
        peel.set_literal.clear();
        assert_eq!(peel.merge_values_with(&mut read).unwrap()["k"], "from-file");
        peel.set_file.clear();
        assert_eq!(peel.merge_values_with(&mut read).unwrap()["k"], "string");
        peel.set_string.clear();
        assert_eq!(peel.merge_values_with(&mut read).unwrap()["k"], "set");
        peel.set.clear();
        assert_eq!(peel.merge_values_with(&mut read).unwrap()["k"], "json");
    }

    #[test]
    fn value_files_merge_in_order_and_errors_name_the_file() {
        let opts = ValueOptions {
            value_files: vec!["a.yaml".into(), "b.yaml".into()],
            ..ValueOptions::default()
        };
        let mut read = |p: &Path| -> io::Result<Vec<u8>> {
            match p.to_str() {
                // (Not `y:` or `n:`: in YAML 1.1, as Helm reads it, those keys
                // are the booleans true and false.)
                Some("a.yaml") => Ok(b"m: {x: 1, z: 1}\nl: [1, 2]\nk: 5\n".to_vec()),
                Some("b.yaml") => Ok(b"m: {z: 2}\nl: [3]\nk: null\n".to_vec()),
                _ => Err(io::Error::new(io::ErrorKind::NotFound, "no such file")),
            }
        };
        // A null from a later file only overrides here; deletion waits for coalescing.
        assert_eq!(
            Value::Object(opts.merge_values_with(&mut read).unwrap()),
            json!({"m": {"x": 1, "z": 2}, "l": [3], "k": null})
        );
        let missing = ValueOptions {
            value_files: vec!["missing.yaml".into()],
            ..ValueOptions::default()
        };
        let err = missing.merge_values_with(&mut read).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot read values file `missing.yaml`: no such file"
        );
    }

    #[test]
    fn value_files_may_hold_several_documents() {
        // Helm v4 reads -f files with LoadValues: `---` documents merge in order.
        let opts = ValueOptions {
            value_files: vec!["multi.yaml".into()],
            ..ValueOptions::default()
        };
        let mut read = |_: &Path| -> io::Result<Vec<u8>> {
            Ok(b"a: {x: 1}\nb: 1\n---\na: {z: 2}\nb: 2\n".to_vec())
        };
        assert_eq!(
            Value::Object(opts.merge_values_with(&mut read).unwrap()),
            json!({"a": {"x": 1, "z": 2}, "b": 2})
        );
        let mut bad = |_: &Path| -> io::Result<Vec<u8>> { Ok(b"a: 1\n---\nb: [\n".to_vec()) };
        let err = opts.merge_values_with(&mut bad).unwrap_err();
        assert!(err.to_string().starts_with("`multi.yaml` line "), "{err}");
    }

    #[test]
    fn remote_and_malformed_sources_are_refused_without_io() {
        let err = read_source(Path::new("https://example.com/values.yaml")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Unsupported);
        let err = read_source(Path::new("my%zzfile.yaml")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("invalid URL escape"), "{err}");
        // Which names Go's url.Parse rejects (Helm fails on them before reading).
        let cases = [
            ("values.yaml", None),
            ("dir/values-100%25.yaml", None),
            (
                "my file:x.yaml",
                Some("first path segment in URL cannot contain colon"),
            ),
            (
                "1x:values.yaml",
                Some("first path segment in URL cannot contain colon"),
            ),
            ("./a:b.yaml", None),
            (":values.yaml", Some("missing protocol scheme")),
            ("c:\\values%zz.yaml", None),
            ("file:///tmp/v%zz.yaml", Some("invalid URL escape \"%zz\"")),
            ("v.yaml?x=%zz", None),
            ("v.yaml#%z", Some("invalid URL escape \"%z\"")),
            ("tab\there.yaml", Some("invalid control character in URL")),
        ];
        for (name, problem) in cases {
            assert_eq!(go_url_parse_problem(name).as_deref(), problem, "{name}");
        }
    }

    #[test]
    fn coalesce_user_null_deletes_default() {
        let c = chart(
            "top",
            json!({"a": 1, "keep": 2, "m": {"x": 1, "y": 2}}),
            vec![],
        );
        let user = values(json!({"a": null, "m": {"x": null}, "unknown": null}));
        let got = coalesce(&c, &user).unwrap();
        // A null for a key the defaults lack survives (Helm keeps it).
        assert_eq!(
            Value::Object(got),
            json!({"keep": 2, "m": {"y": 2}, "unknown": null})
        );
    }

    #[test]
    fn a_null_from_a_values_file_overrides_until_coalescing_deletes_the_default() {
        let opts = ValueOptions {
            value_files: vec!["a.yaml".into(), "b.yaml".into()],
            ..ValueOptions::default()
        };
        let mut read = |p: &Path| -> io::Result<Vec<u8>> {
            Ok(match p.to_str() {
                Some("a.yaml") => b"image: {tag: v1}\n".to_vec(),
                _ => b"image: {tag: null}\nresources: null\n".to_vec(),
            })
        };
        let user = opts.merge_values_with(&mut read).unwrap();
        assert_eq!(
            Value::Object(user.clone()),
            json!({"image": {"tag": null}, "resources": null}),
            "the later file's null replaces the earlier value and stays"
        );
        let c = chart(
            "app",
            json!({"image": {"repo": "nginx", "tag": "1.0"}, "resources": {"cpu": 1}}),
            vec![],
        );
        assert_eq!(
            Value::Object(coalesce(&c, &user).unwrap()),
            json!({"image": {"repo": "nginx"}}),
            "coalescing deletes the defaults the nulls override"
        );
    }

    #[test]
    fn coalesce_drops_chart_default_nulls() {
        // Helm v4.2 drops nulls from chart defaults at every level when coalescing.
        let c = chart(
            "top",
            json!({"n": null, "m": {"x": 1, "y": null, "d": {"z": null}}}),
            vec![],
        );
        let got = coalesce(&c, &Values::new()).unwrap();
        assert_eq!(Value::Object(got), json!({"m": {"x": 1, "d": {}}}));
        let got = coalesce(&c, &values(json!({"m": {"x": 2}}))).unwrap();
        assert_eq!(Value::Object(got), json!({"m": {"x": 2, "d": {}}}));
    }

    #[test]
    fn coalesce_type_mismatches_keep_the_user_value_and_warn() {
        let c = chart("top", json!({"t": {"x": 1}, "s": "scalar"}), vec![]);
        let got =
            coalesce_with_warnings(&c, &values(json!({"t": "flat", "s": {"now": "map"}}))).unwrap();
        assert_eq!(
            Value::Object(got.values),
            json!({"t": "flat", "s": {"now": "map"}})
        );
        assert_eq!(
            got.warnings,
            ["warning: skipped value for top.s: Not a table."],
            "a scalar user value over a default table is kept silently"
        );
    }

    #[test]
    fn coalesce_scopes_subcharts_by_name_and_parent_wins() {
        let sub = chart(
            "sub",
            json!({"a": "sub-default", "b": "sub-default"}),
            vec![],
        );
        let top = chart("top", json!({"sub": {"a": "parent-default"}}), vec![sub]);
        let got = coalesce(&top, &values(json!({"sub": {"b": "user"}}))).unwrap();
        assert_eq!(
            Value::Object(got),
            json!({"sub": {"a": "parent-default", "b": "user", "global": {}}, })
        );
    }

    #[test]
    fn coalesce_copies_globals_down_with_the_parent_winning() {
        let sub = chart(
            "sub",
            json!({"global": {"g": "sub", "only_sub": 1}}),
            vec![],
        );
        let top = chart("top", json!({"global": {"g": "top"}}), vec![sub]);
        let user = values(json!({"global": {"u": true}, "sub": {"global": {"g": "user-sub"}}}));
        let got = coalesce(&top, &user).unwrap();
        assert_eq!(got["global"], json!({"g": "top", "u": true}));
        assert_eq!(
            got["sub"]["global"],
            json!({"g": "top", "u": true, "only_sub": 1})
        );
    }

    #[test]
    fn nested_global_tables_are_shared_with_the_parent_as_in_go() {
        // Go shallow-copies global tables into subcharts, so a subchart default two
        // levels down inside `global` reaches the parent and its siblings.
        let s1 = chart(
            "s1",
            json!({"global": {"img": {"x": {"tag": "t1"}}}}),
            vec![],
        );
        let s2 = chart(
            "s2",
            json!({"global": {"img": {"x": {"other": "o2"}}}}),
            vec![],
        );
        let top = chart(
            "top",
            json!({"global": {"img": {"x": {"reg": "a"}}}}),
            vec![s1, s2],
        );
        let got = coalesce(&top, &Values::new()).unwrap();
        let expected = json!({"img": {"x": {"reg": "a", "tag": "t1", "other": "o2"}}});
        assert_eq!(got["global"], expected);
        assert_eq!(got["s1"]["global"], expected);
        assert_eq!(got["s2"]["global"], expected);
    }

    #[test]
    fn null_for_a_subchart_is_an_error_unless_the_parent_defaults_name_it() {
        let sub = chart("sub", json!({"a": 1}), vec![]);
        let top = chart("top", json!({}), vec![sub.clone()]);
        let err = coalesce(&top, &values(json!({"sub": null}))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "values for subchart `sub` of chart `top` must be a map, found null"
        );
        let err = coalesce(&top, &values(json!({"sub": "x"}))).unwrap_err();
        assert!(err.to_string().contains("found a string"), "{err}");
        // With a parent default for `sub`, the user null deletes it first.
        let top = chart("top", json!({"sub": {"a": 2}}), vec![sub]);
        let got = coalesce(&top, &values(json!({"sub": null}))).unwrap();
        assert_eq!(got["sub"], json!({"a": 1, "global": {}}));
    }

    #[test]
    fn user_null_inside_a_subchart_deletes_its_default() {
        let sub = chart("sub", json!({"a": 1, "b": {"c": 1}}), vec![]);
        let top = chart("top", json!({}), vec![sub]);
        let got = coalesce(&top, &values(json!({"sub": {"a": null, "b": {"c": null}}}))).unwrap();
        assert_eq!(got["sub"], json!({"b": {}, "global": {}}));
    }

    #[test]
    fn coalesce_tables_dst_wins_and_null_deletes() {
        let dst = values(json!({"a": 1, "n": null, "m": {"x": 1}}));
        let src = values(json!({"a": 2, "n": 3, "m": {"x": 2, "y": 2}, "extra": true}));
        assert_eq!(
            Value::Object(coalesce_tables(&dst, &src)),
            json!({"a": 1, "m": {"x": 1, "y": 2}, "extra": true})
        );
    }
}
