//! `kforge graph`: the architecture picture of an environment. The objects of a build are
//! nodes grouped by namespace and by workload (a workload with the ConfigMaps, Secrets,
//! PVCs and ServiceAccount only its pods use), and the references between them are edges:
//! exactly the references validation reads ([`crate::validate::edges`]), so the picture
//! and the reference rules never disagree. A reference that dangles is drawn as such, with
//! the id of the rule that reports it.
//!
//! [`build::environment`] makes a [`Graph`] from a validation [`Context`] and its findings;
//! [`Graph::focus`] and [`Graph::collapse`] keep large environments readable; [`merge`]
//! puts several environments side by side; the writers ([`mermaid`], [`dot`], [`svg`] over
//! [`layout`], [`drawio`] over the same layout, [`json`]) turn it into text, the same bytes
//! for the same input.

pub mod build;
pub mod changes;
pub mod dot;
pub mod drawio;
pub mod json;
pub mod layout;
pub mod mermaid;
pub mod svg;

use crate::hash::{HashMap, HashSet};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::validate::edges::Relation;
use crate::validate::outside::Outside;
use crate::validate::{Context, Policy};
use crate::{BuildOptions, Config, Resource, Surroundings};

/// What a group of nodes is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupKind {
    /// One environment, when several are drawn together.
    Environment,
    /// A namespace.
    Namespace,
    /// The cluster-scoped objects.
    Cluster,
    /// A workload and what only its pods use.
    Workload,
}

impl GroupKind {
    /// The name used in JSON and in styles.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Environment => "environment",
            GroupKind::Namespace => "namespace",
            GroupKind::Cluster => "cluster",
            GroupKind::Workload => "workload",
        }
    }
}

/// A box around nodes (and other groups).
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Identifier in the output formats (set by [`Graph::assign_ids`]).
    pub id: String,
    /// What it is.
    pub kind: GroupKind,
    /// Its title.
    pub label: String,
    /// What it is named after: the environment, namespace or workload.
    pub name: String,
    /// The group it is in.
    pub parent: Option<usize>,
    /// How many similar groups it stands for ([`Graph::collapse`]).
    pub count: usize,
}

impl Group {
    /// A group of `kind` titled `label`, named after `name`, in `parent`.
    pub fn new(kind: GroupKind, label: String, name: &str, parent: Option<usize>) -> Group {
        Group {
            id: String::new(),
            kind,
            label,
            name: name.to_owned(),
            parent,
            count: 1,
        }
    }

    /// The group of namespace `ns` (the cluster-scoped objects' for `None`); `elsewhere`
    /// when the output neither creates the namespace nor puts anything in it.
    pub fn namespace(ns: Option<&str>, elsewhere: bool) -> Group {
        match ns {
            Some(ns) if elsewhere => Group::new(
                GroupKind::Namespace,
                format!("namespace {ns} (not in the output)"),
                ns,
                None,
            ),
            Some(ns) => Group::new(GroupKind::Namespace, format!("namespace {ns}"), ns, None),
            None => Group::new(GroupKind::Cluster, "cluster-scoped".into(), "", None),
        }
    }
}

/// One step of [`Graph::walk`].
pub enum Step {
    /// Entering a group.
    Open(usize),
    /// A node.
    Node(usize),
    /// Leaving a group.
    Close(usize),
}

/// Whether a node is an object of the output, and if not, what kforge knows of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    /// An object of the output.
    Output,
    /// Exists outside the output: made by the platform or a controller, or in a
    /// neighbouring kustomization.
    Outside,
    /// Beyond what kforge can know (a user, a group, another team's Gateway).
    External,
    /// Referenced but existing nowhere kforge knows of.
    Missing,
}

impl State {
    /// The name used in JSON and in styles.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Output => "output",
            State::Outside => "outside",
            State::External => "external",
            State::Missing => "missing",
        }
    }
}

