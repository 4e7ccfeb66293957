//! What a subcommand ends with, and the one mapping from that to the process exit code.

use std::fmt;
use std::process::ExitCode;

/// How a subcommand that ran to its end went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Nothing to report: exit 0.
    Clean,
    /// Findings at or above the threshold, a difference, an out-of-date tree: exit 1.
    Findings,
}

/// A tool failure (bad input, unwritable output): printed as `error: ...`, exit 2.
#[derive(Debug)]
pub enum Failure {
    /// The library refused the input.
    Input(kforge::Error),
    /// Standard output or the output file could not be written.
    Output(std::io::Error),
    /// Anything else, in one line.
    Message(String),
}

/// What every subcommand returns.
pub type Outcome = Result<Status, Failure>;

impl From<kforge::Error> for Failure {
    fn from(e: kforge::Error) -> Failure {
        Failure::Input(e)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Input(e) => e.fmt(f),
            Failure::Output(e) => write!(f, "cannot write output: {e}"),
            Failure::Message(m) => f.write_str(m),
        }
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Clean => ExitCode::SUCCESS,
            Status::Findings => ExitCode::from(1),
        }
    }
}

/// The exit code of an outcome; a failure is reported on standard error here, once.
pub fn exit_code(outcome: Outcome) -> ExitCode {
    match outcome {
        Ok(status) => status.into(),
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::from(2)
        }
    }
}
