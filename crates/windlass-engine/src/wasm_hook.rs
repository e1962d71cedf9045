//! `WasmHook` resources (`apiVersion: windlass.dev/v1alpha1`) and the runner
//! that runs them with `windlass-wasm`.
//!
//! ```yaml
//! apiVersion: windlass.dev/v1alpha1
//! kind: WasmHook
//! metadata:
//!   name: values-policy
//!   annotations:
//!     helm.sh/hook: pre-install,pre-upgrade
//! spec:
//!   module:
//!     path: hooks/values-policy.wasm   # in the chart; or `file:` on the host
//!     sha256: "…"                       # optional pin
//!   config: {required: [image.repository]}
//!   grants: {chartFiles: false, cluster: [], create: []}
//!   limits: {timeout: 10s, memory: 128Mi}
//! ```
//!
//! When a revision is rendered the module is resolved and its digest pinned
//! into the hook's `spec.module.sha256`; the module's bytes are kept in the
//! module cache by digest and left out of the release record (a Secret holds at
//! most 1 MiB; a Python component is 18 MB), so rollback and uninstall find
//! them again by digest.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::Value;
use windlass_chart::{Chart, Hook, HookEvent, Metadata, Values, manifest, yaml};
use windlass_wasm::{
    ChartInfo, ClusterReader, Digest, Grants, HookInput, Limits, Policy, PreparedInput,
    ReleaseInfo, ResourceInput, Runtime,
};

use crate::target::{HookContext, HookOutcome, HookRunner};

/// The `spec` of a `WasmHook`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WasmHookSpec {
    /// Which module to run.
    pub module: ModuleRef,
    /// Handed to the hook as its `config` (any YAML).
    #[serde(default)]
    pub config: Value,
    /// What the hook may read or create.
    #[serde(default)]
    pub grants: Grants,
    /// How much it may use.
    #[serde(default)]
    pub limits: Limits,
}

/// Where a module comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModuleRef {
    /// A file inside the chart, relative to its root.
    #[serde(default)]
    pub path: Option<String>,
    /// A file on the host running windlass.
    #[serde(default)]
    pub file: Option<String>,
    /// The module's expected SHA-256 (`sha256:<hex>` or the bare hex).
    #[serde(default)]
    pub sha256: Option<String>,
}

impl WasmHookSpec {
    /// Reads the spec from a hook's manifest.
    ///
    /// # Errors
    /// The manifest has no valid `spec`.
    pub fn of(hook: &Hook) -> Result<Self, String> {
        let object =
            yaml::parse(hook.manifest.as_bytes(), &hook.path).map_err(|e| e.to_string())?;
        let spec = object
            .get("spec")
            .cloned()
            .ok_or_else(|| "a WasmHook needs a `spec` with a `module`".to_string())?;
        serde_json::from_value(spec).map_err(|e| format!("invalid spec: {e}"))
    }

    fn policy(&self) -> Policy {
        Policy {
            grants: self.grants.clone(),
            limits: self.limits.clone(),
        }
    }
}

/// Runs `WasmHook`s.
pub struct WasmHookRunner {
    runtime: Arc<Runtime>,
    lookups: Arc<dyn ClusterReader>,
    /// Module bytes resolved while rendering, by digest, for this process.
    modules: Mutex<HashMap<Digest, Arc<Vec<u8>>>>,
    /// The context of the event being run, converted once for all its hooks.
    event: Mutex<Option<(EventKey, PreparedInput)>>,
}

/// What a hook's context is made of, besides the hook's own name and config.
#[derive(Debug)]
struct EventKey {
    event: HookEvent,
    name: String,
    namespace: String,
    revision: u32,
    metadata: Metadata,
    manifest: String,
    values: Values,
    kube_version: String,
}

impl EventKey {
    fn of(ctx: &HookContext<'_>) -> Self {
        EventKey {
            event: ctx.event,
            name: ctx.release.name.clone(),
            namespace: ctx.release.namespace.clone(),
            revision: ctx.release.version,
            metadata: ctx.release.chart.metadata.clone(),
            manifest: ctx.release.manifest.clone(),
            values: ctx.values.clone(),
            kube_version: ctx.kube_version.to_string(),
        }
    }

