//! What a packaged source holds of a directory tree (`kforge check --flux`: the artifact
//! source-controller makes of a GitRepository): the build refuses a file it does not hold.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Whether a packaged source leaves out the file at these path components (from its root).
pub type LeavesOut = dyn Fn(&[&str]) -> bool + Send + Sync;

/// Which files under a directory a packaged source leaves out (Flux's `.sourceignore`).
#[derive(Clone)]
pub struct SourceFilter {
    /// The source's root directory, canonical.
    pub root: PathBuf,
    /// Whether the file at these path components (from the root) is left out.
    pub leaves_out: std::sync::Arc<LeavesOut>,
    /// Where the patterns come from, for messages (`.sourceignore and spec.ignore`).
    pub why: String,
}

impl std::fmt::Debug for SourceFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceFilter")
            .field("root", &self.root)
            .field("why", &self.why)
            .finish_non_exhaustive()
    }
}

impl SourceFilter {
    /// The components of `path` (joined lexically from a canonical directory, not
    /// resolved) from the root, or why the source does not hold it: a symbolic link on the
    /// way (a packaged source holds none). `None` for a path outside the root, which is not
    /// the filter's to judge.
    pub fn components(&self, path: &Path) -> Option<Result<Vec<String>>> {
        let rel = path.strip_prefix(&self.root).ok()?;
        let mut at = self.root.clone();
        let mut parts: Vec<String> = Vec::new();
        for c in rel.components() {
            at.push(c);
            parts.push(c.as_os_str().to_string_lossy().into_owned());
            if at
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink())
            {
                return Some(Err(Error::msg(format!(
                    "'{}' is a symbolic link (source-controller archives none)",
                    parts.join("/")
                ))));
            }
        }
        Some(Ok(parts))
    }

    /// Why the source does not hold the file at `path` (as for [`Self::components`]), or
    /// `None` when it holds it.
    pub fn left_out(&self, path: &Path) -> Option<String> {
        match self.components(path)? {
            Err(e) => Some(e.message),
            Ok(parts) => {
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                (!parts.is_empty() && (self.leaves_out)(&parts))
                    .then(|| format!("{} leave it out", self.why))
            }
        }
    }
}
