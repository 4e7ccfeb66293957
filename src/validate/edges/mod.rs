//! The references between the objects of an environment, found once per [`Context`] and
//! read by the reference rules (KF300–KF306, KF400, KF404) and by `kforge graph`
//! ([`crate::graph`]): one place that knows which field of which kind names which other
//! object, and how a name or selector is resolved.
//!
//! An [`Edge`] goes from an object (where the reference is written, with its pointer) to a
//! [`Target`]: an object of the output, an object that exists outside it (made by the
//! platform or a controller, or in a neighbouring kustomization, [`super::outside`]), an
//! object that exists nowhere kforge knows of ([`Target::Missing`], what the rules report),
//! or one beyond what kforge can know ([`Target::External`]: users and groups, a Gateway
//! of another team). Rules decide what a missing target means; the graph draws them all.

use std::sync::OnceLock;

use kforge_value::Value;

use super::outside::Found;
use super::Context;

// The finders, one file per family of relations.
mod nodes;
mod platform;
mod rbac;
mod selectors;
mod traffic;
mod workloads;

pub use nodes::pool_taints;
pub use selectors::selector_text;

/// What a reference means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Relation {
    /// An HTTPRoute's `parentRefs`: the Gateway it attaches to.
    Parent,
    /// An HTTPRoute `backendRef` or an Ingress backend: traffic to a Service (and port).
    Backend,
    /// A Service's selector: traffic to the pods it selects.
    Selects,
    /// A HorizontalPodAutoscaler's `scaleTargetRef`.
    Scales,
    /// A PodDisruptionBudget's selector.
    Disruption,
    /// A NetworkPolicy's `podSelector`.
    NetworkPolicy,
    /// A ServiceMonitor's selector: the Services it scrapes.
    Monitors,
    /// A RoleBinding's or ClusterRoleBinding's `roleRef`.
    RoleRef,
    /// A binding's subject (ServiceAccount, User, Group).
    Subject,
    /// A pod's (or ServiceAccount's) reference to a ConfigMap, Secret, PVC or
    /// ServiceAccount (kustomize's name-reference table).
    Uses,
    /// A pod's `priorityClassName` or `runtimeClassName`.
    Class,
    /// A GPU pod's `nodeSelector`: the Karpenter NodePools it can be placed on.
    Schedules,
    /// An NVIDIA device plugin DaemonSet running on a GPU NodePool's nodes (from the pool
    /// when none does).
    DevicePlugin,
    /// A NodePool's `nodeClassRef`.
    NodeClass,
    /// An ExternalSecret's `secretStoreRef`.
    SecretStore,
    /// What a controller makes from the object (an ExternalSecret's Secret), as
    /// `src/tables/platform.yaml` says.
    Makes,
    /// A KServe predictor's model: the ServingRuntime or ClusterServingRuntime of the
    /// output it runs on (named, or auto-selected by its format).
    Runtime,
}

/// An object named by a reference, by kind, namespace and name (for a selection that
/// picks no pod, the kind is `Pod` and the name the selector).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ref {
    /// Kind.
    pub kind: String,
    /// Namespace (`None`: cluster-scoped, or not known).
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
}

impl Ref {
    /// `kind` `name`, in `namespace` unless kustomize's table says the kind is
    /// cluster-scoped.
    fn new(kind: &str, namespace: Option<&str>, name: &str) -> Ref {
        let namespace = namespace.filter(|_| !crate::tables::is_cluster_scoped_kind(kind));
        Ref {
            kind: kind.to_owned(),
            namespace: namespace.map(str::to_owned),
            name: name.to_owned(),
        }
    }
}

/// Where a reference leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Object `i` of the output.
    Object(usize),
    /// An object outside the output that kforge knows exists.
    Outside {
        /// The object.
        what: Ref,
        /// Who makes it, or the neighbouring kustomization it is in.
        origin: String,
        /// The output's object a controller makes it from (an ExternalSecret).
        maker: Option<usize>,
    },
    /// Nothing kforge knows of: the reference dangles (the rules report it).
    Missing(Ref),
    /// Beyond what kforge can know (a user, a group, another team's Gateway).
    External(Ref),
}

