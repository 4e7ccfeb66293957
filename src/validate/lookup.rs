//! Lookups the rules share, built once per validation on first use: objects by kind and
//! name, the HorizontalPodAutoscalers scaling a workload, and the one scope rule that
//! decides whether an object is in a namespace ([`namespace_of`]). (The pods a label
//! selector picks are [`super::pods::selected_pods`].)

use std::collections::HashMap;

use serde_json::Value;

use super::Context;
use crate::resource::Resource;

/// The one scope rule: the namespace `r` is in, its `metadata.namespace` with empty meaning
/// `default`; `None` for a cluster-scoped kind (`tables/cluster_scoped.yaml`), which is in
/// no namespace and is seen from every one.
pub fn namespace_of(r: &Resource) -> Option<&str> {
    if r.gvk().is_cluster_scoped() {
        return None;
    }
    match r.namespace() {
        "" => Some("default"),
        ns => Some(ns),
    }
}

/// Whether an object in `scope` ([`namespace_of`]) is visible from `namespace` (a
/// referrer's namespace; `None` for a cluster-scoped referrer, empty meaning `default`).
fn visible(scope: Option<&str>, namespace: Option<&str>) -> bool {
    let namespace = namespace.map(|n| if n.is_empty() { "default" } else { n });
    scope.is_none() || scope == namespace
}

/// The indexes behind [`Context::find`], [`Context::of_kind`] and [`Context::hpas_for`].
pub(super) struct Lookups<'a> {
    /// [`namespace_of`] each object.
    namespaces: Vec<Option<&'a str>>,
    /// Object indexes by kind, in output order.
    by_kind: HashMap<&'a str, Vec<usize>>,
    /// Object indexes by kind and name, in output order.
    by_name: HashMap<(&'a str, &'a str), Vec<usize>>,
    /// HorizontalPodAutoscalers by the namespace, kind and name of their `scaleTargetRef`
    /// (namespace-local in Kubernetes: the HPA's own namespace).
    hpas: HashMap<(&'a str, &'a str, &'a str), Vec<usize>>,
}

impl<'a> Lookups<'a> {
    fn build(cx: &Context<'a>) -> Lookups<'a> {
        let mut l = Lookups {
            namespaces: Vec::with_capacity(cx.objects.len()),
            by_kind: HashMap::new(),
            by_name: HashMap::new(),
            hpas: HashMap::new(),
        };
        for (i, o) in cx.objects.iter().enumerate() {
            let r: &'a Resource = o.resource;
            let scope = namespace_of(r);
            l.namespaces.push(scope);
            l.by_kind.entry(r.kind()).or_default().push(i);
            l.by_name.entry((r.kind(), r.name())).or_default().push(i);
            if r.kind() != "HorizontalPodAutoscaler" {
                continue;
            }
            let target = |field| {
                r.value
                    .pointer("/spec/scaleTargetRef")
                    .and_then(|t| t.get(field))
                    .and_then(Value::as_str)
            };
            if let (Some(ns), Some(kind), Some(name)) = (scope, target("kind"), target("name")) {
                l.hpas.entry((ns, kind, name)).or_default().push(i);
            }
        }
        l
    }
}

impl<'a> Context<'a> {
    fn lookups(&self) -> &Lookups<'a> {
        self.lookups.get_or_init(|| Lookups::build(self))
    }

    /// The namespace object `i` is in ([`namespace_of`]).
    pub fn namespace(&self, i: usize) -> Option<&'a str> {
        self.lookups().namespaces[i]
    }

    /// The objects of `kind`, in output order.
    pub fn of_kind(&self, kind: &str) -> &[usize] {
        self.lookups()
            .by_kind
            .get(kind)
            .map_or(&[][..], Vec::as_slice)
    }

    /// The objects of `kind` visible from `namespace` (the referrer's: `None` for a
    /// cluster-scoped one): those in it, and cluster-scoped ones.
    pub fn of_kind_in<'s>(
        &'s self,
        kind: &str,
        namespace: Option<&'s str>,
    ) -> impl Iterator<Item = usize> + 's {
        let l = self.lookups();
        self.of_kind(kind)
            .iter()
            .copied()
            .filter(move |&i| visible(l.namespaces[i], namespace))
    }

    /// The first object (in output order) of `kind` named `name` that a reference from
    /// `namespace` reaches: in that namespace, or cluster-scoped.
    pub fn find(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<usize> {
        let l = self.lookups();
        l.by_name
            .get(&(kind, name))?
            .iter()
            .copied()
            .find(|&i| visible(l.namespaces[i], namespace))
    }

    /// The HorizontalPodAutoscalers whose `scaleTargetRef` names object `i` (kind and name,
    /// in `i`'s namespace), in output order.
    pub fn hpas_for(&self, i: usize) -> &[usize] {
        let l = self.lookups();
        let r = self.objects[i].resource;
        let Some(ns) = l.namespaces[i] else {
            return &[];
        };
        l.hpas
            .get(&(ns, r.kind(), r.name()))
            .map_or(&[][..], Vec::as_slice)
    }
}
