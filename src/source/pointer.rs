//! JSON pointers (RFC 6901): building, splitting and looking up.

use std::borrow::Cow;

use kforge_value::Value;

/// Append `/token` to `pointer`, escaping `~` and `/`.
pub fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    if !token.bytes().any(|b| b == b'~' || b == b'/') {
        pointer.push_str(token);
        return;
    }
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// The node at `pointer` in `value`: serde_json's `Value::pointer`, without allocating for
/// tokens that hold no `~`.
pub fn get<'v>(value: &'v Value, pointer: &str) -> Option<&'v Value> {
    let rest = match pointer.strip_prefix('/') {
        Some(rest) => rest,
        None if pointer.is_empty() => return Some(value),
        None => return None,
    };
    rest.split('/').try_fold(value, |node, raw| match node {
        Value::Object(map) => map.get(&unescape(raw)),
        Value::Array(items) => index(raw).and_then(|i| items.get(i)),
        _ => None,
    })
}

/// [`get`], for changing the node.
pub fn get_mut<'v>(value: &'v mut Value, pointer: &str) -> Option<&'v mut Value> {
    let rest = match pointer.strip_prefix('/') {
        Some(rest) => rest,
        None if pointer.is_empty() => return Some(value),
        None => return None,
    };
    rest.split('/').try_fold(value, |node, raw| match node {
        Value::Object(map) => map.get_mut(&unescape(raw)),
        Value::Array(items) => index(raw).and_then(|i| items.get_mut(i)),
        _ => None,
    })
}

/// A pointer token unescaped as serde_json does (`~1` first, then `~0`).
fn unescape(raw: &str) -> Cow<'_, str> {
    if raw.contains('~') {
        Cow::Owned(raw.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(raw)
    }
}

/// A list index as serde_json reads one in a pointer (no sign, no leading zero).
fn index(raw: &str) -> Option<usize> {
    if raw.starts_with('+') || (raw.starts_with('0') && raw.len() != 1) {
        return None;
    }
    raw.parse().ok()
}

/// Build a pointer from unescaped tokens.
pub fn from_tokens<'a>(tokens: impl IntoIterator<Item = &'a str>) -> String {
    let mut p = String::new();
    for t in tokens {
        push_token(&mut p, t);
    }
    p
}

#[cfg(test)]
mod tests {
    #[test]
    fn lookups_are_serde_jsons() {
        let mut v = kforge_value::json!({"a/b": {"c~d": [1, {"": 2}], "~1": 3}, "": {"x": 4}});
        for p in [
            "",
            "/",
            "/a~1b",
            "/a~1b/c~0d",
            "/a~1b/c~0d/0",
            "/a~1b/c~0d/1/",
            "/a~1b/c~0d/01",
            "/a~1b/c~0d/+1",
            "/a~1b/c~0d/-1",
            "/a~1b/c~0d/2",
            "/a~1b/~01",
            "//x",
            "x",
            "/a/b",
            "/a~1b/c~0d/1/x",
        ] {
            assert_eq!(super::get(&v, p), v.pointer(p), "{p:?}");
            let expected = v.clone().pointer_mut(p).map(|n| n.clone());
            assert_eq!(
                super::get_mut(&mut v, p).map(|n| n.clone()),
                expected,
                "{p:?}"
            );
        }
    }

    #[test]
    fn escapes() {
        assert_eq!(super::from_tokens(["a/b", "c~d", "0"]), "/a~1b/c~0d/0");
    }
}
