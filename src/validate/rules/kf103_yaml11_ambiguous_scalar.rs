//! KF103: a plain scalar that YAML 1.1 readers (kubectl apply, helm, go-yaml v2) and YAML
//! 1.2 readers (kustomize's kyaml, yq) read as different values: `yes`, `on`, `NO`, `y`,
//! `0755`, `1:30`.

use super::{Check, Rule};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF103",
        name: "yaml11-ambiguous-scalar",
        severity: Severity::Warning,
        summary: "a plain scalar that YAML 1.1 and YAML 1.2 tools read differently",
        doc: include_str!("../../../docs/rules/KF103.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// The plain scalars of `r` that YAML 1.1 readers type differently: (pointer in the
/// object, the text as written, the value kforge read), in document order. Shared with KF106.
pub(crate) fn yaml11_scalars(
    r: &crate::resource::Resource,
) -> impl Iterator<Item = (&str, &str, &kforge_value::Value)> {
    // A document that was one item of a `List` has pointers under `/items/<n>`.
    let prefix = r
        .origin
        .item
        .map(|j| format!("/items/{j}"))
        .unwrap_or_default();
    r.spans
        .yaml11_differences()
        .iter()
        .filter_map(move |(pointer, text)| {
            let rel = pointer.strip_prefix(prefix.as_str())?;
            Some((rel, text.as_str(), r.value.pointer(rel)?))
        })
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        for (rel, text, value) in yaml11_scalars(o.resource) {
            // In a plain manifest applied as written, a string that YAML 1.1 reads as
            // something else is rejected: KF106 reports it.
            if cx.applied_as_written && value.is_string() {
                continue;
            }
            out.push(cx.finding(RULE.meta, i)
                .at(rel)
                .message(format!("plain `{text}` is read differently by YAML 1.1 tools (kubectl apply, helm) and YAML 1.2 tools (kustomize)"))
                .help(format!("quote it (\"{text}\") if it is a string, or write the value unambiguously (true/false, a decimal number)"))
                .build());
        }
    }
}
