//! The xtask's one error type.

use std::path::PathBuf;

/// What can stop a set-up, build, serve or test run.
#[derive(Debug, thiserror::Error)]
pub enum XtaskError {
    /// The command line was not understood.
    #[error("{0}")]
    Usage(String),
    /// A program could not be started at all.
    #[error("could not run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// A program ran and failed.
    #[error("`{command}` failed ({status})")]
    Failed {
        /// The command line.
        command: String,
        /// Its exit status.
        status: std::process::ExitStatus,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Something the build needs is not there.
    #[error("{0}")]
    Missing(String),
}

/// The xtask's result type.
pub type Result<T> = std::result::Result<T, XtaskError>;

/// Attaches a path to an IO error.
pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> XtaskError {
    let path = path.into();
    move |source| XtaskError::Io { path, source }
}
