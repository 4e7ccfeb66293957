//! `kforge diff --base REF ROOT`: what a change does to every environment.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::io::print;
use super::{Failure, Outcome, Status};

#[derive(clap::Args)]
pub struct DiffArgs {
    /// The old side: a Git ref of ROOT's repository (e.g. origin/main) or a directory.
    #[arg(long)]
    base: String,
    /// The new side: a repository directory.
    #[arg(default_value = ".")]
    root: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: DiffFormat,
    /// Largest Markdown output, in characters (a GitHub comment holds 65,536).
    #[arg(long, default_value_t = 65000)]
    limit: usize,
    /// With --format markdown: add, per environment, a collapsed Mermaid picture of the
    /// references the change adds, removes or leaves dangling (`kforge graph`'s edges).
    #[arg(long)]
    graph: bool,
}

/// `--format`.
#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    Text,
    Markdown,
}

/// A directory removed when dropped, whatever happened (a failed export included).
struct TempTree(PathBuf);

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn run(args: DiffArgs) -> Outcome {
    if args.graph && !matches!(args.format, DiffFormat::Markdown) {
        return Err(Failure::Message(
            "--graph draws into the Markdown report: add --format markdown".into(),
        ));
    }
    let options = kforge::BuildOptions::default();
    let mut _tmp = None;
    let base_dir = if Path::new(&args.base).is_dir() {
        PathBuf::from(&args.base)
    } else {
        let dir = std::env::temp_dir().join(format!("kforge-diff-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let guard = TempTree(dir.clone());
        kforge::diff::export_ref(&args.root, &args.base, &dir)?;
        _tmp = Some(guard);
        dir
    };
    let diffs = kforge::diff::diff_trees_with(&base_dir, &args.root, &options, args.graph)?;
    let text = match args.format {
        DiffFormat::Text => kforge::diff::to_text(&diffs),
        DiffFormat::Markdown => kforge::diff::to_markdown(&diffs, args.limit),
    };
    print(text.as_bytes())?;
    Ok(if diffs.iter().any(|d| !d.changes.is_empty()) {
        Status::Findings
    } else {
        Status::Clean
    })
}
