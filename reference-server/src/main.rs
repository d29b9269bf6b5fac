//! `fotobase`: the command-line tool (and, in later releases, the reference server).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
