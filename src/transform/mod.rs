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
//!
//! Name references ([`nameref`]) and the output order ([`sort`]) run once, at the top.

pub mod annotations;
pub mod config;
pub mod fieldspec;
pub mod images;
pub mod internal;
pub mod json6902;
pub mod labels;
pub mod merge2;
pub mod name_affix;
pub mod nameref;
pub mod namespace;
pub mod replacements;
pub mod replicas;
pub mod smp;
pub mod smp_schema;
pub mod sort;
pub mod target;
pub mod vars;

use crate::error::{Error, Result};
use crate::kustomize::loader::KustomizationFile;
use crate::kustomize::BuildOptions;
use crate::resource::Resource;
use crate::source::yaml::parse_stream;
use crate::source::Schema;

/// A patch's content: JSON operations or strategic-merge documents.
enum Parsed {
    Json(json6902::Operations),
    Smp(Vec<smp::SmpDoc>),
}

/// Classify and parse a patch as kustomize does: text starting with `[`, or a YAML
/// document that is a list, is a JSON patch; objects are strategic-merge patches.
fn parse_patch(src: &json6902::PatchSource, opts: &BuildOptions) -> Result<Parsed> {
    if !src.text.trim_start().starts_with('[') {
        let docs = parse_stream(&src.text, Schema::Kyaml, opts.limits).map_err(|e| {
            let pos = if src.from_file { Some(e.pos) } else { src.pos };
            Error::at(&src.file, pos, format!("invalid patch: {}", e.message))
        })?;
        if !(docs.len() == 1 && docs[0].value.is_array()) {
            let docs = smp::documents(src, docs)?;
            if docs.is_empty() {
                return Err(Error::at(&src.file, src.pos, "patch is empty"));
            }
            return Ok(Parsed::Smp(docs));
        }
    }
    let ops = json6902::parse_operations(src, opts)?
        .ok_or_else(|| Error::at(&src.file, src.pos, "invalid JSON patch"))?;
    Ok(Parsed::Json(ops))
}

fn run_patches(
    kfile: &KustomizationFile,
    resources: &mut Vec<Resource>,
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
        let target = match &patch.target {
            Some(sel) => Some(
                target::Target::new(sel)
                    .map_err(|e| e.in_file(&kfile.path, kfile.pos(&format!("{pointer}/target"))))?,
            ),
            None => None,
        };
        let ops = match parse_patch(&src, opts)? {
            Parsed::Json(ops) => ops,
            Parsed::Smp(docs) => {
                if deprecated_json {
                    return Err(Error::at(
                        &kfile.path,
                        kfile.pos(&pointer),
                        "a patchesJson6902 entry must be a list of JSON patch operations; put strategic-merge patches under 'patches'",
                    ));
                }
                let o = smp::SmpOptions {
                    allow_name_change: patch.options.allow_name_change,
                    allow_kind_change: patch.options.allow_kind_change,
                };
                if target.is_some() && docs.len() > 1 {
                    return Err(Error::at(
                        &kfile.path,
                        kfile.pos(&pointer),
                        "a patch with a 'target' must hold a single strategic-merge document",
                    ));
                }
                for doc in &docs {
                    smp::apply(resources, &src, doc, target.as_ref(), o)?;
                }
                continue;
            }
        };
        if deprecated_json && patch.target.as_ref().is_none_or(|t| t.name.is_empty()) {
            return Err(Error::at(
                &kfile.path,
                kfile.pos(&pointer),
                "a patchesJson6902 entry must name its target (target.name)",
            ));
        }
        let Some(target) = target else {
            return Err(Error::at(
                &kfile.path,
                kfile.pos(&pointer),
                "a JSON patch needs a 'target' naming the objects it applies to",
            ));
        };
        json6902::apply(resources, &target, &src, &ops, !deprecated_json)?;
    }
    Ok(())
}

/// The deprecated `patchesStrategicMerge:` entries: each a file path or inline patch text.
fn run_patches_strategic_merge(
    kfile: &KustomizationFile,
    resources: &mut Vec<Resource>,
    opts: &BuildOptions,
) -> Result<()> {
    for (i, entry) in kfile
        .kustomization
        .patches_strategic_merge
        .iter()
        .enumerate()
    {
        let pointer = format!("/patchesStrategicMerge/{i}");
        // kustomize first reads the entry as patch text, and as a file path when that fails.
        let inline = parse_stream(entry, Schema::Kyaml, opts.limits)
            .ok()
            .filter(|d| !d.is_empty() && d.iter().all(|d| d.value.is_object()));
        let src = if inline.is_some() {
            json6902::PatchSource {
                file: kfile.path.clone(),
                pos: kfile.pos(&pointer),
                text: entry.clone(),
                from_file: false,
            }
        } else {
            let as_patch = crate::model::Patch {
                path: Some(entry.clone()),
                patch: None,
                target: None,
                options: Default::default(),
            };
            json6902::source(kfile, &as_patch, &pointer, opts)?
        };
        let Parsed::Smp(docs) = parse_patch(&src, opts)? else {
            return Err(Error::at(
                &kfile.path,
                kfile.pos(&pointer),
                "patchesStrategicMerge entries must be strategic-merge patches; put JSON patches under 'patches' with a 'target'",
            ));
        };
        for doc in &docs {
            smp::apply(resources, &src, doc, None, smp::SmpOptions::default())?;
        }
    }
    Ok(())
}

/// Apply one kustomization's transformers, in kustomize's order, to `resources`.
pub fn run_pipeline(
    kfile: &KustomizationFile,
    resources: &mut Vec<Resource>,
    opts: &BuildOptions,
    cfg: &config::TransformerConfig,
    replacements_list: &[replacements::Located],
) -> Result<()> {
    let k = &kfile.kustomization;
    let here = |e: Error, field: &str| {
        e.in_file(
            &kfile.path,
            kfile.spans.get(&format!("/{field}")).and_then(|s| s.key),
        )
    };
    run_patches_strategic_merge(kfile, resources, opts)?;
    run_patches(kfile, resources, opts, "patches", false)?;
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
    labels::apply(resources, &k.labels, &k.common_labels, cfg).map_err(|e| here(e, "labels"))?;
    annotations::apply(resources, &k.common_annotations, cfg)
        .map_err(|e| here(e, "commonAnnotations"))?;
    run_patches(kfile, resources, opts, "patchesJson6902", true)?;
    replicas::apply(resources, &k.replicas, cfg).map_err(|e| here(e, "replicas"))?;
    images::apply(resources, &k.images, cfg).map_err(|e| here(e, "images"))?;
    images::apply(resources, &k.image_tags, cfg).map_err(|e| here(e, "imageTags"))?;
    replacements::apply(resources, replacements_list)?;
    Ok(())
}
