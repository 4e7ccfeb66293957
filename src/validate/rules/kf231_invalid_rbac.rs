//! KF231: RBAC objects the API server rejects (rbac `ValidatePolicyRule`,
//! `ValidateRoleBinding`, `ValidateClusterRoleBinding`, `ValidateRoleBindingSubject`): a rule
//! without verbs, a namespaced Role with nonResourceURLs, a rule mixing nonResourceURLs with
//! apiGroups/resources/resourceNames, a resource rule without apiGroups or resources, a
//! ClusterRole aggregationRule without selectors; a roleRef whose apiGroup is not
//! `rbac.authorization.k8s.io` or whose kind the binding may not name; a subject of unknown
//! kind, a ServiceAccount subject with an apiGroup or without a namespace in a
//! ClusterRoleBinding, and a User or Group subject with another apiGroup.

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::api::{dns_subdomain, items, objects, ptr, str_of, Report};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF231",
        name: "invalid-rbac",
        severity: Severity::Error,
        summary: "an RBAC rule, roleRef or subject the API server rejects",
        doc: include_str!("../../../docs/rules/KF231.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

const GROUP: &str = "rbac.authorization.k8s.io";

fn non_empty(v: &Value, f: &str) -> bool {
    v.get(f).and_then(Value::as_array).is_some_and(|a| !a.is_empty())
}

fn rules(rep: &mut Report, i: usize, v: &Value, namespaced: bool) {
    for (j, r) in items(v, "rules") {
        let at = format!("/rules/{j}");
        if !non_empty(r, "verbs") {
            rep.key(i, &at, "a policy rule needs verbs (verbs must contain at least one value)".into(), "e.g. verbs: [get, list, watch]");
        }
        if non_empty(r, "nonResourceURLs") {
            if namespaced {
                rep.key(i, &ptr(&at, ["nonResourceURLs"]), "namespaced rules cannot apply to non-resource URLs".into(), "move the rule to a ClusterRole");
            }
            if ["apiGroups", "resources", "resourceNames"].iter().any(|f| non_empty(r, f)) {
                rep.key(i, &ptr(&at, ["nonResourceURLs"]), "rules cannot apply to both regular resources and non-resource URLs".into(), "split it into two rules");
            }
        } else {
            for f in ["apiGroups", "resources"] {
                if !non_empty(r, f) {
                    rep.key(i, &at, format!("resource rules must supply at least one {}", if f == "apiGroups" { "api group (\"\" is the core group)" } else { "resource" }), "e.g. apiGroups: [\"\"], resources: [pods]");
                }
            }
        }
    }
}

/// Whether some namespaced object of the output names its namespace. When none does, the
/// output is a base for overlays that set one, and kustomize's namespace transformer fills
/// ServiceAccount subjects then: a subject without namespace is not reported.
fn namespaced_output(cx: &Context) -> bool {
    cx.objects.iter().any(|o| {
        let r = o.resource;
        !r.gvk_ref().is_cluster_scoped() && !r.namespace().is_empty()
    })
}

fn binding(rep: &mut Report, i: usize, v: &Value, cluster: bool, namespaced: bool) {
    if let Some(r) = v.get("roleRef").filter(|r| r.is_object()) {
        if let Some(g) = str_of(r, "apiGroup") {
            if g != GROUP {
                rep.at(i, "/roleRef/apiGroup", format!("roleRef apiGroup `{g}` is not supported"), "use rbac.authorization.k8s.io");
            }
        }
        if let Some(k) = str_of(r, "kind") {
            let ok = if cluster { k == "ClusterRole" } else { k == "Role" || k == "ClusterRole" };
            if !ok {
                rep.at(i, "/roleRef/kind", format!("roleRef kind `{k}` is not supported here"), if cluster { "a ClusterRoleBinding binds a ClusterRole" } else { "use Role or ClusterRole" });
            }
        }
    }
    for (j, s) in items(v, "subjects") {
        let at = format!("/subjects/{j}");
        let kind = str_of(s, "kind").unwrap_or("");
        let group = str_of(s, "apiGroup").unwrap_or("");
        match kind {
            "ServiceAccount" => {
                if !group.is_empty() {
                    rep.at(i, &ptr(&at, ["apiGroup"]), format!("a ServiceAccount subject takes no apiGroup (got `{group}`)"), "remove apiGroup (or set it to \"\")");
                }
                // `$(VAR)` is a kustomize var an overlay resolves.
                if let Some(n) = str_of(s, "name").filter(|n| !n.is_empty() && !n.contains("$(")) {
                    if !dns_subdomain(n) {
                        rep.at(i, &ptr(&at, ["name"]), format!("ServiceAccount name `{n}` is not a DNS-1123 subdomain"), "lowercase letters, digits, '-' and '.', at most 253 characters");
                    }
                }
                if cluster && namespaced && str_of(s, "namespace").is_none_or(str::is_empty) {
                    rep.key(i, &at, "a ServiceAccount subject of a ClusterRoleBinding needs a namespace (Required value)".into(), "set the ServiceAccount's namespace");
                }
            }
            "User" | "Group" => {
                if !group.is_empty() && group != GROUP {
                    rep.at(i, &ptr(&at, ["apiGroup"]), format!("a {kind} subject's apiGroup `{group}` is not supported"), "use rbac.authorization.k8s.io (or leave it out)");
                }
            }
            _ => rep.at(i, &ptr(&at, ["kind"]), format!("subject kind `{kind}` is not supported"), "use ServiceAccount, User or Group"),
        }
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for (i, v) in objects(cx, GROUP, "Role") {
        rules(&mut rep, i, v, true);
    }
    for (i, v) in objects(cx, GROUP, "ClusterRole") {
        rules(&mut rep, i, v, false);
        if let Some(a) = v.get("aggregationRule").filter(|a| a.is_object()) {
            if !non_empty(a, "clusterRoleSelectors") {
                rep.key(i, "/aggregationRule", "aggregationRule needs at least one clusterRoleSelectors entry (Required value)".into(), "select the ClusterRoles to aggregate by label");
            }
        }
    }
    let namespaced = namespaced_output(cx);
    for (i, v) in objects(cx, GROUP, "RoleBinding") {
        binding(&mut rep, i, v, false, namespaced);
    }
    for (i, v) in objects(cx, GROUP, "ClusterRoleBinding") {
        binding(&mut rep, i, v, true, namespaced);
    }
}
