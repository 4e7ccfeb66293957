//! Go's `encoding/json` over kustomize's kustomization types, driven by the table in
//! `kustomization_types.yaml`.
//!
//! `kustomize edit` reads a kustomization into Go structs (sigs.k8s.io/yaml turns the YAML
//! into JSON, `encoding/json` decodes it with unknown fields refused) and writes each field
//! back from those structs. What survives that round trip is what the structs can hold:
//! struct field names matched ignoring case come back spelled as declared, `omitempty`
//! fields with empty values disappear, fields without it come back with their zero values
//! (`count: 0`, `name: ""`, `select: null`), a nil pointer or slice differs from an empty
//! one, and numbers under `interface{}` pass through float64. [`Types::normalize`] maps a
//! JSON value to the JSON the structs encode to, so that a value already normalized comes
//! back unchanged.

use crate::hash::HashMap;
use std::sync::OnceLock;

use kforge_value::{Map, Number, Value};
use serde::Deserialize;

use crate::source::pointer::push_token;
use crate::source::{Limits, Schema};

/// A Go type, as encoding/json sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ty {
    Str,
    Bool,
    Int,
    Any,
    List(Box<Ty>),
    Map(Box<Ty>),
    Ptr(Box<Ty>),
    Struct(String),
}

/// One JSON field of a struct.
#[derive(Debug)]
struct Field {
    name: String,
    ty: Ty,
    omitempty: bool,
}

/// The table: every struct, and the order `kustomize edit` writes new fields in.
pub(super) struct Types {
    structs: HashMap<String, Vec<Field>>,
    /// kustfile's order of the top-level fields (JSON names).
    pub write_order: Vec<String>,
}

/// A value the structs cannot hold: where (a JSON pointer with the keys as written, and a
/// field path such as `images[0].newTag`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DecodeError {
    pub pointer: String,
    pub field: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TableDef {
    write_order: Vec<String>,
    structs: HashMap<String, Vec<String>>,
}

/// The root struct of the table.
const ROOT: &str = "Kustomization";

fn parse_ty(s: &str) -> Ty {
    if let Some(rest) = s.strip_prefix("[]") {
        Ty::List(Box::new(parse_ty(rest)))
    } else if let Some(rest) = s.strip_prefix("map[").and_then(|r| r.strip_suffix(']')) {
        Ty::Map(Box::new(parse_ty(rest)))
    } else if let Some(rest) = s.strip_prefix('*') {
        Ty::Ptr(Box::new(parse_ty(rest)))
    } else {
        match s {
            "string" => Ty::Str,
            "bool" => Ty::Bool,
            "int" => Ty::Int,
            "any" => Ty::Any,
            name => Ty::Struct(name.to_owned()),
        }
    }
}

impl Types {
    fn parse(text: &str) -> Types {
        let doc = crate::source::yaml::parse_single(text, Schema::Kyaml, Limits::default())
            .unwrap_or_else(|e| panic!("kustomization_types.yaml: {}", e.message))
            .expect("kustomization_types.yaml is not empty");
        let def: TableDef = serde_path_to_error::deserialize(&doc.value)
            .unwrap_or_else(|e| panic!("kustomization_types.yaml: {e}"));
        let mut structs = HashMap::default();
        for (name, lines) in def.structs {
            let fields = lines
                .iter()
                .map(|line| {
                    let parts: Vec<&str> = line.split_whitespace().collect();
                    match parts.as_slice() {
                        [name, ty] | [name, ty, "omitempty"] => Field {
                            name: (*name).to_owned(),
                            ty: parse_ty(ty),
                            omitempty: parts.len() == 3,
                        },
                        _ => panic!("kustomization_types.yaml: bad field line '{line}'"),
                    }
                })
                .collect();
            structs.insert(name, fields);
        }
        let types = Types {
            structs,
            write_order: def.write_order,
        };
        types.check();
        types
    }

