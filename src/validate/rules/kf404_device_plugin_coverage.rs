//! KF404: a GPU NodePool whose nodes no NVIDIA device plugin DaemonSet in the output will
//! run on (it does not tolerate the pool's taints, or its nodeSelector excludes the pool's
//! labels), so the nodes never advertise `nvidia.com/gpu` and GPU pods stay Pending.
//! Applies when the output has Karpenter NodePools and at least one device plugin
//! DaemonSet (a cluster whose plugin is installed elsewhere, e.g. by the GPU operator, has
//! none and is not checked).

use super::{Check, Rule};
use crate::validate::edges::{self, Relation, Target};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF404",
        name: "device-plugin-coverage",
        severity: Severity::Error,
        summary: "a GPU NodePool on which no NVIDIA device plugin DaemonSet runs",
        doc: include_str!("../../../docs/rules/KF404.md"),
        references: true,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    // A GPU pool that no plugin covers has an edge to a missing plugin.
    for e in edges::of(cx, Relation::DevicePlugin) {
        if !matches!(e.target, Target::Missing(_)) {
            continue;
        }
        let pool = cx.objects[e.from].resource;
        out.push(cx.finding(RULE.meta, e.from)
            .at(&e.pointer)
            .message(format!(
                "no NVIDIA device plugin DaemonSet runs on the nodes of NodePool {}: none both selects its labels and tolerates its taints",
                pool.name()
            ))
            .help("add the pool to the device plugin chart's values (charts/nvidia-device-plugin) or widen the DaemonSet's nodeSelector and tolerations".into())
            .build());
    }
}
