//! Command-line interface: argument definitions (clap) and the dispatcher.

mod args;
mod commands;
mod progress;

use clap::Parser;

pub use args::Cli;

/// Exit codes, as ripgrep's: found / not found / error.
pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FOUND: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// [`EXIT_ERROR`] when some files failed, else [`EXIT_CLEAN`].
pub fn exit_for_failures(failed: bool) -> i32 {
    if failed {
        EXIT_ERROR
    } else {
        EXIT_CLEAN
    }
}

pub fn main() -> i32 {
    // Decoder panics are caught per file and reported as that file's error;
    // the default hook would also print a backtrace for each. Keep stderr to
    // our own messages, and turn any other panic into a clear internal error.
    std::panic::set_hook(Box::new(|_| {}));
    match std::panic::catch_unwind(run) {
        Ok(code) => code,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            eprintln!("provcheck: internal error: {msg} (please report this with the input that caused it)");
            EXIT_ERROR
        }
    }
}

fn run() -> i32 {
    let cli = Cli::parse();
    if let Err(e) = cli.check_format() {
        // A usage error, as clap's own: message on stderr, exit code 2.
        e.exit();
    }
    if let Some(n) = cli.threads {
        // Only fails if a pool exists already, which cannot happen here.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    match commands::run(&cli) {
        Ok(code) => code,
        // The reader went away (`provcheck ... | head`): not an error.
        Err(e) if is_broken_pipe(&e) => EXIT_CLEAN,
        Err(e) => {
            eprintln!("provcheck: {e:#}");
            EXIT_ERROR
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
