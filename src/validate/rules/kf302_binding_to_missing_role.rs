//! KF302: a RoleBinding or ClusterRoleBinding whose roleRef names a Role or ClusterRole that
//! exists nowhere: not in the output, not one of the API server's bootstrap roles
//! (`src/tables/platform.yaml`), not in a neighbouring kustomization.

use super::{Check, Rule};
use crate::validate::edges::{self, Relation, Target};
use crate::validate::{Context, Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF302",
        name: "binding-to-missing-role",
        severity: Severity::Error,
        summary: "a RoleBinding refers to a Role or ClusterRole that does not exist",
        doc: include_str!("../../../docs/rules/KF302.md"),
        scope: Scope::Environment,
        references: true,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    // In the output, bootstrap RBAC (src/tables/platform.yaml) or a neighbour.
    for e in edges::of(cx, Relation::RoleRef) {
        let Target::Missing(role) = &e.target else {
            continue;
        };
        let r = cx.objects[e.from].resource;
        let (kind, name) = (&role.kind, &role.name);
        out.push(cx.finding(RULE.meta, e.from)
            .at(&e.pointer)
            .message(format!("{} {} binds {kind} {name}, which is not in the output", r.kind(), r.name()))
            .help(format!("add the {kind} or fix roleRef (a RoleBinding's Role must be in the same namespace)"))
            .build());
    }
}
