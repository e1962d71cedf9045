//! The [`Runtime`]: one wasmtime engine per process, modules compiled once
//! (and cached on disk), one pre-instantiated module per digest, and a fresh
//! store per call under the hook's sandbox and limits.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wasmtime::component::{Component, HasSelf, Linker as ComponentLinker, ResourceTable};
use wasmtime::{Config, Engine, Store, Trap};
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use crate::cache::{self, CompiledForm, Digest, ModuleCache};
use crate::command::{self, CommandState};
use crate::host::{self, HostState, LogBook, Lookups, MemoryLimit};
use crate::input::PreparedInput;
use crate::lookup::ClusterReader;
use crate::outcome::{Failure, LogLine, Report};
use crate::policy::{Policy, format_bytes};
use crate::wit;

/// How often the epoch advances: a guest in a loop notices its deadline within
/// one tick.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Where the guest sees the chart's files when `grants.chartFiles` is set.
pub const CHART_DIR: &str = "/chart";

/// What a module is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleKind {
    /// A component of the `windlass:hook` world.
    Component,
    /// A WASI command module on the fallback ABI (JSON on stdin and stdout).
    Command,
}

impl ModuleKind {
    /// Reads the kind from the header: layer 1 is a component, version 1 a
    /// core module.
    ///
    /// # Errors
    /// Bytes that are not WebAssembly.
    pub fn detect(bytes: &[u8]) -> Result<Self, String> {
        match bytes.get(..8) {
            Some([0, b'a', b's', b'm', 0x0d, 0, 1, 0]) => Ok(ModuleKind::Component),
            Some([0, b'a', b's', b'm', 1, 0, 0, 0]) => Ok(ModuleKind::Command),
            _ => Err("not a WebAssembly module or component (bad header)".to_string()),
        }
    }
}

enum Pre {
    Component(host::HookPre<HostState>),
    Command(wasmtime::InstancePre<CommandState>),
}

/// Freshly compiled code, before linking.
enum Code {
    Component(Component),
    Command(wasmtime::Module),
}

/// The module size limit, checked before anything is compiled.
fn check_size(size: u64, max_bytes: u64) -> Result<(), Failure> {
    if size > max_bytes {
        return Err(Failure::Module(format!(
            "the module is {size} bytes, over its module size limit of {}",
            format_bytes(max_bytes)
        )));
    }
    Ok(())
}

/// A module ready to run: compiled, linked, pre-instantiated.
pub struct Module {
    digest: Digest,
    kind: ModuleKind,
    /// The size of the module's bytes, for the module size limit.
    size: u64,
    pre: Pre,
}

