//! Finding what `kforge check --flux` works from in the repository's files: the Flux
//! Kustomizations under the directory given, and the ConfigMaps and Secrets anywhere in
//! the repository (which `substituteFrom` may name when no Kustomization applies them).

use std::path::{Path, PathBuf};

use crate::kustomize::loader::{load_manifests, KUSTOMIZATION_FILES};
use crate::resource::Resource;
use crate::source::Limits;

use super::sources::{is_artifact_generator, is_source};
use super::spec::is_flux_kustomization;

/// What the files hold.
#[derive(Default)]
pub struct Found {
    /// The Flux Kustomizations (`kustomize.toolkit.fluxcd.io/v1`) under the directory, in
    /// file order.
    pub kustomizations: Vec<Resource>,
    /// Every ConfigMap and Secret of the repository, in file order.
    pub sources: Vec<Resource>,
    /// Every `ArtifactGenerator` of the repository ([`super::sources`]).
    pub generators: Vec<Resource>,
    /// Every GitRepository, OCIRepository and Bucket of the repository (their
    /// `spec.ignore`, [`super::sourceignore`]).
    pub repositories: Vec<Resource>,
}

/// The YAML files under `root` (as displayed), in path order: the directories a repository
/// search looks in ([`crate::workspace::searched_dirs`]), kustomization files left out.
fn yaml_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in crate::workspace::searched_dirs(root) {
        let Ok(read) = std::fs::read_dir(&dir) else {
            continue;
        };
        out.extend(
            read.filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    !name.starts_with('.')
                        && (name.ends_with(".yaml") || name.ends_with(".yml"))
                        && !KUSTOMIZATION_FILES.contains(&name.as_str())
                })
                .map(|e| {
                    let p = e.path();
                    p.strip_prefix(".")
                        .map_or_else(|_| p.clone(), Path::to_path_buf)
                }),
        );
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
    // DIR is searched even when the repository's search passes over it (a `tests`
    // directory named on the command line).
    let mut seen = crate::hash::HashSet::default();
    let mut files: Vec<PathBuf> = yaml_files(root)
        .into_iter()
        .chain(yaml_files(dir))
        .filter(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())))
        .collect();
    files.sort();
    let read = crate::parallel::map(&files, |file| {
        let under = std::fs::canonicalize(file).is_ok_and(|f| f.starts_with(&dir_canonical));
        load_manifests(file, limits)
            .ok()
            .map(|objects| (under, objects))
    });
    for (under, objects) in read.into_iter().flatten() {
        for r in objects {
            if under && is_flux_kustomization(&r) {
                found.kustomizations.push(r);
            } else if is_artifact_generator(&r) {
                found.generators.push(r);
            } else if is_source(&r) {
                found.repositories.push(r);
            } else if matches!(r.kind(), "ConfigMap" | "Secret")
                && r.value.get("apiVersion").and_then(|v| v.as_str()) == Some("v1")
            {
                found.sources.push(r);
            }
        }
    }
    found
}
