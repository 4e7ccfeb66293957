//! Node pools: where a GPU pod can be placed, the device plugins on a pool's nodes, a
//! NodePool's node class, and a KServe predictor's serving runtime.

use kforge_value::Map;
use kforge_value::Value;

use super::{cluster_lookup, edge, list, selector_text, text, Edge, Ref, Relation, Target};
use crate::resource::Resource;
use crate::validate::pods::{pod_templates, tolerates, wants_gpu};
use crate::validate::Context;

/// The Karpenter NodePools of the output.
fn node_pools<'c, 'a>(cx: &'c Context<'a>) -> impl Iterator<Item = (usize, &'a Resource)> + 'c {
    cx.of_kind("NodePool")
        .iter()
        .map(|&i| (i, cx.objects[i].resource))
        .filter(|(_, r)| r.gvk_ref().group == "karpenter.sh")
}

/// The labels a NodePool puts on its nodes.
fn pool_labels(pool: &Resource) -> Option<&Map> {
    pool.value
        .pointer("/spec/template/metadata/labels")
        .and_then(Value::as_object)
}

/// The taints a NodePool puts on its nodes.
pub fn pool_taints(pool: &Resource) -> impl Iterator<Item = &Value> {
    list(pool.value.pointer("/spec/template/spec/taints")).map(|(_, t)| t)
}

/// GPU pods to the NodePools whose labels their `nodeSelector` selects (a
/// `karpenter.*` key matches every pool); when the output has pools and none matches, to a
/// missing one.
pub(super) fn gpu_pools(cx: &Context, out: &mut Vec<Edge>) {
    let pools: Vec<(usize, &Resource)> = node_pools(cx).collect();
    if pools.is_empty() {
        return;
    }
    for (p, pt) in pod_templates(cx).iter().enumerate() {
        if !wants_gpu(pt) {
            continue;
        }
        let Some(selector) = pt.spec.get("nodeSelector").and_then(Value::as_object) else {
            continue;
        };
        let pointer = format!("{}/nodeSelector", pt.spec_ptr);
        let mut targets: Vec<Target> = pools
            .iter()
            .filter(|(_, pool)| {
                let labels = pool_labels(pool);
                selector.iter().all(|(k, v)| {
                    labels.and_then(|l| l.get(k)) == Some(v) || k.starts_with("karpenter.")
                })
            })
            .map(|&(i, _)| Target::Object(i))
            .collect();
        if targets.is_empty() {
            let what = Ref::new("NodePool", None, &selector_text(selector));
            targets.push(Target::Missing(what));
        }
        for target in targets {
            let mut e = edge(pt.object, pointer.clone(), Relation::Schedules, target);
            e.pod = Some(p);
            out.push(e);
        }
    }
}

/// A NodePool offering GPUs: a GPU limit or the GPU taint.
fn gpu_pool(p: &Resource) -> bool {
    p.value.pointer("/spec/limits/nvidia.com~1gpu").is_some()
        || pool_taints(p).any(|t| t.get("key").and_then(Value::as_str) == Some("nvidia.com/gpu"))
}

/// NVIDIA device plugin DaemonSets to the GPU NodePools whose nodes they run on (they
/// select the pool's labels and tolerate its taints); a GPU pool none runs on, to a missing
/// plugin. Only when the output has a device plugin: a cluster whose plugin is installed
/// elsewhere (the GPU operator) has none.
pub(super) fn device_plugins(cx: &Context, out: &mut Vec<Edge>) {
    let plugins: Vec<usize> = pod_templates(cx)
        .iter()
        .enumerate()
        .filter(|(_, pt)| cx.objects[pt.object].resource.kind() == "DaemonSet")
        .filter(|(_, pt)| {
            pt.containers()
                .any(|c| c.image().is_some_and(|i| i.contains("k8s-device-plugin")))
        })
        .map(|(p, _)| p)
        .collect();
    if plugins.is_empty() {
        return;
    }
    let pods = pod_templates(cx);
    for (i, pool) in node_pools(cx).filter(|(_, pool)| gpu_pool(pool)) {
        let labels = pool_labels(pool);
        let taints: Vec<&Value> = pool_taints(pool).collect();
        let mut covered = false;
        for &p in &plugins {
            let pt = &pods[p];
            let selected = pt
                .spec
                .get("nodeSelector")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v));
            if selected
                && taints
                    .iter()
                    .all(|t| tolerates(pt.spec.get("tolerations"), t))
            {
                covered = true;
                let mut e = edge(
                    pt.object,
                    pt.spec_ptr.clone(),
                    Relation::DevicePlugin,
                    Target::Object(i),
                );
                e.pod = Some(p);
                out.push(e);
            }
        }
        if !covered {
            let what = Ref::new("DaemonSet", None, "nvidia-device-plugin");
            out.push(edge(
                i,
                "/metadata/name".into(),
                Relation::DevicePlugin,
                Target::Missing(what),
            ));
        }
    }
}

/// NodePools to their node classes (a Karpenter EC2NodeClass, ...).
pub(super) fn node_classes(cx: &Context, out: &mut Vec<Edge>) {
    let pools: Vec<(usize, &Resource)> = node_pools(cx).collect();
    for (i, pool) in pools {
        let ptr = "/spec/template/spec/nodeClassRef";
        let Some(name) = text(&pool.value, &format!("{ptr}/name")) else {
            continue;
        };
        let kind = text(&pool.value, &format!("{ptr}/kind")).unwrap_or("EC2NodeClass");
        out.push(edge(
            i,
            format!("{ptr}/name"),
            Relation::NodeClass,
            cluster_lookup(cx, kind, name),
        ));
    }
}

/// KServe predictors to the runtimes of the output their models run on (the same runtime
/// the pod rules lay the model over, [`crate::validate::pods`]).
pub(super) fn runtimes(cx: &Context, out: &mut Vec<Edge>) {
    for pt in pod_templates(cx) {
        for (pointer, j) in pt.completed_by() {
            out.push(edge(
                pt.object,
                pointer,
                Relation::Runtime,
                Target::Object(j),
            ));
        }
    }
}
