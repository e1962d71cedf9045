//! `windlass`: the command line. Data goes to stdout, progress and diagnostics
//! to stderr.
//!
//! Exit codes: 0 success; 1 the command failed (bad input, a failed hook, a
//! held lock — the message says which); 2 the command line itself is wrong
//! (unknown flag, missing argument).

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the binary is where output is written"
)]

mod args;
mod commands;
mod output;
mod progress;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than the system allocator: rendering a chart is
/// allocation-heavy (template trees, values), and glibc's malloc took a
/// quarter of a render (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => match error.downcast_ref::<commands::ExitWith>() {
            Some(exit) => {
                if exit.message.is_some() {
                    report(&error);
                }
                ExitCode::from(exit.code)
            }
            None => {
                report(&error);
                ExitCode::FAILURE
            }
        },
    }
}

/// `Error: <message>` on one line (Helm's form), then `hint: ...` when there is
/// one way out.
fn report(error: &anyhow::Error) {
    eprintln!("Error: {}", message(error));
    if let Some(hint) = error
        .downcast_ref::<windlass_engine::Error>()
        .and_then(windlass_engine::Error::hint)
    {
        eprintln!("hint: {hint}");
    }
}

/// The error and its causes on one line, leaving out a cause whose text the
/// message already carries (most of our errors name their cause themselves).
fn message(error: &anyhow::Error) -> String {
    let mut message = error.to_string();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
    }
    message.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let error = anyhow::Error::new(io).context("cannot read `x`: gone");
        assert_eq!(message(&error), "cannot read `x`: gone");
        let error = anyhow::anyhow!("inner").context("outer");
        assert_eq!(message(&error), "outer: inner");
    }
}