    /// Every struct a field names exists, and the write order names root fields.
    fn check(&self) {
        fn named(ty: &Ty) -> Option<&str> {
            match ty {
                Ty::List(t) | Ty::Map(t) | Ty::Ptr(t) => named(t),
                Ty::Struct(n) => Some(n),
                _ => None,
            }
        }
        for (name, fields) in &self.structs {
            for f in fields {
                if let Some(n) = named(&f.ty) {
                    assert!(
                        self.structs.contains_key(n),
                        "kustomization_types.yaml: {name}.{} names unknown struct {n}",
                        f.name
                    );
                }
            }
        }
        let root = &self.structs[ROOT];
        for w in &self.write_order {
            assert!(
                root.iter().any(|f| &f.name == w),
                "kustomization_types.yaml: writeOrder names unknown field {w}"
            );
        }
    }

    /// Normalize a whole kustomization (the JSON of its YAML) as the structs would.
    pub fn normalize(&self, v: &Value) -> Result<Value, DecodeError> {
        self.decode(v, &Ty::Struct(ROOT.into()), &mut Loc::default())
    }

    /// Normalize the value of one top-level field (`images`, ...), for values an edit made.
    pub fn normalize_field(&self, field: &str, v: &Value) -> Result<Value, DecodeError> {
        let f = self.structs[ROOT]
            .iter()
            .find(|f| f.name == field)
            .unwrap_or_else(|| panic!("no kustomization field {field}"));
        let mut loc = Loc::default();
        loc.push_key(field, field);
        self.decode(v, &f.ty, &mut loc)
    }

    fn zero(&self, ty: &Ty) -> Value {
        match ty {
            Ty::Str => Value::String(String::new()),
            Ty::Bool => Value::Bool(false),
            Ty::Int => Value::Number(0.into()),
            Ty::Any | Ty::List(_) | Ty::Map(_) | Ty::Ptr(_) => Value::Null,
            Ty::Struct(name) => self.encode_struct(name, Vec::new()),
        }
    }

    /// A struct's JSON from the fields a document set (others take their zero values),
    /// `omitempty` fields with empty values left out.
    fn encode_struct(&self, name: &str, set: Vec<(usize, Value)>) -> Value {
        let fields = &self.structs[name];
        let mut values: Vec<Option<Value>> = vec![None; fields.len()];
        for (i, v) in set {
            values[i] = Some(v);
        }
        let mut out = Map::new();
        for (f, v) in fields.iter().zip(values) {
            let v = v.unwrap_or_else(|| self.zero(&f.ty));
            if f.omitempty && is_empty(&f.ty, &v) {
                continue;
            }
            out.insert(f.name.clone(), v);
        }
        Value::Object(out)
    }

