//! KF230: NetworkPolicy specs the API server rejects (networking
//! `ValidateNetworkPolicySpec`, `ValidateNetworkPolicyPeer`, `ValidateNetworkPolicyPort`,
//! `ValidateIPBlock`): a peer with no selector and no ipBlock, an ipBlock beside a
//! selector, an ipBlock whose cidr is missing or invalid or whose `except` is not strictly
//! inside it, a port with an unknown protocol, a port that is neither a number nor a port
//! name, an endPort without a numeric port or below it, and policyTypes other than
//! Ingress and Egress (at most two).

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::api::{cidr, cidr_contains, int_of, items, objects, port_number, port_problem, ptr, str_of, Report};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF230",
        name: "invalid-network-policy",
        severity: Severity::Error,
        summary: "a NetworkPolicy peer, ipBlock, port or policy type the API server rejects",
        doc: include_str!("../../../docs/rules/KF230.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn peer(rep: &mut Report, i: usize, at: &str, p: &Value) {
    let has = |f: &str| p.get(f).is_some_and(|v| !v.is_null());
    let selectors = has("podSelector") || has("namespaceSelector");
    if !selectors && !has("ipBlock") {
        rep.key(i, at, "a peer must specify one of podSelector, namespaceSelector or ipBlock (must specify a peer)".into(), "add a selector, or remove the empty peer (an empty `from`/`to` list entry)");
    }
    if selectors && has("ipBlock") {
        rep.key(i, &ptr(at, ["ipBlock"]), "ipBlock may not be specified with podSelector or namespaceSelector (may not specify more than 1 peer type)".into(), "make the ipBlock a peer of its own (a separate list entry)");
    }
    let Some(b) = p.get("ipBlock").filter(|b| b.is_object()) else { return };
    let bp = ptr(at, ["ipBlock"]);
    let outer = match str_of(b, "cidr") {
        None | Some("") => {
            rep.key(i, &bp, "ipBlock without cidr (Required value)".into(), "e.g. cidr: 10.0.0.0/8");
            None
        }
        Some(c) => {
            let parsed = cidr(c);
            if parsed.is_none() {
                rep.at(i, &ptr(&bp, ["cidr"]), format!("`{c}` is not a valid CIDR"), "an address and a prefix length, e.g. 10.0.0.0/8");
            }
            parsed
        }
    };
    for (k, e) in items(b, "except") {
        let Some(s) = e.as_str() else { continue };
        let ep = ptr(&bp, ["except", &k.to_string()]);
        match (cidr(s), outer) {
            (None, _) => rep.at(i, &ep, format!("`{s}` is not a valid CIDR"), "write an address and a prefix length, e.g. 10.0.0.0/8"),
            (Some(inner), Some(o)) if !(cidr_contains(o, inner) && inner.1 > o.1) => {
                rep.at(i, &ep, format!("except `{s}` must be a strict subset of cidr `{}`", str_of(b, "cidr").unwrap_or("")), "list only ranges inside the block's cidr, with a longer prefix")
            }
            _ => {}
        }
    }
}

fn port(rep: &mut Report, i: usize, at: &str, p: &Value) {
    if let Some(proto) = str_of(p, "protocol") {
        if !["TCP", "UDP", "SCTP"].contains(&proto) {
            rep.at(i, &ptr(at, ["protocol"]), format!("protocol `{proto}` is not supported"), "use TCP, UDP or SCTP");
        }
    }
    if let Some(problem) = p.get("port").and_then(port_problem) {
        rep.at(i, &ptr(at, ["port"]), problem, "a port number or a named container port");
    }
    if let Some(end) = int_of(p, "endPort") {
        match p.get("port") {
            Some(Value::Number(n)) => {
                let start = n.as_i64().unwrap_or(0);
                if !port_number(end) || end < start {
                    rep.at(i, &ptr(at, ["endPort"]), format!("endPort {end} must be between port {start} and 65535"), "set endPort at or above port, at most 65535");
                }
            }
            _ => rep.at(i, &ptr(at, ["endPort"]), "endPort may not be specified when port is absent or a named port".into(), "give port as a number, or drop endPort"),
        }
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for (i, v) in objects(cx, "networking.k8s.io", "NetworkPolicy") {
        let Some(spec) = v.get("spec") else { continue };
        for (dir, peers) in [("ingress", "from"), ("egress", "to")] {
            for (j, r) in items(spec, dir) {
                let at = format!("/spec/{dir}/{j}");
                for (k, p) in items(r, peers) {
                    peer(&mut rep, i, &ptr(&at, [peers, &k.to_string()]), p);
                }
                for (k, p) in items(r, "ports") {
                    port(&mut rep, i, &ptr(&at, ["ports", &k.to_string()]), p);
                }
            }
        }
        let types: Vec<_> = items(spec, "policyTypes").collect();
        if types.len() > 2 {
            rep.key(i, "/spec/policyTypes", format!("policyTypes has {} entries; at most 2 (Ingress, Egress)", types.len()), "list Ingress, Egress or both");
        }
        for (j, t) in types {
            if let Some(s) = t.as_str() {
                if s != "Ingress" && s != "Egress" {
                    rep.at(i, &format!("/spec/policyTypes/{j}"), format!("policy type `{s}` is not supported"), "use Ingress or Egress (capitalized)");
                }
            }
        }
    }
}
