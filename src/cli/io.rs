//! Output: standard output and files written whole or not at all.

use std::io::{ErrorKind, Write};

use super::Failure;

/// Write `bytes` to standard output; a reader that went away (`| head`) is no failure.
pub fn print(bytes: &[u8]) -> Result<(), Failure> {
    output(std::io::stdout().lock().write_all(bytes))
}

/// The result of writing the output: a closed pipe counts as written.
pub fn output(written: std::io::Result<()>) -> Result<(), Failure> {
    match written {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(Failure::Output(e)),
        _ => Ok(()),
    }
}

pub use kforge::fileio::{write_atomically, write_parts_atomically};
