//! KF302: a RoleBinding or ClusterRoleBinding whose roleRef names a Role or ClusterRole that
//! exists nowhere: not in the output, not one of the API server's bootstrap roles
//! (`src/tables/platform.yaml`), not in a neighbouring kustomization.

use serde_json::Value;

use super::{Check, Rule};
use crate::validate::{Context, Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF302",
        name: "binding-to-missing-role",
        severity: Severity::Error,
        summary: "a RoleBinding refers to a Role or ClusterRole that does not exist",
        doc: include_str!("../../../docs/rules/KF302.md"),
        scope: Scope::Environment,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let r = o.resource;
        if !matches!(r.kind(), "RoleBinding" | "ClusterRoleBinding") {
            continue;
        }
        let kind = r
            .value
            .pointer("/roleRef/kind")
            .and_then(Value::as_str)
            .unwrap_or("");
        let name = r
            .value
            .pointer("/roleRef/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let found = match kind {
            // In the output, bootstrap RBAC (src/tables/platform.yaml) or a neighbour.
            "Role" => cx.exists("Role", cx.namespace(i), name).is_some(),
            "ClusterRole" => cx.exists("ClusterRole", None, name).is_some(),
            _ => true,
        };
        if !found {
            out.push(cx.finding(RULE.meta, i)
                .at("/roleRef/name")
                .message(format!("{} {} binds {kind} {name}, which is not in the output", r.kind(), r.name()))
                .help(format!("add the {kind} or fix roleRef (a RoleBinding's Role must be in the same namespace)"))
                .build());
        }
    }
}
