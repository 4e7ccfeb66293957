//! KF100: a field the object's type does not have (usually a typo), found by deserialising
//! the object into its k8s-openapi type.

use kforge_k8s::{Problem, Seg};

use super::{type_meta, Check, Rule};
use crate::text::did_you_mean;
use crate::validate::sourcemap::Anchor;
use crate::validate::{dotted, pointer_of, schema, Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF100",
        name: "unknown-field",
        severity: Severity::Error,
        summary: "a field the Kubernetes type does not have (often a typo)",
        doc: include_str!("../../../docs/rules/KF100.md"),
        needs_typed_check: true,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let Some(problems) = o.typed() else { continue };
        let Some((api, kind)) = type_meta(o.resource) else {
            continue;
        };
        for p in problems {
            let Problem::UnknownField(path) = p else {
                continue;
            };
            let Some((Seg::Key(field), parent)) = path.split_last() else {
                continue;
            };
            let suggestion = schema::root(api, kind)
                .and_then(|root| schema::type_at(root, parent))
                .and_then(|t| did_you_mean(field, &schema::get(t).field_names()));
            let at = if parent.is_empty() {
                kind.to_owned()
            } else {
                format!("{kind} {}", dotted(parent))
            };
            out.push(
                cx.finding(RULE.meta, i)
                    .at(&pointer_of(path))
                    .anchor(Anchor::Key)
                    .message(format!("unknown field `{field}` in {at}"))
                    .help(match suggestion {
                        Some(s) => format!(
                            "did you mean `{s}`? (Kubernetes {} {api} {kind})",
                            kforge_k8s::KUBERNETES_VERSION
                        ),
                        None => format!(
                        "remove it, or check the field name against the {api} {kind} API reference"
                    ),
                    })
                    .build(),
            );
        }
    }
}