/// How a node is drawn (`src/tables/graph_roles.yaml`; objects with pod templates are
/// workloads).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Where requests enter and are routed: Gateways, routes, Ingresses, Services.
    Traffic,
    /// Objects with pod templates.
    Workload,
    /// What pods read: ConfigMaps, Secrets, PVCs, ServiceAccounts, their sources.
    Config,
    /// What scales, protects, restricts or authorises workloads.
    Control,
    /// Where pods run: node pools and classes, priorities, runtimes, queues.
    Scheduling,
    /// Anything else.
    Other,
}

impl Role {
    /// The name used in JSON and in styles.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Traffic => "traffic",
            Role::Workload => "workload",
            Role::Config => "config",
            Role::Control => "control",
            Role::Scheduling => "scheduling",
            Role::Other => "other",
        }
    }

    fn of_kind(kind: &str) -> Role {
        match crate::tables::graph_role(kind) {
            Some("traffic") => Role::Traffic,
            Some("config") => Role::Config,
            Some("control") => Role::Control,
            Some("scheduling") => Role::Scheduling,
            _ => Role::Other,
        }
    }
}

/// Where something is written: a source file and line.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Source {
    /// The file (as the build names it; empty when unknown).
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: u32,
}

/// An object, or something an object refers to.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Identifier in the output formats (set by [`Graph::assign_ids`]).
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Name (for a collapsed node, the pattern of the names, `*` where they differ).
    pub name: String,
    /// Namespace (`None`: cluster-scoped or unknown).
    pub namespace: Option<String>,
    /// The group it is drawn in.
    pub group: Option<usize>,
    /// In the output or not.
    pub state: State,
    /// Who makes it or where it is, when outside the output.
    pub origin: Option<String>,
    /// How it is drawn.
    pub role: Role,
    /// Where the object is written.
    pub source: Option<Source>,
    /// How many similar objects it stands for ([`Graph::collapse`]).
    pub count: usize,
    /// The rules with findings on the object.
    pub rules: Vec<&'static str>,
}

/// The family of an edge, which decides how it is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// Requests: Gateway → route → Service → workload.
    Traffic,
    /// Scaling, disruption budgets, network policies, monitoring, RBAC.
    Control,
    /// What pods read, and where it comes from.
    Config,
    /// Node pools, device plugins, node classes.
    Scheduling,
}

impl Family {
    /// The name used in JSON and in styles.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Traffic => "traffic",
            Family::Control => "control",
            Family::Config => "config",
            Family::Scheduling => "scheduling",
        }
    }

    /// The family of a relation.
    pub fn of(relation: Relation) -> Family {
        match relation {
            Relation::Parent | Relation::Backend | Relation::Selects => Family::Traffic,
            Relation::Scales
            | Relation::Disruption
            | Relation::NetworkPolicy
            | Relation::Monitors
            | Relation::RoleRef
            | Relation::Subject => Family::Control,
            Relation::Uses
            | Relation::Class
            | Relation::SecretStore
            | Relation::Makes
            | Relation::Runtime => Family::Config,
            Relation::Schedules | Relation::DevicePlugin | Relation::NodeClass => {
                Family::Scheduling
            }
        }
    }
}

/// The name of a relation in JSON.
pub fn relation_name(relation: Relation) -> &'static str {
    match relation {
        Relation::Parent => "parent",
        Relation::Backend => "backend",
        Relation::Selects => "selects",
        Relation::Scales => "scales",
        Relation::Disruption => "disruption-budget",
        Relation::NetworkPolicy => "network-policy",
        Relation::Monitors => "monitors",
        Relation::RoleRef => "role",
        Relation::Subject => "subject",
        Relation::Uses => "uses",
        Relation::Class => "class",
        Relation::Schedules => "schedules",
        Relation::DevicePlugin => "device-plugin",
        Relation::NodeClass => "node-class",
        Relation::SecretStore => "secret-store",
        Relation::Makes => "makes",
        Relation::Runtime => "runtime",
    }
}

/// What a change does to an edge ([`changes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    /// Only in the new build.
    Added,
    /// Only in the old build.
    Removed,
    /// In the new build, and dangling there.
    Dangling,
}

