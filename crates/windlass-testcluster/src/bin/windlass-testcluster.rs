//! `windlass-testcluster up [--bin-dir D]`: a test cluster by hand, until Ctrl-C or SIGTERM.
//!
//! Stdout carries the kubeconfig paths and an `export KUBECONFIG=...` line; progress and
//! errors go to stderr.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use tokio::signal::unix::{Signal, SignalKind, signal};
use windlass_testcluster::{TestCluster, default_bin_dir};

const USAGE: &str = "usage: windlass-testcluster up [--bin-dir DIR]\n\n\
    Starts etcd, kube-apiserver, kube-controller-manager and a simulated node on loopback,\n\
    prints the kubeconfig paths, and runs until Ctrl-C or SIGTERM.\n\
    DIR defaults to $WINDLASS_CONTROL_PLANE_BIN, else the cache of scripts/setup-control-plane.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bin_dir = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["up"] => default_bin_dir(),
        ["up", "--bin-dir", dir] => PathBuf::from(dir),
        ["-h" | "--help" | "help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };

    // Signal handlers first, so a Ctrl-C during startup still stops the cluster cleanly.
    let signals = match Signals::install() {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("error: installing signal handlers: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("starting a control plane from `{}`...", bin_dir.display());
    let cluster = match TestCluster::start(&bin_dir) {
        Ok(cluster) => cluster,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("admin kubeconfig: {}", cluster.admin_kubeconfig().display());
    println!(
        "restricted kubeconfig: {}",
        cluster.restricted_kubeconfig().display()
    );
    println!("export KUBECONFIG={}", cluster.admin_kubeconfig().display());
    eprintln!(
        "running (logs in `{}`); Ctrl-C or SIGTERM stops it",
        cluster.dir().display()
    );
    signals.wait();
    eprintln!("stopping...");
    cluster.stop();
    ExitCode::SUCCESS
}

/// SIGINT and SIGTERM, caught. The cluster runs on its own thread meanwhile.
struct Signals {
    runtime: tokio::runtime::Runtime,
    interrupt: Signal,
    terminate: Signal,
}

impl Signals {
    fn install() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (interrupt, terminate) = runtime.block_on(async {
            Ok::<_, std::io::Error>((
                signal(SignalKind::interrupt())?,
                signal(SignalKind::terminate())?,
            ))
        })?;
        Ok(Self {
            runtime,
            interrupt,
            terminate,
        })
    }

    /// Blocks until either signal arrives.
    fn wait(mut self) {
        self.runtime.block_on(async {
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
            }
        });
    }
}
