//! `namespace:` sets metadata.namespace on every object kustomize does not know to be
//! cluster-scoped, renames `v1 Namespace` objects, and fixes `default` RBAC subjects.

use std::collections::HashSet;

use serde_json::Value;

use super::config::TransformerConfig;
use super::fieldspec::CreateKind;
use crate::error::{Error, Result};
use crate::resource::Resource;

/// Apply `namespace` to every object.
pub fn apply(resources: &mut [Resource], namespace: &str, cfg: &TransformerConfig) -> Result<()> {
    if namespace.is_empty() {
        return Ok(());
    }
    let specs = &cfg.namespace;
    for r in resources.iter_mut().filter(|r| !r.helm_generated) {
        r.store_previous_id();
        let gvk = r.gvk();
        if !gvk.is_cluster_scoped() {
            r.metadata_mut()
                .insert("namespace".into(), Value::String(namespace.to_owned()));
        }
        if gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding" {
            if let Some(subjects) = r.value.get_mut("subjects").and_then(Value::as_array_mut) {
                for s in subjects {
                    if let Some(m) = s.as_object_mut() {
                        if m.get("name").and_then(Value::as_str) == Some("default") {
                            m.insert("namespace".into(), Value::String(namespace.to_owned()));
                        }
                    }
                }
            }
        }
        for spec in specs {
            if !spec.applies_to(&gvk) {
                continue;
            }
            if spec.path == "metadata/name" && gvk.api_version() != "v1" {
                continue;
            }
            spec.apply(&mut r.value, Some(CreateKind::Scalar), &mut |n| {
                if n.is_object() || n.is_array() {
                    return Err(Error::msg(format!(
                        "namespace field specs must target scalar fields, and '{}' holds a {}",
                        spec.path,
                        if n.is_array() { "list" } else { "map" }
                    )));
                }
                *n = Value::String(namespace.to_owned());
                Ok(())
            })
            .map_err(|e| e.in_file(&r.origin.file, None))?;
        }
    }
    let mut seen = HashSet::new();
    for r in resources.iter() {
        let id = r.cur_id();
        let key = (
            id.gvk.clone(),
            id.name.clone(),
            id.effective_namespace().to_owned(),
        );
        if !seen.insert(key) {
            return Err(Error::msg(format!(
                "namespace transformation produces an id conflict: two objects become {id}"
            ))
            .in_file(&r.origin.file, None));
        }
    }
    Ok(())
}
