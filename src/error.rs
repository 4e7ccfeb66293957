//! Tool failures: input kforge cannot build. (Findings about valid input are not errors.)

use std::fmt;
use std::path::{Path, PathBuf};

use crate::source::Pos;

/// What kind of failure an [`Error`] is, for code that must tell them apart (callers
/// never branch on message text). Every kind is a tool failure (exit code 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorKind {
    /// Input kforge cannot build as written (the default).
    #[default]
    Invalid,
    /// A directory holds no kustomization file.
    NoKustomization,
    /// A file or directory could not be read (missing, permissions, not UTF-8).
    Io,
    /// A file outside what the load restrictor allows.
    Restricted,
    /// A kustomization field or feature kforge does not support.
    Unsupported,
    /// An external program (helm, git) failed or is missing, or a remote fetch failed.
    External,
}

/// A failure that stops a build: the file, the position when known, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What kind of failure.
    pub kind: ErrorKind,
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
            kind: ErrorKind::Invalid,
            file: None,
            pos: None,
            message: message.into(),
        }
    }

    /// An error about a file.
    pub fn at(file: &Path, pos: Option<Pos>, message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Invalid,
            file: Some(file.to_path_buf()),
            pos,
            message: message.into(),
        }
    }

    /// The same error, of another kind.
    pub fn kind(mut self, kind: ErrorKind) -> Error {
        self.kind = kind;
        self
    }

    /// A file that could not be read.
    pub fn io(file: &Path, message: impl Into<String>) -> Error {
        Error::at(file, None, message).kind(ErrorKind::Io)
    }

    /// The same error, naming another file and position (keeps the kind).
    pub fn moved_to(mut self, file: &Path, pos: Option<Pos>) -> Error {
        self.file = Some(file.to_path_buf());
        self.pos = pos;
        self
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
