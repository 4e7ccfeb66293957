//! KF411: Kueue admission that can never happen. A workload labelled
//! `kueue.x-k8s.io/queue-name` whose LocalQueue does not exist in its namespace, a
//! LocalQueue whose ClusterQueue does not exist, or a ClusterQueue whose resource groups do
//! not cover the GPUs its workloads ask for: Kueue keeps such workloads suspended (Jobs are
//! created with `suspend: true` and never start), with nothing failing in the sync.

use std::collections::BTreeSet;

use kforge_value::Value;

use super::{Check, Rule};
use crate::text::did_you_mean;
use crate::validate::pods::pod_templates;
use crate::validate::{Context, Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF411",
        name: "kueue-queue",
        severity: Severity::Error,
        summary: "a Kueue queue-name, LocalQueue or ClusterQueue that can never admit the workload",
        doc: include_str!("../../../docs/rules/KF411.md"),
        scope: Scope::Environment,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

const LABEL: &str = "kueue.x-k8s.io/queue-name";
const GROUP: &str = "kueue.x-k8s.io";

fn covered(cluster_queue: &Value) -> BTreeSet<&str> {
    cluster_queue
        .pointer("/spec/resourceGroups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| g.get("coveredResources").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    // Workloads by the queue they name: (object, pointer of the label, namespace, queue).
    let mut workloads: Vec<(usize, String, String, &str)> = Vec::new();
    for (i, o) in cx.objects.iter().enumerate() {
        if let Some(q) = o
            .resource
            .value
            .pointer("/metadata/labels")
            .and_then(|l| l.get(LABEL))
            .and_then(Value::as_str)
        {
            let ns = cx.namespace(i).unwrap_or("default").to_owned();
            workloads.push((i, "/metadata/labels/kueue.x-k8s.io~1queue-name".into(), ns, q));
        }
    }
    for pt in pod_templates(cx) {
        if let Some(q) = pt.labels.as_deref().and_then(|l| l.get(LABEL)).and_then(Value::as_str) {
            if workloads.iter().any(|(i, ..)| *i == pt.object) {
                continue;
            }
            let labels_ptr = pt.labels_ptr.clone().unwrap_or_default();
            workloads.push((pt.object, format!("{labels_ptr}/kueue.x-k8s.io~1queue-name"), pt.namespace.clone(), q));
        }
    }
    for (i, ptr, ns, queue) in &workloads {
        if cx.exists("LocalQueue", Some(ns), queue).is_none() {
            out.push(
                cx.finding(RULE.meta, *i)
                    .at(ptr)
                    .message(format!("queue-name {queue} names no LocalQueue in namespace {ns}: Kueue never admits the workload"))
                    .help({
                        let names: Vec<&str> = cx
                            .of_kind_in("LocalQueue", Some(ns.as_str()))
                            .map(|j| cx.objects[j].resource.name())
                            .collect();
                        match did_you_mean(queue, &names) {
                            Some(s) => format!("did you mean {s}? (or add a LocalQueue named {queue} in {ns})"),
                            None => format!("add a LocalQueue named {queue} in {ns}, or fix the label"),
                        }
                    })
                    .build(),
            );
        }
    }
    for (i, o) in cx.objects.iter().enumerate() {
        let r = o.resource;
        if r.kind() != "LocalQueue" || r.gvk_ref().group != GROUP {
            continue;
        }
        let Some(cq) = r.value.pointer("/spec/clusterQueue").and_then(Value::as_str) else {
            continue;
        };
        // ClusterQueue is cluster-scoped (a custom kind kustomize's table does not know):
        // any in the output by name, else outside it.
        let in_output = cx
            .of_kind("ClusterQueue")
            .iter()
            .copied()
            .find(|&j| cx.objects[j].resource.name() == cq && cx.objects[j].resource.gvk().group == GROUP)
            .map(crate::validate::outside::Found::Output);
        match in_output.or_else(|| cx.exists("ClusterQueue", None, cq)) {
            None => out.push(
                cx.finding(RULE.meta, i)
                    .at("/spec/clusterQueue")
                    .message(format!("LocalQueue {} points at ClusterQueue {cq}, which does not exist", r.name()))
                    .help({
                        let names: Vec<&str> = cx
                            .of_kind("ClusterQueue")
                            .iter()
                            .map(|&j| cx.objects[j].resource.name())
                            .collect();
                        match did_you_mean(cq, &names) {
                            Some(s) => format!("did you mean {s}? (or add the ClusterQueue)"),
                            None => "add the ClusterQueue or fix spec.clusterQueue".into(),
                        }
                    })
                    .build(),
            ),
            Some(crate::validate::outside::Found::Output(j)) => {
                let cover = covered(&cx.objects[j].resource.value);
                let ns = cx.namespace(i).unwrap_or("default");
                // GPUs the workloads of this LocalQueue ask for.
                let mut wanted: BTreeSet<String> = BTreeSet::new();
                for pt in pod_templates(cx) {
                    let in_queue = workloads.iter().any(|(w, _, wns, q)| *w == pt.object && wns == ns && *q == r.name());
                    if !in_queue {
                        continue;
                    }
                    for c in pt.containers() {
                        for kind in ["limits", "requests"] {
                            if let Some(m) = c.spec.get("resources").and_then(|x| x.get(kind)).and_then(Value::as_object) {
                                wanted.extend(m.keys().filter(|k| k.contains('/')).map(|k| k.to_string()));
                            }
                        }
                    }
                }
                for res in wanted.iter().filter(|w| !cover.contains(w.as_str())) {
                    out.push(
                        cx.finding(RULE.meta, j)
                            .at("/spec/resourceGroups")
                            .message(format!(
                                "ClusterQueue {cq} does not cover {res}, which workloads of LocalQueue {} in {ns} ask for: they are never admitted",
                                r.name()
                            ))
                            .help(format!("add {res} to a resource group's coveredResources with a flavor quota"))
                            .build(),
                    );
                }
            }
            Some(_) => {}
        }
    }
}
