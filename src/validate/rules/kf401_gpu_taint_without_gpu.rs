//! KF401: a pod that asks for no GPU tolerates the GPU taint, so it can take GPU capacity
//! (and keep expensive nodes alive). DaemonSets are exempt: the device plugin must run there.

use kforge_value::Value;

use crate::validate::pods::{tolerates, wants_gpu};
use super::{Check, Rule};
use crate::validate::pods::pod_templates;
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF401",
        name: "gpu-taint-without-gpu",
        severity: Severity::Warning,
        summary: "a pod without GPUs tolerates the GPU taint",
        doc: include_str!("../../../docs/rules/KF401.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let taint = kforge_value::json!({"key": "nvidia.com/gpu", "effect": "NoSchedule"});
    for pt in pod_templates(cx) {
        let r = cx.objects[pt.object].resource;
        if r.kind() == "DaemonSet" || wants_gpu(pt) {
            continue;
        }
        if pt.spec.get("tolerations").is_some() && tolerates(pt.spec.get("tolerations"), &taint) {
            let explicit = pt
                .spec
                .get("tolerations")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|t| t.get("key").and_then(Value::as_str) == Some("nvidia.com/gpu"));
            let what = if explicit {
                "the nvidia.com/gpu taint"
            } else {
                "every taint (operator Exists without a key)"
            };
            out.push(
                cx.finding(RULE.meta, pt.object)
                    .at(&format!("{}/tolerations", pt.spec_ptr))
                    .anchor(Anchor::Key)
                    .message(format!(
                        "{} {} asks for no GPU but tolerates {what}",
                        r.kind(),
                        r.name()
                    ))
                    .help(
                        "remove the toleration so that only GPU workloads land on GPU nodes".into(),
                    )
                    .build(),
            );
        }
    }
}
