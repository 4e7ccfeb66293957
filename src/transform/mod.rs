//! Stage 3: transformers. One file per transformer; [`run_pipeline`] is the one place that
//! fixes their order, which is kustomize's:
//!
//! 1. `patchesStrategicMerge`, then `patches` (in listed order)
//! 2. `namespace`
//! 3. `namePrefix`, then `nameSuffix`
//! 4. `labels` (each entry in order), then `commonLabels`
//! 5. `commonAnnotations`
//! 6. `patchesJson6902`
//! 7. `replicas`
//! 8. `images` (then `imageTags`)
//! 9. `replacements`
//! 10. `transformers:` (builtin plugins, in listed order)
//!
//! Name references ([`nameref`]) and the output order ([`sort`]) run once, at the top.

pub mod annotations;
pub mod build_metadata;
pub mod config;
mod embedded;
pub mod fieldspec;
pub mod hash;
pub mod images;
pub mod internal;
pub mod json6902;
pub mod labels;
pub mod matcher;
pub mod merge2;
pub mod name_affix;
pub mod nameref;
pub mod namespace;
pub mod patches;
pub mod plugins;
pub mod replacements;
pub mod replicas;
pub mod smp;
pub mod smp_schema;
pub mod sort;
pub mod value_add;
pub mod vars;

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::Kustomization;
use crate::resource::Resource;
use crate::source::SpanIndex;

/// What one kustomization asks the transformers to do, as values: its fields, its patches
/// and replacements (read and parsed by the kustomize layer), the transformer
/// configuration, and where to point errors.
pub struct Steps<'a> {
    /// The kustomization's fields.
    pub kustomization: &'a Kustomization,
    /// Its file, for errors.
    pub file: &'a Path,
    /// Positions in that file.
    pub spans: &'a SpanIndex,
    /// `patchesStrategicMerge:` and `patches:`, in order.
    pub patches: &'a [patches::Patch],
    /// `patchesJson6902:`.
    pub patches_json6902: &'a [patches::Patch],
    /// `replacements:` (inline and from files).
    pub replacements: &'a [replacements::Located],
    /// Field specs of every transformer (built in, plus `configurations:` and `crds:`).
    pub config: &'a config::TransformerConfig,
    /// `transformers:`: builtin plugins, run after the fields above.
    pub plugins: &'a [plugins::Step],
    /// How many of `patches` (the first ones) came from `patchesStrategicMerge:` (one
    /// transformer in kustomize; each `patches:` entry is one of its own).
    pub strategic_merge: usize,
    /// The OpenAPI documents strategic merges read (kyaml's global schema at this point
    /// of the build: the builtin one unless `openapi:` chose another).
    pub schemas: &'a smp_schema::Schemas,
    /// With `buildMetadata`: this kustomization's file as the top sees it (where its
    /// builtin transformers are configured), and the provenance of each plugin step.
    pub trace: Option<Trace<'a>>,
}

/// What `buildMetadata` records about one kustomization's transformers.
pub struct Trace<'a> {
    /// The kustomization file, relative to the top kustomization's directory.
    pub configured_in: &'a str,
    /// Each entry of `plugins`' configuration.
    pub plugins: &'a [build_metadata::Provenance],
}

/// Apply one kustomization's transformers, in kustomize's order, to `resources`.
pub fn run_pipeline(steps: &Steps, resources: &mut Vec<Resource>) -> Result<()> {
    let k = steps.kustomization;
    let cfg = steps.config;
    let here = |e: Error, field: &str| {
        e.in_file(
            steps.file,
            steps.spans.get(&format!("/{field}")).and_then(|s| s.key),
        )
    };
    // With buildMetadata, every transformer instance kustomize configures is recorded on
    // every object after it ran.
    let record = |resources: &mut Vec<Resource>, kind: &str, times: usize| {
        if let Some(t) = &steps.trace {
            let by = build_metadata::Provenance::builtin(t.configured_in, kind);
            for _ in 0..times {
                build_metadata::record(resources, &by);
            }
        }
    };
    let (smp, rest) = steps
        .patches
        .split_at(steps.strategic_merge.min(steps.patches.len()));
    patches::apply(resources, smp, steps.schemas)?;
    record(
        resources,
        "PatchStrategicMergeTransformer",
        usize::from(!k.patches_strategic_merge.is_empty()),
    );
    for p in rest {
        patches::apply(resources, std::slice::from_ref(p), steps.schemas)?;
        record(resources, "PatchTransformer", 1);
    }
    if let Some(ns) = &k.namespace {
        namespace::apply(resources, ns, cfg).map_err(|e| here(e, "namespace"))?;
        record(
            resources,
            "NamespaceTransformer",
            usize::from(!ns.is_empty()),
        );
    }
    if let Some(p) = &k.name_prefix {
        name_affix::apply_prefix(resources, p, &cfg.name_prefix)
            .map_err(|e| here(e, "namePrefix"))?;
        record(resources, "PrefixTransformer", usize::from(!p.is_empty()));
    }
    if let Some(s) = &k.name_suffix {
        name_affix::apply_suffix(resources, s, &cfg.name_suffix)
            .map_err(|e| here(e, "nameSuffix"))?;
        record(resources, "SuffixTransformer", usize::from(!s.is_empty()));
    }
    labels::apply(resources, &k.labels, &k.common_labels, cfg).map_err(|e| here(e, "labels"))?;
    let label_runs = if k.labels.is_empty() && k.common_labels.is_empty() {
        0
    } else {
        k.labels.len() + 1
    };
    record(resources, "LabelTransformer", label_runs);
    annotations::apply(resources, &k.common_annotations, cfg)
        .map_err(|e| here(e, "commonAnnotations"))?;
    record(
        resources,
        "AnnotationsTransformer",
        usize::from(!k.common_annotations.is_empty()),
    );
    patches::apply(resources, steps.patches_json6902, steps.schemas)?;
    record(
        resources,
        "PatchJson6902Transformer",
        steps.patches_json6902.len(),
    );
    replicas::apply(resources, &k.replicas, cfg).map_err(|e| here(e, "replicas"))?;
    record(resources, "ReplicaCountTransformer", k.replicas.len());
    images::apply(resources, &k.images, cfg).map_err(|e| here(e, "images"))?;
    images::apply(resources, &k.image_tags, cfg).map_err(|e| here(e, "imageTags"))?;
    record(
        resources,
        "ImageTagTransformer",
        k.images.len() + k.image_tags.len(),
    );
    replacements::apply(resources, steps.replacements)?;
    record(
        resources,
        "ReplacementTransformer",
        usize::from(!k.replacements.is_empty()),
    );
    for (i, step) in steps.plugins.iter().enumerate() {
        plugins::apply(resources, step, steps.schemas)?;
        if let Some(by) = steps.trace.as_ref().and_then(|t| t.plugins.get(i)) {
            build_metadata::record(resources, by);
        }
    }
    Ok(())
}