    fn matches(&self, ctx: &HookContext<'_>) -> bool {
        let release = ctx.release;
        self.event == ctx.event
            && self.revision == release.version
            && self.name == release.name
            && self.namespace == release.namespace
            && self.kube_version == ctx.kube_version
            && self.manifest == release.manifest
            && self.metadata == release.chart.metadata
            && self.values == *ctx.values
    }
}

impl std::fmt::Debug for WasmHookRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmHookRunner")
            .field("runtime", &self.runtime)
            .finish_non_exhaustive()
    }
}

impl WasmHookRunner {
    /// Runs hooks in `runtime`, answering their cluster lookups from `lookups`.
    pub fn new(runtime: Arc<Runtime>, lookups: Arc<dyn ClusterReader>) -> Self {
        WasmHookRunner {
            runtime,
            lookups,
            modules: Mutex::new(HashMap::new()),
            event: Mutex::new(None),
        }
    }

    /// The hook's context: the event's, converted once (parsing every
    /// rendered resource) and shared by its hooks, with the hook's own name
    /// and config.
    fn input(
        &self,
        ctx: &HookContext<'_>,
        hook: &Hook,
        config: Value,
    ) -> Result<PreparedInput, String> {
        let mut event = self
            .event
            .lock()
            .map_err(|_| "a Wasm hook panicked earlier in this process".to_string())?;
        if !event.as_ref().is_some_and(|(key, _)| key.matches(ctx)) {
            *event = Some((EventKey::of(ctx), hook_input(ctx, Value::Null)?.into()));
        }
        let (_, shared) = event.as_ref().ok_or("no event context")?;
        Ok(shared.for_hook(hook.name.clone(), config))
    }

    fn remember(&self, digest: &Digest, bytes: Vec<u8>) {
        if let Some(cache) = self.runtime.cache() {
            let _ = cache.store_module(digest, &bytes);
        }
        if let Ok(mut modules) = self.modules.lock() {
            modules.insert(digest.clone(), Arc::new(bytes));
        }
    }

    /// The module's bytes by digest: remembered from rendering, else the cache,
    /// else the chart or host file again (checked against the digest).
    fn bytes(
        &self,
        spec: &WasmHookSpec,
        digest: &Digest,
        chart: &Chart,
    ) -> Result<Arc<Vec<u8>>, String> {
        if let Some(bytes) = self
            .modules
            .lock()
            .ok()
            .and_then(|m| m.get(digest).cloned())
        {
            return Ok(bytes);
        }
        if let Some(cache) = self.runtime.cache()
            && let Ok(Some(bytes)) = cache.module(digest)
        {
            return Ok(Arc::new(bytes));
        }
        if let Ok(bytes) = read_module(&spec.module, chart)
            && Digest::of(&bytes) == *digest
        {
            return Ok(Arc::new(bytes));
        }
        let cache = self.runtime.cache().map_or_else(
            || "no module cache".to_string(),
            |c| format!("`{}`", c.root().display()),
        );
        Err(format!(
            "module {digest} is neither in the module cache ({cache}) nor in the chart; install a chart that ships it, or put the module back"
        ))
    }
}

/// The module's bytes from the chart (`path`) or the host (`file`).
fn read_module(module: &ModuleRef, chart: &Chart) -> Result<Vec<u8>, String> {
    match (&module.path, &module.file) {
        (Some(path), None) => {
            let wanted = path.trim_start_matches("./");
            chart
                .files
                .iter()
                .chain(&chart.templates)
                .find(|f| f.name == wanted)
                .map(|f| f.data.clone())
                .ok_or_else(|| format!("spec.module.path `{path}` is not a file of chart `{}`", chart.name()))
        }
        (None, Some(file)) => std::fs::read(file).map_err(|e| format!("spec.module.file `{file}`: {e}")),
        _ => Err("spec.module needs exactly one of `path` (a file in the chart) or `file` (a file on the host)".to_string()),
    }
}

/// Writes `spec.module.sha256` into the hook's manifest.
fn pin_digest(hook: &mut Hook, digest: &Digest) -> Result<(), String> {
    let mut object =
        yaml::parse(hook.manifest.as_bytes(), &hook.path).map_err(|e| e.to_string())?;
    if let Some(module) = object
        .pointer_mut("/spec/module")
        .and_then(Value::as_object_mut)
    {
        module.insert("sha256".to_string(), Value::String(digest.to_string()));
    }
    hook.manifest = serde_yaml::to_string(&object).map_err(|e| e.to_string())?;
    Ok(())
}

