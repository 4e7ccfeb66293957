//! KF205: pod-spec structure the API server rejects: duplicate container names, a port name
//! used twice in one container, a volume mount of an undeclared volume (a StatefulSet's
//! claim templates count as volumes), a probe with no handler or more than one, and a
//! restartPolicy the controller does not allow (Job/CronJob: Never or OnFailure, and an
//! absent one defaults to Always; others: Always).

use crate::hash::HashSet;

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::pods::pod_templates;
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF205",
        name: "invalid-pod-spec",
        severity: Severity::Error,
        summary: "duplicate container or port names, undeclared volume mounts, multi-handler probes, wrong restartPolicy",
        doc: include_str!("../../../docs/rules/KF205.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

const HANDLERS: &[&str] = &["exec", "httpGet", "tcpSocket", "grpc"];

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for pt in pod_templates(cx) {
        let kind = cx.objects[pt.object].resource.kind();
        let sp = &pt.spec_ptr;
        // Controllers add volumes of their own to every pod they make: a StatefulSet's claim
        // templates, a JobSet's volume claim policies (the table's `addedVolumes`).
        let added = pt
            .location
            .added_volume_names(&cx.objects[pt.object].resource.value);
        let volumes: HashSet<&str> = pt
            .spec
            .get("volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.get("name").and_then(Value::as_str))
            .chain(added)
            .collect();
        let mut names = HashSet::default();
        for c in pt.containers() {
            // Port names are unique per container (the API keeps one set per container).
            let mut port_names = HashSet::default();
            for (j, port) in c.items("ports") {
                let Some(pname) = port.get("name").and_then(Value::as_str) else {
                    continue;
                };
                if !port_names.insert(pname) {
                    out.push(cx.finding(RULE.meta, pt.object)
                        .at(&format!("{}/ports/{j}/name", c.ptr))
                        .message(format!("port name `{pname}` is used twice in container `{}`", c.name()))
                        .help("give each port of a container its own name".into())
                        .build());
                }
            }
            let name = c.spec.get("name").and_then(Value::as_str).unwrap_or("");
            if !name.is_empty() && !names.insert(name) {
                out.push(
                    cx.finding(RULE.meta, pt.object)
                        .at(&c.pointer(["name"]))
                        .message(format!("container name `{name}` is used twice in one pod"))
                        .help("give every container and init container its own name".into())
                        .build(),
                );
            }
            for (j, m) in c.items("volumeMounts") {
                let v = m.get("name").and_then(Value::as_str).unwrap_or("");
                if !volumes.contains(v) {
                    out.push(cx.finding(RULE.meta, pt.object)
                        .at(&format!("{}/volumeMounts/{j}/name", c.ptr))
                        .message(format!("container `{name}` mounts volume `{v}`, which the pod does not declare"))
                        .help(format!("add `{v}` to the pod's volumes or fix the name"))
                        .build());
                }
            }
            for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                let Some(p) = c.spec.get(probe).and_then(Value::as_object) else {
                    continue;
                };
                let n = HANDLERS.iter().filter(|h| p.contains_key(h)).count();
                if n != 1 {
                    let (message, help) = if n == 0 {
                        (
                            format!("{probe} of `{name}` has no handler (must specify a handler type)"),
                            "add one of exec, httpGet, tcpSocket, grpc (or remove the probe)",
                        )
                    } else {
                        (
                            format!("{probe} of `{name}` has {n} handlers; exactly one is allowed"),
                            "keep one of exec, httpGet, tcpSocket, grpc",
                        )
                    };
                    out.push(
                        cx.finding(RULE.meta, pt.object)
                            .at(&c.pointer([probe]))
                            .anchor(Anchor::Key)
                            .message(message)
                            .help(help.into())
                            .build(),
                    );
                }
            }
        }
        // The values the owning controller accepts: a column of the pod-template table.
        // The API server defaults an absent (or empty) restartPolicy of a built-in kind's
        // template to Always before validation; a custom kind's operator decides for itself.
        let allowed = pt.location.restart_policies.as_deref();
        let written = pt.spec.get("restartPolicy").and_then(Value::as_str);
        let defaulted = matches!(pt.location.group.as_str(), "" | "apps" | "batch" | "extensions");
        if let Some(allowed) = allowed {
            let Some(policy) = written.filter(|p| !p.is_empty()).or(defaulted.then_some("Always")) else {
                continue;
            };
            if !allowed.iter().any(|a| a == policy) {
                let (at, message) = match written {
                    Some(_) => (
                        format!("{sp}/restartPolicy"),
                        format!("restartPolicy {policy} is not allowed for a {kind}"),
                    ),
                    None => (
                        sp.clone(),
                        format!("a {kind}'s pod template needs a restartPolicy: without one it defaults to Always, which a {kind} does not allow"),
                    ),
                };
                out.push(
                    cx.finding(RULE.meta, pt.object)
                        .at(&at)
                        .anchor(if written.is_some() { Anchor::Value } else { Anchor::Key })
                        .message(message)
                        .help(format!("set restartPolicy: {}", allowed.join(" or ")))
                        .build(),
                );
            }
        }
    }
}
