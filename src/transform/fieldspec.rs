//! Field specs: "this path, in objects of this kind" tables that drive kustomize's
//! transformers, and the walk that visits (and optionally creates) those fields.

use kforge_value::{Map, Value};

use crate::error::{Error, Result};
use crate::resource::Gvk;
use crate::source::pointer::push_token;

/// One path segment.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Segment {
    name: String,
    /// Written with a `[]` suffix: the field holds a list.
    is_seq: bool,
}

/// A field location: objects it applies to, the path, and whether to create it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// Objects it applies to (empty parts match anything).
    pub gvk: Gvk,
    /// The path as written.
    pub path: String,
    segments: Vec<Segment>,
    /// Create the field (and missing parents) when absent.
    pub create: bool,
}

/// What kind of node to create at the end of a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreateKind {
    /// A mapping (labels, annotations).
    Map,
    /// A scalar (names, namespaces).
    Scalar,
}

fn split_path(path: &str) -> Vec<Segment> {
    let segment = |s: &str| match s.strip_suffix("[]") {
        Some(n) => Segment {
            name: n.to_owned(),
            is_seq: true,
        },
        None => Segment {
            name: s.to_owned(),
            is_seq: false,
        },
    };
    if !path.contains('\\') {
        return path.split('/').map(segment).collect();
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                cur.push('/');
                chars.next();
            }
            '/' => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.iter().map(|s| segment(s)).collect()
}

impl FieldSpec {
    /// A spec for `path` in objects matching `group`/`version`/`kind`.
    pub fn new(group: &str, version: &str, kind: &str, path: &str, create: bool) -> FieldSpec {
        FieldSpec {
            gvk: Gvk {
                group: group.to_owned(),
                version: version.to_owned(),
                kind: kind.to_owned(),
            },
            path: path.to_owned(),
            segments: split_path(path),
            create,
        }
    }

    /// A spec as written in a kustomization or a configuration file.
    pub fn from_def(d: &crate::model::FieldSpecDef) -> FieldSpec {
        FieldSpec::new(&d.group, &d.version, &d.kind, &d.path, d.create)
    }

    /// Does this spec apply to an object with this GVK?
    pub fn applies_to(&self, gvk: &Gvk) -> bool {
        gvk.is_selected(&self.gvk)
    }

    /// As [`FieldSpec::applies_to`], for a borrowed apiVersion and kind.
    pub fn applies_to_ref(&self, gvk: &crate::resource::GvkRef<'_>) -> bool {
        gvk.is_selected(&self.gvk)
    }

    /// Visit the field at this spec's path in `obj` (every element where the path crosses a
    /// list), creating it if allowed, and call `set` on it.
    pub fn apply(
        &self,
        obj: &mut Value,
        create_kind: Option<CreateKind>,
        set: &mut dyn FnMut(&mut Value) -> Result<()>,
    ) -> Result<()> {
        self.walk::<false>(obj, create_kind, &mut |n, _| set(n))
    }

    /// Like [`FieldSpec::apply`], also passing the JSON pointer of each visited node.
    pub fn apply_at(
        &self,
        obj: &mut Value,
        create_kind: Option<CreateKind>,
        set: &mut dyn FnMut(&mut Value, &str) -> Result<()>,
    ) -> Result<()> {
        self.walk::<true>(obj, create_kind, set)
    }

    /// The walk; with `POINTERS` false the callback gets an empty pointer (nothing is
    /// formatted for callers that do not ask).
    fn walk<const POINTERS: bool>(
        &self,
        obj: &mut Value,
        create_kind: Option<CreateKind>,
        set: &mut dyn FnMut(&mut Value, &str) -> Result<()>,
    ) -> Result<()> {
        // Room for the pointer of a node at the path's depth: one allocation per walk.
        let mut ptr = if POINTERS {
            String::with_capacity(self.path.len() + 16)
        } else {
            String::new()
        };
        walk::<POINTERS>(obj, &self.segments, self.create, create_kind, &mut ptr, set).map_err(
            |e| {
                Error::msg(format!(
                    "cannot apply field spec '{}': {}",
                    self.path, e.message
                ))
            },
        )
    }

    /// The nodes at this spec's path in `obj` (every element where the path crosses a list),
    /// each with its escaped JSON pointer, in document order: the read-only walk, for
    /// whoever only looks (validation finds source positions by those pointers). Nothing is
    /// created; a path that meets a scalar before its end finds nothing there.
    pub fn read<'v>(&self, obj: &'v Value) -> Vec<(String, &'v Value)> {
        let mut out = Vec::new();
        let mut ptr = String::with_capacity(self.path.len() + 16);
        read(obj, &self.segments, &mut ptr, &mut out);
        out
    }
}

/// Append `/i` to `ptr` without a temporary string.
fn push_index(ptr: &mut String, i: usize) {
    use std::fmt::Write;
    let _ = write!(ptr, "/{i}");
}

