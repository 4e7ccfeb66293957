//! KF306: a Gateway API HTTPRoute backendRef or an Ingress backend to a Service that is not
//! in the route's namespace of the output, or to a port that Service does not have (cross-namespace
//! references need a ReferenceGrant and are not checked).

use serde_json::Value;

use super::{Check, Rule};
use crate::validate::outside::Found;
use crate::validate::{Context, Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF306",
        name: "route-backend-missing",
        severity: Severity::Error,
        summary: "an HTTPRoute or Ingress backend to a Service or port that does not exist",
        doc: include_str!("../../../docs/rules/KF306.md"),
        scope: Scope::Environment,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// Report a backend naming a Service `name` missing from namespace `ns`, or a port (a
/// number, or for Ingress `{number}`/`{name}`) that Service does not expose.
fn backend(
    cx: &Context,
    out: &mut Vec<Finding>,
    i: usize,
    ns: &str,
    name: &str,
    name_ptr: &str,
    port: Option<(&Value, String)>,
) {
    let r = cx.objects[i].resource;
    let svc = match cx.exists("Service", Some(ns), name) {
        Some(Found::Output(s)) => Some(cx.objects[s].resource),
        // Made by a controller or in a neighbouring kustomization: its ports are not known.
        Some(Found::Outside(_)) => return,
        None => None,
    };
    let Some(svc) = svc else {
        out.push(
            cx.finding(RULE.meta, i)
                .at(name_ptr)
                .message(format!(
                    "{} {} sends traffic to Service {name}, which is not in namespace {ns}",
                    r.kind(),
                    r.name()
                ))
                .help(
                    "fix the backend name (a namePrefix renames Services) or add the Service"
                        .into(),
                )
                .build(),
        );
        return;
    };
    let Some((port, port_ptr)) = port else { return };
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
            _ => return,
        },
        n @ Value::Number(_) => (
            ports
                .into_iter()
                .flatten()
                .any(|p| p.get("port") == Some(n)),
            n.to_string(),
            port_ptr,
        ),
        _ => return,
    };
    if !has {
        out.push(
            cx.finding(RULE.meta, i)
                .at(&ptr)
                .message(format!("Service {name} has no port {shown}"))
                .help("use one of the Service's spec.ports[] (port number or name)".into())
                .build(),
        );
    }
}

/// Ingress backends: `spec.defaultBackend` and `spec.rules[].http.paths[].backend`.
fn ingress(cx: &Context, out: &mut Vec<Finding>, i: usize) {
    let r = cx.objects[i].resource;
    let ns = cx.namespace(i).unwrap_or_default();
    let mut backends = Vec::new();
    if let Some(b) = r.value.pointer("/spec/defaultBackend/service") {
        backends.push(("/spec/defaultBackend/service".to_owned(), b));
    }
    let rules = r.value.pointer("/spec/rules").and_then(Value::as_array);
    for (j, rule) in rules.into_iter().flatten().enumerate() {
        let paths = rule.pointer("/http/paths").and_then(Value::as_array);
        for (k, path) in paths.into_iter().flatten().enumerate() {
            if let Some(b) = path.pointer("/backend/service") {
                backends.push((format!("/spec/rules/{j}/http/paths/{k}/backend/service"), b));
            }
        }
    }
    for (ptr, b) in backends {
        let name = b.get("name").and_then(Value::as_str).unwrap_or("");
        let port = b.get("port").map(|p| (p, format!("{ptr}/port")));
        backend(cx, out, i, ns, name, &format!("{ptr}/name"), port);
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let r = o.resource;
        if r.kind() == "Ingress" {
            ingress(cx, out, i);
            continue;
        }
        if r.kind() != "HTTPRoute" {
            continue;
        }
        let ns = cx.namespace(i).unwrap_or_default();
        for (j, rule) in r
            .value
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            for (k, b) in rule
                .get("backendRefs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let kind = b.get("kind").and_then(Value::as_str).unwrap_or("Service");
                let group = b.get("group").and_then(Value::as_str).unwrap_or("");
                if kind != "Service"
                    || !group.is_empty()
                    || b.get("namespace")
                        .and_then(Value::as_str)
                        .is_some_and(|n| n != ns)
                {
                    continue;
                }
                let name = b.get("name").and_then(Value::as_str).unwrap_or("");
                let ptr = format!("/spec/rules/{j}/backendRefs/{k}");
                let port = b.get("port").map(|p| (p, format!("{ptr}/port")));
                backend(cx, out, i, ns, name, &format!("{ptr}/name"), port);
            }
        }
    }
}
