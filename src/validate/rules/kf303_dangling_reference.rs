//! KF303: references to objects that decide scheduling or scaling: an HPA or PDB target that
//! is not in the output, and a priorityClassName or runtimeClassName that is neither in the
//! output nor built in.

use super::{selects_nothing, Check, Rule};
use crate::validate::edges::{self, Relation, Target};
use crate::validate::{Context, Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF303",
        name: "dangling-reference",
        severity: Severity::Error,
        summary: "an HPA/PDB target, PriorityClass or RuntimeClass that does not exist",
        doc: include_str!("../../../docs/rules/KF303.md"),
        scope: Scope::Environment,
        references: true,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    selects_nothing(
        cx,
        out,
        RULE.meta,
        Relation::Disruption,
        "align the selector with the workload's template labels",
    );
    for e in edges::of(cx, Relation::Scales).chain(edges::of(cx, Relation::Class)) {
        let Target::Missing(what) = &e.target else {
            continue;
        };
        let r = cx.objects[e.from].resource;
        let finding = cx.finding(RULE.meta, e.from).at(&e.pointer);
        let (kind, name) = (&what.kind, &what.name);
        out.push(match e.relation {
            Relation::Scales => finding
                .message(format!("HPA {} scales {kind} {name}, which is not in the output", r.name()))
                .help("fix scaleTargetRef (a namePrefix applies to the target's name too)".into())
                .build(),
            Relation::Class => {
                let field = &e.pointer[e.pointer.rfind('/').map_or(0, |p| p + 1)..];
                finding
                    .message(format!("{field} {name} is not in the output and not built in"))
                    .help(format!(
                        "add the {kind} to the environment or use one the cluster provides"
                    ))
                    .build()
            }
            _ => continue,
        });
    }
}
