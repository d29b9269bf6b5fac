//! `fotobase`: the command-line tool and the reference server (`fotobase serve`).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
