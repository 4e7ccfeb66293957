//! `kforge build DIR`: one kustomization, its objects printed as kustomize prints them.

use std::path::PathBuf;

use clap::ValueEnum;

use super::io::{output, print, write_atomically};
use super::{Outcome, Status};

#[derive(clap::Args)]
pub struct BuildArgs {
    /// Directory holding kustomization.yaml.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Which files a kustomization may read.
    #[arg(long, value_enum, default_value = "LoadRestrictionsRootOnly")]
    load_restrictor: Restrictor,
    /// Write the output to this file instead of standard output (atomically).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Render `helmCharts` by running `helm template` (off by default, as in kustomize).
    #[arg(long)]
    enable_helm: bool,
    /// The helm executable to run for `helmCharts`.
    #[arg(long, default_value = "helm", requires = "enable_helm")]
    helm_command: PathBuf,
}

/// `--load-restrictor`, spelled as kustomize spells it.
#[derive(Clone, Copy, ValueEnum)]
#[allow(clippy::enum_variant_names)]
pub enum Restrictor {
    #[value(name = "LoadRestrictionsRootOnly")]
    RootOnly,
    #[value(name = "LoadRestrictionsNone")]
    None,
}

impl From<Restrictor> for kforge::LoadRestrictor {
    fn from(r: Restrictor) -> kforge::LoadRestrictor {
        match r {
            Restrictor::RootOnly => kforge::LoadRestrictor::RootOnly,
            Restrictor::None => kforge::LoadRestrictor::None,
        }
    }
}

/// The build options the kustomization flags (shared by every subcommand that builds) ask for.
pub fn build_options(
    restrictor: Restrictor,
    enable_helm: bool,
    helm_command: PathBuf,
) -> kforge::BuildOptions {
    kforge::BuildOptions {
        load_restrictor: restrictor.into(),
        helm: enable_helm.then(|| kforge::HelmConfig::new(helm_command)),
        ..Default::default()
    }
}

pub fn run(args: BuildArgs) -> Outcome {
    let options = build_options(args.load_restrictor, args.enable_helm, args.helm_command);
    let out = kforge::build_dir(&args.dir, &options)?;
    for w in &out.warnings {
        eprintln!("{w}");
    }
    // kforge's own notices (kustomize is silent there), after kustomize's warnings.
    for n in &out.notices {
        eprintln!("warning: {n}");
    }
    let text = kforge::to_yaml(&out.resources);
    // The process ends here: freeing every object one by one would cost more than a tenth
    // of a large build.
    std::mem::forget(out);
    match &args.output {
        Some(path) => output(write_atomically(path, text.as_bytes()))?,
        None => print(text.as_bytes())?,
    }
    Ok(Status::Clean)
}