/// A reference between two nodes, drawn in the direction things flow (a Gateway to its
/// routes, a route to its Services, a workload to what it reads).
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// From this node.
    pub from: usize,
    /// To this node.
    pub to: usize,
    /// What the reference means.
    pub relation: Relation,
    /// Its label (a port, a verb), without the rule ids.
    pub label: String,
    /// The rules whose findings are on the reference.
    pub rules: Vec<&'static str>,
    /// The reference dangles: its target exists nowhere, or a rule reports it.
    pub dangling: bool,
    /// Where the reference is written.
    pub source: Option<Source>,
    /// How many references it stands for ([`Graph::collapse`]).
    pub count: usize,
    /// What a change does to it (only in [`changes`]).
    pub change: Option<Change>,
}

impl Edge {
    /// How it is drawn.
    pub fn family(&self) -> Family {
        Family::of(self.relation)
    }

    /// The label to show: what a change did to it, the rules for a dangling edge, a count
    /// for a collapsed one.
    pub fn display_label(&self) -> String {
        let mut parts = Vec::new();
        match self.change {
            Some(Change::Added) => parts.push("added:".to_owned()),
            Some(Change::Removed) => parts.push("removed:".to_owned()),
            Some(Change::Dangling) | None => {}
        }
        if !self.rules.is_empty() {
            parts.push(self.rules.join(","));
        } else if self.dangling {
            parts.push("missing".to_owned());
        }
        if !self.label.is_empty() {
            parts.push(self.label.clone());
        }
        if self.count > 1 {
            parts.push(format!("×{}", self.count));
        }
        parts.join(" ")
    }
}

/// The picture of one environment (or several, [`merge`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Graph {
    /// What it shows (the environment's directory).
    pub title: String,
    /// Groups; a group's parent comes before it.
    pub groups: Vec<Group>,
    /// Nodes.
    pub nodes: Vec<Node>,
    /// Edges.
    pub edges: Vec<Edge>,
}

/// The nesting of a [`Graph`], each list in order.
pub struct Tree {
    /// The groups directly in each group.
    pub groups: Vec<Vec<usize>>,
    /// The nodes directly in each group.
    pub nodes: Vec<Vec<usize>>,
    /// The groups in no group.
    pub top_groups: Vec<usize>,
    /// The nodes in no group.
    pub top_nodes: Vec<usize>,
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A Mermaid flowchart (GitHub renders it in Markdown).
    Mermaid,
    /// Graphviz DOT.
    Dot,
    /// SVG, laid out by kforge ([`layout`]).
    Svg,
    /// draw.io / diagrams.net XML.
    Drawio,
    /// JSON: nodes and edges with their source file and line.
    Json,
}

