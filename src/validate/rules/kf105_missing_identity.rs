//! KF105: a document without `apiVersion`, `kind` or `metadata.name` (only possible for
//! plain manifests; kustomize refuses such documents while building).

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF105",
        name: "missing-identity",
        severity: Severity::Error,
        summary: "a document without apiVersion, kind or metadata.name",
        doc: include_str!("../../../docs/rules/KF105.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let v = &o.resource.value;
        let missing = |p: &str| {
            v.pointer(p)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        };
        let mut absent = Vec::new();
        if missing("/apiVersion") {
            absent.push("apiVersion");
        }
        if missing("/kind") {
            absent.push("kind");
        }
        if missing("/metadata/name") && missing("/metadata/generateName") {
            absent.push("metadata.name");
        }
        if absent.is_empty() {
            continue;
        }
        out.push(
            cx.finding(RULE.meta, i)
                .at("")
                .message(format!("document has no {}", absent.join(", ")))
                .help("every Kubernetes object needs apiVersion, kind and metadata.name".into())
                .build(),
        );
    }
}
