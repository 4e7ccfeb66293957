//! KF409: a container's startupProbe allows longer to start (initialDelaySeconds +
//! failureThreshold × periodSeconds) than its Deployment's (or Argo Rollout's)
//! `progressDeadlineSeconds`. Loading a large model legitimately takes that long, so the
//! rollout is marked failed (ProgressDeadlineExceeded: Argo CD shows Degraded, Flux's health
//! check fails) while the pods are still coming up as designed.

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::pods::pod_templates;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF409",
        name: "startup-budget",
        severity: Severity::Warning,
        summary: "a startupProbe allowing longer than the rollout's progressDeadlineSeconds",
        doc: include_str!("../../../docs/rules/KF409.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// Kubernetes' default progressDeadlineSeconds (and Argo Rollouts').
const DEFAULT_DEADLINE: u64 = 600;

fn seconds(probe: &Value, field: &str, default: u64) -> u64 {
    probe.get(field).and_then(Value::as_u64).unwrap_or(default)
}

/// A container's startup allowance: initialDelaySeconds + failureThreshold × periodSeconds
/// of its startupProbe (Kubernetes' defaults where unset).
fn budget(probe: &Value) -> u64 {
    seconds(probe, "initialDelaySeconds", 0)
        + seconds(probe, "failureThreshold", 3) * seconds(probe, "periodSeconds", 10)
}

/// The largest startup allowance among the Deployments and Rollouts of `resources`, with
/// the container it belongs to (for KF602, which compares it with GitOps timeouts).
pub fn longest_startup(resources: &[crate::Resource]) -> Option<(u64, String)> {
    let cx = Context::new(resources, &[], &[]);
    let mut best: Option<(u64, String)> = None;
    for pt in pod_templates(&cx) {
        let r = cx.objects[pt.object].resource;
        if !matches!(
            (r.gvk_ref().group, r.kind()),
            ("apps", "Deployment") | ("argoproj.io", "Rollout")
        ) {
            continue;
        }
        for c in pt.containers().filter(|c| c.long_running()) {
            let Some(b) = c.spec.get("startupProbe").map(budget) else {
                continue;
            };
            if best.as_ref().is_none_or(|(s, _)| b > *s) {
                best = Some((b, format!("container '{}' of {}", c.name(), c.owner(&cx))));
            }
        }
    }
    best
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for pt in pod_templates(cx) {
        let r = cx.objects[pt.object].resource;
        let group = r.gvk_ref().group;
        let rollout = matches!(
            (group, r.kind()),
            ("apps", "Deployment") | ("argoproj.io", "Rollout")
        );
        if !rollout {
            continue;
        }
        let deadline = r
            .value
            .pointer("/spec/progressDeadlineSeconds")
            .and_then(Value::as_u64)
            .unwrap_or(DEFAULT_DEADLINE);
        for c in pt.containers().filter(|c| c.long_running()) {
            let Some(probe) = c.spec.get("startupProbe") else {
                continue;
            };
            let budget = budget(probe);
            if budget <= deadline {
                continue;
            }
            out.push(
                cx.finding(RULE.meta, pt.object)
                    .at(&c.pointer(["startupProbe"]))
                    .anchor(crate::validate::sourcemap::Anchor::Key)
                    .message(format!(
                        "container '{}' of {} may take {budget} s to start (its startupProbe), longer than the {} progress deadline of {deadline} s: the rollout is reported failed while the model still loads",
                        c.name(),
                        c.owner(cx),
                        r.kind()
                    ))
                    .help(format!(
                        "set spec.progressDeadlineSeconds above {budget} (with a margin for pulling the image), or shorten the startupProbe"
                    ))
                    .build(),
            );
        }
    }
}