impl Graph {
    /// The graph as text in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Mermaid => mermaid::write(self),
            Format::Dot => dot::write(self),
            Format::Svg => svg::write(self),
            Format::Drawio => drawio::write(self),
            Format::Json => json::write(self),
        }
    }

    /// What each group holds, and what no group holds.
    pub fn tree(&self) -> Tree {
        let mut t = Tree {
            groups: vec![Vec::new(); self.groups.len()],
            nodes: vec![Vec::new(); self.groups.len()],
            top_groups: Vec::new(),
            top_nodes: Vec::new(),
        };
        for (i, gr) in self.groups.iter().enumerate() {
            match gr.parent {
                Some(p) => t.groups[p].push(i),
                None => t.top_groups.push(i),
            }
        }
        for (n, node) in self.nodes.iter().enumerate() {
            match node.group {
                Some(p) => t.nodes[p].push(n),
                None => t.top_nodes.push(n),
            }
        }
        t
    }

    /// Every group and node, nested: each group opened, its groups, its nodes, closed;
    /// then the nodes in no group. `visit` gets each step and its depth (0 outermost).
    pub fn walk(&self, mut visit: impl FnMut(Step, usize)) {
        fn group(t: &Tree, i: usize, depth: usize, visit: &mut impl FnMut(Step, usize)) {
            visit(Step::Open(i), depth);
            for &c in &t.groups[i] {
                group(t, c, depth + 1, visit);
            }
            for &n in &t.nodes[i] {
                visit(Step::Node(n), depth + 1);
            }
            visit(Step::Close(i), depth);
        }
        let t = self.tree();
        for &i in &t.top_groups {
            group(&t, i, 0, &mut visit);
        }
        for &n in &t.top_nodes {
            visit(Step::Node(n), 0);
        }
    }

    /// The groups from the outermost to `g`.
    pub fn ancestry(&self, g: Option<usize>) -> Vec<usize> {
        let mut out = Vec::new();
        let mut cur = g;
        while let Some(i) = cur {
            out.push(i);
            cur = self.groups[i].parent;
        }
        out.reverse();
        out
    }

    /// Keep one object's neighbourhood: the nodes `spec` (`KIND/NAME`, the kind compared
    /// ignoring case) names, the nodes they have an edge with, and those edges.
    pub fn focus(&mut self, spec: &str) -> Result<()> {
        let Some((kind, name)) = spec
            .split_once('/')
            .filter(|(k, n)| !k.is_empty() && !n.is_empty())
        else {
            return Err(Error::msg(format!(
                "--focus {spec}: expected KIND/NAME, e.g. Deployment/tf-serving"
            )));
        };
        let centre: HashSet<usize> = (0..self.nodes.len())
            .filter(|&n| {
                self.nodes[n].kind.eq_ignore_ascii_case(kind) && self.nodes[n].name == name
            })
            .collect();
        if centre.is_empty() {
            let mut similar: Vec<String> = self
                .nodes
                .iter()
                .filter(|n| n.kind.eq_ignore_ascii_case(kind) || n.name == name)
                .map(|n| format!("{}/{}", n.kind, n.name))
                .collect();
            similar.sort();
            similar.dedup();
            similar.truncate(5);
            let hint = if similar.is_empty() {
                String::new()
            } else {
                format!(" (there is {})", similar.join(", "))
            };
            return Err(Error::msg(format!(
                "--focus {spec}: no {kind} named {name} in {}{hint}",
                self.title
            )));
        }
        let mut keep = vec![false; self.nodes.len()];
        for &n in &centre {
            keep[n] = true;
        }
        for e in &self.edges {
            if centre.contains(&e.from) || centre.contains(&e.to) {
                keep[e.from] = true;
                keep[e.to] = true;
            }
        }
        self.edges
            .retain(|e| centre.contains(&e.from) || centre.contains(&e.to));
        self.title = format!("{} (around {spec})", self.title);
        self.retain_nodes(&keep);
        Ok(())
    }

    /// Draw `threshold` or more similar workloads (same kind and namespace, names that
    /// differ only in numbers, the same kinds of objects around them) as one group with a
    /// count, and as many similar other nodes as one node; edges between them are merged
    /// and counted. A threshold below 2 changes nothing.
    pub fn collapse(&mut self, threshold: usize) {
        if threshold < 2 {
            return;
        }
        let mut node_map: Vec<usize> = (0..self.nodes.len()).collect();
        let mut group_map: Vec<usize> = (0..self.groups.len()).collect();
        // Workload groups: by their parent, the workload's kind and name pattern, and the
        // kinds and name patterns of their members.
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); self.groups.len()];
        for (n, node) in self.nodes.iter().enumerate() {
            if let Some(g) = node.group {
                members[g].push(n);
            }
        }
        let mut by_shape: BTreeMap<(Option<usize>, Vec<Shape>), Vec<usize>> = BTreeMap::new();
        for (g, group) in self.groups.iter().enumerate() {
            if group.kind != GroupKind::Workload {
                continue;
            }
            let mut shape: Vec<Shape> = members[g]
                .iter()
                .map(|&n| {
                    let node = &self.nodes[n];
                    (node.kind.clone(), pattern(&node.name), node.state)
                })
                .collect();
            shape.sort();
            by_shape.entry((group.parent, shape)).or_default().push(g);
        }
        let mut collapsed_groups: Vec<(usize, usize)> = Vec::new();
        for groups in by_shape.values().filter(|g| g.len() >= threshold) {
            let first = groups[0];
            collapsed_groups.push((first, groups.len()));
            // Members correspond by kind and pattern, in order.
            let key = |n: usize| {
                let node = &self.nodes[n];
                (node.kind.clone(), pattern(&node.name), node.state)
            };
            for &g in &groups[1..] {
                group_map[g] = first;
                let mut taken = vec![false; members[first].len()];
                for &n in &members[g] {
                    let target = members[first]
                        .iter()
                        .enumerate()
                        .find(|(j, &m)| !taken[*j] && key(m) == key(n))
                        .map(|(j, &m)| (j, m));
                    if let Some((j, m)) = target {
                        taken[j] = true;
                        node_map[n] = m;
                    }
                }
            }
        }
        // Other nodes: by group (after the merge above), kind, state and name pattern.
        let mut by_name: BTreeMap<(Option<usize>, String, State, String), Vec<usize>> =
            BTreeMap::new();
        for (n, node) in self.nodes.iter().enumerate() {
            let in_workload = node
                .group
                .is_some_and(|g| self.groups[g].kind == GroupKind::Workload);
            if in_workload || node.role == Role::Workload {
                continue;
            }
            let group = node.group.map(|g| group_map[g]);
            by_name
                .entry((group, node.kind.clone(), node.state, pattern(&node.name)))
                .or_default()
                .push(n);
        }
        for nodes in by_name.values().filter(|n| n.len() >= threshold) {
            for &n in &nodes[1..] {
                node_map[n] = nodes[0];
            }
        }
        // Counts and names of the nodes that stand for others.
        let mut merged: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (n, &m) in node_map.iter().enumerate() {
            merged.entry(m).or_default().push(n);
        }
        for (&m, all) in &merged {
            if all.len() > 1 {
                let names: Vec<&str> = all.iter().map(|&n| self.nodes[n].name.as_str()).collect();
                let name = common_pattern(&names);
                let node = &mut self.nodes[m];
                node.count = all.len();
                node.name = name;
            }
        }
        for (g, count) in collapsed_groups {
            let group = &mut self.groups[g];
            let workload = members[g]
                .iter()
                .find(|&&n| self.nodes[n].role == Role::Workload)
                .map(|&n| self.nodes[n].name.clone());
            group.count = count;
            group.label = format!(
                "{} ×{count}",
                workload.unwrap_or_else(|| group.label.clone())
            );
        }
        // Edges onto the nodes that stand for theirs, merged and counted.
        let mut edges: Vec<Edge> = Vec::new();
        let mut index: HashMap<(usize, usize, Relation, Option<usize>), usize> = HashMap::default();
        for (k, e) in std::mem::take(&mut self.edges).into_iter().enumerate() {
            let (from, to) = (node_map[e.from], node_map[e.to]);
            if from == to {
                continue;
            }
            // Edges between nodes standing only for themselves stay as they are.
            let alone = (from == e.from
                && to == e.to
                && merged[&from].len() == 1
                && merged[&to].len() == 1)
                .then_some(k);
            match index.get(&(from, to, e.relation, alone)) {
                Some(&k) => {
                    let kept = &mut edges[k];
                    kept.count += e.count;
                    kept.dangling |= e.dangling;
                    let rules: BTreeSet<&'static str> =
                        kept.rules.iter().chain(&e.rules).copied().collect();
                    kept.rules = rules.into_iter().collect();
                    if kept.label != e.label {
                        kept.label = generic_label(e.relation).to_owned();
                    }
                }
                None => {
                    index.insert((from, to, e.relation, alone), edges.len());
                    edges.push(Edge { from, to, ..e });
                }
            }
        }
        self.edges = edges;
        let keep: Vec<bool> = node_map.iter().enumerate().map(|(n, &m)| n == m).collect();
        self.retain_nodes(&keep);
    }

    /// Keep the nodes `keep` marks (edges between kept nodes, groups holding some).
    fn retain_nodes(&mut self, keep: &[bool]) {
        let mut new_index = vec![usize::MAX; self.nodes.len()];
        let mut nodes = Vec::new();
        for (n, node) in std::mem::take(&mut self.nodes).into_iter().enumerate() {
            if keep[n] {
                new_index[n] = nodes.len();
                nodes.push(node);
            }
        }
        self.nodes = nodes;
        self.edges.retain(|e| keep[e.from] && keep[e.to]);
        for e in &mut self.edges {
            e.from = new_index[e.from];
            e.to = new_index[e.to];
        }
        // Groups holding a kept node, and their ancestors.
        let mut used = vec![false; self.groups.len()];
        for node in &self.nodes {
            let mut cur = node.group;
            while let Some(g) = cur {
                used[g] = true;
                cur = self.groups[g].parent;
            }
        }
        let mut group_index = vec![usize::MAX; self.groups.len()];
        let mut groups = Vec::new();
        for (g, mut group) in std::mem::take(&mut self.groups).into_iter().enumerate() {
            if used[g] {
                group.parent = group.parent.map(|p| group_index[p]);
                group_index[g] = groups.len();
                groups.push(group);
            }
        }
        self.groups = groups;
        for node in &mut self.nodes {
            node.group = node.group.map(|g| group_index[g]);
        }
    }

    /// Give every group and node an identifier, unique in the graph, made of its kind and
    /// name (so that a change to one object changes no other's), prefixed by `prefix`.
    pub fn assign_ids(&mut self, prefix: &str) {
        let mut taken = HashSet::default();
        let mut unique = |base: String| {
            let mut id = base.clone();
            let mut k = 2;
            while !taken.insert(id.clone()) {
                id = format!("{base}_{k}");
                k += 1;
            }
            id
        };
        let pre = if prefix.is_empty() {
            String::new()
        } else {
            format!("{}_", sanitize(prefix))
        };
        for g in 0..self.groups.len() {
            let group = &self.groups[g];
            let base = match group.kind {
                GroupKind::Environment => format!("{pre}env_{}", sanitize(&group.name)),
                GroupKind::Namespace => format!("{pre}ns_{}", sanitize(&group.name)),
                GroupKind::Cluster => format!("{pre}cluster"),
                GroupKind::Workload => format!("{pre}wl_{}", sanitize(&group.name)),
            };
            self.groups[g].id = unique(base);
        }
        for n in 0..self.nodes.len() {
            let node = &self.nodes[n];
            let base = format!("{pre}{}_{}", sanitize(&node.kind), sanitize(&node.name));
            self.nodes[n].id = unique(base);
        }
    }
}

