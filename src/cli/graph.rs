//! `kforge graph [ENV_DIR | ROOT]`: the architecture picture of an environment (or of every
//! environment of a repository) as Mermaid, DOT, SVG, draw.io XML or JSON.

use std::path::PathBuf;

use clap::ValueEnum;

use super::build::KustomizeArgs;
use super::io::{output, print, write_atomically};
use super::{Outcome, Status};

#[derive(clap::Args)]
pub struct GraphArgs {
    /// An environment (a kustomization directory such as overlays/prod) or a repository
    /// root, whose environments (overlays/<env>) are drawn one below the other.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Output format: mermaid (GitHub renders it in Markdown), dot (Graphviz), svg (laid
    /// out by kforge), drawio (draw.io / diagrams.net, one editable shape per object) or
    /// json (nodes and edges with their source file:line).
    #[arg(long, value_enum, default_value = "mermaid")]
    format: GraphFormat,
    /// Write the picture to this file instead of standard output (atomically).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Draw only one object's neighbourhood: the object (KIND/NAME, e.g.
    /// Deployment/tf-serving) and everything it has an edge with.
    #[arg(long, value_name = "KIND/NAME")]
    focus: Option<String>,
    /// Draw N or more similar workloads (same kind and namespace, names differing only in
    /// numbers, the same objects around them) as one with a count, and N or more similar
    /// other objects as one node; 0 never collapses.
    #[arg(long, value_name = "N", default_value_t = 5)]
    collapse: usize,
    /// Look at the kustomization on its own: objects of kustomizations deployed beside it
    /// do not satisfy its references.
    #[arg(long)]
    isolated: bool,
    #[command(flatten)]
    kustomize: KustomizeArgs,
}

/// `--format`.
#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Mermaid,
    Dot,
    Svg,
    Drawio,
    Json,
}

impl From<GraphFormat> for kforge::graph::Format {
    fn from(f: GraphFormat) -> kforge::graph::Format {
        match f {
            GraphFormat::Mermaid => kforge::graph::Format::Mermaid,
            GraphFormat::Dot => kforge::graph::Format::Dot,
            GraphFormat::Svg => kforge::graph::Format::Svg,
            GraphFormat::Drawio => kforge::graph::Format::Drawio,
            GraphFormat::Json => kforge::graph::Format::Json,
        }
    }
}

pub fn run(args: GraphArgs) -> Outcome {
    let options = args.kustomize.build_options();
    let mut graph = kforge::graph::of_path(&args.path, &options, args.isolated)?;
    if let Some(spec) = &args.focus {
        graph.focus(spec)?;
    }
    graph.collapse(args.collapse);
    let text = graph.render(args.format.into());
    match &args.output {
        Some(path) => output(write_atomically(path, text.as_bytes()))?,
        None => print(text.as_bytes())?,
    }
    Ok(Status::Clean)
}
