//! KF221: Service specs the API server rejects (`ValidateService`): an unknown type, no
//! ports on a Service that needs them, a port out of range, an unknown protocol, a missing
//! or repeated port name, a repeated (protocol, port) or (protocol, nodePort), a nodePort on
//! a ClusterIP Service, a targetPort that is neither a port number nor a port name,
//! `clusterIP: None` on a NodePort or LoadBalancer Service, an ExternalName Service without
//! `externalName`, fields only externally reachable or LoadBalancer Services take, session
//! affinity settings, traffic and IP-family policies, external IPs and appProtocols.

use crate::hash::HashSet;

use super::{Check, Rule};
use std::net::IpAddr;

use crate::validate::api::{cidr, dns_label, int_of, ip, items, objects, port_number, port_problem, ptr, qualified_name, str_of, Report};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF221",
        name: "invalid-service",
        severity: Severity::Error,
        summary: "a Service port, type or field combination the API server rejects",
        doc: include_str!("../../../docs/rules/KF221.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

const TYPES: &[&str] = &["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
const PROTOCOLS: &[&str] = &["TCP", "UDP", "SCTP"];

/// Link-local unicast or multicast (169.254/16, 224.0.0/24, fe80::/10, ff02::/16).
fn is_link_local(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(v) => v.is_link_local() || (v.octets()[..3] == [224, 0, 0]),
        IpAddr::V6(v) => (v.segments()[0] & 0xffc0) == 0xfe80 || (v.segments()[0] & 0xff0f) == 0xff02,
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for (i, v) in objects(cx, "", "Service") {
        let Some(spec) = v.get("spec") else { continue };
        let ty = str_of(spec, "type").unwrap_or("ClusterIP");
        if !TYPES.contains(&ty) {
            rep.at(i, "/spec/type", format!("Service type `{ty}` is not supported"), "use ClusterIP, NodePort, LoadBalancer or ExternalName");
            continue;
        }
        let headless = str_of(spec, "clusterIP") == Some("None");
        let ports: Vec<_> = items(spec, "ports").collect();
        if ports.is_empty() && !headless && ty != "ExternalName" && spec.get("ports").is_none_or(|p| p.is_array()) {
            rep.key(i, "/spec", "Service has no ports (spec.ports: Required value)".into(), "list the ports it serves; only headless and ExternalName Services may have none");
        }
        if headless && (ty == "NodePort" || ty == "LoadBalancer") {
            rep.at(i, "/spec/clusterIP", format!("clusterIP may not be set to 'None' for {ty} services"), "remove clusterIP: None, or make the Service type ClusterIP");
        }
        if ty == "ExternalName" && str_of(spec, "externalName").is_none_or(str::is_empty) {
            rep.at(i, "/spec/type", "an ExternalName Service needs spec.externalName".into(), "set externalName to the DNS name it aliases");
        }
        let external = ty == "NodePort" || ty == "LoadBalancer" || (ty == "ClusterIP" && items(spec, "externalIPs").next().is_some());
        if spec.get("externalTrafficPolicy").is_some() && !external {
            rep.key(i, "/spec/externalTrafficPolicy", "externalTrafficPolicy may only be set for externally-accessible services (NodePort, LoadBalancer, or with externalIPs)".into(), "remove it, or change the Service type");
        }
        if spec.get("loadBalancerSourceRanges").is_some() && ty != "LoadBalancer" {
            rep.key(i, "/spec/loadBalancerSourceRanges", "loadBalancerSourceRanges may only be used when `type` is 'LoadBalancer'".into(), "remove it, or make the Service a LoadBalancer");
        }
        for (j, r) in items(spec, "loadBalancerSourceRanges") {
            if let Some(s) = r.as_str() {
                if cidr(s.trim()).is_none() {
                    rep.at(i, &format!("/spec/loadBalancerSourceRanges/{j}"), format!("`{s}` is not a valid CIDR"), "write an address and prefix length, e.g. 203.0.113.0/24");
                }
            }
        }
        let affinity = str_of(spec, "sessionAffinity").unwrap_or("None");
        if affinity != "None" && affinity != "ClientIP" {
            rep.at(i, "/spec/sessionAffinity", format!("sessionAffinity `{affinity}` is not supported"), "use None or ClientIP");
        }
        if let Some(c) = spec.get("sessionAffinityConfig").filter(|c| !c.is_null()) {
            if affinity == "None" {
                rep.key(i, "/spec/sessionAffinityConfig", "sessionAffinityConfig must not be set when sessionAffinity is None".into(), "set sessionAffinity: ClientIP, or drop the config");
            }
            if let Some(t) = c.pointer("/clientIP/timeoutSeconds").and_then(kforge_value::Value::as_i64) {
                if !(1..=86400).contains(&t) {
                    rep.at(i, "/spec/sessionAffinityConfig/clientIP/timeoutSeconds", format!("timeoutSeconds {t} must be greater than 0 and less than or equal to 86400"), "use 1 to 86400 seconds (the default is 10800)");
                }
            }
        }
        for (f, allowed) in [("internalTrafficPolicy", &["Cluster", "Local"][..]), ("externalTrafficPolicy", &["Cluster", "Local"][..]), ("ipFamilyPolicy", &["SingleStack", "PreferDualStack", "RequireDualStack"][..])] {
            if let Some(v) = str_of(spec, f) {
                if !allowed.contains(&v) {
                    rep.at(i, &format!("/spec/{f}"), format!("{f} `{v}` is not supported"), &format!("use {}", allowed.join(" or ")));
                }
            }
        }
        let mut families = HashSet::default();
        for (j, f) in items(spec, "ipFamilies") {
            if let Some(f) = f.as_str() {
                if f != "IPv4" && f != "IPv6" {
                    rep.at(i, &format!("/spec/ipFamilies/{j}"), format!("ip family `{f}` is not supported"), "use IPv4 or IPv6");
                } else if !families.insert(f) {
                    rep.at(i, &format!("/spec/ipFamilies/{j}"), format!("ip family `{f}` is listed twice (Duplicate value)"), "keep one entry");
                }
            }
        }
        for f in ["allocateLoadBalancerNodePorts", "loadBalancerClass"] {
            if spec.get(f).is_some_and(|v| !v.is_null()) && ty != "LoadBalancer" {
                rep.key(i, &format!("/spec/{f}"), format!("{f} may only be used when `type` is 'LoadBalancer'"), "remove it, or make the Service a LoadBalancer");
            }
        }
        for (j, a) in items(spec, "externalIPs") {
            if let Some(a) = a.as_str() {
                let special = ip(a).map(|x| x.is_unspecified() || x.is_loopback() || is_link_local(x));
                if special != Some(false) {
                    rep.at(i, &format!("/spec/externalIPs/{j}"), format!("externalIP `{a}` is not a usable IP address (unspecified, loopback and link-local ones are refused)"), "write a routable IPv4 or IPv6 address, e.g. 10.0.0.10");
                }
            }
        }
        let mut names = HashSet::default();
        let mut pairs = HashSet::default();
        let mut node_pairs = HashSet::default();
        for (j, p) in &ports {
            let at = format!("/spec/ports/{j}");
            let proto = str_of(p, "protocol").unwrap_or("TCP");
            if !PROTOCOLS.contains(&proto) {
                rep.at(i, &ptr(&at, ["protocol"]), format!("protocol `{proto}` is not supported"), "use TCP, UDP or SCTP");
            }
            match str_of(p, "name") {
                Some(n) if !n.is_empty() => {
                    if !dns_label(n) {
                        rep.at(i, &ptr(&at, ["name"]), format!("port name `{n}` is not a DNS-1123 label"), "lowercase letters, digits and '-', at most 63");
                    } else if !names.insert(n) {
                        rep.at(i, &ptr(&at, ["name"]), format!("port name `{n}` is used twice (Duplicate value)"), "give each port its own name");
                    }
                }
                _ if ports.len() > 1 => rep.key(i, &at, "a Service with several ports needs a name on each (name: Required value)".into(), "name every port, e.g. http, grpc"),
                _ => {}
            }
            if let Some(n) = int_of(p, "port") {
                if !port_number(n) {
                    rep.at(i, &ptr(&at, ["port"]), format!("port {n} is not between 1 and 65535"), "use a port number from 1 to 65535");
                } else if !pairs.insert((proto, n)) {
                    rep.at(i, &ptr(&at, ["port"]), format!("{proto} port {n} is listed twice (Duplicate value)"), "merge the two entries or change one's port or protocol");
                }
            }
            if let Some(a) = str_of(p, "appProtocol") {
                if !qualified_name(a) {
                    rep.at(i, &ptr(&at, ["appProtocol"]), format!("appProtocol `{a}` is not a qualified name"), "e.g. http, kubernetes.io/h2c or example.com/custom");
                }
            }
            if let Some(t) = p.get("targetPort") {
                if let Some(problem) = port_problem(t) {
                    rep.at(i, &ptr(&at, ["targetPort"]), format!("targetPort: {problem}"), "a container port number or the name of a container port");
                }
            }
            if let Some(n) = int_of(p, "nodePort").filter(|n| *n != 0) {
                if ty == "ClusterIP" || ty == "ExternalName" {
                    rep.at(i, &ptr(&at, ["nodePort"]), format!("nodePort may not be used when `type` is '{ty}'"), "remove nodePort, or make the Service a NodePort or LoadBalancer");
                } else if !port_number(n) {
                    rep.at(i, &ptr(&at, ["nodePort"]), format!("nodePort {n} is not between 1 and 65535"), "use a port number from 1 to 65535");
                } else if !node_pairs.insert((proto, n)) {
                    rep.at(i, &ptr(&at, ["nodePort"]), format!("{proto} nodePort {n} is listed twice (Duplicate value)"), "keep one entry");
                }
            }
        }
    }
}
