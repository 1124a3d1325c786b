//! Progress lines: each step says what it does when it starts, and how long it took when it
//! ends; and one helper to run a program and fail with its command line.

use crate::error::{Result, XtaskError};
use std::process::Command;
use std::time::Instant;

/// Runs `work` as a named step, printing `▶ name` before and `✓ name (1.2s)` after.
pub fn step<T>(name: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
    eprintln!("▶ {name}");
    let started = Instant::now();
    let result = work();
    let seconds = started.elapsed().as_secs_f64();
    match &result {
        Ok(_) => eprintln!("✓ {name} ({seconds:.1}s)"),
        Err(_) => eprintln!("✗ {name} ({seconds:.1}s)"),
    }
    result
}

/// Prints a step that had nothing to do.
pub fn skipped(name: &str, why: &str) {
    eprintln!("· {name}: {why}");
}

/// Runs a command to completion, inheriting stdout and stderr; fails on a non-zero exit.
pub fn run(command: &mut Command) -> Result<()> {
    let status = command.status().map_err(|source| XtaskError::Spawn {
        program: describe(command),
        source,
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(XtaskError::Failed {
            command: describe(command),
            status,
        })
    }
}

/// Runs a command and returns its stdout; its stderr goes to the terminal.
pub fn run_for_stdout(command: &mut Command) -> Result<String> {
    let output = command
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|source| XtaskError::Spawn {
            program: describe(command),
            source,
        })?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(XtaskError::Failed {
            command: describe(command),
            status: output.status,
        })
    }
}

/// Runs a command and returns its stdout, or `None` if it cannot start or fails.
pub fn output(command: &mut Command) -> Option<String> {
    let output = command.output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
