//! KF236: pod scheduling constraints the API server rejects (`validateTolerations`,
//! `validateNodeAffinity`, `validateNodeSelectorTerm`, `validatePodAffinityTerm`,
//! `validateTopologySpreadConstraints`): a toleration with an empty key and an operator
//! other than Exists, a value with Exists, tolerationSeconds without NoExecute, an unknown
//! operator or effect; required node affinity without terms, a node requirement whose
//! operator and values disagree, a matchFields requirement not on `metadata.name` with one
//! value, a preferred weight outside 1–100; a pod (anti-)affinity term without topologyKey;
//! a topology spread constraint with maxSkew below 1, no topologyKey, an unknown
//! whenUnsatisfiable or policy, minDomains below 1 or with ScheduleAnyway, and two
//! constraints on the same (topologyKey, whenUnsatisfiable).

use crate::hash::HashSet;

use kforge_value::{Map, Value};

use super::{Check, Rule};
use crate::validate::api::{int_of, items, items_of, label_value, ptr, qualified_name, str_of, Report};
use crate::validate::pods::pod_templates;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF236",
        name: "invalid-scheduling",
        severity: Severity::Error,
        summary: "a toleration, affinity term or topology spread constraint the API rejects",
        doc: include_str!("../../../docs/rules/KF236.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn tolerations(rep: &mut Report, i: usize, sp: &str, spec: &Map) {
    for (j, t) in spec.get("tolerations").map(items_of).into_iter().flatten() {
        if !t.is_object() {
            continue;
        }
        let at = ptr(sp, ["tolerations", &j.to_string()]);
        let key = str_of(t, "key").unwrap_or("");
        let op = str_of(t, "operator").unwrap_or("");
        let value = str_of(t, "value").unwrap_or("");
        if key.is_empty() && op != "Exists" {
            rep.key(i, &at, "operator must be Exists when `key` is empty, which means \"match all values and all keys\"".into(), "add operator: Exists, or name the taint's key");
        }
        if !key.is_empty() && !qualified_name(key) {
            rep.at(i, &ptr(&at, ["key"]), format!("toleration key `{key}` is not a qualified name"), "`[prefix/]name`: an optional DNS-subdomain prefix and a name of at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends");
        }
        match op {
            "" | "Equal" => {
                if !label_value(value) {
                    rep.at(i, &ptr(&at, ["value"]), format!("toleration value `{value}` is not a valid label value"), "at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends (or empty)");
                }
            }
            "Exists" => {
                if !value.is_empty() {
                    rep.at(i, &ptr(&at, ["value"]), "value must be empty when `operator` is 'Exists'".into(), "remove the value, or use operator: Equal");
                }
            }
            // Gt and Lt are a newer, gated addition (TaintTolerationComparisonOperators).
            "Gt" | "Lt" => {}
            _ => rep.at(i, &ptr(&at, ["operator"]), format!("toleration operator `{op}` is not supported"), "use Equal or Exists"),
        }
        let effect = str_of(t, "effect").unwrap_or("");
        if !["", "NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&effect) {
            rep.at(i, &ptr(&at, ["effect"]), format!("effect `{effect}` is not supported"), "use NoSchedule, PreferNoSchedule or NoExecute (or leave it empty for all)");
        }
        if t.get("tolerationSeconds").is_some_and(|s| !s.is_null()) && effect != "NoExecute" {
            rep.key(i, &ptr(&at, ["tolerationSeconds"]), "effect must be 'NoExecute' when `tolerationSeconds` is set".into(), "set effect: NoExecute, or drop tolerationSeconds");
        }
    }
}

