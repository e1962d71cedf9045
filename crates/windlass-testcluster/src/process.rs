//! Starting and stopping the processes a cluster owns, and making sure none outlives us.
//!
//! Three layers, because a test binary ends with `exit()` and never drops statics:
//! - [`Supervised`] stops its process on request (SIGTERM, then SIGKILL), by pid;
//! - every pid and temp dir is also recorded in a process-wide registry that an `atexit`
//!   handler drains, so the shared cluster dies with the test binary;
//! - every child is started under `setpriv --pdeathsig KILL`, so it dies even when we are
//!   killed by a signal and no handler runs. The death signal fires when the *thread* that
//!   spawned the child ends, so children are only spawned from a cluster's own long-lived
//!   thread.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};
use std::thread::sleep;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, WaitOptions};

use crate::error::{Error, Result};

/// How long a process gets between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_secs(5);

/// A child process we started, with its log file.
pub(crate) struct Supervised {
    pub(crate) name: String,
    pub(crate) log: PathBuf,
    child: Child,
}

impl Supervised {
    /// Starts `program args` with stdout and stderr appended to `log`, in its own process
    /// group (so a terminal's Ctrl-C reaches us, not it, and we stop it in order).
    pub(crate) fn spawn(name: &str, program: &Path, args: &[String], log: PathBuf) -> Result<Self> {
        let out = File::create(&log).map_err(Error::io(format!("creating `{}`", log.display())))?;
        let err = out
            .try_clone()
            .map_err(Error::io(format!("opening `{}`", log.display())))?;
        let mut command = orphan_proof_command(program);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .spawn()
            .map_err(Error::io(format!("starting `{}`", program.display())))?;
        registry()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pids
            .push(child.id());
        Ok(Self {
            name: name.to_owned(),
            log,
            child,
        })
    }

    /// `Some(description)` if the process has exited.
    pub(crate) fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!("exited ({status})")),
            Ok(None) => None,
            Err(e) => Some(format!("cannot be waited for ({e})")),
        }
    }

    /// SIGTERM, up to [`GRACE`] to exit, then SIGKILL; reaps the process.
    pub(crate) fn stop(&mut self) {
        let pid = self.child.id();
        if self.child.try_wait().ok().flatten().is_none() {
            signal(pid, Signal::TERM);
            let deadline = Instant::now() + GRACE;
            while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                sleep(Duration::from_millis(50));
            }
            // `Child::kill` is SIGKILL, and a no-op error if it already exited.
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        registry()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pids
            .retain(|p| *p != pid);
    }
}

/// A [`Command`] for `program` that dies with the spawning thread when `setpriv` exists.
pub(crate) fn orphan_proof_command(program: &Path) -> Command {
    match setpriv() {
        Some(setpriv) => {
            let mut command = Command::new(setpriv);
            command.args(["--pdeathsig", "KILL", "--"]).arg(program);
            command
        }
        None => Command::new(program),
    }
}

/// `setpriv` from util-linux, if installed.
pub(crate) fn setpriv() -> Option<&'static Path> {
    static SETPRIV: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    SETPRIV
        .get_or_init(|| {
            ["/usr/bin/setpriv", "/bin/setpriv"]
                .iter()
                .map(PathBuf::from)
                .find(|p| p.is_file())
        })
        .as_deref()
}

/// Sends `sig` to `pid`; a process that is already gone is not an error here.
pub(crate) fn signal(pid: u32, sig: Signal) {
    if let Some(pid) = pid_of(pid) {
        let _ = rustix::process::kill_process(pid, sig);
    }
}

/// Sends `sig` to the process group led by `pid`.
pub(crate) fn signal_group(pid: u32, sig: Signal) {
    if let Some(pid) = pid_of(pid) {
        let _ = rustix::process::kill_process_group(pid, sig);
    }
}

