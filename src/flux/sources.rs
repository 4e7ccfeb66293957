//! Where a Flux Kustomization's source is in the repository. A `GitRepository`,
//! `OCIRepository` or `Bucket` source is taken to be the repository itself (the root every
//! `spec.path` is relative to). An `ExternalArtifact` made by an `ArtifactGenerator`
//! (`source.extensions.fluxcd.io`, as in fluxcd/flux2-kustomize-helm-example) is the part
//! of the repository its `copy` entries take, when they all keep the layout: every entry
//! `from: "@<alias>/<dir>/**"`, `to: "@artifact/<sub>/"` with `<dir>` ending in `<sub>`, and
//! the same leading directory `<dir>` minus `<sub>` for all; that directory is then the
//! artifact's root.

use std::path::PathBuf;

use kforge_value::Value;

use crate::resource::Resource;

use super::build::join_in_root;
use super::spec::FluxKustomization;

/// The repository and the artifact generators found in it.
pub struct SourceRoots {
    /// The repository, as displayed.
    pub root: PathBuf,
    /// `ArtifactGenerator` objects of the repository.
    pub generators: Vec<Resource>,
}

/// Whether `r` is an `ArtifactGenerator`.
pub fn is_artifact_generator(r: &Resource) -> bool {
    r.kind() == "ArtifactGenerator" && r.gvk().group == "source.extensions.fluxcd.io"
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

impl SourceRoots {
    /// The root of `fk`'s source in the repository (as displayed), or why it is not here.
    fn source_root(&self, fk: &FluxKustomization) -> std::result::Result<PathBuf, String> {
        let source = &fk.spec.source_ref;
        if source.kind != "ExternalArtifact" {
            return Ok(self.root.clone());
        }
        let namespace = if source.namespace.is_empty() {
            &fk.namespace
        } else {
            &source.namespace
        };
        let artifact = self
            .generators
            .iter()
            .filter(|g| {
                let ns = g.namespace();
                (if ns.is_empty() { "default" } else { ns }) == namespace
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
