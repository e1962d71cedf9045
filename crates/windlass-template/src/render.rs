//! Helm's render pipeline (`pkg/engine/engine.go`): one template set over the
//! chart and its enabled subcharts, parsed and run in Helm's order, each
//! template given its chart's scope (`.Values`, `.Chart`, `.Files`,
//! `.Subcharts`, `.Template`), `<no value>` removed from the output, and
//! errors in Helm's words.

use std::collections::BTreeMap;
use std::rc::Rc;

use windlass_chart::{Chart, Values};

use crate::exec::{self, Env, GoError, TemplateSet};
use crate::objects::{Capabilities, Files};
use crate::parse::{self, ParseError, Tree};
use crate::value::{Map, Value};
use crate::{RenderContext, RenderError};

/// Stack for a render: `include` may nest 1000 deep (Helm's cap) and
/// `template` 100000 (Go's), each level several frames.
const RENDER_STACK: usize = 1 << 30;

/// One template to parse (and, unless a partial, run).
struct Renderable {
    /// Full path: `parent/charts/sub/templates/x.yaml`.
    path: String,
    text: String,
    /// The chart's scope (`.`), without `.Template`.
    scope: Map,
    /// `parent/charts/sub/templates`.
    base_path: String,
}

/// Renders on a thread with a stack deep enough for Helm's nesting limits.
pub(crate) fn render(
    chart: &Chart,
    values: &Values,
    context: &RenderContext,
) -> Result<BTreeMap<String, String>, RenderError> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("windlass-render".into())
            .stack_size(RENDER_STACK)
            .spawn_scoped(scope, || render_here(chart, values, context))
            .map_err(|e| RenderError::Template {
                message: format!("cannot start the renderer: {e}"),
            })?
            .join()
            .unwrap_or_else(|_| {
                Err(RenderError::Template {
                    message: "the renderer failed unexpectedly".into(),
                })
            })
    })
}

