//! `httpdb`: the command-line client, a thin layer over the library.
//!
//! - `args`: the clap definitions;
//! - `connection`: flags and URI to `Settings` and a `Client`;
//! - `commands`: which subcommand does what;
//! - `request`: the request subcommands;
//! - `check`: `httpdb check`, printed;
//! - `body`: the body of `--data`, streamed from files and stdin;
//! - `progress`: the progress bar of long downloads on a terminal;
//! - `output`: stdout, stderr messages and exit statuses;
//! - `logging`: the stderr logger of --log;
//! - `verbose`: the exchange as -v prints it;
//! - `write_out`: what -w prints after a transfer;
//! - `redact`: the secret scrubber for stderr.

#![forbid(unsafe_code)]

mod args;
mod body;
mod check;
mod commands;
mod connection;
mod logging;
mod output;
mod progress;
mod redact;
mod request;
mod verbose;
mod write_out;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Usage errors exit 2, --help and --version 0, as clap does.
    let cli = args::Cli::parse();
    logging::init(cli.log);
    let exit = match commands::run(cli) {
        Ok(exit) => exit,
        Err(error) => output::report(&error),
    };
    log::logger().flush();
    exit.into()
}
