//! KF404: a GPU NodePool whose nodes no NVIDIA device plugin DaemonSet in the output will
//! run on (it does not tolerate the pool's taints, or its nodeSelector excludes the pool's
//! labels), so the nodes never advertise `nvidia.com/gpu` and GPU pods stay Pending.
//! Applies when the output has Karpenter NodePools and at least one device plugin
//! DaemonSet (a cluster whose plugin is installed elsewhere, e.g. by the GPU operator, has
//! none and is not checked).

use serde_json::Value;

use super::kf400_gpu_pod_unschedulable::tolerates;
use super::{Check, Rule};
use crate::resource::Resource;
use crate::validate::pods::pod_templates;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF404",
        name: "device-plugin-coverage",
        severity: Severity::Error,
        summary: "a GPU NodePool on which no NVIDIA device plugin DaemonSet runs",
        doc: include_str!("../../../docs/rules/KF404.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// A NodePool offering GPUs: a GPU limit or the GPU taint.
fn gpu_pool(p: &Resource) -> bool {
    p.value.pointer("/spec/limits/nvidia.com~1gpu").is_some()
        || p.value
            .pointer("/spec/template/spec/taints")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|t| t.get("key").and_then(Value::as_str) == Some("nvidia.com/gpu"))
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let pods = pod_templates(cx);
    let plugins: Vec<_> = pods
        .iter()
        .filter(|pt| cx.objects[pt.object].resource.kind() == "DaemonSet")
        .filter(|pt| {
            pt.containers()
                .any(|c| c.image().is_some_and(|i| i.contains("k8s-device-plugin")))
        })
        .collect();
    if plugins.is_empty() {
        return;
    }
    for (i, o) in cx.objects.iter().enumerate() {
        let pool = o.resource;
        if pool.kind() != "NodePool" || pool.gvk().group != "karpenter.sh" || !gpu_pool(pool) {
            continue;
        }
        let labels = pool
            .value
            .pointer("/spec/template/metadata/labels")
            .and_then(Value::as_object);
        let taints: Vec<&Value> = pool
            .value
            .pointer("/spec/template/spec/taints")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        let covered = plugins.iter().any(|pt| {
            let selected = pt
                .spec
                .get("nodeSelector")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v));
            selected
                && taints
                    .iter()
                    .all(|t| tolerates(pt.spec.get("tolerations"), t))
        });
        if !covered {
            out.push(cx.finding(RULE.meta, i)
                .at("/metadata/name")
                .message(format!(
                    "no NVIDIA device plugin DaemonSet runs on the nodes of NodePool {}: none both selects its labels and tolerates its taints",
                    pool.name()
                ))
                .help("add the pool to the device plugin chart's values (charts/nvidia-device-plugin) or widen the DaemonSet's nodeSelector and tolerations".into())
                .build());
        }
    }
}
