//! Where a Flux Kustomization's source is in the repository. A `GitRepository` source is
//! taken to be the repository itself (the root every `spec.path` is relative to). An
//! `OCIRepository` or `Bucket` source is an artifact made outside it (pushed by CI from some
//! directory, or a project's published manifests): kforge cannot tell which files it holds,
//! so its Kustomizations are not built. An `ExternalArtifact` made by an `ArtifactGenerator`
//! (`source.extensions.fluxcd.io`, as in fluxcd/flux2-kustomize-helm-example) is the part
//! of the repository its `copy` entries take, when they all keep the layout: every entry
//! `from: "@<alias>/<dir>/**"`, `to: "@artifact/<sub>/"` with `<dir>` ending in `<sub>`, and
//! the same leading directory `<dir>` minus `<sub>` for all; that directory is then the
//! artifact's root.

use crate::hash::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use kforge_value::Value;

use crate::resource::Resource;

use super::build::join_in_root;
use super::sourceignore::Ignore;
use super::spec::FluxKustomization;

/// The repository and the artifact generators found in it.
pub struct SourceRoots {
    /// The repository, as displayed.
    pub root: PathBuf,
    /// `ArtifactGenerator` objects of the repository.
    pub generators: Vec<Resource>,
    /// GitRepository, OCIRepository and Bucket objects of the repository.
    pub repositories: Vec<Resource>,
    /// What each source's artifact leaves out, read once per source.
    pub ignores: Mutex<HashMap<(String, String), Arc<Ignore>>>,
}

/// Whether `r` is a Flux source (GitRepository, OCIRepository, Bucket).
pub fn is_source(r: &Resource) -> bool {
    matches!(r.kind(), "GitRepository" | "OCIRepository" | "Bucket")
        && r.gvk_ref().group == "source.toolkit.fluxcd.io"
}

/// Whether `r` is an `ArtifactGenerator`.
pub fn is_artifact_generator(r: &Resource) -> bool {
    r.kind() == "ArtifactGenerator" && r.gvk_ref().group == "source.extensions.fluxcd.io"
}

/// The directory of the repository an artifact's `copy` entries take as a whole, relative
/// to the root, or why it cannot be told.
fn artifact_base(artifact: &Value) -> std::result::Result<PathBuf, String> {
    let copies = artifact
        .get("copy")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
        .ok_or("it copies nothing")?;
    let mut base: Option<String> = None;
    for c in copies {
        let from = c.get("from").and_then(Value::as_str).unwrap_or_default();
        let to = c.get("to").and_then(Value::as_str).unwrap_or_default();
        let dir = from
            .strip_prefix('@')
            .and_then(|f| f.split_once('/'))
            .and_then(|(_, rest)| rest.strip_suffix("/**"))
            .ok_or_else(|| {
                format!("copy from '{from}' is not a whole directory (`@source/dir/**`)")
            })?;
        let sub = to
            .strip_prefix("@artifact/")
            .ok_or_else(|| format!("copy to '{to}' is not under `@artifact/`"))?
            .trim_end_matches('/');
        let here = if sub.is_empty() {
            Some(dir)
        } else {
            dir.strip_suffix(sub)
                .map(|b| b.trim_end_matches('/'))
                .filter(|b| b.is_empty() || dir[b.len()..].starts_with('/'))
        }
        .ok_or_else(|| format!("copy from '{from}' to '{to}' changes the layout"))?;
        match &base {
            None => base = Some(here.to_owned()),
            Some(b) if b == here => {}
            Some(b) => {
                return Err(format!(
                    "its copies come from different places ('{b}', '{here}')"
                ))
            }
        }
    }
    Ok(PathBuf::from(base.unwrap_or_default()))
}

/// The namespace of `fk`'s source: its `sourceRef`'s, else the Kustomization's.
fn source_namespace(fk: &FluxKustomization) -> &str {
    let source = &fk.spec.source_ref;
    if source.namespace.is_empty() {
        &fk.namespace
    } else {
        &source.namespace
    }
}

/// An object's namespace as the API server sets it (`default` when empty).
fn effective_namespace(r: &Resource) -> &str {
    match r.namespace() {
        "" => "default",
        ns => ns,
    }
}

