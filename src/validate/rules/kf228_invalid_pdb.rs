//! KF228: PodDisruptionBudget specs the API server rejects (`ValidatePodDisruptionBudgetSpec`):
//! minAvailable or maxUnavailable that is neither a count of 0 or more nor a percentage
//! string up to 100% (`"50"` without `%` is refused), and an unknown
//! unhealthyPodEvictionPolicy. (Both set at once is KF206's.)

use super::{Check, Rule};
use crate::validate::api::{int_or_percent, objects, str_of, Report};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF228",
        name: "invalid-pdb",
        severity: Severity::Error,
        summary: "a PodDisruptionBudget count, percentage or eviction policy the API rejects",
        doc: include_str!("../../../docs/rules/KF228.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for (i, v) in objects(cx, "policy", "PodDisruptionBudget") {
        let Some(spec) = v.get("spec") else { continue };
        for f in ["minAvailable", "maxUnavailable"] {
            let at = format!("/spec/{f}");
            match spec.get(f).and_then(int_or_percent) {
                Some(Err(e)) => rep.at(i, &at, format!("{f}: {e}"), "write a count (2) or a percentage string (\"50%\")"),
                Some(Ok((n, true))) if n > 100 => rep.at(i, &at, format!("{f} {n}% must not be greater than 100%"), "use a percentage from 0% to 100%"),
                _ => {}
            }
        }
        if let Some(p) = str_of(spec, "unhealthyPodEvictionPolicy") {
            if p != "IfHealthyBudget" && p != "AlwaysAllow" {
                rep.at(i, "/spec/unhealthyPodEvictionPolicy", format!("unhealthyPodEvictionPolicy `{p}` is not supported"), "use IfHealthyBudget or AlwaysAllow");
            }
        }
    }
}
