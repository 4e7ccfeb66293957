//! `kforge check ROOT`: every overlay of a repository, with its kforge.yaml.

use std::path::PathBuf;

use super::validation::{run_checks, ValidationArgs};
use super::Outcome;

#[derive(clap::Args)]
pub struct CheckArgs {
    /// The repository root.
    #[arg(default_value = ".")]
    root: PathBuf,
    #[command(flatten)]
    common: ValidationArgs,
}

pub fn run(args: CheckArgs) -> Outcome {
    run_checks(&args.common, |options, crds| {
        kforge::check_repo(&args.root, options, crds)
    })
}
