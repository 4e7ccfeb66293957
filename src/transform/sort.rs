//! Output order: kustomize's legacy kind order (the default), custom kind lists, or fifo.

use std::cmp::Ordering;

use crate::kustomize::model::SortOptions;
use crate::resource::{or_placeholder, Gvk, ResId, Resource};

const FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
const LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

fn gvk_str(g: &Gvk) -> String {
    format!(
        "{}_{}_{}",
        or_placeholder(&g.group, "~G"),
        or_placeholder(&g.version, "~V"),
        or_placeholder(&g.kind, "~K")
    )
}

fn id_str(id: &ResId) -> String {
    format!(
        "{}|{}|{}",
        id.gvk.id_string(),
        or_placeholder(&id.namespace, "~X"),
        or_placeholder(&id.name, "~N")
    )
}

struct Ranks<'a> {
    first: Vec<&'a str>,
    last: Vec<&'a str>,
}

impl Ranks<'_> {
    fn rank(&self, kind: &str) -> i64 {
        if let Some(i) = self.first.iter().position(|k| *k == kind) {
            return i as i64 - self.first.len() as i64;
        }
        if let Some(j) = self.last.iter().position(|k| *k == kind) {
            return 1 + j as i64;
        }
        0
    }

    fn less(&self, a: &ResId, b: &ResId) -> bool {
        if a.gvk != b.gvk {
            let (ra, rb) = (self.rank(&a.gvk.kind), self.rank(&b.gvk.kind));
            if ra != rb {
                return ra < rb;
            }
            if a.gvk.kind == "Namespace"
                && b.gvk.kind == "Namespace"
                && (a.gvk.group.is_empty() || b.gvk.group.is_empty())
            {
                return gvk_str(&a.gvk) > gvk_str(&b.gvk);
            }
            return gvk_str(&a.gvk) < gvk_str(&b.gvk);
        }
        id_str(a) < id_str(b)
    }
}

/// Sort `resources` as the top-level kustomization's `sortOptions` ask.
pub fn apply(resources: &mut [Resource], options: Option<&SortOptions>) {
    let (first, last): (Vec<&str>, Vec<&str>) = match options {
        Some(o) if o.order == "fifo" => return,
        Some(SortOptions {
            legacy_sort_options: Some(l),
            ..
        }) => (
            l.order_first.iter().map(String::as_str).collect(),
            l.order_last.iter().map(String::as_str).collect(),
        ),
        _ => (FIRST.to_vec(), LAST.to_vec()),
    };
    let ranks = Ranks { first, last };
    let mut keyed: Vec<(ResId, usize)> = resources
        .iter()
        .enumerate()
        .map(|(i, r)| (r.cur_id(), i))
        .collect();
    keyed.sort_by(|(a, _), (b, _)| {
        if ranks.less(a, b) {
            Ordering::Less
        } else if ranks.less(b, a) {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    });
    let order: Vec<usize> = keyed.into_iter().map(|(_, i)| i).collect();
    let mut taken: Vec<Option<Resource>> = resources.iter().cloned().map(Some).collect();
    for (slot, i) in order.into_iter().enumerate() {
        resources[slot] = taken[i].take().expect("each index once");
    }
}