/// The nodes at `path` under `node`, never creating or changing anything; a node of another
/// type on the way ends that branch.
fn read<'v>(
    node: &'v Value,
    path: &[Segment],
    ptr: &mut String,
    out: &mut Vec<(String, &'v Value)>,
) {
    let Some((seg, rest)) = path.split_first() else {
        out.push((ptr.clone(), node));
        return;
    };
    let len = ptr.len();
    match node {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                push_index(ptr, i);
                read(item, path, ptr, out);
                ptr.truncate(len);
            }
        }
        Value::Object(map) => {
            if let Some(child) = map.get(&seg.name) {
                push_token(ptr, &seg.name);
                read(child, rest, ptr, out);
                ptr.truncate(len);
            }
        }
        _ => {}
    }
}

fn walk<const POINTERS: bool>(
    node: &mut Value,
    path: &[Segment],
    create: bool,
    create_kind: Option<CreateKind>,
    ptr: &mut String,
    set: &mut dyn FnMut(&mut Value, &str) -> Result<()>,
) -> Result<()> {
    let Some((seg, rest)) = path.split_first() else {
        return set(node, ptr);
    };
    let len = ptr.len();
    match node {
        Value::Null => Ok(()),
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                if POINTERS {
                    push_index(ptr, i);
                }
                walk::<POINTERS>(item, path, create, create_kind, ptr, set)?;
                ptr.truncate(len);
            }
            Ok(())
        }
        Value::Object(map) => {
            if seg.name.is_empty() {
                return Err(Error::msg("cannot set or create an empty field name"));
            }
            let creating = create && create_kind.is_some() && !seg.is_seq;
            // One lookup when the field is there (the common case).
            let child = match map.get_mut(&seg.name) {
                Some(child) => child,
                None if !creating => return Ok(()),
                None => {
                    let fresh = if rest.is_empty() {
                        match create_kind {
                            Some(CreateKind::Map) => Value::Object(Map::new()),
                            _ => Value::Null,
                        }
                    } else {
                        Value::Object(Map::new())
                    };
                    map.insert(seg.name.clone(), fresh);
                    let child = map.get_mut(&seg.name).expect("just inserted");
                    if POINTERS {
                        push_token(ptr, &seg.name);
                    }
                    let r = walk::<POINTERS>(child, rest, create, create_kind, ptr, set);
                    ptr.truncate(len);
                    return r;
                }
            };
            if child.is_null() && creating {
                if !rest.is_empty() || create_kind == Some(CreateKind::Map) {
                    *child = Value::Object(Map::new());
                }
            } else if child.is_null() && seg.is_seq {
                *child = Value::Array(Vec::new());
            }
            if child.is_null() && !rest.is_empty() {
                return Ok(());
            }
            if POINTERS {
                push_token(ptr, &seg.name);
            }
            let r = walk::<POINTERS>(child, rest, create, create_kind, ptr, set);
            ptr.truncate(len);
            r
        }
        _ => Err(Error::msg("expected sequence or mapping node")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kforge_value::json;

    #[test]
    fn walks_lists_and_creates() {
        let fs = FieldSpec::new("", "", "", "spec/template/metadata/labels", true);
        let mut v = json!({"spec": {}});
        fs.apply(&mut v, Some(CreateKind::Map), &mut |n| {
            n.as_object_mut().unwrap().insert("a", json!("b"));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            v,
            json!({"spec": {"template": {"metadata": {"labels": {"a": "b"}}}}})
        );

        let fs = FieldSpec::new("", "", "", "spec/containers/image", false);
        let mut v = json!({"spec": {"containers": [{"image": "a"}, {"name": "x"}]}});
        let mut seen = Vec::new();
        fs.apply(&mut v, None, &mut |n| {
            seen.push(n.clone());
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![json!("a")]);
    }

    #[test]
    fn reads_without_changing() {
        let fs = FieldSpec::new(
            "",
            "",
            "",
            "spec/volumes/projected/sources/secret/name",
            true,
        );
        let v = json!({"spec": {"volumes": [
            {"projected": {"sources": [{"secret": {"name": "a"}}, {"configMap": {"name": "b"}}]}},
            {"secret": {"secretName": "c"}},
            {"projected": {"sources": [{"secret": {"name": "d/e"}}]}},
            {"projected": "not a map"}
        ]}});
        let found: Vec<(String, &Value)> = fs.read(&v);
        assert_eq!(
            found,
            vec![
                (
                    "/spec/volumes/0/projected/sources/0/secret/name".to_owned(),
                    &json!("a")
                ),
                (
                    "/spec/volumes/2/projected/sources/0/secret/name".to_owned(),
                    &json!("d/e")
                ),
            ]
        );
        let fs = FieldSpec::new("", "", "", "metadata/annotations/a.io\\/b", true);
        let v = json!({"metadata": {"annotations": {"a.io/b": "x"}}});
        assert_eq!(fs.read(&v)[0].0, "/metadata/annotations/a.io~1b");
        assert!(fs.read(&json!({})).is_empty());
    }

    #[test]
    fn escaped_slash() {
        let fs = FieldSpec::new("", "", "", "metadata/annotations/a.io\\/b", false);
        assert_eq!(fs.segments.len(), 3);
        assert_eq!(fs.segments[2].name, "a.io/b");
    }
}
