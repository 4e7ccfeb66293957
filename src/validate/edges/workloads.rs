//! What a pod uses by name (ConfigMaps, Secrets, claims, its ServiceAccount: kustomize's
//! name-reference table applied to every pod template) and its priority and runtime classes.

use crate::hash::HashSet;
use std::sync::OnceLock;

use kforge_value::Value;

use super::{edge, resolve, Edge, Relation};
use crate::resource::Resource;
use crate::transform::config::TransformerConfig;
use crate::transform::fieldspec::FieldSpec;
use crate::validate::pods::pod_templates;
use crate::validate::Context;

/// The referred kinds that pods' references must find (KF301). kustomize's table also
/// names Services, Roles, StorageClasses, PriorityClasses, IngressClasses and scale
/// targets: other edges cover the first ones, and the cluster provides the others.
const USED_KINDS: &[&str] = &[
    "ConfigMap",
    "Secret",
    "PersistentVolumeClaim",
    "ServiceAccount",
];

/// Referring kinds of the table whose names need not be in the output, by design:
/// - Role, ClusterRole (`rules/resourceNames`): a permission on names, not a dependency;
/// - RoleBinding, ClusterRoleBinding (`subjects`): subjects may live in other namespaces;
/// - Ingress (`spec/tls/secretName`, auth annotations): TLS secrets are usually made by
///   cert-manager from the Ingress, and the annotations may name `namespace/name`;
/// - StorageClass, PersistentVolume: their secrets live in a namespace they name
///   (`kube-system` by convention), outside an application's output;
/// - Node: not part of an application's output.
const NOT_HELD: &[&str] = &[
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "Ingress",
    "StorageClass",
    "PersistentVolume",
    "Node",
];

/// Where a referring field is read from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Under {
    /// A pod spec.
    Pod,
    /// A single container a pod-template row names beside the spec's lists (KServe's
    /// `model`): the table's container fields apply to it too.
    Container,
    /// Objects of the spec's kind.
    Object,
}

/// One referring field of kustomize's name-reference table.
struct UsedField {
    /// The referred kind.
    target: &'static str,
    /// Where the name is, relative to what `under` says.
    spec: FieldSpec,
    under: Under,
}

/// The table's referring fields for [`USED_KINDS`] (`transform/tables/default_config.yaml`,
/// the one `TransformerConfig::builtin()` reads for the name-reference fix), read once:
/// its `Pod` rows apply relative to every pod template (built-in kinds and `kforge.yaml`'s),
/// its rows for other kinds (a ServiceAccount's `imagePullSecrets`, a Knative Service's env)
/// to their objects.
fn used_fields() -> &'static [UsedField] {
    static REFS: OnceLock<Vec<UsedField>> = OnceLock::new();
    REFS.get_or_init(|| {
        let pod_kinds: HashSet<&str> = crate::tables::pod_templates::builtin()
            .iter()
            .map(|l| l.kind.as_str())
            .collect();
        let mut out = Vec::new();
        for backref in &TransformerConfig::builtin().name_reference {
            let Some(&target) = USED_KINDS.iter().find(|t| **t == backref.target.kind) else {
                continue;
            };
            for spec in &backref.referrers {
                let kind = spec.gvk.kind.as_str();
                if kind == "Pod" {
                    // The same fields under every pod template (the table's rows for
                    // Deployment, Job, ... repeat them under their template paths).
                    let Some(rel) = spec.path.strip_prefix("spec/") else {
                        continue;
                    };
                    out.push(UsedField {
                        target,
                        spec: FieldSpec::new("", "", "", rel, false),
                        under: Under::Pod,
                    });
                    if let Some(rel) = rel.strip_prefix("containers/") {
                        out.push(UsedField {
                            target,
                            spec: FieldSpec::new("", "", "", rel, false),
                            under: Under::Container,
                        });
                    }
                } else if !pod_kinds.contains(kind) && !NOT_HELD.contains(&kind) {
                    out.push(UsedField {
                        target,
                        spec: spec.clone(),
                        under: Under::Object,
                    });
                }
            }
        }
        out
    })
}

