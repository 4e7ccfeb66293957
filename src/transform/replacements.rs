//! `replacements:`: copy a value from one object's field (or a literal `sourceValue`) into
//! fields of the selected objects, as kustomize's replacement filter does.
//!
//! Paths are dotted (`spec.template.spec.containers.[name=app].image`): a number indexes a
//! list, `[field=regex]` picks list elements (an unanchored match, as in kustomize), `*`
//! every element, and `[a.b]` is a key holding dots. The source side reads with exact
//! `[field=value]` matches; the target side may create what is missing (`options.create`).

use std::path::PathBuf;

use kforge_value::Value;
use regex::Regex;

use super::matcher::Matcher;
use crate::error::{Error, Result};
use crate::model::{FieldOptions, Replacement, SourceSelector};
use crate::resource::{Gvk, ResId, Resource};
use crate::source::pointer::push_token;
use crate::source::scalar::plain_value;
use crate::source::Pos;

/// A replacement and where it was written (for errors).
#[derive(Debug, Clone)]
pub struct Located {
    /// The replacement.
    pub spec: Replacement,
    /// The file it was written in.
    pub file: PathBuf,
    /// Its position there, when known.
    pub pos: Option<Pos>,
}

const DEFAULT_FIELD_PATH: &str = "metadata.name";

/// kustomize's `SmarterPathSplitter`: split at `.` (a `\.` is a literal dot), keeping a
/// bracketed `[a=b.c]` whole and turning a bracketed `[a.b]` into the key `a.b`.
pub fn split_path(path: &str) -> Vec<String> {
    let mut raw: Vec<String> = Vec::new();
    let mut parts = path.split('.').peekable();
    if path.starts_with('.') && path.len() > 1 {
        parts.next();
    }
    for p in parts {
        match raw.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('.');
                last.push_str(p);
            }
            _ => raw.push(p.to_owned()),
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let elem = &raw[i];
        if elem.starts_with('[') && !elem.ends_with(']') {
            let mut bracketed = vec![elem.clone()];
            while i < raw.len() - 1 {
                i += 1;
                bracketed.push(raw[i].clone());
                if raw[i].ends_with(']') {
                    break;
                }
            }
            let joined = bracketed.join(".");
            if joined.contains('=') {
                out.push(joined);
            } else {
                out.push(joined.trim_matches(|c| c == '[' || c == ']').to_owned());
            }
        } else {
            out.push(elem.clone());
        }
        i += 1;
    }
    out
}

fn is_list_index(p: &str) -> bool {
    p.starts_with('[') && p.ends_with(']')
}

fn index_number(p: &str) -> Option<usize> {
    // Go's strconv.Atoi accepts a leading sign.
    let t = p.strip_prefix('+').unwrap_or(p);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

fn split_index(p: &str) -> Result<(String, String)> {
    let inner = p.strip_suffix(']').unwrap_or(p);
    let inner = inner.strip_prefix('[').unwrap_or(inner);
    match inner.split_once('=') {
        Some((k, v)) => Ok((k.to_owned(), v.to_owned())),
        None => Err(Error::msg(
            "list path element must contain fieldName=fieldValue for element to match",
        )),
    }
}

/// The text of a scalar as YAML holds it.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(crate::emit::format::format_number(n)),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Object(_) | Value::Array(_))
}

/// Read the source field (kyaml's `PathGetter` without create).
pub(super) fn lookup<'v>(node: &'v Value, parts: &[String]) -> Result<Option<&'v Value>> {
    lookup_at(node, parts, &mut String::new())
}

/// [`lookup`], also building the JSON pointer of the field found in `ptr`.
pub(super) fn lookup_at<'v>(
    mut node: &'v Value,
    parts: &[String],
    ptr: &mut String,
) -> Result<Option<&'v Value>> {
    for part in parts {
        let next = if let Some(i) = index_number(part) {
            ptr.push_str(&format!("/{i}"));
            node.as_array().and_then(|a| a.get(i))
        } else if part == "-" {
            let items = node.as_array();
            ptr.push_str(&format!(
                "/{}",
                items.map_or(0, |a| a.len().saturating_sub(1))
            ));
            items.and_then(|a| a.last())
        } else if part == "*" {
            return Err(Error::msg(
                "wildcard is not supported in a replacement source",
            ));
        } else if is_list_index(part) {
            let (k, v) = split_index(part)?;
            node.as_array().and_then(|items| {
                items.iter().enumerate().find_map(|(i, e)| {
                    let field = if k.is_empty() { Some(e) } else { e.get(&k) };
                    let hit = field.and_then(scalar_text).is_some_and(|t| t == v);
                    hit.then(|| {
                        ptr.push_str(&format!("/{i}"));
                        e
                    })
                })
            })
        } else {
            push_token(ptr, part);
            node.as_object().and_then(|m| m.get(part))
        };
        match next {
            Some(n) => node = n,
            None => return Ok(None),
        }
    }
    Ok(Some(node))
}

