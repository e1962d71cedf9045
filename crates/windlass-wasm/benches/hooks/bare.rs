//! The baseline: a minimal wasmtime embedding calling the same guests, with
//! what windlass's runtime cannot do without and nothing else.
//!
//! - The same engine configuration (component model, epoch interruption,
//!   a 1 MiB wasm stack) and an epoch ticker at the same 10 ms.
//! - One `InstancePre` per module, a fresh `Store` per call with a deadline of
//!   `TIMEOUT` in epoch ticks (a guest past it traps; nothing yields).
//! - The same WASI setup: stdout and stderr captured in memory pipes, nothing
//!   else (no preopens, no environment, no network).
//! - `bindgen!` against `wit/`; the context is prepared once by the caller
//!   and passed by reference; `log` lines are kept, lookups find nothing.
//! - Command modules on the fallback ABI: the context JSON prepared once,
//!   `argv[0]` the hook name, stdout read back.
//!
//! It checks no grants, no limits besides the deadline, and converts no
//! outcome: that is the work windlass adds, which the ratios measure.

use std::path::Path;
use std::time::Duration;

use wasmtime::component::{Component, HasSelf, Linker as ComponentLinker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "hook",
    imports: { default: async | trappable },
    exports: { default: async },
});

use self::windlass::hook::cluster::LookupError;
use self::windlass::hook::log::Level;
pub use self::windlass::hook::types::{Chart, Event, Release, Resource};

const TICK: Duration = Duration::from_millis(10);
const TIMEOUT: Duration = Duration::from_secs(30);
const PIPE_BYTES: usize = 1 << 20;

pub struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    pub logs: Vec<String>,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl windlass::hook::types::Host for State {}

impl windlass::hook::log::Host for State {
    async fn log(
        &mut self,
        _level: Level,
        message: String,
        _fields: Vec<(String, String)>,
    ) -> wasmtime::Result<()> {
        self.logs.push(message);
        Ok(())
    }
}

impl windlass::hook::cluster::Host for State {
    async fn get_object(
        &mut self,
        _api_version: String,
        _kind: String,
        _namespace: Option<String>,
        _name: String,
    ) -> wasmtime::Result<Result<Option<String>, LookupError>> {
        Ok(Ok(None))
    }

    async fn list_objects(
        &mut self,
        _api_version: String,
        _kind: String,
        _namespace: Option<String>,
        _label_selector: Option<String>,
    ) -> wasmtime::Result<Result<Vec<String>, LookupError>> {
        Ok(Ok(Vec::new()))
    }
}

/// The bare host of one process.
pub struct Bare {
    engine: Engine,
    components: ComponentLinker<State>,
    commands: wasmtime::Linker<WasiP1Ctx>,
}

/// A pre-instantiated guest.
pub enum Pre {
    Component(HookPre<State>),
    Command(wasmtime::InstancePre<WasiP1Ctx>),
}

/// What a call returned, reduced to what both hosts can be compared on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub allowed: bool,
    pub findings: usize,
    pub create: usize,
}

impl Bare {
    pub fn new() -> Bare {
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .epoch_interruption(true)
            .max_wasm_stack(1 << 20);
        let engine = Engine::new(&config).expect("engine");
        let mut components = ComponentLinker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut components).expect("wasi");
        Hook::add_to_linker::<State, HasSelf<State>>(&mut components, |s| s).expect("hook");
        let mut commands = wasmtime::Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_async(&mut commands, |s: &mut WasiP1Ctx| s)
            .expect("wasi p1");
        let weak = engine.weak();
        std::thread::spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(TICK);
            }
        });
        Bare {
            engine,
            components,
            commands,
        }
    }

    /// Compiles `bytes` (a component or a core module).
    pub fn compile(&self, bytes: &[u8]) -> Pre {
        if bytes.get(4) == Some(&1) {
            let module = wasmtime::Module::new(&self.engine, bytes).expect("compile module");
            self.link_module(&module)
        } else {
            let component = Component::new(&self.engine, bytes).expect("compile component");
            self.link_component(&component)
        }
    }

    /// Loads precompiled bytes (a `.cwasm` of the same engine configuration).
    #[allow(unsafe_code)]
    pub fn deserialize_file(&self, path: &Path, command: bool) -> Pre {
        // SAFETY: the file is windlass's cache entry for this engine
        // configuration, written by the same benchmark run.
        if command {
            let module = unsafe { wasmtime::Module::deserialize_file(&self.engine, path) }
                .expect("deserialize module");
            self.link_module(&module)
        } else {
            let component =
                unsafe { Component::deserialize_file(&self.engine, path) }.expect("deserialize");
            self.link_component(&component)
        }
    }

    fn link_component(&self, component: &Component) -> Pre {
        let pre = self.components.instantiate_pre(component).expect("link");
        Pre::Component(HookPre::new(pre).expect("hook world"))
    }

    fn link_module(&self, module: &wasmtime::Module) -> Pre {
        Pre::Command(self.commands.instantiate_pre(module).expect("link module"))
    }

    fn wasi(&self) -> (WasiCtxBuilder, MemoryOutputPipe) {
        let stdout = MemoryOutputPipe::new(PIPE_BYTES);
        let mut wasi = WasiCtxBuilder::new();
        wasi.stdout(stdout.clone())
            .stderr(MemoryOutputPipe::new(PIPE_BYTES));
        (wasi, stdout)
    }

    fn deadline<T>(store: &mut Store<T>) {
        let ticks = TIMEOUT.as_millis() / TICK.as_millis();
        store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
    }

    /// Calls a component's `run` in a fresh store.
    pub async fn call(&self, pre: &Pre, context: &Context) -> Answer {
        let Pre::Component(pre) = pre else {
            panic!("a command module takes JSON (call_command)")
        };
        let (mut wasi, _stdout) = self.wasi();
        let state = State {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            logs: Vec::new(),
        };
        let mut store = Store::new(&self.engine, state);
        Self::deadline(&mut store);
        let hook = pre
            .instantiate_async(&mut store)
            .await
            .expect("instantiate");
        let outcome = hook
            .call_run(&mut store, context)
            .await
            .expect("call")
            .expect("the hook's own error");
        Answer {
            allowed: outcome.allowed,
            findings: outcome.findings.len(),
            create: outcome.create.len(),
        }
    }

    /// Runs a command module's `_start` in a fresh store, the context JSON on
    /// stdin; the exit code and stdout.
    pub async fn call_command(&self, pre: &Pre, name: &str, json: &bytes::Bytes) -> Answer {
        let Pre::Command(pre) = pre else {
            panic!("a component takes a context record (call)")
        };
        let (mut wasi, stdout) = self.wasi();
        wasi.stdin(MemoryInputPipe::new(json.clone())).args(&[name]);
        let mut store = Store::new(&self.engine, wasi.build_p1());
        Self::deadline(&mut store);
        let instance = pre
            .instantiate_async(&mut store)
            .await
            .expect("instantiate");
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .expect("_start");
        let code = match start.call_async(&mut store, ()).await {
            Ok(()) => 0,
            Err(e) => e.downcast_ref::<I32Exit>().expect("exit or trap").0,
        };
        let out: serde_json::Value =
            serde_json::from_slice(&stdout.contents()).unwrap_or(serde_json::Value::Null);
        let count = |key: &str| out.get(key).and_then(|v| v.as_array()).map_or(0, Vec::len);
        Answer {
            allowed: code == 0,
            findings: count("findings"),
            create: count("create"),
        }
    }
}
