//! Stage 3: transformers. One file per transformer; [`run_pipeline`] is the one place that
//! fixes their order, which is kustomize's:
//!
//! 1. `patches` (in listed order)
//! 2. `namespace`
//! 3. `namePrefix`, then `nameSuffix`
//! 4. `labels` (each entry in order), then `commonLabels`
//! 5. `commonAnnotations`
//! 6. `patchesJson6902`
//! 7. `replicas`
//! 8. `images` (then `imageTags`)
//!
//! Name references ([`nameref`]) and the output order ([`sort`]) run once, at the top.

pub mod annotations;
pub mod fieldspec;
pub mod images;
pub mod internal;
pub mod json6902;
pub mod labels;
pub mod name_affix;
pub mod nameref;
pub mod namespace;
pub mod replicas;
pub mod sort;
pub mod target;

use crate::error::{Error, Result};
use crate::kustomize::loader::KustomizationFile;
use crate::kustomize::BuildOptions;
use crate::resource::Resource;

fn run_patches(
    kfile: &KustomizationFile,
    resources: &mut [Resource],
    opts: &BuildOptions,
    field: &str,
    deprecated_json: bool,
) -> Result<()> {
    let k = &kfile.kustomization;
    let list = if deprecated_json {
        &k.patches_json6902
    } else {
        &k.patches
    };
    for (i, patch) in list.iter().enumerate() {
        let pointer = format!("/{field}/{i}");
        let src = json6902::source(kfile, patch, &pointer, opts)?;
        let Some(ops) = json6902::parse_operations(&src, opts)? else {
            return Err(Error::at(
                &kfile.path,
                kfile.pos(&pointer),
                "strategic-merge patches are not supported by kforge yet; write this patch as an RFC 6902 JSON patch (a list of operations)",
            ));
        };
        if deprecated_json && patch.target.as_ref().is_none_or(|t| t.name.is_empty()) {
            return Err(Error::at(
                &kfile.path,
                kfile.pos(&pointer),
                "a patchesJson6902 entry must name its target (target.name)",
            ));
        }
        let Some(sel) = &patch.target else {
            return Err(Error::at(
                &kfile.path,
                kfile.pos(&pointer),
                "a JSON patch needs a 'target' naming the objects it applies to",
            ));
        };
        let target = target::Target::new(sel)
            .map_err(|e| e.in_file(&kfile.path, kfile.pos(&format!("{pointer}/target"))))?;
        json6902::apply(resources, &target, &src, &ops, !deprecated_json)?;
    }
    Ok(())
}

/// Apply one kustomization's transformers, in kustomize's order, to `resources`.
pub fn run_pipeline(
    kfile: &KustomizationFile,
    resources: &mut [Resource],
    opts: &BuildOptions,
) -> Result<()> {
    let k = &kfile.kustomization;
    let here = |e: Error, field: &str| {
        e.in_file(
            &kfile.path,
            kfile.spans.get(&format!("/{field}")).and_then(|s| s.key),
        )
    };
    run_patches(kfile, resources, opts, "patches", false)?;
    if let Some(ns) = &k.namespace {
        namespace::apply(resources, ns).map_err(|e| here(e, "namespace"))?;
    }
    if let Some(p) = &k.name_prefix {
        name_affix::apply_prefix(resources, p);
    }
    if let Some(s) = &k.name_suffix {
        name_affix::apply_suffix(resources, s);
    }
    labels::apply(resources, &k.labels, &k.common_labels).map_err(|e| here(e, "labels"))?;
    annotations::apply(resources, &k.common_annotations)
        .map_err(|e| here(e, "commonAnnotations"))?;
    run_patches(kfile, resources, opts, "patchesJson6902", true)?;
    replicas::apply(resources, &k.replicas).map_err(|e| here(e, "replicas"))?;
    images::apply(resources, &k.images).map_err(|e| here(e, "images"))?;
    images::apply(resources, &k.image_tags).map_err(|e| here(e, "imageTags"))?;
    Ok(())
}