/// The value a replacement writes.
#[derive(Clone, Debug)]
struct SourceValue {
    /// The node (for non-scalar targets and non-scalar values).
    node: Value,
    /// Its text, for scalar targets.
    text: String,
}

/// Every id of each object (current, then earlier), computed once per [`apply`] and again
/// only for an object a replacement wrote to: a thousand replacements over thousands of
/// objects would otherwise rebuild the same ids millions of times.
struct IdCache(Vec<Option<Vec<ResId>>>);

impl IdCache {
    fn new(len: usize) -> IdCache {
        IdCache(vec![None; len])
    }

    fn get(&mut self, resources: &[Resource], i: usize) -> &[ResId] {
        self.0[i].get_or_insert_with(|| resources[i].all_ids())
    }

    fn changed(&mut self, i: usize) {
        self.0[i] = None;
    }
}

fn source_string(s: &SourceSelector) -> String {
    let gvk = Gvk {
        group: s.group.clone(),
        version: s.version.clone(),
        kind: s.kind.clone(),
    };
    let mut out = format!(
        "{}/{}.{}",
        gvk.id_string(),
        if s.name.is_empty() {
            "[noName]"
        } else {
            &s.name
        },
        if s.namespace.is_empty() {
            "[noNs]"
        } else {
            &s.namespace
        }
    );
    if !s.field_path.is_empty() {
        out.push(':');
        out.push_str(&s.field_path);
    }
    out
}

fn select_source<'r>(
    resources: &'r [Resource],
    ids: &mut IdCache,
    s: &SourceSelector,
) -> Result<&'r Resource> {
    let sel = Gvk {
        group: s.group.clone(),
        version: s.version.clone(),
        kind: s.kind.clone(),
    };
    let mut found: Option<&Resource> = None;
    for (i, r) in resources.iter().enumerate() {
        let hit = ids.get(resources, i).iter().any(|id| {
            (s.name.is_empty() || s.name == id.name)
                && (s.namespace.is_empty() || id.effective_namespace() == s.namespace)
                && id.gvk.is_selected(&sel)
        });
        if hit {
            if found.is_some() {
                return Err(Error::msg(format!(
                    "multiple matches for selector {}; narrow the source with name, namespace or kind",
                    source_string(s)
                )));
            }
            found = Some(r);
        }
    }
    found.ok_or_else(|| {
        Error::msg(format!(
            "nothing selected by {}; the replacement source must name an object of the build",
            source_string(s)
        ))
    })
}

fn refine(options: Option<&FieldOptions>, node: &Value) -> Result<SourceValue> {
    let text = scalar_text(node).unwrap_or_default();
    let Some(o) = options.filter(|o| !o.delimiter.is_empty()) else {
        return Ok(SourceValue {
            node: node.clone(),
            text,
        });
    };
    if !is_scalar(node) {
        return Err(Error::msg(
            "delimiter option can only be used with scalar nodes",
        ));
    }
    let parts: Vec<&str> = text.split(o.delimiter.as_str()).collect();
    if o.index < 0 || o.index as usize >= parts.len() {
        return Err(Error::msg(format!(
            "options.index {} is out of bounds for value {text}",
            o.index
        )));
    }
    let part = parts[o.index as usize].to_owned();
    let node = match node {
        Value::String(_) => Value::String(part.clone()),
        _ => plain_value(&part),
    };
    Ok(SourceValue { node, text: part })
}

