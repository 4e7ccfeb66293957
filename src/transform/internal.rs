//! kustomize's build annotations.
//!
//! kustomize keeps an object's earlier ids and applied prefixes in
//! `internal.config.kubernetes.io/*` annotations while it builds, and strips them at the end.
//! kforge keeps that state in [`Resource`] fields instead, but a JSON patch can see (and
//! copy, test or remove) the annotations map, so they are put in place around each JSON
//! patch. At the end kustomize also drops an annotations map left empty.

use kforge_value::{Map, Value};

use crate::resource::Resource;

const PREFIX: &str = "internal.config.kubernetes.io/";

/// Annotation keys kustomize removes from every object at the end of a build.
const BUILD_KEYS: &[&str] = &[
    "config.kubernetes.io/path",
    "config.kubernetes.io/index",
    "config.k8s.io/id",
    "kustomize.config.k8s.io/id",
];

/// Add the build annotations kustomize would hold for `r` at this point.
pub fn inject(r: &mut Resource) {
    inject_as(r, true)
}

/// [`inject`] for a patch that cannot see the annotations (no operation reads or writes
/// `/metadata` or the whole object): only the annotations map those would be in is made,
/// since [`remove`] leaves it behind.
pub fn make_room(r: &mut Resource) {
    inject_as(r, false)
}

fn inject_as(r: &mut Resource, with_keys: bool) {
    if r.prefixes.is_empty() && r.suffixes.is_empty() && r.prev_ids.is_empty() {
        return;
    }
    if !with_keys {
        let md = r.metadata_mut();
        let ann = md
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        if !ann.is_object() {
            *ann = Value::Object(Map::new());
        }
        return;
    }
    let mut add: Vec<(String, String)> = Vec::new();
    if !r.prefixes.is_empty() {
        add.push((format!("{PREFIX}prefixes"), r.prefixes.join(",")));
    }
    if !r.suffixes.is_empty() {
        add.push((format!("{PREFIX}suffixes"), r.suffixes.join(",")));
    }
    if !r.prev_ids.is_empty() {
        let join = |f: &dyn Fn(&crate::resource::ResId) -> String| {
            r.prev_ids.iter().map(f).collect::<Vec<_>>().join(",")
        };
        add.push((
            format!("{PREFIX}previousKinds"),
            join(&|id| id.gvk.kind.clone()),
        ));
        add.push((
            format!("{PREFIX}previousNames"),
            join(&|id| id.name.clone()),
        ));
        add.push((
            format!("{PREFIX}previousNamespaces"),
            join(&|id| id.effective_namespace().to_owned()),
        ));
    }
    if add.is_empty() {
        return;
    }
    let md = r.metadata_mut();
    let ann = md
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if !ann.is_object() {
        *ann = Value::Object(Map::new());
    }
    let ann = ann.as_object_mut().expect("annotations is a map");
    for (k, v) in add {
        ann.insert(k, Value::String(v));
    }
}

/// Remove the build annotations added by [`inject`] (after a patch).
pub fn remove(value: &mut Value) {
    if let Some(ann) = value
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        ann.retain(|k, _| !k.starts_with(PREFIX));
    }
}

/// Final clean-up of one object: build annotations removed, an empty annotations map dropped.
pub fn strip(value: &mut Value) {
    let Some(md) = value.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let empty = match md.get_mut("annotations") {
        None => return,
        Some(Value::Object(ann)) => {
            ann.retain(|k, _| !k.starts_with(PREFIX) && !BUILD_KEYS.contains(&k.as_str()));
            ann.is_empty()
        }
        Some(Value::Null) => true,
        Some(_) => false,
    };
    if empty {
        md.remove("annotations");
    }
}