/// Pods' (and other objects') references to ConfigMaps, Secrets, PVCs and ServiceAccounts.
pub(super) fn pod_references(cx: &Context, out: &mut Vec<Edge>) {
    let push = |out: &mut Vec<Edge>, i: usize, ns: &str, kind: &str, ptr: String, pod| {
        let value = &cx.objects[i].resource.value;
        let Some(name) = value.pointer(&ptr).and_then(Value::as_str) else {
            return;
        };
        // `optional: true` beside the name (a volume's configMap/secret, a key or envFrom ref).
        let parent = &ptr[..ptr.rfind('/').unwrap_or(0)];
        let optional = value
            .pointer(parent)
            .and_then(|p| p.get("optional"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let mut e = edge(i, ptr, Relation::Uses, resolve(cx, kind, Some(ns), name));
        e.optional = optional;
        e.pod = pod;
        out.push(e);
    };
    for (p, pt) in pod_templates(cx).iter().enumerate() {
        let r = cx.objects[pt.object].resource;
        let Some(spec) = r.value.pointer(&pt.spec_ptr) else {
            continue;
        };
        for rf in used_fields().iter().filter(|rf| rf.under == Under::Pod) {
            for (rel, _) in rf.spec.read(spec) {
                let ptr = format!("{}{rel}", pt.spec_ptr);
                push(out, pt.object, &pt.namespace, rf.target, ptr, Some(p));
            }
        }
        for c in pt.single_containers() {
            let Some(container) = r.value.pointer(&c.ptr) else {
                continue;
            };
            for rf in used_fields()
                .iter()
                .filter(|rf| rf.under == Under::Container)
            {
                for (rel, _) in rf.spec.read(container) {
                    let ptr = format!("{}{rel}", c.ptr);
                    push(out, pt.object, &pt.namespace, rf.target, ptr, Some(p));
                }
            }
        }
    }
    for (i, o) in cx.objects.iter().enumerate() {
        let r: &Resource = o.resource;
        let gvk = r.gvk_ref();
        for rf in used_fields()
            .iter()
            .filter(|rf| rf.under == Under::Object && rf.spec.applies_to_ref(&gvk))
        {
            for (ptr, _) in rf.spec.read(&r.value) {
                let ns = cx.namespace(i).unwrap_or_default();
                push(out, i, ns, rf.target, ptr, None);
            }
        }
    }
}

/// Pods' PriorityClasses and RuntimeClasses (an empty name is no class).
pub(super) fn classes(cx: &Context, out: &mut Vec<Edge>) {
    for (p, pt) in pod_templates(cx).iter().enumerate() {
        for (field, kind) in [
            ("priorityClassName", "PriorityClass"),
            ("runtimeClassName", "RuntimeClass"),
        ] {
            let Some(name) = pt
                .spec
                .get(field)
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
            else {
                continue;
            };
            let target = resolve(cx, kind, Some(&pt.namespace), name);
            let mut e = edge(
                pt.object,
                format!("{}/{field}", pt.spec_ptr),
                Relation::Class,
                target,
            );
            e.pod = Some(p);
            out.push(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applying the `Pod` rows to every pod template loses nothing: each row the table has
    /// for a pod-template kind is a `Pod` row under that kind's template path.
    #[test]
    fn pod_rows_cover_the_workload_rows() {
        let pod: HashSet<(&str, &str)> = used_fields()
            .iter()
            .filter(|r| r.under == Under::Pod)
            .map(|r| (r.target, r.spec.path.as_str()))
            .collect();
        assert!(pod.contains(&("Secret", "volumes/projected/sources/secret/name")));
        let pod_kinds: Vec<&str> = crate::tables::pod_templates::builtin()
            .iter()
            .map(|l| l.kind.as_str())
            .collect();
        let mut n = 0;
        for backref in &TransformerConfig::builtin().name_reference {
            let Some(&target) = USED_KINDS.iter().find(|t| **t == backref.target.kind) else {
                continue;
            };
            for spec in &backref.referrers {
                if spec.gvk.kind == "Pod" || !pod_kinds.contains(&spec.gvk.kind.as_str()) {
                    continue;
                }
                let rel = [
                    "spec/jobTemplate/spec/template/spec/",
                    "spec/template/spec/",
                    "template/spec/",
                ]
                .iter()
                .find_map(|p| spec.path.strip_prefix(p))
                .unwrap_or_else(|| panic!("{} {}", spec.gvk.kind, spec.path));
                assert!(
                    pod.contains(&(target, rel)),
                    "{} {}",
                    spec.gvk.kind,
                    spec.path
                );
                n += 1;
            }
        }
        assert!(n > 100, "{n}");
    }
}
