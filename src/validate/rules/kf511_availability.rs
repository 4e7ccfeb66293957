//! KF511: a Deployment or StatefulSet that one voluntary disruption takes down: fewer than
//! two replicas (counting an HPA's minReplicas), or no PodDisruptionBudget covering its
//! pods. Off by default; `kforge.yaml` turns it on for production.

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::pods::{pod_templates, selector_matches};
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF511",
        name: "availability",
        severity: Severity::Error,
        summary:
            "fewer than two replicas or no PodDisruptionBudget (off unless kforge.yaml enables it)",
        doc: include_str!("../../../docs/rules/KF511.md"),
        enabled_by_default: false,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let pods = pod_templates(cx);
    for pt in pods {
        let r = cx.objects[pt.object].resource;
        if !matches!(r.kind(), "Deployment" | "StatefulSet") {
            continue;
        }
        let replicas = r
            .value
            .pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let hpa_min = cx.hpas_for(pt.object).first().map(|&h| {
            cx.objects[h]
                .resource
                .value
                .pointer("/spec/minReplicas")
                .and_then(Value::as_i64)
                .unwrap_or(1)
        });
        let floor = hpa_min.unwrap_or(replicas);
        if floor < 2 {
            let (ptr, what) = match hpa_min {
                Some(_) => (
                    "/spec/replicas",
                    format!("its HorizontalPodAutoscaler's minReplicas is {floor}"),
                ),
                None if r.value.pointer("/spec/replicas").is_some() => {
                    ("/spec/replicas", format!("replicas is {floor}"))
                }
                None => ("/metadata/name", "replicas defaults to 1".to_owned()),
            };
            out.push(
                cx.finding(RULE.meta, pt.object)
                    .at(ptr)
                    .anchor(Anchor::Key)
                    .message(format!(
                        "{} {} can be taken down by one node drain: {what}",
                        r.kind(),
                        r.name()
                    ))
                    .help(
                        "run at least two replicas (and set the HPA's minReplicas to 2 or more)"
                            .into(),
                    )
                    .build(),
            );
        }
        let covered = cx
            .of_kind_in("PodDisruptionBudget", cx.namespace(pt.object))
            .any(|p| {
                cx.objects[p]
                    .resource
                    .value
                    .pointer("/spec/selector")
                    .and_then(Value::as_object)
                    .is_some_and(|s| !s.is_empty() && selector_matches(s, pt.labels.as_deref()))
            });
        if !covered {
            out.push(cx.finding(RULE.meta, pt.object)
                .at("/metadata/name")
                .message(format!("no PodDisruptionBudget selects the pods of {} {}", r.kind(), r.name()))
                .help("add a PodDisruptionBudget (e.g. the `pdb` component) so drains keep enough pods serving".into())
                .build());
        }
    }
}