/// The last `lines` lines of a log file (at most 64 KiB of it), for error messages.
pub(crate) fn log_tail(path: &Path, lines: usize) -> String {
    let Ok(mut file) = File::open(path) else {
        return "(no log)".to_owned();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// What the `atexit` handler cleans up: pids of live processes (and pod process groups)
/// and temp dirs of live clusters.
#[derive(Default)]
struct Registry {
    pids: Vec<u32>,
    groups: Vec<u32>,
    dirs: Vec<PathBuf>,
}

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
        pids: Vec::new(),
        groups: Vec::new(),
        dirs: Vec::new(),
    });
    &REGISTRY
}

/// Records a pod's process group for the exit handler.
pub(crate) fn track_group(pid: u32) {
    registry()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .groups
        .push(pid);
}

/// Forgets a pod's process group once it has been reaped.
pub(crate) fn untrack_group(pid: u32) {
    registry()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .groups
        .retain(|p| *p != pid);
}

/// Records a cluster's temp dir for the exit handler.
pub(crate) fn track_dir(dir: &Path) {
    install_exit_handler();
    registry()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .dirs
        .push(dir.to_owned());
}

/// Forgets a temp dir its cluster has removed itself.
pub(crate) fn untrack_dir(dir: &Path) {
    registry()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .dirs
        .retain(|d| d != dir);
}

/// Stops everything still recorded: SIGTERM, a short wait, SIGKILL, then removes temp dirs.
/// Runs at process exit; must not panic.
fn stop_everything() {
    EXITING.store(true, Ordering::SeqCst);
    let registry = std::mem::take(&mut *registry().lock().unwrap_or_else(|e| e.into_inner()));
    for &pid in &registry.groups {
        signal_group(pid, Signal::KILL);
    }
    for &pid in &registry.pids {
        signal(pid, Signal::TERM);
    }
    // Reap them here (their `Child` handles live on a thread that is not waiting), so no
    // zombies are left for init.
    let mut running = registry.pids.clone();
    let deadline = Instant::now() + GRACE;
    while !running.is_empty() && Instant::now() < deadline {
        running.retain(|&pid| !reaped(pid));
        sleep(Duration::from_millis(20));
    }
    for &pid in &running {
        signal(pid, Signal::KILL);
        let _ = pid_of(pid).map(|pid| rustix::process::waitpid(Some(pid), WaitOptions::empty()));
    }
    for dir in &registry.dirs {
        // A write already under way when `EXITING` was set can make one attempt fail.
        for _ in 0..3 {
            if std::fs::remove_dir_all(dir).is_ok() || !dir.exists() {
                break;
            }
            sleep(Duration::from_millis(20));
        }
    }
}

/// Set when the process exits with clusters still running: the node's threads live on
/// while the exit handler removes their temp dirs, and must not write into them anymore.
static EXITING: AtomicBool = AtomicBool::new(false);

/// Whether the process is exiting (see [`EXITING`]).
pub(crate) fn exiting() -> bool {
    EXITING.load(Ordering::SeqCst)
}

/// Whether our child `pid` has exited (and is now reaped), or is not ours to wait for.
fn reaped(pid: u32) -> bool {
    pid_of(pid).is_none_or(|pid| {
        !matches!(
            rustix::process::waitpid(Some(pid), WaitOptions::NOHANG),
            Ok(None)
        )
    })
}

fn pid_of(pid: u32) -> Option<Pid> {
    i32::try_from(pid).ok().and_then(Pid::from_raw)
}

extern "C" fn at_exit() {
    // Unwinding out of an `extern "C"` fn aborts; nothing in here should panic anyway.
    let _ = std::panic::catch_unwind(stop_everything);
}

/// Registers [`stop_everything`] with `atexit(3)`, once per process.
#[allow(unsafe_code)]
fn install_exit_handler() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: `at_exit` is a plain `extern "C" fn()` with no arguments, valid for the
        // whole life of the process, which is all `atexit` requires. Rust's own runtime has
        // no objection to atexit handlers; the handler only uses std APIs that remain usable
        // during `exit()` (locks, syscalls, the file system) and does not print.
        unsafe {
            libc::atexit(at_exit);
        }
    });
}
