//! KF410: GPU pods and the node's disk. Model weights are downloaded into the pod's scratch
//! space (an `emptyDir`, KServe's storage initializer, a Hugging Face cache) on the node's
//! root disk; without a `sizeLimit` on that emptyDir and an `ephemeral-storage` request,
//! the scheduler does not count the space, the node runs short (`The node was low on
//! resource: ephemeral-storage`) and the kubelet evicts pods, the most expensive first in
//! practice because they write the most.

use kforge_value::Value;

use crate::validate::pods::wants_gpu;
use super::{Check, Rule};
use crate::validate::pods::pod_templates;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF410",
        name: "model-storage",
        severity: Severity::Warning,
        summary: "a GPU pod with a disk emptyDir without sizeLimit, or a container without an ephemeral-storage request",
        doc: include_str!("../../../docs/rules/KF410.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for pt in pod_templates(cx) {
        if !wants_gpu(pt) {
            continue;
        }
        for (i, v) in pt
            .spec
            .get("volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(dir) = v.get("emptyDir").and_then(Value::as_object) else {
                continue;
            };
            if dir.get("medium").and_then(Value::as_str) == Some("Memory") || dir.contains_key("sizeLimit") {
                continue;
            }
            let name = v.get("name").and_then(Value::as_str).unwrap_or("");
            out.push(
                cx.finding(RULE.meta, pt.object)
                    .at(&format!("{}/volumes/{i}/emptyDir", pt.spec_ptr))
                    .message(format!(
                        "emptyDir '{name}' of a GPU pod has no sizeLimit: downloaded models fill the node's disk unchecked"
                    ))
                    .help("set emptyDir.sizeLimit (e.g. sizeLimit: 50Gi) and request as much ephemeral-storage".into())
                    .build(),
            );
        }
        for c in pt.containers().filter(|c| c.long_running() && c.complete()) {
            let requested = c
                .spec
                .get("resources")
                .and_then(|r| r.get("requests").or_else(|| r.get("limits")))
                .and_then(|m| m.get("ephemeral-storage"))
                .is_some();
            let gpu = c.resource("limits", "nvidia.com/gpu").is_some();
            if requested || !gpu {
                continue;
            }
            out.push(
                cx.finding(RULE.meta, pt.object)
                    .at(&c.pointer_to("resources"))
                    .message(format!(
                        "container '{}' of {} uses GPUs but requests no ephemeral-storage: the scheduler ignores the disk its model needs, and the kubelet evicts it first under disk pressure",
                        c.name(),
                        c.owner(cx)
                    ))
                    .help("add resources.requests.ephemeral-storage (the model's size plus its cache, e.g. 60Gi)".into())
                    .build(),
            );
        }
    }
}
