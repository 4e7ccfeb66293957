//! Finding what `kforge check --flux` works from in the repository's files: the Flux
//! Kustomizations under the directory given, and the ConfigMaps and Secrets anywhere in
//! the repository (which `substituteFrom` may name when no Kustomization applies them).

use std::path::{Path, PathBuf};

use crate::kustomize::loader::{load_manifests, KUSTOMIZATION_FILES};
use crate::resource::Resource;
use crate::source::Limits;

use super::spec::is_flux_kustomization;

/// What the files hold.
#[derive(Default)]
pub struct Found {
    /// The Flux Kustomizations (`kustomize.toolkit.fluxcd.io/v1`) under the directory, in
    /// file order.
    pub kustomizations: Vec<Resource>,
    /// Every ConfigMap and Secret of the repository, in file order.
    pub sources: Vec<Resource>,
}

/// At most this many directories are searched (a safety bound for huge trees).
const MAX_DIRS: usize = 50_000;

/// The YAML files under `root` (as displayed), in path order: hidden directories and the
/// ones kforge never searches (`tests`, `vendor`, ...) left out, kustomization files too.
fn yaml_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    let mut seen = 0usize;
    while let Some(dir) = stack.pop() {
        seen += 1;
        if seen > MAX_DIRS {
            break;
        }
        let Ok(read) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<(String, PathBuf, bool)> = read
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let is_dir = e.file_type().ok()?.is_dir();
                Some((name, e.path(), is_dir))
            })
            .filter(|(name, _, _)| !name.starts_with('.'))
            .collect();
        entries.sort();
        let mut subdirs = Vec::new();
        for (name, path, is_dir) in entries {
            if is_dir {
                if !crate::workspace::SKIPPED.contains(&name.as_str()) {
                    subdirs.push(path);
                }
            } else if (name.ends_with(".yaml") || name.ends_with(".yml"))
                && !KUSTOMIZATION_FILES.contains(&name.as_str())
            {
                out.push(path);
            }
        }
        stack.extend(subdirs.into_iter().rev());
    }
    out.sort();
    out
}

/// Read the files of the repository at `root`: Flux Kustomizations of the files under
/// `dir` (both as displayed, `dir` inside `root`), ConfigMaps and Secrets of all. A file
/// that is not YAML of objects (a Helm template, a values file) is passed over.
pub fn scan(root: &Path, dir: &Path, limits: &Limits) -> Found {
    let dir_canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut found = Found::default();
    for file in yaml_files(root) {
        let Ok(objects) = load_manifests(&file, limits) else {
            continue;
        };
        let under = std::fs::canonicalize(&file).is_ok_and(|f| f.starts_with(&dir_canonical));
        for r in objects {
            if under && is_flux_kustomization(&r) {
                found.kustomizations.push(r);
            } else if matches!(r.kind(), "ConfigMap" | "Secret")
                && r.value.get("apiVersion").and_then(|v| v.as_str()) == Some("v1")
            {
                found.sources.push(r);
            }
        }
    }
    found
}
