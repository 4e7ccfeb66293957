//! KF106: in a plain manifest applied as written (`kubectl apply -f`, Argo CD or Flux on a
//! directory of manifests), an unquoted `yes`, `on`, `off`, `y`, `no`, `1:30` or similar
//! where a string is meant. Those tools read YAML 1.1, where the text is a boolean or a
//! number, so the API server receives a boolean where a label, an annotation, an env value
//! or a ConfigMap entry holds a string, and rejects the object.
//!
//! Sources that only kustomize reads are YAML 1.2 to it (the text stays a string, and its
//! output quotes it): there the same text is KF103's warning.

use super::kf103_yaml11_ambiguous_scalar::yaml11_scalars;
use super::{Check, Rule};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF106",
        name: "yaml11-string-in-applied-manifest",
        severity: Severity::Error,
        summary: "an unquoted yes/on/off/... in a plain manifest: kubectl, Argo CD and Flux read a boolean or number",
        doc: include_str!("../../../docs/rules/KF106.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    if !cx.applied_as_written {
        return;
    }
    for (i, o) in cx.objects.iter().enumerate() {
        for (rel, text, value) in yaml11_scalars(o.resource) {
            if !value.is_string() {
                continue;
            }
            out.push(cx.finding(RULE.meta, i)
                .at(rel)
                .message(format!("plain `{text}` is a string here, but kubectl apply, Argo CD and Flux read this file with YAML 1.1, where it is a boolean or a number, and the API server rejects it in a string field"))
                .help(format!("quote it: \"{text}\""))
                .build());
        }
    }
}
