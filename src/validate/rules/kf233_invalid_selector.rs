//! KF233: label selectors the API server rejects (`ValidateLabelSelector`,
//! `ValidateLabelSelectorRequirement`, `ValidateLabels` on selector maps): in every
//! selector of the built-in kinds (workload, Job, PDB and PVC selectors, NetworkPolicy
//! pod and namespace selectors, pod affinity terms, topology spread constraints, ClusterRole
//! aggregation) a key that is not a qualified name, a value that is not a label value, an
//! In/NotIn requirement without values, an Exists/DoesNotExist requirement with values, an
//! unknown operator; and the same key and value rules on the plain maps of a Service's and
//! ReplicationController's `selector` and a pod's `nodeSelector`.

use std::fmt::Write;

use kforge_value::{Map, Value};

use super::{Check, Rule};
use crate::source::pointer::push_token;
use crate::validate::api::{label_selector, label_value, ptr, qualified_name, Report};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF233",
        name: "invalid-selector",
        severity: Severity::Error,
        summary: "a label selector with a bad key, value or operator",
        doc: include_str!("../../../docs/rules/KF233.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// The API groups whose objects' selectors are LabelSelectors where these keys appear.
const GROUPS: &[&str] = &["", "apps", "batch", "policy", "networking.k8s.io", "rbac.authorization.k8s.io"];
/// Keys holding a LabelSelector.
const SELECTORS: &[&str] = &["selector", "podSelector", "namespaceSelector", "labelSelector"];

fn plain_map(rep: &mut Report, i: usize, at: &str, m: &Map) {
    for (k, v) in m {
        let p = ptr(at, [k.as_str()]);
        if !qualified_name(k) {
            rep.key(i, &p, format!("selector key `{k}` is not a qualified name"), "a label key: `[prefix/]name`, the name at most 63 of [A-Za-z0-9-_.]");
        }
        if let Some(s) = v.as_str() {
            if !label_value(s) {
                rep.at(i, &p, format!("selector value `{s}` is not a valid label value"), "at most 63 of [A-Za-z0-9-_.], starting and ending alphanumeric");
            }
        }
    }
}

/// Walk `v` at pointer `p` (one buffer for the whole walk) for selectors; `kind` decides
/// which `selector` is a plain map. Only mappings and lists can hold a selector, so the
/// walk steps into nothing else.
fn walk(rep: &mut Report, i: usize, kind: &str, p: &mut String, v: &Value) {
    let len = p.len();
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if !matches!(child, Value::Object(_) | Value::Array(_))
                    // Data, not structure: nothing below holds a selector.
                    || ["data", "binaryData", "stringData", "annotations", "labels"].contains(&k.as_str())
                {
                    continue;
                }
                push_token(p, k);
                let plain = (k == "selector" && (kind == "Service" || kind == "ReplicationController") && p == "/spec/selector") || k == "nodeSelector";
                match child {
                    Value::Object(sel) if plain => plain_map(rep, i, p, sel),
                    Value::Object(sel) if SELECTORS.contains(&k.as_str()) => label_selector(rep, i, p, sel),
                    Value::Array(list) if k == "clusterRoleSelectors" => {
                        for (j, s) in list.iter().enumerate() {
                            if let Some(sel) = s.as_object() {
                                label_selector(rep, i, &ptr(p, [j.to_string().as_str()]), sel);
                            }
                        }
                    }
                    _ => walk(rep, i, kind, p, child),
                }
                p.truncate(len);
            }
        }
        Value::Array(list) => {
            for (j, x) in list.iter().enumerate() {
                if !matches!(x, Value::Object(_) | Value::Array(_)) {
                    continue;
                }
                let _ = write!(p, "/{j}");
                walk(rep, i, kind, p, x);
                p.truncate(len);
            }
        }
        _ => {}
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for (i, o) in cx.objects.iter().enumerate() {
        let r = o.resource;
        if !GROUPS.contains(&r.gvk_ref().group) {
            continue;
        }
        walk(&mut rep, i, r.kind(), &mut String::new(), &r.value);
    }
}
