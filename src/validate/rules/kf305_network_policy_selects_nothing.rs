//! KF305: a NetworkPolicy whose non-empty podSelector matches no pod template in its
//! namespace: it protects (or opens) nothing, usually because of a label typo.

use serde_json::Value;

use super::Rule;
use crate::validate::pods::selected_pods;
use crate::validate::sourcemap::Anchor;
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
    check,
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
        let ns = r.cur_id().effective_namespace().to_owned();
        if !selected_pods(cx, &ns, sel).is_empty() {
            continue;
        }
        out.push(
            cx.finding(RULE.meta, i)
                .at("/spec/podSelector")
                .anchor(Anchor::Key)
                .message(format!(
                    "NetworkPolicy {} selects no pod template in namespace {ns}",
                    r.name()
                ))
                .help("check podSelector against the workload's template labels".into())
                .build(),
        );
    }
}
