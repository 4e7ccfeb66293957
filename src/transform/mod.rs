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
pub mod config;
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
    patches::apply(resources, steps.patches)?;
    if let Some(ns) = &k.namespace {
        namespace::apply(resources, ns, cfg).map_err(|e| here(e, "namespace"))?;
    }
    if let Some(p) = &k.name_prefix {
        name_affix::apply_prefix(resources, p, &cfg.name_prefix)
            .map_err(|e| here(e, "namePrefix"))?;
    }
    if let Some(s) = &k.name_suffix {
        name_affix::apply_suffix(resources, s, &cfg.name_suffix)
            .map_err(|e| here(e, "nameSuffix"))?;
    }
    check_written_keys(steps, resources)?;
    labels::apply(resources, &k.labels, &k.common_labels, cfg).map_err(|e| here(e, "labels"))?;
    annotations::apply(resources, &k.common_annotations, cfg)
        .map_err(|e| here(e, "commonAnnotations"))?;
    patches::apply(resources, steps.patches_json6902)?;
    replicas::apply(resources, &k.replicas, cfg).map_err(|e| here(e, "replicas"))?;
    images::apply(resources, &k.images, cfg).map_err(|e| here(e, "images"))?;
    images::apply(resources, &k.image_tags, cfg).map_err(|e| here(e, "imageTags"))?;
    replacements::apply(resources, steps.replacements)?;
    for step in steps.plugins {
        plugins::apply(resources, step)?;
    }
    Ok(())
}

/// kustomize writes label and annotation keys as plain YAML text, so a key that its reader
/// types as a number, boolean, null or date (`"1"`, `"true"`) makes the build fail once it
/// is on an object.
fn check_written_keys(steps: &Steps, resources: &[Resource]) -> Result<()> {
    if resources.is_empty() {
        return Ok(());
    }
    let k = steps.kustomization;
    let fields = k
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| (format!("/labels/{i}/pairs"), &l.pairs))
        .chain([
            ("/commonLabels".to_owned(), &k.common_labels),
            ("/commonAnnotations".to_owned(), &k.common_annotations),
        ]);
    for (field, map) in fields {
        if let Some((key, what)) = crate::source::first_typed_key(map.keys()) {
            let mut ptr = field.clone();
            crate::source::pointer::push_token(&mut ptr, key);
            let pos = steps.spans.nearest(&ptr).map(|s| s.key.unwrap_or(s.value));
            return Err(Error::at(
                steps.file,
                pos,
                crate::source::typed_key_message(key, what, false),
            ));
        }
    }
    Ok(())
}
