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

use std::collections::HashSet;
use std::sync::OnceLock;

use kforge_value::{Map, Value};

use super::outside::Found;
use super::pods::{pod_templates, selected, selector_matches, tolerates, wants_gpu};
use super::Context;
use crate::resource::{Gvk, Resource};
use crate::transform::config::TransformerConfig;
use crate::transform::fieldspec::FieldSpec;

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
    /// The pod template (an index into [`pod_templates`]) the edge goes through: the
    /// referring one for a pod's own references, the selected one for a selection.
    pub pod: Option<usize>,
}

/// The finders, each computing the edges of a few relations; a rule asking for one
/// relation runs only its finder (validating a plain file runs KF304, KF400 and KF404,
/// which need no pod's references).
const FINDERS: [fn(&Context, &mut Vec<Edge>); 12] = [
    routes,
    selections,
    scaling,
    rbac,
    pod_references,
    classes,
    gpu_pools,
    device_plugins,
    node_classes,
    secret_stores,
    made,
    runtimes,
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

/// HTTPRoutes (parent Gateways, backendRefs) and Ingress backends.
fn routes(cx: &Context, out: &mut Vec<Edge>) {
    for &i in cx.of_kind("HTTPRoute") {
        let r = cx.objects[i].resource;
        let ns = cx.namespace(i).unwrap_or_default();
        for (j, parent) in list(r.value.pointer("/spec/parentRefs")) {
            let kind = text(parent, "/kind").unwrap_or("Gateway");
            let pns = text(parent, "/namespace").unwrap_or(ns);
            let name = text(parent, "/name").unwrap_or("");
            let target = lookup(cx, kind, Some(pns), name);
            out.push(edge(
                i,
                format!("/spec/parentRefs/{j}/name"),
                Relation::Parent,
                target,
            ));
        }
        for (j, rule) in list(r.value.pointer("/spec/rules")) {
            for (k, b) in list(rule.get("backendRefs")) {
                let kind = text(b, "/kind").unwrap_or("Service");
                let group = text(b, "/group").unwrap_or("");
                let bns = text(b, "/namespace").unwrap_or(ns);
                let name = text(b, "/name").unwrap_or("");
                let ptr = format!("/spec/rules/{j}/backendRefs/{k}");
                // A Service of the route's namespace must exist (KF306); other backends
                // (another namespace needs a ReferenceGrant, other kinds) are not held.
                let target = if kind == "Service" && group.is_empty() && bns == ns {
                    resolve(cx, kind, Some(ns), name)
                } else {
                    lookup(cx, kind, Some(bns), name)
                };
                let mut e = edge(i, format!("{ptr}/name"), Relation::Backend, target);
                e.port = b.get("port").map(|p| Port {
                    value: p.clone(),
                    pointer: format!("{ptr}/port"),
                });
                out.push(e);
            }
        }
    }
    for &i in cx.of_kind("Ingress") {
        let r = cx.objects[i].resource;
        let ns = cx.namespace(i).unwrap_or_default();
        let mut backends = Vec::new();
        if let Some(b) = r.value.pointer("/spec/defaultBackend/service") {
            backends.push(("/spec/defaultBackend/service".to_owned(), b));
        }
        for (j, rule) in list(r.value.pointer("/spec/rules")) {
            for (k, path) in list(rule.pointer("/http/paths")) {
                if let Some(b) = path.pointer("/backend/service") {
                    backends.push((format!("/spec/rules/{j}/http/paths/{k}/backend/service"), b));
                }
            }
        }
        for (ptr, b) in backends {
            let name = text(b, "/name").unwrap_or("");
            let target = resolve(cx, "Service", Some(ns), name);
            let mut e = edge(i, format!("{ptr}/name"), Relation::Backend, target);
            e.port = b.get("port").map(|p| Port {
                value: p.clone(),
                pointer: format!("{ptr}/port"),
            });
            out.push(e);
        }
    }
}

/// `selector` as text (`app=web,tier in (a,b)`), the name of the pods a selection that
/// picks none would have picked.
pub fn selector_text(selector: &Map<String, Value>) -> String {
    let plain = |m: &Map<String, Value>| -> Vec<String> {
        m.iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect()
    };
    let is_label_selector =
        selector.contains_key("matchLabels") || selector.contains_key("matchExpressions");
    if !is_label_selector {
        return plain(selector).join(",");
    }
    let mut parts = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .map(plain)
        .unwrap_or_default();
    for (_, e) in list(selector.get("matchExpressions")) {
        let key = text(e, "/key").unwrap_or_default();
        let op = text(e, "/operator").unwrap_or_default();
        let values: Vec<&str> = list(e.get("values"))
            .filter_map(|(_, v)| v.as_str())
            .collect();
        parts.push(match op {
            "Exists" => key.to_owned(),
            "DoesNotExist" => format!("!{key}"),
            _ => format!("{key} {} ({})", op.to_lowercase(), values.join(",")),
        });
    }
    parts.join(",")
}

/// The pods `selector` (at `pointer` of object `i`) picks in `i`'s namespace: one edge per
/// pod template, else one to the pods a controller or a neighbour makes, else a missing one.
fn select(
    cx: &Context,
    out: &mut Vec<Edge>,
    i: usize,
    pointer: &str,
    selector: &Map<String, Value>,
    relation: Relation,
) {
    let ns = cx.namespace(i).unwrap_or_default();
    let pods = pod_templates(cx);
    let picked = selected(cx, ns, selector);
    if picked.is_empty() {
        let what = Ref::new("Pod", Some(ns), &selector_text(selector));
        let target = match cx.pods_outside(ns, selector) {
            Some(origin) => Target::Outside {
                what,
                origin: origin.to_owned(),
                maker: cx.pods_maker(ns, selector),
            },
            None => Target::Missing(what),
        };
        out.push(edge(i, pointer.to_owned(), relation, target));
        return;
    }
    for p in picked {
        let mut e = edge(
            i,
            pointer.to_owned(),
            relation,
            Target::Object(pods[p].object),
        );
        e.pod = Some(p);
        out.push(e);
    }
}

/// Services, PodDisruptionBudgets and NetworkPolicies to the pods they select,
/// ServiceMonitors to the Services they scrape.
fn selections(cx: &Context, out: &mut Vec<Edge>) {
    for &i in cx.of_kind("Service") {
        let r = cx.objects[i].resource;
        if let Some(sel) = r.value.pointer("/spec/selector").and_then(Value::as_object) {
            if !sel.is_empty() {
                select(cx, out, i, "/spec/selector", sel, Relation::Selects);
            }
        }
    }
    for &i in cx.of_kind("PodDisruptionBudget") {
        let r = cx.objects[i].resource;
        if let Some(sel) = r.value.pointer("/spec/selector").and_then(Value::as_object) {
            select(cx, out, i, "/spec/selector", sel, Relation::Disruption);
        }
    }
    for &i in cx.of_kind("NetworkPolicy") {
        let r = cx.objects[i].resource;
        let Some(sel) = r
            .value
            .pointer("/spec/podSelector")
            .and_then(Value::as_object)
        else {
            continue;
        };
        // `{}` selects every pod of the namespace: no edge to each.
        let everything = sel.is_empty()
            || sel
                .values()
                .all(|v| v.as_object().is_some_and(|m| m.is_empty()));
        if !everything {
            select(
                cx,
                out,
                i,
                "/spec/podSelector",
                sel,
                Relation::NetworkPolicy,
            );
        }
    }
    for &i in cx.of_kind("ServiceMonitor") {
        let r = cx.objects[i].resource;
        let Some(sel) = r.value.pointer("/spec/selector").and_then(Value::as_object) else {
            continue;
        };
        let own = cx.namespace(i).unwrap_or_default();
        let any = r
            .value
            .pointer("/spec/namespaceSelector/any")
            .and_then(Value::as_bool)
            == Some(true);
        let names: Vec<&str> = list(r.value.pointer("/spec/namespaceSelector/matchNames"))
            .filter_map(|(_, v)| v.as_str())
            .collect();
        for &s in cx.of_kind("Service") {
            let svc = cx.objects[s].resource;
            let sns = cx.namespace(s).unwrap_or_default();
            let in_scope = any || names.contains(&sns) || (names.is_empty() && sns == own);
            let labels = svc
                .value
                .pointer("/metadata/labels")
                .and_then(Value::as_object);
            if in_scope && selector_matches(sel, labels) {
                out.push(edge(
                    i,
                    "/spec/selector".into(),
                    Relation::Monitors,
                    Target::Object(s),
                ));
            }
        }
    }
}

/// HorizontalPodAutoscalers to what they scale.
fn scaling(cx: &Context, out: &mut Vec<Edge>) {
    for &i in cx.of_kind("HorizontalPodAutoscaler") {
        let v = &cx.objects[i].resource.value;
        let kind = text(v, "/spec/scaleTargetRef/kind").unwrap_or("");
        let name = text(v, "/spec/scaleTargetRef/name").unwrap_or("");
        let target = resolve(cx, kind, cx.namespace(i), name);
        out.push(edge(
            i,
            "/spec/scaleTargetRef/name".into(),
            Relation::Scales,
            target,
        ));
    }
}

/// Bindings to their roles and subjects.
fn rbac(cx: &Context, out: &mut Vec<Edge>) {
    let bindings = cx
        .of_kind("RoleBinding")
        .iter()
        .chain(cx.of_kind("ClusterRoleBinding"));
    let mut bindings: Vec<usize> = bindings.copied().collect();
    bindings.sort_unstable();
    for i in bindings {
        let v = &cx.objects[i].resource.value;
        let name = text(v, "/roleRef/name").unwrap_or("");
        let role = match text(v, "/roleRef/kind").unwrap_or("") {
            "Role" => Some(resolve(cx, "Role", cx.namespace(i), name)),
            "ClusterRole" => Some(resolve(cx, "ClusterRole", None, name)),
            _ => None,
        };
        if let Some(target) = role {
            out.push(edge(i, "/roleRef/name".into(), Relation::RoleRef, target));
        }
        for (j, s) in list(v.get("subjects")) {
            let kind = text(s, "/kind").unwrap_or("");
            let name = text(s, "/name").unwrap_or("");
            let target = match kind {
                "ServiceAccount" => {
                    let ns = text(s, "/namespace").or(cx.namespace(i)).unwrap_or("");
                    lookup(cx, kind, Some(ns), name)
                }
                _ => Target::External(Ref::new(kind, None, name)),
            };
            out.push(edge(
                i,
                format!("/subjects/{j}/name"),
                Relation::Subject,
                target,
            ));
        }
    }
}

/// The referred kinds that pods' references must find (KF301). kustomize's table also
/// names Services, Roles, StorageClasses, PriorityClasses, IngressClasses and scale
/// targets: other edges cover the first ones, and the cluster provides the others.
const USED_KINDS: &[&str] = &[
    "ConfigMap",
    "Secret",
    "PersistentVolumeClaim",
    "ServiceAccount",
];

/// Referring kinds of the table whose names need not be in the output, by design:
/// - Role, ClusterRole (`rules/resourceNames`): a permission on names, not a dependency;
/// - RoleBinding, ClusterRoleBinding (`subjects`): subjects may live in other namespaces;
/// - Ingress (`spec/tls/secretName`, auth annotations): TLS secrets are usually made by
///   cert-manager from the Ingress, and the annotations may name `namespace/name`;
/// - StorageClass, PersistentVolume: their secrets live in a namespace they name
///   (`kube-system` by convention), outside an application's output;
/// - Node: not part of an application's output.
const NOT_HELD: &[&str] = &[
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "Ingress",
    "StorageClass",
    "PersistentVolume",
    "Node",
];

/// Where a referring field is read from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Under {
    /// A pod spec.
    Pod,
    /// A single container a pod-template row names beside the spec's lists (KServe's
    /// `model`): the table's container fields apply to it too.
    Container,
    /// Objects of the spec's kind.
    Object,
}

