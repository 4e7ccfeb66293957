//! Resource files parsed once per run and shared by every build of that run: `kforge
//! check`, `render` and `diff` build many overlays over the same bases.

use crate::hash::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::error::Result;
use crate::resource::Resource;

type Slot = Arc<OnceLock<Result<Vec<Resource>>>>;

/// The objects of each resource file read so far, by (canonical path, path as shown).
///
/// Only for one run over files that do not change meanwhile: a file edited after it was
/// cached is not read again. Builds that share a cache get copies of the same objects
/// (the source positions are shared, not copied).
#[derive(Default)]
pub struct ParseCache {
    files: Mutex<HashMap<(PathBuf, PathBuf), Slot>>,
}

impl std::fmt::Debug for ParseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.files.lock().map_or(0, |m| m.len());
        write!(f, "ParseCache({n} files)")
    }
}

impl ParseCache {
    /// The objects of `path` (shown as `display`), from `load` the first time; a build
    /// that asks while another is loading the same file waits for that load.
    pub fn objects(
        &self,
        path: &Path,
        display: &Path,
        load: impl FnOnce() -> Result<Vec<Resource>>,
    ) -> Result<Vec<Resource>> {
        let slot = {
            let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
            files
                .entry((path.to_path_buf(), display.to_path_buf()))
                .or_default()
                .clone()
        };
        slot.get_or_init(load).clone()
    }

    /// Number of files held.
    pub fn len(&self) -> usize {
        self.files.lock().map_or(0, |m| m.len())
    }

    /// True when no file was read through the cache yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
