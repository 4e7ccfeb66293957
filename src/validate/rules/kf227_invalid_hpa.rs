//! KF227: HorizontalPodAutoscaler (autoscaling/v2) specs the API server rejects
//! (`validateMetrics`, `validateMetricTarget`, `validateBehavior`): maxReplicas below 1, a
//! metric whose type is unknown or whose source is missing or doubled, a target with an
//! unknown type or a non-positive value, a Resource target with both or neither of
//! averageUtilization and averageValue, a Pods metric without averageValue, an External
//! metric with both value and averageValue, a metric without a name; a behavior with a
//! stabilization window outside 0–3600 seconds, an unknown selectPolicy, or a policy with an
//! unknown type, a value not above 0 or a period outside 1–1800 seconds.

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::api::{int_of, items, objects, ptr, str_of, Report};
use crate::validate::pods::quantity;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF227",
        name: "invalid-hpa",
        severity: Severity::Error,
        summary: "an HPA metric, target or scaling behavior the API server rejects",
        doc: include_str!("../../../docs/rules/KF227.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// Metric type → the field holding its source.
const SOURCES: &[(&str, &str)] = &[
    ("Object", "object"),
    ("Pods", "pods"),
    ("Resource", "resource"),
    ("ContainerResource", "containerResource"),
    ("External", "external"),
];

fn target(rep: &mut Report, i: usize, at: &str, ty: &str, t: &Value) {
    let tt = str_of(t, "type").unwrap_or("");
    if !["Utilization", "Value", "AverageValue"].contains(&tt) {
        rep.at(i, &ptr(at, ["type"]), format!("target type `{tt}` is not supported"), "use Utilization, Value or AverageValue");
    }
    for f in ["value", "averageValue"] {
        if let Some(q) = t.get(f).and_then(quantity).filter(|q| *q <= 0.0) {
            rep.at(i, &ptr(at, [f]), format!("target {f} {q} must be positive"), "use a value above zero");
        }
    }
    if let Some(u) = int_of(t, "averageUtilization").filter(|u| *u < 1) {
        rep.at(i, &ptr(at, ["averageUtilization"]), format!("averageUtilization {u} must be greater than 0"), "use a value above zero");
    }
    let has = |f: &str| t.get(f).is_some_and(|v| !v.is_null());
    match ty {
        "Resource" | "ContainerResource" => {
            if has("averageUtilization") && has("averageValue") {
                rep.key(i, at, "a resource metric target may not set both a target raw value and a target utilization".into(), "keep averageUtilization (a percentage of the request) or averageValue");
            } else if !has("averageUtilization") && !has("averageValue") {
                rep.key(i, at, "a resource metric target must set either a target raw value (averageValue) or a target utilization (averageUtilization)".into(), "e.g. type: Utilization with averageUtilization: 80");
            }
        }
        "Pods" if !has("averageValue") => rep.key(i, at, "a Pods metric target must specify a positive averageValue".into(), "set type: AverageValue and averageValue"),
        "Object" | "External" if !has("value") && !has("averageValue") => rep.key(i, at, format!("an {ty} metric target must set either value or averageValue"), "set target.type: Value with value, or AverageValue with averageValue"),
        "External" if has("value") && has("averageValue") => rep.key(i, at, "an External metric target may not set both value and averageValue".into(), "keep one"),
        _ => {}
    }
}

fn behavior(rep: &mut Report, i: usize, b: &Value) {
    for dir in ["scaleUp", "scaleDown"] {
        let Some(r) = b.get(dir).filter(|r| r.is_object()) else { continue };
        let at = format!("/spec/behavior/{dir}");
        if let Some(w) = int_of(r, "stabilizationWindowSeconds").filter(|w| !(0..=3600).contains(w)) {
            rep.at(i, &ptr(&at, ["stabilizationWindowSeconds"]), format!("stabilizationWindowSeconds {w} is not between 0 and 3600"), "use 0 to 3600 seconds");
        }
        if let Some(p) = str_of(r, "selectPolicy") {
            if !["Max", "Min", "Disabled"].contains(&p) {
                rep.at(i, &ptr(&at, ["selectPolicy"]), format!("selectPolicy `{p}` is not supported"), "use Max, Min or Disabled");
            }
        }
        for (j, p) in items(r, "policies") {
            let pp = ptr(&at, ["policies", &j.to_string()]);
            let ty = str_of(p, "type").unwrap_or("");
            if !["Pods", "Percent"].contains(&ty) {
                rep.at(i, &ptr(&pp, ["type"]), format!("policy type `{ty}` is not supported"), "use Pods or Percent");
            }
            if let Some(v) = int_of(p, "value").filter(|v| *v <= 0) {
                rep.at(i, &ptr(&pp, ["value"]), format!("policy value {v} must be greater than zero"), "use a value above zero");
            }
            if let Some(s) = int_of(p, "periodSeconds").filter(|s| !(1..=1800).contains(s)) {
                rep.at(i, &ptr(&pp, ["periodSeconds"]), format!("periodSeconds {s} is not between 1 and 1800"), "use 1 to 1800 seconds");
            }
        }
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for (i, v) in objects(cx, "autoscaling", "HorizontalPodAutoscaler") {
        // v2beta2 has v2's shape; v1 and v2beta1 spell metrics differently.
        if !matches!(v.get("apiVersion").and_then(Value::as_str), Some("autoscaling/v2" | "autoscaling/v2beta2")) {
            continue;
        }
        let Some(spec) = v.get("spec") else { continue };
        if let Some(m) = int_of(spec, "maxReplicas").filter(|m| *m < 1) {
            rep.at(i, "/spec/maxReplicas", format!("maxReplicas {m} must be greater than or equal to 1"), "allow at least one replica");
        }
        for (j, m) in items(spec, "metrics") {
            let at = format!("/spec/metrics/{j}");
            let ty = str_of(m, "type").unwrap_or("");
            let Some((_, field)) = SOURCES.iter().find(|(t, _)| *t == ty) else {
                rep.at(i, &ptr(&at, ["type"]), format!("metric type `{ty}` is not supported"), "use Resource, ContainerResource, Pods, Object or External");
                continue;
            };
            let Some(src) = m.get(*field).filter(|s| s.is_object()) else {
                rep.key(i, &at, format!("a {ty} metric must populate `{field}`"), "add the source block the type names, e.g. `pods:` for type Pods");
                continue;
            };
            for (_, other) in SOURCES.iter().filter(|(_, f)| f != field) {
                if m.get(*other).is_some_and(|o| !o.is_null()) {
                    rep.key(i, &ptr(&at, [*other]), format!("a {ty} metric must populate the given metric source only (not `{other}`)"), "remove the other source, or make it a metric of its own");
                }
            }
            let sp = ptr(&at, [*field]);
            if matches!(ty, "Pods" | "Object" | "External")
                && src.pointer("/metric/name").and_then(Value::as_str).is_none_or(str::is_empty)
            {
                rep.key(i, &sp, format!("a {ty} metric needs metric.name (Required value)"), "name the metric the adapter serves");
            }
            if let Some(t) = src.get("target").filter(|t| t.is_object()) {
                target(&mut rep, i, &ptr(&sp, ["target"]), ty, t);
            }
        }
        if let Some(b) = spec.get("behavior") {
            behavior(&mut rep, i, b);
        }
    }
}
