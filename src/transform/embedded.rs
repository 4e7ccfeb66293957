//! Replacements into a document held in a string field (kustomize 5.8): a target path
//! such as `data.[config.json].db.host` reaches a string holding YAML or JSON, the rest of
//! the path is matched inside that document, the value is set there and the document is
//! written back into the string. kustomize writes a document whose text starts with `{` or
//! `[` as Go's `encoding/json` does (sorted keys, HTML-safe escapes, indented by two spaces
//! when the original has a newline and two spaces in a row, else compact); any other
//! document as yaml.v3 writes it (two-space indent, sequences not indented under their
//! key, scalar styles and comments kept, blank lines kept only after a comment).
//!
//! The YAML writer ([`yaml`]) covers block and single-line flow collections, plain,
//! quoted and literal scalars, and comments; a document using anchors, aliases, tags,
//! folded or multi-line flow scalars, or several documents is refused with a clear error
//! rather than written differently from kustomize.

mod yaml;

use kforge_value::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::source::scalar::plain_value;

/// What the caller's path walk needs from the replacement layer.
pub(super) struct Write<'a> {
    /// The value's text (for scalar targets).
    pub(super) text: &'a str,
    /// The value's node.
    pub(super) node: &'a Value,
    /// Create what is missing, and with which kind at the end (kyaml's `Create`).
    pub(super) create: Option<super::replacements::Kind>,
}

/// The scalar kind a plain or quoted scalar resolves to (its YAML tag).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    /// No tag: a scalar kustomize created (read as a plain scalar).
    None,
    Str,
    Int,
    Float,
    Bool,
    Null,
    Timestamp,
}

impl Tag {
    /// The tag of `text` written as a plain scalar (yaml.v3's resolution).
    fn of_plain(text: &str) -> Tag {
        let first = text.as_bytes().first().copied().unwrap_or(b' ');
        if first.is_ascii_digit() && crate::source::timestamp::parse(text).is_some() {
            return Tag::Timestamp;
        }
        match crate::source::scalar::resolve_v3(text) {
            Ok(Value::Null) => Tag::Null,
            Ok(Value::Bool(_)) => Tag::Bool,
            Ok(Value::Number(n)) if n.is_f64() => Tag::Float,
            Ok(Value::Number(_)) => Tag::Int,
            _ => Tag::Str,
        }
    }

    fn of_value(v: &Value) -> Tag {
        match v {
            Value::Null => Tag::Null,
            Value::Bool(_) => Tag::Bool,
            Value::Number(n) if n.is_f64() => Tag::Float,
            Value::Number(_) => Tag::Int,
            _ => Tag::Str,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Tag::None | Tag::Str => "str",
            Tag::Int => "int",
            Tag::Float => "float",
            Tag::Bool => "bool",
            Tag::Null => "null",
            Tag::Timestamp => "timestamp",
        }
    }

    /// Whether yaml.v3 reads `text` under this tag (a value written into a typed scalar
    /// keeps the tag; text that does not fit makes kustomize's re-read fail).
    fn accepts(self, text: &str) -> bool {
        let plain = Tag::of_plain(text);
        match self {
            Tag::None | Tag::Str => true,
            Tag::Float => matches!(plain, Tag::Float | Tag::Int),
            other => plain == other,
        }
    }
}

/// The string at a proper prefix of `parts` in `obj` that holds a document, and where the
/// rest of the path starts (kustomize tries the prefixes from the shortest).
fn find_document(obj: &Value, parts: &[String]) -> Option<(usize, String)> {
    for i in 1..parts.len() {
        let Ok(Some(node)) = super::replacements::lookup(obj, &parts[..i]) else {
            continue;
        };
        let parses = |s: &str| {
            v3_escapes_only(s)
                && crate::source::yaml::parse_stream(
                    s,
                    crate::source::Schema::Kyaml,
                    crate::source::Limits::default(),
                )
                .is_ok()
        };
        match node {
            Value::String(s) if parses(s) => return Some((i, s.clone())),
            // Numbers, booleans and nulls read as scalar documents, where no path matches.
            Value::Number(_) | Value::Bool(_) | Value::Null => return None,
            _ => {}
        }
    }
    None
}

