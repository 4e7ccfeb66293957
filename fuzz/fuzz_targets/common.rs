//! A private directory per fuzz process holding the files of one input.

use std::path::{Path, PathBuf};

/// Split `text` by lines `---FILE---` into kustomization.yaml, resources.yaml and
/// patch.yaml (missing parts are empty), write them, and run `f` on the directory.
pub fn with_dir(text: &str, f: impl FnOnce(&Path)) {
    let dir: PathBuf = std::env::temp_dir().join(format!("kforge-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let mut parts = text.split("\n---FILE---\n");
    for name in ["kustomization.yaml", "resources.yaml", "patch.yaml"] {
        let _ = std::fs::write(dir.join(name), parts.next().unwrap_or(""));
    }
    f(&dir);
}
