//! KF113: a custom resource that breaks its CustomResourceDefinition's schema (from the
//! output or the configured CRD directories): unknown fields, wrong types, missing required
//! fields, values outside enums, patterns and bounds. See [`crate::validate::crd`].

use super::{type_meta, Check, Rule};
use crate::validate::crd;
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF113",
        name: "custom-resource-schema",
        severity: Severity::Error,
        summary: "a custom resource that breaks its CRD's openAPIV3Schema",
        doc: include_str!("../../../docs/rules/KF113.md"),
        needs_typed_check: true,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let stream_crds: Vec<&crate::resource::Resource> = cx
        .objects
        .iter()
        .map(|o| o.resource)
        .filter(|r| r.kind() == "CustomResourceDefinition")
        .collect();
    for (i, o) in cx.objects.iter().enumerate() {
        let Some((api, kind)) = type_meta(o.resource) else {
            continue;
        };
        // Built-in kinds have the typed check; only CRD-served kinds are looked up.
        if o.typed().is_some() {
            continue;
        }
        let Some(schema) = crd::find_schema(stream_crds.iter().copied().chain(cx.crds), api, kind)
        else {
            continue;
        };
        for v in crd::check(schema, &o.resource.value) {
            let anchor = if v.at_key { Anchor::Key } else { Anchor::Value };
            out.push(
                cx.finding(RULE.meta, i)
                    .at(&v.pointer)
                    .anchor(anchor)
                    .message(v.message)
                    .help_opt(v.help)
                    .build(),
            );
        }
    }
}