#[async_trait]
impl HookRunner for WasmHookRunner {
    fn prepare(&self, hook: &mut Hook, chart: &Chart) -> Result<Vec<String>, String> {
        let spec = WasmHookSpec::of(hook)?;
        let bytes = read_module(&spec.module, chart)?;
        if bytes.len() as u64 > spec.limits.module_bytes {
            return Err(format!(
                "the module is {} bytes, over its module size limit of {}",
                bytes.len(),
                windlass_wasm::policy::format_bytes(spec.limits.module_bytes)
            ));
        }
        let digest = Digest::of(&bytes);
        match &spec.module.sha256 {
            Some(pin) => {
                let pinned = Digest::parse(pin)?;
                if pinned != digest {
                    return Err(format!(
                        "the module's digest is {digest} but spec.module.sha256 pins {pinned}"
                    ));
                }
            }
            None => pin_digest(hook, &digest)?,
        }
        self.remember(&digest, bytes);
        Ok(spec
            .module
            .path
            .iter()
            .map(|p| p.trim_start_matches("./").to_string())
            .collect())
    }

    async fn run(&self, hook: &Hook, ctx: &HookContext<'_>) -> HookOutcome {
        match self.run_hook(hook, ctx).await {
            Ok(outcome) => outcome,
            Err(message) => HookOutcome {
                started: true,
                result: Err(message),
                output: Vec::new(),
                create: Vec::new(),
            },
        }
    }

    /// A Wasm hook creates nothing by itself; objects it asked for belong to the target.
    async fn delete(&self, _hook: &Hook, _ctx: &HookContext<'_>) -> Result<(), String> {
        Ok(())
    }
}

impl WasmHookRunner {
    async fn run_hook(&self, hook: &Hook, ctx: &HookContext<'_>) -> Result<HookOutcome, String> {
        let spec = WasmHookSpec::of(hook)?;
        let chart = &ctx.release.chart;
        let digest = match &spec.module.sha256 {
            Some(pin) => Digest::parse(pin)?,
            // A record written without a pin (by hand, or by another tool).
            None => Digest::of(&read_module(&spec.module, chart)?),
        };
        // The bytes are only needed when the precompiled module is not cached.
        let module = self
            .runtime
            .load_pinned(&digest, spec.limits.module_bytes, || {
                self.bytes(&spec, &digest, chart).map(Arc::unwrap_or_clone)
            })
            .await
            .map_err(|e| e.to_string())?;
        let input = self.input(ctx, hook, spec.config.clone())?;
        let chart_dir = if spec.grants.chart_files {
            Some(materialize(chart)?)
        } else {
            None
        };
        let report = self
            .runtime
            .run(
                &module,
                &input,
                &spec.policy(),
                self.lookups.clone(),
                chart_dir.as_ref().map(tempfile::TempDir::path),
            )
            .await;
        let mut output: Vec<String> = Vec::new();
        let outcome = match report.result {
            Ok(verdict) => {
                output.extend(verdict.findings.iter().map(ToString::to_string));
                output.extend(report.logs.iter().map(|l| format!("log {l}")));
                let result = if verdict.allowed {
                    Ok(())
                } else {
                    let reasons: Vec<String> = verdict
                        .findings
                        .iter()
                        .filter(|f| f.severity == windlass_wasm::Severity::Error)
                        .map(|f| f.message.clone())
                        .collect();
                    Err(if reasons.is_empty() {
                        "denied".to_string()
                    } else {
                        format!("denied: {}", reasons.join("; "))
                    })
                };
                HookOutcome {
                    started: true,
                    result,
                    output,
                    create: verdict.create,
                }
            }
            Err(failure) => {
                output.extend(report.logs.iter().map(|l| format!("log {l}")));
                HookOutcome {
                    started: true,
                    result: Err(failure.to_string()),
                    output,
                    create: Vec::new(),
                }
            }
        };
        Ok(outcome)
    }
}

