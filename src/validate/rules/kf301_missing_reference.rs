//! KF301: a pod refers to a ConfigMap, Secret, PersistentVolumeClaim or ServiceAccount that
//! exists nowhere: not in the output, not made by the platform or a controller
//! (`src/tables/platform.yaml`: the `default` ServiceAccount, `kube-root-ca.crt`, the
//! Secrets of ExternalSecrets and Certificates, ...), not in a neighbouring kustomization.
//! The pod would never start.
//!
//! The references are [`edges`]' `Uses` edges: the referring fields of kustomize's
//! name-reference table (`transform/tables/default_config.yaml`), walked read-only on every
//! pod template (built-in kinds and `kforge.yaml`'s) and on the table's other referring
//! kinds (a ServiceAccount's `imagePullSecrets`, a Knative Service's env).

use super::{Check, Rule};
use crate::validate::edges::{self, Relation, Target};
use crate::validate::{Context, Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF301",
        name: "missing-reference",
        severity: Severity::Error,
        summary: "a pod (or its ServiceAccount) refers to a ConfigMap, Secret, PVC or ServiceAccount not in the output",
        doc: include_str!("../../../docs/rules/KF301.md"),
        scope: Scope::Environment,
        references: true,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for e in edges::of(cx, Relation::Uses) {
        // In the output, made by the platform or a controller (the `default` ServiceAccount,
        // an ExternalSecret's or a Certificate's Secret), or in a neighbouring kustomization.
        let Target::Missing(what) = &e.target else {
            continue;
        };
        if e.optional {
            continue;
        }
        let (kind, name) = (&what.kind, &what.name);
        let namespace = what.namespace.as_deref().unwrap_or_default();
        // A namespace that this output does not create (nor Kubernetes) is managed
        // elsewhere (a platform team, another kustomization, an operator), which may put
        // the object there: a warning.
        let managed_here = cx.exists_here("Namespace", None, namespace);
        let mut finding = cx
            .finding(RULE.meta, e.from)
            .at(&e.pointer)
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
