//! KF224: probes, lifecycle hooks and init containers the API server rejects
//! (`validateProbe`, `validateHandler`, `validateLifecycle`, `validateInitContainers`): a
//! negative timing field, a liveness or startup probe with successThreshold other than 1,
//! a probe-level terminationGracePeriodSeconds that is not positive or is on a readiness
//! probe, an exec handler without a command, a port that is neither a number nor a port
//! name, an unknown httpGet scheme or an invalid header name, a lifecycle hook with no handler or several, a negative
//! sleep; probes or lifecycle on an init container that is not a sidecar, and an init
//! container restartPolicy other than Always.

use kforge_value::{Map, Value};

use super::{Check, Rule};
use crate::validate::api::{int_of, port_problem, ptr, str_of, Report};
use crate::validate::pods::containers;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF224",
        name: "invalid-probe",
        severity: Severity::Error,
        summary: "a probe, lifecycle hook or init-container setting the API server rejects",
        doc: include_str!("../../../docs/rules/KF224.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

const PROBES: &[&str] = &["livenessProbe", "readinessProbe", "startupProbe"];
const TIMINGS: &[&str] = &[
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
];

/// The checks of one handler's action (a probe's or a hook's).
fn action(rep: &mut Report, i: usize, at: &str, h: &Map) {
    if let Some(e) = h.get("exec") {
        if e.get("command").and_then(Value::as_array).is_none_or(Vec::is_empty) {
            rep.key(i, &ptr(at, ["exec"]), "exec handler without a command (exec.command: Required value)".into(), "give the command to run, e.g. [cat, /tmp/healthy]");
        }
    }
    for kind in ["httpGet", "tcpSocket", "grpc"] {
        if let Some(port) = h.get(kind).and_then(|a| a.get("port")) {
            let problem = match (kind, port) {
                ("grpc", Value::String(_)) => None, // a type error (KF101)
                _ => port_problem(port),
            };
            if let Some(p) = problem {
                rep.at(i, &ptr(at, [kind, "port"]), format!("{kind}.{p}"), "a container port number or the name of a container port");
            }
        }
    }
    for (j, hd) in h.get("httpGet").map(|g| crate::validate::api::items(g, "httpHeaders")).into_iter().flatten() {
        if let Some(n) = str_of(hd, "name") {
            let token = !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !token {
                rep.at(i, &ptr(at, ["httpGet", "httpHeaders", &j.to_string(), "name"]), format!("HTTP header name `{n}` is not a valid header field name"), "letters, digits and !#$%&'*+-.^_`|~, no spaces or colons");
            }
        }
    }
    if let Some(s) = h.get("httpGet").and_then(|g| str_of(g, "scheme")) {
        if s != "HTTP" && s != "HTTPS" {
            rep.at(i, &ptr(at, ["httpGet", "scheme"]), format!("httpGet.scheme `{s}` is not supported"), "use HTTP or HTTPS (upper case)");
        }
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for c in containers(cx) {
        let i = c.pod.object;
        let sidecar = c.init && c.spec.get("restartPolicy").and_then(Value::as_str) == Some("Always");
        if c.init {
            if let Some(r) = c.spec.get("restartPolicy").and_then(Value::as_str) {
                if r != "Always" {
                    rep.at(i, &c.pointer(["restartPolicy"]), format!("init container restartPolicy `{r}` is not supported"), "only Always (a sidecar) is allowed; remove it for a plain init container");
                }
            }
            if !sidecar {
                for f in PROBES.iter().copied().chain(["lifecycle"]) {
                    if c.spec.contains_key(f) {
                        rep.key(i, &c.pointer([f]), format!("{f} of init container `{}` may not be set for init containers without restartPolicy=Always", c.name()), "move it to the container it belongs to, or make this init container a sidecar (restartPolicy: Always)");
                    }
                }
                continue;
            }
        }
        for probe in PROBES {
            let Some(p) = c.spec.get(probe).and_then(Value::as_object) else { continue };
            let at = c.pointer([*probe]);
            let v = c.spec.get(probe).unwrap_or(&Value::Null);
            for t in TIMINGS {
                if let Some(n) = int_of(v, t).filter(|n| *n < 0) {
                    rep.at(i, &ptr(&at, [*t]), format!("{probe}.{t} {n} must be greater than or equal to 0"), "use 0 or a positive number");
                }
            }
            if *probe != "readinessProbe" {
                if let Some(n) = int_of(v, "successThreshold").filter(|n| *n > 1) {
                    rep.at(i, &ptr(&at, ["successThreshold"]), format!("{probe}.successThreshold {n} must be 1"), "liveness and startup probes succeed once; only readiness probes take a higher threshold");
                }
            }
            if let Some(n) = int_of(v, "terminationGracePeriodSeconds") {
                if *probe == "readinessProbe" {
                    rep.key(i, &ptr(&at, ["terminationGracePeriodSeconds"]), "terminationGracePeriodSeconds must not be set for readinessProbes".into(), "remove it: a failing readiness probe does not kill the container");
                } else if n <= 0 {
                    rep.at(i, &ptr(&at, ["terminationGracePeriodSeconds"]), format!("terminationGracePeriodSeconds {n} must be greater than 0"), "use a value above zero");
                }
            }
            action(&mut rep, i, &at, p);
        }
        if let Some(l) = c.spec.get("lifecycle").and_then(Value::as_object) {
            for hook in ["postStart", "preStop"] {
                let Some(h) = l.get(hook).and_then(Value::as_object) else { continue };
                let at = c.pointer(["lifecycle", hook]);
                let set: Vec<&str> = ["exec", "httpGet", "tcpSocket", "sleep"].into_iter().filter(|k| h.contains_key(k)).collect();
                match set.len() {
                    0 => rep.key(i, &at, format!("lifecycle.{hook} of `{}` has no handler (must specify a handler type)", c.name()), "add one of exec, httpGet, tcpSocket, sleep, or remove the hook"),
                    1 => {}
                    n => rep.key(i, &ptr(&at, [set[1]]), format!("lifecycle.{hook} of `{}` has {n} handlers; may not specify more than 1 handler type", c.name()), "keep one handler"),
                }
                if let Some(s) = h.get("sleep").and_then(|s| int_of(s, "seconds")).filter(|s| *s < 0) {
                    rep.at(i, &ptr(&at, ["sleep", "seconds"]), format!("sleep.seconds {s} must be greater than or equal to 0"), "use 0 or a positive number");
                }
                action(&mut rep, i, &at, h);
            }
        }
    }
}