impl SourceRoots {
    /// The root of `fk`'s source in the repository (as displayed), or why it is not here.
    fn source_root(&self, fk: &FluxKustomization) -> std::result::Result<PathBuf, String> {
        let source = &fk.spec.source_ref;
        let namespace = source_namespace(fk);
        match source.kind.as_str() {
            "ExternalArtifact" => {}
            "OCIRepository" | "Bucket" => {
                let at = self
                    .source(&source.kind, namespace, &source.name)
                    .and_then(|r| {
                        let spec = r.value.get("spec")?;
                        let text = |k: &str| spec.get(k).and_then(Value::as_str);
                        text("url").map(str::to_owned).or_else(|| {
                            Some(format!("{}/{}", text("endpoint")?, text("bucketName")?))
                        })
                    })
                    .map(|url| format!(" ({url})"))
                    .unwrap_or_default();
                return Err(format!(
                    "its source is the {} {namespace}/{}{at}, an artifact made outside this repository whose files kforge cannot tell",
                    source.kind, source.name
                ));
            }
            _ => return Ok(self.root.clone()),
        }
        let artifact = self
            .generators
            .iter()
            .filter(|g| {
                effective_namespace(g) == namespace
            })
            .filter_map(|g| g.value.pointer("/spec/artifacts")?.as_array())
            .flatten()
            .find(|a| a.get("name").and_then(Value::as_str) == Some(source.name.as_str()))
            .ok_or_else(|| {
                format!(
                    "no ArtifactGenerator of this repository makes the ExternalArtifact {namespace}/{}",
                    source.name
                )
            })?;
        let base = artifact_base(artifact).map_err(|why| {
            format!(
                "the ArtifactGenerator's artifact '{}' cannot be mapped onto the repository: {why}",
                source.name
            )
        })?;
        Ok(join_in_root(&self.root, &base.to_string_lossy()))
    }

    /// The source object `kind` `namespace`/`name` when the repository holds it.
    fn source(&self, kind: &str, namespace: &str, name: &str) -> Option<&Resource> {
        self.repositories
            .iter()
            .find(|r| r.kind() == kind && r.name() == name && effective_namespace(r) == namespace)
    }

    /// What the artifact of `fk`'s source leaves out of the repository, and the directory
    /// its patterns are relative to (the repository): the `.sourceignore` files, and the
    /// GitRepository's `spec.ignore` when the repository holds it. An ExternalArtifact is
    /// taken as copied from the repository's files without a `spec.ignore`.
    pub fn ignore(&self, fk: &FluxKustomization) -> (PathBuf, Arc<Ignore>) {
        let source = &fk.spec.source_ref;
        let namespace = source_namespace(fk);
        let key = if source.kind == "GitRepository" {
            (namespace.to_owned(), source.name.clone())
        } else {
            Default::default()
        };
        let mut cache = self.ignores.lock().unwrap_or_else(|e| e.into_inner());
        let ignore = cache.entry(key).or_insert_with(|| {
            let spec_ignore = (source.kind == "GitRepository")
                .then(|| self.source(&source.kind, namespace, &source.name))
                .flatten()
                .and_then(|r| r.value.pointer("/spec/ignore"))
                .and_then(Value::as_str);
            Arc::new(Ignore::load(&self.root, spec_ignore))
        });
        (self.root.clone(), Arc::clone(ignore))
    }

    /// Where `fk`'s `spec.path` is, or a note saying why it is not built.
    pub fn dir(&self, fk: &FluxKustomization) -> std::result::Result<PathBuf, String> {
        let base = self
            .source_root(fk)
            .map_err(|why| format!("not built: {why}"))?;
        let dir = join_in_root(&base, &fk.spec.path);
        if dir.is_dir() {
            return Ok(dir);
        }
        let source = &fk.spec.source_ref;
        Err(format!(
            "not built: spec.path '{}' is not a directory of {} (its source is {} {}: another repository?)",
            fk.spec.path,
            if base == self.root {
                "this repository".to_owned()
            } else {
                format!("'{}'", base.display())
            },
            if source.kind.is_empty() { "a source" } else { &source.kind },
            source.name
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(copies: &str) -> std::result::Result<String, String> {
        let v: Value = serde_json::from_str(copies).unwrap();
        artifact_base(&kforge_value::json!({ "copy": v })).map(|p| p.display().to_string())
    }

    #[test]
    fn artifacts_keeping_the_layout_map_onto_a_directory() {
        assert_eq!(
            base(
                r#"[{"from": "@repo/apps/base/**", "to": "@artifact/base/"},
                     {"from": "@repo/apps/production/**", "to": "@artifact/production/"}]"#
            ),
            Ok("apps".into())
        );
        assert_eq!(
            base(r#"[{"from": "@repo/infrastructure/**", "to": "@artifact/"}]"#),
            Ok("infrastructure".into())
        );
        assert!(base(r#"[{"from": "@repo/apps/*.yaml", "to": "@artifact/"}]"#).is_err());
        assert!(base(r#"[{"from": "@repo/a/**", "to": "@artifact/b/"}]"#).is_err());
        assert!(base(
            r#"[{"from": "@repo/x/a/**", "to": "@artifact/a/"},
                         {"from": "@repo/y/b/**", "to": "@artifact/b/"}]"#
        )
        .is_err());
    }
}
