//! KF408: a container asks for an accelerator resource under a name no device plugin
//! advertises: `nvidia.com/gpus`, `nvidia.com/GPU`, `nvidia/gpu`, `nvidia.com/mig-1g5gb`,
//! `amd.com/gpus`. The API server accepts any well-formed extended resource name, so the
//! pod is created and then stays Pending forever (`Insufficient nvidia.com/gpus`) on every
//! node. Where the output holds the NVIDIA device plugin of the pod's pool, the name must
//! also be one that plugin advertises with its MIG strategy and GPU-sharing renames.


use super::{Check, Rule};
use crate::text::did_you_mean;
use crate::validate::device_plugins::{nvidia_plugins, Plugin};
use crate::validate::pods::{containers, ContainerRef};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF408",
        name: "accelerator-resource-name",
        severity: Severity::Error,
        summary: "an accelerator resource name no device plugin advertises (nvidia.com/gpus, a malformed MIG profile)",
        doc: include_str!("../../../docs/rules/KF408.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// The names the common device plugins advertise (besides MIG profiles, checked by shape).
const KNOWN: &[&str] = &[
    "nvidia.com/gpu",
    "nvidia.com/gpu.shared",
    "amd.com/gpu",
    "gpu.intel.com/i915",
    "gpu.intel.com/xe",
    "aws.amazon.com/neuron",
    "aws.amazon.com/neuroncore",
    "aws.amazon.com/neurondevice",
    "google.com/tpu",
    "habana.ai/gaudi",
];

/// Domains whose resource names KF408 judges (others are left to their plugins).
const DOMAINS: &[&str] = &[
    "nvidia.com/",
    "amd.com/",
    "gpu.intel.com/",
    "aws.amazon.com/neuron",
    "google.com/tpu",
    "habana.ai/",
];

/// A MIG profile as the NVIDIA device plugin names it in its `mixed` strategy:
/// `nvidia.com/mig-<g>g.<memory>gb` (`mig-1g.5gb`, `mig-3g.40gb`, `mig-1g.10gb+me`).
fn mig_profile(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("nvidia.com/mig-") else {
        return false;
    };
    let rest = rest.strip_suffix("+me").unwrap_or(rest);
    let Some((g, mem)) = rest.split_once("g.") else {
        return false;
    };
    let Some(mem) = mem.strip_suffix("gb") else {
        return false;
    };
    !g.is_empty()
        && g.bytes().all(|b| b.is_ascii_digit())
        && !mem.is_empty()
        && mem.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `name` is, or looks like a misspelling of, an accelerator resource.
fn judged(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    DOMAINS.iter().any(|d| lower.starts_with(d))
        || (!name.contains('/') || !lower.contains('.')) && (lower.contains("gpu") || lower.contains("nvidia"))
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let plugins = nvidia_plugins(cx);
    for c in containers(cx) {
        for kind in ["limits", "requests"] {
            let Some(map) = c.resources(kind) else {
                continue;
            };
            for name in map.keys() {
                if KNOWN.contains(&name.as_str()) || mig_profile(name) {
                    if let Some(f) = not_on_its_pool(cx, &plugins, &c, kind, name) {
                        out.push(f);
                    }
                    continue;
                }
                if !judged(name) {
                    continue;
                }
                let help = if name.starts_with("nvidia.com/mig-") {
                    "MIG profiles are named nvidia.com/mig-<g>g.<memory>gb, e.g. nvidia.com/mig-1g.5gb (mixed strategy); with the single strategy, ask for nvidia.com/gpu".to_owned()
                } else {
                    match did_you_mean(&name.to_ascii_lowercase(), KNOWN) {
                        Some(s) => format!("did you mean {s}?"),
                        None => format!("use a name the device plugin advertises: {}", KNOWN.join(", ")),
                    }
                };
                out.push(
                    cx.finding(RULE.meta, c.pod.object)
                        .at(&c.pointer(["resources", kind, name]))
                        .anchor(crate::validate::sourcemap::Anchor::Key)
                        .message(format!(
                            "container '{}' of {} asks for {name}, which no device plugin advertises: the pod stays Pending",
                            c.name(),
                            c.owner(cx)
                        ))
                        .help(help)
                        .build(),
                );
            }
        }
    }
}

/// A well-formed NVIDIA name that the device plugins on the pod's nodes do not advertise
/// (time-slicing renamed it, or MIG profiles without the mixed strategy): judged only
/// where every plugin serving the pod's nodeSelector is known from the output.
fn not_on_its_pool(
    cx: &Context,
    plugins: &[Plugin],
    c: &ContainerRef,
    kind: &str,
    name: &str,
) -> Option<Finding> {
    if !name.starts_with("nvidia.com/") {
        return None;
    }
    let selector = c.pod.spec.get("nodeSelector").and_then(kforge_value::Value::as_object);
    let serving: Vec<&Plugin> = plugins.iter().filter(|p| p.serves(selector)).collect();
    if serving.is_empty() || serving.iter().any(|p| p.advertises(name)) {
        return None;
    }
    let advertised: Vec<&str> = serving
        .iter()
        .flat_map(|p| p.advertised.iter().map(String::as_str))
        .collect();
    let described: Vec<String> = serving
        .iter()
        .map(|p| {
            let ds = cx.objects[p.object].resource.name();
            if p.how.is_empty() {
                format!("DaemonSet {ds}")
            } else {
                format!("DaemonSet {ds}: {}", p.how.join(", "))
            }
        })
        .collect();
    let help = if name.starts_with("nvidia.com/mig-") {
        "set the plugin's MIG strategy to mixed on this pool, or ask for nvidia.com/gpu (single strategy)".to_owned()
    } else {
        match did_you_mean(name, &advertised) {
            Some(s) => format!("did you mean {s}?"),
            None => format!("ask for one of: {}", advertised.join(", ")),
        }
    };
    Some(
        cx.finding(RULE.meta, c.pod.object)
            .at(&c.pointer(["resources", kind, name]))
            .anchor(crate::validate::sourcemap::Anchor::Key)
            .message(format!(
                "container '{}' of {} asks for {name}, but the device plugin on the nodes it selects advertises {} ({}): the pod stays Pending",
                c.name(),
                c.owner(cx),
                advertised.join(", "),
                described.join("; ")
            ))
            .help(help)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(mig_profile("nvidia.com/mig-1g.5gb"));
        assert!(mig_profile("nvidia.com/mig-3g.40gb"));
        assert!(mig_profile("nvidia.com/mig-1g.10gb+me"));
        assert!(!mig_profile("nvidia.com/mig-1g5gb"));
        assert!(!mig_profile("nvidia.com/mig-1g.5GB"));
        assert!(judged("nvidia.com/gpus") && judged("nvidia/gpu") && judged("gpu"));
        assert!(!judged("example.com/widget") && !judged("cpu") && !judged("memory"));
        assert!(!judged("ephemeral-storage"));
    }
}
