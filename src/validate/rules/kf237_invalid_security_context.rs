//! KF237: security contexts the API server rejects (`ValidatePodSecurityContext`,
//! `ValidateSecurityContext`, `validateSeccompProfileField`, `validateSysctls`, the
//! user-namespace checks of `validateHostUsers`): ids outside 0–2147483647,
//! allowPrivilegeEscalation false with privileged or CAP_SYS_ADMIN, an unknown procMount or
//! Unmasked without `hostUsers: false`, `hostUsers: false` with host namespaces,
//! shareProcessNamespace with hostPID, a seccomp or AppArmor profile whose type and
//! localhostProfile disagree, an invalid or repeated sysctl name, and an unknown
//! fsGroupChangePolicy, supplementalGroupsPolicy or seLinuxChangePolicy.

use crate::hash::HashSet;

use kforge_value::{Map, Value};

use super::{Check, Rule};
use crate::validate::api::{items_of, ptr, str_of, Report};
use crate::validate::pods::pod_templates;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF237",
        name: "invalid-security-context",
        severity: Severity::Error,
        summary: "a security context id, profile, sysctl or flag combination the API rejects",
        doc: include_str!("../../../docs/rules/KF237.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

const MAX_ID: i64 = 2_147_483_647;

fn id(rep: &mut Report, i: usize, at: &str, v: Option<&Value>) {
    if let Some(n) = v.and_then(Value::as_i64) {
        if !(0..=MAX_ID).contains(&n) {
            rep.at(i, at, format!("{n} must be between 0 and 2147483647, inclusive"), "use an id from 0 to 2147483647");
        }
    }
}

fn profile(rep: &mut Report, i: usize, at: &str, p: &Value, what: &str) {
    let ty = str_of(p, "type").unwrap_or("");
    let local = p.get("localhostProfile").is_some_and(|l| !l.is_null());
    if !["RuntimeDefault", "Unconfined", "Localhost"].contains(&ty) {
        rep.at(i, &ptr(at, ["type"]), format!("{what} type `{ty}` is not supported"), "use RuntimeDefault, Unconfined or Localhost");
    } else if ty == "Localhost" && !local {
        rep.key(i, at, format!("a Localhost {what} needs localhostProfile (must be set when {what} type is Localhost)"), "name the profile file on the node");
    } else if ty != "Localhost" && local {
        rep.key(i, &ptr(at, ["localhostProfile"]), format!("localhostProfile can only be set when {what} type is Localhost"), "remove localhostProfile, or set type: Localhost");
    }
}

/// A sysctl name: dot- or slash-separated segments of [a-z0-9] with inner `-`/`_`, at most
/// 253 characters.
fn sysctl_name(s: &str) -> bool {
    let seg = |x: &str| {
        !x.is_empty()
            && x.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
            && x.as_bytes()[0].is_ascii_alphanumeric()
            && x.as_bytes()[x.len() - 1].is_ascii_alphanumeric()
    };
    s.len() <= 253 && s.split(['.', '/']).all(seg)
}

/// The checks both levels share.
fn common(rep: &mut Report, i: usize, at: &str, sc: &Map) {
    for f in ["runAsUser", "runAsGroup"] {
        id(rep, i, &ptr(at, [f]), sc.get(f));
    }
    for f in ["seccompProfile", "appArmorProfile"] {
        if let Some(p) = sc.get(f).filter(|p| p.is_object()) {
            profile(rep, i, &ptr(at, [f]), p, f);
        }
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for pt in pod_templates(cx) {
        let i = pt.object;
        let spec = pt.spec;
        let flag = |f: &str| spec.get(f).and_then(Value::as_bool);
        let sp = &pt.spec_ptr;
        if flag("hostUsers") == Some(false) {
            for f in ["hostNetwork", "hostPID", "hostIPC"] {
                if flag(f) == Some(true) {
                    rep.at(i, &ptr(sp, [f]), format!("{f} is forbidden when `hostUsers` is false"), "a pod in its own user namespace cannot share the node's namespaces");
                }
            }
        }
        if flag("shareProcessNamespace") == Some(true) && flag("hostPID") == Some(true) {
            rep.at(i, &ptr(sp, ["shareProcessNamespace"]), "ShareProcessNamespace and HostPID cannot both be enabled".into(), "drop one of them");
        }
        if let Some(sc) = spec.get("securityContext").and_then(Value::as_object) {
            let at = ptr(sp, ["securityContext"]);
            common(&mut rep, i, &at, sc);
            id(&mut rep, i, &ptr(&at, ["fsGroup"]), sc.get("fsGroup"));
            for (j, g) in sc.get("supplementalGroups").map(items_of).into_iter().flatten() {
                id(&mut rep, i, &ptr(&at, ["supplementalGroups", &j.to_string()]), Some(g));
            }
            for (f, allowed) in [("fsGroupChangePolicy", ["OnRootMismatch", "Always"]), ("supplementalGroupsPolicy", ["Merge", "Strict"]), ("seLinuxChangePolicy", ["Recursive", "MountOption"])] {
                if let Some(p) = sc.get(f).and_then(Value::as_str) {
                    if !allowed.contains(&p) {
                        rep.at(i, &ptr(&at, [f]), format!("{f} `{p}` is not supported"), &format!("use {} or {}", allowed[0], allowed[1]));
                    }
                }
            }
            let mut seen = HashSet::default();
            for (j, s) in sc.get("sysctls").map(items_of).into_iter().flatten() {
                let Some(n) = str_of(s, "name") else { continue };
                let np = ptr(&at, ["sysctls", &j.to_string(), "name"]);
                if !sysctl_name(n) {
                    rep.at(i, &np, format!("sysctl name `{n}` is not valid"), "lowercase segments separated by '.' or '/', e.g. net.core.somaxconn");
                } else if !seen.insert(n) {
                    rep.at(i, &np, format!("sysctl `{n}` is set twice (Duplicate value)"), "keep one entry");
                }
            }
        }
        for c in pt.containers() {
            let Some(sc) = c.spec.get("securityContext").and_then(Value::as_object) else { continue };
            let at = c.pointer(["securityContext"]);
            common(&mut rep, i, &at, sc);
            if sc.get("allowPrivilegeEscalation").and_then(Value::as_bool) == Some(false) {
                if sc.get("privileged").and_then(Value::as_bool) == Some(true) {
                    rep.at(i, &ptr(&at, ["allowPrivilegeEscalation"]), "cannot set `allowPrivilegeEscalation` to false and `privileged` to true".into(), "a privileged container can always escalate: drop one of them");
                }
                let adds = sc.get("capabilities").and_then(|c| c.get("add")).map(items_of).into_iter().flatten();
                if adds.into_iter().any(|(_, a)| a.as_str() == Some("CAP_SYS_ADMIN")) {
                    rep.at(i, &ptr(&at, ["allowPrivilegeEscalation"]), "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN".into(), "drop CAP_SYS_ADMIN or allow escalation");
                }
            }
            if let Some(p) = sc.get("procMount").and_then(Value::as_str) {
                if p != "Default" && p != "Unmasked" {
                    rep.at(i, &ptr(&at, ["procMount"]), format!("procMount `{p}` is not supported"), "use Default or Unmasked");
                } else if p == "Unmasked" && flag("hostUsers") != Some(false) {
                    rep.at(i, &ptr(&at, ["procMount"]), "`hostUsers` must be false to use `Unmasked`".into(), "set hostUsers: false on the pod, or use procMount: Default");
                }
            }
        }
    }
}
