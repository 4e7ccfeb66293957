//! KF300: a Service whose selector matches no pod template in its namespace; it has no
//! endpoints, and every request to it fails.

use super::{Check, Rule};
use crate::validate::pods::services;
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF300",
        name: "service-selects-nothing",
        severity: Severity::Warning,
        summary: "a Service whose selector matches no pod in the output",
        doc: include_str!("../../../docs/rules/KF300.md"),
        scope: Scope::Environment,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for s in services(cx).into_iter().filter(|s| s.selected.is_empty()) {
        // Pods an operator makes from a custom resource, or a neighbouring kustomization's.
        let sel = s.service.value.pointer("/spec/selector").and_then(|v| v.as_object());
        if sel.is_some_and(|sel| cx.pods_outside(&s.namespace, sel).is_some()) {
            continue;
        }
        out.push(cx.finding(RULE.meta, s.object)
            .at("/spec/selector")
            .anchor(Anchor::Key)
            .message(format!("Service {} selects no pod template in namespace {}", s.service.name(), s.namespace))
            .help("check the selector against the workload's template labels (or add the workload)".into())
            .build());
    }
}