    fn decode(&self, v: &Value, ty: &Ty, loc: &mut Loc) -> Result<Value, DecodeError> {
        match (ty, v) {
            // A JSON null sets a pointer, slice, map or interface to nil and leaves any
            // other value at its zero value.
            (Ty::Any | Ty::List(_) | Ty::Map(_) | Ty::Ptr(_), Value::Null) => Ok(Value::Null),
            (_, Value::Null) => Ok(self.zero(ty)),
            (Ty::Str, Value::String(_)) | (Ty::Bool, Value::Bool(_)) => Ok(v.clone()),
            (Ty::Int, Value::Number(n)) => whole(n)
                .map(|i| Value::Number(i.into()))
                .ok_or_else(|| loc.error(format!("expected a whole number, found {n}"))),
            (Ty::Any, _) => Ok(through_float64(v)),
            (Ty::Ptr(inner), _) => self.decode(v, inner, loc),
            (Ty::List(elem), Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    loc.push_index(i);
                    let d = self.decode(item, elem, loc);
                    loc.pop();
                    out.push(d?);
                }
                Ok(Value::Array(out))
            }
            (Ty::Map(elem), Value::Object(m)) => {
                let mut out = Map::new();
                for (k, item) in m {
                    loc.push_key(k, k);
                    let d = self.decode(item, elem, loc);
                    loc.pop();
                    out.insert(k.clone(), d?);
                }
                Ok(Value::Object(out))
            }
            (Ty::Struct(name), Value::Object(m)) => {
                let fields = &self.structs[name];
                // Keys in the order Go's decoder meets them (sorted, as sigs.k8s.io/yaml
                // writes the JSON); of two spellings of one field the later one counts.
                let mut set: Vec<(usize, Value)> = Vec::new();
                for (k, item) in m {
                    let Some(i) = field_index(fields, k) else {
                        loc.push_key(k, k);
                        let e = loc.error(format!("unknown field '{k}'{}", hint(fields, k)));
                        loc.pop();
                        return Err(e);
                    };
                    loc.push_key(k, &fields[i].name);
                    let d = self.decode(item, &fields[i].ty, loc);
                    loc.pop();
                    let d = d?;
                    set.retain(|(j, _)| *j != i);
                    set.push((i, d));
                }
                Ok(self.encode_struct(name, set))
            }
            _ => Err(loc.error(format!("expected {}, found {}", expected(ty), found(v)))),
        }
    }
}

/// The table, parsed once.
pub(super) fn types() -> &'static Types {
    static TYPES: OnceLock<Types> = OnceLock::new();
    TYPES.get_or_init(|| Types::parse(include_str!("kustomization_types.yaml")))
}

/// The field a key names: the exact name first, else one equal ignoring ASCII case.
fn field_index(fields: &[Field], key: &str) -> Option<usize> {
    fields
        .iter()
        .position(|f| f.name == key)
        .or_else(|| fields.iter().position(|f| f.name.eq_ignore_ascii_case(key)))
}

fn hint(fields: &[Field], key: &str) -> String {
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    crate::text::did_you_mean(key, &names)
        .map(|s| format!("; did you mean '{s}'?"))
        .unwrap_or_default()
}

/// Go's `isEmptyValue` for `omitempty`, on the encoded value. A struct is never empty.
fn is_empty(ty: &Ty, v: &Value) -> bool {
    match (ty, v) {
        (Ty::Struct(_), _) => false,
        (_, Value::Null) => true,
        (Ty::Str, Value::String(s)) => s.is_empty(),
        (Ty::Bool, Value::Bool(b)) => !b,
        (Ty::Int, Value::Number(n)) => n.as_i64() == Some(0),
        (Ty::List(_), Value::Array(a)) => a.is_empty(),
        (Ty::Map(_), Value::Object(m)) => m.is_empty(),
        _ => false,
    }
}

/// An integer a Go integer field accepts: a JSON integer, or a float with no fraction
/// (sigs.k8s.io/yaml writes YAML's `3.0` to JSON as `3`).
fn whole(n: &Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    (f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64).then_some(f as i64)
}

