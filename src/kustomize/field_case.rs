//! kustomize decodes a kustomization with Go's `encoding/json`, which matches a struct's
//! field names without regard to case (`nameprefix:`, `RESOURCES:`) at every level, while
//! map keys (label names, …) stay as written. [`Folded`] deserializes a JSON value that
//! way: whenever serde asks for a struct, each key that is not one of its field names but
//! equals one ignoring ASCII case is read as that field, and of a field written twice (in
//! any spelling) the last one counts, as in Go. A `null` leaves a field at its zero value
//! (`""`, `0`, `false`, empty), and an integer field accepts a float with no fraction
//! (sigs.k8s.io/yaml writes YAML's `3.0` to JSON as `3`), as in Go.

use kforge_value::Value;
use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{Deserializer, IntoDeserializer, Visitor};
use serde_json::Error;

/// Field or variant names, as serde passes them.
type Names = &'static [&'static str];
/// What a visitor makes, or the error.
type Out<'de, V> = Result<<V as Visitor<'de>>::Value, Error>;

/// A JSON value deserialized with Go's case-insensitive struct field names.
pub struct Folded<'de>(pub &'de Value);

/// The field `key` names: itself when it is a field name, else a field name equal to it
/// ignoring case, else itself (an unknown field, reported by the struct).
fn field_name<'de>(key: &'de str, fields: &'static [&'static str]) -> &'de str {
    if fields.contains(&key) {
        return key;
    }
    fields
        .iter()
        .find(|f| f.eq_ignore_ascii_case(key))
        .copied()
        .unwrap_or(key)
}

/// The entries of a mapping, keys as the struct with `fields` reads them.
fn struct_entries<'de>(
    map: &'de kforge_value::Map,
    fields: &'static [&'static str],
) -> Vec<(&'de str, &'de Value)> {
    let mut out: Vec<(&'de str, &'de Value)> = Vec::with_capacity(map.len());
    for (k, v) in map {
        let name = field_name(k, fields);
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = v,
            None => out.push((name, v)),
        }
    }
    out
}

impl<'de> IntoDeserializer<'de, Error> for Folded<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// A mapping's entries (keys already as the reader wants them), values folded.
fn entries<'de>(
    entries: Vec<(&'de str, &'de Value)>,
) -> MapDeserializer<'de, impl Iterator<Item = (&'de str, Folded<'de>)>, Error> {
    MapDeserializer::new(entries.into_iter().map(|(k, v)| (k, Folded(v))))
}

impl<'de> Folded<'de> {
    /// Mappings and sequences with their values folded; scalars as serde_json reads them.
    fn any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(m) => {
                visitor.visit_map(entries(m.iter().map(|(k, v)| (k.as_str(), v)).collect()))
            }
            Value::Array(a) => visitor.visit_seq(SeqDeserializer::new(a.iter().map(Folded))),
            other => other.deserialize_any(visitor),
        }
    }

    /// Folded when `fold`, else as serde_json reads the value (which reports the wrong type).
    fn folded_if<V: Visitor<'de>>(
        self,
        fold: bool,
        visitor: V,
        json: impl FnOnce(&'de Value, V) -> Result<V::Value, Error>,
    ) -> Result<V::Value, Error> {
        if fold {
            self.any(visitor)
        } else {
            json(self.0, visitor)
        }
    }
}

macro_rules! scalars_as_json {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.0.$method(visitor)
        })*
    };
}

/// Go's `encoding/json` leaves a field at its zero value for a JSON `null`: a string reads
/// as `""`, a number as `0`, a boolean as `false` (so `newTag: ~` or a label value `~` is
/// not an error there).
macro_rules! scalars_null_as_zero {
    ($($method:ident => $visit:ident($zero:expr)),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Null => visitor.$visit($zero),
                other => other.$method(visitor),
            }
        })*
    };
}

/// Integers as Go reads them from sigs.k8s.io/yaml's JSON: a YAML float with no fraction
/// (`3.0`, `2e0`) was written to JSON as `3`, which an integer field accepts; `null` is 0.
macro_rules! integers_as_go {
    ($($method:ident => $visit:ident as $ty:ty),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Null => visitor.$visit(0),
                Value::Number(n) if n.is_f64() => match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f >= <$ty>::MIN as f64 && f < <$ty>::MAX as f64 => {
                        visitor.$visit(f as $ty)
                    }
                    _ => self.0.$method(visitor),
                },
                other => other.$method(visitor),
            }
        })*
    };
}

