//! KF412: the output defines a RuntimeClass for NVIDIA's container runtime (handler
//! `nvidia`, as the GPU Operator sets up on nodes without it as the default runtime) but a
//! pod asking for GPUs does not use it, so its containers start without the GPU libraries
//! (`CUDA driver not found`); or a RuntimeClass that no pod in the output uses.

use kforge_value::Value;

use crate::validate::pods::wants_gpu;
use super::{Check, Rule};
use crate::validate::pods::pod_templates;
use crate::validate::{Context, Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF412",
        name: "gpu-runtime-class",
        severity: Severity::Warning,
        summary: "a GPU pod not using the output's nvidia RuntimeClass, or a RuntimeClass no pod uses",
        doc: include_str!("../../../docs/rules/KF412.md"),
        scope: Scope::Environment,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let classes: Vec<usize> = cx.of_kind("RuntimeClass").to_vec();
    if classes.is_empty() {
        return;
    }
    let nvidia: Vec<&str> = classes
        .iter()
        .map(|&i| cx.objects[i].resource)
        .filter(|r| r.value.get("handler").and_then(Value::as_str) == Some("nvidia"))
        .map(|r| r.name())
        .collect();
    let used: Vec<&str> = pod_templates(cx)
        .iter()
        .filter_map(|pt| pt.spec.get("runtimeClassName").and_then(Value::as_str))
        .collect();
    for pt in pod_templates(cx) {
        if nvidia.is_empty() || !wants_gpu(pt) {
            continue;
        }
        let class = pt.spec.get("runtimeClassName").and_then(Value::as_str);
        if class.is_some_and(|c| nvidia.contains(&c)) {
            continue;
        }
        let r = cx.objects[pt.object].resource;
        out.push(
            cx.finding(RULE.meta, pt.object)
                .at(&match class {
                    Some(_) => format!("{}/runtimeClassName", pt.spec_ptr),
                    None => pt.spec_ptr.clone(),
                })
                .message(format!(
                    "{} {} asks for GPUs but does not run with the nvidia RuntimeClass {} defined beside it: its containers may start without the GPU driver libraries",
                    r.kind(),
                    r.name(),
                    nvidia[0]
                ))
                .help(format!("set runtimeClassName: {}", nvidia[0]))
                .build(),
        );
    }
    for &i in &classes {
        let r = cx.objects[i].resource;
        if used.contains(&r.name()) {
            continue;
        }
        out.push(
            cx.finding(RULE.meta, i)
                .at("/metadata/name")
                .message(format!("RuntimeClass {} is defined but no pod in the output uses it", r.name()))
                .help("set runtimeClassName on the pods meant to use it, or remove it".into())
                .build(),
        );
    }
}
