//! `namespace:` sets metadata.namespace on every object kustomize does not know to be
//! cluster-scoped, renames `v1 Namespace` objects, and fixes `default` RBAC subjects.

use crate::hash::HashSet;

use kforge_value::Value;

use super::config::TransformerConfig;
use super::fieldspec::{CreateKind, FieldSpec};
use crate::error::{Error, Result};
use crate::resource::Resource;

/// Apply `namespace` to every object.
pub fn apply(resources: &mut [Resource], namespace: &str, cfg: &TransformerConfig) -> Result<()> {
    apply_with(resources, namespace, cfg, Options::default())
}

/// Which RoleBinding subjects get the namespace (`setRoleBindingSubjects`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Subjects {
    /// Subjects named `default` (kustomize's default).
    #[default]
    NamedDefault,
    /// Every ServiceAccount subject.
    AllServiceAccounts,
    /// None.
    None,
}

/// The `NamespaceTransformer` plugin's options (the `namespace:` field uses the defaults).
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Set the namespace only where a field is empty or missing.
    pub unset_only: bool,
    /// Which RoleBinding subjects get it.
    pub subjects: Subjects,
}

/// [`apply`] with the plugin's options.
pub fn apply_with(
    resources: &mut [Resource],
    namespace: &str,
    cfg: &TransformerConfig,
    opts: Options,
) -> Result<()> {
    if namespace.is_empty() {
        return Ok(());
    }
    let set = |slot: &mut Value| {
        let empty = match slot {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            _ => false,
        };
        if !opts.unset_only || empty {
            *slot = Value::String(namespace.to_owned());
        }
    };
    // As kustomize: metadata.namespace is set by the rule below (namespaced kinds only),
    // and binding subjects by the subject mode, whatever the field specs say.
    let specs: Vec<_> = cfg
        .namespace
        .iter()
        .filter(|s| s.path != "metadata/namespace")
        .filter(|s| {
            !(matches!(s.gvk.kind.as_str(), "RoleBinding" | "ClusterRoleBinding")
                && s.path == "subjects/namespace")
        })
        .collect();
    // Objects are independent: large builds use all cores.
    crate::parallel::try_each_mut(resources, super::PER_THREAD, |_, r| {
        if r.helm_generated {
            return Ok(());
        }
        r.store_previous_id();
        // What the kind decides, read before the object changes.
        let (cluster_scoped, binding, specs_here) = {
            let gvk = r.gvk_ref();
            let binding = gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding";
            let core_v1 = gvk.group.is_empty() && gvk.version == "v1";
            let specs_here: Vec<&FieldSpec> = specs
                .iter()
                .copied()
                .filter(|spec| spec.applies_to_ref(&gvk))
                .filter(|spec| spec.path != "metadata/name" || core_v1)
                .collect();
            (gvk.is_cluster_scoped(), binding, specs_here)
        };
        if !cluster_scoped {
            set(r.metadata_mut().entry("namespace").or_insert(Value::Null));
        }
        if binding {
            if let Some(subjects) = r.value.get_mut("subjects").and_then(Value::as_array_mut) {
                for s in subjects {
                    if let Some(m) = s.as_object_mut() {
                        let picked = match opts.subjects {
                            Subjects::NamedDefault => {
                                m.get("name").and_then(Value::as_str) == Some("default")
                            }
                            Subjects::AllServiceAccounts => {
                                m.get("kind").and_then(Value::as_str) == Some("ServiceAccount")
                            }
                            Subjects::None => false,
                        };
                        if picked {
                            set(m.entry("namespace").or_insert(Value::Null));
                        }
                    }
                }
            }
        }
        for spec in specs_here {
            spec.apply(&mut r.value, Some(CreateKind::Scalar), &mut |n| {
                if n.is_object() || n.is_array() {
                    return Err(Error::msg(format!(
                        "namespace field specs must target scalar fields, and '{}' holds a {}",
                        spec.path,
                        if n.is_array() { "list" } else { "map" }
                    )));
                }
                set(n);
                Ok(())
            })
            .map_err(|e| e.in_file(&r.origin.file, None))?;
        }
        Ok(())
    })?;
    let mut seen = HashSet::default();
    for r in resources.iter() {
        let id = r.cur_id_ref();
        if !seen.insert((id.gvk, id.name, id.effective_namespace())) {
            return Err(Error::msg(format!(
                "namespace transformation produces an id conflict: two objects become {}",
                id.to_owned()
            ))
            .in_file(&r.origin.file, None));
        }
    }
    Ok(())
}
