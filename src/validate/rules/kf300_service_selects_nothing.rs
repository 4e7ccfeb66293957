//! KF300: a Service whose selector matches no pod template in its namespace; it has no
//! endpoints, and every request to it fails.

use serde_json::Value;

use super::Rule;
use crate::validate::pods::{pod_templates, selector_matches};
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF300",
        name: "service-selects-nothing",
        severity: Severity::Warning,
        summary: "a Service whose selector matches no pod in the output",
        doc: include_str!("../../../docs/rules/KF300.md"),
    },
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let pods = pod_templates(cx);
    for (i, o) in cx.objects.iter().enumerate() {
        let r = o.resource;
        if r.kind() != "Service" {
            continue;
        }
        let Some(sel) = r.value.pointer("/spec/selector").and_then(Value::as_object) else {
            continue;
        };
        if sel.is_empty() {
            continue;
        }
        let ns = r.cur_id().effective_namespace().to_owned();
        if pods
            .iter()
            .any(|p| p.namespace == ns && selector_matches(sel, p.labels))
        {
            continue;
        }
        out.push(cx.finding(
            RULE.meta,
            i,
            "/spec/selector",
            Anchor::Key,
            format!("Service {} selects no pod template in namespace {ns}", r.name()),
            Some("check the selector against the workload's template labels (or add the workload)".into()),
        ));
    }
}