impl Module {
    /// The module's digest.
    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    /// Component or command module.
    pub fn kind(&self) -> ModuleKind {
        self.kind
    }
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("digest", &self.digest)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// The Wasm hook runtime of one process.
pub struct Runtime {
    engine: Engine,
    engine_key: String,
    components: ComponentLinker<HostState>,
    commands: wasmtime::Linker<CommandState>,
    cache: Option<ModuleCache>,
    loaded: Mutex<HashMap<Digest, Arc<Module>>>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("engine_key", &self.engine_key)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

/// How many hooks may be instantiated at once in one process.
const POOLED_HOOKS: u32 = 64;

/// The engine's configuration. A fresh store per call means an instantiation
/// per call, and with wasmtime's default allocator that is an `mmap` of a
/// 4 GiB reservation, page faults on every page the guest touches, and a
/// `munmap`, which cost more than a small hook itself (docs/benchmarks.md).
/// The pooling allocator reserves slots once and keeps the first pages of
/// each memory resident between calls. It reserves address space up front
/// (about 4 GiB per memory slot), which a process under a tight `ulimit -v`
/// may not get: then `Runtime::new` falls back to the default allocator.
fn engine_config(pooling: bool) -> Config {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .max_wasm_stack(1 << 20);
    if pooling {
        let mut pool = wasmtime::PoolingAllocationConfig::default();
        // An interpreter-sized component (componentize-py) has a few dozen
        // core instances and a couple of memories.
        pool.total_component_instances(POOLED_HOOKS)
            .total_stacks(POOLED_HOOKS)
            .total_memories(2 * POOLED_HOOKS)
            .total_tables(16 * POOLED_HOOKS)
            .total_core_instances(32 * POOLED_HOOKS)
            // A small hook's whole heap: reused without page faults. The
            // zeroing is done after the call, off the caller's path (`release`).
            .linear_memory_keep_resident(4 << 20)
            .table_keep_resident(64 << 10);
        config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

impl Runtime {
    /// A runtime caching compiled modules in `cache` (none: compile every
    /// process). Starts the epoch ticker, which stops with the runtime.
    ///
    /// # Errors
    /// The engine cannot be built (an unsupported host).
    pub fn new(cache: Option<ModuleCache>) -> Result<Self, String> {
        let engine = Engine::new(&engine_config(true))
            .or_else(|_| Engine::new(&engine_config(false)))
            .map_err(|e| format!("cannot start wasmtime: {e}"))?;

        let mut components = ComponentLinker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut components)
            .map_err(|e| format!("cannot link WASI: {e}"))?;
        host::Hook::add_to_linker::<HostState, HasSelf<HostState>>(&mut components, |s| s)
            .map_err(|e| format!("cannot link the hook world: {e}"))?;
        let mut commands = wasmtime::Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_async(&mut commands, |s: &mut CommandState| &mut s.wasi)
            .map_err(|e| format!("cannot link WASI preview 1: {e}"))?;

        let mut hasher = std::hash::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_key = format!("{:016x}", hasher.finish());

        start_ticker(&engine);
        Ok(Runtime {
            engine,
            engine_key,
            components,
            commands,
            cache,
            loaded: Mutex::new(HashMap::new()),
        })
    }

    /// The cache, if any.
    pub fn cache(&self) -> Option<&ModuleCache> {
        self.cache.as_ref()
    }

    /// Compiles (or finds) `bytes` and links it. A module is compiled once per
    /// process and, with a cache, once per machine.
    ///
    /// # Errors
    /// Too large, not WebAssembly, not a `windlass:hook` component or a WASI
    /// command module, or it imports what the host does not provide.
    pub async fn load(&self, bytes: &[u8], max_bytes: u64) -> Result<Arc<Module>, Failure> {
        check_size(bytes.len() as u64, max_bytes)?;
        self.load_pinned(&Digest::of(bytes), max_bytes, || Ok(bytes.to_vec()))
            .await
    }

    /// The module `digest`: loaded already in this process, else precompiled
    /// in the cache, else compiled from the bytes `source` gives (checked
    /// against the digest). A release pins its hooks' digests, so a hook run
    /// from the cache never reads, let alone hashes, the module itself.
    ///
    /// # Errors
    /// As [`Runtime::load`], and whatever `source` returns, and bytes that do
    /// not match `digest`.
    pub async fn load_pinned(
        &self,
        digest: &Digest,
        max_bytes: u64,
        source: impl FnOnce() -> Result<Vec<u8>, String>,
    ) -> Result<Arc<Module>, Failure> {
        if let Some(module) = self.lookup(digest) {
            check_size(module.size, max_bytes)?;
            return Ok(module);
        }
        let precompiled = self
            .cache
            .as_ref()
            .and_then(|cache| cache.compiled(&self.engine_key, digest));
        let module = match precompiled {
            Some(compiled) => {
                check_size(compiled.module_bytes, max_bytes)?;
                self.deserialize(digest, &compiled)
            }
            None => None,
        };
        let module = match module {
            Some(module) => module,
            None => {
                let bytes = source().map_err(Failure::Module)?;
                check_size(bytes.len() as u64, max_bytes)?;
                let actual = Digest::of(&bytes);
                if actual != *digest {
                    return Err(Failure::Module(format!(
                        "the module's bytes have digest {actual}, not the pinned {digest}"
                    )));
                }
                let kind = ModuleKind::detect(&bytes).map_err(Failure::Module)?;
                if let Some(cache) = &self.cache {
                    // Keep the bytes too: a release record holds only the digest.
                    let _ = cache.store_module(digest, &bytes);
                }
                self.compile(bytes, digest.clone(), kind).await?
            }
        };
        let module = Arc::new(module);
        if let Ok(mut loaded) = self.loaded.lock() {
            loaded.insert(digest.clone(), module.clone());
        }
        Ok(module)
    }

    fn lookup(&self, digest: &Digest) -> Option<Arc<Module>> {
        self.loaded.lock().ok()?.get(digest).cloned()
    }

    /// A module from its cache entry; `None` (compile it again) when wasmtime
    /// refuses the entry or it does not link.
    fn deserialize(&self, digest: &Digest, compiled: &cache::Compiled) -> Option<Module> {
        let pre = match compiled.kind {
            ModuleKind::Component => {
                let component = self.deserialize_component(&compiled.form)?;
                self.link_component(&component).ok()?
            }
            ModuleKind::Command => {
                let module = self.deserialize_module(&compiled.form)?;
                self.link_command(&module).ok()?
            }
        };
        Some(Module {
            digest: digest.clone(),
            kind: compiled.kind,
            size: compiled.module_bytes,
            pre,
        })
    }

    async fn compile(
        &self,
        bytes: Vec<u8>,
        digest: Digest,
        kind: ModuleKind,
    ) -> Result<Module, Failure> {
        let size = bytes.len() as u64;
        let engine = self.engine.clone();
        // Cranelift is CPU-bound (seconds for interpreter-sized guests).
        let code = tokio::task::spawn_blocking(move || match kind {
            ModuleKind::Component => Component::new(&engine, bytes).map(Code::Component),
            ModuleKind::Command => wasmtime::Module::new(&engine, bytes).map(Code::Command),
        })
        .await
        .map_err(|e| Failure::Module(format!("compilation stopped: {e}")))?
        .map_err(|e| {
            let what = match kind {
                ModuleKind::Component => "component",
                ModuleKind::Command => "module",
            };
            Failure::Module(format!("cannot compile the {what}: {}", root(&e)))
        })?;
        let (pre, serialized) = match code {
            Code::Component(component) => (self.link_component(&component)?, component.serialize()),
            Code::Command(module) => (self.link_command(&module)?, module.serialize()),
        };
        if let (Some(cache), Ok(serialized)) = (&self.cache, serialized) {
            // The cache only saves time; a write failure costs a recompile later.
            let _ = cache.store_compiled(&self.engine_key, &digest, kind, size, &serialized);
        }
        Ok(Module {
            digest,
            kind,
            size,
            pre,
        })
    }

    fn link_component(&self, component: &Component) -> Result<Pre, Failure> {
        let pre = self
            .components
            .instantiate_pre(component)
            .map_err(|e| Failure::Module(link_error(&e)))?;
        Ok(Pre::Component(host::HookPre::new(pre).map_err(|e| {
            Failure::Module(format!(
                "not a `windlass:hook` component (it must export `run`): {}",
                root(&e)
            ))
        })?))
    }

    fn link_command(&self, module: &wasmtime::Module) -> Result<Pre, Failure> {
        if module.get_export("_start").is_none() {
            return Err(Failure::Module(
                "a core module must be a WASI command exporting `_start` (the fallback ABI)"
                    .to_string(),
            ));
        }
        Ok(Pre::Command(
            self.commands
                .instantiate_pre(module)
                .map_err(|e| Failure::Module(link_error(&e)))?,
        ))
    }

    #[allow(unsafe_code)]
    fn deserialize_component(&self, form: &CompiledForm) -> Option<Component> {
        // SAFETY: wasmtime requires that precompiled bytes come from a trusted
        // source. These were produced by `Component::serialize` of this
        // engine configuration and written by this cache, and they are either
        // checked against the SHA-256 written with them or the very file that
        // was (`ModuleCache::compiled`), so a corrupt or foreign file never
        // gets here; wasmtime additionally checks the engine compatibility
        // header and returns an error otherwise.
        match form {
            CompiledForm::File { path, .. } => unsafe {
                Component::deserialize_file(&self.engine, path)
            },
            CompiledForm::Bytes(bytes) => unsafe { Component::deserialize(&self.engine, bytes) },
        }
        .ok()
    }

    #[allow(unsafe_code)]
    fn deserialize_module(&self, form: &CompiledForm) -> Option<wasmtime::Module> {
        // SAFETY: as in `deserialize_component`.
        match form {
            CompiledForm::File { path, .. } => unsafe {
                wasmtime::Module::deserialize_file(&self.engine, path)
            },
            CompiledForm::Bytes(bytes) => unsafe {
                wasmtime::Module::deserialize(&self.engine, bytes)
            },
        }
        .ok()
    }

    /// Runs a hook once, in a fresh store, under `policy`. Whatever happens,
    /// the report carries what the guest logged.
    pub async fn run(
        &self,
        module: &Module,
        input: &PreparedInput,
        policy: &Policy,
        lookups: Arc<dyn ClusterReader>,
        chart_dir: Option<&Path>,
    ) -> Report {
        let limits = &policy.limits;
        // Guest stdout/stderr are captured (never inherited) within the log budget.
        let log_capacity = usize::try_from(limits.log_bytes).unwrap_or(usize::MAX);
        // On the fallback ABI stdout is the outcome: within the outcome limit,
        // plus one byte so that an outcome over it reads as over it rather than
        // as cut off at it.
        let stdout_capacity = match module.kind {
            ModuleKind::Component => log_capacity,
            ModuleKind::Command => {
                usize::try_from(limits.outcome_bytes.saturating_add(1)).unwrap_or(usize::MAX)
            }
        };
        let stdout = MemoryOutputPipe::new(stdout_capacity);
        let stderr = MemoryOutputPipe::new(log_capacity);
        let mut wasi = WasiCtxBuilder::new();
        wasi.stdout(stdout.clone()).stderr(stderr.clone());
        if policy.grants.chart_files
            && let Some(dir) = chart_dir
            && let Err(e) = wasi.preopened_dir(dir, CHART_DIR, FsPerms::ReadOnly)
        {
            return Report {
                result: Err(Failure::Module(format!("cannot open the chart files: {e}"))),
                logs: Vec::new(),
            };
        }
        let memory = MemoryLimit {
            limit: usize::try_from(limits.memory).unwrap_or(usize::MAX),
            hit: false,
        };
        let mut logs = LogBook::new(limits.log_bytes);

        let (result, memory_hit) = match &module.pre {
            Pre::Component(pre) => {
                let state = HostState {
                    wasi: wasi.build(),
                    table: ResourceTable::new(),
                    memory,
                    logs,
                    lookups: Lookups {
                        reader: lookups,
                        grants: policy.grants.clone(),
                        release_namespace: input.release().namespace.clone(),
                        timeout: limits.lookup_timeout,
                    },
                };
                let mut store = Store::new(&self.engine, state);
                store.limiter(|s| &mut s.memory);
                arm_deadline(&mut store);
                let call = async {
                    let hook = pre.instantiate_async(&mut store).await?;
                    hook.call_run(&mut store, input.wit()).await
                };
                let outcome = tokio::time::timeout(limits.timeout, call).await;
                let state = store.data_mut();
                logs = std::mem::take(&mut state.logs);
                let memory_hit = state.memory.hit;
                release(store);
                let result = match outcome {
                    Err(_) => Err(Failure::Timeout(windlass_chart::duration::format(
                        limits.timeout,
                    ))),
                    Ok(Err(trap)) => Err(classify(&trap, logs.exceeded, limits.log_bytes)),
                    Ok(Ok(Err(message))) => Err(Failure::Guest(message)),
                    Ok(Ok(Ok(outcome))) => wit::verdict(outcome, policy),
                };
                (result, memory_hit)
            }
            Pre::Command(pre) => {
                wasi.stdin(MemoryInputPipe::new(input.json()))
                    .args(&[input.hook_name()]);
                let state = CommandState {
                    wasi: wasi.build_p1(),
                    memory,
                };
                let mut store = Store::new(&self.engine, state);
                store.limiter(|s| &mut s.memory);
                arm_deadline(&mut store);
                let call = command::call(pre, &mut store);
                let outcome = tokio::time::timeout(limits.timeout, call).await;
                let memory_hit = store.data().memory.hit;
                release(store);
                let result = match outcome {
                    Err(_) => Err(Failure::Timeout(windlass_chart::duration::format(
                        limits.timeout,
                    ))),
                    // A write refused past the outcome limit, which the guest
                    // did not survive.
                    Ok(Err(_)) if stdout.contents().len() as u64 > limits.outcome_bytes => {
                        Err(Failure::OutcomeLimit(format_bytes(limits.outcome_bytes)))
                    }
                    Ok(Err(trap)) => Err(classify(&trap, false, limits.log_bytes)),
                    Ok(Ok(code)) => command::verdict(code, &stdout.contents(), policy),
                };
                (result, memory_hit)
            }
        };

        // Captured output counts against the same log budget.
        for (level, pipe) in [("stdout", &stdout), ("stderr", &stderr)] {
            let contents = pipe.contents();
            // In fallback mode stdout is the outcome, not a log.
            if level == "stdout" && module.kind == ModuleKind::Command {
                continue;
            }
            for line in String::from_utf8_lossy(&contents).lines() {
                let line = if module.kind == ModuleKind::Command {
                    command::log_line(line)
                } else {
                    Some(LogLine {
                        level: level.to_string(),
                        message: line.to_string(),
                        fields: Vec::new(),
                    })
                };
                if let Some(line) = line {
                    logs.push(line);
                }
            }
            if contents.len() >= log_capacity {
                logs.exceeded = true;
            }
        }

        let result = match result {
            Err(_) if memory_hit => Err(Failure::Memory(format_bytes(limits.memory))),
            Err(Failure::Trap(_)) | Ok(_) if logs.exceeded => {
                Err(Failure::LogLimit(format_bytes(limits.log_bytes)))
            }
            other => other,
        };
        Report {
            result,
            logs: logs.lines,
        }
    }

    /// The kind, imports and exports of a module, for `windlass hook inspect`.
    ///
    /// # Errors
    /// Bytes that are not WebAssembly or do not compile.
    pub fn inspect(&self, bytes: &[u8]) -> Result<Inspection, String> {
        match ModuleKind::detect(bytes)? {
            ModuleKind::Component => {
                let component = Component::new(&self.engine, bytes).map_err(|e| root(&e))?;
                let ty = component.component_type();
                Ok(Inspection {
                    kind: ModuleKind::Component,
                    imports: ty
                        .imports(&self.engine)
                        .map(|(n, _)| n.to_string())
                        .collect(),
                    exports: ty
                        .exports(&self.engine)
                        .map(|(n, _)| n.to_string())
                        .collect(),
                })
            }
            ModuleKind::Command => {
                let module = wasmtime::Module::new(&self.engine, bytes).map_err(|e| root(&e))?;
                Ok(Inspection {
                    kind: ModuleKind::Command,
                    imports: module
                        .imports()
                        .map(|i| format!("{}#{}", i.module(), i.name()))
                        .collect(),
                    exports: module.exports().map(|e| e.name().to_string()).collect(),
                })
            }
        }
    }
}

/// What `inspect` reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Inspection {
    /// Component or command module.
    #[serde(serialize_with = "kind_name")]
    pub kind: ModuleKind,
    /// Imported interfaces (components) or functions (`module#name`).
    pub imports: Vec<String>,
    /// Exported names.
    pub exports: Vec<String>,
}

fn kind_name<S: serde::Serializer>(kind: &ModuleKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(match kind {
        ModuleKind::Component => "component",
        ModuleKind::Command => "command",
    })
}

/// Drops a store after its call, on a blocking thread when there is a tokio
/// runtime: returning a guest's memory to the pool (zeroing what stays
/// resident, `madvise` for the rest) is work the caller need not wait for.
fn release<T: Send + 'static>(store: Store<T>) {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => drop(handle.spawn_blocking(move || drop(store))),
        Err(_) => drop(store),
    }
}

