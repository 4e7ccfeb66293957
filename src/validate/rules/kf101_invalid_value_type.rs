//! KF101: a value of the wrong type (a string where a number belongs, a list where a map
//! belongs, ...), as k8s-openapi's deserialiser and the API server reject it.

use kforge_k8s::Problem;

use super::{Check, Rule};
use crate::validate::{dotted, pointer_of, Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF101",
        name: "invalid-value-type",
        severity: Severity::Error,
        summary: "a value of the wrong type for its field",
        doc: include_str!("../../../docs/rules/KF101.md"),
        needs_typed_check: true,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let Some(problems) = o.typed() else { continue };
        for p in problems {
            let Problem::Invalid { path, message } = p else {
                continue;
            };
            let field = if path.is_empty() {
                "the object".to_owned()
            } else {
                format!("`{}`", dotted(path))
            };
            out.push(cx.finding(RULE.meta, i)
                .at(&pointer_of(path))
                .message(format!("{field}: {message}"))
                .help("write the value with the type the field expects (quote strings, leave numbers unquoted)".into())
                .build());
        }
    }
}
