//! Tool failures: input kforge cannot build. (Findings about valid input are not errors.)

use std::fmt;
use std::path::{Path, PathBuf};

use crate::source::Pos;

/// A failure that stops a build: the file, the position when known, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The file the problem is in, when there is one.
    pub file: Option<PathBuf>,
    /// Line and column in that file.
    pub pos: Option<Pos>,
    /// One-line cause.
    pub message: String,
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error not tied to a file.
    pub fn msg(message: impl Into<String>) -> Error {
        Error {
            file: None,
            pos: None,
            message: message.into(),
        }
    }

    /// An error about a file.
    pub fn at(file: &Path, pos: Option<Pos>, message: impl Into<String>) -> Error {
        Error {
            file: Some(file.to_path_buf()),
            pos,
            message: message.into(),
        }
    }

    /// Add a file (and position) when the error has none yet.
    pub fn in_file(mut self, file: &Path, pos: Option<Pos>) -> Error {
        if self.file.is_none() {
            self.file = Some(file.to_path_buf());
            self.pos = pos;
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, &self.pos) {
            (Some(file), Some(pos)) => write!(f, "{}:{}: {}", file.display(), pos, self.message),
            (Some(file), None) => write!(f, "{}: {}", file.display(), self.message),
            _ => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for Error {}
