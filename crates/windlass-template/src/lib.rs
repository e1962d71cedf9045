//! Rendering a chart's templates the way Helm does: every file under
//! `templates/` of the chart and of its enabled subcharts, keyed by its full
//! path (`parent/charts/sub/templates/x.yaml`), as Helm's engine returns them.
//!
//! The Go template language (with Sprig and Helm's functions) is not implemented
//! yet. Until it is, a template without `{{` passes through unchanged, and one
//! that contains `{{` stops rendering with an error naming the file. Callers
//! depend only on [`render`] and [`RenderContext`], which stay as they are.
//!
//! ```
//! use windlass_chart::{Chart, File};
//! use windlass_template::{render, RenderContext};
//!
//! let mut chart = Chart::default();
//! chart.metadata.name = "demo".into();
//! chart.templates.push(File::new("templates/cm.yaml", "kind: ConfigMap\n"));
//! let out = render(&chart, &Default::default(), &RenderContext::default()).unwrap();
//! assert_eq!(out["demo/templates/cm.yaml"], "kind: ConfigMap\n");
//! ```

pub mod funcs;
pub mod gofmt;
mod helm_funcs;
pub mod lex;
pub mod parse;
mod serial;
mod sprig;
pub mod value;

use std::collections::BTreeMap;

use windlass_chart::{Chart, Values};

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
    /// `.Capabilities.APIVersions`.
    pub api_versions: Vec<String>,
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
        }
    }
}

/// Why a chart could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// A template uses template actions, which this build cannot evaluate yet.
    #[error(
        "`{path}`: template actions (`{{{{ ... }}}}`) are not supported yet; only plain YAML templates can be rendered"
    )]
    TemplateActions {
        /// The template's full path.
        path: String,
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
/// the enabled ones), keyed by full path. Partials (`_helpers.tpl`) and
/// `NOTES.txt` are included, as Helm's engine returns them; the caller decides
/// what to emit.
///
/// `values` are the coalesced values the templates will see.
///
/// # Errors
/// A template that needs the template engine, or that is not UTF-8.
pub fn render(
    chart: &Chart,
    _values: &Values,
    _context: &RenderContext,
) -> Result<BTreeMap<String, String>, RenderError> {
    let mut out = BTreeMap::new();
    render_chart(chart, chart.name(), &mut out)?;
    Ok(out)
}

fn render_chart(
    chart: &Chart,
    full_path: &str,
    out: &mut BTreeMap<String, String>,
) -> Result<(), RenderError> {
    for template in &chart.templates {
        let path = format!("{full_path}/{}", template.name);
        let text = std::str::from_utf8(&template.data).map_err(|e| RenderError::InvalidUtf8 {
            path: path.clone(),
            offset: e.valid_up_to(),
        })?;
        if text.contains("{{") {
            return Err(RenderError::TemplateActions { path });
        }
        out.insert(path, text.to_string());
    }
    for dep in &chart.dependencies {
        render_chart(dep, &format!("{full_path}/charts/{}", dep.name()), out)?;
    }
    Ok(())
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
    fn template_actions_stop_with_the_file_named() {
        let c = chart(
            "app",
            &[("templates/d.yaml", "name: {{ .Release.Name }}\n")],
        );
        let err = render(&c, &Values::new(), &RenderContext::default()).unwrap_err();
        assert_eq!(
            err,
            RenderError::TemplateActions {
                path: "app/templates/d.yaml".into()
            }
        );
        assert!(
            err.to_string()
                .starts_with("`app/templates/d.yaml`: template actions (`{{ ... }}`)")
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