fn get_value(resources: &[Resource], ids: &mut IdCache, r: &Replacement) -> Result<SourceValue> {
    match (&r.source_value, &r.source) {
        (Some(_), Some(_)) => Err(Error::msg(
            "value and resource selectors are mutually exclusive",
        )),
        (Some(v), None) => Ok(SourceValue {
            node: plain_value(v),
            text: v.clone(),
        }),
        (None, Some(s)) => {
            let obj = select_source(resources, ids, s)?;
            let fp = if s.field_path.is_empty() {
                DEFAULT_FIELD_PATH
            } else {
                &s.field_path
            };
            let node = lookup(&obj.value, &split_path(fp)).map_err(|e| {
                Error::msg(format!(
                    "error looking up replacement source: {}",
                    e.message
                ))
            })?;
            let empty = match node {
                None | Some(Value::Null) => true,
                Some(Value::Object(m)) => m.is_empty(),
                Some(Value::Array(a)) => a.is_empty(),
                _ => false,
            };
            if empty {
                return Err(Error::msg(format!(
                    "fieldPath `{fp}` is missing for replacement source {}",
                    source_string(s)
                )));
            }
            refine(s.options.as_ref(), node.expect("not empty"))
        }
        (None, None) => Err(Error::msg(
            "replacements must specify a source and at least one target",
        )),
    }
}

/// What to create where a target path is missing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Scalar,
    Map,
    Seq,
}

fn kind_of(v: &Value) -> Kind {
    match v {
        Value::Object(_) => Kind::Map,
        Value::Array(_) => Kind::Seq,
        _ => Kind::Scalar,
    }
}

fn part_kind(next: Option<&String>, default: Kind) -> Kind {
    match next {
        Some(n) if is_list_index(n) || index_number(n).is_some() => Kind::Seq,
        None => default,
        Some(_) => Kind::Map,
    }
}

fn fresh(kind: Kind) -> Value {
    match kind {
        Kind::Scalar => Value::Null,
        Kind::Map => Value::Object(Default::default()),
        Kind::Seq => Value::Array(Vec::new()),
    }
}

/// A matched target field: its pointer, and whether this replacement created it.
struct Hit {
    pointer: String,
    created: bool,
}

fn not_a_list(part: &str) -> Error {
    Error::msg(format!(
        "wrong node kind: '{part}' needs a list (a sequence) here"
    ))
}

/// kyaml's `PathMatcher`: every node matching `parts` below `node`.
fn match_path(
    node: &mut Value,
    parts: &[String],
    create: Option<Kind>,
    ptr: &mut String,
    created: bool,
    out: &mut Vec<Hit>,
) -> Result<()> {
    let Some((part, rest)) = parts.split_first() else {
        out.push(Hit {
            pointer: ptr.clone(),
            created,
        });
        return Ok(());
    };
    let len = ptr.len();
    if let Some(idx) = index_number(part) {
        let Some(items) = node.as_array_mut() else {
            return Err(not_a_list(part));
        };
        let mut made = false;
        if items.len() == idx {
            if let Some(k) = create {
                items.push(fresh(part_kind(rest.first(), k)));
                made = true;
            }
        }
        if items.len() < idx + 1 {
            return Err(Error::msg(format!(
                "index {idx} specified but only {} elements found",
                items.len()
            )));
        }
        ptr.push_str(&format!("/{idx}"));
        let r = match_path(&mut items[idx], rest, create, ptr, made, out);
        ptr.truncate(len);
        return r;
    }
    if is_list_index(part) {
        let (field, pattern) = split_index(part)?;
        let re = Regex::new(&pattern)
            .map_err(|e| Error::msg(format!("'{part}' is not a valid regular expression: {e}")))?;
        let Some(items) = node.as_array_mut() else {
            return Err(not_a_list(part));
        };
        let before = out.len();
        let mut matched = false;
        for (i, item) in items.iter_mut().enumerate() {
            let text = if field.is_empty() {
                scalar_text(item)
            } else {
                item.get(&field)
                    .filter(|v| !v.is_null())
                    .and_then(scalar_text)
            };
            if !text.is_some_and(|t| re.is_match(t.trim())) {
                continue;
            }
            matched = true;
            ptr.push_str(&format!("/{i}"));
            let r = match_path(item, rest, create, ptr, false, out);
            ptr.truncate(len);
            r?;
        }
        if matched || create.is_none() {
            return Ok(());
        }
        out.truncate(before);
        // The new element is written untagged, so "9090" reads as a number.
        let elem = if field.is_empty() {
            plain_value(&pattern)
        } else {
            let mut m = kforge_value::Map::new();
            m.insert(field.clone(), plain_value(&pattern));
            Value::Object(m)
        };
        items.push(elem);
        return match_path(node, parts, create, ptr, created, out);
    }
    if part == "*" {
        let Some(items) = node.as_array_mut() else {
            return Err(not_a_list(part));
        };
        for (i, item) in items.iter_mut().enumerate() {
            ptr.push_str(&format!("/{i}"));
            let r = match_path(item, rest, create, ptr, false, out);
            ptr.truncate(len);
            r?;
        }
        return Ok(());
    }
    let Some(map) = node.as_object_mut() else {
        if create.is_some() && node.is_null() {
            return Err(Error::msg(format!(
                "cannot create '{part}' in a null value"
            )));
        }
        return Ok(());
    };
    let mut made = false;
    if !map.contains_key(part.as_str()) {
        let Some(k) = create else {
            return Ok(());
        };
        map.insert(part.clone(), fresh(part_kind(rest.first(), k)));
        made = true;
    }
    let child = map.get_mut(part.as_str()).expect("present");
    if is_scalar(child) && !rest.is_empty() && !(made && child.is_null()) {
        // A string holding a YAML or JSON document was tried before this walk (`embedded`);
        // kustomize's walk reaching one here looks into a copy of it, which changes nothing,
        // so nothing is found.
        return Ok(());
    }
    push_token(ptr, part);
    let r = match_path(child, rest, create, ptr, made, out);
    ptr.truncate(len);
    r
}

