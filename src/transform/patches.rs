//! Patches as values: the text of one patch (read by the kustomize layer), its parsed
//! body, the objects it targets, and applying a list of them in order. Nothing here reads
//! a file.

use super::smp_schema::Schemas;
use std::path::PathBuf;

use super::json6902::{self, Operations};
use super::matcher::Matcher;
use super::smp::{self, SmpDoc, SmpOptions};
use crate::error::{Error, Result};
use crate::resource::Resource;
use crate::source::yaml::parse_stream;
use crate::source::{Limits, Pos, Schema};

/// A patch's text and where it came from.
pub struct PatchSource {
    /// The file to name in errors (the patch file, or the kustomization for inline patches).
    pub file: PathBuf,
    /// Position of the patch text (inline patches) or of the file's start.
    pub pos: Option<Pos>,
    /// The text.
    pub text: String,
    /// True for a patch file (positions inside it are meaningful).
    pub from_file: bool,
}

/// What a patch does: JSON operations or strategic-merge documents.
pub enum Body {
    /// RFC 6902 operations.
    Json(Operations),
    /// Strategic-merge patch documents (none when the text holds no document: only
    /// whitespace, comments or `---`).
    Smp(Vec<SmpDoc>),
}

/// Classify and parse a patch as kustomize does: text starting with `[`, or a YAML
/// document that is a list, is a JSON patch; objects are strategic-merge patches.
pub fn parse(src: &PatchSource, limits: Limits) -> Result<Body> {
    if !src.text.trim_start().starts_with('[') {
        let docs = parse_stream(&src.text, Schema::Kyaml, limits).map_err(|e| {
            let pos = if src.from_file { Some(e.pos) } else { src.pos };
            Error::at(&src.file, pos, format!("invalid patch: {}", e.message))
        })?;
        if !(docs.len() == 1 && docs[0].value.is_array()) {
            return Ok(Body::Smp(smp::documents(src, docs)?));
        }
    }
    let ops = json6902::parse_operations(src, limits)?
        .ok_or_else(|| Error::at(&src.file, src.pos, "invalid JSON patch"))?;
    Ok(Body::Json(ops))
}

/// One patch entry of a kustomization, ready to apply.
pub struct Patch {
    /// Its text and origin (positions inside it for errors and the source map).
    pub source: PatchSource,
    /// What it does.
    pub body: Body,
    /// The objects it applies to; `None` for strategic merges naming their object.
    pub target: Option<Matcher>,
    /// `allowNameChange` / `allowKindChange`.
    pub options: SmpOptions,
    /// Whether a JSON patch records the objects' previous ids (`patches:` does,
    /// the deprecated `patchesJson6902:` does not).
    pub store_previous_id: bool,
    /// The kustomization entry it comes from (for a notice when its target selects
    /// nothing).
    pub entry: crate::model::EntryAt,
}

/// Apply `patches` in order; a patch whose `target` selects no object (which kustomize
/// passes over in silence) adds a notice to `notices`.
pub fn apply_noting(
    resources: &mut Vec<Resource>,
    patches: &[Patch],
    schemas: &Schemas,
    notices: &mut Vec<crate::model::Ineffective>,
) -> Result<()> {
    for p in patches {
        if let Some(target) = &p.target {
            if !resources.iter().any(|r| target.matches(r)) {
                notices.push(p.entry.ineffective(
                    "the target selects no object, so the patch changes nothing",
                    "check the target's kind, group, version, name, namespace and selectors against the objects built so far",
                ));
            }
        }
        apply(resources, std::slice::from_ref(p), schemas)?;
    }
    Ok(())
}

/// Apply `patches` in order.
pub fn apply(resources: &mut Vec<Resource>, patches: &[Patch], schemas: &Schemas) -> Result<()> {
    for p in patches {
        match &p.body {
            Body::Smp(docs) => {
                for doc in docs {
                    smp::apply(
                        resources,
                        &p.source,
                        doc,
                        p.target.as_ref(),
                        p.options,
                        schemas,
                    )?;
                }
            }
            Body::Json(ops) => {
                let target = p.target.as_ref().ok_or_else(|| {
                    Error::at(
                        &p.source.file,
                        p.source.pos,
                        "a JSON patch needs a 'target' naming the objects it applies to",
                    )
                })?;
                json6902::apply(resources, target, &p.source, ops, p.store_previous_id)?;
            }
        }
    }
    Ok(())
}
