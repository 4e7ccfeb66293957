//! KF112: a kind that is neither built into Kubernetes 1.37 nor defined by a
//! CustomResourceDefinition in the same output, so nothing can validate it.

use crate::hash::HashSet;

use kforge_value::Value;

use super::kf110_removed_api::lifecycle;
use super::{type_meta, Check, Rule};
use crate::validate::{schema, Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF112",
        name: "unknown-kind",
        severity: Severity::Warning,
        summary: "a kind that is neither built in nor defined by a CRD in the output",
        doc: include_str!("../../../docs/rules/KF112.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    // (group/version, kind) served by the CRDs in the stream.
    let mut crds: HashSet<(String, String)> = HashSet::default();
    for r in cx.objects.iter().map(|o| o.resource).chain(cx.crds) {
        let v = &r.value;
        if type_meta(r).map(|t| t.1) != Some("CustomResourceDefinition") {
            continue;
        }
        let group = v
            .pointer("/spec/group")
            .and_then(Value::as_str)
            .unwrap_or("");
        let kind = v
            .pointer("/spec/names/kind")
            .and_then(Value::as_str)
            .unwrap_or("");
        for ver in v
            .pointer("/spec/versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = ver.get("name").and_then(Value::as_str) {
                crds.insert((format!("{group}/{name}"), kind.to_owned()));
            }
        }
    }
    for (i, o) in cx.objects.iter().enumerate() {
        let Some((api, kind)) = type_meta(o.resource) else {
            continue;
        };
        if schema::root(api, kind).is_some()
            || lifecycle(api, kind, "removed").is_some()
            || crds.contains(&(api.to_owned(), kind.to_owned()))
        {
            continue;
        }
        let group = api.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
        // Versions of this group and kind that the CRDs do serve.
        let mut served: Vec<&str> = crds
            .iter()
            .filter(|(gv, k)| k == kind && gv.rsplit_once('/').is_some_and(|(g, _)| g == group))
            .filter_map(|(gv, _)| gv.rsplit_once('/').map(|(_, v)| v))
            .collect();
        served.sort_unstable();
        let (message, help) = if !served.is_empty() {
            (
                format!(
                    "the CustomResourceDefinition of {kind} ({group}) serves {}, not {api}",
                    served.join(", ")
                ),
                "write the apiVersion the CRD serves (the older versions were removed)".to_owned(),
            )
        } else if schema::kind_is_builtin(group, kind) {
            (
                format!(
                    "{api} does not serve {kind} in Kubernetes {}",
                    kforge_k8s::KUBERNETES_VERSION
                ),
                "use a version of this API that Kubernetes serves (see `kubectl api-versions`)"
                    .to_owned(),
            )
        } else {
            (
                format!("{kind} ({api}) is not a built-in kind and no CustomResourceDefinition in the output defines it"),
                "add the CRD to the output or to a --crd-dir (kforge check reads ci/schemas/crds), or check the apiVersion and kind for typos".to_owned(),
            )
        };
        out.push(
            cx.finding(RULE.meta, i)
                .at("/kind")
                .message(message)
                .help(help)
                .build(),
        );
    }
}
