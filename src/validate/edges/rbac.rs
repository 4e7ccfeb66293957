//! RBAC: a binding's role and its subjects.

use super::{edge, list, lookup, resolve, text, Edge, Ref, Relation, Target};
use crate::validate::Context;

/// Bindings to their roles and subjects.
pub(super) fn rbac(cx: &Context, out: &mut Vec<Edge>) {
    let bindings = cx
        .of_kind("RoleBinding")
        .iter()
        .chain(cx.of_kind("ClusterRoleBinding"));
    let mut bindings: Vec<usize> = bindings.copied().collect();
    bindings.sort_unstable();
    for i in bindings {
        let v = &cx.objects[i].resource.value;
        let name = text(v, "/roleRef/name").unwrap_or("");
        let role = match text(v, "/roleRef/kind").unwrap_or("") {
            "Role" => Some(resolve(cx, "Role", cx.namespace(i), name)),
            "ClusterRole" => Some(resolve(cx, "ClusterRole", None, name)),
            _ => None,
        };
        if let Some(target) = role {
            out.push(edge(i, "/roleRef/name".into(), Relation::RoleRef, target));
        }
        for (j, s) in list(v.get("subjects")) {
            let kind = text(s, "/kind").unwrap_or("");
            let name = text(s, "/name").unwrap_or("");
            let target = match kind {
                "ServiceAccount" => {
                    let ns = text(s, "/namespace").or(cx.namespace(i)).unwrap_or("");
                    lookup(cx, kind, Some(ns), name)
                }
                _ => Target::External(Ref::new(kind, None, name)),
            };
            out.push(edge(
                i,
                format!("/subjects/{j}/name"),
                Relation::Subject,
                target,
            ));
        }
    }
}
