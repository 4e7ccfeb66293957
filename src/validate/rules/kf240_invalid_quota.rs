//! KF240: ResourceQuotas and LimitRanges the API server rejects (`ValidateResourceQuota`,
//! `ValidateResourceQuotaResourceName`, `validateResourceQuotaScopes`, `ValidateLimitRange`):
//! a quota resource that is unprefixed and not one quota tracks (`gpu`, `cpus`), a negative
//! amount, a fractional object count, an unknown scope, conflicting scopes
//! (Terminating with NotTerminating, BestEffort with NotBestEffort), BestEffort with a
//! resource other than `pods`; a LimitRange type that is not Pod, Container or
//! PersistentVolumeClaim (nor domain-prefixed), a type listed twice, `default` or
//! `defaultRequest` on type Pod, a PersistentVolumeClaim limit without min or max storage,
//! and min, defaultRequest, default and max out of order or a maxLimitRequestRatio below 1.

use crate::hash::HashSet;

use kforge_value::{Map, Value};

use super::{Check, Rule};
use crate::validate::api::{items, objects, ptr, str_of, Report};
use crate::validate::pods::quantity;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF240",
        name: "invalid-quota",
        severity: Severity::Error,
        summary: "a ResourceQuota resource or scope, or a LimitRange, the API server rejects",
        doc: include_str!("../../../docs/rules/KF240.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// The compute resources a quota tracks (`IsStandardQuotaResourceName`, with [`COUNTS`];
/// hugepages too).
const QUOTA: &[&str] = &[
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
];

/// Object counts, which must be whole numbers.
const COUNTS: &[&str] = &[
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "persistentvolumeclaims",
    "configmaps",
    "services.nodeports",
    "services.loadbalancers",
];

const SCOPES: &[&str] = &[
    "Terminating",
    "NotTerminating",
    "BestEffort",
    "NotBestEffort",
    "PriorityClass",
    "CrossNamespacePodAffinity",
    "VolumeAttributesClass",
];

fn quota(rep: &mut Report, i: usize, spec: &Value) {
    let hard = spec.get("hard").and_then(Value::as_object);
    for (k, v) in hard.into_iter().flatten() {
        let at = ptr("/spec/hard", [k.as_str()]);
        let standard = QUOTA.contains(&k.as_str()) || COUNTS.contains(&k.as_str()) || k.starts_with("hugepages-") || k.starts_with("requests.hugepages-");
        if !k.contains('/') && !standard {
            rep.key(i, &at, format!("quota resource `{k}` must be a standard resource for quota"), "use e.g. requests.cpu, limits.memory, pods, count/deployments.apps, or a prefixed extended resource (requests.nvidia.com/gpu)");
        }
        match quantity(v) {
            Some(q) if q < 0.0 => rep.at(i, &at, format!("{k} = {v} must be greater than or equal to 0"), "use 0 or a positive number"),
            Some(q) if COUNTS.contains(&k.as_str()) && q.fract() != 0.0 => rep.at(i, &at, format!("{k} = {v} must be an integer"), "object counts are whole numbers"),
            _ => {}
        }
    }
    let scopes: Vec<(usize, &str)> = items(spec, "scopes").filter_map(|(j, s)| Some((j, s.as_str()?))).collect();
    for (j, s) in &scopes {
        if !SCOPES.contains(s) {
            rep.at(i, &format!("/spec/scopes/{j}"), format!("`{s}` is an unsupported scope"), "use Terminating, NotTerminating, BestEffort, NotBestEffort, PriorityClass or CrossNamespacePodAffinity");
        }
    }
    let has = |s: &str| scopes.iter().any(|(_, x)| *x == s);
    for (a, b) in [("Terminating", "NotTerminating"), ("BestEffort", "NotBestEffort")] {
        if has(a) && has(b) {
            rep.key(i, "/spec/scopes", format!("conflicting scopes: {a} and {b}"), "keep one of them");
        }
    }
    if has("BestEffort") {
        for k in hard.into_iter().flat_map(|h| h.keys()).filter(|k| *k != "pods") {
            rep.key(i, &ptr("/spec/hard", [k.as_str()]), format!("unsupported scope applied to resource: BestEffort pods have no requests or limits, so only `pods` can be counted (got `{k}`)"), "limit `pods` only, or drop the BestEffort scope");
        }
    }
}

/// The quantity of `r` in the `field` map of a limit.
fn amount(limit: &Value, field: &str, r: &str) -> Option<f64> {
    limit.get(field).and_then(|m| m.get(r)).and_then(quantity)
}

fn limit_range(rep: &mut Report, i: usize, spec: &Value) {
    let mut types = HashSet::default();
    for (j, l) in items(spec, "limits") {
        let at = format!("/spec/limits/{j}");
        let ty = str_of(l, "type").unwrap_or("");
        if !ty.contains('/') && !["Pod", "Container", "PersistentVolumeClaim"].contains(&ty) {
            rep.at(i, &ptr(&at, ["type"]), format!("limit type `{ty}` must be a standard limit type or fully qualified"), "use Pod, Container or PersistentVolumeClaim");
        } else if !types.insert(ty) {
            rep.at(i, &ptr(&at, ["type"]), format!("limit type `{ty}` is listed twice (Duplicate value)"), "merge the two entries");
        }
        if ty == "Pod" {
            for f in ["default", "defaultRequest"] {
                if l.get(f).is_some_and(|v| !v.is_null()) {
                    rep.key(i, &ptr(&at, [f]), format!("{f} may not be specified when `type` is 'Pod'"), "set defaults on type Container");
                }
            }
        }
        if ty == "PersistentVolumeClaim" && amount(l, "min", "storage").is_none() && amount(l, "max", "storage").is_none() {
            rep.key(i, &at, "either minimum or maximum storage value is required, but neither was provided".into(), "set min.storage or max.storage");
        }
        let names: HashSet<&kforge_value::Key> = ["min", "max", "default", "defaultRequest"]
            .iter()
            .filter_map(|f| l.get(*f).and_then(Value::as_object))
            .flat_map(Map::keys)
            .collect();
        let mut names: Vec<&kforge_value::Key> = names.into_iter().collect();
        names.sort();
        for r in names {
            let get = |f: &str| amount(l, f, r);
            let order = [("min", "max"), ("min", "defaultRequest"), ("defaultRequest", "max"), ("defaultRequest", "default"), ("min", "default"), ("default", "max")];
            for (lo, hi) in order {
                if let (Some(a), Some(b)) = (get(lo), get(hi)) {
                    if a > b {
                        rep.at(i, &ptr(&at, [lo, r.as_str()]), format!("{lo} value of {r} is greater than its {hi} value"), "keep min ≤ defaultRequest ≤ default ≤ max");
                    }
                }
            }
        }
        for (r, v) in l.get("maxLimitRequestRatio").and_then(Value::as_object).into_iter().flatten() {
            if quantity(v).is_some_and(|q| q < 1.0) {
                rep.at(i, &ptr(&at, ["maxLimitRequestRatio", r.as_str()]), format!("maxLimitRequestRatio of {r} ({v}) is less than 1"), "a limit is never below its request: the ratio is at least 1");
            }
        }
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for (i, v) in objects(cx, "", "ResourceQuota") {
        if let Some(spec) = v.get("spec") {
            quota(&mut rep, i, spec);
        }
    }
    for (i, v) in objects(cx, "", "LimitRange") {
        if let Some(spec) = v.get("spec") {
            limit_range(&mut rep, i, spec);
        }
    }
}
