//! The last step of a build, on each object on its own: what kustomize does to an object
//! as it writes it out (empty nulls, internal annotations, annotation values as text), and
//! the objects it cannot write (keys its reader types, control characters).

use crate::error::{Error, Result};
use crate::resource::Resource;
use crate::transform;

/// Finish `r` for output, or the reason kustomize fails on it.
pub(super) fn object(r: &mut Resource) -> Result<()> {
    r.write_out_empty_nulls();
    transform::internal::strip(&mut r.value);
    // kustomize cannot write out an object that still has a plain key its reader typed as
    // a non-string (objects dropped as local-config do not matter).
    r.check_typed_keys()?;
    annotations_as_text(r)?;
    check_writable(r)
}

/// kustomize writes every annotation value as a string (`port: 8080` comes out as
/// `port: "8080"`), spelled as in the file it came from (`0x1F`, `1.50`, `~`, and `""` for
/// a key with no value); a mapping or list there comes out as `""`. Labels are left as
/// they are.
///
/// It writes the keys unquoted too: a key its reader types as a number, boolean, null or
/// date (`"1"`, even quoted in the file) fails the build.
fn annotations_as_text(r: &mut Resource) -> Result<()> {
    use kforge_value::Value;
    let texts = std::mem::take(&mut r.annotation_texts);
    let Some(annotations) = r
        .value
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    if let Some((key, what)) = crate::source::first_typed_key(annotations.keys()) {
        let key = key.clone();
        let pointer = crate::source::pointer::from_tokens(["metadata", "annotations", &key]);
        let pos = match r.origin.item {
            None => r.spans.nearest(&pointer).map(|s| s.key.unwrap_or(s.value)),
            Some(_) => None,
        };
        return Err(Error::at(
            &r.origin.file,
            pos,
            crate::source::typed_key_message(&key, what, false),
        ));
    }
    for (key, v) in annotations.iter_mut() {
        let text = match v {
            Value::Object(_) | Value::Array(_) => String::new(),
            _ => {
                let pointer = crate::source::pointer::from_tokens(["metadata", "annotations", key]);
                // The latest text written there (a strategic-merge patch adds its own).
                let spelled = texts
                    .iter()
                    .rev()
                    .find(|(p, _)| *p == pointer)
                    .map(|(_, t)| t);
                match (spelled, &*v) {
                    // The value read from the file, unless something wrote another since.
                    (Some(t), v) if crate::source::resolves_to(t, v) => t.clone(),
                    (_, Value::String(_)) => continue,
                    (_, Value::Bool(b)) => b.to_string(),
                    (_, Value::Number(n)) => crate::emit::format::format_number(n),
                    _ => "null".to_owned(),
                }
            }
        };
        *v = Value::String(text);
    }
    Ok(())
}

/// Characters that kustomize's YAML round trip cannot read back ("control characters are
/// not allowed"): DEL, the C1 controls other than NEL, U+FFFE and U+FFFF. Other control
/// characters are written escaped and survive.
fn unwritable(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
}

/// kustomize fails on an object holding an [`unwritable`] character in a key or a string.
fn check_writable(r: &Resource) -> Result<()> {
    fn find(v: &kforge_value::Value, ptr: &mut String) -> Option<char> {
        use kforge_value::Value;
        match v {
            Value::String(s) => s.chars().find(|&c| unwritable(c)),
            Value::Array(items) => items.iter().enumerate().find_map(|(i, x)| {
                let len = ptr.len();
                ptr.push_str(&format!("/{i}"));
                let found = find(x, ptr);
                if found.is_none() {
                    ptr.truncate(len);
                }
                found
            }),
            Value::Object(m) => m.iter().find_map(|(k, x)| {
                let len = ptr.len();
                crate::source::pointer::push_token(ptr, k);
                let found = k.chars().find(|&c| unwritable(c)).or_else(|| find(x, ptr));
                if found.is_none() {
                    ptr.truncate(len);
                }
                found
            }),
            _ => None,
        }
    }
    /// Whether any key or string holds an unwritable character (without building
    /// pointers: only a failing object is walked again by `find`).
    fn any(v: &kforge_value::Value) -> bool {
        use kforge_value::Value;
        // Every unwritable character is encoded starting with one of these bytes.
        let suspect = |s: &str| {
            s.bytes().any(|b| matches!(b, 0x7f | 0xc2 | 0xef)) && s.chars().any(unwritable)
        };
        match v {
            Value::String(s) => suspect(s),
            Value::Array(items) => items.iter().any(any),
            Value::Object(m) => m.iter().any(|(k, x)| suspect(k) || any(x)),
            _ => false,
        }
    }
    if !any(&r.value) {
        return Ok(());
    }
    let mut ptr = String::new();
    let Some(c) = find(&r.value, &mut ptr) else {
        return Ok(());
    };
    let pos = match r.origin.item {
        None => r.spans.nearest(&ptr).map(|s| s.value),
        Some(_) => None,
    };
    Err(Error::at(
        &r.origin.file,
        pos,
        format!(
            "{} holds the control character U+{:04X}, which kustomize cannot write out (yaml: control characters are not allowed); remove it, or keep binary content in a Secret or binaryData",
            if ptr.is_empty() { "the object".to_owned() } else { format!("'{}'", ptr.escape_debug()) },
            c as u32
        ),
    ))
}
