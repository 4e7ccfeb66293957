//! SVG drawn from [`super::layout`]: group boxes, curved edges with arrowheads and labels,
//! nodes coloured by role, dashed when outside the output, red when missing; a `<title>`
//! on each node and edge names its source file and line (a browser shows it on hover).

use std::fmt::Write as _;

use super::layout::{kind_line, layout, Rect};
use super::{style, xml_escape, Family, Graph, State};

/// Numbers with one decimal, the same on every run.
fn f(v: f64) -> String {
    format!("{v:.1}")
}

/// The markers (arrowheads), one per colour edges are drawn in.
const MARKERS: &[(&str, &str)] = &[
    ("traffic", "#1565c0"),
    ("control", "#6a1b9a"),
    ("config", "#8d6e63"),
    ("scheduling", "#00838f"),
    ("dangling", "#d32f2f"),
];

/// The graph as an SVG document.
pub fn write(g: &Graph) -> String {
    let l = layout(g);
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"Helvetica, Arial, sans-serif\">",
        w = f(l.width),
        h = f(l.height)
    );
    let _ = writeln!(out, "<title>kforge graph {}</title>", xml_escape(&g.title));
    out.push_str("<defs>\n");
    for (name, color) in MARKERS {
        let _ = writeln!(
            out,
            "<marker id=\"arrow-{name}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{color}\"/></marker>"
        );
    }
    out.push_str("</defs>\n");
    out.push_str("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    for (i, gr) in g.groups.iter().enumerate() {
        let r = &l.groups[i];
        let (stroke, fill, dash) = style::group(gr.kind);
        let _ = writeln!(
            out,
            "<g class=\"group {}\" id=\"{}\">{}<text x=\"{}\" y=\"{}\" font-size=\"12\" font-weight=\"bold\" fill=\"#424242\">{}</text></g>",
            gr.kind.as_str(),
            xml_escape(&gr.id),
            rect(r, 8.0, fill, stroke, 1.2, dash),
            f(r.x + 10.0),
            f(r.y + 16.0),
            xml_escape(&gr.label)
        );
    }
    for (k, e) in g.edges.iter().enumerate() {
        let c = &l.edges[k];
        let (color, dash) = style::edge(e.family(), e.dangling);
        let marker = if e.dangling {
            "dangling"
        } else {
            e.family().as_str()
        };
        let width = if e.family() == Family::Traffic || e.dangling {
            2.0
        } else {
            1.2
        };
        let [p0, p1, p2, p3] = c.points;
        let dash = if dash.is_empty() {
            String::new()
        } else {
            format!(" stroke-dasharray=\"{dash}\"")
        };
        let title = match &e.source {
            Some(s) => format!("{}: {}:{}", e.display_label(), s.file, s.line),
            None => e.display_label(),
        };
        let _ = writeln!(
            out,
            "<path class=\"edge {}{}\" d=\"M{},{} C{},{} {},{} {},{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"{}\"{dash} marker-end=\"url(#arrow-{marker})\"><title>{}</title></path>",
            e.family().as_str(),
            if e.dangling { " dangling" } else { "" },
            f(p0.0),
            f(p0.1),
            f(p1.0),
            f(p1.1),
            f(p2.0),
            f(p2.1),
            f(p3.0),
            f(p3.1),
            f(width),
            xml_escape(&title)
        );
    }
    for (n, node) in g.nodes.iter().enumerate() {
        let r = &l.nodes[n];
        let (fill, stroke) = style::node(node.role, node.state);
        let dash = style::border(node.state);
        let width = if node.state == State::Missing {
            2.0
        } else {
            1.4
        };
        let title = match (&node.source, &node.origin) {
            (Some(s), _) => format!("{} {}: {}:{}", node.kind, node.name, s.file, s.line),
            (None, Some(o)) => format!("{} {}: {o}", node.kind, node.name),
            (None, None) => format!("{} {}: {}", node.kind, node.name, node.state.as_str()),
        };
        let _ = writeln!(
            out,
            "<g class=\"node {} {}\" id=\"{}\"><title>{}</title>{}<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#616161\" text-anchor=\"middle\">{}</text><text x=\"{}\" y=\"{}\" font-size=\"12\" font-weight=\"bold\" fill=\"#212121\" text-anchor=\"middle\">{}</text></g>",
            node.role.as_str(),
            node.state.as_str(),
            xml_escape(&node.id),
            xml_escape(&title),
            rect(r, 6.0, fill, stroke, width, dash),
            f(r.x + r.w / 2.0),
            f(r.y + 16.0),
            xml_escape(&kind_line(node)),
            f(r.x + r.w / 2.0),
            f(r.y + 32.0),
            xml_escape(&node.name)
        );
    }
    for (k, e) in g.edges.iter().enumerate() {
        let label = e.display_label();
        if label.is_empty() {
            continue;
        }
        let (x, y) = l.edges[k].label;
        let (color, _) = style::edge(e.family(), e.dangling);
        let w = super::layout::text_width(label.chars().count(), 5.6) + 8.0;
        let _ = writeln!(
            out,
            "<g class=\"label\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"14\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.9\"/><text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"{color}\" text-anchor=\"middle\">{}</text></g>",
            f(x - w / 2.0),
            f(y - 7.0),
            f(w),
            f(x),
            f(y + 3.5),
            xml_escape(&label)
        );
    }
    out.push_str("</svg>\n");
    out
}

fn rect(r: &Rect, radius: f64, fill: &str, stroke: &str, width: f64, dash: &str) -> String {
    let dash = if dash.is_empty() {
        String::new()
    } else {
        format!(" stroke-dasharray=\"{dash}\"")
    };
    format!(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{}\"{dash}/>",
        f(r.x),
        f(r.y),
        f(r.w),
        f(r.h),
        f(radius),
        f(width)
    )
}
