//! kustomize's builtin `ValueAddTransformer`: one value written (or inserted as a path part)
//! into one field of the selected objects, creating the field when it is missing.

use kforge_value::{Map, Value};

use super::config::TransformerConfig;
use super::matcher::Matcher;
use super::namespace;
use crate::error::{Error, Result};
use crate::model::Selector;
use crate::resource::Resource;
use crate::source::scalar::plain_value;

/// One target of a `ValueAddTransformer`.
#[derive(Clone, Debug)]
pub struct Target {
    /// The objects (every object when absent).
    pub selector: Option<Selector>,
    /// `/`-separated path (`\/` is a slash inside a key).
    pub field_path: String,
    /// 0: replace the field; n > 0: insert the value as the n-th part of a `/` path.
    pub file_path_position: usize,
}

/// The path kustomize's namespace filter handles instead.
const NAMESPACE_PATH: &str = "metadata/namespace";

fn split(path: &str) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for part in path.split('/') {
        match fields.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('/');
                last.push_str(part);
            }
            _ => fields.push(part.to_owned()),
        }
    }
    fields
}

/// Go's `filepath.Join` of relative parts.
fn clean_join(parts: &[String]) -> String {
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    super::build_metadata::join(&parts)
}

/// kustomize's `PathSplit`: the parts of a `/` path, a leading empty part for an absolute
/// one (Go's `filepath.Split` applied from the end).
fn path_split(path: &str) -> Vec<String> {
    if path.is_empty() {
        return Vec::new();
    }
    let cut = path.rfind('/').map_or(0, |i| i + 1);
    let (dir, file) = path.split_at(cut);
    if dir == "/" {
        return if file.is_empty() {
            vec![String::new()]
        } else {
            vec![String::new(), file.to_owned()]
        };
    }
    let dir = dir.strip_suffix('/').unwrap_or(dir);
    if dir.is_empty() {
        return vec![file.to_owned()];
    }
    let mut out = path_split(dir);
    out.push(file.to_owned());
    out
}

/// kustomize's `InsertPathPart`: `part` inserted as element `pos` of the `/` path `path`.
fn insert_path_part(path: &str, pos: usize, part: &str) -> String {
    if part.is_empty() {
        return path.to_owned();
    }
    let mut parts = path_split(path);
    let mut pos = pos.min(parts.len());
    if parts.first().is_some_and(|p| p.is_empty()) && pos < parts.len() {
        pos += 1;
    }
    parts.insert(pos, part.to_owned());
    if parts[0].is_empty() {
        format!("/{}", clean_join(&parts[1..]))
    } else {
        clean_join(&parts)
    }
}

fn index(part: &str) -> Option<usize> {
    let t = part.strip_prefix('+').unwrap_or(part);
    (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .then(|| t.parse().ok())
        .flatten()
}

/// kyaml's `LookupCreate` of a scalar: the node at `fields`, created (maps on the way, a
/// null at the end) where missing.
fn lookup_create<'v>(node: &'v mut Value, fields: &[String]) -> Result<&'v mut Value> {
    let Some((part, rest)) = fields.split_first() else {
        return Ok(node);
    };
    if let Some(i) = index(part) {
        let items = node.as_array_mut().ok_or_else(|| {
            Error::msg(format!("'{part}' indexes a list, but the field is not one"))
        })?;
        let len = items.len();
        let item = items.get_mut(i).ok_or_else(|| {
            Error::msg(format!(
                "index {i} is out of range (the list has {len} items)"
            ))
        })?;
        return lookup_create(item, rest);
    }
    if part == "-" {
        let items = node.as_array_mut().ok_or_else(|| {
            Error::msg(format!("'{part}' indexes a list, but the field is not one"))
        })?;
        let item = items
            .last_mut()
            .ok_or_else(|| Error::msg("'-' names the last element of an empty list"))?;
        return lookup_create(item, rest);
    }
    if node.is_null() {
        *node = Value::Object(Map::new());
    }
    let map = node.as_object_mut().ok_or_else(|| {
        Error::msg(format!(
            "cannot look up field '{part}': the value there is not a mapping"
        ))
    })?;
    let fresh = if rest.is_empty() {
        Value::Null
    } else if rest.first().is_some_and(|n| index(n).is_some() || n == "-") {
        Value::Array(Vec::new())
    } else {
        Value::Object(Map::new())
    };
    let child = map.entry(part.clone()).or_insert(fresh);
    lookup_create(child, rest)
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => crate::emit::format::format_number(n),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

fn add_one(r: &mut Resource, value: &str, t: &Target) -> Result<()> {
    let fields = split(&t.field_path);
    let node = lookup_create(&mut r.value, &fields)?;
    if matches!(node, Value::Object(_) | Value::Array(_)) {
        return Err(Error::msg(format!(
            "the field '{}' of {} is not a scalar; ValueAddTransformer writes scalars only",
            t.field_path,
            r.cur_id()
        )));
    }
    let new = if t.file_path_position > 0 {
        insert_path_part(&scalar_text(node), t.file_path_position - 1, value)
    } else {
        value.to_owned()
    };
    // kustomize writes an untagged scalar in the old node's style: a string that only a
    // quoted node could hold stays a string, anything else reads as a plain scalar.
    let quoted = matches!(node, Value::String(s) if !plain_value(s).is_string());
    *node = if quoted {
        Value::String(new)
    } else {
        plain_value(&new)
    };
    Ok(())
}

/// Run a `ValueAddTransformer` with `value` over `targets`.
pub fn apply(resources: &mut [Resource], value: &str, targets: &[Target]) -> Result<()> {
    for t in targets {
        let matcher = t.selector.as_ref().map(Matcher::new).transpose()?;
        let picked: Vec<usize> = (0..resources.len())
            .filter(|&i| matcher.as_ref().is_none_or(|m| m.matches(&resources[i])))
            .collect();
        for i in picked {
            if t.field_path == NAMESPACE_PATH {
                let cfg = TransformerConfig::default();
                namespace::apply_with(
                    std::slice::from_mut(&mut resources[i]),
                    value,
                    &cfg,
                    namespace::Options::default(),
                )?;
            } else {
                add_one(&mut resources[i], value, t)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{insert_path_part, split};

    #[test]
    fn path_parts_insert_like_kustomize() {
        assert_eq!(insert_path_part("", 3, "P"), "P");
        assert_eq!(insert_path_part("pie", 0, "P"), "P/pie");
        assert_eq!(insert_path_part("/pie", 0, "P"), "/P/pie");
        assert_eq!(insert_path_part("raw", 9, "P"), "raw/P");
        assert_eq!(
            insert_path_part("/a/nice/warm/pie", 3, "P"),
            "/a/nice/warm/P/pie"
        );
        assert_eq!(
            split("metadata/labels/a\\/b"),
            ["metadata", "labels", "a/b"]
        );
    }
}
