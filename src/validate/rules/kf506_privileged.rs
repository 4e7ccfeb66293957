//! KF506: a privileged container, or one that adds Linux capabilities beyond
//! NET_BIND_SERVICE.

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::pods::containers;
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF506",
        name: "privileged",
        severity: Severity::Warning,
        summary: "a privileged container, or added capabilities beyond NET_BIND_SERVICE",
        doc: include_str!("../../../docs/rules/KF506.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for c in containers(cx) {
        let r = cx.objects[c.pod.object].resource;
        if c.own_security("privileged").and_then(Value::as_bool) == Some(true) {
            out.push(cx.finding(RULE.meta, c.pod.object)
                .at(&c.pointer(["securityContext", "privileged"]))
                .anchor(Anchor::Key)
                .message(format!(
                    "container '{}' of {} {} is privileged: it has every capability and every host device",
                    c.name(),
                    r.kind(),
                    r.name()
                ))
                .help("remove `privileged: true`; grant the one capability or device the process needs".into())
                .build());
        }
        let added = c
            .own_security("capabilities")
            .and_then(|caps| caps.get("add"))
            .and_then(Value::as_array);
        for (i, cap) in added.into_iter().flatten().enumerate() {
            let name = cap.as_str().unwrap_or("");
            if name.trim_start_matches("CAP_") == "NET_BIND_SERVICE" {
                continue;
            }
            out.push(cx.finding(RULE.meta, c.pod.object)
                .at(&format!("{}/securityContext/capabilities/add/{i}", c.ptr))
                .message(format!(
                    "container '{}' of {} {} adds the capability {name}",
                    c.name(),
                    r.kind(),
                    r.name()
                ))
                .help("drop ALL capabilities and add back only NET_BIND_SERVICE if the process binds a port below 1024".into())
                .build());
        }
    }
}
