//! Output: standard output and files written whole or not at all.

use std::io::{ErrorKind, Write};
use std::path::Path;

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

/// Write `path`, whose content is given in consecutive parts, through a temporary file
/// beside it and a rename, so that readers see the old content or the new, never a part.
pub fn write_parts_atomically(path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.kforge-tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        for bytes in parts {
            f.write_all(bytes)?;
        }
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
