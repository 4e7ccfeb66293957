//! RFC 6902 JSON patches (`patches:` with a list of operations, and the deprecated
//! `patchesJson6902:`), applied with the json-patch crate to every selected object.

use std::path::PathBuf;

use serde_json::Value;

use super::matcher::Matcher;
use super::patches::PatchSource;
use crate::error::{Error, Result};
use crate::resource::Resource;
use crate::source::yaml::parse_single;
use crate::source::{Limits, Pos, Schema, SpanIndex};

/// A parsed list of operations.
pub struct Operations {
    ops: json_patch::Patch,
    spans: std::sync::Arc<SpanIndex>,
}

impl Operations {
    /// Whether an operation reads or writes `/metadata` (or the whole object), where the
    /// build annotations are.
    fn touches_metadata(&self) -> bool {
        use json_patch::PatchOperation::*;
        let near = |p: &json_patch::jsonptr::Pointer| {
            let p = p.as_str();
            p.is_empty() || p == "/metadata" || p.starts_with("/metadata/")
        };
        self.ops.0.iter().any(|op| match op {
            Add(o) => near(&o.path),
            Remove(o) => near(&o.path),
            Replace(o) => near(&o.path),
            Move(o) => near(&o.path) || near(&o.from),
            Copy(o) => near(&o.path) || near(&o.from),
            Test(o) => near(&o.path),
        })
    }

    /// For each operation that writes a value: the target path and the operation's index.
    fn writes(&self) -> impl Iterator<Item = (String, usize)> + '_ {
        use json_patch::PatchOperation::*;
        self.ops
            .0
            .iter()
            .enumerate()
            .filter_map(|(i, op)| match op {
                Add(o) => Some((o.path.to_string(), i)),
                Replace(o) => Some((o.path.to_string(), i)),
                Copy(o) => Some((o.path.to_string(), i)),
                Move(o) => Some((o.path.to_string(), i)),
                Remove(_) | Test(_) => None,
            })
    }
}

/// Is this patch text a list of JSON patch operations (as opposed to a strategic merge)?
pub fn parse_operations(src: &PatchSource, limits: Limits) -> Result<Option<Operations>> {
    let trimmed = src.text.trim_start();
    let (value, spans) = if trimmed.starts_with('[') {
        let v: Value = serde_json::from_str(&src.text).map_err(|e| {
            let pos = src.from_file.then(|| Pos {
                line: e.line() as u32,
                col: e.column() as u32,
            });
            Error::at(
                &src.file,
                pos.or(src.pos),
                format!("invalid JSON patch: {e}"),
            )
        })?;
        (v, std::sync::Arc::new(SpanIndex::default()))
    } else {
        let doc = parse_single(&src.text, Schema::Yaml11, limits).map_err(|e| {
            let pos = if src.from_file { Some(e.pos) } else { src.pos };
            Error::at(&src.file, pos, format!("invalid patch: {}", e.message))
        })?;
        match doc {
            Some(d) if d.value.is_array() => (d.value, std::sync::Arc::new(d.spans)),
            Some(_) => return Ok(None),
            None => return Err(Error::at(&src.file, src.pos, "patch is empty")),
        }
    };
    let ops: json_patch::Patch = serde_json::from_value(value).map_err(|e| {
        Error::at(
            &src.file,
            src.pos,
            format!("invalid JSON patch operation: {e}"),
        )
    })?;
    Ok(Some(Operations { ops, spans }))
}

fn op_pos(src: &PatchSource, ops: &Operations, index: usize) -> Option<Pos> {
    if src.from_file {
        ops.spans
            .get(&format!("/{index}"))
            .map(|s| s.value)
            .or(Some(Pos { line: 1, col: 1 }))
    } else {
        src.pos
    }
}

