//! `cargo xtask`: Confab's one tool to set up a machine, build, serve and test.
//!
//! - `cargo xtask dev [--port 8787] [-- <wrangler args>]`: set up, build, serve the demo.
//! - `cargo xtask build`: set up and write `dist/` and `relay/build/` (what a deploy needs).
//! - `cargo xtask test [--soak]`: set up (with Chromium), build, and run every test (with
//!   `--soak`, the fuzz targets and the soak run long).
//! - `cargo xtask bench [--quick]`: set up, build (and the baseline room of `bench/baseline/`),
//!   and measure (`target/bench/report.md`).
//!
//! Every step prints a line when it starts and one with its duration when it ends; steps
//! whose result is already there are skipped, so a second run is quick.

mod artifacts;
mod error;
mod serve;
mod setup;
mod step;

use error::{Result, XtaskError};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str =
    "usage: cargo xtask <dev [--port N] [-- wrangler args] | build [--widget] | test [--soak] | bench [--quick]>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("\nxtask: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    let root = repo_root();
    match args.first().map(String::as_str) {
        Some("build") => {
            let widget_only = only_flag(&args[1..], "--widget")?;
            let tools = setup::tools(&root, setup::Needs::Build)?;
            match widget_only {
                true => {
                    artifacts::build_widget(&root, &tools)?;
                    artifacts::report_sizes(&root, &root.join("dist"))?;
                }
                false => artifacts::build_all(&root, &tools)?,
            }
            Ok(())
        }
        Some("dev") => {
            let (port, extra) = parse_dev_args(&args[1..])?;
            let tools = setup::tools(&root, setup::Needs::Build)?;
            artifacts::build_all(&root, &tools)?;
            serve::dev(&root, &tools, port, &extra)
        }
        Some("test") => {
            let length = match only_flag(&args[1..], "--soak")? {
                true => serve::Length::Soak,
                false => serve::Length::Usual,
            };
            let tools = setup::tools(&root, setup::Needs::Test)?;
            artifacts::build_all(&root, &tools)?;
            serve::test(&root, &tools, length)
        }
        Some("bench") => {
            let quick = only_flag(&args[1..], "--quick")?;
            let tools = setup::tools(&root, setup::Needs::Build)?;
            artifacts::build_all(&root, &tools)?;
            serve::bench(&root, &tools, quick)
        }
        _ => Err(XtaskError::Usage(USAGE.to_string())),
    }
}

/// Whether a command's arguments are its one optional `flag` (none at all: false).
fn only_flag(args: &[String], flag: &str) -> Result<bool> {
    match args {
        [] => Ok(false),
        [given] if given == flag => Ok(true),
        _ => {
            // The first argument that is not the flag, or the flag given twice.
            let other = args.iter().find(|arg| *arg != flag).unwrap_or(&args[1]);
            Err(XtaskError::Usage(format!(
                "unknown argument {other}\n{USAGE}"
            )))
        }
    }
}

fn parse_dev_args(args: &[String]) -> Result<(u16, Vec<String>)> {
    let mut port = 8787;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--port" => {
                port = rest
                    .next()
                    .and_then(|value| value.parse().ok())
                    .ok_or_else(|| XtaskError::Usage(format!("--port needs a number\n{USAGE}")))?
            }
            "--" => return Ok((port, rest.cloned().collect())),
            other => {
                return Err(XtaskError::Usage(format!(
                    "unknown argument {other}\n{USAGE}"
                )))
            }
        }
    }
    Ok((port, Vec::new()))
}

/// The workspace root (the folder above `xtask/`).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
