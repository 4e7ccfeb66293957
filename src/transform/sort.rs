//! Output order: kustomize's legacy kind order (the default), custom kind lists, or fifo.

use std::cmp::Ordering;

use crate::model::SortOptions;
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

/// kustomize's `Gvk.IsLessThan` as an ordering: the legacy kind rank, then the
/// group/version/kind string (used to order transformer configuration tables).
pub fn gvk_cmp(a: &Gvk, b: &Gvk) -> Ordering {
    let rank = |g: &Gvk| -> i64 {
        let kind = g.kind.as_str();
        if let Some(i) = FIRST.iter().position(|k| *k == kind) {
            i as i64 - FIRST.len() as i64
        } else if let Some(j) = LAST.iter().position(|k| *k == kind) {
            1 + j as i64
        } else {
            0
        }
    };
    rank(a)
        .cmp(&rank(b))
        .then_with(|| gvk_str(a).cmp(&gvk_str(b)))
}

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

/// What the comparison needs of one object, computed once per object instead of once
/// per comparison.
struct Key {
    rank: i64,
    /// Kind `Namespace`: kustomize orders two Namespace GVKs in reverse when one of them
    /// has no group.
    namespace: bool,
    group_empty: bool,
    gvk: String,
    id: String,
}

impl Key {
    fn new(id: &ResId, first: &[&str], last: &[&str]) -> Key {
        let kind = id.gvk.kind.as_str();
        let rank = if let Some(i) = first.iter().position(|k| *k == kind) {
            i as i64 - first.len() as i64
        } else if let Some(j) = last.iter().position(|k| *k == kind) {
            1 + j as i64
        } else {
            0
        };
        Key {
            rank,
            namespace: kind == "Namespace",
            group_empty: id.gvk.group.is_empty(),
            gvk: gvk_str(&id.gvk),
            id: id_str(id),
        }
    }

    /// kustomize's `legacyIDSorter` less-than.
    fn less(&self, b: &Key) -> bool {
        if self.gvk != b.gvk {
            if self.rank != b.rank {
                return self.rank < b.rank;
            }
            if self.namespace && b.namespace && (self.group_empty || b.group_empty) {
                return self.gvk > b.gvk;
            }
            return self.gvk < b.gvk;
        }
        self.id < b.id
    }
}

/// kustomize's checks of a `sortOptions` field: an `order` of `legacy` or `fifo` (there is
/// no default once the field is there), and `legacySortOptions` only with `legacy`. The
/// error names the field below `sortOptions` (a JSON pointer) and what to write.
pub fn check(o: &SortOptions) -> Result<(), (&'static str, String)> {
    if o.order != "legacy" && o.order != "fifo" {
        let found = if o.order.is_empty() {
            "is missing".to_owned()
        } else {
            format!("is '{}'", o.order)
        };
        return Err((
            "/order",
            format!("sortOptions.order {found}; write 'order: legacy' or 'order: fifo' (kustomize requires one of them)"),
        ));
    }
    if o.order == "fifo" && o.legacy_sort_options.is_some() {
        return Err((
            "/legacySortOptions",
            "sortOptions.legacySortOptions applies only to 'order: legacy', and the order is 'fifo'; remove legacySortOptions or write 'order: legacy'".to_owned(),
        ));
    }
    Ok(())
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
    let mut keyed: Vec<(Key, usize)> = resources
        .iter()
        .enumerate()
        .map(|(i, r)| (Key::new(&r.cur_id(), &first, &last), i))
        .collect();
    keyed.sort_by(|(a, _), (b, _)| {
        if a.less(b) {
            Ordering::Less
        } else if b.less(a) {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    });
    let mut order: Vec<usize> = keyed.into_iter().map(|(_, i)| i).collect();
    permute(resources, &mut order);
}

/// Rearrange `items` so that slot `i` holds what was at `order[i]`, by following the
/// permutation's cycles with swaps (no copies of the objects).
fn permute<T>(items: &mut [T], order: &mut [usize]) {
    for i in 0..items.len() {
        let mut cur = i;
        loop {
            let src = order[cur];
            order[cur] = cur;
            if src == i {
                break;
            }
            items.swap(cur, src);
            cur = src;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::permute;

    #[test]
    fn permute_follows_cycles() {
        let mut items = vec!['a', 'b', 'c', 'd', 'e'];
        let mut order = vec![3, 0, 4, 1, 2];
        permute(&mut items, &mut order);
        assert_eq!(items, vec!['d', 'a', 'e', 'b', 'c']);
        let mut items = vec!['x'];
        permute(&mut items, &mut [0]);
        assert_eq!(items, vec!['x']);
    }
}
