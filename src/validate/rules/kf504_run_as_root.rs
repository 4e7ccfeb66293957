//! KF504: a container that may run as root: neither it nor its pod sets
//! `runAsNonRoot: true`, or it sets `runAsUser: 0` (the Pod Security "restricted" profile).

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::pods::{containers, ContainerRef};
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF504",
        name: "run-as-root",
        severity: Severity::Warning,
        summary: "a container that may run as root (runAsNonRoot not true, or runAsUser 0)",
        doc: include_str!("../../../docs/rules/KF504.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for c in containers(cx).filter(ContainerRef::complete) {
        let r = cx.objects[c.pod.object].resource;
        let root_uid = c.security("runAsUser").and_then(Value::as_i64) == Some(0);
        let non_root = c.security("runAsNonRoot").and_then(Value::as_bool) == Some(true);
        let (message, pointer) = if root_uid {
            let ptr = if c.own_security("runAsUser").is_some() {
                c.pointer(["securityContext", "runAsUser"])
            } else {
                format!("{}/securityContext/runAsUser", c.pod.spec_ptr)
            };
            ("runs as user 0 (root)", ptr)
        } else if !non_root {
            (
                "does not set runAsNonRoot: true (itself or in the pod's securityContext)",
                c.pointer_to("securityContext"),
            )
        } else {
            continue;
        };
        out.push(cx.finding(RULE.meta, c.pod.object)
            .at(&pointer)
            .anchor(Anchor::Key)
            .message(format!("container '{}' of {} {} {message}", c.name(), r.kind(), r.name()))
            .help(
                "set `securityContext: {runAsNonRoot: true, runAsUser: <non-zero>}` on the pod; build the image with a numeric non-root USER"
                    .into(),
            )
            .build());
    }
}
