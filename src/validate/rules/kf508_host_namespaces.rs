//! KF508: a pod sharing the node's network, PID or IPC namespace, or binding a host port.

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::pods::{containers, pod_templates};
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF508",
        name: "host-namespaces",
        severity: Severity::Warning,
        summary: "hostNetwork, hostPID, hostIPC or a hostPort",
        doc: include_str!("../../../docs/rules/KF508.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let pods = pod_templates(cx);
    for pt in pods {
        let r = cx.objects[pt.object].resource;
        for field in ["hostNetwork", "hostPID", "hostIPC"] {
            if pt.spec.get(field).and_then(Value::as_bool) == Some(true) {
                out.push(cx.finding(RULE.meta, pt.object)
                    .at(&format!("{}/{field}", pt.spec_ptr))
                    .anchor(Anchor::Key)
                    .message(format!("{} {} sets {field}: true and shares the node's namespace", r.kind(), r.name()))
                    .help(format!("remove `{field}`; a pod in the node's namespaces sees and can reach everything on the node"))
                    .build());
            }
        }
    }
    for c in containers(cx) {
        for (i, p) in c.items("ports") {
            if p.get("hostPort")
                .and_then(Value::as_i64)
                .is_some_and(|h| h != 0)
            {
                let r = cx.objects[c.pod.object].resource;
                out.push(cx.finding(RULE.meta, c.pod.object)
                    .at(&format!("{}/ports/{i}/hostPort", c.ptr))
                    .anchor(Anchor::Key)
                    .message(format!("container '{}' of {} {} binds a port of the node (hostPort)", c.name(), r.kind(), r.name()))
                    .help("expose the port through a Service instead; a hostPort also limits the pod to one per node".into())
                    .build());
            }
        }
    }
}
