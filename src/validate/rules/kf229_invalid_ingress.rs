//! KF229: Ingress specs the API server rejects (networking `ValidateIngressSpec`,
//! `validateHTTPIngressPath`, `validateIngressBackend`, `validateIngressRules`,
//! `validateIngressTLS`): no default backend and no rule, a host that is an IP or not a
//! (wildcard) DNS name, `http` without paths, a path without or with an unknown pathType,
//! an Exact or Prefix path that is not absolute or holds `//`, `/./`, `/../` or `%2f`, a
//! backend with both or neither of service and resource, a service backend whose name is
//! not a DNS-1035 label or whose port has both or neither of name and number, and an
//! ingressClassName, TLS secret name or `kubernetes.io/ingress.class` annotation that
//! contradicts the spec.

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::api::{dns_label, dns_subdomain, int_of, ip, items, objects, port_name, port_number, ptr, str_of, Report};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF229",
        name: "invalid-ingress",
        severity: Severity::Error,
        summary: "an Ingress host, path, pathType or backend the API server rejects",
        doc: include_str!("../../../docs/rules/KF229.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// Why an Ingress host is invalid: an IP address, or not a DNS-1123 subdomain whose first
/// label may be `*`.
fn host_problem(h: &str) -> Option<&'static str> {
    if ip(h).is_some() {
        return Some("must be a DNS name, not an IP address");
    }
    let name = h.strip_prefix("*.").unwrap_or(h);
    (!dns_subdomain(name)).then_some("is not a DNS-1123 subdomain (a `*` may only be the whole first label)")
}

/// Why an Exact or Prefix path is invalid.
fn path_problem(p: &str) -> Option<&'static str> {
    if !p.starts_with('/') {
        return Some("must be an absolute path");
    }
    for bad in ["//", "/./", "/../", "%2f", "%2F"] {
        if p.contains(bad) {
            return Some("must not contain '//', '/./', '/../', '%2f' or '%2F'");
        }
    }
    (p.ends_with("/..") || p.ends_with("/.")).then_some("must not end with '/..' or '/.'")
}