/// Apply `ops` to every object `target` selects.
pub fn apply(
    resources: &mut [Resource],
    target: &Matcher,
    src: &PatchSource,
    ops: &Operations,
    store_previous_id: bool,
) -> Result<()> {
    for r in resources.iter_mut().filter(|r| target.matches(r)) {
        if store_previous_id {
            r.store_previous_id();
        }
        let id = r.cur_id();
        // kustomize turns the object into JSON first, which fails on a key typed as
        // something other than a string.
        r.check_typed_keys()?;
        // kustomize re-reads the patched object from JSON: no YAML node is shared any more.
        r.shared_values.clear();
        r.write_out_empty_nulls();
        r.annotation_texts.clear();
        if ops.touches_metadata() {
            super::internal::inject(r);
        } else {
            super::internal::make_room(r);
        }
        let result = apply_ops(&mut r.value, &ops.ops);
        super::internal::remove(&mut r.value);
        result.map_err(|e| {
            let what = describe(&e.kind);
            Error::at(
                &src.file,
                op_pos(src, ops, e.operation),
                format!(
                    "JSON patch operation {} ({}) does not apply to {id}: {what} at path \"{}\"",
                    e.operation,
                    op_name(&ops.ops, e.operation),
                    e.path
                ),
            )
        })?;
        if !r.value.is_object() {
            return Err(Error::at(
                &src.file,
                src.pos,
                format!("JSON patch replaced {id} with a non-object"),
            ));
        }
        for (pointer, i) in ops.writes() {
            r.written.push(crate::resource::Written {
                pointer,
                file: src.file.clone(),
                spans: src.from_file.then(|| ops.spans.clone()),
                src_pointer: format!("/{i}/value"),
                exact_below: true,
                pos: op_pos(src, ops, i),
            });
        }
    }
    Ok(())
}

fn op_name(ops: &json_patch::Patch, i: usize) -> &'static str {
    use json_patch::PatchOperation::*;
    match ops.0.get(i) {
        Some(Add(_)) => "add",
        Some(Remove(_)) => "remove",
        Some(Replace(_)) => "replace",
        Some(Move(_)) => "move",
        Some(Copy(_)) => "copy",
        Some(Test(_)) => "test",
        None => "?",
    }
}

fn describe(kind: &json_patch::PatchErrorKind) -> String {
    match kind {
        json_patch::PatchErrorKind::TestFailed => "test failed: the value differs".into(),
        json_patch::PatchErrorKind::InvalidPointer => {
            "the document is missing the path (or its parent)".into()
        }
        other => other.to_string(),
    }
}

/// Apply parsed operations to any JSON value (all or nothing: on failure `value` is as it
/// was).
///
/// json-patch 5.0.0 rolls back the operations before the failing one, but not the first
/// half of a failing `move` (found by fuzzing: the `from` value stays removed when `path`
/// does not exist), so the value is restored from a copy here. Builds need no copy: a
/// failed patch fails the whole build.
pub fn patch_value(
    value: &mut Value,
    ops: &Operations,
) -> std::result::Result<(), json_patch::PatchError> {
    let before = value.clone();
    apply_ops(value, &ops.ops).inspect_err(|_| *value = before)
}

/// Apply the operations in order, as kustomize's JSON-patch library (evanphx/json-patch
/// v4) does: where RFC 6902 wants an existing member, v4 reads a missing member of an
/// existing object as `null`, so `replace` adds it, `copy` copies `null` from it and
/// `test` of it against `null` passes (a missing array element is still an error, and so
/// is `remove` or `move` of a missing member). Not atomic: on failure some operations
/// may have been applied.
fn apply_ops(
    value: &mut Value,
    ops: &json_patch::Patch,
) -> std::result::Result<(), json_patch::PatchError> {
    use json_patch::PatchOperation::*;
    for (i, op) in ops.0.iter().enumerate() {
        let adjusted = match op {
            Replace(o) if missing_member(value, &o.path) => Some(Add(json_patch::AddOperation {
                path: o.path.clone(),
                value: o.value.clone(),
            })),
            Copy(o) if missing_member(value, &o.from) => Some(Add(json_patch::AddOperation {
                path: o.path.clone(),
                value: Value::Null,
            })),
            Test(o) if o.value.is_null() && missing_member(value, &o.path) => continue,
            _ => None,
        };
        let op = adjusted.as_ref().unwrap_or(op);
        // Without the library's undo log: callers restore the value or fail.
        json_patch::patch_unsafe(value, std::slice::from_ref(op)).map_err(|mut e| {
            e.operation = i;
            e
        })?;
    }
    Ok(())
}

/// `pointer` names a member that an existing object does not have.
fn missing_member(doc: &Value, pointer: &json_patch::jsonptr::Pointer) -> bool {
    let Some((parent, key)) = pointer.split_back() else {
        return false;
    };
    doc.pointer(parent.as_str())
        .and_then(Value::as_object)
        .is_some_and(|m| !m.contains_key(key.decoded().as_ref()))
}

/// Parse `text` (JSON or YAML operations) as an inline patch would be.
pub fn operations_from_text(text: &str, limits: Limits) -> Result<Operations> {
    let src = PatchSource {
        file: PathBuf::from("<patch>"),
        pos: None,
        text: text.to_owned(),
        from_file: true,
    };
    parse_operations(&src, limits)?.ok_or_else(|| Error::msg("not a list of JSON patch operations"))
}