/// Several environments in one graph, each in its group (identifiers prefixed by its
/// name; drawn one below the other, and on a page of its own in draw.io).
pub fn merge(title: &str, envs: Vec<(String, Graph)>) -> Graph {
    let mut out = Graph {
        title: title.to_owned(),
        ..Graph::default()
    };
    for (name, mut g) in envs {
        g.assign_ids(&name);
        let env = out.groups.len();
        out.groups.push(Group::new(
            GroupKind::Environment,
            g.title.clone(),
            &name,
            None,
        ));
        let (g0, n0) = (out.groups.len(), out.nodes.len());
        for mut group in g.groups {
            group.parent = Some(group.parent.map_or(env, |p| p + g0));
            out.groups.push(group);
        }
        for mut node in g.nodes {
            node.group = Some(node.group.map_or(env, |p| p + g0));
            out.nodes.push(node);
        }
        for mut e in g.edges {
            e.from += n0;
            e.to += n0;
            out.edges.push(e);
        }
    }
    out
}

/// The graph of the objects of `cx` with the findings `findings` (of the rules that
/// report references) marking what dangles; `title` names it.
pub fn from_context(title: &str, cx: &Context, findings: &[crate::Finding]) -> Graph {
    let mut g = build::environment(cx, findings);
    g.title = title.to_owned();
    g
}

