//! KF400: a pod that asks for GPUs cannot be placed on the GPU pool it selects: it does not
//! tolerate one of the pool's taints, or no node pool in the output carries the labels it
//! selects (Karpenter `NodePool`s in the output are the pools).

use serde_json::Value;

use super::{Check, Rule};
use crate::validate::pods::{pod_templates, PodTemplate};
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF400",
        name: "gpu-pod-unschedulable",
        severity: Severity::Error,
        summary: "a GPU pod selects no GPU pool, or does not tolerate its pool's taints",
        doc: include_str!("../../../docs/rules/KF400.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// Whether a container of the pod asks for GPUs (`nvidia.com/gpu` above zero).
pub(crate) fn wants_gpu(pt: &PodTemplate) -> bool {
    let zero = |v: &Value| match v {
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.trim().parse::<f64>() == Ok(0.0),
        _ => false,
    };
    pt.containers().any(|c| {
        let res = c.spec.get("resources");
        ["limits", "requests"].iter().any(|k| {
            res.and_then(|r| r.get(*k))
                .and_then(|m| m.get("nvidia.com/gpu"))
                .is_some_and(|v| !zero(v))
        })
    })
}

pub(crate) fn tolerates(tolerations: Option<&Value>, taint: &Value) -> bool {
    let key = taint.get("key").and_then(Value::as_str).unwrap_or("");
    let value = taint.get("value").and_then(Value::as_str).unwrap_or("");
    let effect = taint.get("effect").and_then(Value::as_str).unwrap_or("");
    tolerations
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|t| {
            let tk = t.get("key").and_then(Value::as_str).unwrap_or("");
            let op = t.get("operator").and_then(Value::as_str).unwrap_or("Equal");
            let te = t.get("effect").and_then(Value::as_str).unwrap_or("");
            let key_ok = tk.is_empty() && op == "Exists" || tk == key;
            let value_ok =
                op == "Exists" || t.get("value").and_then(Value::as_str).unwrap_or("") == value;
            let effect_ok = te.is_empty() || te == effect;
            key_ok && value_ok && effect_ok
        })
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let pools: Vec<&crate::resource::Resource> = cx
        .objects
        .iter()
        .map(|o| o.resource)
        .filter(|r| r.kind() == "NodePool" && r.gvk().group == "karpenter.sh")
        .collect();
    if pools.is_empty() {
        return;
    }
    for pt in pod_templates(cx) {
        if !wants_gpu(pt) {
            continue;
        }
        let Some(selector) = pt.spec.get("nodeSelector").and_then(Value::as_object) else {
            continue;
        };
        let matching: Vec<_> = pools
            .iter()
            .filter(|p| {
                let labels = p
                    .value
                    .pointer("/spec/template/metadata/labels")
                    .and_then(Value::as_object);
                selector.iter().all(|(k, v)| {
                    labels.and_then(|l| l.get(k)) == Some(v) || k.starts_with("karpenter.")
                })
            })
            .collect();
        if matching.is_empty() {
            out.push(cx.finding(RULE.meta, pt.object)
                .at(&format!("{}/nodeSelector", pt.spec_ptr))
                .anchor(Anchor::Key)
                .message("nodeSelector matches the labels of no NodePool in the output; Karpenter will never provision a node".into())
                .help("select a label that a NodePool sets in spec.template.metadata.labels".into())
                .build());
            continue;
        }
        for pool in matching {
            for taint in pool
                .value
                .pointer("/spec/template/spec/taints")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if tolerates(pt.spec.get("tolerations"), taint) {
                    continue;
                }
                let key = taint.get("key").and_then(Value::as_str).unwrap_or("");
                out.push(
                    cx.finding(RULE.meta, pt.object)
                        .at(&format!("{}/nodeSelector", pt.spec_ptr))
                        .anchor(Anchor::Key)
                        .message(format!(
                            "selects NodePool {} but does not tolerate its taint {key}",
                            pool.name()
                        ))
                        .help(format!(
                            "add a toleration: {{key: {key}, operator: Exists, effect: {}}}",
                            taint
                                .get("effect")
                                .and_then(Value::as_str)
                                .unwrap_or("NoSchedule")
                        ))
                        .build(),
                );
            }
        }
    }
}
