//! KF238: pod and container fields the API server rejects that no other rule covers
//! (`validateDNSPolicy`, `validatePodDNSConfig`, `ValidatePodSpec`'s name and range checks,
//! `validateHostAliases`, `validatePullPolicy`, `validateReadinessGates`): an unknown
//! dnsPolicy, `dnsPolicy: None` without nameservers, more than 3 nameservers or one that is
//! not an IP, more than 32 searches, an option without a name; an unknown restartPolicy where
//! no controller rule judges it, an unknown os.name, a serviceAccountName or nodeName that is
//! not a DNS subdomain, an invalid or repeated scheduling gate; a hostname or subdomain that is not a DNS label; a host
//! alias with a bad IP or hostname; activeDeadlineSeconds outside 1–2147483647; a
//! priorityClassName or runtimeClassName that is not a DNS subdomain; an unknown
//! preemptionPolicy, imagePullPolicy or terminationMessagePolicy; a readiness gate whose
//! conditionType is not a qualified name; an empty or space-padded image in a Pod.

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::api::{dns_label, dns_subdomain, ip, items_of, ptr, qualified_name, str_of, Report};
use crate::validate::pods::pod_templates;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF238",
        name: "invalid-pod-fields",
        severity: Severity::Error,
        summary: "a pod DNS setting, host alias, class name or policy value the API rejects",
        doc: include_str!("../../../docs/rules/KF238.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

const DNS_POLICIES: &[&str] = &["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];

fn one_of(rep: &mut Report, i: usize, at: &str, v: Option<&Value>, what: &str, allowed: &[&str]) {
    if let Some(s) = v.and_then(Value::as_str) {
        if !allowed.contains(&s) {
            rep.at(i, at, format!("{what} `{s}` is not supported"), &format!("use {}", allowed.join(", ")));
        }
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for pt in pod_templates(cx) {
        let (i, spec, sp) = (pt.object, pt.spec, &pt.spec_ptr);
        one_of(&mut rep, i, &ptr(sp, ["dnsPolicy"]), spec.get("dnsPolicy"), "dnsPolicy", DNS_POLICIES);
        let config = spec.get("dnsConfig").filter(|c| c.is_object());
        let servers: Vec<_> = config.and_then(|c| c.get("nameservers")).map(items_of).into_iter().flatten().collect();
        if spec.get("dnsPolicy").and_then(Value::as_str) == Some("None") && servers.is_empty() {
            rep.at(i, &ptr(sp, ["dnsPolicy"]), "dnsPolicy None needs dnsConfig with at least one nameserver (must provide at least one DNS nameserver when DNS policy is None)".into(), "add dnsConfig.nameservers, or use ClusterFirst");
        }
        let cp = ptr(sp, ["dnsConfig"]);
        if servers.len() > 3 {
            rep.key(i, &ptr(&cp, ["nameservers"]), format!("{} nameservers; must not have more than 3 nameservers", servers.len()), "keep at most 3 nameservers");
        }
        for (j, s) in &servers {
            if let Some(a) = s.as_str() {
                if ip(a).is_none() {
                    rep.at(i, &ptr(&cp, ["nameservers", &j.to_string()]), format!("nameserver `{a}` is not a valid IP address"), "write an IPv4 or IPv6 address, e.g. 10.0.0.10");
                }
            }
        }
        let searches = config.and_then(|c| c.get("searches")).map(items_of).into_iter().flatten().count();
        if searches > 32 {
            rep.key(i, &ptr(&cp, ["searches"]), format!("{searches} search domains; must not have more than 32 search paths"), "keep at most 32 search domains");
        }
        for (j, o) in config.and_then(|c| c.get("options")).map(items_of).into_iter().flatten() {
            if str_of(o, "name").is_none_or(str::is_empty) {
                rep.key(i, &ptr(&cp, ["options", &j.to_string()]), "a DNS option without a name (Required value)".into(), "name the resolver option, e.g. ndots");
            }
        }
        // Without a restartPolicies row no controller rule (KF205) judges the value.
        if pt.location.restart_policies.is_none() {
            one_of(&mut rep, i, &ptr(sp, ["restartPolicy"]), spec.get("restartPolicy"), "restartPolicy", &["Always", "OnFailure", "Never"]);
        }
        one_of(&mut rep, i, &ptr(sp, ["os", "name"]), spec.get("os").and_then(|o| o.get("name")), "os.name", &["linux", "windows"]);
        for f in ["serviceAccountName", "nodeName"] {
            if let Some(n) = spec.get(f).and_then(Value::as_str).filter(|n| !n.is_empty()) {
                if !dns_subdomain(n) {
                    rep.at(i, &ptr(sp, [f]), format!("{f} `{n}` is not a DNS-1123 subdomain"), "lowercase letters, digits, '-' and '.', at most 253 characters");
                }
            }
        }
        let mut gates = crate::hash::HashSet::default();
        for (j, g) in spec.get("schedulingGates").map(items_of).into_iter().flatten() {
            if let Some(n) = str_of(g, "name") {
                let at = ptr(sp, ["schedulingGates", &j.to_string(), "name"]);
                if !qualified_name(n) {
                    rep.at(i, &at, format!("scheduling gate `{n}` is not a qualified name"), "`[prefix/]name`: an optional DNS-subdomain prefix and a name of at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends");
                } else if !gates.insert(n) {
                    rep.at(i, &at, format!("scheduling gate `{n}` is listed twice (Duplicate value)"), "keep one entry");
                }
            }
        }
        for f in ["hostname", "subdomain"] {
            if let Some(h) = spec.get(f).and_then(Value::as_str).filter(|h| !h.is_empty()) {
                if !dns_label(h) {
                    rep.at(i, &ptr(sp, [f]), format!("{f} `{h}` is not a DNS-1123 label"), "lowercase letters, digits and '-', at most 63");
                }
            }
        }
        for (j, a) in spec.get("hostAliases").map(items_of).into_iter().flatten() {
            let at = ptr(sp, ["hostAliases", &j.to_string()]);
            if let Some(a) = str_of(a, "ip") {
                if ip(a).is_none() {
                    rep.at(i, &ptr(&at, ["ip"]), format!("host alias ip `{a}` is not a valid IP address"), "write an IPv4 or IPv6 address, e.g. 10.0.0.10");
                }
            }
            for (k, h) in a.get("hostnames").map(items_of).into_iter().flatten() {
                if let Some(h) = h.as_str() {
                    if !dns_subdomain(h) {
                        rep.at(i, &ptr(&at, ["hostnames", &k.to_string()]), format!("hostname `{h}` is not a DNS-1123 subdomain"), "lowercase letters, digits, '-' and '.', at most 253 characters");
                    }
                }
            }
        }
        if let Some(d) = spec.get("activeDeadlineSeconds").and_then(Value::as_i64) {
            if !(1..=2_147_483_647).contains(&d) {
                rep.at(i, &ptr(sp, ["activeDeadlineSeconds"]), format!("activeDeadlineSeconds {d} must be between 1 and 2147483647, inclusive"), "use 1 to 2147483647 seconds");
            }
        }
        for f in ["priorityClassName", "runtimeClassName"] {
            if let Some(n) = spec.get(f).and_then(Value::as_str).filter(|n| !n.is_empty()) {
                if !dns_subdomain(n) {
                    rep.at(i, &ptr(sp, [f]), format!("{f} `{n}` is not a DNS-1123 subdomain"), "lowercase letters, digits, '-' and '.', at most 253 characters");
                }
            }
        }
        one_of(&mut rep, i, &ptr(sp, ["preemptionPolicy"]), spec.get("preemptionPolicy"), "preemptionPolicy", &["PreemptLowerPriority", "Never"]);
        for (j, g) in spec.get("readinessGates").map(items_of).into_iter().flatten() {
            if let Some(t) = str_of(g, "conditionType") {
                if !qualified_name(t) {
                    rep.at(i, &ptr(sp, ["readinessGates", &j.to_string(), "conditionType"]), format!("conditionType `{t}` is not a qualified name"), "`[prefix/]name`: an optional DNS-subdomain prefix and a name of at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends");
                }
            }
        }
        for c in pt.containers() {
            let get = |f: &str| c.spec.get(f);
            one_of(&mut rep, i, &c.pointer(["imagePullPolicy"]), get("imagePullPolicy"), "imagePullPolicy", &["Always", "IfNotPresent", "Never"]);
            one_of(&mut rep, i, &c.pointer(["terminationMessagePolicy"]), get("terminationMessagePolicy"), "terminationMessagePolicy", &["File", "FallbackToLogsOnError"]);
            // Only a Pod's containers need an image then (a template's may be set later).
            if cx.objects[i].resource.kind() == "Pod" {
                match get("image").and_then(Value::as_str) {
                    Some("") => rep.at(i, &c.pointer(["image"]), format!("container `{}` has an empty image (Required value)", c.name()), "name the image to run"),
                    Some(s) if s.trim() != s => rep.at(i, &c.pointer(["image"]), format!("image of container `{}` must not have leading or trailing whitespace", c.name()), "remove the spaces"),
                    _ => {}
                }
            }
        }
    }
}
