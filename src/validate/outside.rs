//! What exists without being in the output under validation, so that a reference to it is
//! not reported as missing:
//!
//! - what Kubernetes makes itself and what controllers make from objects in the output
//!   (`src/tables/platform.yaml`, plus `platformObjects:` of `kforge.yaml`);
//! - the objects of the repository's neighbouring deployable kustomizations (built by
//!   [`crate::workspace`] and handed to the validation as an [`Outside`]).
//!
//! Rules ask through [`Context::exists`] and [`Context::pods_outside`], which look in the
//! output first and then here; the answer outside names where the object comes from.

use crate::hash::HashMap;

use kforge_value::Map;

use super::lookup::namespace_of;
use super::pods::selector_matches;
use super::Context;
use crate::resource::Resource;
use crate::tables::platform::PlatformDef;
use crate::tables::pod_templates::PodTemplateLocation;

/// Where an object outside the output is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Place {
    /// Cluster-scoped: seen from every namespace.
    Cluster,
    /// One in every namespace.
    Every,
    /// In this namespace.
    In(String),
}

/// An object (or a family of them, by name prefix) known outside the output.
#[derive(Clone, Debug)]
struct Known {
    place: Place,
    origin: String,
    /// The object of the output it is made from (a `created` row read from the output).
    maker: Option<usize>,
}

/// Pods made outside the output (by a controller, or by a neighbouring kustomization).
#[derive(Clone, Debug)]
struct KnownPods {
    namespace: String,
    labels: Map,
    origin: String,
    /// The object of the output they are made from.
    maker: Option<usize>,
}

/// An index of what exists outside the output. [`Outside::default`] knows nothing.
#[derive(Clone, Debug, Default)]
pub struct Outside {
    /// By kind, then name (looked up without copying either).
    exact: HashMap<String, HashMap<String, Vec<Known>>>,
    prefixes: Vec<(String, String, Known)>,
    pods: Vec<KnownPods>,
}

/// Whether objects of `kind` are cluster-scoped in any API version kustomize knows.
fn cluster_kind(kind: &str) -> bool {
    crate::tables::is_cluster_scoped_kind(kind)
}

impl Outside {
    fn add(&mut self, kind: &str, name: &str, place: Place, origin: &str, maker: Option<usize>) {
        let known = Known {
            place,
            origin: origin.to_owned(),
            maker,
        };
        match name.strip_suffix('*') {
            Some(prefix) => self
                .prefixes
                .push((kind.to_owned(), prefix.to_owned(), known)),
            None => self
                .exact
                .entry(kind.to_owned())
                .or_default()
                .entry(name.to_owned())
                .or_default()
                .push(known),
        }
    }

    /// The `exists` rows of `def`: what Kubernetes makes itself.
    pub fn add_platform(&mut self, def: &PlatformDef) {
        for row in &def.exists {
            let place = match row.namespace.as_deref() {
                None => Place::Cluster,
                Some("*") => Place::Every,
                Some(ns) => Place::In(ns.to_owned()),
            };
            for name in &row.names {
                self.add(&row.kind, name, place.clone(), &row.by, None);
            }
        }
    }

    /// What the `created` rows of `def` make from `resources`; `origin` says where those
    /// are (empty: in the output, and then `resources` are the output's objects in order,
    /// so that what they make remembers its maker's index).
    pub fn add_created(&mut self, def: &PlatformDef, resources: &[&Resource], origin: &str) {
        if def.created.is_empty() {
            return;
        }
        for (j, r) in resources.iter().enumerate() {
            let maker = origin.is_empty().then_some(j);
            let (group, kind, name) = (r.gvk_ref().group, r.kind(), r.name());
            for row in def
                .created
                .iter()
                .filter(|row| row.reads(group, kind, name))
            {
                let by = if origin.is_empty() {
                    format!("{} (from {kind} {name})", row.by)
                } else {
                    format!("{} (from {kind} {name} in {origin})", row.by)
                };
                let own = namespace_of(r).map(str::to_owned);
                let place = match row.namespace.as_deref() {
                    Some("*") => Some(Place::Every),
                    Some(t) => crate::tables::platform::fill(t, &r.value).map(Place::In),
                    None if cluster_kind(&row.kind) => Some(Place::Cluster),
                    None => Some(own.clone().map_or(Place::Cluster, Place::In)),
                };
                let Some(place) = place else { continue };
                if row.kind == "Pod" {
                    let Place::In(namespace) = place else {
                        continue;
                    };
                    self.pods.push(KnownPods {
                        namespace,
                        labels: row.pod_labels(&r.value),
                        origin: by,
                        maker,
                    });
                    continue;
                }
                let place = if cluster_kind(&row.kind) {
                    Place::Cluster
                } else {
                    place
                };
                if let Some(name) = row
                    .names
                    .iter()
                    .find_map(|t| crate::tables::platform::fill(t, &r.value))
                {
                    self.add(&row.kind, &name, place, &by, maker);
                }
            }
        }
    }

