//! KF304: a Service `targetPort` given by name that no container of the selected pods
//! declares; traffic to that port goes nowhere.

use serde_json::Value;

use super::Rule;
use crate::validate::pods::{containers, pod_templates, selector_matches};
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF304",
        name: "unknown-target-port",
        severity: Severity::Error,
        summary: "a Service targetPort name that the selected pods do not declare",
        doc: include_str!("../../../docs/rules/KF304.md"),
    },
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let pods = pod_templates(cx);
    for (i, o) in cx.objects.iter().enumerate() {
        let r = o.resource;
        if r.kind() != "Service" {
            continue;
        }
        let Some(sel) = r.value.pointer("/spec/selector").and_then(Value::as_object) else {
            continue;
        };
        let ns = r.cur_id().effective_namespace().to_owned();
        let selected: Vec<_> = pods
            .iter()
            .filter(|p| p.namespace == ns && selector_matches(sel, p.labels))
            .collect();
        if selected.is_empty() {
            continue; // KF300 reports it
        }
        for (j, port) in r
            .value
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(name) = port.get("targetPort").and_then(Value::as_str) else {
                continue;
            };
            let declared = selected.iter().any(|p| {
                containers(p.spec).iter().any(|(_, c)| {
                    c.get("ports")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .any(|cp| cp.get("name").and_then(Value::as_str) == Some(name))
                })
            });
            if !declared {
                out.push(cx.finding(
                    RULE.meta,
                    i,
                    &format!("/spec/ports/{j}/targetPort"),
                    Anchor::Value,
                    format!(
                        "targetPort `{name}` is not a port name of the pods Service {} selects",
                        r.name()
                    ),
                    Some("name the container port (ports[].name) or use the port number".into()),
                ));
            }
        }
    }
}
