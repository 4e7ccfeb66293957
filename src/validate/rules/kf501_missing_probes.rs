//! KF501: a long-running container without a readiness or a liveness probe.

use super::{Check, Rule};
use crate::validate::pods::{containers, ContainerRef};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF501",
        name: "missing-probes",
        severity: Severity::Warning,
        summary: "a serving container without a readiness or liveness probe",
        doc: include_str!("../../../docs/rules/KF501.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for c in containers(cx).filter(ContainerRef::complete) {
        let r = cx.objects[c.pod.object].resource;
        // Jobs run to completion; init containers finish before the pod is ready.
        if matches!(r.kind(), "Job" | "CronJob") || !c.long_running() {
            continue;
        }
        let missing: Vec<&str> = ["readinessProbe", "livenessProbe"]
            .into_iter()
            .filter(|p| !c.spec.contains_key(p))
            .collect();
        if missing.is_empty() {
            continue;
        }
        out.push(cx.finding(RULE.meta, c.pod.object)
            .at(&c.pointer(["name"]))
            .message(format!(
                "container '{}' of {} {} has no {}",
                c.name(),
                r.kind(),
                r.name(),
                missing.join(" and no ")
            ))
            .help(
                "a readiness probe keeps traffic off pods that cannot serve; a liveness probe restarts a hung process"
                    .into(),
            )
            .build());
    }
}