/// `policy` with only the rules that report references on (at their configured level),
/// for a whole environment.
fn references_only(policy: &Policy) -> Policy {
    let mut p = policy.clone();
    for rule in crate::validate::rules::RULES {
        if !rule.meta.references {
            p.set(rule.meta.id, None);
        }
    }
    p.whole_environment = Some(true);
    p
}

/// The graph of one environment's objects: `policy`'s pod-template and platform rows,
/// the CRDs installed by others (`crds`, which say which custom kinds are cluster-scoped)
/// and `neighbours` (the objects of kustomizations deployed beside it) decide what exists;
/// the reference rules `policy` turns on mark what dangles.
pub fn of_resources(
    title: &str,
    resources: &[Resource],
    crds: &[Resource],
    policy: &Policy,
    neighbours: &Outside,
) -> Graph {
    let policy = references_only(policy);
    let cx = Context::for_policy(resources, crds, &policy, neighbours);
    let findings = crate::validate::run_rules(&cx, &policy);
    from_context(title, &cx, &findings)
}

/// The graph of `path`: a kustomization directory (an environment, judged within its
/// repository unless `isolated`, with the repository's `kforge.yaml`), or a repository
/// root, whose environments (`overlays/<env>`) are drawn together. Identifiers are
/// assigned.
pub fn of_path(path: &Path, options: &BuildOptions, isolated: bool) -> Result<Graph> {
    if crate::is_kustomization_dir(path) {
        let root = crate::workspace::find_root(path).filter(|_| !isolated);
        let config = match &root {
            Some(root) => Config::load(root)?,
            None => Config::default(),
        };
        let env = path
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        let policy = config.policy(env.as_deref());
        let around = match root {
            Some(_) => Surroundings::discover(&[path.to_path_buf()], Some(&config), options)?,
            None => None,
        };
        let outside = around.map(|a| a.judge(path, &policy).outside);
        let crds = match &root {
            Some(root) => crate::repo_crds(root, &config, options)?,
            None => Vec::new(),
        };
        let built = crate::build_dir(path, options)?;
        let mut g = of_resources(
            &shown(path),
            &built.resources,
            &crds,
            &policy,
            outside.as_ref().unwrap_or(Outside::empty()),
        );
        g.assign_ids("");
        return Ok(g);
    }
    if !path.is_dir() {
        return Err(Error::at(
            path,
            None,
            "not a directory; give a kustomization directory (an environment) or a repository root with overlays/<env>/",
        ));
    }
    let config = Config::load(path)?;
    let layout = config.layout();
    if !path.join(&layout.overlays).is_dir() {
        return Err(Error::at(
            path,
            None,
            format!(
                "neither a kustomization directory nor a repository with {}/<env>/; give an environment (overlays/prod) or a repository root",
                layout.overlays.display()
            ),
        ));
    }
    let envs = crate::environments_in(path, &layout)?;
    let options = options.sharing_parses();
    let dirs: Vec<PathBuf> = envs.iter().map(|(_, d)| d.clone()).collect();
    let around =
        (!isolated).then(|| Surroundings::new(path, config.deployable.as_deref(), &dirs, &options));
    let crds = crate::repo_crds(path, &config, &options)?;
    let graphs: Vec<Result<(String, Graph)>> = crate::parallel::map(&envs, |(env, dir)| {
        let policy = config.policy(Some(env));
        let outside = around.as_ref().map(|a| a.judge(dir, &policy).outside);
        let built = crate::build_dir(dir, &options)?;
        let g = of_resources(
            &shown(dir),
            &built.resources,
            &crds,
            &policy,
            outside.as_ref().unwrap_or(Outside::empty()),
        );
        Ok((env.clone(), g))
    });
    let graphs = graphs.into_iter().collect::<Result<Vec<_>>>()?;
    Ok(merge(&shown(path), graphs))
}

