//! KF306: a Gateway API HTTPRoute backendRef or an Ingress backend to a Service that is not
//! in the route's namespace of the output, or to a port that Service does not have (cross-namespace
//! references need a ReferenceGrant and are not checked).

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::edges::{self, Port, Relation, Target};
use crate::validate::{Context, Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF306",
        name: "route-backend-missing",
        severity: Severity::Error,
        summary: "an HTTPRoute or Ingress backend to a Service or port that does not exist",
        doc: include_str!("../../../docs/rules/KF306.md"),
        scope: Scope::Environment,
        references: true,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for e in edges::of(cx, Relation::Backend) {
        let r = cx.objects[e.from].resource;
        let svc = match &e.target {
            // A Service of the route's namespace (a backend in another namespace, or of
            // another kind, is not held).
            Target::Object(s)
                if cx.objects[*s].resource.kind() == "Service"
                    && cx.namespace(*s) == cx.namespace(e.from) =>
            {
                cx.objects[*s].resource
            }
            // Made by a controller or in a neighbouring kustomization: its ports are not
            // known.
            Target::Object(_) | Target::Outside { .. } | Target::External(_) => continue,
            Target::Missing(what) => {
                out.push(
                    cx.finding(RULE.meta, e.from)
                        .at(&e.pointer)
                        .message(format!(
                            "{} {} sends traffic to Service {}, which is not in namespace {}",
                            r.kind(),
                            r.name(),
                            what.name,
                            what.namespace.as_deref().unwrap_or_default()
                        ))
                        .help(
                            "fix the backend name (a namePrefix renames Services) or add the Service"
                                .into(),
                        )
                        .build(),
                );
                continue;
            }
        };
        let Some(Port { value: port, pointer: port_ptr }) = &e.port else {
            continue;
        };
        let ports = svc.value.pointer("/spec/ports").and_then(Value::as_array);
        let (has, shown, ptr) = match port {
            Value::Object(m) => match (m.get("number"), m.get("name").and_then(Value::as_str)) {
                (Some(n), _) => (
                    ports
                        .into_iter()
                        .flatten()
                        .any(|p| p.get("port") == Some(n)),
                    n.to_string(),
                    format!("{port_ptr}/number"),
                ),
                (None, Some(pn)) => (
                    ports
                        .into_iter()
                        .flatten()
                        .any(|p| p.get("name").and_then(Value::as_str) == Some(pn)),
                    format!("'{pn}'"),
                    format!("{port_ptr}/name"),
                ),
                _ => continue,
            },
            n @ Value::Number(_) => (
                ports
                    .into_iter()
                    .flatten()
                    .any(|p| p.get("port") == Some(n)),
                n.to_string(),
                port_ptr.clone(),
            ),
            _ => continue,
        };
        if !has {
            out.push(
                cx.finding(RULE.meta, e.from)
                    .at(&ptr)
                    .message(format!("Service {} has no port {shown}", svc.name()))
                    .help("use one of the Service's spec.ports[] (port number or name)".into())
                    .build(),
            );
        }
    }
}