/// Yields to the executor at every epoch tick, so the call's timeout can end
/// a guest that never returns.
fn arm_deadline<T>(store: &mut Store<T>) {
    store.set_epoch_deadline(1);
    store.epoch_deadline_async_yield_and_update(1);
}

/// A thread that advances the engine's epoch every tick, and ends when the
/// engine is dropped.
fn start_ticker(engine: &Engine) {
    let weak = engine.weak();
    let _ = std::thread::Builder::new()
        .name("windlass-wasm-epoch".to_string())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        });
}

/// Turns an error out of a call into the limit or trap it was.
fn classify(error: &wasmtime::Error, log_exceeded: bool, log_limit: u64) -> Failure {
    if log_exceeded {
        return Failure::LogLimit(format_bytes(log_limit));
    }
    if let Some(trap) = error.downcast_ref::<Trap>()
        && *trap == Trap::StackOverflow
    {
        return Failure::Stack;
    }
    Failure::Trap(root(error))
}

/// The innermost cause, which is what a user can act on.
fn root(error: &wasmtime::Error) -> String {
    error.root_cause().to_string()
}

fn link_error(error: &wasmtime::Error) -> String {
    format!(
        "it imports what windlass does not provide (only WASI 0.2 without sockets, and `windlass:hook`): {}",
        root(error)
    )
}