/// One referring field of kustomize's name-reference table.
struct UsedField {
    /// The referred kind.
    target: &'static str,
    /// Where the name is, relative to what `under` says.
    spec: FieldSpec,
    under: Under,
}

/// The table's referring fields for [`USED_KINDS`] (`transform/tables/default_config.yaml`,
/// the one `TransformerConfig::builtin()` reads for the name-reference fix), read once:
/// its `Pod` rows apply relative to every pod template (built-in kinds and `kforge.yaml`'s),
/// its rows for other kinds (a ServiceAccount's `imagePullSecrets`, a Knative Service's env)
/// to their objects.
fn used_fields() -> &'static [UsedField] {
    static REFS: OnceLock<Vec<UsedField>> = OnceLock::new();
    REFS.get_or_init(|| {
        let pod_kinds: HashSet<&str> = crate::tables::pod_templates::builtin()
            .iter()
            .map(|l| l.kind.as_str())
            .collect();
        let mut out = Vec::new();
        for backref in &TransformerConfig::builtin().name_reference {
            let Some(&target) = USED_KINDS.iter().find(|t| **t == backref.target.kind) else {
                continue;
            };
            for spec in &backref.referrers {
                let kind = spec.gvk.kind.as_str();
                if kind == "Pod" {
                    // The same fields under every pod template (the table's rows for
                    // Deployment, Job, ... repeat them under their template paths).
                    let Some(rel) = spec.path.strip_prefix("spec/") else {
                        continue;
                    };
                    out.push(UsedField {
                        target,
                        spec: FieldSpec::new("", "", "", rel, false),
                        under: Under::Pod,
                    });
                    if let Some(rel) = rel.strip_prefix("containers/") {
                        out.push(UsedField {
                            target,
                            spec: FieldSpec::new("", "", "", rel, false),
                            under: Under::Container,
                        });
                    }
                } else if !pod_kinds.contains(kind) && !NOT_HELD.contains(&kind) {
                    out.push(UsedField {
                        target,
                        spec: spec.clone(),
                        under: Under::Object,
                    });
                }
            }
        }
        out
    })
}

