//! KF307: an object in a namespace that the output does not create and Kubernetes does not
//! provide, so applying it fails with "namespace not found" (unless something else creates
//! the namespace first; then say so in kforge.yaml by turning the rule off).

use crate::hash::HashMap;

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::{Context, Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF307",
        name: "namespace-missing",
        severity: Severity::Warning,
        summary: "an object in a namespace neither in the output nor built in",
        doc: include_str!("../../../docs/rules/KF307.md"),
        scope: Scope::Environment,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    // Objects share a few namespaces: each is looked up once.
    let mut known: HashMap<&str, bool> = HashMap::default();
    for (i, o) in cx.objects.iter().enumerate() {
        let Some(ns) = o.resource.value.pointer("/metadata/namespace")
            .and_then(Value::as_str)
        else {
            continue;
        };
        // In the output, built in (src/tables/platform.yaml), made by a controller (a
        // Kubeflow Profile) or in a neighbouring kustomization.
        let exists = *known
            .entry(ns)
            .or_insert_with(|| cx.exists("Namespace", None, ns).is_some());
        if ns.is_empty() || exists {
            continue;
        }
        out.push(cx.finding(RULE.meta, i)
            .at("/metadata/namespace")
            .message(format!("namespace {ns} is not created by this output and is not built into Kubernetes"))
            .help(format!("add a Namespace named {ns} (e.g. base/namespace), fix the name, or turn KF307 off in kforge.yaml when another tool creates it"))
            .build());
    }
}
