//! `plan`: which hooks an action will run, in which order, and which resources
//! it will apply or delete — computed by the same preparation the action runs,
//! without writing anything.

use serde::Serialize;
use serde::ser::SerializeMap;
use windlass_chart::{Chart, HookEvent, Values, hook, manifest};
use windlass_release::Release;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::event::{Event, ResourceRef};
use crate::install::{InstallOptions, check_installable, resource_refs};
use crate::rollback::RollbackOptions;
use crate::upgrade::{UpgradeOptions, UpgradePlan};

/// The action to plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanAction {
    /// `install`.
    Install,
    /// `upgrade` (with `--install` semantics when the release does not exist).
    Upgrade,
    /// `rollback` to `PlanRequest::revision` (0 = previous).
    Rollback,
    /// `uninstall`.
    Uninstall,
    /// `test`.
    Test,
}

impl PlanAction {
    /// The hook events the action runs, in order.
    pub fn events(self) -> &'static [HookEvent] {
        match self {
            PlanAction::Install => &[HookEvent::PreInstall, HookEvent::PostInstall],
            PlanAction::Upgrade => &[HookEvent::PreUpgrade, HookEvent::PostUpgrade],
            PlanAction::Rollback => &[HookEvent::PreRollback, HookEvent::PostRollback],
            PlanAction::Uninstall => &[HookEvent::PreDelete, HookEvent::PostDelete],
            PlanAction::Test => &[HookEvent::Test],
        }
    }

    fn uses_chart(self) -> bool {
        matches!(self, PlanAction::Install | PlanAction::Upgrade)
    }
}

/// A hook in a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedHook {
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Weight.
    pub weight: i64,
    /// The delete policies that will apply (Helm's default included).
    pub delete_policies: Vec<String>,
    /// `kubernetes` or `wasm`.
    pub runtime: &'static str,
}

/// What an action will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Hooks per event, events in the order the action runs them, hooks in
    /// execution order.
    pub hooks: Vec<(HookEvent, Vec<PlannedHook>)>,
    /// Resources in the order they are applied (or, for uninstall, deleted).
    pub resources: Vec<ResourceRef>,
}

impl Serialize for Plan {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        struct Hooks<'a>(&'a [(HookEvent, Vec<PlannedHook>)]);
        impl Serialize for Hooks<'_> {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(self.0.len()))?;
                for (event, hooks) in self.0 {
                    map.serialize_entry(event.as_str(), hooks)?;
                }
                map.end()
            }
        }
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("hooks", &Hooks(&self.hooks))?;
        map.serialize_entry("resources", &self.resources)?;
        map.end()
    }
}

/// What to plan for.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// The action.
    pub action: PlanAction,
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// For rollback: the target revision (0 = previous).
    pub revision: u32,
    /// For upgrade: how values are composed.
    pub values_mode: crate::upgrade::ValuesMode,
}

impl Engine {
    /// Plans `request.action`. Install and upgrade render `chart` with `config`;
    /// rollback, uninstall and test read the stored release, since that is what
    /// they run.
    ///
    /// # Errors
    /// Whatever the action itself would report before changing anything.
    pub async fn plan(
        &self,
        request: &PlanRequest,
        chart: Option<Chart>,
        config: Values,
    ) -> Result<Plan> {
        let action = request.action;
        if !action.uses_chart() && chart.is_some() {
            self.emit(Event::Warning {
                message: format!(
                    "CHART is not used to plan {}: its hooks come from the stored release",
                    action_name(action)
                ),
            });
        }
        let (release, resources) = match action {
            PlanAction::Install | PlanAction::Upgrade => {
                let chart = chart.ok_or_else(|| Error::MissingChart {
                    action: action_name(action),
                })?;
                check_installable(&request.name, &request.namespace, &chart)?;
                if action == PlanAction::Install
                    && let Ok(last) = self.storage.last(&request.namespace, &request.name).await
                {
                    return Err(Error::NameInUse {
                        name: request.name.clone(),
                        revision: last.version,
                        status: last.info.status,
                    });
                }
                let install = InstallOptions {
                    dry_run: true,
                    ..InstallOptions::new(&request.name, &request.namespace)
                };
                let prepared = if action == PlanAction::Install {
                    None
                } else {
                    let upgrade = UpgradeOptions {
                        install: true,
                        dry_run: true,
                        values_mode: request.values_mode,
                        ..UpgradeOptions::new(&request.name, &request.namespace)
                    };
                    match self
                        .prepare_upgrade(chart.clone(), config.clone(), &upgrade)
                        .await?
                    {
                        UpgradePlan::Upgrade(prepared) => Some(prepared),
                        UpgradePlan::Install { .. } => None,
                    }
                };
                match prepared {
                    Some(prepared) => (prepared.release, prepared.rendered.manifests),
                    None => {
                        let (release, rendered) =
                            self.prepare_install(chart, config, &install, 1)?;
                        (release, rendered.manifests)
                    }
                }
            }
            PlanAction::Rollback => {
                let opts = RollbackOptions {
                    revision: request.revision,
                    ..RollbackOptions::new(&request.name, &request.namespace)
                };
                let release = self.prepare_rollback(&opts).await?.release;
                let resources = manifest::release_resources(&release.manifest)?;
                (release, resources)
            }
            PlanAction::Uninstall => {
                let release = self.storage.last(&request.namespace, &request.name).await?;
                let resources = manifest::uninstall_order(&release.manifest)?
                    .into_iter()
                    .filter(|m| !m.is_kept())
                    .collect();
                (release, resources)
            }
            PlanAction::Test => {
                let release = self.storage.last(&request.namespace, &request.name).await?;
                (release, Vec::new())
            }
        };
        Ok(Plan {
            hooks: planned_hooks(&release, action.events()),
            resources: resource_refs(&resources, &release.namespace),
        })
    }
}

fn planned_hooks(release: &Release, events: &[HookEvent]) -> Vec<(HookEvent, Vec<PlannedHook>)> {
    events
        .iter()
        .map(|&event| {
            let hooks = hook::execution_order(&release.hooks, event)
                .into_iter()
                .map(|i| {
                    let h = &release.hooks[i];
                    PlannedHook {
                        kind: h.kind.clone(),
                        name: h.name.clone(),
                        weight: h.weight,
                        delete_policies: h
                            .effective_delete_policies()
                            .iter()
                            .map(ToString::to_string)
                            .collect(),
                        runtime: h.runtime().as_str(),
                    }
                })
                .collect();
            (event, hooks)
        })
        .collect()
}

fn action_name(action: PlanAction) -> &'static str {
    match action {
        PlanAction::Install => "install",
        PlanAction::Upgrade => "upgrade",
        PlanAction::Rollback => "rollback",
        PlanAction::Uninstall => "uninstall",
        PlanAction::Test => "test",
    }
}
