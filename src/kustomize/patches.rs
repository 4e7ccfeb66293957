//! Reads every patch of a kustomization (`patchesStrategicMerge`, `patches`,
//! `patchesJson6902`) under the load restrictor, parses it and checks that each entry is
//! well formed, so the transformers receive values ([`crate::transform::patches::Patch`]).

use super::loader::{lexical_join, KustomizationFile};
use super::resolve::resolve_file;
use super::BuildOptions;
use crate::error::{Error, Result};
use crate::model;
use crate::source::file::read_text;
use crate::source::yaml::parse_stream;
use crate::source::Schema;
use crate::transform::matcher::Matcher;
use crate::transform::patches::{self, Body, Patch, PatchSource};
use crate::transform::smp::SmpOptions;

/// The patches of one kustomization, in the order kustomize applies them.
pub struct Patches {
    /// `patchesStrategicMerge:` then `patches:` (applied before the other transformers).
    pub first: Vec<Patch>,
    /// `patchesJson6902:` (applied after labels and annotations).
    pub json6902: Vec<Patch>,
    /// How many of `first` came from `patchesStrategicMerge:`.
    pub strategic_merge: usize,
}

/// Read and parse every patch of `kfile`.
pub fn load(kfile: &KustomizationFile, opts: &BuildOptions) -> Result<Patches> {
    let k = &kfile.kustomization;
    let mut first = strategic_merge(kfile, opts)?;
    let strategic_merge = first.len();
    for (i, p) in k.patches.iter().enumerate() {
        let patch = entry(kfile, p, &format!("/patches/{i}"), opts, false)?;
        // kustomize skips a `patches` entry whose text holds no document.
        if !matches!(&patch.body, Body::Smp(docs) if docs.is_empty()) {
            first.push(patch);
        }
    }
    let mut json6902 = Vec::new();
    for (i, p) in k.patches_json6902.iter().enumerate() {
        json6902.push(entry(
            kfile,
            p,
            &format!("/patchesJson6902/{i}"),
            opts,
            true,
        )?);
    }
    Ok(Patches {
        first,
        json6902,
        strategic_merge,
    })
}

/// Read the text of a patch entry (a file under the load restrictor, or inline text).
fn source(
    kfile: &KustomizationFile,
    patch: &model::Patch,
    pointer: &str,
    opts: &BuildOptions,
) -> Result<PatchSource> {
    let fail = |msg: &str| Error::at(&kfile.path, kfile.pos(pointer), msg);
    match (&patch.path, &patch.patch) {
        (Some(_), Some(_)) => Err(fail("a patch may have 'path' or 'patch', not both")),
        (None, None) => Err(fail(
            "a patch needs 'path' (a file) or 'patch' (inline text)",
        )),
        (Some(path), None) => {
            let canonical = resolve_file(kfile, path, &format!("{pointer}/path"), opts)?;
            Ok(PatchSource {
                file: lexical_join(&kfile.display_dir, path),
                pos: None,
                text: read_text(&canonical, &opts.limits)?,
                from_file: true,
            })
        }
        (None, Some(text)) => Ok(PatchSource {
            file: kfile.path.clone(),
            pos: kfile.pos(&format!("{pointer}/patch")),
            text: text.clone(),
            from_file: false,
        }),
    }
}

