//! KF405: a pod asks for GPUs but neither tolerates a GPU taint nor selects GPU nodes (by
//! nodeSelector or required node affinity), and the output has no node pool telling
//! otherwise. Most GPU node pools are tainted (`nvidia.com/gpu`, `sku=gpu`, ...) so that
//! other pods stay off the expensive nodes; such a pod stays Pending. With `gpuTaint:` in
//! `kforge.yaml` the rule checks the cluster's own taint instead of guessing (`none`: the
//! GPU nodes are untainted, or the ExtendedResourceToleration admission plugin adds the
//! toleration, as on GKE).

use kforge_value::Value;

use crate::validate::pods::{tolerates, wants_gpu};
use super::{Check, Rule};
use crate::validate::pods::pod_templates;
use crate::validate::{Context, Finding, GpuTaint, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF405",
        name: "gpu-pod-without-placement",
        severity: Severity::Warning,
        summary: "a GPU pod with no toleration for a GPU taint and no GPU node selection",
        doc: include_str!("../../../docs/rules/KF405.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// Whether a key (a taint's, a toleration's or a node label's) names a GPU or accelerator.
fn gpu_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["gpu", "accelerator", "nvidia", "neuron", "tpu"]
        .iter()
        .any(|w| k.contains(w))
}

/// Whether the pod tolerates some GPU-like taint (or every taint).
fn tolerates_a_gpu_taint(spec: &kforge_value::Map) -> bool {
    spec.get("tolerations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|t| {
            let key = t.get("key").and_then(Value::as_str).unwrap_or("");
            let op = t.get("operator").and_then(Value::as_str).unwrap_or("Equal");
            let value = t.get("value").and_then(Value::as_str).unwrap_or("");
            (key.is_empty() && op == "Exists") || gpu_key(key) || gpu_key(value)
        })
}

/// Whether the pod selects nodes at all: a nodeSelector, a required node affinity term, or
/// a nodeName.
fn selects_nodes(spec: &kforge_value::Map) -> bool {
    spec.get("nodeSelector")
        .and_then(Value::as_object)
        .is_some_and(|m| !m.is_empty())
        || spec
            .get("affinity")
            .and_then(|a| a.pointer("/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms"))
            .and_then(Value::as_array)
            .is_some_and(|t| !t.is_empty())
        || spec.get("nodeName").and_then(Value::as_str).is_some_and(|n| !n.is_empty())
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    // Node pools in the output are KF400's: it knows their labels and taints.
    let has_pools = cx
        .objects
        .iter()
        .any(|o| o.resource.kind() == "NodePool" && o.resource.gvk().group == "karpenter.sh");
    if has_pools || cx.gpu_taint == GpuTaint::Untainted {
        return;
    }
    for pt in pod_templates(cx) {
        if !wants_gpu(pt) {
            continue;
        }
        let (ok, message, help) = match &cx.gpu_taint {
            GpuTaint::Taint(taint) => {
                let key = taint.get("key").and_then(Value::as_str).unwrap_or("");
                let effect = taint.get("effect").and_then(Value::as_str).unwrap_or("NoSchedule");
                (
                    tolerates(pt.spec.get("tolerations"), taint),
                    format!("asks for GPUs but does not tolerate the GPU nodes' taint {key} (gpuTaint in kforge.yaml); it will stay Pending"),
                    format!("add a toleration: {{key: {key}, operator: Exists, effect: {effect}}}"),
                )
            }
            _ => (
                tolerates_a_gpu_taint(pt.spec) || selects_nodes(pt.spec),
                "asks for GPUs but neither tolerates a GPU taint nor selects GPU nodes; on a tainted GPU pool (the common setup) it stays Pending".to_owned(),
                "add the GPU nodes' toleration (e.g. {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}) and a nodeSelector for them, or state the cluster's taint with gpuTaint in kforge.yaml (`none` when GPU nodes are untainted)".to_owned(),
            ),
        };
        if ok {
            continue;
        }
        out.push(
            cx.finding(RULE.meta, pt.object)
                .at(&pt.spec_ptr)
                .message(message)
                .help(help)
                .build(),
        );
    }
}
