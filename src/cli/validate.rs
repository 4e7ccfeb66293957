//! `kforge validate PATH...`: overlays or plain manifests, with an optional kforge.yaml.

use std::path::PathBuf;

use super::validation::{run_checks, ValidationArgs};
use super::Outcome;

#[derive(clap::Args)]
pub struct ValidateArgs {
    /// What to validate.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Rule levels from this kforge.yaml (`kforge check` reads ROOT/kforge.yaml itself).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Apply the configuration's `environments.<ENV>` rule levels.
    #[arg(long, requires = "config")]
    env: Option<String>,
    /// The plain manifests given are a whole environment: also report references to
    /// objects missing from them (always on for kustomization directories).
    #[arg(long)]
    whole: bool,
    #[command(flatten)]
    common: ValidationArgs,
}

pub fn run(args: ValidateArgs) -> Outcome {
    run_checks(&args.common, |options, crds| {
        let config = match &args.config {
            Some(file) => {
                let text = std::fs::read_to_string(file)
                    .map_err(|e| kforge::Error::at(file, None, format!("cannot read: {e}")))?;
                kforge::Config::parse(file, &text)?
            }
            None => kforge::Config::default(),
        };
        let mut policy = config.policy(args.env.as_deref());
        policy.whole_environment = args.whole.then_some(true);
        let jobs: Vec<_> = args
            .paths
            .iter()
            .map(|p| (p.clone(), policy.clone()))
            .collect();
        kforge::validate_jobs(&jobs, options, crds)
    })
}
