//! KF507: a hostPath volume.

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::pods::pod_templates;
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF507",
        name: "host-path",
        severity: Severity::Warning,
        summary: "a pod that mounts a directory of the node (hostPath volume)",
        doc: include_str!("../../../docs/rules/KF507.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for pt in pod_templates(cx) {
        let r = cx.objects[pt.object].resource;
        let volumes = pt.spec.get("volumes").and_then(Value::as_array);
        for (i, v) in volumes.into_iter().flatten().enumerate() {
            let Some(hp) = v.get("hostPath") else {
                continue;
            };
            let path = hp.get("path").and_then(Value::as_str).unwrap_or("?");
            let name = v.get("name").and_then(Value::as_str).unwrap_or("");
            out.push(cx.finding(RULE.meta, pt.object)
                .at(&format!("{}/volumes/{i}/hostPath", pt.spec_ptr))
                .anchor(Anchor::Key)
                .message(format!(
                    "volume '{name}' of {} {} mounts the node's {path}",
                    r.kind(),
                    r.name()
                ))
                .help("use an emptyDir, a PVC or a projected volume; node agents that need the host carry a suppression with a reason".into())
                .build());
        }
    }
}
