//! Mermaid flowcharts (GitHub renders them in Markdown): a subgraph per namespace and per
//! workload, one shape per role, traffic as thick arrows, control as dotted ones, and what
//! dangles in red, dashed, labelled with its rule ids.

use std::fmt::Write as _;

use super::{style, Change, Family, Graph, Node, Role, State, Step};

/// The graph as a Mermaid flowchart (without the Markdown fence).
pub fn write(g: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    let _ = writeln!(out, "  %% kforge graph {}", one_line(&g.title));
    g.walk(|step, depth| {
        let pad = "  ".repeat(depth + 1);
        match step {
            Step::Open(i) => {
                let gr = &g.groups[i];
                let _ = writeln!(out, "{pad}subgraph {}[\"{}\"]", gr.id, text(&gr.label));
            }
            Step::Node(n) => node(&mut out, &g.nodes[n], &pad),
            Step::Close(_) => {
                let _ = writeln!(out, "{pad}end");
            }
        }
    });
    let mut styled: Vec<(usize, String)> = Vec::new();
    for (k, e) in g.edges.iter().enumerate() {
        let arrow = match (e.change, e.dangling, e.family()) {
            (Some(Change::Removed), ..) | (_, true, _) | (_, _, Family::Control) => "-.->",
            (_, _, Family::Traffic) => "==>",
            _ => "-->",
        };
        let label = e.display_label();
        let label = if label.is_empty() {
            String::new()
        } else {
            format!("|\"{}\"|", text(&label))
        };
        let _ = writeln!(
            out,
            "  {} {arrow}{label} {}",
            g.nodes[e.from].id, g.nodes[e.to].id
        );
        let css = match e.change {
            Some(Change::Added) => Some("stroke:#2e7d32,stroke-width:2px".to_owned()),
            Some(Change::Removed) => Some("stroke:#9e9e9e,stroke-dasharray:4 4".to_owned()),
            _ if e.dangling => {
                let (color, _) = style::edge(e.family(), true);
                Some(format!(
                    "stroke:{color},stroke-width:2px,stroke-dasharray:6 4"
                ))
            }
            _ => None,
        };
        if let Some(css) = css {
            styled.push((k, css));
        }
    }
    // The classes the nodes use, each defined once.
    let mut classes: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for n in &g.nodes {
        let class = match n.state {
            State::Output => n.role.as_str(),
            State::Outside => "outside",
            State::External => "external",
            State::Missing => "missing",
        };
        classes.entry(class).or_default().push(&n.id);
    }
    for class in classes.keys() {
        let css = match *class {
            "missing" => {
                let (fill, stroke) = style::node(Role::Other, State::Missing);
                format!("fill:{fill},stroke:{stroke},stroke-width:2px,stroke-dasharray:6 4")
            }
            "external" => {
                let (fill, stroke) = style::node(Role::Other, State::External);
                format!("fill:{fill},stroke:{stroke},stroke-dasharray:2 2")
            }
            "outside" => "fill:#ffffff,stroke:#757575,stroke-dasharray:5 3".to_owned(),
            role => {
                let role = ROLES
                    .iter()
                    .find(|r| r.as_str() == role)
                    .copied()
                    .unwrap_or(Role::Other);
                let (fill, stroke) = style::node(role, State::Output);
                format!("fill:{fill},stroke:{stroke}")
            }
        };
        let _ = writeln!(out, "  classDef {class} {css}");
    }
    for (class, ids) in classes {
        let _ = writeln!(out, "  class {} {class}", ids.join(","));
    }
    for (k, css) in styled {
        let _ = writeln!(out, "  linkStyle {k} {css}");
    }
    out
}

const ROLES: [Role; 6] = [
    Role::Traffic,
    Role::Workload,
    Role::Config,
    Role::Control,
    Role::Scheduling,
    Role::Other,
];

fn node(out: &mut String, n: &Node, pad: &str) {
    let (open, close) = match n.role {
        Role::Traffic => ("([", "])"),
        Role::Workload | Role::Other => ("[", "]"),
        Role::Config => ("(", ")"),
        Role::Control => ("{{", "}}"),
        Role::Scheduling => ("[[", "]]"),
    };
    let mut label = text(&n.kind);
    if n.count > 1 {
        let _ = write!(label, " ×{}", n.count);
    }
    let _ = write!(label, "<br/>{}", text(&n.name));
    match (n.state, &n.origin) {
        (State::Outside, Some(origin)) => {
            let _ = write!(label, "<br/><i>{}</i>", text(origin));
        }
        (State::External, _) => label.push_str("<br/><i>outside the output</i>"),
        (State::Missing, _) => label.push_str("<br/><i>missing</i>"),
        _ => {}
    }
    let _ = writeln!(out, "{pad}{}{open}\"{label}\"{close}", n.id);
}

/// Text for a quoted Mermaid label: entity codes for the characters Mermaid reads.
fn text(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '|' => out.push_str("#124;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}
