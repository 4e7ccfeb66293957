//! Custom resources against their CustomResourceDefinition's `openAPIV3Schema`, with the
//! semantics of the API server's structural schemas rather than plain JSON Schema:
//!
//! - fields not in `properties` are unknown (the API server prunes them, and `kubectl apply`
//!   with its default strict field validation rejects them) unless the node has
//!   `x-kubernetes-preserve-unknown-fields: true` or an `additionalProperties` schema;
//!   `x-kubernetes-embedded-resource` allows apiVersion, kind and metadata;
//! - `null` is accepted where `nullable: true`, and pruned (not an error) elsewhere;
//! - `x-kubernetes-int-or-string` accepts an integer or a string;
//! - `integer` accepts numbers without a fractional part (`1.0`);
//! - `x-kubernetes-list-type: set` items and `map` keys (`x-kubernetes-list-map-keys`) are unique;
//! - value validations: enum, pattern, min/maxLength (characters), minimum/maximum (with the
//!   exclusive flags), multipleOf, min/maxItems, min/maxProperties, required, allOf, anyOf,
//!   oneOf, not, and the formats the API server checks that kforge implements (ipv4, ipv6,
//!   cidr, uuid, byte, hostname); other formats are ignored, as the API server ignores
//!   unknown ones. CEL rules (`x-kubernetes-validations`) are not evaluated.

use crate::hash::HashMap;

use kforge_value::{Map, Value};

use crate::resource::Resource;
use crate::source::pointer::push_token;
use crate::text::did_you_mean;

/// One way a custom resource breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer of the offending node (of the object holding a missing field).
    pub pointer: String,
    /// Point at the node's key rather than its value (unknown fields, and objects that
    /// lack a field).
    pub at_key: bool,
    /// What is wrong, starting with the dotted field path.
    pub message: String,
    /// What to do, when known.
    pub help: Option<String>,
    /// The node has the wrong JSON type (the least telling reason when several schema
    /// branches fail).
    pub wrong_type: bool,
}

/// The schema of `kind` in `api` (`group/version`) among `crds`, with the CRD's name.
/// `None` when no CRD serves it.
pub fn find_schema<'a>(
    crds: impl IntoIterator<Item = &'a Resource>,
    api: &str,
    kind: &str,
) -> Option<&'a Value> {
    let (group, version) = api.rsplit_once('/')?;
    for crd in crds {
        if crd.kind() != "CustomResourceDefinition" {
            continue;
        }
        let v = &crd.value;
        if v.pointer("/spec/group").and_then(Value::as_str) != Some(group)
            || v.pointer("/spec/names/kind").and_then(Value::as_str) != Some(kind)
        {
            continue;
        }
        let versions = v.pointer("/spec/versions").and_then(Value::as_array);
        for ver in versions.into_iter().flatten() {
            if ver.get("name").and_then(Value::as_str) == Some(version) {
                return ver
                    .pointer("/schema/openAPIV3Schema")
                    .or_else(|| v.pointer("/spec/validation/openAPIV3Schema"));
            }
        }
    }
    None
}

/// Check a custom resource against its schema, after the schema's `default`s are applied
/// as the API server applies them before validating. Violations are in document order.
pub fn check(schema: &Value, object: &Value) -> Vec<Violation> {
    let mut w = Walker {
        out: Vec::new(),
        regexes: HashMap::default(),
    };
    let mut object = object.clone();
    apply_defaults(schema, &mut object);
    w.walk(schema, &object, "", Mode::Root);
    w.out
}

/// The API server's structural defaulting: in every object present, a property with a
/// `default` that is missing (or `null` where the property is not `nullable`) takes the
/// default, top-down, so defaults inside a defaulted value apply too; lists and
/// `additionalProperties` maps are defaulted item by item.
pub fn apply_defaults(schema: &Value, value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (name, prop) in props {
                    let Some(default) = prop.get("default") else {
                        continue;
                    };
                    let nullable = prop.get("nullable").and_then(Value::as_bool) == Some(true);
                    match map.get(name) {
                        None => {
                            map.insert(name.clone(), default.clone());
                        }
                        Some(Value::Null) if !nullable => {
                            map.insert(name.clone(), default.clone());
                        }
                        Some(_) => {}
                    }
                }
                for (name, prop) in props {
                    if let Some(v) = map.get_mut(name) {
                        apply_defaults(prop, v);
                    }
                }
            }
            if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                let props = schema.get("properties").and_then(Value::as_object);
                for (name, v) in map.iter_mut() {
                    if props.is_none_or(|p| !p.contains_key(name)) {
                        apply_defaults(extra, v);
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = schema.get("items").filter(|i| i.is_object()) {
                for v in items {
                    apply_defaults(item, v);
                }
            }
        }
        _ => {}
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The object's root: apiVersion, kind and metadata are the API server's.
    Root,
    /// A node with a structural schema.
    Structural,
    /// Inside allOf/anyOf/oneOf/not: value validations only, no unknown-field checks.
    ValueOnly,
}

