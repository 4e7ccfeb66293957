//! A [`Graph`] from a validation [`Context`]: a node per object (Namespaces become the
//! namespace groups), a node per object a reference leads to outside the output, an edge
//! per reference of [`crate::validate::edges`], and the findings on those references.

use crate::hash::{HashMap, HashSet};
use std::collections::{BTreeMap, BTreeSet};

use kforge_value::Value;

use super::{Edge, Graph, Group, GroupKind, Node, Role, Source, State};
use crate::validate::edges::{self, Ref, Relation, Target};
use crate::validate::pods::pod_templates;
use crate::validate::sourcemap::{locate, Anchor};
use crate::validate::{Context, Finding};

/// Kinds a workload's group holds when only its pods use them.
const MEMBER_KINDS: &[&str] = &[
    "ConfigMap",
    "Secret",
    "PersistentVolumeClaim",
    "ServiceAccount",
];

/// Where a node goes before the groups exist.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// A namespace.
    Namespace(String),
    /// With the cluster-scoped objects.
    Cluster,
    /// In no group (users and groups of RBAC subjects).
    Nowhere,
}

struct Builder<'c, 'a> {
    cx: &'c Context<'a>,
    graph: Graph,
    places: Vec<Place>,
    /// The node of each object (none for Namespaces).
    object_node: Vec<Option<usize>>,
    /// Nodes outside the output by (kind, namespace, name, state).
    virtual_nodes: HashMap<(Ref, State), usize>,
    /// Findings by object id and pointer.
    findings: HashMap<(&'c str, &'c str), Vec<&'static str>>,
}

/// The graph of the objects of `cx`; `findings` (of the rules that report references,
/// [`crate::validate::RuleMeta::references`]) mark the references that dangle.
pub fn environment(cx: &Context, findings: &[Finding]) -> Graph {
    let mut findings_at: HashMap<(&str, &str), Vec<&'static str>> = HashMap::default();
    for f in findings {
        findings_at
            .entry((f.object.as_str(), f.pointer.as_str()))
            .or_default()
            .push(f.rule);
    }
    let mut b = Builder {
        cx,
        graph: Graph::default(),
        places: Vec::new(),
        object_node: vec![None; cx.objects.len()],
        virtual_nodes: HashMap::default(),
        findings: findings_at,
    };
    let ids: Vec<String> = cx
        .objects
        .iter()
        .map(|o| o.resource.cur_id_ref().to_string())
        .collect();
    b.objects(findings);
    for e in edges::edges(cx) {
        b.edge(e, &ids[e.from]);
    }
    b.dedupe_edges();
    b.groups();
    b.graph
}

impl Builder<'_, '_> {
    fn objects(&mut self, findings: &[Finding]) {
        let cx = self.cx;
        let workloads: HashSet<usize> = pod_templates(cx).iter().map(|p| p.object).collect();
        let mut rules: HashMap<&str, BTreeSet<&'static str>> = HashMap::default();
        for f in findings {
            rules.entry(f.object.as_str()).or_default().insert(f.rule);
        }
        for (i, o) in cx.objects.iter().enumerate() {
            let r = o.resource;
            if r.kind() == "Namespace" && r.gvk_ref().group.is_empty() {
                continue;
            }
            let role = if workloads.contains(&i) {
                Role::Workload
            } else {
                Role::of_kind(r.kind())
            };
            let loc = locate(r, "", Anchor::Key);
            let id = r.cur_id_ref().to_string();
            let node = Node {
                id: String::new(),
                kind: r.kind().to_owned(),
                name: r.name().to_owned(),
                namespace: cx.namespace(i).map(str::to_owned),
                group: None,
                state: State::Output,
                origin: None,
                role,
                source: Some(Source {
                    file: loc.file.display().to_string(),
                    line: loc.line,
                }),
                count: 1,
                rules: rules
                    .get(id.as_str())
                    .map(|s| s.iter().copied().collect())
                    .unwrap_or_default(),
            };
            self.object_node[i] = Some(self.push(node));
        }
    }

    fn push(&mut self, node: Node) -> usize {
        let place = match (&node.namespace, node.kind.as_str()) {
            (Some(ns), _) => Place::Namespace(ns.clone()),
            (None, "User" | "Group") => Place::Nowhere,
            (None, _) => Place::Cluster,
        };
        self.places.push(place);
        self.graph.nodes.push(node);
        self.graph.nodes.len() - 1
    }

