//! RFC 6902 JSON patches (`patches:` with a list of operations, and the deprecated
//! `patchesJson6902:`), applied with the json-patch crate to every selected object.

use std::path::PathBuf;

use kforge_value::Value;

use super::matcher::Matcher;
use super::patches::PatchSource;
use crate::error::{Error, Result};
use crate::resource::Resource;
use crate::source::yaml::parse_single;
use crate::source::{Limits, Pos, Schema, SpanIndex};

/// A parsed list of operations.
pub struct Operations {
    ops: Vec<Op>,
    spans: std::sync::Arc<SpanIndex>,
}

/// One RFC 6902 operation: pointers as written (RFC 6901, escaped), values in kforge's
/// document model. Read through the json-patch crate's types, which check the operation
/// names, fields and pointers.
#[derive(Debug)]
enum Op {
    Add { path: String, value: Value },
    Remove { path: String },
    Replace { path: String, value: Value },
    Move { from: String, path: String },
    Copy { from: String, path: String },
    Test { path: String, value: Value },
}

impl From<json_patch::PatchOperation> for Op {
    fn from(op: json_patch::PatchOperation) -> Op {
        use json_patch::PatchOperation as P;
        let text = |p: &json_patch::jsonptr::Pointer| p.as_str().to_owned();
        match op {
            P::Add(o) => Op::Add {
                path: text(&o.path),
                value: o.value.into(),
            },
            P::Remove(o) => Op::Remove {
                path: text(&o.path),
            },
            P::Replace(o) => Op::Replace {
                path: text(&o.path),
                value: o.value.into(),
            },
            P::Move(o) => Op::Move {
                from: text(&o.from),
                path: text(&o.path),
            },
            P::Copy(o) => Op::Copy {
                from: text(&o.from),
                path: text(&o.path),
            },
            P::Test(o) => Op::Test {
                path: text(&o.path),
                value: o.value.into(),
            },
        }
    }
}

impl Op {
    fn name(&self) -> &'static str {
        match self {
            Op::Add { .. } => "add",
            Op::Remove { .. } => "remove",
            Op::Replace { .. } => "replace",
            Op::Move { .. } => "move",
            Op::Copy { .. } => "copy",
            Op::Test { .. } => "test",
        }
    }

    fn path(&self) -> &str {
        match self {
            Op::Add { path, .. }
            | Op::Remove { path }
            | Op::Replace { path, .. }
            | Op::Move { path, .. }
            | Op::Copy { path, .. }
            | Op::Test { path, .. } => path,
        }
    }
}

impl Operations {
    /// Whether an operation reads or writes `/metadata` (or the whole object), where the
    /// build annotations are.
    fn touches_metadata(&self) -> bool {
        let near = |p: &str| p.is_empty() || p == "/metadata" || p.starts_with("/metadata/");
        self.ops.iter().any(|op| match op {
            Op::Move { from, path } | Op::Copy { from, path } => near(path) || near(from),
            other => near(other.path()),
        })
    }

    /// For each operation that writes a value: the target path and the operation's index.
    fn writes(&self) -> impl Iterator<Item = (String, usize)> + '_ {
        self.ops.iter().enumerate().filter_map(|(i, op)| match op {
            Op::Add { path, .. }
            | Op::Replace { path, .. }
            | Op::Copy { path, .. }
            | Op::Move { path, .. } => Some((path.clone(), i)),
            Op::Remove { .. } | Op::Test { .. } => None,
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
    let ops: json_patch::Patch = kforge_value::from_value(value).map_err(|e| {
        Error::at(
            &src.file,
            src.pos,
            format!("invalid JSON patch operation: {e}"),
        )
    })?;
    let ops = ops.0.into_iter().map(Op::from).collect();
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
            let what = e.kind.describe();
            Error::at(
                &src.file,
                op_pos(src, ops, e.operation),
                format!(
                    "JSON patch operation {} ({}) does not apply to {id}: {what} at path \"{}\"",
                    e.operation,
                    ops.ops.get(e.operation).map_or("?", Op::name),
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

/// Why an operation did not apply (the cases of RFC 6902, as the json-patch crate names
/// them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchErrorKind {
    /// A `test` found another value.
    TestFailed,
    /// The `from` of a `move` or `copy` names nothing.
    InvalidFromPointer,
    /// The `path` names nothing (or, to add, no parent).
    InvalidPointer,
    /// A `move` into its own value.
    CannotMoveInsideItself,
}

impl PatchErrorKind {
    fn describe(self) -> &'static str {
        match self {
            PatchErrorKind::TestFailed => "test failed: the value differs",
            PatchErrorKind::InvalidPointer => "the document is missing the path (or its parent)",
            PatchErrorKind::InvalidFromPointer => "\"from\" path is invalid",
            PatchErrorKind::CannotMoveInsideItself => "cannot move the value inside itself",
        }
    }
}

/// An operation that did not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchError {
    /// Its index in the list.
    pub operation: usize,
    /// Its `path`.
    pub path: String,
    /// Why.
    pub kind: PatchErrorKind,
}

impl std::fmt::Display for PatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "operation '/{}' failed at path '{}': {}",
            self.operation,
            self.path,
            self.kind.describe()
        )
    }
}