/// The fields `parts` matches under `node` (creating with `create`), as JSON pointers with
/// whether the match created them.
pub(super) fn match_pointers(
    node: &mut Value,
    parts: &[String],
    create: Option<Kind>,
) -> Result<Vec<(String, bool)>> {
    let mut hits = Vec::new();
    match_path(node, parts, create, &mut String::new(), false, &mut hits)?;
    Ok(hits.into_iter().map(|h| (h.pointer, h.created)).collect())
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "string",
        _ => "structure",
    }
}

fn set_field(
    options: Option<&FieldOptions>,
    target: &mut Value,
    created: bool,
    annotation: bool,
    value: &SourceValue,
) -> Result<()> {
    let mut value = value.clone();
    if let Some(o) = options.filter(|o| !o.delimiter.is_empty()) {
        let Some(current) = scalar_text(target).filter(|_| is_scalar(target)) else {
            return Err(Error::msg(
                "delimiter option can only be used with scalar nodes",
            ));
        };
        let mut parts: Vec<String> = current
            .split(o.delimiter.as_str())
            .map(str::to_owned)
            .collect();
        if o.index < 0 {
            parts.insert(0, value.text.clone());
        } else if o.index as usize >= parts.len() {
            parts.push(value.text.clone());
        } else {
            parts[o.index as usize] = value.text.clone();
        }
        value.text = parts.join(&o.delimiter);
        value.node = Value::String(value.text.clone());
    }
    if is_scalar(target) {
        // Only the text is copied; the target keeps its type (a string stays a string),
        // and a field this replacement created reads the text as a plain scalar.
        let text = if is_scalar(&value.node) {
            value.text.clone()
        } else {
            String::new()
        };
        let typed = plain_value(&text);
        *target = match target {
            // Annotation values are written out as their text (see emit).
            _ if annotation => Value::String(text),
            Value::String(_) if !created => Value::String(text),
            _ if created => typed,
            Value::Number(_) if typed.is_number() => typed,
            Value::Bool(_) if typed.is_boolean() => typed,
            Value::Null if typed.is_null() => typed,
            old => {
                return Err(Error::msg(format!(
                    "cannot write '{text}' into a field of type {}: the value does not read as {0}; quote the target value or pick another source",
                    type_name(old)
                )))
            }
        };
    } else {
        *target = value.node.clone();
    }
    Ok(())
}

