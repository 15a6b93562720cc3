//! The `provcheck` command: parses arguments, runs the library, prints the
//! results and turns the outcome into an exit code (0 nothing found, 1 found
//! matches or flags, 2 errors).

mod cli;

fn main() {
    std::process::exit(cli::main());
}