impl std::error::Error for PatchError {}

/// Apply parsed operations to any JSON value (all or nothing: on failure `value` is as it
/// was). Builds need no copy: a failed patch fails the whole build.
pub fn patch_value(value: &mut Value, ops: &Operations) -> std::result::Result<(), PatchError> {
    let before = value.clone();
    apply_ops(value, &ops.ops).inspect_err(|_| *value = before)
}

/// Apply the operations in order, as kustomize's JSON-patch library (evanphx/json-patch
/// v4) does: where RFC 6902 wants an existing member, v4 reads a missing member of an
/// existing object as `null`, so `replace` adds it, `copy` copies `null` from it and
/// `test` of it against `null` passes (a missing array element is still an error, and so
/// is `remove` or `move` of a missing member). Not atomic: on failure some operations
/// may have been applied.
fn apply_ops(doc: &mut Value, ops: &[Op]) -> std::result::Result<(), PatchError> {
    use PatchErrorKind::*;
    for (i, op) in ops.iter().enumerate() {
        let done = match op {
            Op::Add { path, value } => add(doc, path, value.clone()),
            Op::Replace { path, value } if missing_member(doc, path) => {
                add(doc, path, value.clone())
            }
            Op::Replace { path, value } => match doc.pointer_mut(path) {
                Some(target) => {
                    *target = value.clone();
                    Ok(())
                }
                None => Err(InvalidPointer),
            },
            Op::Remove { path } => remove(doc, path).map(drop),
            Op::Move { from, path } => {
                if path.len() > from.len()
                    && path.starts_with(from.as_str())
                    && path.as_bytes()[from.len()] == b'/'
                {
                    Err(CannotMoveInsideItself)
                } else {
                    match remove(doc, from) {
                        Ok(v) => add(doc, path, v),
                        Err(InvalidPointer) => Err(InvalidFromPointer),
                        Err(e) => Err(e),
                    }
                }
            }
            Op::Copy { from, path } if missing_member(doc, from) => add(doc, path, Value::Null),
            Op::Copy { from, path } => match doc.pointer(from) {
                Some(v) => add(doc, path, v.clone()),
                None => Err(InvalidFromPointer),
            },
            Op::Test { path, value } if value.is_null() && missing_member(doc, path) => Ok(()),
            Op::Test { path, value } => match doc.pointer(path) {
                Some(v) if v == value => Ok(()),
                Some(_) => Err(TestFailed),
                None => Err(InvalidPointer),
            },
        };
        done.map_err(|kind| PatchError {
            operation: i,
            path: op.path().to_owned(),
            kind,
        })?;
    }
    Ok(())
}

/// The parent's pointer and the last token (unescaped); `None` for the whole document.
fn split_back(pointer: &str) -> Option<(&str, std::borrow::Cow<'_, str>)> {
    let i = pointer.rfind('/')?;
    Some((&pointer[..i], kforge_value::unescape(&pointer[i + 1..])))
}

/// A list position to write at: `-` (the end) or digits without a leading zero.
enum Index {
    Num(usize),
    Next,
}

fn index(token: &str) -> Option<Index> {
    if token == "-" {
        return Some(Index::Next);
    }
    kforge_value::list_index(token).map(Index::Num)
}

fn add(doc: &mut Value, path: &str, value: Value) -> std::result::Result<(), PatchErrorKind> {
    let Some((parent, last)) = split_back(path) else {
        *doc = value;
        return Ok(());
    };
    match doc.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.insert(last.into_owned(), value);
            Ok(())
        }
        Some(Value::Array(a)) => {
            let at = match index(&last) {
                Some(Index::Next) => a.len(),
                Some(Index::Num(n)) if n <= a.len() => n,
                _ => return Err(PatchErrorKind::InvalidPointer),
            };
            a.insert(at, value);
            Ok(())
        }
        _ => Err(PatchErrorKind::InvalidPointer),
    }
}

fn remove(doc: &mut Value, path: &str) -> std::result::Result<Value, PatchErrorKind> {
    let (parent, last) = split_back(path).ok_or(PatchErrorKind::InvalidPointer)?;
    match doc.pointer_mut(parent) {
        Some(Value::Object(m)) => m
            .remove(last.as_ref())
            .ok_or(PatchErrorKind::InvalidPointer),
        Some(Value::Array(a)) => match index(&last) {
            Some(Index::Num(n)) if n < a.len() => Ok(a.remove(n)),
            _ => Err(PatchErrorKind::InvalidPointer),
        },
        _ => Err(PatchErrorKind::InvalidPointer),
    }
}

/// `pointer` names a member that an existing object does not have.
fn missing_member(doc: &Value, pointer: &str) -> bool {
    let Some((parent, key)) = split_back(pointer) else {
        return false;
    };
    doc.pointer(parent)
        .and_then(Value::as_object)
        .is_some_and(|m| !m.contains_key(&key))
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