fn backend(rep: &mut Report, i: usize, at: &str, b: &Value) {
    let svc = b.get("service").filter(|s| !s.is_null());
    let res = b.get("resource").filter(|s| !s.is_null());
    match (svc, res) {
        (Some(_), Some(_)) => rep.key(i, &ptr(at, ["resource"]), "a backend may not set both service and resource (cannot set both)".into(), "keep one"),
        (None, None) => rep.key(i, at, "a backend needs service or resource (one of them is required)".into(), "name the Service and port to send traffic to"),
        _ => {}
    }
    let Some(s) = svc else { return };
    if let Some(n) = str_of(s, "name") {
        if !dns_label(n) || !n.starts_with(|c: char| c.is_ascii_lowercase()) {
            rep.at(i, &ptr(at, ["service", "name"]), format!("backend service name `{n}` is not a DNS-1035 label"), "a Service name: lowercase letters, digits and '-', starting with a letter");
        }
    }
    let port = s.get("port");
    let name = port.and_then(|p| str_of(p, "name")).filter(|n| !n.is_empty());
    let number = port.and_then(|p| int_of(p, "number")).filter(|n| *n != 0);
    let pp = ptr(at, ["service", "port"]);
    match (name, number) {
        (Some(_), Some(_)) => rep.key(i, &pp, "backend service port may not set both name and number (cannot set both port name & port number)".into(), "keep one"),
        (None, None) => rep.key(i, if port.is_some() { &pp } else { at }, "backend service port needs a name or a number (port name or number is required)".into(), "e.g. port: {number: 80} or port: {name: http}"),
        (Some(n), None) if !port_name(n) => rep.at(i, &ptr(&pp, ["name"]), format!("port name `{n}` is not an IANA port name"), "at most 15 lowercase letters, digits and '-', with a letter"),
        (None, Some(n)) if !port_number(n) => rep.at(i, &ptr(&pp, ["number"]), format!("port number {n} is not between 1 and 65535"), "use a port number from 1 to 65535"),
        _ => {}
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for (i, v) in objects(cx, "networking.k8s.io", "Ingress") {
        if v.get("apiVersion").and_then(Value::as_str) != Some("networking.k8s.io/v1") {
            continue;
        }
        let Some(spec) = v.get("spec") else { continue };
        let rules: Vec<_> = items(spec, "rules").collect();
        let default = spec.get("defaultBackend").filter(|b| !b.is_null());
        if default.is_none() && rules.is_empty() {
            rep.key(i, "/spec", "an Ingress needs a defaultBackend or at least one rule (either `defaultBackend` or `rules` must be specified)".into(), "add rules with hosts and paths");
        }
        if let Some(b) = default {
            backend(&mut rep, i, "/spec/defaultBackend", b);
        }
        let class = str_of(spec, "ingressClassName");
        if let Some(c) = class {
            if !dns_subdomain(c) {
                rep.at(i, "/spec/ingressClassName", format!("ingressClassName `{c}` is not a DNS-1123 subdomain"), "lowercase letters, digits, '-' and '.', at most 253 characters");
            }
        }
        let annotation = v.pointer("/metadata/annotations/kubernetes.io~1ingress.class").and_then(Value::as_str);
        if let (Some(a), Some(c)) = (annotation, class) {
            if a != c {
                rep.at(i, "/metadata/annotations/kubernetes.io~1ingress.class", format!("annotation kubernetes.io/ingress.class `{a}` must match ingressClassName `{c}` when both are specified"), "drop the deprecated annotation and keep spec.ingressClassName");
            }
        }
        for (j, r) in &rules {
            let at = format!("/spec/rules/{j}");
            if let Some(h) = str_of(r, "host").filter(|h| !h.is_empty()) {
                if let Some(why) = host_problem(h) {
                    rep.at(i, &ptr(&at, ["host"]), format!("host `{h}` {why}"), "a DNS name such as api.example.com or *.example.com");
                }
            }
            let Some(http) = r.get("http").filter(|h| h.is_object()) else { continue };
            let paths: Vec<_> = items(http, "paths").collect();
            if paths.is_empty() {
                rep.key(i, &ptr(&at, ["http"]), "http without paths (http.paths: Required value)".into(), "add a path, e.g. {path: /, pathType: Prefix, backend: ...}");
            }
            for (k, p) in paths {
                let pp = ptr(&at, ["http", "paths", &k.to_string()]);
                let path = str_of(p, "path").unwrap_or("");
                match str_of(p, "pathType") {
                    None => rep.key(i, &pp, "path without pathType (pathType must be specified)".into(), "set pathType: Prefix, Exact or ImplementationSpecific"),
                    Some("Exact" | "Prefix") => {
                        if let Some(why) = path_problem(path) {
                            rep.at(i, &ptr(&pp, [if p.get("path").is_some() { "path" } else { "pathType" }]), format!("path `{path}` {why}"), "write an absolute path such as /api without //, /./ or /../");
                        }
                    }
                    Some("ImplementationSpecific") => {
                        if !path.is_empty() && !path.starts_with('/') {
                            rep.at(i, &ptr(&pp, ["path"]), format!("path `{path}` must be an absolute path"), "start the path with /");
                        }
                    }
                    Some(t) => rep.at(i, &ptr(&pp, ["pathType"]), format!("pathType `{t}` is not supported"), "use Exact, Prefix or ImplementationSpecific"),
                }
                if let Some(b) = p.get("backend") {
                    backend(&mut rep, i, &ptr(&pp, ["backend"]), b);
                }
            }
        }
        for (j, t) in items(spec, "tls") {
            let at = format!("/spec/tls/{j}");
            for (k, h) in items(t, "hosts") {
                if let Some(why) = h.as_str().and_then(host_problem) {
                    rep.at(i, &ptr(&at, ["hosts", &k.to_string()]), format!("TLS host `{}` {why}", h.as_str().unwrap_or("")), "a DNS name such as shop.example.com or *.example.com");
                }
            }
            if let Some(s) = str_of(t, "secretName").filter(|s| !s.is_empty()) {
                if !dns_subdomain(s) {
                    rep.at(i, &ptr(&at, ["secretName"]), format!("secretName `{s}` is not a DNS-1123 subdomain"), "lowercase letters, digits, '-' and '.', at most 253 characters");
                }
            }
        }
    }
}
