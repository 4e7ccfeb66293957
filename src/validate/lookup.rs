//! Lookups the rules share, built once per validation on first use: objects by kind and
//! name, the HorizontalPodAutoscalers scaling a workload, and the one scope rule that
//! decides whether an object is in a namespace ([`namespace_of`]). (The pods a label
//! selector picks are [`super::pods::selected_pods`].)

use crate::hash::{HashMap, HashSet};
use std::sync::OnceLock;

use kforge_value::Value;

use super::Context;
use crate::resource::Resource;

/// The one scope rule: the namespace `r` is in, its `metadata.namespace` with empty meaning
/// `default`; `None` for a cluster-scoped kind, which is in no namespace and is seen from
/// every one. Cluster-scoped are kustomize's built-in table (`tables/cluster_scoped.yaml`),
/// the built-in kinds Kubernetes 1.37 declares so, and the custom kinds of
/// `tables/cluster_scoped_custom.yaml`; within a validation, a CustomResourceDefinition of
/// the output or of the CRDs installed by others decides for its kind
/// ([`Context::namespace`]).
pub fn namespace_of(r: &Resource) -> Option<&str> {
    scope_of(r, &HashMap::default())
}

/// [`namespace_of`], with `declared` the scopes CustomResourceDefinitions give their kinds
/// ((group, kind) → cluster-scoped).
fn scope_of<'r>(r: &'r Resource, declared: &HashMap<(&str, &str), bool>) -> Option<&'r str> {
    let gvk = r.gvk_ref();
    let cluster = match declared.get(&(gvk.group, gvk.kind)) {
        Some(&cluster) => cluster,
        None => {
            gvk.is_cluster_scoped()
                || r.value
                    .get("apiVersion")
                    .and_then(Value::as_str)
                    .is_some_and(|api| builtin_cluster_scoped().contains(&(api, gvk.kind)))
                || crate::tables::is_cluster_scoped_custom(gvk.group, gvk.kind)
        }
    };
    if cluster {
        return None;
    }
    match r.namespace() {
        "" => Some("default"),
        ns => Some(ns),
    }
}

/// The built-in (apiVersion, kind) pairs Kubernetes 1.37 declares cluster-scoped (more
/// than kustomize's 1.21 table: admission policies, DRA's device classes, ...).
fn builtin_cluster_scoped() -> &'static HashSet<(&'static str, &'static str)> {
    static SET: OnceLock<HashSet<(&'static str, &'static str)>> = OnceLock::new();
    SET.get_or_init(|| {
        kforge_k8s::KINDS
            .iter()
            .copied()
            .filter(|&(api, kind)| kforge_k8s::is_cluster_scoped(api, kind) == Some(true))
            .collect()
    })
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
    /// The scopes CustomResourceDefinitions of the output or of the CRDs installed by
    /// others give their kinds ((group, kind) → cluster-scoped).
    declared: HashMap<(&'a str, &'a str), bool>,
}

/// The scope each CustomResourceDefinition of `crds` declares: (group, kind) →
/// `scope: Cluster` (the first one met wins).
fn declared_scopes<'a>(
    crds: impl Iterator<Item = &'a Resource>,
) -> HashMap<(&'a str, &'a str), bool> {
    let mut out = HashMap::default();
    for crd in crds.filter(|crd| crd.kind() == "CustomResourceDefinition") {
        let text = |p: &str| crd.value.pointer(p).and_then(Value::as_str);
        if let (Some(group), Some(kind), Some(scope)) = (
            text("/spec/group"),
            text("/spec/names/kind"),
            text("/spec/scope"),
        ) {
            out.entry((group, kind)).or_insert(scope == "Cluster");
        }
    }
    out
}

impl<'a> Lookups<'a> {
    fn build(cx: &Context<'a>) -> Lookups<'a> {
        let mut l = Lookups {
            namespaces: Vec::with_capacity(cx.objects.len()),
            by_kind: HashMap::default(),
            by_name: HashMap::default(),
            hpas: HashMap::default(),
            declared: declared_scopes(cx.objects.iter().map(|o| o.resource).chain(cx.crds.iter())),
        };
        for (i, o) in cx.objects.iter().enumerate() {
            let r: &'a Resource = o.resource;
            let scope = scope_of(r, &l.declared);
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

    /// The namespace object `i` is in ([`namespace_of`]; `None` for a cluster-scoped kind,
    /// built-in or declared so by a CustomResourceDefinition of the output or of the CRDs
    /// installed by others).
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

#[cfg(test)]
mod tests {
    use super::*;
    use kforge_value::json;

    fn object(api_version: &str, kind: &str, namespace: &str) -> Resource {
        let v = json!({"apiVersion": api_version, "kind": kind,
                       "metadata": {"name": "x", "namespace": namespace}});
        Resource::new(v, Default::default(), Default::default())
    }

    #[test]
    fn scopes_of_built_in_well_known_and_declared_kinds() {
        // kustomize's table, and Kubernetes 1.37's kinds beyond it.
        assert_eq!(namespace_of(&object("v1", "Namespace", "")), None);
        let vap = object(
            "admissionregistration.k8s.io/v1",
            "ValidatingAdmissionPolicy",
            "ml",
        );
        assert_eq!(namespace_of(&vap), None);
        assert_eq!(
            namespace_of(&object("apps/v1", "Deployment", "")),
            Some("default")
        );
        // Well-known custom kinds, and unknown ones (namespaced, as kustomize treats them).
        let issuer = object("cert-manager.io/v1", "ClusterIssuer", "ml");
        assert_eq!(namespace_of(&issuer), None);
        let widget = object("example.com/v1", "Widget", "ml");
        assert_eq!(namespace_of(&widget), Some("ml"));
        // A CustomResourceDefinition decides for its kind, over the table too.
        let crd = |kind: &str, scope: &str| {
            Resource::new(
                json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                       "metadata": {"name": "c"},
                       "spec": {"group": if kind == "Widget" { "example.com" } else { "cert-manager.io" },
                                "names": {"kind": kind}, "scope": scope}}),
                Default::default(),
                Default::default(),
            )
        };
        let crds = [crd("Widget", "Cluster"), crd("ClusterIssuer", "Namespaced")];
        let declared = declared_scopes(crds.iter());
        assert_eq!(scope_of(&widget, &declared), None);
        assert_eq!(scope_of(&issuer, &declared), Some("ml"));
    }
}
