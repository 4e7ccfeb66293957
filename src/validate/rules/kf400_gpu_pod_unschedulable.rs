//! KF400: a pod that asks for GPUs cannot be placed on the GPU pool it selects: it does not
//! tolerate one of the pool's taints, or no node pool in the output carries the labels it
//! selects (Karpenter `NodePool`s in the output are the pools).

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::edges::{self, pool_taints, Relation, Target};
use crate::validate::pods::{pod_templates, tolerates};
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF400",
        name: "gpu-pod-unschedulable",
        severity: Severity::Error,
        summary: "a GPU pod selects no GPU pool, or does not tolerate its pool's taints",
        doc: include_str!("../../../docs/rules/KF400.md"),
        references: true,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    // GPU pods with a nodeSelector, to the pools it selects (when the output has pools).
    let pods = pod_templates(cx);
    for e in edges::of(cx, Relation::Schedules) {
        let pool = match &e.target {
            Target::Object(p) => cx.objects[*p].resource,
            Target::Missing(_) => {
                out.push(cx.finding(RULE.meta, e.from)
                    .at(&e.pointer)
                    .anchor(Anchor::Key)
                    .message("nodeSelector matches the labels of no NodePool in the output; Karpenter will never provision a node".into())
                    .help("select a label that a NodePool sets in spec.template.metadata.labels".into())
                    .build());
                continue;
            }
            Target::Outside { .. } | Target::External(_) => continue,
        };
        let Some(pt) = e.pod.map(|p| &pods[p]) else {
            continue;
        };
        for taint in pool_taints(pool) {
            if tolerates(pt.spec.get("tolerations"), taint) {
                continue;
            }
            let key = taint.get("key").and_then(Value::as_str).unwrap_or("");
            out.push(
                cx.finding(RULE.meta, e.from)
                    .at(&e.pointer)
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
