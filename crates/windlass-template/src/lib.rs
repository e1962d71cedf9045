//! Rendering a chart's templates the way Helm does: every file under
//! `templates/` of the chart and of its enabled subcharts, keyed by its full
//! path (`parent/charts/sub/templates/x.yaml`), as Helm's engine returns them.
//!
//! The pieces: Go's template language ([`lex`], [`parse`], [`exec`]) over Go's
//! value kinds ([`value`]), Go's `fmt` ([`gofmt`]), Sprig's and Helm's
//! functions ([`funcs`]), and Helm's pipeline (template order, scopes,
//! `<no value>`, error messages). Callers use [`render`] and [`RenderContext`].
//!
//! ```
//! use windlass_chart::{Chart, File};
//! use windlass_template::{render, RenderContext};
//!
//! let mut chart = Chart::default();
//! chart.metadata.name = "demo".into();
//! chart.templates.push(File::new(
//!     "templates/cm.yaml",
//!     "name: {{ .Release.Name }}-{{ .Chart.Name }}\n",
//! ));
//! let out = render(&chart, &Default::default(), &RenderContext::default()).unwrap();
//! assert_eq!(out["demo/templates/cm.yaml"], "name: release-name-demo\n");
//! ```

pub mod exec;
pub mod funcs;
pub mod gofmt;
mod helm_funcs;
pub mod lex;
mod objects;
pub mod parse;
mod render;
mod serial;
mod sprig;
pub mod value;

pub use objects::DEFAULT_API_VERSIONS;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use windlass_chart::{Chart, Values};

/// Answers `lookup apiVersion kind namespace name` from a cluster: the object
/// (or, for an empty name, the list) as JSON, `Ok(None)` when it does not
/// exist. Without one, `lookup` answers an empty map as `helm template` does.
#[derive(Clone)]
#[allow(clippy::type_complexity)]
pub struct Lookup(
    pub  Arc<
        dyn Fn(&str, &str, &str, &str) -> Result<Option<serde_json::Value>, String> + Send + Sync,
    >,
);

impl fmt::Debug for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Lookup")
    }
}

impl PartialEq for Lookup {
    fn eq(&self, other: &Lookup) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Lookup {}

/// What templates see besides values: `.Release` and `.Capabilities`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderContext {
    /// `.Release.Name`.
    pub release_name: String,
    /// `.Release.Namespace`.
    pub namespace: String,
    /// `.Release.Revision`.
    pub revision: u32,
    /// `.Release.IsInstall`.
    pub is_install: bool,
    /// `.Release.IsUpgrade`.
    pub is_upgrade: bool,
    /// `.Capabilities.KubeVersion` (`v1.34.0`).
    pub kube_version: String,
    /// `.Capabilities.APIVersions`; empty means Helm's default set
    /// ([`DEFAULT_API_VERSIONS`]).
    pub api_versions: Vec<String>,
    /// Where `lookup` looks (the cluster target's cluster).
    pub lookup: Option<Lookup>,
}

impl Default for RenderContext {
    /// Helm's defaults for `helm template`: release `release-name` in `default`.
    fn default() -> Self {
        RenderContext {
            release_name: "release-name".into(),
            namespace: "default".into(),
            revision: 1,
            is_install: true,
            is_upgrade: false,
            kube_version: String::new(),
            api_versions: Vec::new(),
            lookup: None,
        }
    }
}

/// Why a chart could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// A template failed to parse or run; the message is Helm's (it names the
    /// template, line and column).
    #[error("{message}")]
    Template {
        /// Helm's message.
        message: String,
    },
    /// A template is not UTF-8 text.
    #[error("`{path}`: template is not valid UTF-8 (at byte {offset})")]
    InvalidUtf8 {
        /// The template's full path.
        path: String,
        /// Where the invalid sequence starts.
        offset: usize,
    },
}

/// Renders every template of `chart` and its subcharts (already filtered to
/// the enabled ones), keyed by full path, as Helm's engine does. Partials
/// (`_helpers.tpl`) are left out; `NOTES.txt` files are included and the
/// caller decides what to emit.
///
/// `values` are the coalesced values the templates will see.
///
/// # Errors
/// A template that fails to parse or run (Helm's message), or that is not
/// UTF-8.
pub fn render(
    chart: &Chart,
    values: &Values,
    context: &RenderContext,
) -> Result<BTreeMap<String, String>, RenderError> {
    render::render(chart, values, context)
}

#[cfg(test)]
mod tests {
    use super::*;
    use windlass_chart::File;

    fn chart(name: &str, templates: &[(&str, &str)]) -> Chart {
        let mut c = Chart::default();
        c.metadata.name = name.into();
        c.templates = templates.iter().map(|(n, d)| File::new(*n, *d)).collect();
        c
    }

    #[test]
    fn plain_templates_pass_through_with_full_paths() {
        let mut parent = chart("app", &[("templates/a.yaml", "a: 1\n")]);
        parent
            .dependencies
            .push(chart("db", &[("templates/b.yaml", "b: 2\n")]));
        let out = render(&parent, &Values::new(), &RenderContext::default()).unwrap();
        assert_eq!(
            out.keys().collect::<Vec<_>>(),
            ["app/charts/db/templates/b.yaml", "app/templates/a.yaml"]
        );
    }

    #[test]
    fn errors_name_the_template_line_and_column() {
        let c = chart(
            "app",
            &[("templates/d.yaml", "a\n  {{ .Values.missing.key }}\n")],
        );
        let err = render(&c, &Values::new(), &RenderContext::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "app/templates/d.yaml:2:12\n  executing \"app/templates/d.yaml\" at <.Values.missing.key>:\n    nil pointer evaluating interface {}.key"
        );
    }

    /// Over 64 KB of templates are parsed on two threads; the error reported
    /// is still the first in Helm's order (reverse byte order here), and a
    /// definition in a later file still overrides an earlier one.
    #[test]
    fn parallel_parsing_keeps_helms_order() {
        let filler = format!("{{{{/* {} */}}}}", "x".repeat(40 * 1024));
        let ok = chart(
            "app",
            &[
                (
                    "templates/a.yaml",
                    &format!("{filler}{{{{ define \"n\" }}}}a{{{{ end }}}}"),
                ),
                ("templates/b.yaml", "{{ include \"n\" . }}"),
                (
                    "templates/z.yaml",
                    &format!("{filler}{{{{ define \"n\" }}}}z{{{{ end }}}}"),
                ),
            ],
        );
        let out = render(&ok, &Values::new(), &RenderContext::default()).unwrap();
        // z.yaml is parsed first, a.yaml last: a's definition wins, as in Helm.
        assert_eq!(out["app/templates/b.yaml"], "a");

        let broken = chart(
            "app",
            &[
                ("templates/a.yaml", &format!("{filler}{{{{ end }}}}")),
                ("templates/z.yaml", &format!("{filler}{{{{ if }}}}")),
            ],
        );
        let err = render(&broken, &Values::new(), &RenderContext::default()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("parse error at (app/templates/z.yaml:1)"),
            "{err}"
        );
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let mut c = chart("app", &[]);
        c.templates
            .push(File::new("templates/x.yaml", vec![b'a', 0xff]));
        let err = render(&c, &Values::new(), &RenderContext::default()).unwrap_err();
        assert!(matches!(err, RenderError::InvalidUtf8 { offset: 1, .. }));
    }
}