    /// The objects of a neighbouring kustomization at `origin` (its directory), the pods
    /// of its pod templates (found with the built-in rows and `pod_locations`), and what
    /// the `created` rows of `defs` make from them.
    pub fn add_neighbour<'d>(
        &mut self,
        resources: &[Resource],
        defs: impl IntoIterator<Item = &'d PlatformDef>,
        pod_locations: &[PodTemplateLocation],
        origin: &str,
    ) {
        for r in resources {
            let place = namespace_of(r).map_or(Place::Cluster, |ns| Place::In(ns.to_owned()));
            self.add(r.kind(), r.name(), place, origin, None);
        }
        let cx = Context::new(resources, &[], pod_locations);
        for pt in super::pods::pod_templates(&cx) {
            self.pods.push(KnownPods {
                namespace: pt.namespace.clone(),
                labels: pt.labels.as_deref().cloned().unwrap_or_default(),
                origin: origin.to_owned(),
                maker: None,
            });
        }
        let refs: Vec<&Resource> = resources.iter().collect();
        for def in defs {
            self.add_created(def, &refs, origin);
        }
    }

    /// Where object `kind` `name` comes from, when a reference from `namespace` (`None`
    /// for a cluster-scoped referrer; empty is `default`) reaches it outside the output.
    pub fn find(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<&str> {
        self.known(kind, namespace, name).map(|k| k.origin.as_str())
    }

    /// The output's object that [`Outside::find`]'s object is made from, when a
    /// controller makes it from one.
    pub fn maker(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<usize> {
        self.known(kind, namespace, name)?.maker
    }

    fn known(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<&Known> {
        let namespace = namespace.map(|n| if n.is_empty() { "default" } else { n });
        let reaches = |k: &Known| match &k.place {
            Place::Cluster => true,
            // A cluster-scoped referrer names namespaced objects with a namespace of their
            // own (not asked here); one in every namespace is reached from any.
            Place::Every => true,
            Place::In(ns) => namespace.is_none_or(|n| n == ns),
        };
        if let Some(found) = self
            .exact
            .get(kind)
            .and_then(|names| names.get(name))
            .and_then(|v| v.iter().find(|k| reaches(k)))
        {
            return Some(found);
        }
        self.prefixes
            .iter()
            .find(|(k, prefix, known)| k == kind && name.starts_with(prefix) && reaches(known))
            .map(|(_, _, known)| known)
    }

    /// What controllers make from objects of the output, in one namespace or cluster-wide
    /// (not the objects they put in every namespace): (maker's index, kind, namespace,
    /// name), sorted.
    pub fn made_from_output(&self) -> Vec<(usize, &str, Option<&str>, &str)> {
        let mut out: Vec<_> = self
            .exact
            .iter()
            .flat_map(|(kind, names)| names.iter().map(move |(name, known)| (kind, name, known)))
            .flat_map(|(kind, name, known)| {
                known.iter().filter_map(move |k| {
                    let ns = match &k.place {
                        Place::Cluster => None,
                        Place::In(ns) => Some(ns.as_str()),
                        Place::Every => return None,
                    };
                    Some((k.maker?, kind.as_str(), ns, name.as_str()))
                })
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Where pods that `selector` picks in `namespace` come from, if any are made outside
    /// the output.
    pub fn pods_selected(&self, namespace: &str, selector: &Map) -> Option<&str> {
        self.pods_known(namespace, selector)
            .map(|p| p.origin.as_str())
    }

    fn pods_known(&self, namespace: &str, selector: &Map) -> Option<&KnownPods> {
        self.pods
            .iter()
            .find(|p| p.namespace == namespace && selector_matches(selector, Some(&p.labels)))
    }

    /// An index that knows nothing, shared.
    pub fn empty() -> &'static Outside {
        static EMPTY: std::sync::OnceLock<Outside> = std::sync::OnceLock::new();
        EMPTY.get_or_init(Outside::default)
    }

    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.prefixes.is_empty() && self.pods.is_empty()
    }
}

/// Where an object a rule looks for was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found<'c> {
    /// In the output, object `i`.
    Output(usize),
    /// Outside it: who makes it, or the neighbouring kustomization it is in.
    Outside(&'c str),
}

impl<'a> Context<'a> {
    /// What the platform table, `kforge.yaml`'s rows and the controllers of the output's
    /// custom resources make, built once.
    fn made_outside(&self) -> &Outside {
        self.made.get_or_init(|| {
            let mut o = Outside::default();
            let resources: Vec<&Resource> = self.objects.iter().map(|o| o.resource).collect();
            for def in std::iter::once(crate::tables::platform::builtin()).chain(self.platform) {
                o.add_platform(def);
                o.add_created(def, &resources, "");
            }
            o
        })
    }

    /// Whether object `kind` `name` exists where a reference from `namespace` (`None` for a
    /// cluster-scoped referrer) reaches it: in the output (the first in output order), made
    /// by the platform or a controller, or in a neighbouring kustomization.
    pub fn exists(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<Found<'_>> {
        if let Some(i) = self.find(kind, namespace, name) {
            return Some(Found::Output(i));
        }
        self.made_outside()
            .find(kind, namespace, name)
            .or_else(|| self.neighbours.find(kind, namespace, name))
            .map(Found::Outside)
    }

    /// Whether object `kind` `name` is in the output or made by the platform or the
    /// output's controllers: [`Context::exists`] without the neighbouring kustomizations.
    pub fn exists_here(&self, kind: &str, namespace: Option<&str>, name: &str) -> bool {
        self.find(kind, namespace, name).is_some()
            || self.made_outside().find(kind, namespace, name).is_some()
    }

    /// The output's object that [`Context::exists`]'s object outside the output is made
    /// from (an ExternalSecret for its Secret), when a controller makes it from one.
    pub fn maker_of(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<usize> {
        self.made_outside().maker(kind, namespace, name)
    }

    /// What controllers make from objects of the output ([`Outside::made_from_output`]).
    pub fn made_from_output(&self) -> Vec<(usize, &str, Option<&str>, &str)> {
        self.made_outside().made_from_output()
    }

    /// The output's object whose controller makes the pods that `selector` picks in
    /// `namespace` (a KServe InferenceService for its predictor's pods), if one does.
    pub fn pods_maker(&self, namespace: &str, selector: &Map) -> Option<usize> {
        self.made_outside().pods_known(namespace, selector)?.maker
    }

    /// Who makes pods that `selector` picks in `namespace` outside the output (a
    /// controller, or a neighbouring kustomization), if anyone does.
    pub fn pods_outside(&self, namespace: &str, selector: &Map) -> Option<&str> {
        self.made_outside()
            .pods_selected(namespace, selector)
            .or_else(|| self.neighbours.pods_selected(namespace, selector))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kforge_value::{json, Value};

    fn resource(v: Value) -> Resource {
        Resource::new(v, Default::default(), Default::default())
    }

    #[test]
    fn platform_rows_by_name_prefix_and_namespace() {
        let mut o = Outside::default();
        o.add_platform(crate::tables::platform::builtin());
        assert!(o.find("ClusterRole", None, "view").is_some());
        assert!(o
            .find("ClusterRole", None, "system:controller:job-controller")
            .is_some());
        assert!(o.find("ClusterRole", None, "viewer").is_none());
        assert!(o
            .find("ConfigMap", Some("ml"), "kube-root-ca.crt")
            .is_some());
        assert!(o
            .find(
                "Role",
                Some("kube-system"),
                "extension-apiserver-authentication-reader"
            )
            .is_some());
        assert!(o
            .find(
                "Role",
                Some("ml"),
                "extension-apiserver-authentication-reader"
            )
            .is_none());
    }

    #[test]
    fn controllers_make_secrets_namespaces_and_pods() {
        let objects = [
            resource(
                json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
                "metadata": {"name": "web", "namespace": "ml"}, "spec": {"secretName": "web-tls"}}),
            ),
            resource(json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile",
                "metadata": {"name": "alice"}})),
            resource(
                json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus",
                "metadata": {"name": "k8s", "namespace": "monitoring"},
                "spec": {"podMetadata": {"labels": {"app.kubernetes.io/part-of": "kp"}}}}),
            ),
        ];
        let refs: Vec<&Resource> = objects.iter().collect();
        let mut o = Outside::default();
        o.add_created(crate::tables::platform::builtin(), &refs, "");
        assert!(o.find("Secret", Some("ml"), "web-tls").is_some());
        assert!(o.find("Secret", Some("other"), "web-tls").is_none());
        assert!(o.find("Namespace", None, "alice").is_some());
        assert!(o
            .find("ServiceAccount", Some("alice"), "default-editor")
            .is_some());
        let sel =
            json!({"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/part-of": "kp"});
        assert!(o
            .pods_selected("monitoring", sel.as_object().unwrap())
            .is_some());
        assert!(o
            .pods_selected("default", sel.as_object().unwrap())
            .is_none());
    }
}
