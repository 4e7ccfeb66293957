//! KF200: a resource request or limit that is not a Kubernetes quantity (`1,5Gi`, `1GB`),
//! or is negative (the API requires every request and limit to be >= 0).


use super::{Check, Rule};
use crate::validate::pods::{containers, quantity};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF200",
        name: "invalid-quantity",
        severity: Severity::Error,
        summary: "a resource request or limit that is not a Kubernetes quantity",
        doc: include_str!("../../../docs/rules/KF200.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for c in containers(cx) {
        for kind in ["requests", "limits"] {
            let Some(m) = c.resources(kind) else {
                continue;
            };
            for (res, v) in m {
                let ptr = c.pointer(["resources", kind, res]);
                if let Some(q) = quantity(v) {
                    if q < 0.0 {
                        out.push(
                            cx.finding(RULE.meta, c.pod.object)
                                .at(&ptr)
                                .message(format!("{kind}.{res} = {v} is negative (must be greater than or equal to 0)"))
                                .help("requests and limits are amounts: write a value of 0 or more".into())
                                .build(),
                        );
                    }
                    continue;
                }
                out.push(cx.finding(RULE.meta, c.pod.object)
                        .at(&ptr)
                        .message(format!("{kind}.{res} = {v} is not a Kubernetes quantity"))
                        .help("write a number with an optional suffix: 500m, 2, 1.5Gi, 512Mi (no commas, no GB/MB)".into())
                        .build());
            }
        }
    }
}
