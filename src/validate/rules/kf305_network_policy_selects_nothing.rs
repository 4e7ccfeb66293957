//! KF305: a NetworkPolicy whose non-empty podSelector matches no pod template in its
//! namespace: it protects (or opens) nothing, usually because of a label typo.

use super::{selects_nothing, Check, Rule};
use crate::validate::edges::Relation;
use crate::validate::{Context, Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF305",
        name: "network-policy-selects-nothing",
        severity: Severity::Warning,
        summary: "a NetworkPolicy whose podSelector matches no pod in the output",
        doc: include_str!("../../../docs/rules/KF305.md"),
        scope: Scope::Environment,
        references: true,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    // A `{}` podSelector selects every pod of the namespace and has no edge.
    selects_nothing(
        cx,
        out,
        RULE.meta,
        Relation::NetworkPolicy,
        "check podSelector against the workload's template labels",
    );
}
