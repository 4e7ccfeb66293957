//! Strategic-merge patches (`patches:` entries holding objects, and the deprecated
//! `patchesStrategicMerge:`): which object each patch document applies to, and what
//! kustomize does around the merge itself ([`super::merge2`]).

use super::smp_schema::Schemas;
use kforge_value::Value;

use super::matcher::Matcher;
use super::patches::PatchSource;
use super::{internal, merge2};
use crate::error::{Error, Result};
use crate::resource::{Gvk, ResId, Resource};
use crate::source::yaml::Document;
use crate::source::Pos;

/// One document of a strategic-merge patch.
pub struct SmpDoc {
    /// The patch object.
    pub value: Value,
    /// Its id (apiVersion, kind, name, namespace), used when the patch has no target.
    pub id: ResId,
    /// Where the document starts, for errors.
    pub pos: Option<Pos>,
    /// Positions inside the document.
    pub spans: std::sync::Arc<crate::source::SpanIndex>,
}

/// Options of a `patches:` entry that affect strategic merges.
#[derive(Clone, Copy, Default)]
pub struct SmpOptions {
    /// `allowNameChange`: the patch may rename the object.
    pub allow_name_change: bool,
    /// `allowKindChange`: the patch may change the object's kind.
    pub allow_kind_change: bool,
}

fn doc_pos(src: &PatchSource, doc: &Document) -> Option<Pos> {
    if src.from_file {
        Some(doc.start)
    } else {
        src.pos
    }
}

/// Check the documents of a patch that is not a list of JSON operations: each must be an
/// object with a kind and a name; empty and `local-config` documents are skipped.
pub fn documents(src: &PatchSource, docs: Vec<Document>) -> Result<Vec<SmpDoc>> {
    let mut out = Vec::new();
    for doc in docs {
        let pos = doc_pos(src, &doc);
        let map = match &doc.value {
            Value::Null => continue,
            Value::Object(m) if m.is_empty() => continue,
            Value::Object(m) => m,
            _ => {
                return Err(Error::at(
                    &src.file,
                    pos,
                    "a patch must be a list of JSON patch operations or strategic-merge patch objects (mappings with apiVersion, kind and metadata.name)",
                ))
            }
        };
        let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
        let kind = s(map.get("kind"));
        let name = s(doc.value.pointer("/metadata/name"));
        if kind.is_empty() {
            return Err(Error::at(
                &src.file,
                pos,
                "missing kind in strategic-merge patch; write the kind (and apiVersion) of the object to patch",
            ));
        }
        if name.is_empty() {
            return Err(Error::at(
                &src.file,
                pos,
                format!("missing metadata.name in {kind} strategic-merge patch; name the object to patch"),
            ));
        }
        if doc
            .value
            .pointer("/metadata/annotations/config.kubernetes.io~1local-config")
            .and_then(Value::as_str)
            == Some("true")
        {
            continue;
        }
        let id = ResId {
            gvk: Gvk::from_api_version(&s(map.get("apiVersion")), &kind),
            name,
            namespace: s(doc.value.pointer("/metadata/namespace")),
        };
        out.push(SmpDoc {
            value: doc.value,
            id,
            pos,
            spans: std::sync::Arc::new(doc.spans),
        });
    }
    Ok(out)
}

/// Apply one patch document: to the object with the patch's id when `target` is `None`
/// (exactly one must match), else to every object the target selects.
pub fn apply(
    resources: &mut Vec<Resource>,
    src: &PatchSource,
    doc: &SmpDoc,
    target: Option<&Matcher>,
    opts: SmpOptions,
    schemas: &Schemas,
) -> Result<()> {
    let fail = |id: &ResId, msg: String| {
        Error::at(
            &src.file,
            doc.pos,
            format!("strategic merge patch on {id}: {msg}"),
        )
    };
    let Some(target) = target else {
        let found: Vec<usize> = (0..resources.len())
            .filter(|&i| resources[i].has_id(&doc.id))
            .collect();
        let i = match found.as_slice() {
            [i] => *i,
            [] => {
                return Err(Error::at(
                    &src.file,
                    doc.pos,
                    format!(
                        "no object matches strategic merge patch \"{}\"; without a 'target' a patch applies to the object with its apiVersion, kind, name and namespace",
                        doc.id
                    ),
                ))
            }
            _ => {
                return Err(Error::at(
                    &src.file,
                    doc.pos,
                    format!(
                        "strategic merge patch \"{}\" matches {} objects; add a namespace or a 'target'",
                        doc.id,
                        found.len()
                    ),
                ))
            }
        };
        let id = resources[i].cur_id();
        if apply_one(&mut resources[i], &doc.value, opts, schemas).map_err(|m| fail(&id, m))? {
            resources.remove(i);
        } else {
            note_written(&mut resources[i], src, doc);
        }
        return Ok(());
    };
    let mut i = 0;
    while i < resources.len() {
        if !target.matches(&resources[i]) {
            i += 1;
            continue;
        }
        // kustomize gives the patch the target's apiVersion (the kind stays the patch's).
        let mut patch = doc.value.clone();
        if let Some(m) = patch.as_object_mut() {
            m.insert(
                "apiVersion",
                Value::String(resources[i].gvk().api_version()),
            );
        }
        let id = resources[i].cur_id();
        if apply_one(&mut resources[i], &patch, opts, schemas).map_err(|m| fail(&id, m))? {
            resources.remove(i);
        } else {
            note_written(&mut resources[i], src, doc);
            i += 1;
        }
    }
    Ok(())
}