/// A value through `interface{}`: every number becomes a float64, which Go writes back
/// without a fraction when it has none (and YAML then reads as an integer).
fn through_float64(v: &Value) -> Value {
    match v {
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            if f.fract() == 0.0 && f.abs() < 1e21 && f >= i64::MIN as f64 && f < i64::MAX as f64 {
                Value::Number((f as i64).into())
            } else {
                Number::from_f64(f).map_or(Value::Null, Value::Number)
            }
        }
        Value::Array(a) => Value::Array(a.iter().map(through_float64).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), through_float64(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn expected(ty: &Ty) -> &'static str {
    match ty {
        Ty::Str => "a string",
        Ty::Bool => "true or false",
        Ty::Int => "a whole number",
        Ty::List(_) => "a list",
        Ty::Map(_) | Ty::Struct(_) => "a mapping",
        Ty::Any | Ty::Ptr(_) => "a value",
    }
}

fn found(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Where the decoder is: the JSON pointer with keys as written (for the source position)
/// and the field path with names as declared (for the message).
#[derive(Default)]
struct Loc {
    pointer: String,
    field: String,
    marks: Vec<(usize, usize)>,
}

impl Loc {
    fn push_key(&mut self, written: &str, name: &str) {
        self.marks.push((self.pointer.len(), self.field.len()));
        push_token(&mut self.pointer, written);
        if !self.field.is_empty() {
            self.field.push('.');
        }
        self.field.push_str(name);
    }

    fn push_index(&mut self, i: usize) {
        self.marks.push((self.pointer.len(), self.field.len()));
        self.pointer.push_str(&format!("/{i}"));
        self.field.push_str(&format!("[{i}]"));
    }

    fn pop(&mut self) {
        let (p, f) = self.marks.pop().expect("balanced");
        self.pointer.truncate(p);
        self.field.truncate(f);
    }

    fn error(&self, message: String) -> DecodeError {
        DecodeError {
            pointer: self.pointer.clone(),
            field: self.field.clone(),
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kforge_value::json;

    #[test]
    fn the_table_parses_and_names_every_struct() {
        let t = types();
        assert_eq!(t.write_order[0], "apiVersion");
        assert_eq!(t.write_order.len(), 33);
    }

    #[test]
    fn omitempty_zero_values_and_case_folded_names() {
        let t = types();
        let v = json!({
            "NAMEPREFIX": "a-",
            "images": [{"name": "x", "newTag": "", "DIGEST": "sha256:1"}],
            "replicas": [{"name": "web"}],
            "vars": [{"name": "V", "objref": {"kind": "Service"}}],
            "sortOptions": {"legacySortOptions": {}},
            "labels": [{"pairs": {"a": null}, "includeSelectors": false}],
            "resources": [],
            "bases": null
        });
        let n = t.normalize(&v).unwrap();
        assert_eq!(
            n,
            json!({
                "namePrefix": "a-",
                "images": [{"name": "x", "digest": "sha256:1"}],
                "replicas": [{"name": "web", "count": 0}],
                "vars": [{"name": "V", "objref": {"kind": "Service", "name": ""}, "fieldref": {}}],
                "sortOptions": {"legacySortOptions": {"orderFirst": null, "orderLast": null}},
                "labels": [{"pairs": {"a": ""}}]
            })
        );
        // Normalizing again changes nothing.
        assert_eq!(t.normalize(&n).unwrap(), n);
    }

    #[test]
    fn values_the_structs_cannot_hold_are_errors_at_their_field() {
        let t = types();
        let e = t
            .normalize(&json!({"images": [{"name": "x", "newTag": 1.5}]}))
            .unwrap_err();
        assert_eq!(e.pointer, "/images/0/newTag");
        assert_eq!(e.field, "images[0].newTag");
        assert!(e.message.contains("expected a string, found a number"));
        let e = t
            .normalize(&json!({"replicas": [{"count": 2.5}]}))
            .unwrap_err();
        assert_eq!(e.field, "replicas[0].count");
        let e = t
            .normalize(&json!({"patches": [{"path": "p", "tagret": {}}]}))
            .unwrap_err();
        assert_eq!(e.field, "patches[0].tagret");
        assert!(e.message.contains("did you mean 'target'"), "{}", e.message);
        assert_eq!(
            t.normalize(&json!({"replicas": [{"name": "a", "count": 3.0}]}))
                .unwrap(),
            json!({"replicas": [{"name": "a", "count": 3}]})
        );
    }

    #[test]
    fn numbers_under_interface_pass_through_float64() {
        let t = types();
        let n = t
            .normalize(&json!({"helmCharts": [{"name": "c", "valuesInline": {"a": 3, "b": 1.5, "c": [2.0]}}]}))
            .unwrap();
        assert_eq!(
            n["helmCharts"][0]["valuesInline"],
            json!({"a": 3, "b": 1.5, "c": [2]})
        );
    }
}