fn copy_to_target(
    r: &mut Resource,
    value: &SourceValue,
    paths: &[String],
    options: Option<&FieldOptions>,
) -> Result<()> {
    let create = options
        .is_some_and(|o| o.create)
        .then(|| kind_of(&value.node));
    for fp in paths {
        let parts = split_path(fp);
        if parts.len() > 1 {
            let w = super::embedded::Write {
                text: &value.text,
                node: &value.node,
                create,
            };
            if super::embedded::try_write(&mut r.value, &parts, &w)? {
                continue;
            }
        }
        let what = if create.is_some() {
            format!("unable to find or create field \"{fp}\" in replacement target")
        } else {
            format!("unable to find field \"{fp}\" in replacement target")
        };
        let mut hits = Vec::new();
        match_path(
            &mut r.value,
            &parts,
            create,
            &mut String::new(),
            false,
            &mut hits,
        )
        .map_err(|e| Error::msg(format!("{what}: {}", e.message)))?;
        if hits.is_empty() {
            return Err(Error::msg(format!(
                "{what} {}; check the path, or set options.create: true to add it",
                r.cur_id()
            )));
        }
        for h in hits {
            let node = r
                .value
                .pointer_mut(&h.pointer)
                .expect("matched pointer exists");
            let annotation = h.pointer.starts_with("/metadata/annotations/");
            set_field(options, node, h.created, annotation, value)?;
        }
    }
    Ok(())
}

/// Apply one replacement; returns the indices of its targets that selected no object.
fn apply_one(resources: &mut [Resource], ids: &mut IdCache, r: &Replacement) -> Result<Vec<usize>> {
    let Some(targets) = r
        .targets
        .as_ref()
        .filter(|_| r.source.is_some() || r.source_value.is_some())
    else {
        return Err(Error::msg(
            "replacements must specify a source and at least one target",
        ));
    };
    let value = get_value(resources, ids, r)?;
    let mut unselected = Vec::new();
    for (ti, t) in targets.iter().enumerate() {
        let mut selected = false;
        let Some(select) = &t.select else {
            return Err(Error::msg("target must specify resources to select"));
        };
        let paths: Vec<String> = if t.field_paths.is_empty() {
            vec![DEFAULT_FIELD_PATH.to_owned()]
        } else {
            t.field_paths.clone()
        };
        let sel = Matcher::new(select)?;
        let rejects: Vec<Matcher> = t.reject.iter().map(Matcher::new).collect::<Result<_>>()?;
        let sel_meta = sel.has_meta_selectors();
        for i in 0..resources.len() {
            // The id test first: it needs no allocation, and most objects fail it.
            let own = ids.get(resources, i);
            if !own.iter().any(|id| sel.selects_id(id)) {
                continue;
            }
            // A reject drops an object by its labels/annotations and, separately, by its
            // id, as kustomize applies the two halves of a reject selector.
            let rejected_by_id = rejects
                .iter()
                .any(|rej| rej.has_id_fields() && own.iter().any(|id| rej.selects_id(id)));
            let res = &resources[i];
            if (sel_meta && !sel.matches_meta(res))
                || rejected_by_id
                || rejects
                    .iter()
                    .any(|rej| rej.has_meta_selectors() && rej.matches_meta(res))
            {
                continue;
            }
            copy_to_target(&mut resources[i], &value, &paths, t.options.as_ref())?;
            ids.changed(i);
            selected = true;
        }
        if !selected {
            unselected.push(ti);
        }
    }
    Ok(unselected)
}

/// Apply the replacements in order; returns `(replacement, target)` index pairs of the
/// targets that selected no object.
pub fn apply(resources: &mut [Resource], replacements: &[Located]) -> Result<Vec<(usize, usize)>> {
    let mut ids = IdCache::new(resources.len());
    let mut unselected = Vec::new();
    for (i, r) in replacements.iter().enumerate() {
        let targets =
            apply_one(resources, &mut ids, &r.spec).map_err(|e| e.moved_to(&r.file, r.pos))?;
        unselected.extend(targets.into_iter().map(|t| (i, t)));
    }
    Ok(unselected)
}

#[cfg(test)]
mod tests {
    use super::split_path;

    #[test]
    fn splits_like_kustomize() {
        assert_eq!(
            split_path("spec.containers.[name=a.b].image"),
            ["spec", "containers", "[name=a.b]", "image"]
        );
        assert_eq!(
            split_path("metadata.annotations.[a.b/c]"),
            ["metadata", "annotations", "a.b/c"]
        );
        assert_eq!(split_path("data.a\\.b"), ["data", "a.b"]);
        assert_eq!(split_path("[name=x]"), ["[name=x]"]);
    }
}
