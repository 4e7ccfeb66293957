//! kustomize's HashTransformer: a generated ConfigMap or Secret gets a suffix from the hash
//! of its content. The build runs it once at the top; a `HashTransformer` plugin in
//! `transformers:` runs it there too (and the top-level pass then adds a second suffix,
//! as kustomize does).

use kforge_value::{Map, Value};
use sha2::{Digest, Sha256};

use crate::resource::Resource;

/// Go `encoding/json` of a value: sorted keys, no spaces, HTML-safe escaping.
fn go_json(v: &Value) -> String {
    serde_json::to_string(v)
        .expect("JSON values serialize")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// kustomize's name suffix for a generated ConfigMap or Secret.
pub fn content_hash(obj: &Value) -> String {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let mut m = Map::new();
    let data = obj
        .get("data")
        .filter(|d| kind == "Secret" || d.as_object().is_some_and(|o| !o.is_empty()));
    m.insert(
        "data",
        data.cloned().unwrap_or(Value::String(String::new())),
    );
    m.insert("kind", Value::String(kind.into()));
    m.insert("name", Value::String(String::new()));
    if kind == "Secret" {
        if let Some(sd) = obj.get("stringData") {
            m.insert("stringData", sd.clone());
        }
        let t = obj.get("type").and_then(Value::as_str).unwrap_or("");
        m.insert("type", Value::String(t.into()));
    } else if let Some(b) = obj.get("binaryData") {
        m.insert("binaryData", b.clone());
    }
    let digest = Sha256::digest(go_json(&Value::Object(m)).as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex[..10]
        .chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

/// Append the content hash to every generated object's name.
pub fn apply(resources: &mut [Resource]) {
    for r in resources.iter_mut().filter(|r| r.needs_hash) {
        let h = content_hash(&r.value);
        r.store_previous_id();
        let name = format!("{}-{h}", r.name());
        r.set_name(&name);
    }
}

#[cfg(test)]
mod tests {
    use super::content_hash;
    use kforge_value::json;

    #[test]
    fn hash_vectors() {
        assert_eq!(
            content_hash(&json!({"kind": "ConfigMap", "data": {"a": "b"}})),
            "4h2mbtbbt6"
        );
    }
}