impl<'de> Deserializer<'de> for Folded<'de> {
    type Error = Error;

    scalars_as_json! {
        deserialize_i8 deserialize_i16 deserialize_u8 deserialize_u16 deserialize_char
        deserialize_bytes deserialize_byte_buf deserialize_unit deserialize_identifier
    }

    scalars_null_as_zero! {
        deserialize_bool => visit_bool(false),
        deserialize_str => visit_str(""),
        deserialize_string => visit_str(""),
        deserialize_f32 => visit_f64(0.0),
        deserialize_f64 => visit_f64(0.0),
    }

    integers_as_go! {
        deserialize_i32 => visit_i64 as i64,
        deserialize_i64 => visit_i64 as i64,
        deserialize_u32 => visit_u64 as u64,
        deserialize_u64 => visit_u64 as u64,
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.is_null() {
            // Go: a `null` list is an empty (nil) one.
            return visitor.visit_seq(SeqDeserializer::new(std::iter::empty::<Folded>()));
        }
        let is_seq = self.0.is_array();
        self.folded_if(is_seq, visitor, |v, visitor| v.deserialize_seq(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, n: usize, visitor: V) -> Result<V::Value, Error> {
        self.0.deserialize_tuple(n, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        n: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_tuple_struct(name, n, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.is_null() {
            // Go: a `null` map is an empty (nil) one.
            return visitor.visit_map(entries(Vec::new()));
        }
        let is_map = self.0.is_object();
        self.folded_if(is_map, visitor, |v, visitor| v.deserialize_map(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(m) => visitor.visit_map(entries(struct_entries(m, fields))),
            // Go: a `null` struct keeps its zero value.
            Value::Null => visitor.visit_map(entries(Vec::new())),
            other => other.deserialize_struct(name, fields, visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(self, n: &'static str, vs: Names, v: V) -> Out<'de, V> {
        self.0.deserialize_enum(n, vs, v)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kforge_value::json;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Inner {
        disable_name_suffix_hash: Option<bool>,
        labels: BTreeMap<String, String>,
    }

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Outer {
        name_prefix: String,
        items: Vec<Inner>,
    }

    #[test]
    fn struct_fields_ignore_case_and_map_keys_do_not() {
        let v = json!({
            "nameprefix": "a-",
            "NamePrefix": "b-",
            "ITEMS": [{"DisableNameSuffixHash": true, "labels": {"App": "x"}}]
        });
        let o: Outer = Outer::deserialize(Folded(&v)).unwrap();
        // The last in key order (kustomize's JSON has sorted keys, as serde_json's map).
        assert_eq!(o.name_prefix, "a-");
        assert_eq!(o.items[0].disable_name_suffix_hash, Some(true));
        assert_eq!(o.items[0].labels["App"], "x");
        let bad = json!({"namePrefix": "a", "items": [], "other": 1});
        assert!(Outer::deserialize(Folded(&bad)).is_err());
    }

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Counted {
        count: i64,
        on: bool,
        items: Vec<String>,
    }

    #[test]
    fn nulls_are_zero_values_and_whole_floats_are_integers() {
        let v = json!({"namePrefix": null, "items": [{"disableNameSuffixHash": null, "labels": {"a": null}}]});
        let o: Outer = Outer::deserialize(Folded(&v)).unwrap();
        assert_eq!(o.name_prefix, "");
        assert_eq!(o.items[0].disable_name_suffix_hash, None);
        assert_eq!(o.items[0].labels["a"], "");
        let c: Counted =
            Counted::deserialize(Folded(&json!({"count": 3.0, "on": null, "items": null})))
                .unwrap();
        assert_eq!((c.count, c.on, c.items.len()), (3, false, 0));
        assert!(
            Counted::deserialize(Folded(&json!({"count": 3.5, "on": true, "items": []}))).is_err()
        );
    }
}
