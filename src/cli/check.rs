//! `kforge check ROOT`: every overlay of a repository, with its kforge.yaml.

use std::path::PathBuf;

use super::validation::{run_checks, ValidationArgs};
use super::Outcome;

#[derive(clap::Args)]
pub struct CheckArgs {
    /// The repository root (with --flux: the directory whose Flux Kustomizations are
    /// checked, e.g. clusters/production; the repository is the nearest directory above it
    /// holding .git or kforge.yaml).
    #[arg(default_value = ".")]
    root: PathBuf,
    /// Check the Flux Kustomizations (kustomize.toolkit.fluxcd.io/v1) under ROOT instead of
    /// overlays/*: each spec.path built as kustomize-controller builds it, its postBuild
    /// variables substituted (strict mode), and the result validated.
    #[arg(long)]
    flux: bool,
    #[command(flatten)]
    common: ValidationArgs,
}

pub fn run(args: CheckArgs) -> Outcome {
    run_checks(&args.common, |options, crds| {
        if args.flux {
            kforge::check_flux(&args.root, options, crds)
        } else {
            kforge::check_repo(&args.root, options, crds)
        }
    })
}