/// A path as shown in titles: without a leading `./`.
fn shown(path: &Path) -> String {
    path.strip_prefix(".").unwrap_or(path).display().to_string()
}

/// What collapsing compares of a node: its kind, name pattern and state.
type Shape = (String, String, State);

/// A name with every run of digits as `#`: names that differ only in numbers share it.
fn pattern(name: &str) -> String {
    let mut out = String::new();
    let mut in_digits = false;
    for c in name.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}

/// The names as one: the parts they share, `*` for the runs of digits in which they
/// differ (`app-0001`, `app-0002` → `app-*`).
fn common_pattern(names: &[&str]) -> String {
    fn tokens(s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut start = 0;
        let b = s.as_bytes();
        for i in 1..=b.len() {
            if i == b.len() || b[i].is_ascii_digit() != b[i - 1].is_ascii_digit() {
                out.push(&s[start..i]);
                start = i;
            }
        }
        out
    }
    let split: Vec<Vec<&str>> = names.iter().map(|n| tokens(n)).collect();
    let first = &split[0];
    if split.iter().any(|t| t.len() != first.len()) {
        return pattern(names[0]).replace('#', "*");
    }
    (0..first.len())
        .map(|i| {
            if split.iter().all(|t| t[i] == first[i]) {
                first[i]
            } else {
                "*"
            }
        })
        .collect()
}

