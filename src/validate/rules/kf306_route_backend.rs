//! KF306: a Gateway API HTTPRoute backendRef to a Service that is not in the route's
//! namespace of the output, or to a port that Service does not have (cross-namespace
//! references need a ReferenceGrant and are not checked).

use serde_json::Value;

use super::Rule;
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF306",
        name: "route-backend-missing",
        severity: Severity::Error,
        summary: "an HTTPRoute backendRef to a Service or port that does not exist",
        doc: include_str!("../../../docs/rules/KF306.md"),
    },
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let r = o.resource;
        if r.kind() != "HTTPRoute" {
            continue;
        }
        let ns = r.cur_id().effective_namespace().to_owned();
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
                let svc = cx.objects.iter().map(|o| o.resource).find(|s| {
                    s.kind() == "Service"
                        && s.name() == name
                        && s.cur_id().effective_namespace() == ns
                });
                let Some(svc) = svc else {
                    out.push(cx.finding(RULE.meta, i, &format!("{ptr}/name"), Anchor::Value,
                        format!("HTTPRoute {} sends traffic to Service {name}, which is not in namespace {ns}", r.name()),
                        Some("fix the backend name (a namePrefix renames Services) or add the Service".into())));
                    continue;
                };
                let Some(port) = b.get("port").and_then(Value::as_i64) else {
                    continue;
                };
                let has = svc
                    .value
                    .pointer("/spec/ports")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|p| p.get("port").and_then(Value::as_i64) == Some(port));
                if !has {
                    out.push(cx.finding(
                        RULE.meta,
                        i,
                        &format!("{ptr}/port"),
                        Anchor::Value,
                        format!("Service {name} has no port {port}"),
                        Some("use one of the Service's spec.ports[].port values".into()),
                    ));
                }
            }
        }
    }
}
