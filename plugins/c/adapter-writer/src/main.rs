//! `windlass-wasi-adapter-writer DIR`: writes the reactor and command adapters
//! of `wasi-preview1-component-adapter-provider` into DIR.

use std::{env, fs, path::PathBuf, process::ExitCode};

use wasi_preview1_component_adapter_provider::{
    WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER, WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let [dir] = args.as_slice() else {
        eprintln!("usage: windlass-wasi-adapter-writer DIR");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    let files = [
        (
            "wasi_snapshot_preview1.reactor.wasm",
            WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
        ),
        (
            "wasi_snapshot_preview1.command.wasm",
            WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
        ),
    ];
    for (name, bytes) in files {
        let path = dir.join(name);
        if let Err(e) = fs::write(&path, bytes) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
