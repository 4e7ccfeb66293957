//! `kforge vendor [DIR]`: every remote base copied into the repository, with a lock file.

use std::path::PathBuf;

use super::build::KustomizeArgs;
use super::io::print;
use super::{Outcome, Status};

#[derive(clap::Args)]
pub struct VendorArgs {
    /// A directory holding kustomization.yaml, or a repository root whose overlays
    /// (ROOT/overlays/*) are vendored together. The lock file `kforge.lock` and the copies
    /// (`vendor/kforge/`) are written here.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Resolve every ref again instead of keeping the commits kforge.lock names (a branch
    /// moves to its newest commit).
    #[arg(long)]
    update: bool,
    #[command(flatten)]
    kustomize: KustomizeArgs,
}

pub fn run(args: VendorArgs) -> Outcome {
    let options = args.kustomize.build_options();
    let report = kforge::vendor(&args.dir, &options, args.update)?;
    let mut text = String::new();
    for e in &report.git {
        let at = if e.git_ref.is_empty() {
            "HEAD"
        } else {
            &e.git_ref
        };
        text.push_str(&format!("{} {at} {} -> {}\n", e.repo, e.commit, e.path));
    }
    for e in &report.http {
        text.push_str(&format!("{} -> {}\n", e.url, e.path));
    }
    match &report.lock {
        Some(lock) => text.push_str(&format!(
            "{} remote(s) vendored; lock file {}\n",
            report.git.len() + report.http.len(),
            lock.display()
        )),
        None => text.push_str("no remote resources: nothing to vendor\n"),
    }
    print(text.as_bytes())?;
    Ok(Status::Clean)
}
