//! The typed check of built-in Kubernetes kinds, kept in its own crate so that the large
//! monomorphised k8s-openapi deserialisers compile once, not on every edit of kforge.
//!
//! [`check`] deserialises a JSON object into its k8s-openapi type (Kubernetes
//! [`KUBERNETES_VERSION`]) and reports every unknown field (through `serde_ignored`) and the
//! first wrong type (through `serde_path_to_error`), each with the path to the field.
//! The value itself is never re-emitted from the typed struct.

#![warn(missing_docs)]

use kforge_value::Value;
use serde::de::DeserializeOwned;

/// The Kubernetes version of the k8s-openapi feature this crate enables.
pub const KUBERNETES_VERSION: &str = "1.37";

/// One step of a path into an object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    /// A map key or field name.
    Key(String),
    /// A list index.
    Index(usize),
}

/// What the typed check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A field the type does not have (the path ends with the field's name).
    UnknownField(Vec<Seg>),
    /// A value of the wrong type (or otherwise not accepted by the type).
    Invalid {
        /// Where.
        path: Vec<Seg>,
        /// serde's description, e.g. `invalid type: string "two", expected i32`.
        message: String,
    },
}

fn ignored_path(p: &serde_ignored::Path<'_>, out: &mut Vec<Seg>) {
    use serde_ignored::Path;
    match p {
        Path::Root => {}
        Path::Seq { parent, index } => {
            ignored_path(parent, out);
            out.push(Seg::Index(*index));
        }
        Path::Map { parent, key } => {
            ignored_path(parent, out);
            out.push(Seg::Key(key.clone()));
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent, out),
    }
}

fn error_path(p: &serde_path_to_error::Path) -> Vec<Seg> {
    use serde_path_to_error::Segment;
    p.iter()
        .filter_map(|s| match s {
            Segment::Seq { index } => Some(Seg::Index(*index)),
            Segment::Map { key } => Some(Seg::Key(key.clone())),
            Segment::Enum { variant } => Some(Seg::Key(variant.clone())),
            Segment::Unknown => None,
        })
        .collect()
}

/// A path and serde's message.
type TypeError = (Vec<Seg>, String);

/// One deserialisation pass: unknown fields seen, and the first type error.
fn pass<T: DeserializeOwned>(value: &Value) -> (Vec<Vec<Seg>>, Option<TypeError>) {
    let mut unknown = Vec::new();
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(value, &mut track);
    let result: Result<T, _> = serde_ignored::deserialize(de, |path| {
        let mut segs = Vec::new();
        ignored_path(&path, &mut segs);
        unknown.push(segs);
    });
    let invalid = result
        .err()
        .map(|e| (error_path(&track.path()), e.to_string()));
    (unknown, invalid)
}

