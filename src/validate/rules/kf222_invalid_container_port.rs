//! KF222: container ports the API server rejects (`validateContainerPorts`,
//! `AccumulateUniqueHostPorts`, `validateHostNetwork`): a containerPort missing or out of
//! range, a hostPort out of range, an unknown protocol, the same (protocol, hostIP,
//! hostPort) claimed twice among the pod's containers, and a hostPort other than the
//! containerPort in a `hostNetwork` pod.

use crate::hash::HashSet;

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::api::{int_of, port_number, ptr, str_of, Report};
use crate::validate::pods::pod_templates;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF222",
        name: "invalid-container-port",
        severity: Severity::Error,
        summary: "a container port out of range, with an unknown protocol, or a host port clash",
        doc: include_str!("../../../docs/rules/KF222.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for pt in pod_templates(cx) {
        let i = pt.object;
        let host_network = pt.spec.get("hostNetwork").and_then(Value::as_bool) == Some(true);
        let mut host_ports = HashSet::default();
        for c in pt.containers() {
            // Init containers run one at a time, so only regular containers share host ports.
            let mut own = HashSet::default();
            let shared = if c.init { &mut own } else { &mut host_ports };
            for (j, p) in c.items("ports") {
                let at = c.pointer(["ports", &j.to_string()]);
                let container_port = int_of(p, "containerPort");
                match container_port {
                    Some(n) if !port_number(n) => rep.at(i, &ptr(&at, ["containerPort"]), format!("containerPort {n} is not between 1 and 65535"), "use a port number from 1 to 65535"),
                    None if p.get("containerPort").is_none() => rep.key(i, &at, "port without containerPort (Required value)".into(), "set containerPort to the port the process listens on"),
                    _ => {}
                }
                let proto = str_of(p, "protocol").unwrap_or("TCP");
                if !["TCP", "UDP", "SCTP"].contains(&proto) {
                    rep.at(i, &ptr(&at, ["protocol"]), format!("protocol `{proto}` is not supported"), "use TCP, UDP or SCTP");
                }
                let host_port = int_of(p, "hostPort").unwrap_or(0);
                if host_port == 0 {
                    continue;
                }
                if !port_number(host_port) {
                    rep.at(i, &ptr(&at, ["hostPort"]), format!("hostPort {host_port} is not between 1 and 65535"), "use a port number from 1 to 65535");
                    continue;
                }
                if host_network && container_port.is_some_and(|c| c != host_port) {
                    rep.at(i, &ptr(&at, ["hostPort"]), format!("hostPort {host_port} must match containerPort when hostNetwork is true"), "with hostNetwork the process listens on the node: set hostPort equal to containerPort, or drop it");
                }
                let host_ip = str_of(p, "hostIP").unwrap_or("");
                if !shared.insert((proto, host_ip, host_port)) {
                    rep.at(i, &ptr(&at, ["hostPort"]), format!("{proto} hostPort {host_port} is claimed twice in the pod (Duplicate value)"), "each host port can be bound once per node: pick another port");
                }
            }
        }
    }
}
