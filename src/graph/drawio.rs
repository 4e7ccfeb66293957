//! draw.io (diagrams.net) XML: `mxfile > diagram > mxGraphModel > root`, the two root
//! cells `0` and `1`, then one editable cell per group (a container) and per object
//! (positioned by [`super::layout`], relative to its container as draw.io expects), and one
//! edge cell per reference, connected to its ends so that moving a shape keeps its arrows.
//! Each object's cell carries its kind, name, namespace and source file:line as properties
//! (shown as its tooltip). Several environments are a page each.

use std::fmt::Write as _;

use super::layout::{layout, Layout, Rect};
use super::{style, xml_escape, Family, Graph, GroupKind, State};

fn f(v: f64) -> String {
    format!("{v:.1}")
}

/// The graph as a draw.io file.
pub fn write(g: &Graph) -> String {
    let l = layout(g);
    let tree = g.tree();
    let envs: Vec<usize> = tree
        .top_groups
        .iter()
        .copied()
        .filter(|&i| g.groups[i].kind == GroupKind::Environment)
        .collect();
    let mut out = String::from("<mxfile host=\"kforge\">\n");
    if !envs.is_empty() && envs.len() == tree.top_groups.len() && tree.top_nodes.is_empty() {
        for env in envs {
            let r = l.groups[env];
            let origin = (r.x - 10.0, r.y - 10.0);
            page(
                &mut out,
                g,
                &l,
                &g.groups[env].label,
                Some(env),
                origin,
                (r.w + 20.0, r.h + 20.0),
            );
        }
    } else {
        page(
            &mut out,
            g,
            &l,
            &g.title,
            None,
            (0.0, 0.0),
            (l.width, l.height),
        );
    }
    out.push_str("</mxfile>\n");
    out
}

/// One `<diagram>`: everything under group `within` (everything when `None`), positioned
/// relative to `origin`.
fn page(
    out: &mut String,
    g: &Graph,
    l: &Layout,
    name: &str,
    within: Option<usize>,
    origin: (f64, f64),
    size: (f64, f64),
) {
    let inside = |group: Option<usize>| match within {
        None => true,
        Some(w) => g.ancestry(group).contains(&w),
    };
    let id = super::sanitize(name);
    let _ = writeln!(
        out,
        "  <diagram id=\"{}\" name=\"{}\">",
        xml_escape(&id),
        xml_escape(name)
    );
    let _ = writeln!(
        out,
        "    <mxGraphModel dx=\"0\" dy=\"0\" grid=\"1\" gridSize=\"10\" guides=\"1\" tooltips=\"1\" connect=\"1\" arrows=\"1\" fold=\"1\" page=\"1\" pageScale=\"1\" pageWidth=\"{}\" pageHeight=\"{}\" math=\"0\" shadow=\"0\">",
        f(size.0.ceil()),
        f(size.1.ceil())
    );
    out.push_str(
        "      <root>\n        <mxCell id=\"0\"/>\n        <mxCell id=\"1\" parent=\"0\"/>\n",
    );
    // The cell a group or node is placed in, and the top-left corner it is relative to.
    let parent = |group: Option<usize>| -> (String, (f64, f64)) {
        match group {
            Some(p) if Some(p) != within => {
                let r = l.groups[p];
                (g.groups[p].id.clone(), (r.x, r.y))
            }
            _ => ("1".to_owned(), origin),
        }
    };
    let geometry = |r: &Rect, o: (f64, f64)| {
        format!(
            "<mxGeometry x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" as=\"geometry\"/>",
            f(r.x - o.0),
            f(r.y - o.1),
            f(r.w),
            f(r.h)
        )
    };
    for (i, gr) in g.groups.iter().enumerate() {
        if Some(i) == within || !inside(Some(i)) {
            continue;
        }
        let (stroke, fill, dash) = style::group(gr.kind);
        let dashed = !dash.is_empty();
        let (p, o) = parent(gr.parent);
        let _ = writeln!(
            out,
            "        <mxCell id=\"{}\" value=\"{}\" style=\"rounded=1;arcSize=4;whiteSpace=wrap;html=0;container=1;collapsible=0;recursiveResize=0;verticalAlign=top;align=left;spacingLeft=8;fontStyle=1;fontSize=12;fillColor={fill};strokeColor={stroke};{}\" vertex=\"1\" parent=\"{}\">{}</mxCell>",
            xml_escape(&gr.id),
            xml_escape(&gr.label),
            if dashed { "dashed=1;" } else { "" },
            xml_escape(&p),
            geometry(&l.groups[i], o)
        );
    }
    for (n, node) in g.nodes.iter().enumerate() {
        if !inside(node.group) {
            continue;
        }
        let (fill, stroke) = style::node(node.role, node.state);
        let dash = style::border(node.state);
        let mut st = format!(
            "rounded=1;whiteSpace=wrap;html=0;fontSize=11;fillColor={fill};strokeColor={stroke};"
        );
        if !dash.is_empty() {
            let _ = write!(st, "dashed=1;dashPattern={dash};");
        }
        if node.state == State::Missing {
            st.push_str("strokeWidth=2;");
        }
        let label = format!("{}\n{}", super::layout::kind_line(node), node.name);
        let source = node
            .source
            .as_ref()
            .map(|s| format!("{}:{}", s.file, s.line))
            .unwrap_or_default();
        let tooltip = if source.is_empty() {
            node.origin
                .clone()
                .unwrap_or_else(|| node.state.as_str().to_owned())
        } else {
            source.clone()
        };
        let (p, o) = parent(node.group);
        let _ = writeln!(
            out,
            "        <UserObject id=\"{}\" label=\"{}\" tooltip=\"{}\" kind=\"{}\" name=\"{}\" namespace=\"{}\" state=\"{}\" source=\"{}\"><mxCell style=\"{st}\" vertex=\"1\" parent=\"{}\">{}</mxCell></UserObject>",
            xml_escape(&node.id),
            xml_escape(&label),
            xml_escape(&tooltip),
            xml_escape(&node.kind),
            xml_escape(&node.name),
            xml_escape(node.namespace.as_deref().unwrap_or_default()),
            node.state.as_str(),
            xml_escape(&source),
            xml_escape(&p),
            geometry(&l.nodes[n], o)
        );
    }
    for (k, e) in g.edges.iter().enumerate() {
        if !inside(g.nodes[e.from].group) {
            continue;
        }
        let (color, dash) = style::edge(e.family(), e.dangling);
        let mut st = format!(
            "edgeStyle=orthogonalEdgeStyle;rounded=1;html=0;endArrow=classic;fontSize=10;strokeColor={color};fontColor={color};"
        );
        if !dash.is_empty() {
            let _ = write!(st, "dashed=1;dashPattern={dash};");
        }
        if e.family() == Family::Traffic || e.dangling {
            st.push_str("strokeWidth=2;");
        }
        let _ = writeln!(
            out,
            "        <mxCell id=\"link-{k}\" value=\"{}\" style=\"{st}\" edge=\"1\" parent=\"1\" source=\"{}\" target=\"{}\"><mxGeometry relative=\"1\" as=\"geometry\"/></mxCell>",
            xml_escape(&e.display_label()),
            xml_escape(&g.nodes[e.from].id),
            xml_escape(&g.nodes[e.to].id)
        );
    }
    out.push_str("      </root>\n    </mxGraphModel>\n  </diagram>\n");
}