/// Whether every escape in the double-quoted scalars of `text` is one yaml.v3 reads (it
/// refuses `\/`, which JSON allows; kustomize then fails to read the document).
fn v3_escapes_only(text: &str) -> bool {
    const KNOWN: &[u8] = b"0abt\tnvfre \"'\\N_LPxuU";
    let b = text.as_bytes();
    let mut i = 0;
    let opens = |i: usize| i == 0 || b" \t\n[{,:".contains(&b[i - 1]);
    while i < b.len() {
        match b[i] {
            b'"' if opens(i) => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        if !b.get(i + 1).is_some_and(|c| KNOWN.contains(c)) {
                            return false;
                        }
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'\'' if opens(i) => {
                i += 1;
                while i < b.len() && !(b[i] == b'\'' && b.get(i + 1) != Some(&b'\'')) {
                    i += if b[i] == b'\'' { 2 } else { 1 };
                }
            }
            b'#' if opens(i) => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    true
}

/// Try the replacement of one field path as a write into an embedded document. `Ok(false)`
/// when the path does not lead into one (or kustomize's attempt fails, so that it falls
/// back to the plain path walk, which then reports the field as not found).
pub(super) fn try_write(obj: &mut Value, parts: &[String], w: &Write) -> Result<bool> {
    let Some((at, text)) = find_document(obj, parts) else {
        return Ok(false);
    };
    let rest = &parts[at..];
    let json = matches!(text.trim().as_bytes().first(), Some(b'{' | b'['));
    let written = if json {
        write_json(&text, rest, w)?
    } else {
        write_yaml(&text, rest, w)?
    };
    let written = match written {
        Outcome::Written(text) => text,
        Outcome::Unchanged => return Ok(true),
        Outcome::NotFound => return Ok(false),
    };
    let mut ptr = String::new();
    if let Ok(Some(_)) = super::replacements::lookup_at(obj, &parts[..at], &mut ptr) {
        if let Some(slot) = obj.pointer_mut(&ptr) {
            *slot = Value::String(written);
        }
    }
    Ok(true)
}

/// What writing into an embedded document came to.
enum Outcome {
    /// The document's new text.
    Written(String),
    /// kustomize could not write the document back (a typed scalar given text it does not
    /// read as); its fallback walk then matches the field in a copy of the document, so
    /// nothing changes and nothing fails.
    Unchanged,
    /// The path matched nothing there (the plain path walk reports it).
    NotFound,
}

/// The new value of a scalar target: the text under the target's tag, or `None` when the
/// tag does not take it (kustomize then fails to re-read the document).
fn scalar_value(old: &Value, created: bool, text: &str) -> Option<Value> {
    if created {
        return Some(plain_value(text));
    }
    let tag = Tag::of_value(old);
    // The whole document is a flow collection, where yaml.v3 writes an empty null as `''`.
    if tag == Tag::Null && text.is_empty() {
        return Some(Value::String(String::new()));
    }
    if !tag.accepts(text) {
        return None;
    }
    Some(match tag {
        Tag::Str | Tag::None | Tag::Timestamp => Value::String(text.to_owned()),
        _ => plain_value(text),
    })
}

fn write_json(text: &str, rest: &[String], w: &Write) -> Result<Outcome> {
    let Ok(Some(doc)) = crate::source::yaml::parse_single(
        text,
        crate::source::Schema::Kyaml,
        crate::source::Limits::default(),
    ) else {
        return Ok(Outcome::NotFound);
    };
    let mut value = doc.value;
    let Ok(hits) = super::replacements::match_pointers(&mut value, rest, w.create) else {
        return Ok(Outcome::NotFound);
    };
    if hits.is_empty() {
        return Ok(Outcome::NotFound);
    }
    for (ptr, created) in hits {
        let Some(target) = value.pointer_mut(&ptr) else {
            continue;
        };
        let scalar_target = !matches!(target, Value::Object(_) | Value::Array(_));
        let scalar_value_node = !matches!(w.node, Value::Object(_) | Value::Array(_));
        *target = match (scalar_target, scalar_value_node) {
            (true, true) => match scalar_value(target, created, w.text) {
                Some(v) => v,
                None => return Ok(Outcome::Unchanged),
            },
            // A collection's text is empty: the scalar keeps its tag with no text.
            (true, false) => match scalar_value(target, created, "") {
                Some(v) => v,
                None => return Ok(Outcome::Unchanged),
            },
            (false, _) => w.node.clone(),
        };
    }
    let pretty = text.contains('\n') && text.contains("  ");
    let mut out = String::new();
    go_json(&value, pretty.then_some(0), &mut out);
    Ok(Outcome::Written(out))
}

fn write_yaml(text: &str, rest: &[String], w: &Write) -> Result<Outcome> {
    let mut doc = yaml::parse(text).map_err(|m| {
        Error::msg(format!(
            "the YAML document in this field uses {m}, which kforge cannot write back as kustomize does; write it with block or single-line flow collections and plain, quoted or literal scalars"
        ))
        .kind(ErrorKind::Unsupported)
    })?;
    let mut value = doc.to_value();
    let Ok(hits) = super::replacements::match_pointers(&mut value, rest, w.create) else {
        return Ok(Outcome::NotFound);
    };
    if hits.is_empty() {
        return Ok(Outcome::NotFound);
    }
    let scalar_value_node = !matches!(w.node, Value::Object(_) | Value::Array(_));
    for (ptr, created) in hits {
        let target = doc.at(&ptr, &value);
        match target {
            // Only the text changes: the scalar keeps its tag and style (yaml.v3 then
            // writes `!!int text` for text that does not read as the tag).
            yaml::Node::Scalar(s) => {
                s.text = if scalar_value_node { w.text } else { "" }.to_owned();
                if created {
                    s.tag = Tag::None;
                }
            }
            other => *other = yaml::Node::from_value(w.node),
        }
    }
    Ok(Outcome::Written(doc.write().trim().to_owned()))
}

/// Go's `encoding/json` encoding of `v`: compact, or indented by two spaces per level.
fn go_json(v: &Value, indent: Option<usize>, out: &mut String) {
    let newline = |out: &mut String, level: usize| {
        out.push('\n');
        for _ in 0..level {
            out.push_str("  ");
        }
    };
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match n.as_f64().filter(|_| n.is_f64()) {
            Some(f) => out.push_str(&go_json_float(f)),
            None => out.push_str(&n.to_string()),
        },
        Value::String(s) => go_json_string(s, out),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(level) = indent {
                    newline(out, level + 1);
                }
                go_json(item, indent.map(|l| l + 1), out);
            }
            if let Some(level) = indent {
                newline(out, level);
            }
            out.push(']');
        }
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(level) = indent {
                    newline(out, level + 1);
                }
                go_json_string(k, out);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                go_json(item, indent.map(|l| l + 1), out);
            }
            if let Some(level) = indent {
                newline(out, level);
            }
            out.push('}');
        }
    }
}

/// Go's JSON float format: shortest digits, exponent form below 1e-6 and from 1e21.
fn go_json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        return match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        };
    }
    format!("{f}")
}

fn go_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use kforge_value::json;

    #[test]
    fn json_like_go() {
        let mut out = String::new();
        go_json(&json!({"b": [1, 2.5, "<x>"], "a": {}}), None, &mut out);
        assert_eq!(out, r#"{"a":{},"b":[1,2.5,"\u003cx\u003e"]}"#);
        let mut out = String::new();
        go_json(&json!({"a": [1], "b": []}), Some(0), &mut out);
        assert_eq!(out, "{\n  \"a\": [\n    1\n  ],\n  \"b\": []\n}");
        assert_eq!(go_json_float(1e21), "1e+21");
        assert_eq!(go_json_float(1.5e-7), "1.5e-7");
        assert_eq!(go_json_float(0.5), "0.5");
    }
}
