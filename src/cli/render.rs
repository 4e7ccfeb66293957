//! `kforge render ROOT --out OUT`: every environment as plain YAML, written atomically or
//! compared (`--check`).

use std::path::PathBuf;

use super::io::print;
use super::validation::InputArgs;
use super::{Outcome, Status};

#[derive(clap::Args)]
pub struct RenderArgs {
    /// The repository root.
    #[arg(default_value = ".")]
    root: PathBuf,
    /// Output directory (replaced as a whole; stale files disappear).
    #[arg(long, default_value = ".rendered")]
    out: PathBuf,
    /// Do not write; exit 1 when OUT differs from what would be rendered.
    #[arg(long)]
    check: bool,
    /// One file per object instead of one manifest per environment.
    #[arg(long)]
    per_object: bool,
    /// Record this source commit in render.metadata.
    #[arg(long)]
    source_commit: Option<String>,
    /// The repository's URL, written with the source commit into hydrator.metadata (Argo
    /// CD's source hydrator format) in each environment.
    #[arg(long, value_name = "URL")]
    repo_url: Option<String>,
    #[command(flatten)]
    input: InputArgs,
}

pub fn run(args: RenderArgs) -> Outcome {
    let RenderArgs {
        root,
        out,
        check,
        per_object,
        source_commit,
        repo_url,
        input,
    } = args;
    let options = input.build_options();
    let config = kforge::Config::load(&root)?;
    let mut crds = kforge::repo_crds(&root, &config, &options)?;
    crds.extend(input.crds(&options)?);
    let opts = kforge::render::RenderOptions {
        per_object,
        source_commit,
        app_dir: None,
        repo_url,
    };
    let rendered = kforge::render::render_repo(&root, &options, &crds, &opts)?;
    if !rendered.errors.is_empty() {
        let t = kforge::report::Target {
            name: root.display().to_string(),
            objects: 0,
            findings: rendered.errors,
            notes: Vec::new(),
        };
        eprint!(
            "{}",
            kforge::report::format_report(kforge::report::Format::Human, &[t], false)
        );
        eprintln!("error: validation failed; {} left untouched", out.display());
        return Ok(Status::Findings);
    }
    if check {
        let differ = kforge::render::check_tree(&out, &rendered.files);
        if differ.is_empty() {
            print(format!("render: {} is up to date\n", out.display()).as_bytes())?;
            return Ok(Status::Clean);
        }
        for p in &differ {
            eprintln!("out of date: {}", out.join(p).display());
        }
        eprintln!(
            "error: {} is out of date; run `kforge render --out {}`",
            out.display(),
            out.display()
        );
        return Ok(Status::Findings);
    }
    kforge::render::write_tree(&out, &rendered.files)?;
    let done = format!(
        "render: wrote {} files to {}\n",
        rendered.files.len(),
        out.display()
    );
    print(done.as_bytes())?;
    Ok(Status::Clean)
}
