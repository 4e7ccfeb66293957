//! KF226: Deployment, ReplicaSet, StatefulSet and DaemonSet specs the API server rejects
//! (`ValidateDeploymentSpec`, `ValidateStatefulSetSpec`, `ValidateDaemonSetSpec` and their
//! update-strategy checks): an empty selector, a template with activeDeadlineSeconds, negative replicas, minReadySeconds or
//! revisionHistoryLimit; a Deployment strategy with an unknown type, `rollingUpdate` under
//! Recreate, maxSurge/maxUnavailable that are not a count or percentage, both zero, or
//! above 100%, and progressDeadlineSeconds not above minReadySeconds; a DaemonSet rolling
//! update whose maxSurge and maxUnavailable are (after defaulting) both zero or both
//! non-zero; a StatefulSet with an unknown podManagementPolicy, update strategy or PVC
//! retention policy, `rollingUpdate` under OnDelete, or a negative partition or ordinal.

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::api::{int_of, int_or_percent, objects, ptr, selector_is_empty, str_of, Report};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF226",
        name: "invalid-workload",
        severity: Severity::Error,
        summary: "a workload selector, count or update strategy the API server rejects",
        doc: include_str!("../../../docs/rules/KF226.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// An int-or-percent field of a rolling update: its value (percentages as they are) or a
/// finding; `None` when absent or not a number or string.
fn rolling(rep: &mut Report, i: usize, at: &str, ru: &Value, field: &str) -> Option<(i64, bool)> {
    match int_or_percent(ru.get(field)?)? {
        Ok((n, pct)) => {
            if pct && n > 100 && field == "maxUnavailable" {
                rep.at(i, &ptr(at, [field]), format!("{field} {n}% must not be greater than 100%"), "use a percentage from 0% to 100%");
            }
            Some((n, pct))
        }
        Err(e) => {
            rep.at(i, &ptr(at, [field]), format!("{field}: {e}"), "write a count (1) or a percentage string (\"25%\")");
            None
        }
    }
}

fn common(rep: &mut Report, i: usize, kind: &str, spec: &Value) {
    if let Some(sel) = spec.get("selector").and_then(Value::as_object) {
        if selector_is_empty(sel) {
            rep.key(i, "/spec/selector", format!("empty selector is invalid for {kind}"), "select the pod template's labels with matchLabels");
        }
    }
    if spec.pointer("/template/spec/activeDeadlineSeconds").is_some_and(|v| !v.is_null()) {
        rep.key(i, "/spec/template/spec/activeDeadlineSeconds", format!("activeDeadlineSeconds in {kind} is not Supported"), "a controller's pods run until replaced: remove it (Jobs take activeDeadlineSeconds)");
    }
    for f in ["replicas", "minReadySeconds", "revisionHistoryLimit"] {
        if let Some(n) = int_of(spec, f).filter(|n| *n < 0) {
            rep.at(i, &format!("/spec/{f}"), format!("{f} {n} must be greater than or equal to 0"), "use 0 or a positive number");
        }
    }
}

fn deployment(rep: &mut Report, i: usize, spec: &Value) {
    let st = spec.get("strategy");
    let ty = st.and_then(|s| str_of(s, "type")).unwrap_or("RollingUpdate");
    if !["RollingUpdate", "Recreate"].contains(&ty) {
        rep.at(i, "/spec/strategy/type", format!("strategy type `{ty}` is not supported"), "use RollingUpdate or Recreate");
    }
    if let Some(ru) = st.and_then(|s| s.get("rollingUpdate")).filter(|r| !r.is_null()) {
        if ty == "Recreate" {
            rep.key(i, "/spec/strategy/rollingUpdate", "rollingUpdate may not be specified when strategy `type` is 'Recreate'".into(), "remove rollingUpdate, or use type RollingUpdate");
        }
        let at = "/spec/strategy/rollingUpdate";
        let surge = rolling(rep, i, at, ru, "maxSurge");
        let unavailable = rolling(rep, i, at, ru, "maxUnavailable");
        if surge.is_some_and(|s| s.0 == 0) && unavailable.is_some_and(|u| u.0 == 0) {
            rep.at(i, &ptr(at, ["maxUnavailable"]), "maxUnavailable may not be 0 when maxSurge is 0".into(), "let one of them be above zero, or the rollout cannot make progress");
        }
    }
    let min_ready = int_of(spec, "minReadySeconds").unwrap_or(0);
    let deadline = int_of(spec, "progressDeadlineSeconds");
    if deadline.unwrap_or(600) <= min_ready {
        let (at, what) = match deadline {
            Some(d) => ("/spec/progressDeadlineSeconds", format!("progressDeadlineSeconds {d}")),
            None => ("/spec/minReadySeconds", "progressDeadlineSeconds (600 by default)".to_owned()),
        };
        rep.at(i, at, format!("{what} must be greater than minReadySeconds {min_ready}"), "raise progressDeadlineSeconds above minReadySeconds");
    }
}

fn daemonset(rep: &mut Report, i: usize, spec: &Value) {
    let st = spec.get("updateStrategy");
    let ty = st.and_then(|s| str_of(s, "type")).unwrap_or("RollingUpdate");
    if !["RollingUpdate", "OnDelete"].contains(&ty) {
        rep.at(i, "/spec/updateStrategy/type", format!("updateStrategy type `{ty}` is not supported"), "use RollingUpdate or OnDelete");
    }
    let Some(ru) = st.and_then(|s| s.get("rollingUpdate")).filter(|r| r.is_object()) else { return };
    if ty != "RollingUpdate" {
        return;
    }
    let at = "/spec/updateStrategy/rollingUpdate";
    // Defaulting: an absent maxUnavailable becomes 1, an absent maxSurge 0.
    let surge = if ru.get("maxSurge").is_some() { rolling(rep, i, at, ru, "maxSurge") } else { Some((0, false)) };
    let unavailable = if ru.get("maxUnavailable").is_some() { rolling(rep, i, at, ru, "maxUnavailable") } else { Some((1, false)) };
    if let (Some(s), Some(u)) = (surge, unavailable) {
        if s.0 != 0 && u.0 != 0 {
            let note = if ru.get("maxUnavailable").is_none() { " (an absent maxUnavailable defaults to 1)" } else { "" };
            rep.at(i, &ptr(at, ["maxSurge"]), format!("maxSurge may not be set when maxUnavailable is non-zero{note}"), "set maxUnavailable: 0 beside maxSurge, or drop maxSurge");
        } else if s.0 == 0 && u.0 == 0 {
            rep.at(i, &ptr(at, ["maxUnavailable"]), "maxUnavailable cannot be 0 when maxSurge is 0".into(), "let one of them be above zero");
        }
    }
}

fn statefulset(rep: &mut Report, i: usize, spec: &Value) {
    if let Some(p) = str_of(spec, "podManagementPolicy") {
        if !["OrderedReady", "Parallel"].contains(&p) {
            rep.at(i, "/spec/podManagementPolicy", format!("podManagementPolicy `{p}` is not supported"), "use OrderedReady or Parallel");
        }
    }
    let st = spec.get("updateStrategy");
    let ty = st.and_then(|s| str_of(s, "type")).unwrap_or("RollingUpdate");
    if !["RollingUpdate", "OnDelete"].contains(&ty) {
        rep.at(i, "/spec/updateStrategy/type", format!("updateStrategy type `{ty}` is not supported"), "use RollingUpdate or OnDelete");
    }
    if let Some(ru) = st.and_then(|s| s.get("rollingUpdate")).filter(|r| r.is_object()) {
        let at = "/spec/updateStrategy/rollingUpdate";
        if ty == "OnDelete" {
            rep.key(i, at, "rollingUpdate is only allowed for updateStrategy 'RollingUpdate'".into(), "remove rollingUpdate, or use type RollingUpdate");
        }
        if let Some(n) = int_of(ru, "partition").filter(|n| *n < 0) {
            rep.at(i, &ptr(at, ["partition"]), format!("partition {n} must be greater than or equal to 0"), "use 0 or a positive number");
        }
        if let Some((n, pct)) = rolling(rep, i, at, ru, "maxUnavailable") {
            if n == 0 {
                rep.at(i, &ptr(at, ["maxUnavailable"]), format!("maxUnavailable {n}{} must be greater than 0", if pct { "%" } else { "" }), "use a value above zero");
            }
        }
    }
    if let Some(r) = spec.get("persistentVolumeClaimRetentionPolicy") {
        for f in ["whenDeleted", "whenScaled"] {
            if let Some(p) = str_of(r, f) {
                if p != "Retain" && p != "Delete" {
                    rep.at(i, &format!("/spec/persistentVolumeClaimRetentionPolicy/{f}"), format!("{f} `{p}` is not supported"), "use Retain or Delete");
                }
            }
        }
    }
    if let Some(n) = spec.get("ordinals").and_then(|o| int_of(o, "start")).filter(|n| *n < 0) {
        rep.at(i, "/spec/ordinals/start", format!("ordinals.start {n} must be greater than or equal to 0"), "use 0 or a positive number");
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for kind in ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"] {
        for (i, v) in objects(cx, "apps", kind) {
            let Some(spec) = v.get("spec") else { continue };
            common(&mut rep, i, kind, spec);
            match kind {
                "Deployment" => deployment(&mut rep, i, spec),
                "DaemonSet" => daemonset(&mut rep, i, spec),
                "StatefulSet" => statefulset(&mut rep, i, spec),
                _ => {}
            }
        }
    }
}
