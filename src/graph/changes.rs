//! What a change does to the picture (`kforge diff --graph`): the edges only the new
//! build has, the edges only the old build had, and the edges the change leaves dangling,
//! with their ends, grouped by namespace. An edge is the same in both builds when its ends
//! (kind, namespace, name), its relation and its label are: a route whose weight changes
//! loses its old arrow and gains a new one.

use crate::hash::{HashMap, HashSet};
use std::collections::BTreeMap;

use super::{Change, Edge, Graph, Group, Node};
use crate::validate::edges::Relation;

type NodeKey = (String, Option<String>, String);
type EdgeKey = (NodeKey, NodeKey, Relation, String);

fn node_key(n: &Node) -> NodeKey {
    (n.kind.clone(), n.namespace.clone(), n.name.clone())
}

fn edge_key(g: &Graph, e: &Edge) -> EdgeKey {
    (
        node_key(&g.nodes[e.from]),
        node_key(&g.nodes[e.to]),
        e.relation,
        e.label.clone(),
    )
}

/// The edges `new` adds to `old`, those it removes, and those it leaves dangling (that
/// dangle in `new` and did not in `old`; added ones that dangle count as dangling); empty
/// when the change moves no arrow.
pub fn changes(old: &Graph, new: &Graph) -> Graph {
    // Each edge of the old build, and whether it dangled there.
    let mut old_keys: HashMap<EdgeKey, bool> = HashMap::default();
    for e in &old.edges {
        *old_keys.entry(edge_key(old, e)).or_default() |= e.dangling;
    }
    let new_keys: HashSet<EdgeKey> = new.edges.iter().map(|e| edge_key(new, e)).collect();
    let mut picked: Vec<(&Graph, &Edge, Change)> = Vec::new();
    for e in &new.edges {
        match (old_keys.get(&edge_key(new, e)), e.dangling) {
            // Dangling now, and not before (added, or its target went away).
            (None | Some(false), true) => picked.push((new, e, Change::Dangling)),
            (None, false) => picked.push((new, e, Change::Added)),
            (Some(_), _) => {}
        }
    }
    for e in &old.edges {
        if !new_keys.contains(&edge_key(old, e)) {
            picked.push((old, e, Change::Removed));
        }
    }
    let mut out = Graph {
        title: new.title.clone(),
        ..Graph::default()
    };
    let mut nodes: HashMap<NodeKey, usize> = HashMap::default();
    let mut groups: BTreeMap<Option<String>, usize> = BTreeMap::new();
    let mut node_of = |out: &mut Graph, g: &Graph, n: usize| -> usize {
        let key = node_key(&g.nodes[n]);
        if let Some(&k) = nodes.get(&key) {
            return k;
        }
        let mut node = g.nodes[n].clone();
        node.group = None;
        node.id.clear();
        out.nodes.push(node);
        nodes.insert(key, out.nodes.len() - 1);
        out.nodes.len() - 1
    };
    for (g, e, change) in picked {
        let from = node_of(&mut out, g, e.from);
        let to = node_of(&mut out, g, e.to);
        out.edges.push(Edge {
            from,
            to,
            change: Some(change),
            ..e.clone()
        });
    }
    // Namespace groups, in name order, the cluster-scoped ones last.
    let mut namespaces: Vec<Option<String>> =
        out.nodes.iter().map(|n| n.namespace.clone()).collect();
    namespaces.sort_by(|a, b| (a.is_none(), a).cmp(&(b.is_none(), b)));
    namespaces.dedup();
    for ns in namespaces {
        out.groups.push(Group::namespace(ns.as_deref(), false));
        groups.insert(ns, out.groups.len() - 1);
    }
    for n in &mut out.nodes {
        n.group = groups.get(&n.namespace).copied();
    }
    out.assign_ids("");
    out
}

/// One line saying what changed: `2 added, 1 removed, 1 dangling`.
pub fn summary(g: &Graph) -> String {
    let count = |c: Change| g.edges.iter().filter(|e| e.change == Some(c)).count();
    format!(
        "{} added, {} removed, {} dangling",
        count(Change::Added),
        count(Change::Removed),
        count(Change::Dangling)
    )
}
