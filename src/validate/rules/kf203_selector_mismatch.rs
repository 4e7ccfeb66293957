//! KF203: a controller's `spec.selector` does not select its own pod template's labels; the
//! API server rejects it (`selector does not match template labels`).

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::pods::{pod_templates, selector_matches};
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF203",
        name: "selector-mismatch",
        severity: Severity::Error,
        summary: "a workload's selector does not match its pod template labels",
        doc: include_str!("../../../docs/rules/KF203.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for pt in pod_templates(cx) {
        let r = cx.objects[pt.object].resource;
        if !matches!(
            r.kind(),
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet"
        ) {
            continue;
        }
        let Some(sel) = r.value.pointer("/spec/selector").and_then(Value::as_object) else {
            continue;
        };
        if !selector_matches(sel, pt.labels.as_deref()) {
            out.push(cx.finding(RULE.meta, pt.object)
                .at("/spec/selector")
                .anchor(Anchor::Key)
                .message(format!("{} {} selects labels its pod template does not have", r.kind(), r.name()))
                .help("make spec.template.metadata.labels include every spec.selector.matchLabels entry".into())
                .build());
        }
    }
}