/// A port a traffic edge names: a backend's Service port, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    /// The value (a number, or an Ingress `{number}`/`{name}` map).
    pub value: Value,
    /// Its escaped pointer in the referring object.
    pub pointer: String,
}

/// One reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    /// The referring object.
    pub from: usize,
    /// Escaped pointer of the reference in it (the name, or the selector); a rule's
    /// finding on the reference points here.
    pub pointer: String,
    /// What it means.
    pub relation: Relation,
    /// Where it leads.
    pub target: Target,
    /// The port it names, when it names one.
    pub port: Option<Port>,
    /// Marked `optional: true` (a ConfigMap or Secret a pod can start without).
    pub optional: bool,
    /// The pod template (an index into [`pod_templates`](super::pods::pod_templates)) the edge goes through: the
    /// referring one for a pod's own references, the selected one for a selection.
    pub pod: Option<usize>,
}

/// The finders, each computing the edges of a few relations; a rule asking for one
/// relation runs only its finder (validating a plain file runs KF304, KF400 and KF404,
/// which need no pod's references).
const FINDERS: [fn(&Context, &mut Vec<Edge>); 12] = [
    traffic::routes,
    selectors::selections,
    selectors::scaling,
    rbac::rbac,
    workloads::pod_references,
    workloads::classes,
    nodes::gpu_pools,
    nodes::device_plugins,
    nodes::node_classes,
    platform::secret_stores,
    platform::made,
    nodes::runtimes,
];

/// The index in [`FINDERS`] of the finder of `relation`.
fn finder(relation: Relation) -> usize {
    match relation {
        Relation::Parent | Relation::Backend => 0,
        Relation::Selects | Relation::Disruption | Relation::NetworkPolicy | Relation::Monitors => {
            1
        }
        Relation::Scales => 2,
        Relation::RoleRef | Relation::Subject => 3,
        Relation::Uses => 4,
        Relation::Class => 5,
        Relation::Schedules => 6,
        Relation::DevicePlugin => 7,
        Relation::NodeClass => 8,
        Relation::SecretStore => 9,
        Relation::Makes => 10,
        Relation::Runtime => 11,
    }
}

/// The edges of a [`Context`], each finder's computed on first use.
#[derive(Default)]
pub struct Cache {
    found: [OnceLock<Vec<Edge>>; 12],
    all: OnceLock<Vec<Edge>>,
}

/// The edges of finder `k`, ordered by referring object.
fn found<'c>(cx: &'c Context<'_>, k: usize) -> &'c [Edge] {
    cx.edges.found[k].get_or_init(|| {
        let mut out = Vec::new();
        FINDERS[k](cx, &mut out);
        out.sort_by_key(|e| e.from);
        out
    })
}

/// Every reference of the output, found once, ordered by referring object (then by
/// relation, then by the order they are found in).
pub fn edges<'c>(cx: &'c Context<'_>) -> &'c [Edge] {
    cx.edges.all.get_or_init(|| {
        let mut out: Vec<Edge> = (0..FINDERS.len())
            .flat_map(|k| found(cx, k).iter().cloned())
            .collect();
        out.sort_by_key(|e| e.from);
        out
    })
}

/// The references of one kind, in object order.
pub fn of<'c>(cx: &'c Context<'_>, relation: Relation) -> impl Iterator<Item = &'c Edge> {
    found(cx, finder(relation))
        .iter()
        .filter(move |e| e.relation == relation)
}

/// The references of one kind written in object `i`.
pub fn from<'c>(
    cx: &'c Context<'_>,
    relation: Relation,
    i: usize,
) -> impl Iterator<Item = &'c Edge> {
    let all = found(cx, finder(relation));
    let start = all.partition_point(|e| e.from < i);
    let end = all.partition_point(|e| e.from <= i);
    all[start..end]
        .iter()
        .filter(move |e| e.relation == relation)
}

/// `kind` `name` as a reference from `namespace` (`None` for a cluster-scoped referrer)
/// finds it: in the output, outside it, or nowhere ([`Context::exists`]).
fn resolve(cx: &Context, kind: &str, namespace: Option<&str>, name: &str) -> Target {
    match cx.exists(kind, namespace, name) {
        Some(Found::Output(i)) => Target::Object(i),
        Some(Found::Outside(origin)) => Target::Outside {
            what: Ref::new(kind, namespace, name),
            origin: origin.to_owned(),
            maker: cx.maker_of(kind, namespace, name),
        },
        None => Target::Missing(Ref::new(kind, namespace, name)),
    }
}