    /// The node of something outside the output, made once.
    fn virtual_node(&mut self, what: &Ref, state: State, origin: Option<&str>) -> usize {
        if let Some(&n) = self.virtual_nodes.get(&(what.clone(), state)) {
            return n;
        }
        let n = self.push(Node {
            id: String::new(),
            kind: what.kind.clone(),
            name: what.name.clone(),
            namespace: what.namespace.clone(),
            group: None,
            state,
            origin: origin.map(str::to_owned),
            role: Role::of_kind(&what.kind),
            source: None,
            count: 1,
            rules: Vec::new(),
        });
        self.virtual_nodes.insert((what.clone(), state), n);
        n
    }

    fn edge(&mut self, e: &edges::Edge, object_id: &str) {
        let Some(from) = self.object_node[e.from] else {
            return;
        };
        let to = match &e.target {
            Target::Object(j) => match self.object_node[*j] {
                Some(n) if n != from => n,
                _ => return,
            },
            Target::Outside { what, origin, .. } => {
                self.virtual_node(what, State::Outside, Some(origin))
            }
            Target::Missing(what) => self.virtual_node(what, State::Missing, None),
            Target::External(what) => self.virtual_node(what, State::External, None),
        };
        let rules = self.rules_on(e, object_id);
        let r = self.cx.objects[e.from].resource;
        let loc = locate(r, &e.pointer, Anchor::Value);
        // Traffic flows from a Gateway to the routes attached to it.
        let (from, to) = if e.relation == Relation::Parent {
            (to, from)
        } else {
            (from, to)
        };
        self.graph.edges.push(Edge {
            from,
            to,
            relation: e.relation,
            label: label(self.cx, e),
            dangling: matches!(e.target, Target::Missing(_)) || !rules.is_empty(),
            rules,
            source: Some(Source {
                file: loc.file.display().to_string(),
                line: loc.line,
            }),
            count: 1,
            change: None,
        });
    }

    /// The rules with a finding on the reference `e`: at its pointer, at its port, or
    /// (a Service's selection) at one of the Service's target ports.
    fn rules_on(&self, e: &edges::Edge, object_id: &str) -> Vec<&'static str> {
        let mut pointers = vec![e.pointer.clone()];
        if let Some(p) = &e.port {
            pointers.push(p.pointer.clone());
            pointers.push(format!("{}/number", p.pointer));
            pointers.push(format!("{}/name", p.pointer));
        }
        if e.relation == Relation::Selects {
            let r = self.cx.objects[e.from].resource;
            let ports = r.value.pointer("/spec/ports").and_then(Value::as_array);
            for j in 0..ports.map_or(0, Vec::len) {
                pointers.push(format!("/spec/ports/{j}/targetPort"));
            }
        }
        let mut rules: BTreeSet<&'static str> = BTreeSet::new();
        for p in &pointers {
            if let Some(found) = self.findings.get(&(object_id, p.as_str())) {
                rules.extend(found.iter().copied());
            }
        }
        rules.into_iter().collect()
    }

    /// One edge per (from, to, relation, label): an object with several pod templates
    /// selected by one Service is one arrow.
    fn dedupe_edges(&mut self) {
        let mut seen: HashMap<(usize, usize, Relation, String), usize> = HashMap::default();
        let mut out: Vec<Edge> = Vec::new();
        for e in std::mem::take(&mut self.graph.edges) {
            let key = (e.from, e.to, e.relation, e.label.clone());
            match seen.get(&key) {
                Some(&k) => {
                    let kept = &mut out[k];
                    kept.dangling |= e.dangling;
                    let rules: BTreeSet<&'static str> =
                        kept.rules.iter().chain(&e.rules).copied().collect();
                    kept.rules = rules.into_iter().collect();
                }
                None => {
                    seen.insert(key, out.len());
                    out.push(e);
                }
            }
        }
        self.graph.edges = out;
    }

    /// Namespace groups (by name), the cluster-scoped group last, and inside namespaces
    /// a group per workload with what only its pods use.
    fn groups(&mut self) {
        let cx = self.cx;
        let g = &mut self.graph;
        let created: HashSet<&str> = cx
            .of_kind("Namespace")
            .iter()
            .map(|&i| cx.objects[i].resource.name())
            .collect();
        let populated: HashSet<&str> = cx
            .objects
            .iter()
            .enumerate()
            .filter_map(|(i, _)| cx.namespace(i))
            .collect();
        let places: BTreeSet<&Place> = self
            .places
            .iter()
            .filter(|p| **p != Place::Nowhere)
            .collect();
        let mut group_of: BTreeMap<&Place, usize> = BTreeMap::new();
        for place in places {
            let group = match place {
                Place::Namespace(ns) => {
                    let here = created.contains(ns.as_str()) || populated.contains(ns.as_str());
                    Group::namespace(Some(ns), !here)
                }
                Place::Cluster => Group::namespace(None, false),
                Place::Nowhere => continue,
            };
            group_of.insert(place, g.groups.len());
            g.groups.push(group);
        }
        for (n, place) in self.places.iter().enumerate() {
            g.nodes[n].group = group_of.get(place).copied();
        }
        // Who uses each node (a pod's `Uses` edges).
        let mut users: HashMap<usize, BTreeSet<usize>> = HashMap::default();
        for e in &g.edges {
            if e.relation == Relation::Uses {
                users.entry(e.to).or_default().insert(e.from);
            }
        }
        let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (n, node) in g.nodes.iter().enumerate() {
            if !MEMBER_KINDS.contains(&node.kind.as_str()) {
                continue;
            }
            let Some(set) = users.get(&n) else { continue };
            let &[w] = set.iter().copied().collect::<Vec<_>>().as_slice() else {
                continue;
            };
            if g.nodes[w].role == Role::Workload && g.nodes[w].group == node.group {
                members.entry(w).or_default().push(n);
            }
        }
        for n in 0..g.nodes.len() {
            if g.nodes[n].role != Role::Workload {
                continue;
            }
            let group = g.groups.len();
            let name = g.nodes[n].name.clone();
            g.groups.push(Group::new(
                GroupKind::Workload,
                name.clone(),
                &name,
                g.nodes[n].group,
            ));
            g.nodes[n].group = Some(group);
            for &m in members.get(&n).into_iter().flatten() {
                g.nodes[m].group = Some(group);
            }
        }
    }
}