/// Remember which fields the patch wrote, so findings on them point into the patch, how
/// it spelled the annotation values it wrote (kustomize keeps that text), and the keys it
/// wrote that kustomize types as non-strings.
/// Maps are followed down to their leaves; list elements with a `name` are matched to the
/// object's element of the same name (kustomize merges them by key, not by index); other
/// lists are one entry.
fn note_written(r: &mut Resource, src: &PatchSource, doc: &SmpDoc) {
    r.annotation_texts
        .extend(doc.spans.annotation_texts().iter().cloned());
    // Where the patch wrote such a key, kustomize fails on it at the end as on the object's own.
    r.typed_keys.extend(doc.spans.typed_keys().iter().map(|k| {
        let mut k = k.clone();
        if !src.from_file {
            k.pos = doc.pos.unwrap_or_default();
        }
        (src.file.clone(), k)
    }));
    struct Leaf {
        target: String,
        source: String,
        exact_below: bool,
    }
    fn walk(
        v: &Value,
        target: Option<&Value>,
        tp: &mut String,
        sp: &mut String,
        out: &mut Vec<Leaf>,
    ) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    if k.starts_with('$') || (sp.is_empty() && (k == "apiVersion" || k == "kind")) {
                        continue;
                    }
                    let (tl, sl) = (tp.len(), sp.len());
                    crate::source::pointer::push_token(tp, k);
                    crate::source::pointer::push_token(sp, k);
                    walk(child, target.and_then(|t| t.get(k)), tp, sp, out);
                    tp.truncate(tl);
                    sp.truncate(sl);
                }
            }
            Value::Array(items) => {
                out.push(Leaf {
                    target: tp.clone(),
                    source: sp.clone(),
                    exact_below: false,
                });
                let Some(Value::Array(have)) = target else {
                    return;
                };
                for (i, item) in items.iter().enumerate() {
                    let Some(name) = item.get("name").and_then(Value::as_str) else {
                        continue;
                    };
                    let Some(j) = have
                        .iter()
                        .position(|h| h.get("name").and_then(Value::as_str) == Some(name))
                    else {
                        continue;
                    };
                    let (tl, sl) = (tp.len(), sp.len());
                    tp.push_str(&format!("/{j}"));
                    sp.push_str(&format!("/{i}"));
                    walk(item, have.get(j), tp, sp, out);
                    tp.truncate(tl);
                    sp.truncate(sl);
                }
            }
            _ => out.push(Leaf {
                target: tp.clone(),
                source: sp.clone(),
                exact_below: true,
            }),
        }
    }
    let mut leaves = Vec::new();
    walk(
        &doc.value,
        Some(&r.value),
        &mut String::new(),
        &mut String::new(),
        &mut leaves,
    );
    for leaf in leaves {
        r.written.push(crate::resource::Written {
            pointer: leaf.target,
            src_pointer: leaf.source,
            file: src.file.clone(),
            spans: src.from_file.then(|| doc.spans.clone()),
            exact_below: leaf.exact_below,
            pos: doc.pos,
        });
    }
}

/// Merge `patch` into `r`; `true` when the patch deleted the object.
fn apply_one(
    r: &mut Resource,
    patch: &Value,
    opts: SmpOptions,
    schemas: &Schemas,
) -> std::result::Result<bool, String> {
    let (name, namespace, kind) = (
        r.name().to_owned(),
        r.namespace().to_owned(),
        r.kind().to_owned(),
    );
    if opts.allow_name_change || opts.allow_kind_change {
        r.store_previous_id();
    }
    internal::inject(r);
    let target = merge2::to_tree(
        &r.value,
        merge2::Extra {
            shared: &r.shared_values,
            empty_nulls: &r.empty_nulls,
        },
    );
    let merged = merge2::merge(
        target,
        merge2::to_tree(patch, merge2::Extra::default()),
        schemas,
    )?;
    let Some(merged) = merged else {
        return Ok(true);
    };
    let merge2::Unbuilt {
        mut value,
        shared,
        empty_nulls,
    } = merge2::from_tree(&merged);
    internal::remove(&mut value);
    match &value {
        Value::Object(m) if m.is_empty() => return Ok(true),
        Value::Object(_) => {}
        Value::Null => return Ok(true),
        _ => return Err("the patch replaced the object with a non-object".into()),
    }
    r.value = value;
    r.shared_values = shared;
    r.empty_nulls = empty_nulls;
    if !opts.allow_kind_change {
        r.value["kind"] = Value::String(kind);
    }
    if !opts.allow_name_change {
        r.set_name(&name);
    }
    let md = r.metadata_mut();
    if namespace.is_empty() {
        md.remove("namespace");
    } else {
        md.insert("namespace", Value::String(namespace));
    }
    Ok(false)
}
