//! KF305: a NetworkPolicy whose non-empty podSelector matches no pod template in its
//! namespace: it protects (or opens) nothing, usually because of a label typo.

use serde_json::Value;

use super::{Check, Rule};
use crate::validate::pods::selects_nothing;
use crate::validate::{Context, Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF305",
        name: "network-policy-selects-nothing",
        severity: Severity::Warning,
        summary: "a NetworkPolicy whose podSelector matches no pod in the output",
        doc: include_str!("../../../docs/rules/KF305.md"),
        scope: Scope::Environment,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let r = o.resource;
        if r.kind() != "NetworkPolicy" {
            continue;
        }
        let Some(sel) = r
            .value
            .pointer("/spec/podSelector")
            .and_then(Value::as_object)
        else {
            continue;
        };
        if sel.is_empty()
            || sel
                .values()
                .all(|v| v.as_object().is_some_and(|m| m.is_empty()))
        {
            continue; // {} selects every pod of the namespace
        }
        out.extend(selects_nothing(
            cx,
            RULE.meta,
            i,
            "/spec/podSelector",
            sel,
            "check podSelector against the workload's template labels",
        ));
    }
}
