//! The host side of the WIT world: the store state of one call and the `log`
//! and `cluster` interfaces, enforcing the hook's grants and limits.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::lookup::{ClusterReader, LabelSelector};
use crate::outcome::LogLine;
use crate::policy::Grants;

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "hook",
    imports: { default: async | trappable },
    exports: { default: async },
});

pub(crate) use self::windlass::hook::cluster::LookupError;
pub(crate) use self::windlass::hook::log::Level;

/// Memory and table growth bounded by the hook's memory limit; records that
/// the limit was hit so the failure can say so.
#[derive(Debug)]
pub(crate) struct MemoryLimit {
    pub limit: usize,
    pub hit: bool,
}

impl wasmtime::ResourceLimiter for MemoryLimit {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limit {
            self.hit = true;
            // An error (rather than `Ok(false)`) traps at once, so a guest
            // cannot ignore the failed grow and carry on.
            return Err(wasmtime::Error::msg("memory limit exceeded"));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Each table element costs a pointer; count it against the same budget.
        if desired.saturating_mul(size_of::<usize>()) > self.limit {
            self.hit = true;
            return Err(wasmtime::Error::msg("memory limit exceeded"));
        }
        Ok(true)
    }
}

/// Log lines with a byte budget.
#[derive(Debug, Default)]
pub(crate) struct LogBook {
    pub lines: Vec<LogLine>,
    pub bytes: u64,
    pub limit: u64,
    pub exceeded: bool,
}

impl LogBook {
    pub fn new(limit: u64) -> Self {
        LogBook {
            limit,
            ..LogBook::default()
        }
    }

    /// Adds a line; `false` (and `exceeded`) once the budget is spent.
    pub fn push(&mut self, line: LogLine) -> bool {
        let size = line.message.len()
            + line
                .fields
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>();
        self.bytes = self.bytes.saturating_add(size as u64);
        if self.bytes > self.limit {
            self.exceeded = true;
            return false;
        }
        self.lines.push(line);
        true
    }
}

/// What cluster lookups may reach.
pub(crate) struct Lookups {
    pub reader: Arc<dyn ClusterReader>,
    pub grants: Grants,
    pub release_namespace: String,
    pub timeout: Duration,
}

/// The state of one component call.
pub(crate) struct HostState {
    pub wasi: WasiCtx,
    pub table: ResourceTable,
    pub memory: MemoryLimit,
    pub logs: LogBook,
    pub lookups: Lookups,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl windlass::hook::types::Host for HostState {}

impl windlass::hook::log::Host for HostState {
    async fn log(
        &mut self,
        level: Level,
        message: String,
        fields: Vec<(String, String)>,
    ) -> wasmtime::Result<()> {
        let level = match level {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        };
        if self.logs.push(LogLine {
            level: level.to_string(),
            message,
            fields,
        }) {
            Ok(())
        } else {
            Err(wasmtime::Error::msg("log limit exceeded"))
        }
    }
}

impl Lookups {
    fn check(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
    ) -> Result<(), LookupError> {
        if api_version.is_empty() || kind.is_empty() {
            return Err(LookupError::Invalid(
                "apiVersion and kind must not be empty".to_string(),
            ));
        }
        if self
            .grants
            .may_read(api_version, kind, namespace, &self.release_namespace)
        {
            Ok(())
        } else {
            let scope = namespace.map_or_else(String::new, |ns| format!(" in namespace `{ns}`"));
            Err(LookupError::Denied(format!(
                "reading {api_version} {kind}{scope} is not granted (grants.cluster)"
            )))
        }
    }

    /// Bounds a lookup by its own timeout: epochs cannot interrupt host code.
    async fn bounded<T>(
        &self,
        lookup: impl Future<Output = Result<T, String>>,
    ) -> Result<T, LookupError> {
        match tokio::time::timeout(self.timeout, lookup).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(message)) => Err(LookupError::Unavailable(message)),
            Err(_) => Err(LookupError::Unavailable(format!(
                "the lookup did not finish within {}",
                windlass_chart::duration::format(self.timeout)
            ))),
        }
    }
}

impl windlass::hook::cluster::Host for HostState {
    async fn get_object(
        &mut self,
        api_version: String,
        kind: String,
        namespace: Option<String>,
        name: String,
    ) -> wasmtime::Result<Result<Option<String>, LookupError>> {
        let lookups = &self.lookups;
        if let Err(e) = lookups.check(&api_version, &kind, namespace.as_deref()) {
            return Ok(Err(e));
        }
        let found = lookups
            .bounded(
                lookups
                    .reader
                    .get(&api_version, &kind, namespace.as_deref(), &name),
            )
            .await;
        Ok(found.map(|object| object.map(|o| o.to_string())))
    }

    async fn list_objects(
        &mut self,
        api_version: String,
        kind: String,
        namespace: Option<String>,
        label_selector: Option<String>,
    ) -> wasmtime::Result<Result<Vec<String>, LookupError>> {
        let lookups = &self.lookups;
        if let Err(e) = lookups.check(&api_version, &kind, namespace.as_deref()) {
            return Ok(Err(e));
        }
        let selector = match LabelSelector::parse(label_selector.as_deref().unwrap_or("")) {
            Ok(selector) => selector,
            Err(message) => return Ok(Err(LookupError::Invalid(message))),
        };
        let namespaces = match &namespace {
            Some(ns) => Some(vec![ns.clone()]),
            None => {
                lookups
                    .grants
                    .listable_namespaces(&api_version, &kind, &lookups.release_namespace)
            }
        };
        let found = lookups
            .bounded(
                lookups
                    .reader
                    .list(&api_version, &kind, namespaces.as_deref(), &selector),
            )
            .await;
        Ok(found.map(|objects| objects.iter().map(ToString::to_string).collect()))
    }
}