/// A reference's label: a port and weight for traffic, a verb for the rest, a few numbers
/// where they say something (replicas an HPA allows, a budget's minimum).
fn label(cx: &Context, e: &edges::Edge) -> String {
    let r = cx.objects[e.from].resource;
    let v = &r.value;
    let num = |p: &str| v.pointer(p).map(plain);
    match e.relation {
        Relation::Parent => String::new(),
        Relation::Backend => {
            let parent = e.pointer.strip_suffix("/name").unwrap_or(&e.pointer);
            let mut parts = Vec::new();
            if let Some(w) = v.pointer(&format!("{parent}/weight")) {
                parts.push(format!("weight {}", plain(w)));
            }
            match e.port.as_ref().map(|p| &p.value) {
                Some(Value::Object(m)) => {
                    if let Some(p) = m.get("number").or(m.get("name")) {
                        parts.push(format!(":{}", plain(p)));
                    }
                }
                Some(p) => parts.push(format!(":{}", plain(p))),
                None => {}
            }
            parts.join(" ")
        }
        Relation::Selects => {
            let ports: Vec<String> = v
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| p.get("port").map(|n| format!(":{}", plain(n))))
                .collect();
            ports.join(" ")
        }
        Relation::Scales => {
            let min = num("/spec/minReplicas").unwrap_or_else(|| "1".into());
            match num("/spec/maxReplicas") {
                Some(max) => format!("scales {min}–{max}"),
                None => "scales".into(),
            }
        }
        Relation::Disruption => match (num("/spec/minAvailable"), num("/spec/maxUnavailable")) {
            (Some(m), _) => format!("minAvailable {m}"),
            (None, Some(m)) => format!("maxUnavailable {m}"),
            _ => "guards".into(),
        },
        Relation::NetworkPolicy => "policy".into(),
        Relation::Monitors => "scrapes".into(),
        Relation::RoleRef => "binds".into(),
        Relation::Subject => "subject".into(),
        Relation::Uses => {
            let kind = match &e.target {
                Target::Object(j) => cx.objects[*j].resource.kind(),
                Target::Outside { what, .. } | Target::Missing(what) | Target::External(what) => {
                    what.kind.as_str()
                }
            };
            if kind == "ServiceAccount" {
                "runs as"
            } else if e.pointer.contains("/imagePullSecrets/") {
                "pulls with"
            } else if e.pointer.contains("/volumes/") {
                "mounts"
            } else if e.pointer.contains("/env") {
                "env"
            } else {
                "uses"
            }
            .into()
        }
        Relation::Class if e.pointer.ends_with("/runtimeClassName") => "runtime".into(),
        Relation::Class => "priority".into(),
        Relation::Schedules => "runs on".into(),
        Relation::DevicePlugin => "device plugin".into(),
        Relation::NodeClass => "node class".into(),
        Relation::SecretStore => "reads from".into(),
        Relation::Makes => "makes".into(),
        Relation::Runtime => "model runs on".into(),
    }
}

/// A scalar as written in a label (strings without quotes).
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
