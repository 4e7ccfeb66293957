//! KF403: a GPU NodePool's `limits.nvidia.com/gpu` is smaller than what the workloads that
//! select it can ask for at once: for each Deployment the HPA's maxReplicas (or replicas)
//! plus its rolling-update surge, for each StatefulSet its replicas, for each Job/CronJob its
//! parallelism, times the GPUs per pod.

use kforge_value::Value;

use crate::validate::pods::wants_gpu;
use super::{Check, Rule};
use crate::validate::pods::{pod_templates, quantity, PodTemplate};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF403",
        name: "gpu-pool-too-small",
        severity: Severity::Error,
        summary: "a GPU NodePool's GPU limit is below its workloads' peak (HPA max + surge)",
        doc: include_str!("../../../docs/rules/KF403.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn gpus_per_pod(pt: &PodTemplate) -> f64 {
    pt.containers()
        .filter(|c| !c.init)
        .filter_map(|c| {
            c.spec
                .get("resources")?
                .get("limits")?
                .get("nvidia.com/gpu")
                .and_then(quantity)
        })
        .sum()
}

fn surge(r: &Value, replicas: f64) -> f64 {
    match r.pointer("/spec/strategy/rollingUpdate/maxSurge") {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(1.0),
        Some(Value::String(s)) if s.ends_with('%') => {
            let p: f64 = s.trim_end_matches('%').parse().unwrap_or(25.0);
            (replicas * p / 100.0).ceil()
        }
        _ if r.pointer("/spec/strategy/type").and_then(Value::as_str) == Some("Recreate") => 0.0,
        _ => (replicas * 0.25).ceil(),
    }
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let pods = pod_templates(cx);
    for (i, o) in cx.objects.iter().enumerate() {
        let pool = o.resource;
        if pool.kind() != "NodePool" || pool.gvk().group != "karpenter.sh" {
            continue;
        }
        let Some(limit) = pool
            .value
            .pointer("/spec/limits/nvidia.com~1gpu")
            .and_then(quantity)
        else {
            continue;
        };
        let labels = pool
            .value
            .pointer("/spec/template/metadata/labels")
            .and_then(Value::as_object);
        let mut need = 0.0;
        let mut parts = Vec::new();
        for pt in pods {
            if !wants_gpu(pt) {
                continue;
            }
            let Some(sel) = pt.spec.get("nodeSelector").and_then(Value::as_object) else {
                continue;
            };
            if !sel
                .iter()
                .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
            {
                continue;
            }
            let w = cx.objects[pt.object].resource;
            let replicas = w
                .value
                .pointer("/spec/replicas")
                .and_then(Value::as_f64)
                .unwrap_or(1.0);
            let peak = match w.kind() {
                "Deployment" => {
                    let hpa_max = cx.hpas_for(pt.object).first().and_then(|&h| {
                        let h = cx.objects[h].resource;
                        h.value.pointer("/spec/maxReplicas").and_then(Value::as_f64)
                    });
                    let n = hpa_max.unwrap_or(replicas);
                    n + surge(&w.value, n)
                }
                "Job" => w
                    .value
                    .pointer("/spec/parallelism")
                    .and_then(Value::as_f64)
                    .unwrap_or(1.0),
                "CronJob" => w
                    .value
                    .pointer("/spec/jobTemplate/spec/parallelism")
                    .and_then(Value::as_f64)
                    .unwrap_or(1.0),
                "DaemonSet" => 0.0,
                // Templates run nothing by themselves: a PodTemplate, KServe's serving
                // runtimes (their pods are the InferenceServices'), Kubeflow's training
                // runtimes (their pods are the TrainJobs').
                "PodTemplate" | "ServingRuntime" | "ClusterServingRuntime" | "TrainingRuntime"
                | "ClusterTrainingRuntime" => 0.0,
                // KServe scales each component between its min and max replicas.
                "InferenceService" => {
                    let component = pt
                        .spec_ptr
                        .strip_prefix("/spec/")
                        .and_then(|p| p.split('/').next())
                        .unwrap_or("predictor");
                    let at = |f: &str| {
                        w.value
                            .pointer(&format!("/spec/{component}/{f}"))
                            .and_then(Value::as_f64)
                    };
                    at("maxReplicas").or_else(|| at("minReplicas")).unwrap_or(1.0)
                }
                _ => replicas,
            };
            let gpus = peak * gpus_per_pod(pt);
            if gpus > 0.0 {
                parts.push(format!("{} {} {gpus}", w.kind(), w.name()));
                need += gpus;
            }
        }
        if need > limit {
            out.push(cx.finding(RULE.meta, i)
                .at("/spec/limits/nvidia.com~1gpu")
                .message(format!("NodePool {} allows {limit} GPUs but its workloads can ask for {need} at once ({})", pool.name(), parts.join(", ")))
                .help(format!("raise limits.nvidia.com/gpu to at least {need}, or lower HPA maxReplicas / maxSurge"))
                .build());
        }
    }
}