/// The hook's context from the engine's.
fn hook_input(ctx: &HookContext<'_>, config: Value) -> Result<HookInput, String> {
    let release = ctx.release;
    let metadata = &release.chart.metadata;
    let resources = manifest::release_resources(&release.manifest)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|m| {
            let object = yaml::parse(m.content.as_bytes(), &m.path).map_err(|e| e.to_string())?;
            Ok(ResourceInput::from_object(object, m.path))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let non_empty = |s: &String| (!s.is_empty()).then(|| s.clone());
    Ok(HookInput {
        hook_name: String::new(),
        event: ctx.event,
        release: ReleaseInfo {
            name: release.name.clone(),
            namespace: release.namespace.clone(),
            revision: release.version,
            previous_revision: (release.version > 1).then(|| release.version - 1),
            is_install: matches!(ctx.event, HookEvent::PreInstall | HookEvent::PostInstall),
            is_upgrade: matches!(ctx.event, HookEvent::PreUpgrade | HookEvent::PostUpgrade),
        },
        chart: ChartInfo {
            name: metadata.name.clone(),
            version: metadata.version.clone(),
            app_version: non_empty(&metadata.app_version),
            kube_version: non_empty(&metadata.kube_version),
            annotations: metadata.annotations.clone(),
        },
        values: Value::Object(ctx.values.clone()),
        resources,
        config,
        kube_version: ctx.kube_version.to_string(),
        api_versions: Vec::new(),
    })
}

/// The chart's files (what `.Files` sees, plus its templates) in a private
/// directory, for a read-only preopen. The chart may come from an archive or a
/// release record, so its own directory is not used.
fn materialize(chart: &Chart) -> Result<tempfile::TempDir, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("cannot stage the chart files: {e}"))?;
    for file in chart.files.iter().chain(&chart.templates) {
        // Loaded chart paths are relative and free of `..` (the loader refuses
        // others); check again before writing anything.
        let relative = Path::new(&file.name);
        if relative.is_absolute()
            || relative
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            continue;
        }
        let path = dir.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot stage the chart files: {e}"))?;
        }
        std::fs::write(&path, &file.data)
            .map_err(|e| format!("cannot stage the chart files: {e}"))?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use windlass_chart::File;

    fn hook(spec: &str) -> Hook {
        Hook {
            name: "check".into(),
            kind: "WasmHook".into(),
            path: "app/templates/check.yaml".into(),
            manifest: format!(
                "apiVersion: windlass.dev/v1alpha1\nkind: WasmHook\nmetadata:\n  name: check\nspec:\n{spec}"
            ),
            ..Hook::default()
        }
    }

    #[test]
    fn spec_parses_with_defaults_and_rejects_unknown_fields() {
        let spec = WasmHookSpec::of(&hook("  module: {path: hooks/check.wasm}\n")).unwrap();
        assert_eq!(spec.module.path.as_deref(), Some("hooks/check.wasm"));
        assert_eq!(spec.config, Value::Null);
        assert_eq!(spec.limits, Limits::default());
        assert!(WasmHookSpec::of(&hook("  module: {path: x}\n  network: true\n")).is_err());
        assert!(WasmHookSpec::of(&hook("  config: {}\n")).is_err());
    }

    #[test]
    fn modules_come_from_the_chart_or_the_host() {
        let mut chart = Chart::default();
        chart.metadata.name = "app".into();
        chart
            .files
            .push(File::new("hooks/check.wasm", b"\0asm".to_vec()));
        let from_chart = ModuleRef {
            path: Some("./hooks/check.wasm".into()),
            file: None,
            sha256: None,
        };
        assert_eq!(read_module(&from_chart, &chart).unwrap(), b"\0asm");
        let missing = ModuleRef {
            path: Some("hooks/nope.wasm".into()),
            file: None,
            sha256: None,
        };
        assert!(
            read_module(&missing, &chart)
                .unwrap_err()
                .contains("`hooks/nope.wasm`")
        );
        let both = ModuleRef {
            path: Some("a".into()),
            file: Some("b".into()),
            sha256: None,
        };
        assert!(
            read_module(&both, &chart)
                .unwrap_err()
                .contains("exactly one")
        );
    }

    #[test]
    fn pinning_writes_the_digest_into_the_manifest() {
        let mut h = hook("  module: {path: hooks/check.wasm}\n  config: {a: 1}\n");
        let digest = Digest::of(b"module");
        pin_digest(&mut h, &digest).unwrap();
        let spec = WasmHookSpec::of(&h).unwrap();
        assert_eq!(spec.module.sha256, Some(digest.to_string()));
        assert_eq!(spec.config, serde_json::json!({"a": 1}));
    }
}