/// A relation's label when merged edges had different ones.
fn generic_label(relation: Relation) -> &'static str {
    match relation {
        Relation::Parent => "attached",
        Relation::Backend => "routes",
        Relation::Selects => "selects",
        Relation::Scales => "scales",
        Relation::Disruption => "guards",
        Relation::NetworkPolicy => "policy",
        Relation::Monitors => "scrapes",
        Relation::RoleRef => "binds",
        Relation::Subject => "subject",
        Relation::Uses => "uses",
        Relation::Class => "class",
        Relation::Schedules => "runs on",
        Relation::DevicePlugin => "device plugin",
        Relation::NodeClass => "node class",
        Relation::SecretStore => "reads from",
        Relation::Makes => "makes",
        Relation::Runtime => "runs on",
    }
}

/// An identifier from any text: lower-case ASCII letters, digits and `_`.
pub fn sanitize(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_owned();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{out}")
    } else {
        out
    }
}

/// Text escaped for XML (attribute values and content).
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#xa;"),
            c if (c as u32) < 0x20 && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// The colours of each role, state and family, shared by the SVG, DOT and draw.io
/// writers (Mermaid has its own class syntax with the same values).
pub mod style {
    use super::{Family, GroupKind, Role, State};

    /// Stroke, fill and dash pattern (empty: solid) of a group's box.
    pub fn group(kind: GroupKind) -> (&'static str, &'static str, &'static str) {
        match kind {
            GroupKind::Environment => ("#424242", "#ffffff", ""),
            GroupKind::Namespace => ("#9e9e9e", "#fcfcfc", ""),
            GroupKind::Cluster => ("#9e9e9e", "#fafafa", "5 3"),
            GroupKind::Workload => ("#aed581", "#f1f8e9", ""),
        }
    }

    /// Fill and stroke of a node of `role` in `state`.
    pub fn node(role: Role, state: State) -> (&'static str, &'static str) {
        match state {
            State::Missing => return ("#ffebee", "#d32f2f"),
            State::External => return ("#fafafa", "#9e9e9e"),
            State::Outside | State::Output => {}
        }
        match role {
            Role::Traffic => ("#e3f2fd", "#1565c0"),
            Role::Workload => ("#e8f5e9", "#2e7d32"),
            Role::Config => ("#fff8e1", "#ef8f00"),
            Role::Control => ("#f3e5f5", "#6a1b9a"),
            Role::Scheduling => ("#e0f7fa", "#00838f"),
            Role::Other => ("#f5f5f5", "#616161"),
        }
    }

    /// Stroke colour and dash pattern (empty: solid) of an edge.
    pub fn edge(family: Family, dangling: bool) -> (&'static str, &'static str) {
        if dangling {
            return ("#d32f2f", "6 4");
        }
        match family {
            Family::Traffic => ("#1565c0", ""),
            Family::Control => ("#6a1b9a", "2 3"),
            Family::Config => ("#8d6e63", ""),
            Family::Scheduling => ("#00838f", "6 3"),
        }
    }

    /// The dash pattern of a node's border in `state` (empty: solid).
    pub fn border(state: State) -> &'static str {
        match state {
            State::Output => "",
            State::Outside => "5 3",
            State::External => "2 2",
            State::Missing => "6 4",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert_eq!(pattern("app-0001-config"), "app-#-config");
        assert_eq!(common_pattern(&["app-0001", "app-0002"]), "app-*");
        assert_eq!(
            common_pattern(&["env-000-app-0001", "env-000-app-0002"]),
            "env-000-app-*"
        );
        assert_eq!(sanitize("Deployment_tf-serving"), "deployment_tf_serving");
        assert_eq!(sanitize("0abc"), "n0abc");
        assert_eq!(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
    }
}