/// Drops the template set of a large chart (`text_len` bytes of templates)
/// on a thread of its own: freeing every node of a chart with a big library
/// (tens of thousands) takes a tenth of the render, which the caller need
/// not wait for. A small set is dropped here.
fn drop_aside(set: TemplateSet, text_len: usize) {
    if text_len < PARALLEL_PARSE_BYTES {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("windlass-drop".into())
        .spawn(move || drop(set));
    // Dropping the handle detaches the thread; if none could be started,
    // `spawn` has dropped the set already.
    drop(spawned);
}

fn render_here(
    chart: &Chart,
    values: &Values,
    context: &RenderContext,
) -> Result<BTreeMap<String, String>, RenderError> {
    let top = Map::new();
    top.insert("Values", Value::Map(to_value_map(values).as_values()));
    top.insert("Release", release(context));
    top.insert(
        "Capabilities",
        Value::Object(Rc::new(Capabilities::new(
            &context.kube_version,
            &context.api_versions,
        ))),
    );
    let mut templates = Vec::new();
    collect(chart, chart.name(), true, &top, &mut templates)?;

    // Helm's order: deepest path first, then reverse byte order.
    templates.sort_by(|a, b| {
        let depth = |p: &str| p.matches('/').count();
        depth(&b.path)
            .cmp(&depth(&a.path))
            .then_with(|| b.path.cmp(&a.path))
    });

    let mut set = TemplateSet::new();
    let sources: Vec<(&str, &str)> = templates
        .iter()
        .map(|t| (t.path.as_str(), t.text.as_str()))
        .collect();
    // In Helm's order, so the first error reported is Helm's.
    for trees in parse_all(&sources) {
        set.add(trees.map_err(|e| RenderError::Template {
            message: e.helm_message(),
        })?);
    }

    let mut env = Env::default();
    if let Some(lookup) = &context.lookup {
        let lookup = lookup.clone();
        env.lookup = Some(Box::new(move |api, kind, namespace, name| {
            Ok(match (lookup.0)(api, kind, namespace, name)? {
                Some(found) => from_unstructured(&found),
                None => Value::Map(Map::new()),
            })
        }));
    }
    let mut out = BTreeMap::new();
    for t in &templates {
        let base = t.path.rsplit('/').next().unwrap_or(&t.path);
        if base.starts_with('_') {
            continue;
        }
        let data = t.scope.as_values();
        data.insert(
            "Template",
            Value::Map(Map::values(BTreeMap::from([
                ("Name".to_string(), Value::str(&t.path)),
                ("BasePath".to_string(), Value::str(&t.base_path)),
            ]))),
        );
        let text = exec::execute(&set, &env, &t.path, Value::Map(data)).map_err(|e| {
            RenderError::Template {
                message: helm_exec_message(&e, &t.path),
            }
        })?;
        out.insert(t.path.clone(), text.replace("<no value>", ""));
    }
    drop_aside(set, sources.iter().map(|(_, text)| text.len()).sum());
    Ok(out)
}

/// Below this much template text, a second parsing thread costs more than
/// it saves.
const PARALLEL_PARSE_BYTES: usize = 64 * 1024;

/// Parses every `(name, text)`, the results in the same order: on this thread
/// and one more, each taking half of the text, when there is enough of it.
/// Parsing is about half of a render of a large chart, and the trees of one
/// file do not depend on another's.
fn parse_all(sources: &[(&str, &str)]) -> Vec<Result<BTreeMap<String, Tree>, ParseError>> {
    let parse = |(name, text): &(&str, &str)| parse::parse(name, text);
    let total: usize = sources.iter().map(|(_, text)| text.len()).sum();
    if total < PARALLEL_PARSE_BYTES {
        return sources.iter().map(parse).collect();
    }
    let mut seen = 0;
    let half = sources
        .iter()
        .position(|(_, text)| {
            seen += text.len();
            seen * 2 >= total
        })
        .map_or(sources.len(), |i| i + 1);
    let (first, second) = sources.split_at(half);
    std::thread::scope(|scope| {
        let other = std::thread::Builder::new()
            .name("windlass-parse".into())
            .stack_size(RENDER_STACK)
            .spawn_scoped(scope, || second.iter().map(parse).collect::<Vec<_>>());
        let mut parsed: Vec<_> = first.iter().map(parse).collect();
        match other {
            Ok(handle) => match handle.join() {
                Ok(rest) => parsed.extend(rest),
                // The render thread reports a panic as a failed render.
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(_) => parsed.extend(second.iter().map(parse)),
        }
        parsed
    })
}

/// Adds `chart`'s templates (and its subcharts') with their scope, and
/// returns the scope (what the parent's `.Subcharts.<name>` holds).
fn collect(
    chart: &Chart,
    full_path: &str,
    is_root: bool,
    parent: &Map,
    out: &mut Vec<Renderable>,
) -> Result<Map, RenderError> {
    let scope = Map::new();
    for key in ["Release", "Capabilities"] {
        scope.insert(key, parent.get(key).unwrap_or(Value::Nil));
    }
    scope.insert("Chart", chart_object(chart, is_root));
    scope.insert(
        "Files",
        Value::Object(Rc::new(Files::new(
            chart.files.iter().map(|f| (f.name.clone(), f.data.clone())),
        ))),
    );
    // A subchart sees its parent's `.Values.<name>` table (the same map), or
    // an empty one.
    let values = if is_root {
        parent.get("Values")
    } else {
        match parent.get("Values") {
            Some(Value::Map(parent_values)) => match parent_values.get(chart.name()) {
                Some(Value::Map(own)) => Some(Value::Map(own.as_values())),
                _ => None,
            },
            _ => None,
        }
    };
    scope.insert(
        "Values",
        values.unwrap_or_else(|| Value::Map(Map::values(BTreeMap::new()))),
    );
    let subcharts = Map::new();
    scope.insert("Subcharts", Value::Map(subcharts.clone()));
    for dep in &chart.dependencies {
        let sub_path = format!("{full_path}/charts/{}", dep.name());
        let sub_scope = collect(dep, &sub_path, false, &scope, out)?;
        subcharts.insert(dep.name(), Value::Map(sub_scope));
    }

    for template in &chart.templates {
        let base = template.name.rsplit('/').next().unwrap_or(&template.name);
        if chart.is_library() && !base.starts_with('_') {
            continue;
        }
        let path = format!("{full_path}/{}", template.name);
        let text =
            String::from_utf8(template.data.clone()).map_err(|e| RenderError::InvalidUtf8 {
                path: path.clone(),
                offset: e.utf8_error().valid_up_to(),
            })?;
        out.push(Renderable {
            path,
            text,
            scope: scope.clone(),
            base_path: format!("{full_path}/templates"),
        });
    }
    Ok(scope)
}

/// Values as templates see them: JSON decoded into `interface{}`, every
/// number a float64.
fn to_value_map(values: &Values) -> Map {
    Map::from(
        values
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v)))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// A cluster object as Kubernetes' unstructured decoding gives it: integers
/// int64, other numbers float64.
fn from_unstructured(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int64(i),
            None => Value::Float(n.as_f64().unwrap_or_default()),
        },
        serde_json::Value::Array(items) => {
            Value::list(items.iter().map(from_unstructured).collect())
        }
        serde_json::Value::Object(map) => Value::map(
            map.iter()
                .map(|(k, v)| (k.clone(), from_unstructured(v)))
                .collect(),
        ),
        other => Value::from(other),
    }
}

/// `.Release`: a plain map.
fn release(context: &RenderContext) -> Value {
    Value::map(BTreeMap::from([
        ("Name".to_string(), Value::str(&context.release_name)),
        ("Namespace".to_string(), Value::str(&context.namespace)),
        (
            "Revision".to_string(),
            Value::Int(i64::from(context.revision)),
        ),
        ("IsInstall".to_string(), Value::Bool(context.is_install)),
        ("IsUpgrade".to_string(), Value::Bool(context.is_upgrade)),
        ("Service".to_string(), Value::str("Helm")),
    ]))
}