fn node_term(rep: &mut Report, i: usize, at: &str, term: &Value) {
    for (k, r) in items(term, "matchExpressions") {
        let rp = ptr(at, ["matchExpressions", &k.to_string()]);
        let key = str_of(r, "key").unwrap_or("");
        if !qualified_name(key) {
            rep.at(i, &ptr(&rp, ["key"]), format!("node selector key `{key}` is not a qualified name"), "`[prefix/]name`: an optional DNS-subdomain prefix and a name of at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends");
        }
        let n = r.get("values").and_then(Value::as_array).map_or(0, Vec::len);
        let op = str_of(r, "operator").unwrap_or("");
        let problem = match op {
            "In" | "NotIn" if n == 0 => Some("values must be specified when `operator` is 'In' or 'NotIn'"),
            "Exists" | "DoesNotExist" if n > 0 => Some("values may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
            "Gt" | "Lt" if n != 1 => Some("must be specified single value when `operator` is 'Lt' or 'Gt'"),
            "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt" => None,
            _ => Some("is not a valid node selector operator (In, NotIn, Exists, DoesNotExist, Gt, Lt)"),
        };
        if let Some(p) = problem {
            rep.key(i, &rp, format!("node selector requirement on `{key}` (operator `{op}`): {p}"), "In/NotIn take values, Exists/DoesNotExist none, Gt/Lt exactly one integer");
        }
    }
    for (k, r) in items(term, "matchFields") {
        let rp = ptr(at, ["matchFields", &k.to_string()]);
        if str_of(r, "key") != Some("metadata.name") {
            rep.at(i, &ptr(&rp, ["key"]), "a node field selector may only use key metadata.name".into(), "use matchExpressions for node labels");
        }
        let n = r.get("values").and_then(Value::as_array).map_or(0, Vec::len);
        if matches!(str_of(r, "operator"), Some("In" | "NotIn")) && n != 1 {
            rep.key(i, &rp, "must be only one value when `operator` is 'In' or 'NotIn' for node field selector".into(), "name exactly one node in values");
        }
    }
}

fn weight(rep: &mut Report, i: usize, at: &str, t: &Value) {
    if let Some(w) = int_of(t, "weight").filter(|w| !(1..=100).contains(w)) {
        rep.at(i, &ptr(at, ["weight"]), format!("weight {w} must be in the range 1-100"), "use a weight from 1 to 100");
    }
}

fn affinity(rep: &mut Report, i: usize, sp: &str, a: &Value) {
    let base = ptr(sp, ["affinity"]);
    if let Some(na) = a.get("nodeAffinity") {
        let at = ptr(&base, ["nodeAffinity"]);
        if let Some(req) = na.get("requiredDuringSchedulingIgnoredDuringExecution").filter(|r| r.is_object()) {
            let rp = ptr(&at, ["requiredDuringSchedulingIgnoredDuringExecution"]);
            if items(req, "nodeSelectorTerms").next().is_none() {
                rep.key(i, &rp, "must have at least one node selector term (nodeSelectorTerms)".into(), "add a term with matchExpressions");
            }
            for (j, t) in items(req, "nodeSelectorTerms") {
                node_term(rep, i, &ptr(&rp, ["nodeSelectorTerms", &j.to_string()]), t);
            }
        }
        for (j, t) in items(na, "preferredDuringSchedulingIgnoredDuringExecution") {
            let tp = ptr(&at, ["preferredDuringSchedulingIgnoredDuringExecution", &j.to_string()]);
            weight(rep, i, &tp, t);
            if let Some(p) = t.get("preference") {
                node_term(rep, i, &ptr(&tp, ["preference"]), p);
            }
        }
    }
    for kind in ["podAffinity", "podAntiAffinity"] {
        let Some(pa) = a.get(kind) else { continue };
        let at = ptr(&base, [kind]);
        let mut terms: Vec<(String, &Value)> = items(pa, "requiredDuringSchedulingIgnoredDuringExecution")
            .map(|(j, t)| (ptr(&at, ["requiredDuringSchedulingIgnoredDuringExecution", &j.to_string()]), t))
            .collect();
        for (j, t) in items(pa, "preferredDuringSchedulingIgnoredDuringExecution") {
            let tp = ptr(&at, ["preferredDuringSchedulingIgnoredDuringExecution", &j.to_string()]);
            weight(rep, i, &tp, t);
            if let Some(term) = t.get("podAffinityTerm") {
                terms.push((ptr(&tp, ["podAffinityTerm"]), term));
            }
        }
        for (tp, t) in terms {
            match str_of(t, "topologyKey") {
                None | Some("") => rep.key(i, &tp, "a pod affinity term needs a topologyKey (can not be empty)".into(), "e.g. topologyKey: kubernetes.io/hostname"),
                Some(k) if !qualified_name(k) => rep.at(i, &ptr(&tp, ["topologyKey"]), format!("topologyKey `{k}` is not a qualified name"), "`[prefix/]name`: an optional DNS-subdomain prefix and a name of at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends"),
                _ => {}
            }
        }
    }
}

fn spread(rep: &mut Report, i: usize, sp: &str, spec: &Map) {
    let mut seen = HashSet::default();
    for (j, c) in spec.get("topologySpreadConstraints").map(items_of).into_iter().flatten() {
        let at = ptr(sp, ["topologySpreadConstraints", &j.to_string()]);
        if let Some(s) = int_of(c, "maxSkew").filter(|s| *s < 1) {
            rep.at(i, &ptr(&at, ["maxSkew"]), format!("maxSkew {s} must be greater than zero"), "use a value above zero");
        }
        let key = str_of(c, "topologyKey").unwrap_or("");
        if key.is_empty() {
            rep.key(i, &at, "a topology spread constraint needs a topologyKey (can not be empty)".into(), "e.g. topologyKey: topology.kubernetes.io/zone");
        }
        let when = str_of(c, "whenUnsatisfiable").unwrap_or("");
        if !["DoNotSchedule", "ScheduleAnyway"].contains(&when) {
            rep.at(i, &ptr(&at, ["whenUnsatisfiable"]), format!("whenUnsatisfiable `{when}` is not supported"), "use DoNotSchedule or ScheduleAnyway");
        }
        if !key.is_empty() && !seen.insert((key, when)) {
            rep.key(i, &at, format!("a second constraint on ({key}, {when}) (Duplicate value)"), "merge the two constraints");
        }
        if let Some(m) = int_of(c, "minDomains") {
            if m < 1 {
                rep.at(i, &ptr(&at, ["minDomains"]), format!("minDomains {m} must be greater than 0"), "use a value above zero");
            } else if when != "DoNotSchedule" {
                rep.at(i, &ptr(&at, ["minDomains"]), "minDomains can only be used when whenUnsatisfiable is DoNotSchedule".into(), "set whenUnsatisfiable: DoNotSchedule, or drop minDomains");
            }
        }
        for f in ["nodeAffinityPolicy", "nodeTaintsPolicy"] {
            if let Some(p) = str_of(c, f) {
                if p != "Honor" && p != "Ignore" {
                    rep.at(i, &ptr(&at, [f]), format!("{f} `{p}` is not supported"), "use Honor or Ignore");
                }
            }
        }
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for pt in pod_templates(cx) {
        let spec = pt.spec;
        tolerations(&mut rep, pt.object, &pt.spec_ptr, spec);
        if let Some(a) = spec.get("affinity").filter(|a| a.is_object()) {
            affinity(&mut rep, pt.object, &pt.spec_ptr, a);
        }
        spread(&mut rep, pt.object, &pt.spec_ptr, spec);
    }
}
