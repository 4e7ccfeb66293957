//! A Flux `Kustomization` (`kustomize.toolkit.fluxcd.io/v1`) as kforge reads it: the fields
//! kustomize-controller uses to build and substitute, with their JSON pointers for
//! messages. Plain values, read from the object as written or as applied (substituted by
//! the Kustomization that applies it).

use std::collections::BTreeMap;

use kforge_value::Value;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::Selector;
use crate::resource::Resource;

/// The API group and version kforge checks.
pub const API_VERSION: &str = "kustomize.toolkit.fluxcd.io/v1";
/// The label or annotation that turns substitution off for one object, and its value.
pub const SUBSTITUTE_KEY: &str = "kustomize.toolkit.fluxcd.io/substitute";
/// The value of [`SUBSTITUTE_KEY`] that turns substitution off.
pub const DISABLED: &str = "disabled";

/// Whether `r` is a Flux Kustomization of the version kforge checks.
pub fn is_flux_kustomization(r: &Resource) -> bool {
    r.kind() == "Kustomization"
        && r.value.get("apiVersion").and_then(Value::as_str) == Some(API_VERSION)
}

/// The spec fields kustomize-controller's build and post-build read.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    /// The directory to build, relative to the source's root.
    #[serde(default)]
    pub path: String,
    /// The source (a GitRepository, OCIRepository, Bucket or ExternalArtifact).
    #[serde(default)]
    pub source_ref: SourceRef,
    /// Sets or overrides the kustomization's `namespace`.
    pub target_namespace: Option<String>,
    /// Sets or overrides the kustomization's `namePrefix`.
    pub name_prefix: Option<String>,
    /// Sets or overrides the kustomization's `nameSuffix`.
    pub name_suffix: Option<String>,
    /// Appended to the kustomization's `patches`.
    #[serde(default)]
    pub patches: Vec<Patch>,
    /// Merged into the kustomization's `images` (`name`, `newName`, `newTag`, `digest`;
    /// the API server drops a `tagSuffix`, and kforge ignores it).
    #[serde(default)]
    pub images: Vec<crate::model::Image>,
    /// Appended to the kustomization's `components` (local relative paths only).
    #[serde(default)]
    pub components: Vec<String>,
    /// Components whose directory is missing are left out rather than failing.
    #[serde(default)]
    pub ignore_missing_components: bool,
    /// Replaces the kustomization's `buildMetadata` when not empty.
    #[serde(default)]
    pub build_metadata: Vec<String>,
    /// Labels and annotations set on every object after substitution.
    pub common_metadata: Option<CommonMetadata>,
    /// Variable substitution after the build.
    pub post_build: Option<PostBuild>,
    /// Flux does not reconcile a suspended Kustomization.
    #[serde(default)]
    pub suspend: bool,
}

/// `spec.sourceRef`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SourceRef {
    /// Kind of the source.
    #[serde(default)]
    pub kind: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its namespace (the Kustomization's when empty).
    #[serde(default)]
    pub namespace: String,
}

/// One `spec.patches` entry: inline text and an optional target.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Patch {
    /// The patch text (strategic merge or JSON 6902).
    #[serde(default)]
    pub patch: String,
    /// The objects it applies to.
    pub target: Option<Selector>,
}

/// `spec.commonMetadata`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CommonMetadata {
    /// Labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// `spec.postBuild`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostBuild {
    /// `WithVariables` (default: substitute only when a variable is defined) or `Always`.
    #[serde(default)]
    pub substitute_strategy: String,
    /// Variables written inline (they win over `substituteFrom`).
    #[serde(default)]
    pub substitute: BTreeMap<String, String>,
    /// ConfigMaps and Secrets whose keys are variables (later ones win).
    #[serde(default)]
    pub substitute_from: Vec<SubstituteReference>,
}

/// One `spec.postBuild.substituteFrom` entry.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SubstituteReference {
    /// `ConfigMap` or `Secret`.
    #[serde(default)]
    pub kind: String,
    /// Its name, in the Kustomization's namespace.
    #[serde(default)]
    pub name: String,
    /// A missing object defines no variables instead of failing.
    #[serde(default)]
    pub optional: bool,
}

impl PostBuild {
    /// `substituteStrategy: Always`.
    pub fn always(&self) -> bool {
        self.substitute_strategy == "Always"
    }
}

/// A Flux Kustomization read from `r` (whose value may be the applied one).
#[derive(Clone, Debug)]
pub struct FluxKustomization {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` (`default` when empty, as the API server sets it).
    pub namespace: String,
    /// The spec.
    pub spec: Spec,
}

impl FluxKustomization {
    /// Read the spec of `value` (an object read from `r`'s file): a field of the wrong type
    /// is an error at its line, as the API server refuses the object.
    pub fn read(r: &Resource, value: &Value) -> Result<FluxKustomization> {
        let spec = value.get("spec").cloned().unwrap_or(Value::Null);
        let spec: Spec = if spec.is_null() {
            Spec::default()
        } else {
            serde_path_to_error::deserialize(&spec).map_err(|e| {
                let mut pointer = "/spec".to_owned();
                for seg in e.path().iter() {
                    match seg {
                        serde_path_to_error::Segment::Seq { index } => {
                            pointer.push_str(&format!("/{index}"))
                        }
                        serde_path_to_error::Segment::Map { key }
                        | serde_path_to_error::Segment::Enum { variant: key } => {
                            crate::source::pointer::push_token(&mut pointer, key)
                        }
                        serde_path_to_error::Segment::Unknown => {}
                    }
                }
                let field = format!("spec.{}", e.path());
                Error::at(
                    &r.origin.file,
                    position(r, &pointer),
                    format!(
                        "Flux Kustomization {}: invalid field '{field}': {}; the API server refuses it",
                        r.name(),
                        e.into_inner()
                    ),
                )
            })?
        };
        let namespace = value
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or("default")
            .to_owned();
        let name = value
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Ok(FluxKustomization {
            name,
            namespace,
            spec,
        })
    }

    /// `namespace/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// The source position of `pointer` (relative to the object) in `r`'s file.
pub fn position(r: &Resource, pointer: &str) -> Option<crate::source::Pos> {
    let prefix = match r.origin.item {
        Some(j) => format!("/items/{j}"),
        None => String::new(),
    };
    r.spans
        .nearest(&format!("{prefix}{pointer}"))
        .map(|s| s.value)
}

/// The pointer of `pointer` in `r`'s document (its item's, for a `List`).
pub fn document_pointer(r: &Resource, pointer: &str) -> String {
    match r.origin.item {
        Some(j) => format!("/items/{j}{pointer}"),
        None => pointer.to_owned(),
    }
}
