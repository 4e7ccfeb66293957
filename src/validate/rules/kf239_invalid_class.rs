//! KF239: PriorityClass, StorageClass and IngressClass objects the API server rejects
//! (scheduling `ValidatePriorityClass`, storage `ValidateStorageClass`, networking
//! `ValidateIngressClass`): a user PriorityClass above 1000000000 or named `system-…`
//! without being a built-in class, an unknown preemptionPolicy; a StorageClass without a
//! qualified provisioner, with an unknown reclaimPolicy or volumeBindingMode, or more than
//! 512 parameters; an IngressClass whose controller is missing, too long or not a
//! domain-prefixed path, or whose parameters scope and namespace disagree.

use super::{Check, Rule};
use crate::validate::api::{dns_subdomain, int_of, objects, qualified_name, str_of, Report};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF239",
        name: "invalid-class",
        severity: Severity::Error,
        summary: "a PriorityClass, StorageClass or IngressClass the API server rejects",
        doc: include_str!("../../../docs/rules/KF239.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// The built-in priority classes: name and value.
const SYSTEM: &[(&str, i64)] = &[
    ("system-node-critical", 2_000_001_000),
    ("system-cluster-critical", 2_000_000_000),
];

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for (i, v) in objects(cx, "scheduling.k8s.io", "PriorityClass") {
        let name = v.pointer("/metadata/name").and_then(kforge_value::Value::as_str).unwrap_or("");
        let value = int_of(v, "value");
        if name.starts_with("system-") {
            if !SYSTEM.iter().any(|(n, val)| *n == name && value == Some(*val)) {
                rep.at(i, "/metadata/name", format!("priority class names with 'system-' prefix are reserved for system use only (`{name}`)"), "rename it; system-node-critical and system-cluster-critical already exist in every cluster");
            }
        } else if let Some(n) = value.filter(|n| *n > 1_000_000_000) {
            rep.at(i, "/value", format!("value {n}: maximum allowed value of a user defined priority is 1000000000"), "use a value of at most 1000000000");
        }
        if let Some(p) = str_of(v, "preemptionPolicy") {
            if p != "PreemptLowerPriority" && p != "Never" {
                rep.at(i, "/preemptionPolicy", format!("preemptionPolicy `{p}` is not supported"), "use PreemptLowerPriority or Never");
            }
        }
    }
    for (i, v) in objects(cx, "storage.k8s.io", "StorageClass") {
        match str_of(v, "provisioner") {
            None | Some("") => rep.at(i, "/metadata/name", "a StorageClass needs a provisioner (Required value)".into(), "name the CSI driver, e.g. ebs.csi.aws.com"),
            Some(p) if !qualified_name(&p.to_ascii_lowercase()) => rep.at(i, "/provisioner", format!("provisioner `{p}` is not a qualified name"), "`[prefix/]name`: an optional DNS-subdomain prefix and a name of at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends"),
            _ => {}
        }
        if let Some(p) = str_of(v, "reclaimPolicy") {
            if p != "Delete" && p != "Retain" {
                rep.at(i, "/reclaimPolicy", format!("reclaimPolicy `{p}` is not supported"), "use Delete or Retain");
            }
        }
        if let Some(m) = str_of(v, "volumeBindingMode") {
            if m != "Immediate" && m != "WaitForFirstConsumer" {
                rep.at(i, "/volumeBindingMode", format!("volumeBindingMode `{m}` is not supported"), "use Immediate or WaitForFirstConsumer");
            }
        }
        if let Some(p) = v.get("parameters").and_then(kforge_value::Value::as_object) {
            if p.len() > 512 {
                rep.key(i, "/parameters", format!("{} parameters; a StorageClass may have at most 512", p.len()), "keep at most 512 parameters");
            }
            if p.contains_key("") {
                rep.key(i, "/parameters", "a parameter has an empty name".into(), "name every parameter");
            }
        }
    }
    for (i, v) in objects(cx, "networking.k8s.io", "IngressClass") {
        let Some(spec) = v.get("spec") else { continue };
        match str_of(spec, "controller") {
            None | Some("") => rep.at(i, "/metadata/name", "an IngressClass needs spec.controller (Required value)".into(), "e.g. k8s.io/ingress-nginx"),
            Some(c) => {
                let ok = c.len() <= 250 && c.split_once('/').is_some_and(|(d, p)| dns_subdomain(d) && !p.is_empty());
                if !ok {
                    rep.at(i, "/spec/controller", format!("controller `{c}` is not a domain-prefixed path of at most 250 characters"), "e.g. example.com/ingress-controller");
                }
            }
        }
        if let Some(p) = spec.get("parameters").filter(|p| p.is_object()) {
            let scope = str_of(p, "scope").unwrap_or("Cluster");
            let ns = str_of(p, "namespace").filter(|n| !n.is_empty());
            match (scope, ns) {
                ("Cluster", Some(_)) => rep.at(i, "/spec/parameters/namespace", "parameters.namespace is forbidden when scope is Cluster".into(), "remove it, or set scope: Namespace"),
                ("Namespace", None) => rep.key(i, "/spec/parameters", "parameters.namespace is required when scope is Namespace".into(), "name the namespace holding the parameters object"),
                ("Cluster" | "Namespace", _) => {}
                (s, _) => rep.at(i, "/spec/parameters/scope", format!("scope `{s}` is not supported"), "use Cluster or Namespace"),
            }
            for f in ["kind", "name"] {
                if str_of(p, f).is_none_or(str::is_empty) {
                    rep.key(i, "/spec/parameters", format!("parameters.{f} is required"), "name the parameters object: kind and name");
                }
            }
        }
    }
}