/// Remove the node at `path` (so that the next pass gets past it).
fn remove_at(value: &mut Value, path: &[Seg]) -> bool {
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    let mut cur = value;
    for seg in parent {
        cur = match (seg, cur) {
            (Seg::Key(k), Value::Object(m)) => match m.get_mut(k) {
                Some(v) => v,
                None => return false,
            },
            (Seg::Index(i), Value::Array(a)) => match a.get_mut(*i) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    match (last, cur) {
        (Seg::Key(k), Value::Object(m)) => m.remove(k).is_some(),
        (Seg::Index(i), Value::Array(a)) if *i < a.len() => {
            a[*i] = Value::Null;
            true
        }
        _ => false,
    }
}

/// Deserialise into `T` without tracking where serde is: the unknown fields, or `None`
/// when a value has the wrong type (then [`pass`] says where).
fn quick_pass<T: DeserializeOwned>(value: &Value) -> Option<Vec<Vec<Seg>>> {
    let mut unknown = Vec::new();
    let result: Result<T, _> = serde_ignored::deserialize(value, |path| {
        let mut segs = Vec::new();
        ignored_path(&path, &mut segs);
        unknown.push(segs);
    });
    result.ok().map(|_| unknown)
}

/// Deserialise into `T`. A type error stops serde, so the offending node is removed and
/// the pass repeated (at most 50 times) to report every wrong type and unknown field.
///
/// Most objects have no wrong type: a first pass without path tracking (a third of the
/// cost) settles them, and only the others take the tracked passes.
fn run<T: DeserializeOwned>(value: &Value) -> Vec<Problem> {
    if let Some(unknown) = quick_pass::<T>(value) {
        return unknown.into_iter().map(Problem::UnknownField).collect();
    }
    let mut problems = Vec::new();
    let (mut unknown, mut invalid) = pass::<T>(value);
    let mut copy: Option<Value> = None;
    for _ in 0..50 {
        let Some((path, message)) = invalid.take() else {
            break;
        };
        let removed = remove_at(copy.get_or_insert_with(|| value.clone()), &path);
        problems.push(Problem::Invalid { path, message });
        if !removed {
            break;
        }
        let (u, i) = pass::<T>(copy.as_ref().expect("set above"));
        unknown = u;
        invalid = i;
    }
    problems.extend(unknown.into_iter().map(Problem::UnknownField));
    problems
}

/// Whether `T`'s scope is the cluster's.
fn cluster_scope<T: k8s_openapi::Resource>() -> bool
where
    T::Scope: 'static,
{
    std::any::TypeId::of::<T::Scope>()
        == std::any::TypeId::of::<k8s_openapi::ClusterResourceScope>()
}

macro_rules! for_each_kind {
    ($(($api:literal, $kind:literal, $ty:path)),* $(,)?) => {
        /// Every built-in (apiVersion, kind) of this Kubernetes version.
        pub const KINDS: &[(&str, &str)] = &[$(($api, $kind)),*];

        /// Check `value` against the type of `api_version`/`kind`; `None` when the kind is
        /// not a built-in kind of this Kubernetes version.
        pub fn check(api_version: &str, kind: &str, value: &Value) -> Option<Vec<Problem>> {
            match (api_version, kind) {
                $(($api, $kind) => Some(run::<$ty>(value)),)*
                _ => None,
            }
        }

        /// Whether built-in `api_version`/`kind` is cluster-scoped (k8s-openapi's
        /// `Resource::Scope`); `None` when the kind is not a built-in kind of this
        /// Kubernetes version.
        pub fn is_cluster_scoped(api_version: &str, kind: &str) -> Option<bool> {
            match (api_version, kind) {
                $(($api, $kind) => Some(cluster_scope::<$ty>()),)*
                _ => None,
            }
        }
    };
}

include!("kinds.rs");

#[cfg(test)]
mod tests {
    use super::*;
    use kforge_value::json;

    #[test]
    fn unknown_fields_and_types_have_paths() {
        let d = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "lables": {}},
            "spec": {"replicas": 2, "selector": {}, "template": {"spec": {"containers": [
                {"name": "c", "image": "i", "imagePullPolicyy": "Always"}
            ]}}}
        });
        let p = check("apps/v1", "Deployment", &d).unwrap();
        assert!(p.contains(&Problem::UnknownField(vec![
            Seg::Key("metadata".into()),
            Seg::Key("lables".into())
        ])));
        assert!(p.iter().any(|x| matches!(x, Problem::UnknownField(s) if s.last() == Some(&Seg::Key("imagePullPolicyy".into())) && s.contains(&Seg::Index(0)))));
        let bad = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                         "spec": {"replicas": "two", "selector": {}, "template": {}}});
        let p = check("apps/v1", "Deployment", &bad).unwrap();
        assert!(
            matches!(&p[..], [Problem::Invalid { path, .. }] if path == &vec![Seg::Key("spec".into()), Seg::Key("replicas".into())])
        );
        assert!(check("example.com/v1", "Widget", &bad).is_none());
    }

    #[test]
    fn scopes_come_from_the_types() {
        assert_eq!(is_cluster_scoped("apps/v1", "Deployment"), Some(false));
        assert_eq!(is_cluster_scoped("v1", "Namespace"), Some(true));
        assert_eq!(
            is_cluster_scoped(
                "admissionregistration.k8s.io/v1",
                "ValidatingAdmissionPolicy"
            ),
            Some(true)
        );
        assert_eq!(is_cluster_scoped("example.com/v1", "Widget"), None);
    }
}
