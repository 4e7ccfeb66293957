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
pub mod envsubst;
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

/// A transformer whose objects are independent changes them on all cores when each thread
/// gets at least this many (`parallel::try_each_mut`).
pub(crate) const PER_THREAD: usize = 64;
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
    patches::apply_noting(resources, smp, steps.schemas, &mut notices)?;
    record(
        resources,
        "PatchStrategicMergeTransformer",
        usize::from(!k.patches_strategic_merge.is_empty()),
    );
    for p in rest {
        patches::apply_noting(
            resources,
            std::slice::from_ref(p),
            steps.schemas,
            &mut notices,
        )?;
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
    check_written_keys(steps, resources)?;
    label_fields_selecting_nothing(steps, resources, &mut notices);
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
    patches::apply_noting(
        resources,
        steps.patches_json6902,
        steps.schemas,
        &mut notices,
    )?;
    record(
        resources,
        "PatchJson6902Transformer",
        steps.patches_json6902.len(),
    );
    replicas::apply(resources, &k.replicas, cfg).map_err(|e| here(e, "replicas"))?;
    record(resources, "ReplicaCountTransformer", k.replicas.len());
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
    record(
        resources,
        "ImageTagTransformer",
        k.images.len() + k.image_tags.len(),
    );
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
            let mut matching = resources
                .iter()
                .filter(|r| spec.applies_to_ref(&r.gvk_ref()));
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