/// Pods' (and other objects') references to ConfigMaps, Secrets, PVCs and ServiceAccounts.
fn pod_references(cx: &Context, out: &mut Vec<Edge>) {
    let push = |out: &mut Vec<Edge>, i: usize, ns: &str, kind: &str, ptr: String, pod| {
        let value = &cx.objects[i].resource.value;
        let Some(name) = value.pointer(&ptr).and_then(Value::as_str) else {
            return;
        };
        // `optional: true` beside the name (a volume's configMap/secret, a key or envFrom ref).
        let parent = &ptr[..ptr.rfind('/').unwrap_or(0)];
        let optional = value
            .pointer(parent)
            .and_then(|p| p.get("optional"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let mut e = edge(i, ptr, Relation::Uses, resolve(cx, kind, Some(ns), name));
        e.optional = optional;
        e.pod = pod;
        out.push(e);
    };
    for (p, pt) in pod_templates(cx).iter().enumerate() {
        let r = cx.objects[pt.object].resource;
        let Some(spec) = r.value.pointer(&pt.spec_ptr) else {
            continue;
        };
        for rf in used_fields().iter().filter(|rf| rf.under == Under::Pod) {
            for (rel, _) in rf.spec.read(spec) {
                let ptr = format!("{}{rel}", pt.spec_ptr);
                push(out, pt.object, &pt.namespace, rf.target, ptr, Some(p));
            }
        }
        for c in pt.single_containers() {
            let Some(container) = r.value.pointer(&c.ptr) else {
                continue;
            };
            for rf in used_fields()
                .iter()
                .filter(|rf| rf.under == Under::Container)
            {
                for (rel, _) in rf.spec.read(container) {
                    let ptr = format!("{}{rel}", c.ptr);
                    push(out, pt.object, &pt.namespace, rf.target, ptr, Some(p));
                }
            }
        }
    }
    for (i, o) in cx.objects.iter().enumerate() {
        let r: &Resource = o.resource;
        let gvk: Gvk = r.gvk();
        for rf in used_fields()
            .iter()
            .filter(|rf| rf.under == Under::Object && rf.spec.applies_to(&gvk))
        {
            for (ptr, _) in rf.spec.read(&r.value) {
                let ns = cx.namespace(i).unwrap_or_default();
                push(out, i, ns, rf.target, ptr, None);
            }
        }
    }
}

/// Pods' PriorityClasses and RuntimeClasses (an empty name is no class).
fn classes(cx: &Context, out: &mut Vec<Edge>) {
    for (p, pt) in pod_templates(cx).iter().enumerate() {
        for (field, kind) in [
            ("priorityClassName", "PriorityClass"),
            ("runtimeClassName", "RuntimeClass"),
        ] {
            let Some(name) = pt
                .spec
                .get(field)
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
            else {
                continue;
            };
            let target = resolve(cx, kind, Some(&pt.namespace), name);
            let mut e = edge(
                pt.object,
                format!("{}/{field}", pt.spec_ptr),
                Relation::Class,
                target,
            );
            e.pod = Some(p);
            out.push(e);
        }
    }
}

/// The Karpenter NodePools of the output.
fn node_pools<'c, 'a>(cx: &'c Context<'a>) -> impl Iterator<Item = (usize, &'a Resource)> + 'c {
    cx.of_kind("NodePool")
        .iter()
        .map(|&i| (i, cx.objects[i].resource))
        .filter(|(_, r)| r.gvk().group == "karpenter.sh")
}

/// The labels a NodePool puts on its nodes.
fn pool_labels(pool: &Resource) -> Option<&Map<String, Value>> {
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
fn gpu_pools(cx: &Context, out: &mut Vec<Edge>) {
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
fn device_plugins(cx: &Context, out: &mut Vec<Edge>) {
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
fn node_classes(cx: &Context, out: &mut Vec<Edge>) {
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
/// the pod rules lay the model over, [`super::pods`]).
fn runtimes(cx: &Context, out: &mut Vec<Edge>) {
    for pt in super::pods::pod_templates(cx) {
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

/// ExternalSecrets to their SecretStore or ClusterSecretStore.
fn secret_stores(cx: &Context, out: &mut Vec<Edge>) {
    for &i in cx.of_kind("ExternalSecret") {
        let r = cx.objects[i].resource;
        if r.gvk().group != "external-secrets.io" {
            continue;
        }
        let Some(name) = text(&r.value, "/spec/secretStoreRef/name") else {
            continue;
        };
        let kind = text(&r.value, "/spec/secretStoreRef/kind").unwrap_or("SecretStore");
        let target = if kind == "ClusterSecretStore" {
            cluster_lookup(cx, kind, name)
        } else {
            lookup(cx, kind, cx.namespace(i), name)
        };
        out.push(edge(
            i,
            "/spec/secretStoreRef/name".into(),
            Relation::SecretStore,
            target,
        ));
    }
}

/// What controllers make from objects of the output (`created` rows of the platform
/// table: an ExternalSecret's Secret, a Certificate's), except what they put in every
/// namespace.
fn made(cx: &Context, out: &mut Vec<Edge>) {
    for (maker, kind, ns, name) in cx.made_from_output() {
        let target = match cx.find(kind, ns, name) {
            Some(i) => Target::Object(i),
            None => Target::Outside {
                what: Ref::new(kind, ns, name),
                origin: cx
                    .exists(kind, ns, name)
                    .and_then(|f| match f {
                        Found::Outside(o) => Some(o.to_owned()),
                        Found::Output(_) => None,
                    })
                    .unwrap_or_default(),
                maker: Some(maker),
            },
        };
        out.push(edge(maker, String::new(), Relation::Makes, target));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applying the `Pod` rows to every pod template loses nothing: each row the table has
    /// for a pod-template kind is a `Pod` row under that kind's template path.
    #[test]
    fn pod_rows_cover_the_workload_rows() {
        let pod: HashSet<(&str, &str)> = used_fields()
            .iter()
            .filter(|r| r.under == Under::Pod)
            .map(|r| (r.target, r.spec.path.as_str()))
            .collect();
        assert!(pod.contains(&("Secret", "volumes/projected/sources/secret/name")));
        let pod_kinds: Vec<&str> = crate::tables::pod_templates::builtin()
            .iter()
            .map(|l| l.kind.as_str())
            .collect();
        let mut n = 0;
        for backref in &TransformerConfig::builtin().name_reference {
            let Some(&target) = USED_KINDS.iter().find(|t| **t == backref.target.kind) else {
                continue;
            };
            for spec in &backref.referrers {
                if spec.gvk.kind == "Pod" || !pod_kinds.contains(&spec.gvk.kind.as_str()) {
                    continue;
                }
                let rel = [
                    "spec/jobTemplate/spec/template/spec/",
                    "spec/template/spec/",
                    "template/spec/",
                ]
                .iter()
                .find_map(|p| spec.path.strip_prefix(p))
                .unwrap_or_else(|| panic!("{} {}", spec.gvk.kind, spec.path));
                assert!(
                    pod.contains(&(target, rel)),
                    "{} {}",
                    spec.gvk.kind,
                    spec.path
                );
                n += 1;
            }
        }
        assert!(n > 100, "{n}");
    }

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
