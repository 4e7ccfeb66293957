//! Graphviz DOT: a cluster per namespace and per workload, left to right, the same colours
//! as the SVG, dangling references red and dashed with their rule ids.

use std::fmt::Write as _;

use super::{style, Family, Graph, Node, State, Step};

/// The graph in DOT.
pub fn write(g: &Graph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(&g.title));
    out.push_str("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, newrank=true];\n");
    out.push_str(
        "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n",
    );
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    g.walk(|step, depth| {
        let pad = "  ".repeat(depth + 1);
        match step {
            Step::Open(i) => {
                let gr = &g.groups[i];
                let (color, fill, dash) = style::group(gr.kind);
                let dashed = if dash.is_empty() { "" } else { "dashed," };
                let _ = writeln!(out, "{pad}subgraph {} {{", quote(&format!("cluster_{}", gr.id)));
                let _ = writeln!(
                    out,
                    "{pad}  graph [label={}, style=\"rounded,{dashed}filled\", color=\"{color}\", fillcolor=\"{fill}\"];",
                    quote(&gr.label)
                );
            }
            Step::Node(n) => node(&mut out, &g.nodes[n], &pad),
            Step::Close(_) => {
                let _ = writeln!(out, "{pad}}}");
            }
        }
    });
    for e in &g.edges {
        let (color, dash) = style::edge(e.family(), e.dangling);
        let mut attrs = vec![
            format!("color=\"{color}\""),
            format!("fontcolor=\"{color}\""),
        ];
        let label = e.display_label();
        if !label.is_empty() {
            attrs.push(format!("label={}", quote(&label)));
        }
        if e.dangling || !dash.is_empty() {
            attrs.push(if e.family() == Family::Control && !e.dangling {
                "style=dotted".to_owned()
            } else {
                "style=dashed".to_owned()
            });
        }
        if e.family() == Family::Traffic || e.dangling {
            attrs.push("penwidth=2".to_owned());
        }
        if let Some(s) = &e.source {
            attrs.push(format!(
                "tooltip={}",
                quote(&format!("{}:{}", s.file, s.line))
            ));
        }
        let _ = writeln!(
            out,
            "  {} -> {} [{}];",
            quote(&g.nodes[e.from].id),
            quote(&g.nodes[e.to].id),
            attrs.join(", ")
        );
    }
    out.push_str("}\n");
    out
}

fn node(out: &mut String, n: &Node, pad: &str) {
    let (fill, stroke) = style::node(n.role, n.state);
    let mut label = n.kind.clone();
    if n.count > 1 {
        label.push_str(&format!(" ×{}", n.count));
    }
    label.push('\n');
    label.push_str(&n.name);
    let mut attrs = vec![
        format!("label={}", quote(&label)),
        format!("fillcolor=\"{fill}\""),
        format!("color=\"{stroke}\""),
    ];
    match n.state {
        State::Output => {}
        State::Outside => attrs.push("style=\"rounded,filled,dashed\"".into()),
        State::External => attrs.push("style=\"rounded,filled,dotted\"".into()),
        State::Missing => attrs.push("style=\"rounded,filled,dashed,bold\"".into()),
    }
    let tooltip = match (&n.source, &n.origin) {
        (Some(s), _) => format!("{}:{}", s.file, s.line),
        (None, Some(o)) => o.clone(),
        (None, None) => n.state.as_str().to_owned(),
    };
    attrs.push(format!("tooltip={}", quote(&tooltip)));
    let _ = writeln!(out, "{pad}{} [{}];", quote(&n.id), attrs.join(", "));
}

/// A DOT string: quoted, with `"` and `\` escaped and line breaks as `\n`.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
