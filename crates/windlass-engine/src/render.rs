//! From a chart and user values to what a revision holds: Helm's
//! `renderResources` (dependencies, values, schema, `kubeVersion`, templates,
//! `NOTES.txt`, and resources split from hooks in Helm's order).

use std::collections::BTreeMap;
use std::sync::Arc;

use windlass_chart::manifest::{self, KindOrder};
use windlass_chart::{Chart, Hook, Manifest, Values, constraint, dependencies, schema, values};
use windlass_template::RenderContext;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::event::Event;

/// The content of a new revision.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The chart after dependency processing (disabled subcharts removed).
    pub chart: Chart,
    /// The values templates saw (chart defaults coalesced with user values).
    pub values: Values,
    /// Hooks, in kind order.
    pub hooks: Vec<Hook>,
    /// Resources, in install order.
    pub manifests: Vec<Manifest>,
    /// The root chart's rendered `NOTES.txt`.
    pub notes: String,
}

/// What `.Release` says while rendering.
#[derive(Debug, Clone)]
pub struct ReleaseOptions<'a> {
    /// Release name.
    pub name: &'a str,
    /// Release namespace.
    pub namespace: &'a str,
    /// The revision being rendered.
    pub revision: u32,
    /// `.Release.IsUpgrade` (and not `IsInstall`).
    pub is_upgrade: bool,
}

/// Helm's `chartutil.CheckDependencies`: every dependency in `Chart.yaml` must
/// be present in `charts/` (enabled or not).
///
/// # Errors
/// [`Error::MissingDependencies`].
pub fn check_dependencies(chart: &Chart) -> Result<()> {
    let missing: Vec<String> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|d| !chart.dependencies.iter().any(|sub| sub.name() == d.name))
        .map(|d| d.name.clone())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::MissingDependencies {
            chart: chart.name().to_string(),
            missing,
        })
    }
}

impl Engine {
    /// Renders `chart` with user values `config` for a revision.
    pub(crate) fn render(
        &self,
        mut chart: Chart,
        config: &Values,
        release: &ReleaseOptions<'_>,
    ) -> Result<Rendered> {
        let mut warnings = dependencies::process_dependencies_with_warnings(&mut chart, config)?;
        let coalesced = values::coalesce_with_warnings(&chart, config)?;
        warnings.extend(coalesced.warnings);
        for message in warnings {
            self.emit(Event::Warning { message });
        }
        let values = coalesced.values;
        schema::validate(&chart, &values)?;

        // Helm checks `kubeVersion` against the version's numeric form
        // (`v1.27.3-gke.100` counts as `v1.27.3`).
        let kube_version = constraint::normalize_kube_version(self.target.kube_version())
            .unwrap_or_else(|_| self.target.kube_version().to_string());
        let constraint_text = chart.metadata.kube_version.trim();
        if !constraint_text.is_empty() {
            let ok =
                constraint::is_compatible_range(constraint_text, &kube_version).map_err(|e| {
                    Error::InvalidKubeVersion {
                        chart: chart.name().to_string(),
                        constraint: constraint_text.to_string(),
                        message: e.to_string(),
                    }
                })?;
            if !ok {
                return Err(Error::KubeVersion {
                    chart: chart.name().to_string(),
                    constraint: constraint_text.to_string(),
                    version: kube_version,
                });
            }
        }

        let context = RenderContext {
            release_name: release.name.to_string(),
            namespace: release.namespace.to_string(),
            revision: release.revision,
            is_install: !release.is_upgrade,
            is_upgrade: release.is_upgrade,
            kube_version,
            api_versions: self.target.api_versions(),
            lookup: self.template_lookups.clone().map(cluster_lookup),
        };
        let mut files = if context.lookup.is_some() {
            // The renderer's thread blocks on the cluster's answers while this
            // worker waits for it; another worker drives the connection.
            tokio::task::block_in_place(|| windlass_template::render(&chart, &values, &context))?
        } else {
            windlass_template::render(&chart, &values, &context)?
        };
        let notes = take_notes(&mut files, chart.name());
        let mut sorted = manifest::sort_manifests(&files, KindOrder::Install)?;
        for warning in &sorted.warnings {
            self.emit(Event::Warning {
                message: warning.to_string(),
            });
        }
        // Runners check their hooks and pin what they need before anything is
        // stored; files they keep elsewhere (module bytes) stay out of the record.
        let mut kept_elsewhere = Vec::new();
        for hook in &mut sorted.hooks {
            let Ok(runner) = self.runner_for(hook) else {
                continue;
            };
            let files = runner
                .prepare(hook, &chart)
                .map_err(|message| Error::InvalidHook {
                    path: hook.path.clone(),
                    kind: hook.kind.clone(),
                    name: hook.name.clone(),
                    message,
                })?;
            kept_elsewhere.extend(files);
        }
        chart.files.retain(|f| !kept_elsewhere.contains(&f.name));
        Ok(Rendered {
            chart,
            values,
            hooks: sorted.hooks,
            manifests: sorted.manifests,
            notes,
        })
    }
}

