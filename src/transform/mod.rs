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
use crate::model::{EntryAt, Ineffective, Kustomization};
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

/// Apply one kustomization's transformers, in kustomize's order, to `resources`; returns
/// the entries that had no effect (a `patches` target, an `images` entry, a
/// `labels[].fields` spec or a `replacements` target selecting nothing).
pub fn run_pipeline(steps: &Steps, resources: &mut Vec<Resource>) -> Result<Vec<Ineffective>> {
    let mut notices = Vec::new();
    let k = steps.kustomization;
    let cfg = steps.config;
    let here = |e: Error, field: &str| {
        e.in_file(
            steps.file,
            steps.spans.get(&format!("/{field}")).and_then(|s| s.key),
        )
    };
    patches::apply_noting(resources, steps.patches, &mut notices)?;
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
    label_fields_selecting_nothing(steps, resources, &mut notices);
    labels::apply(resources, &k.labels, &k.common_labels, cfg).map_err(|e| here(e, "labels"))?;
    annotations::apply(resources, &k.common_annotations, cfg)
        .map_err(|e| here(e, "commonAnnotations"))?;
    patches::apply_noting(resources, steps.patches_json6902, &mut notices)?;
    replicas::apply(resources, &k.replicas, cfg).map_err(|e| here(e, "replicas"))?;
    for (field, list) in [("images", &k.images), ("imageTags", &k.image_tags)] {
        let unmatched = images::apply(resources, list, cfg).map_err(|e| here(e, field))?;
        for i in unmatched {
            let at = EntryAt::in_kustomization(steps.file, steps.spans, &format!("/{field}/{i}"));
            notices.push(at.ineffective(
                format!(
                    "no image is named '{}', so the entry changes nothing",
                    list[i].name
                ),
                "check the name: the image as written in the objects, registry and path included, without tag or digest",
            ));
        }
    }
    for (i, t) in replacements::apply(resources, steps.replacements)? {
        let r = &steps.replacements[i];
        let at = EntryAt {
            file: r.file.clone(),
            pos: r.pos,
            entry: format!("replacement target {t}"),
        };
        notices.push(at.ineffective(
            "its select matches no object (after its reject), so nothing is replaced there",
            "check the select's kind, group, version, name, namespace and selectors against the objects built so far",
        ));
    }
    for step in steps.plugins {
        plugins::apply(resources, step)?;
    }
    Ok(notices)
}

/// The `fields` specs of `labels` entries that no object's kind matches, or that name a
/// field no matching object has and may not create: kustomize writes nothing through them.
fn label_fields_selecting_nothing(
    steps: &Steps,
    resources: &[Resource],
    notices: &mut Vec<Ineffective>,
) {
    for (i, label) in steps.kustomization.labels.iter().enumerate() {
        if label.pairs.is_empty() {
            continue;
        }
        for (j, def) in label.fields.iter().enumerate() {
            let spec = fieldspec::FieldSpec::from_def(def);
            let mut matching = resources.iter().filter(|r| spec.applies_to(&r.gvk()));
            let (message, help) = match matching.next() {
                None => (
                    "no object is of the kind this field spec names, so it writes no label",
                    "check its kind, group and version",
                ),
                Some(first)
                    if !spec.create
                        && std::iter::once(first)
                            .chain(matching)
                            .all(|r| spec.read(&r.value).is_empty()) =>
                {
                    (
                        "no object of its kind has this field, and the spec may not create it, so it writes no label",
                        "check the path, or set 'create: true'",
                    )
                }
                Some(_) => continue,
            };
            let at = EntryAt::in_kustomization(
                steps.file,
                steps.spans,
                &format!("/labels/{i}/fields/{j}"),
            );
            notices.push(at.ineffective(message, help));
        }
    }
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
