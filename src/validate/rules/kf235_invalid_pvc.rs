//! KF235: PersistentVolumeClaim specs the API server rejects
//! (`ValidatePersistentVolumeClaimSpec`), in PVCs, StatefulSet `volumeClaimTemplates` (which
//! the StatefulSet controller creates later, so the error shows as a FailedCreate event) and
//! ephemeral volumes: no access mode, an unknown one, ReadWriteOncePod with others, no
//! `resources.requests.storage` or one not above zero, a storageClassName that is not a
//! DNS subdomain, and an unknown volumeMode.

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::api::{dns_subdomain, items, objects, ptr, str_of, Report};
use crate::validate::pods::{pod_templates, quantity};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF235",
        name: "invalid-pvc",
        severity: Severity::Error,
        summary: "a PVC spec (or claim template) with bad access modes, storage request or class",
        doc: include_str!("../../../docs/rules/KF235.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

const MODES: &[&str] = &["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"];

fn claim(rep: &mut Report, i: usize, at: &str, spec: &Value) {
    let modes: Vec<_> = items(spec, "accessModes").collect();
    if modes.is_empty() {
        rep.key(i, at, "at least 1 access mode is required (accessModes)".into(), "e.g. accessModes: [ReadWriteOnce]");
    }
    for (j, m) in &modes {
        if let Some(s) = m.as_str() {
            if !MODES.contains(&s) {
                rep.at(i, &ptr(at, ["accessModes", &j.to_string()]), format!("access mode `{s}` is not supported"), "use ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod");
            } else if s == "ReadWriteOncePod" && modes.len() > 1 {
                rep.at(i, &ptr(at, ["accessModes", &j.to_string()]), "may not use ReadWriteOncePod with other access modes".into(), "keep ReadWriteOncePod alone");
            }
        }
    }
    match spec.pointer("/resources/requests/storage") {
        None => rep.key(i, at, "the claim requests no storage (resources.requests.storage: Required value)".into(), "e.g. resources: {requests: {storage: 10Gi}}"),
        Some(q) => {
            if quantity(q).is_some_and(|q| q <= 0.0) {
                rep.at(i, &ptr(at, ["resources", "requests", "storage"]), "requests.storage must be greater than zero".into(), "use a value above zero");
            }
        }
    }
    if let Some(c) = str_of(spec, "storageClassName").filter(|c| !c.is_empty()) {
        if !dns_subdomain(c) {
            rep.at(i, &ptr(at, ["storageClassName"]), format!("storageClassName `{c}` is not a DNS-1123 subdomain"), "lowercase letters, digits, '-' and '.', at most 253 characters");
        }
    }
    if let Some(m) = str_of(spec, "volumeMode") {
        if m != "Filesystem" && m != "Block" {
            rep.at(i, &ptr(at, ["volumeMode"]), format!("volumeMode `{m}` is not supported"), "use Filesystem or Block");
        }
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for (i, v) in objects(cx, "", "PersistentVolumeClaim") {
        if let Some(spec) = v.get("spec").filter(|s| s.is_object()) {
            claim(&mut rep, i, "/spec", spec);
        }
    }
    for (i, v) in objects(cx, "apps", "StatefulSet") {
        for (j, t) in v.pointer("/spec/volumeClaimTemplates").map(crate::validate::api::items_of).into_iter().flatten() {
            if let Some(spec) = t.get("spec").filter(|s| s.is_object()) {
                claim(&mut rep, i, &format!("/spec/volumeClaimTemplates/{j}/spec"), spec);
            }
        }
    }
    for pt in pod_templates(cx) {
        for (j, vol) in pt.spec.get("volumes").map(crate::validate::api::items_of).into_iter().flatten() {
            if let Some(spec) = vol.pointer("/ephemeral/volumeClaimTemplate/spec").filter(|s| s.is_object()) {
                claim(&mut rep, pt.object, &ptr(&pt.spec_ptr, ["volumes", &j.to_string(), "ephemeral", "volumeClaimTemplate", "spec"]), spec);
            }
        }
    }
}