struct Walker {
    out: Vec<Violation>,
    regexes: HashMap<String, Option<regex::Regex>>,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_integer(v: &Value) -> bool {
    match v {
        Value::Number(n) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

fn field(pointer: &str) -> String {
    let d = super::dotted_pointer(pointer);
    if d.is_empty() {
        "(root)".into()
    } else {
        d
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(57).collect::<String>())
    } else {
        s
    }
}

impl Walker {
    fn push(&mut self, pointer: &str, message: String, help: Option<String>) {
        self.out.push(Violation {
            pointer: pointer.to_owned(),
            at_key: false,
            message: format!("{}: {message}", field(pointer)),
            help,
            wrong_type: false,
        });
    }

    fn regex(&mut self, pattern: &str) -> Option<&regex::Regex> {
        self.regexes
            .entry(pattern.to_owned())
            .or_insert_with(|| regex::Regex::new(pattern).ok())
            .as_ref()
    }

    fn walk(&mut self, s: &Value, v: &Value, ptr: &str, mode: Mode) {
        let Some(s) = s.as_object() else { return };
        if v.is_null() {
            // Nullable fields keep null; others are pruned by the API server.
            return;
        }
        let flag = |k: &str| s.get(k).and_then(Value::as_bool) == Some(true);
        if flag("x-kubernetes-int-or-string") {
            if !(is_integer(v) || v.is_string()) {
                self.push(
                    ptr,
                    format!("must be an integer or a string, not {}", type_name(v)),
                    None,
                );
                return;
            }
        } else if let Some(t) = s.get("type").and_then(Value::as_str) {
            let ok = match t {
                "object" => v.is_object(),
                "array" => v.is_array(),
                "string" => v.is_string(),
                "integer" => is_integer(v),
                "number" => v.is_number(),
                "boolean" => v.is_boolean(),
                _ => true,
            };
            if !ok {
                let help = (t == "string" && (v.is_number() || v.is_boolean()))
                    .then(|| "quote the value so that YAML reads it as a string".to_owned());
                self.push(
                    ptr,
                    format!("must be of type {t}, not {} {}", type_name(v), short(v)),
                    help,
                );
                if let Some(last) = self.out.last_mut() {
                    last.wrong_type = true;
                }
                return;
            }
        }
        self.values(s, v, ptr);
        for key in ["allOf", "anyOf", "oneOf"] {
            let Some(branches) = s.get(key).and_then(Value::as_array) else {
                continue;
            };
            let results: Vec<Vec<Violation>> = branches
                .iter()
                .map(|b| {
                    let mut sub = Walker {
                        out: Vec::new(),
                        regexes: std::mem::take(&mut self.regexes),
                    };
                    sub.walk(b, v, ptr, Mode::ValueOnly);
                    self.regexes = sub.regexes;
                    sub.out
                })
                .collect();
            let passing = results.iter().filter(|r| r.is_empty()).count();
            match key {
                "allOf" => self.out.extend(results.into_iter().flatten()),
                "anyOf" if passing == 0 => self.push(
                    ptr,
                    format!(
                        "matches none of the {} allowed forms (anyOf)",
                        branches.len()
                    ),
                    // The branch that failed for a reason other than its type says most.
                    results
                        .iter()
                        .flatten()
                        .find(|v| !v.wrong_type)
                        .or_else(|| results.iter().flatten().next())
                        .map(|v| v.message.clone()),
                ),
                "oneOf" if passing != 1 => self.push(
                    ptr,
                    format!(
                        "must match exactly one of {} forms (oneOf), matches {passing}",
                        branches.len()
                    ),
                    None,
                ),
                _ => {}
            }
        }
        if let Some(not) = s.get("not") {
            let mut sub = Walker {
                out: Vec::new(),
                regexes: std::mem::take(&mut self.regexes),
            };
            sub.walk(not, v, ptr, Mode::ValueOnly);
            self.regexes = sub.regexes;
            if sub.out.is_empty() {
                self.push(ptr, "matches a form the schema forbids (not)".into(), None);
            }
        }
        match v {
            Value::Object(map) => self.object(s, map, ptr, mode),
            Value::Array(items) => self.array(s, items, ptr, mode),
            _ => {}
        }
    }

    /// enum, string, number and format checks on one node.
    fn values(&mut self, s: &Map, v: &Value, ptr: &str) {
        if let Some(allowed) = s.get("enum").and_then(Value::as_array) {
            if !allowed.contains(v) {
                let list: Vec<String> = allowed.iter().map(short).collect();
                self.push(
                    ptr,
                    format!(
                        "unsupported value {}: supported values: {}",
                        short(v),
                        list.join(", ")
                    ),
                    None,
                );
            }
        }
        let num = |k: &str| s.get(k).and_then(Value::as_f64);
        if let Value::String(text) = v {
            let chars = text.chars().count() as f64;
            if num("minLength").is_some_and(|m| chars < m) {
                self.push(
                    ptr,
                    format!(
                        "must be at least {} characters",
                        num("minLength").unwrap_or(0.0)
                    ),
                    None,
                );
            }
            if num("maxLength").is_some_and(|m| chars > m) {
                self.push(
                    ptr,
                    format!(
                        "may be at most {} characters, is {chars}",
                        num("maxLength").unwrap_or(0.0)
                    ),
                    None,
                );
            }
            if let Some(p) = s.get("pattern").and_then(Value::as_str) {
                if self.regex(p).is_some_and(|re| !re.is_match(text)) {
                    self.push(
                        ptr,
                        format!("{} does not match the pattern {p}", short(v)),
                        None,
                    );
                }
            }
            if let Some(f) = s.get("format").and_then(Value::as_str) {
                if !format_ok(f, text) {
                    self.push(ptr, format!("{} is not a valid {f}", short(v)), None);
                }
            }
        }
        if let Some(n) = v.as_f64() {
            let excl = |k: &str| s.get(k).and_then(Value::as_bool) == Some(true);
            if let Some(m) = num("minimum") {
                if n < m || (excl("exclusiveMinimum") && n == m) {
                    let op = if excl("exclusiveMinimum") { ">" } else { ">=" };
                    self.push(ptr, format!("must be {op} {m}, is {}", short(v)), None);
                }
            }
            if let Some(m) = num("maximum") {
                if n > m || (excl("exclusiveMaximum") && n == m) {
                    let op = if excl("exclusiveMaximum") { "<" } else { "<=" };
                    self.push(ptr, format!("must be {op} {m}, is {}", short(v)), None);
                }
            }
            if let Some(m) = num("multipleOf").filter(|m| *m > 0.0) {
                if (n / m).fract() != 0.0 {
                    self.push(ptr, format!("must be a multiple of {m}"), None);
                }
            }
        }
    }

    fn object(&mut self, s: &Map, map: &Map, ptr: &str, mode: Mode) {
        let props = s.get("properties").and_then(Value::as_object);
        for req in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = req.as_str() else { continue };
            if !map.contains_key(name) {
                self.push(ptr, format!("missing required field '{name}'"), None);
                if let Some(last) = self.out.last_mut() {
                    last.at_key = true;
                }
            }
        }
        let count = map.len() as f64;
        if let Some(m) = s
            .get("minProperties")
            .and_then(Value::as_f64)
            .filter(|m| count < *m)
        {
            self.push(ptr, format!("must have at least {m} fields"), None);
        }
        if let Some(m) = s
            .get("maxProperties")
            .and_then(Value::as_f64)
            .filter(|m| count > *m)
        {
            self.push(ptr, format!("may have at most {m} fields"), None);
        }
        let preserve = s
            .get("x-kubernetes-preserve-unknown-fields")
            .and_then(Value::as_bool)
            == Some(true);
        let embedded = s
            .get("x-kubernetes-embedded-resource")
            .and_then(Value::as_bool)
            == Some(true);
        let additional = s.get("additionalProperties");
        let child_mode = if mode == Mode::ValueOnly {
            Mode::ValueOnly
        } else {
            Mode::Structural
        };
        for (key, value) in map {
            let mut p = ptr.to_owned();
            push_token(&mut p, key);
            if mode == Mode::Root && matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            if let Some(ps) = props.and_then(|props| props.get(key)) {
                self.walk(ps, value, &p, child_mode);
                continue;
            }
            match additional {
                Some(a @ Value::Object(_)) => {
                    self.walk(a, value, &p, child_mode);
                    continue;
                }
                Some(Value::Bool(true)) => continue,
                _ => {}
            }
            if mode == Mode::ValueOnly
                || preserve
                || (embedded && matches!(key.as_str(), "apiVersion" | "kind" | "metadata"))
            {
                continue;
            }
            let names: Vec<&str> = props
                .map(|m| m.keys().map(|k| k.as_str()).collect())
                .unwrap_or_default();
            let help = match did_you_mean(key, &names) {
                Some(s) => Some(format!("did you mean '{s}'?")),
                None if names.is_empty() => Some("this object takes no fields".into()),
                None => Some(format!("known fields: {}", names.join(", "))),
            };
            self.out.push(Violation {
                pointer: p.clone(),
                at_key: true,
                message: format!(
                    "{}: unknown field '{key}' (the API server drops it)",
                    field(&p)
                ),
                help,
                wrong_type: false,
            });
        }
    }

    fn array(&mut self, s: &Map, items: &[Value], ptr: &str, mode: Mode) {
        let n = items.len() as f64;
        if let Some(m) = s.get("minItems").and_then(Value::as_f64).filter(|m| n < *m) {
            self.push(ptr, format!("must have at least {m} items"), None);
        }
        if let Some(m) = s.get("maxItems").and_then(Value::as_f64).filter(|m| n > *m) {
            self.push(ptr, format!("may have at most {m} items, has {n}"), None);
        }
        let child_mode = if mode == Mode::ValueOnly {
            Mode::ValueOnly
        } else {
            Mode::Structural
        };
        if let Some(item_schema) = s.get("items") {
            for (i, item) in items.iter().enumerate() {
                self.walk(item_schema, item, &format!("{ptr}/{i}"), child_mode);
            }
        }
        match s.get("x-kubernetes-list-type").and_then(Value::as_str) {
            Some("set") => {
                for (i, item) in items.iter().enumerate() {
                    if items[..i].contains(item) {
                        self.push(
                            &format!("{ptr}/{i}"),
                            format!("duplicate value {} in a set", short(item)),
                            None,
                        );
                    }
                }
            }
            Some("map") => {
                let keys: Vec<&str> = s
                    .get("x-kubernetes-list-map-keys")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let tuple = |item: &Value| -> Vec<Value> {
                    keys.iter()
                        .map(|k| item.get(*k).cloned().unwrap_or(Value::Null))
                        .collect()
                };
                for (i, item) in items.iter().enumerate() {
                    let t = tuple(item);
                    if items[..i].iter().any(|o| tuple(o) == t) {
                        let shown: Vec<String> = keys
                            .iter()
                            .zip(&t)
                            .map(|(k, v)| format!("{k}={}", short(v)))
                            .collect();
                        self.push(
                            &format!("{ptr}/{i}"),
                            format!("duplicate entry with {}", shown.join(", ")),
                            Some("entries of this list are merged by those keys; merge the two entries".into()),
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

/// The string formats the API server validates that kforge checks too.
fn format_ok(format: &str, s: &str) -> bool {
    use std::net::{Ipv4Addr, Ipv6Addr};
    match format {
        "ipv4" => s.parse::<Ipv4Addr>().is_ok(),
        "ipv6" => s.parse::<Ipv6Addr>().is_ok(),
        "cidr" => s.split_once('/').is_some_and(|(ip, bits)| {
            let max = if ip.parse::<Ipv4Addr>().is_ok() {
                32
            } else if ip.parse::<Ipv6Addr>().is_ok() {
                128
            } else {
                return false;
            };
            bits.parse::<u8>().is_ok_and(|b| b <= max)
        }),
        "uuid" => {
            let parts: Vec<&str> = s.split('-').collect();
            parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
                && parts
                    .iter()
                    .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
        }
        "byte" => {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.decode(s).is_ok()
        }
        "hostname" => {
            s.len() <= 253
                && s.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                        && !l.starts_with('-')
                        && !l.ends_with('-')
                })
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kforge_value::json;

    fn messages(schema: Value, obj: Value) -> Vec<String> {
        check(&schema, &obj)
            .into_iter()
            .map(|v| v.message)
            .collect()
    }

    #[test]
    fn structural_semantics() {
        let schema = json!({"type": "object", "properties": {
        "spec": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 5},
            "port": {"x-kubernetes-int-or-string": true},
            "count": {"type": "integer", "minimum": 1},
            "mode": {"type": "string", "enum": ["A", "B"]},
            "open": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "opt": {"type": "string", "nullable": true},
            "items": {"type": "array", "x-kubernetes-list-type": "map",
                      "x-kubernetes-list-map-keys": ["k"],
                      "items": {"type": "object", "properties": {"k": {"type": "string"}}}}
        }}}});
        let ok = json!({"apiVersion": "x/v1", "kind": "K", "metadata": {"name": "n"},
            "spec": {"name": "abc", "port": "http", "count": 1.0, "mode": "A",
                     "open": {"any": 1}, "labels": {"a": "b"}, "opt": null,
                     "items": [{"k": "a"}, {"k": "b"}]}});
        assert_eq!(messages(schema.clone(), ok), Vec::<String>::new());
        let bad = json!({"spec": {"name": "ABCDEFG", "port": true, "count": 0, "mode": "C",
                                  "labels": {"a": 1}, "itemz": [], "items": [{"k": "a"}, {"k": "a"}]}});
        let m = messages(schema, bad);
        assert_eq!(m.len(), 8, "{m:#?}");
        assert!(m
            .iter()
            .any(|s| s.starts_with("spec.name: may be at most 5")));
        assert!(m
            .iter()
            .any(|s| s.starts_with("spec.name: \"ABCDEFG\" does not match")));
        assert!(m
            .iter()
            .any(|s| s.starts_with("spec.port: must be an integer or a string")));
        assert!(m.iter().any(|s| s.starts_with("spec.count: must be >= 1")));
        assert!(m
            .iter()
            .any(|s| s.starts_with("spec.mode: unsupported value \"C\"")));
        assert!(m
            .iter()
            .any(|s| s.starts_with("spec.labels.a: must be of type string")));
        assert!(m
            .iter()
            .any(|s| s.starts_with("spec.itemz: unknown field 'itemz'")));
        assert!(m
            .iter()
            .any(|s| s.starts_with("spec.items[1]: duplicate entry with k=\"a\"")));
    }

    #[test]
    fn defaults_apply_before_required_fields_are_checked() {
        let schema = json!({"type": "object", "properties": {
            "spec": {"type": "object", "required": ["managementState", "tls"], "properties": {
                "managementState": {"type": "string", "default": "Managed", "enum": ["Managed", "Removed"]},
                "tls": {"type": "object", "default": {}, "required": ["mode"],
                    "properties": {"mode": {"type": "string", "default": "auto"}}},
                "replicas": {"type": "integer", "default": 1},
                "name": {"type": "string"}
            }}
        }});
        assert!(messages(schema.clone(), json!({"spec": {}})).is_empty());
        assert!(messages(schema.clone(), json!({"spec": {"replicas": null}})).is_empty());
        // A default does not excuse a wrong value.
        assert_eq!(
            messages(schema, json!({"spec": {"managementState": "On"}})).len(),
            1
        );
    }

    #[test]
    fn combinators_and_formats() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "string"},
                           "ip": {"type": "string", "format": "ipv4"}},
            "oneOf": [{"required": ["a"]}, {"required": ["b"]}]}}});
        assert!(messages(schema.clone(), json!({"spec": {"a": "x"}})).is_empty());
        let m = messages(schema.clone(), json!({"spec": {"a": "x", "b": "y"}}));
        assert_eq!(
            m,
            vec!["spec: must match exactly one of 2 forms (oneOf), matches 2"]
        );
        let m = messages(schema, json!({"spec": {"a": "x", "ip": "300.1.1.1"}}));
        assert_eq!(m, vec!["spec.ip: \"300.1.1.1\" is not a valid ipv4"]);
    }
}