/// `.Chart`: in Helm 4 a map of `Chart.yaml`'s fields under their Go names,
/// plus `IsRoot`.
fn chart_object(chart: &Chart, is_root: bool) -> Value {
    let m = &chart.metadata;
    let strings = |items: &[String]| Value::list(items.iter().map(Value::str).collect());
    let maintainers = m
        .maintainers
        .iter()
        .map(|x| {
            Value::map(BTreeMap::from([
                ("Name".to_string(), Value::str(&x.name)),
                ("Email".to_string(), Value::str(&x.email)),
                ("URL".to_string(), Value::str(&x.url)),
            ]))
        })
        .collect();
    let dependencies = m
        .dependencies
        .iter()
        .map(|d| {
            Value::map(BTreeMap::from([
                ("Name".to_string(), Value::str(&d.name)),
                ("Version".to_string(), Value::str(&d.version)),
                ("Repository".to_string(), Value::str(&d.repository)),
                ("Condition".to_string(), Value::str(&d.condition)),
                ("Tags".to_string(), strings(&d.tags)),
                ("Enabled".to_string(), Value::Bool(d.enabled)),
                ("Alias".to_string(), Value::str(&d.alias)),
            ]))
        })
        .collect();
    let annotations = m
        .annotations
        .iter()
        .map(|(k, v)| (k.clone(), Value::str(v)))
        .collect();
    Value::map(BTreeMap::from([
        ("APIVersion".to_string(), Value::str(&m.api_version)),
        ("Annotations".to_string(), Value::map(annotations)),
        ("AppVersion".to_string(), Value::str(&m.app_version)),
        ("Condition".to_string(), Value::str(&m.condition)),
        ("Dependencies".to_string(), Value::list(dependencies)),
        ("Deprecated".to_string(), Value::Bool(m.deprecated)),
        ("Description".to_string(), Value::str(&m.description)),
        ("Home".to_string(), Value::str(&m.home)),
        ("Icon".to_string(), Value::str(&m.icon)),
        ("IsRoot".to_string(), Value::Bool(is_root)),
        ("Keywords".to_string(), strings(&m.keywords)),
        ("KubeVersion".to_string(), Value::str(&m.kube_version)),
        ("Maintainers".to_string(), Value::list(maintainers)),
        ("Name".to_string(), Value::str(&m.name)),
        ("Sources".to_string(), strings(&m.sources)),
        ("Tags".to_string(), Value::str(&m.tags)),
        ("Type".to_string(), Value::str(&m.chart_type)),
        ("Version".to_string(), Value::str(&m.version)),
    ]))
}

/// Where `required` and `fail` put their message, so Helm can show it alone.
pub(crate) const WARN_START: &str = "HELM_ERR_START";
pub(crate) const WARN_END: &str = "HELM_ERR_END";

/// An execution error as Helm 4 shows it: `required`/`fail` messages as
/// `execution error at (FILE:L:C): MESSAGE`; a chain of template errors
/// (through `include`) as one `FILE:L:C / executing "NAME" at <NODE>: /
/// MESSAGE` block per level; anything else as Go's text.
pub fn helm_exec_message(error: &GoError, filename: &str) -> String {
    let text = &error.text;
    let tokens: Vec<&str> = text.splitn(3, ": ").collect();
    let [_, location, rest] = tokens.as_slice() else {
        return format!("execution error in ({filename}): {text}");
    };
    // Helm's `HELM_ERR_START((?s).*)HELM_ERR_END`: first start to last end,
    // across lines.
    if let Some(start) = rest.find(WARN_START)
        && let Some(end) = rest.rfind(WARN_END)
        && start + WARN_START.len() <= end
    {
        let message = &rest[start + WARN_START.len()..end];
        return format!("execution error at ({location}): {message}");
    }

    let mut levels: Vec<&str> = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        if levels.last() != Some(&e.text.as_str()) {
            levels.push(&e.text);
        }
        current = e.wrapped.as_deref();
    }
    let mut parsed = Vec::new();
    for level in &levels {
        match parse_level(level) {
            Some(p) => parsed.push(p),
            None => return text.clone(),
        }
    }
    let mut blocks = Vec::new();
    for (i, level) in parsed.iter().enumerate() {
        let mut message = level.message;
        if let Some(next) = levels.get(i + 1) {
            message = message.strip_suffix(next).unwrap_or(message);
        }
        let message = message.trim_end();
        blocks.push(match level.head {
            Some((location, executing)) => format!("{location}\n  {executing}\n    {message}"),
            None => message.to_string(),
        });
    }
    blocks.join("\n").trim().to_string()
}

/// One level of a template error: `(location, "executing ... at <...>:")`
/// and the message.
struct Level<'a> {
    head: Option<(&'a str, &'a str)>,
    message: &'a str,
}

fn parse_level(text: &str) -> Option<Level<'_>> {
    let rest = text.strip_prefix("template: ")?;
    if rest.starts_with("no template ") {
        return Some(Level {
            head: None,
            message: text,
        });
    }
    let (location, rest) = rest.split_once(": ")?;
    if !rest.starts_with("executing \"") {
        return None;
    }
    let context_end = rest.find(">: ")?;
    Some(Level {
        head: Some((location, &rest[..context_end + 2])),
        message: &rest[context_end + 3..],
    })
}
