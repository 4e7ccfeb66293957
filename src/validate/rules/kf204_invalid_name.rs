//! KF204: names the API server rejects: object names that are not DNS-1123 subdomains (or,
//! per kind, DNS-1123 labels for Namespaces and StatefulSets, DNS-1035 labels for Services,
//! at most 52 characters for CronJobs and 63 for Jobs), container names that are not DNS
//! labels, and port names longer than 15 characters or not IANA service names.

use kforge_value::Value;

use super::{Check, Rule};
use crate::text::{dns_label, dns_subdomain};
use crate::validate::api::port_name;
use crate::validate::pods::containers;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF204",
        name: "invalid-name",
        severity: Severity::Error,
        summary: "an object, container or port name the API server rejects",
        doc: include_str!("../../../docs/rules/KF204.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// The name rule of a kind (core/apps/batch validation): what it requires, or `None` when
/// `name` meets it.
fn name_problem(kind: &str, name: &str) -> Option<&'static str> {
    match kind {
        // ValidateNamespaceName, ValidateStatefulSetName: DNS-1123 labels (pod hostnames).
        "Namespace" | "StatefulSet" => (!dns_label(name))
            .then_some("a DNS-1123 label (at most 63 lowercase letters, digits and '-')"),
        // ValidateServiceName: a DNS-1035 label, which must start with a letter.
        "Service" => (!dns_label(name) || !name.starts_with(|c: char| c.is_ascii_lowercase()))
            .then_some("a DNS-1035 label (at most 63 lowercase letters, digits and '-', starting with a letter)"),
        // The CronJob controller appends an 11-character suffix to make Job names.
        "CronJob" if dns_subdomain(name) && name.len() > 52 => {
            Some("at most 52 characters (the controller appends 11 to name its Jobs)")
        }
        // The Job controller puts its name in the pods' `batch.kubernetes.io/job-name` label.
        "Job" if dns_subdomain(name) && name.len() > 63 => {
            Some("at most 63 characters (it becomes the value of the pods' job-name label)")
        }
        _ => (!dns_subdomain(name))
            .then_some("a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253)"),
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let r = o.resource;
        let name = r.name();
        if name.is_empty() || r.kind().is_empty() {
            continue;
        }
        // RBAC objects may use path segments and colons (`system:`), so they are left alone.
        if r.gvk_ref().group == "rbac.authorization.k8s.io" {
            continue;
        }
        // Only the core, apps and batch kinds have these rules; a custom kind of the same
        // name keeps the generic one.
        let group = r.gvk_ref().group;
        let kind = match (group, r.kind()) {
            ("", k @ ("Namespace" | "Service")) | ("apps", k @ "StatefulSet") => k,
            ("batch", k @ ("Job" | "CronJob")) => k,
            _ => "",
        };
        if let Some(rule) = name_problem(kind, name) {
            out.push(
                cx.finding(RULE.meta, i)
                    .at("/metadata/name")
                    .message(format!("{} name `{name}` is not {rule}", r.kind()))
                    .help(
                        "rename it; kustomize prefixes and suffixes count toward the length".into(),
                    )
                    .build(),
            );
        }
    }
    for c in containers(cx) {
        if let Some(n) = c.spec.get("name").and_then(Value::as_str) {
            if !dns_label(n) {
                out.push(
                    cx.finding(RULE.meta, c.pod.object)
                        .at(&c.pointer(["name"]))
                        .message(format!("container name `{n}` is not a DNS-1123 label"))
                        .help("use lowercase letters, digits and '-', at most 63".into())
                        .build(),
                );
            }
        }
        for (j, p) in c.items("ports") {
            if let Some(n) = p.get("name").and_then(Value::as_str) {
                if !port_name(n) {
                    out.push(cx.finding(RULE.meta, c.pod.object)
                            .at(&format!("{}/ports/{j}/name", c.ptr))
                            .message(format!("port name `{n}` is not an IANA service name (at most 15 characters, lowercase, a letter)"))
                            .help("shorten it, e.g. `metrics` instead of `prometheus-metrics`".into())
                            .build());
                }
            }
        }
    }
}
