//! KF201: a container requests more of a resource than its limit allows; the API server
//! rejects the pod.

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::pods::{containers, quantity};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF201",
        name: "request-above-limit",
        severity: Severity::Error,
        summary: "a container requests more than its limit",
        doc: include_str!("../../../docs/rules/KF201.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for c in containers(cx) {
        let res = c.spec.get("resources");
        let (Some(req), Some(lim)) = (
            res.and_then(|r| r.get("requests"))
                .and_then(Value::as_object),
            res.and_then(|r| r.get("limits")).and_then(Value::as_object),
        ) else {
            continue;
        };
        for (name, rv) in req {
            let (Some(r), Some(l)) = (quantity(rv), lim.get(name).and_then(quantity)) else {
                continue;
            };
            if r > l {
                let ptr = c.pointer(["resources", "requests", name]);
                out.push(cx.finding(RULE.meta, c.pod.object)
                        .at(&ptr)
                        .message(format!("requests.{name} ({rv}) is above limits.{name} ({})", lim[name]))
                        .help("lower the request or raise the limit; a request may not exceed its limit".into())
                        .build());
            }
        }
    }
}