/// One `patches:` or `patchesJson6902:` entry (or a patch plugin's configuration).
pub(crate) fn entry(
    kfile: &KustomizationFile,
    patch: &model::Patch,
    pointer: &str,
    opts: &BuildOptions,
    deprecated_json: bool,
) -> Result<Patch> {
    let fail = |msg: &str| Error::at(&kfile.path, kfile.pos(pointer), msg);
    let source = source(kfile, patch, pointer, opts)?;
    let target = match &patch.target {
        Some(sel) => Some(
            Matcher::new(sel)
                .map_err(|e| e.in_file(&kfile.path, kfile.pos(&format!("{pointer}/target"))))?,
        ),
        None => None,
    };
    let body = patches::parse(&source, opts.limits)?;
    match &body {
        // kustomize trims inline text: blank text is no patch at all.
        _ if !source.from_file && source.text.trim().is_empty() => {
            return Err(fail(
                "a patch needs 'path' (a file) or 'patch' (inline text); this 'patch' is blank",
            ))
        }
        Body::Smp(docs) if docs.is_empty() && deprecated_json => {
            return Err(Error::at(&source.file, source.pos, "patch is empty"))
        }
        Body::Smp(_) if deprecated_json => {
            return Err(fail(
                "a patchesJson6902 entry must be a list of JSON patch operations; put strategic-merge patches under 'patches'",
            ))
        }
        Body::Smp(docs) if target.is_some() && docs.len() > 1 => {
            return Err(fail(
                "a patch with a 'target' must hold a single strategic-merge document",
            ))
        }
        Body::Smp(_) => {}
        Body::Json(_) => {
            if deprecated_json && patch.target.as_ref().is_none_or(|t| t.name.is_empty()) {
                return Err(fail(
                    "a patchesJson6902 entry must name its target (target.name)",
                ));
            }
            if target.is_none() {
                return Err(fail(
                    "a JSON patch needs a 'target' naming the objects it applies to",
                ));
            }
        }
    }
    Ok(Patch {
        source,
        body,
        target,
        options: SmpOptions {
            allow_name_change: patch.options.allow_name_change,
            allow_kind_change: patch.options.allow_kind_change,
        },
        store_previous_id: !deprecated_json,
        entry: crate::model::EntryAt::in_kustomization(&kfile.path, &kfile.spans, pointer),
    })
}

/// The deprecated `patchesStrategicMerge:` entries.
fn strategic_merge(kfile: &KustomizationFile, opts: &BuildOptions) -> Result<Vec<Patch>> {
    let k = &kfile.kustomization;
    strategic_merge_entries(
        kfile,
        &k.patches_strategic_merge,
        "/patchesStrategicMerge",
        opts,
    )
}

/// Strategic-merge patch entries, each a file path or inline patch text (listed in `kfile`
/// at `base`/index).
pub(crate) fn strategic_merge_entries(
    kfile: &KustomizationFile,
    entries: &[String],
    base: &str,
    opts: &BuildOptions,
) -> Result<Vec<Patch>> {
    let mut out = Vec::new();
    for (i, text) in entries.iter().enumerate() {
        let pointer = format!("{base}/{i}");
        // kustomize first reads the entry as patch text, and as a file path when that fails.
        let inline = parse_stream(text, Schema::Kyaml, opts.limits)
            .ok()
            .filter(|d| !d.is_empty() && d.iter().all(|d| d.value.is_object()));
        let source = if inline.is_some() {
            PatchSource {
                file: kfile.path.clone(),
                pos: kfile.pos(&pointer),
                text: text.clone(),
                from_file: false,
            }
        } else {
            let as_patch = model::Patch {
                path: Some(text.clone()),
                patch: None,
                target: None,
                options: Default::default(),
            };
            source(kfile, &as_patch, &pointer, opts)?
        };
        let body = patches::parse(&source, opts.limits)?;
        if matches!(&body, Body::Smp(docs) if docs.is_empty()) {
            return Err(Error::at(&source.file, source.pos, "patch is empty"));
        }
        if !matches!(body, Body::Smp(_)) {
            return Err(Error::at(
                &kfile.path,
                kfile.pos(&pointer),
                "patchesStrategicMerge entries must be strategic-merge patches; put JSON patches under 'patches' with a 'target'",
            ));
        }
        out.push(Patch {
            source,
            body,
            target: None,
            options: SmpOptions::default(),
            store_previous_id: true,
            entry: crate::model::EntryAt::in_kustomization(&kfile.path, &kfile.spans, &pointer),
        });
    }
    Ok(out)
}
