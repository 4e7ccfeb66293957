//! KF111: an apiVersion (or kind) that Kubernetes still serves but has deprecated.

use super::kf110_removed_api::lifecycle;
use super::{type_meta, Check, Rule};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF111",
        name: "deprecated-api",
        severity: Severity::Warning,
        summary: "an API that Kubernetes has deprecated and will remove",
        doc: include_str!("../../../docs/rules/KF111.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let Some((api, kind)) = type_meta(o.resource) else {
            continue;
        };
        let Some(row) = lifecycle(api, kind, "deprecated") else {
            continue;
        };
        let help = if row.replacement == "-" {
            "plan to remove it; it has no replacement".to_owned()
        } else {
            format!("move to {}", row.replacement)
        };
        out.push(
            cx.finding(RULE.meta, i)
                .at("/apiVersion")
                .message(format!(
                    "{api} {kind} is deprecated since Kubernetes {}",
                    row.version
                ))
                .help(help)
                .build(),
        );
    }
}
