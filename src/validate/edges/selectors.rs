//! Selections (a Service's, a PodDisruptionBudget's, a NetworkPolicy's, a ServiceMonitor's
//! selector and what it picks) and a HorizontalPodAutoscaler's scale target.

use kforge_value::Map;
use kforge_value::Value;

use super::{edge, list, resolve, text, Edge, Ref, Relation, Target};
use crate::validate::pods::{pod_templates, selected, selector_matches};
use crate::validate::Context;

/// `selector` as text (`app=web,tier in (a,b)`), the name of the pods a selection that
/// picks none would have picked.
pub fn selector_text(selector: &Map) -> String {
    let plain = |m: &Map| -> Vec<String> {
        m.iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect()
    };
    let is_label_selector =
        selector.contains_key("matchLabels") || selector.contains_key("matchExpressions");
    if !is_label_selector {
        return plain(selector).join(",");
    }
    let mut parts = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .map(plain)
        .unwrap_or_default();
    for (_, e) in list(selector.get("matchExpressions")) {
        let key = text(e, "/key").unwrap_or_default();
        let op = text(e, "/operator").unwrap_or_default();
        let values: Vec<&str> = list(e.get("values"))
            .filter_map(|(_, v)| v.as_str())
            .collect();
        parts.push(match op {
            "Exists" => key.to_owned(),
            "DoesNotExist" => format!("!{key}"),
            _ => format!("{key} {} ({})", op.to_lowercase(), values.join(",")),
        });
    }
    parts.join(",")
}

/// The pods `selector` (at `pointer` of object `i`) picks in `i`'s namespace: one edge per
/// pod template, else one to the pods a controller or a neighbour makes, else a missing one.
fn select(
    cx: &Context,
    out: &mut Vec<Edge>,
    i: usize,
    pointer: &str,
    selector: &Map,
    relation: Relation,
) {
    let ns = cx.namespace(i).unwrap_or_default();
    let pods = pod_templates(cx);
    let picked = selected(cx, ns, selector);
    if picked.is_empty() {
        let what = Ref::new("Pod", Some(ns), &selector_text(selector));
        let target = match cx.pods_outside(ns, selector) {
            Some(origin) => Target::Outside {
                what,
                origin: origin.to_owned(),
                maker: cx.pods_maker(ns, selector),
            },
            None => Target::Missing(what),
        };
        out.push(edge(i, pointer.to_owned(), relation, target));
        return;
    }
    for p in picked {
        let mut e = edge(
            i,
            pointer.to_owned(),
            relation,
            Target::Object(pods[p].object),
        );
        e.pod = Some(p);
        out.push(e);
    }
}

/// Services, PodDisruptionBudgets and NetworkPolicies to the pods they select,
/// ServiceMonitors to the Services they scrape.
pub(super) fn selections(cx: &Context, out: &mut Vec<Edge>) {
    for &i in cx.of_kind("Service") {
        let r = cx.objects[i].resource;
        if let Some(sel) = r.value.pointer("/spec/selector").and_then(Value::as_object) {
            if !sel.is_empty() {
                select(cx, out, i, "/spec/selector", sel, Relation::Selects);
            }
        }
    }
    for &i in cx.of_kind("PodDisruptionBudget") {
        let r = cx.objects[i].resource;
        if let Some(sel) = r.value.pointer("/spec/selector").and_then(Value::as_object) {
            select(cx, out, i, "/spec/selector", sel, Relation::Disruption);
        }
    }
    for &i in cx.of_kind("NetworkPolicy") {
        let r = cx.objects[i].resource;
        let Some(sel) = r
            .value
            .pointer("/spec/podSelector")
            .and_then(Value::as_object)
        else {
            continue;
        };
        // `{}` selects every pod of the namespace: no edge to each.
        let everything = sel.is_empty()
            || sel
                .values()
                .all(|v| v.as_object().is_some_and(|m| m.is_empty()));
        if !everything {
            select(
                cx,
                out,
                i,
                "/spec/podSelector",
                sel,
                Relation::NetworkPolicy,
            );
        }
    }
    for &i in cx.of_kind("ServiceMonitor") {
        let r = cx.objects[i].resource;
        let Some(sel) = r.value.pointer("/spec/selector").and_then(Value::as_object) else {
            continue;
        };
        let own = cx.namespace(i).unwrap_or_default();
        let any = r
            .value
            .pointer("/spec/namespaceSelector/any")
            .and_then(Value::as_bool)
            == Some(true);
        let names: Vec<&str> = list(r.value.pointer("/spec/namespaceSelector/matchNames"))
            .filter_map(|(_, v)| v.as_str())
            .collect();
        for &s in cx.of_kind("Service") {
            let svc = cx.objects[s].resource;
            let sns = cx.namespace(s).unwrap_or_default();
            let in_scope = any || names.contains(&sns) || (names.is_empty() && sns == own);
            let labels = svc
                .value
                .pointer("/metadata/labels")
                .and_then(Value::as_object);
            if in_scope && selector_matches(sel, labels) {
                out.push(edge(
                    i,
                    "/spec/selector".into(),
                    Relation::Monitors,
                    Target::Object(s),
                ));
            }
        }
    }
}

/// HorizontalPodAutoscalers to what they scale.
pub(super) fn scaling(cx: &Context, out: &mut Vec<Edge>) {
    for &i in cx.of_kind("HorizontalPodAutoscaler") {
        let v = &cx.objects[i].resource.value;
        let kind = text(v, "/spec/scaleTargetRef/kind").unwrap_or("");
        let name = text(v, "/spec/scaleTargetRef/name").unwrap_or("");
        let target = resolve(cx, kind, cx.namespace(i), name);
        out.push(edge(
            i,
            "/spec/scaleTargetRef/name".into(),
            Relation::Scales,
            target,
        ));
    }
}