/// `kind` `name` in the output (reached from `namespace`), else beyond what kforge knows:
/// for references no rule holds to the output.
fn lookup(cx: &Context, kind: &str, namespace: Option<&str>, name: &str) -> Target {
    match resolve(cx, kind, namespace, name) {
        Target::Missing(what) => Target::External(what),
        found => found,
    }
}

/// `kind` `name` of a cluster-scoped custom kind: the first object of the output with that
/// kind and name, else [`lookup`]. (The scope rule knows the kinds that a CRD or its table
/// declares cluster-scoped; this also finds one of a kind it does not know, whose objects
/// it counts as namespaced.)
fn cluster_lookup(cx: &Context, kind: &str, name: &str) -> Target {
    match cx
        .of_kind(kind)
        .iter()
        .find(|&&j| cx.objects[j].resource.name() == name)
    {
        Some(&j) => Target::Object(j),
        None => lookup(cx, kind, None, name),
    }
}

fn text<'v>(v: &'v Value, pointer: &str) -> Option<&'v str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn list(v: Option<&Value>) -> impl Iterator<Item = (usize, &Value)> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

fn edge(from: usize, pointer: String, relation: Relation, target: Target) -> Edge {
    Edge {
        from,
        pointer,
        relation,
        target,
        port: None,
        optional: false,
        pod: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Resource;

    fn resource(v: Value) -> Resource {
        Resource::new(v, Default::default(), Default::default())
    }

    /// The edges of a small serving stack: route → Service → Deployment → its Secret,
    /// made by an ExternalSecret; a dangling ConfigMap reference.
    #[test]
    fn serving_stack() {
        use kforge_value::json;
        let objects = [
            resource(
                json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
                "metadata": {"name": "web", "namespace": "ml"},
                "spec": {"parentRefs": [{"name": "shared", "namespace": "infra"}],
                         "rules": [{"backendRefs": [{"name": "web", "port": 80}]}]}}),
            ),
            resource(json!({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "web", "namespace": "ml"},
                "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})),
            resource(json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "ml"},
                "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {
                    "containers": [{"name": "c", "envFrom": [
                        {"secretRef": {"name": "creds"}}, {"configMapRef": {"name": "nope"}}]}]}}}})),
            resource(
                json!({"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
                "metadata": {"name": "creds", "namespace": "ml"},
                "spec": {"secretStoreRef": {"name": "vault"}}}),
            ),
        ];
        let cx = Context::new(&objects, &[], &[]);
        let got: Vec<(usize, Relation, String)> = edges(&cx)
            .iter()
            .map(|e| {
                let t = match &e.target {
                    Target::Object(i) => format!("object {i}"),
                    Target::Outside { what, maker, .. } => {
                        format!("outside {} {} from {maker:?}", what.kind, what.name)
                    }
                    Target::Missing(r) => format!("missing {} {}", r.kind, r.name),
                    Target::External(r) => format!("external {} {}", r.kind, r.name),
                };
                (e.from, e.relation, t)
            })
            .collect();
        let want = [
            (0, Relation::Parent, "external Gateway shared"),
            (0, Relation::Backend, "object 1"),
            (1, Relation::Selects, "object 2"),
            (2, Relation::Uses, "missing ConfigMap nope"),
            (2, Relation::Uses, "outside Secret creds from Some(3)"),
            (3, Relation::SecretStore, "external SecretStore vault"),
            (3, Relation::Makes, "outside Secret creds from Some(3)"),
        ];
        let want: Vec<(usize, Relation, String)> = want
            .iter()
            .map(|(i, r, t)| (*i, *r, t.to_string()))
            .collect();
        assert_eq!(got, want);
        assert_eq!(from(&cx, Relation::Uses, 2).count(), 2);
        assert_eq!(
            edges(&cx)[1].port.as_ref().unwrap().pointer,
            "/spec/rules/0/backendRefs/0/port"
        );
    }
}
