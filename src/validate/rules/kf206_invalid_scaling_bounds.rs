//! KF206: autoscaling and disruption settings the API server rejects or that cannot work:
//! an HPA with minReplicas above maxReplicas, a PodDisruptionBudget with both minAvailable
//! and maxUnavailable.

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF206",
        name: "invalid-scaling-bounds",
        severity: Severity::Error,
        summary:
            "HPA minReplicas above maxReplicas, or a PDB with both minAvailable and maxUnavailable",
        doc: include_str!("../../../docs/rules/KF206.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let v = &o.resource.value;
        match o.resource.kind() {
            "HorizontalPodAutoscaler" => {
                let min = v
                    .pointer("/spec/minReplicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(1);
                let max = v
                    .pointer("/spec/maxReplicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(i64::MAX);
                if min > max || min < 1 {
                    out.push(
                        cx.finding(RULE.meta, i)
                            .at("/spec/minReplicas")
                            .message(format!(
                                "minReplicas {min} must be between 1 and maxReplicas {max}"
                            ))
                            .help("an overlay probably changed one bound without the other".into())
                            .build(),
                    );
                }
            }
            "PodDisruptionBudget"
                if v.pointer("/spec/minAvailable").is_some()
                    && v.pointer("/spec/maxUnavailable").is_some() =>
            {
                out.push(cx.finding(RULE.meta, i)
                    .at("/spec/maxUnavailable")
                    .anchor(Anchor::Key)
                    .message("a PodDisruptionBudget may set minAvailable or maxUnavailable, not both".into())
                    .help("keep one (maxUnavailable works with autoscaled workloads)".into())
                    .build());
            }
            _ => {}
        }
    }
}
