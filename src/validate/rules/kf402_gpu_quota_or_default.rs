//! KF402: GPU quota and defaults done wrong: a ResourceQuota with `limits.nvidia.com/gpu` or
//! a bare `nvidia.com/gpu` key (the API server only accepts `requests.` for extended
//! resources), or a LimitRange that defaults GPUs into every container.

use kforge_value::Value;

use super::{Check, Rule};
use crate::source::pointer::from_tokens;
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF402",
        name: "gpu-quota-or-default",
        severity: Severity::Error,
        summary: "a ResourceQuota GPU key without `requests.`, or a LimitRange defaulting GPUs",
        doc: include_str!("../../../docs/rules/KF402.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let r = o.resource;
        match r.kind() {
            "ResourceQuota" => {
                for (k, _) in r
                    .value
                    .pointer("/spec/hard")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    if k == "nvidia.com/gpu" || k == "limits.nvidia.com/gpu" {
                        out.push(
                            cx.finding(RULE.meta, i)
                                .at(&from_tokens(["spec", "hard", k]))
                                .anchor(Anchor::Key)
                                .message(format!(
                                    "ResourceQuota key {k} is not allowed for an extended resource"
                                ))
                                .help("use requests.nvidia.com/gpu".into())
                                .build(),
                        );
                    }
                }
            }
            "LimitRange" => {
                for (j, l) in r
                    .value
                    .pointer("/spec/limits")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    for field in ["default", "defaultRequest"] {
                        if l.pointer(&format!("/{field}/nvidia.com~1gpu")).is_some() {
                            out.push(cx.finding(RULE.meta, i)
                                .at(&format!("/spec/limits/{j}/{field}/nvidia.com~1gpu"))
                                .anchor(Anchor::Key)
                                .message(format!("LimitRange {} gives every container a GPU by default ({field})", r.name()))
                                .help("remove nvidia.com/gpu from LimitRange defaults; workloads ask for GPUs themselves".into())
                                .build());
                        }
                    }
                }
            }
            _ => {}
        }
    }
}
