//! KF406: a GPU pod whose processes talk through shared memory (tensor or pipeline
//! parallelism, torchrun, DeepSpeed, DataLoader workers) without a memory-backed `emptyDir`
//! at `/dev/shm`, or with one larger than the pod's memory limit. A container's `/dev/shm`
//! is 64 MiB by default; NCCL and PyTorch's worker processes need far more, and fail at
//! start-up (`ncclSystemError ... /dev/shm/nccl-...`) or with a bus error mid-training.

use kforge_value::{Map, Value};

use crate::validate::pods::wants_gpu;
use super::{Check, Rule};
use crate::validate::pods::{pod_templates, quantity, ContainerRef, PodTemplate};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF406",
        name: "gpu-shared-memory",
        severity: Severity::Warning,
        summary: "a multi-process GPU workload without a memory-backed /dev/shm (or one above the memory limit)",
        doc: include_str!("../../../docs/rules/KF406.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// Flags whose value is a degree of parallelism (processes sharing memory when above 1).
const PARALLEL_FLAGS: &[&str] = &[
    "--tensor-parallel-size",
    "--tensor_parallel_size",
    "--pipeline-parallel-size",
    "--pipeline_parallel_size",
    "--tp",
    "--tp-size",
    "--pp",
    "--pp-size",
    "--num-shard",
    "--nproc-per-node",
    "--nproc_per_node",
    "--num-workers",
    "--num_workers",
];

/// Launchers that start one process per GPU.
const LAUNCHERS: &[&str] = &["torchrun", "deepspeed", "torch.distributed.run", "torch.distributed.launch"];

/// Images of model servers that run one process per GPU when given several.
const SERVERS: &[&str] = &["vllm", "sglang", "text-generation-inference", "tritonserver"];

/// Why a container is multi-process, if it is: the flag or launcher it uses.
fn multi_process(c: &ContainerRef) -> Option<String> {
    let words: Vec<&str> = ["command", "args"]
        .iter()
        .filter_map(|f| c.spec.get(f).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .flat_map(str::split_whitespace)
        .collect();
    for (i, w) in words.iter().enumerate() {
        if LAUNCHERS.iter().any(|l| w.ends_with(l)) || *w == "launch" && i > 0 && words[i - 1].ends_with("accelerate") {
            return Some(format!("`{w}`"));
        }
        let (flag, value) = match w.split_once('=') {
            Some((f, v)) => (f, Some(v)),
            None => (*w, words.get(i + 1).copied()),
        };
        if PARALLEL_FLAGS.contains(&flag) {
            let n = value.and_then(|v| v.parse::<u32>().ok());
            let threshold = if flag.contains("workers") { 0 } else { 1 };
            if n.is_some_and(|n| n > threshold) || value == Some("auto") {
                return Some(format!("`{flag} {}`", value.unwrap_or_default()));
            }
        }
    }
    let image = c.image().unwrap_or_default().to_ascii_lowercase();
    let gpus = c
        .resource("limits", "nvidia.com/gpu")
        .and_then(quantity)
        .unwrap_or(0.0);
    if gpus > 1.0 && SERVERS.iter().any(|s| image.contains(s)) {
        return Some(format!("{gpus} GPUs for {}", c.image().unwrap_or_default()));
    }
    None
}

/// The memory-backed emptyDir volumes of the pod, by name.
fn memory_volumes<'a>(pt: &'a PodTemplate) -> Vec<(usize, &'a str, &'a Map)> {
    pt.spec
        .get("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, v)| {
            let dir = v.get("emptyDir")?.as_object()?;
            (dir.get("medium").and_then(Value::as_str) == Some("Memory"))
                .then_some((i, v.get("name")?.as_str()?, dir))
        })
        .collect()
}

/// The pod's memory limit: the sum of its long-running containers' limits, when all set one.
fn pod_memory_limit(pt: &PodTemplate) -> Option<f64> {
    let mut sum = 0.0;
    for c in pt.containers().filter(ContainerRef::long_running) {
        sum += c.resource("limits", "memory").and_then(quantity)?;
    }
    Some(sum)
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for pt in pod_templates(cx) {
        if !wants_gpu(pt) || pt.spec.get("hostIPC").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let shm = memory_volumes(pt);
        for c in pt.containers() {
            let Some(why) = multi_process(&c) else {
                continue;
            };
            let mounted = c.items("volumeMounts").find_map(|(_, m)| {
                let path = m.get("mountPath").and_then(Value::as_str)?;
                let name = m.get("name").and_then(Value::as_str)?;
                (path.trim_end_matches('/') == "/dev/shm")
                    .then(|| shm.iter().find(|(_, n, _)| *n == name))
                    .flatten()
            });
            match mounted {
                None => out.push(
                    cx.finding(RULE.meta, pt.object)
                        .at(&c.pointer_to("volumeMounts"))
                        .message(format!(
                            "container '{}' of {} runs several GPU processes ({why}) but /dev/shm is the container default of 64 MiB",
                            c.name(),
                            c.owner(cx)
                        ))
                        .help("mount a memory-backed emptyDir at /dev/shm: volumes: [{name: dshm, emptyDir: {medium: Memory, sizeLimit: 16Gi}}] and volumeMounts: [{name: dshm, mountPath: /dev/shm}]".into())
                        .build(),
                ),
                Some((i, name, dir)) => {
                    let size = dir.get("sizeLimit").and_then(quantity);
                    let limit = pod_memory_limit(pt);
                    if let (Some(size), Some(limit)) = (size, limit) {
                        if size > limit {
                            out.push(
                                cx.finding(RULE.meta, pt.object)
                                    .at(&format!("{}/volumes/{i}/emptyDir/sizeLimit", pt.spec_ptr))
                                    .message(format!(
                                        "the /dev/shm volume '{name}' may grow to more than the pod's memory limit: its pages count against the limit, so the pod is OOM-killed before it is full"
                                    ))
                                    .help("keep sizeLimit below the containers' memory limits (they share it with the processes' own memory)".into())
                                    .build(),
                            );
                        }
                    }
                }
            }
        }
    }
}
