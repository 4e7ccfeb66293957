//! KF500: a container without CPU and memory requests or a memory limit.

use super::{Check, Rule};
use crate::validate::pods::{containers, ContainerRef};
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF500",
        name: "missing-resources",
        severity: Severity::Warning,
        summary: "a container without CPU/memory requests or a memory limit",
        doc: include_str!("../../../docs/rules/KF500.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for c in containers(cx).filter(ContainerRef::complete) {
        let res = c.spec.get("resources");
        let has = |section: &str, key: &str| {
            res.and_then(|r| r.get(section))
                .and_then(|s| s.get(key))
                .is_some()
        };
        let mut missing = Vec::new();
        for (section, key) in [
            ("requests", "cpu"),
            ("requests", "memory"),
            ("limits", "memory"),
        ] {
            // A limit without a request makes the request equal to the limit.
            if !(has(section, key) || section == "requests" && has("limits", key)) {
                missing.push(format!("{section}.{key}"));
            }
        }
        if missing.is_empty() {
            continue;
        }
        let r = cx.objects[c.pod.object].resource;
        out.push(cx.finding(RULE.meta, c.pod.object)
            .at(&c.pointer_to("resources"))
            .anchor(Anchor::Key)
            .message(format!(
                "container '{}' of {} {} sets no resources.{}",
                c.name(),
                r.kind(),
                r.name(),
                missing.join(", resources.")
            ))
            .help(
                "set requests (what the scheduler reserves) and a memory limit (what the kernel enforces)"
                    .into(),
            )
            .build());
    }
}
