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

pub fn main() -> i32 {
    let cli = Cli::parse();
    if let Some(n) = cli.threads {
        // Only fails if a pool exists already, which cannot happen here.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    match commands::run(&cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("provcheck: {e:#}");
            EXIT_ERROR
        }
    }
}
