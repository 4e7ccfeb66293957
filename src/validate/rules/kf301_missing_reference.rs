//! KF301: a pod refers to a ConfigMap, Secret, PersistentVolumeClaim or ServiceAccount that
//! exists nowhere: not in the output, not made by the platform or a controller
//! (`src/tables/platform.yaml`: the `default` ServiceAccount, `kube-root-ca.crt`, the
//! Secrets of ExternalSecrets and Certificates, ...), not in a neighbouring kustomization.
//! The pod would never start.
//!
//! The referring fields are kustomize's name-reference table (`transform/tables/
//! default_config.yaml`, the one `TransformerConfig::builtin()` reads for the name-reference
//! fix), walked read-only: its `Pod` rows, relative to the pod spec, on every pod template
//! (built-in kinds and `kforge.yaml`'s), and its rows for other kinds (a ServiceAccount's
//! `imagePullSecrets`, a Knative Service's env) on their objects.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde_json::Value;

use super::{Check, Rule};
use crate::resource::Gvk;
use crate::transform::config::TransformerConfig;
use crate::transform::fieldspec::FieldSpec;
use crate::validate::pods::pod_templates;
use crate::validate::{Context, Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF301",
        name: "missing-reference",
        severity: Severity::Error,
        summary: "a pod (or its ServiceAccount) refers to a ConfigMap, Secret, PVC or ServiceAccount not in the output",
        doc: include_str!("../../../docs/rules/KF301.md"),
        scope: Scope::Environment,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// The referred kinds KF301 holds to the output. The table also names Services, Roles,
/// StorageClasses, PriorityClasses, IngressClasses and scale targets: other rules check the
/// first ones (KF302, KF303, KF306) and the cluster provides the others.
const TARGETS: &[&str] = &[
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

/// One referring field of the table.
struct Reference {
    /// The referred kind.
    target: &'static str,
    /// Where the name is: relative to a pod spec (`in_pod`), or in objects of `spec.gvk`.
    spec: FieldSpec,
    in_pod: bool,
}

/// The table's referring fields for [`TARGETS`], read once.
fn references() -> &'static [Reference] {
    static REFS: OnceLock<Vec<Reference>> = OnceLock::new();
    REFS.get_or_init(|| {
        let pod_kinds: HashSet<&str> = crate::tables::pod_templates::builtin()
            .iter()
            .map(|l| l.kind.as_str())
            .collect();
        let mut out = Vec::new();
        for backref in &TransformerConfig::builtin().name_reference {
            let Some(&target) = TARGETS.iter().find(|t| **t == backref.target.kind) else {
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
                    out.push(Reference {
                        target,
                        spec: FieldSpec::new("", "", "", rel, false),
                        in_pod: true,
                    });
                } else if !pod_kinds.contains(kind) && !NOT_HELD.contains(&kind) {
                    out.push(Reference {
                        target,
                        spec: spec.clone(),
                        in_pod: false,
                    });
                }
            }
        }
        out
    })
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    // (object, namespace, referred kind, pointer of the name)
    let mut refs: Vec<(usize, String, &str, String)> = Vec::new();
    for pt in pod_templates(cx) {
        let r = cx.objects[pt.object].resource;
        let Some(spec) = r.value.pointer(&pt.spec_ptr) else {
            continue;
        };
        for rf in references().iter().filter(|rf| rf.in_pod) {
            for (rel, _) in rf.spec.read(spec) {
                let ptr = format!("{}{rel}", pt.spec_ptr);
                refs.push((pt.object, pt.namespace.clone(), rf.target, ptr));
            }
        }
    }
    for (i, o) in cx.objects.iter().enumerate() {
        let r = o.resource;
        let gvk: Gvk = r.gvk();
        for rf in references()
            .iter()
            .filter(|rf| !rf.in_pod && rf.spec.applies_to(&gvk))
        {
            for (ptr, _) in rf.spec.read(&r.value) {
                let ns = cx.namespace(i).unwrap_or_default().to_owned();
                refs.push((i, ns, rf.target, ptr));
            }
        }
    }
    for (object, namespace, kind, ptr) in refs {
        let value = &cx.objects[object].resource.value;
        let Some(name) = value.pointer(&ptr).and_then(Value::as_str) else {
            continue;
        };
        // `optional: true` beside the name (a volume's configMap/secret, a key or envFrom ref).
        let parent = &ptr[..ptr.rfind('/').unwrap_or(0)];
        let optional = value
            .pointer(parent)
            .and_then(|p| p.get("optional"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        // In the output, made by the platform or a controller (the `default` ServiceAccount,
        // an ExternalSecret's or a Certificate's Secret), or in a neighbouring kustomization.
        if optional || cx.exists(kind, Some(&namespace), name).is_some() {
            continue;
        }
        // A namespace that this output does not create (nor Kubernetes) is managed
        // elsewhere (a platform team, another kustomization, an operator), which may put
        // the object there: a warning.
        let managed_here = cx.exists_here("Namespace", None, &namespace);
        let mut finding = cx
            .finding(RULE.meta, object)
            .at(&ptr)
            .help(format!("add the {kind} (for Secrets, an ExternalSecret whose target is {name}), fix the name, or mark the reference optional"));
        finding = if managed_here {
            finding.message(format!("{kind} {name} is not in the output (namespace {namespace})"))
        } else {
            finding
                .message(format!("{kind} {name} is not in the output, and namespace {namespace} is not created by it either: whatever manages the namespace may provide it"))
                .at_most(Severity::Warning)
        };
        out.push(finding.build());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applying the `Pod` rows to every pod template loses nothing: each row the table has
    /// for a pod-template kind is a `Pod` row under that kind's template path.
    #[test]
    fn pod_rows_cover_the_workload_rows() {
        let pod: HashSet<(&str, &str)> = references()
            .iter()
            .filter(|r| r.in_pod)
            .map(|r| (r.target, r.spec.path.as_str()))
            .collect();
        assert!(pod.contains(&("Secret", "volumes/projected/sources/secret/name")));
        let pod_kinds: Vec<&str> = crate::tables::pod_templates::builtin()
            .iter()
            .map(|l| l.kind.as_str())
            .collect();
        let mut n = 0;
        for backref in &TransformerConfig::builtin().name_reference {
            let Some(&target) = TARGETS.iter().find(|t| **t == backref.target.kind) else {
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
