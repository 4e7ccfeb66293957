//! KF202: GPUs (and other extended resources such as `nvidia.com/gpu`) must be set in
//! `limits`, as whole numbers, with any request equal to the limit. Hugepages
//! (`hugepages-2Mi`) are not overcommittable either: limit required, request equal to it,
//! and the container must also ask for cpu or memory.

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::pods::{containers, quantity};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF202",
        name: "extended-resource-request",
        severity: Severity::Error,
        summary: "a GPU (extended resource) not in limits, fractional, or with request ≠ limit",
        doc: include_str!("../../../docs/rules/KF202.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn extended(name: &str) -> bool {
    name.contains('/')
        && !name.starts_with("kubernetes.io/")
        && !name.starts_with("requests.")
        && !name.starts_with("hugepages-")
}

/// Resources whose request must equal their limit (the API's "not overcommitable"):
/// extended resources and hugepages.
fn exact(name: &str) -> bool {
    extended(name) || name.starts_with("hugepages-")
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for c in containers(cx) {
        let res = c.spec.get("resources");
        let req = res
            .and_then(|r| r.get("requests"))
            .and_then(Value::as_object);
        let lim = res.and_then(|r| r.get("limits")).and_then(Value::as_object);
        let mut report = |ptr: String, msg: String, help: &str| {
            out.push(
                cx.finding(RULE.meta, c.pod.object)
                    .at(&ptr)
                    .message(msg)
                    .help(help.into())
                    .build(),
            );
        };
        for (name, v) in lim.into_iter().flatten().filter(|(n, _)| exact(n)) {
            let q = quantity(v);
            if extended(name) && q.is_some_and(|q| q.fract() != 0.0 || q < 0.0) {
                report(c.pointer(["resources", "limits", name]),
                        format!("limits.{name} = {v} is not a whole number"),
                        "extended resources are whole devices; share GPUs with time-slicing or MIG instead");
            }
            if let Some(r) = req.and_then(|m| m.get(name)) {
                if quantity(r) != q {
                    report(c.pointer(["resources", "requests", name]),
                            format!("requests.{name} ({r}) differs from limits.{name} ({v})"),
                            "for extended resources and hugepages the request must equal the limit; set only the limit");
                }
            }
        }
        for (name, v) in req.into_iter().flatten().filter(|(n, _)| exact(n)) {
            if lim.is_none_or(|l| !l.contains_key(name.as_str())) {
                report(c.pointer(["resources", "requests", name]),
                        format!("requests.{name} = {v} without limits.{name} (a limit must be set for non-overcommittable resources)"),
                        "put extended resources such as nvidia.com/gpu and hugepages in limits (the request defaults to it)");
            }
        }
        let has = |m: Option<&kforge_value::Map>, f: &dyn Fn(&str) -> bool| {
            m.is_some_and(|m| m.keys().any(|k| f(k)))
        };
        let huge = |k: &str| k.starts_with("hugepages-");
        let cpu_mem = |k: &str| k == "cpu" || k == "memory";
        if (has(lim, &huge) || has(req, &huge)) && !has(lim, &cpu_mem) && !has(req, &cpu_mem) {
            let at = if lim.is_some() { "limits" } else { "requests" };
            report(c.pointer(["resources", at]),
                    format!("container `{}` asks for hugepages without cpu or memory (HugePages require cpu or memory)", c.name()),
                    "add a cpu or memory request or limit beside the hugepages");
        }
    }
}
