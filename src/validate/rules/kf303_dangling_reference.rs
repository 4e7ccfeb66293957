//! KF303: references to objects that decide scheduling or scaling: an HPA or PDB target that
//! is not in the output, and a priorityClassName or runtimeClassName that is neither in the
//! output nor built in.

use serde_json::Value;

use super::{Check, Rule};
use crate::validate::pods::{pod_templates, selects_nothing};
use crate::validate::{Context, Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF303",
        name: "dangling-reference",
        severity: Severity::Error,
        summary: "an HPA/PDB target, PriorityClass or RuntimeClass that does not exist",
        doc: include_str!("../../../docs/rules/KF303.md"),
        scope: Scope::Environment,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let r = o.resource;
        match r.kind() {
            "HorizontalPodAutoscaler" => {
                let kind = r
                    .value
                    .pointer("/spec/scaleTargetRef/kind")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let name = r
                    .value
                    .pointer("/spec/scaleTargetRef/name")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if cx.exists(kind, cx.namespace(i), name).is_none() {
                    out.push(cx.finding(RULE.meta, i)
                        .at("/spec/scaleTargetRef/name")
                        .message(format!("HPA {} scales {kind} {name}, which is not in the output", r.name()))
                        .help("fix scaleTargetRef (a namePrefix applies to the target's name too)".into())
                        .build());
                }
            }
            "PodDisruptionBudget" => {
                let Some(sel) = r.value.pointer("/spec/selector").and_then(Value::as_object) else {
                    continue;
                };
                out.extend(selects_nothing(
                    cx,
                    RULE.meta,
                    i,
                    "/spec/selector",
                    sel,
                    "align the selector with the workload's template labels",
                ));
            }
            _ => {}
        }
    }
    for pt in pod_templates(cx) {
        for (field, kind) in [
            ("priorityClassName", "PriorityClass"),
            ("runtimeClassName", "RuntimeClass"),
        ] {
            // An empty name is no class (the API server accepts it).
            let Some(name) = pt
                .spec
                .get(field)
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
            else {
                continue;
            };
            if cx.exists(kind, Some(&pt.namespace), name).is_some() {
                continue;
            }
            out.push(
                cx.finding(RULE.meta, pt.object)
                    .at(&format!("{}/{field}", pt.spec_ptr))
                    .message(format!(
                        "{field} {name} is not in the output and not built in"
                    ))
                    .help(format!(
                        "add the {kind} to the environment or use one the cluster provides"
                    ))
                    .build(),
            );
        }
    }
}