/// Helm's `lookup` through `reader`: one object by name, or the list of a
/// kind (`name` empty), in `namespace` or, empty, across namespaces.
fn cluster_lookup(reader: Arc<dyn windlass_wasm::ClusterReader>) -> windlass_template::Lookup {
    let handle = tokio::runtime::Handle::current();
    windlass_template::Lookup(Arc::new(move |api_version, kind, namespace, name| {
        let namespace = (!namespace.is_empty()).then_some(namespace);
        handle.block_on(async {
            if !name.is_empty() {
                return reader.get(api_version, kind, namespace, name).await;
            }
            let namespaces = namespace.map(|n| vec![n.to_string()]);
            let items = reader
                .list(
                    api_version,
                    kind,
                    namespaces.as_deref(),
                    &windlass_wasm::LabelSelector::default(),
                )
                .await?;
            Ok(Some(serde_json::json!({
                "apiVersion": api_version,
                "kind": format!("{kind}List"),
                "metadata": {},
                "items": items,
            })))
        })
    }))
}

/// Removes every `NOTES.txt` from the rendered files (they are not resources)
/// and returns the root chart's, as Helm does without `--render-subchart-notes`.
fn take_notes(files: &mut BTreeMap<String, String>, chart_name: &str) -> String {
    let root_notes = format!("{chart_name}/templates/NOTES.txt");
    let mut notes = String::new();
    files.retain(|path, text| {
        if !path.ends_with("NOTES.txt") {
            return true;
        }
        if *path == root_notes {
            notes = text.clone();
        }
        false
    });
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use windlass_chart::Dependency;

    #[test]
    fn notes_of_the_root_chart_only_and_never_as_resources() {
        let mut files = BTreeMap::from([
            (
                "app/templates/NOTES.txt".to_string(),
                "root notes".to_string(),
            ),
            (
                "app/charts/db/templates/NOTES.txt".to_string(),
                "sub notes".to_string(),
            ),
            (
                "app/templates/cm.yaml".to_string(),
                "kind: ConfigMap".to_string(),
            ),
        ]);
        assert_eq!(take_notes(&mut files, "app"), "root notes");
        assert_eq!(files.keys().collect::<Vec<_>>(), ["app/templates/cm.yaml"]);
    }

    #[test]
    fn missing_dependencies_are_named() {
        let mut chart = Chart::default();
        chart.metadata.name = "app".into();
        chart.metadata.dependencies = vec![
            Dependency {
                name: "db".into(),
                ..Dependency::default()
            },
            Dependency {
                name: "cache".into(),
                ..Dependency::default()
            },
        ];
        let mut db = Chart::default();
        db.metadata.name = "db".into();
        chart.dependencies.push(db);
        let err = check_dependencies(&chart).unwrap_err();
        assert!(
            matches!(err, Error::MissingDependencies { ref missing, .. } if missing == &["cache"])
        );
    }
}
