//! JSON for other tools: every group, node and edge with identifiers, the source file and
//! line of each object and of each reference, and what dangles with its rule ids.
//! Versioned (`"version": 1`); fields appear in a fixed order.

use serde::Serialize;

use super::{relation_name, Graph};

#[derive(Serialize)]
struct Doc<'g> {
    version: u32,
    title: &'g str,
    groups: Vec<GroupOut<'g>>,
    nodes: Vec<NodeOut<'g>>,
    edges: Vec<EdgeOut<'g>>,
}

#[derive(Serialize)]
struct GroupOut<'g> {
    id: &'g str,
    kind: &'static str,
    label: &'g str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<&'g str>,
    #[serde(skip_serializing_if = "is_one")]
    count: usize,
}

#[derive(Serialize)]
struct NodeOut<'g> {
    id: &'g str,
    kind: &'g str,
    name: &'g str,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'g str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'g str>,
    state: &'static str,
    role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<&'g str>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    source: Option<SourceOut<'g>>,
    #[serde(skip_serializing_if = "is_one")]
    count: usize,
    #[serde(skip_serializing_if = "no_rules")]
    rules: &'g [&'static str],
}

#[derive(Serialize)]
struct EdgeOut<'g> {
    from: &'g str,
    to: &'g str,
    relation: &'static str,
    family: &'static str,
    label: &'g str,
    dangling: bool,
    #[serde(skip_serializing_if = "no_rules")]
    rules: &'g [&'static str],
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    source: Option<SourceOut<'g>>,
    #[serde(skip_serializing_if = "is_one")]
    count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    change: Option<&'static str>,
}

#[derive(Serialize)]
struct SourceOut<'g> {
    file: &'g str,
    line: u32,
}

fn source(s: &Option<super::Source>) -> Option<SourceOut<'_>> {
    s.as_ref().map(|s| SourceOut {
        file: &s.file,
        line: s.line,
    })
}

fn no_rules(r: &&[&str]) -> bool {
    r.is_empty()
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

/// The graph as pretty-printed JSON, ending with a newline.
pub fn write(g: &Graph) -> String {
    let group_id = |i: Option<usize>| i.map(|i| g.groups[i].id.as_str());
    let doc = Doc {
        version: 1,
        title: &g.title,
        groups: g
            .groups
            .iter()
            .map(|gr| GroupOut {
                id: &gr.id,
                kind: gr.kind.as_str(),
                label: &gr.label,
                parent: group_id(gr.parent),
                count: gr.count,
            })
            .collect(),
        nodes: g
            .nodes
            .iter()
            .map(|n| NodeOut {
                id: &n.id,
                kind: &n.kind,
                name: &n.name,
                namespace: n.namespace.as_deref(),
                group: group_id(n.group),
                state: n.state.as_str(),
                role: n.role.as_str(),
                origin: n.origin.as_deref(),
                source: source(&n.source),
                count: n.count,
                rules: &n.rules,
            })
            .collect(),
        edges: g
            .edges
            .iter()
            .map(|e| EdgeOut {
                from: &g.nodes[e.from].id,
                to: &g.nodes[e.to].id,
                relation: relation_name(e.relation),
                family: e.family().as_str(),
                label: &e.label,
                dangling: e.dangling,
                rules: &e.rules,
                source: source(&e.source),
                count: e.count,
                change: e.change.map(|c| match c {
                    super::Change::Added => "added",
                    super::Change::Removed => "removed",
                    super::Change::Dangling => "dangling",
                }),
            })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}
