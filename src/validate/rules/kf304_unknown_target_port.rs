//! KF304: a Service `targetPort` given by name that no container of the selected pods
//! declares; traffic to that port goes nowhere.

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::edges::{self, Relation};
use crate::validate::pods::pod_templates;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF304",
        name: "unknown-target-port",
        severity: Severity::Error,
        summary: "a Service targetPort name that the selected pods do not declare",
        doc: include_str!("../../../docs/rules/KF304.md"),
        references: true,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let pods = pod_templates(cx);
    for &i in cx.of_kind("Service") {
        // The pod templates the Service selects (one selecting nothing is KF300's).
        let selected: Vec<_> = edges::from(cx, Relation::Selects, i)
            .filter_map(|e| e.pod.map(|p| &pods[p]))
            .collect();
        if selected.is_empty() {
            continue;
        }
        let service = cx.objects[i].resource;
        let ports = service.value.pointer("/spec/ports").and_then(Value::as_array);
        for (j, port) in ports.into_iter().flatten().enumerate() {
            let Some(name) = port.get("targetPort").and_then(Value::as_str) else {
                continue;
            };
            let declared = selected.iter().any(|p| {
                p.containers().any(|c| {
                    c.items("ports")
                        .any(|(_, cp)| cp.get("name").and_then(Value::as_str) == Some(name))
                })
            });
            if !declared {
                out.push(
                    cx.finding(RULE.meta, i)
                        .at(&format!("/spec/ports/{j}/targetPort"))
                        .message(format!(
                            "targetPort `{name}` is not a port name of the pods Service {} selects",
                            service.name()
                        ))
                        .help(
                            "name the container port (ports[].name) or use the port number".into(),
                        )
                        .build(),
                );
            }
        }
    }
}
