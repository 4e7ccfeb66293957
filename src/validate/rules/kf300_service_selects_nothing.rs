//! KF300: a Service whose selector matches no pod template in its namespace; it has no
//! endpoints, and every request to it fails.

use super::{selects_nothing, Check, Rule};
use crate::validate::edges::Relation;
use crate::validate::{Context, Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF300",
        name: "service-selects-nothing",
        severity: Severity::Warning,
        summary: "a Service whose selector matches no pod in the output",
        doc: include_str!("../../../docs/rules/KF300.md"),
        scope: Scope::Environment,
        references: true,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    // A selection that finds pods nowhere (an operator's pods, or a neighbouring
    // kustomization's, are found outside the output).
    selects_nothing(
        cx,
        out,
        RULE.meta,
        Relation::Selects,
        "check the selector against the workload's template labels (or add the workload)",
    );
}
