//! `kforge build DIR`: one kustomization, its objects printed as kustomize prints them.

use std::path::PathBuf;

use clap::ValueEnum;

use super::io::{output, print, write_parts_atomically};
use super::{Outcome, Status};

#[derive(clap::Args)]
pub struct BuildArgs {
    /// Directory holding kustomization.yaml.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Write the output to this file instead of standard output (atomically).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Run as the `generate` step of Argo CD's config-management plugin: parameters from
    /// $ARGOCD_APP_PARAMETERS (fail-on, enable-helm, load-restrictor), a warning when
    /// $KUBE_VERSION is another minor version than kforge's, helm given the cluster's
    /// versions, and the output validated: printed only when no finding reaches fail-on
    /// (then exit 1 with nothing printed).
    #[arg(long)]
    argocd: bool,
    #[command(flatten)]
    kustomize: KustomizeArgs,
}

/// The flags of every subcommand that builds kustomizations (`build`, `validate`, `check`,
/// `render`, `vendor`).
#[derive(clap::Args)]
pub struct KustomizeArgs {
    /// Which files a kustomization may read.
    #[arg(long, value_enum, default_value = "LoadRestrictionsRootOnly")]
    load_restrictor: Restrictor,
    /// Render `helmCharts` by running `helm template` (off by default, as in kustomize).
    #[arg(long)]
    enable_helm: bool,
    /// The helm executable to run for `helmCharts`.
    #[arg(long, default_value = "helm", requires = "enable_helm")]
    helm_command: PathBuf,
    /// Kubernetes API versions for helm's Capabilities.APIVersions, for charts that list
    /// none (repeat the flag for several).
    #[arg(long, requires = "enable_helm", value_name = "VERSION")]
    helm_api_versions: Vec<String>,
    /// Kubernetes version for helm's Capabilities.KubeVersion, for charts that set none.
    #[arg(long, requires = "enable_helm", value_name = "VERSION")]
    helm_kube_version: Option<String>,
    /// Refuse a remote Git resource unless its `?ref=` is a tag (listed under refs/tags by
    /// `git ls-remote`) or a full commit id; no ref, a branch or any other ref is refused.
    #[arg(long)]
    require_pinned_remotes: bool,
}

impl KustomizeArgs {
    /// The build options these flags ask for.
    pub fn build_options(&self) -> kforge::BuildOptions {
        self.build_options_with(None, None)
    }

    /// The build options these flags ask for, with helm and the load restrictor as given
    /// when given (Argo CD plugin parameters).
    pub fn build_options_with(
        &self,
        enable_helm: Option<bool>,
        restrictor: Option<kforge::LoadRestrictor>,
    ) -> kforge::BuildOptions {
        let mut options = kforge::BuildOptions {
            load_restrictor: restrictor.unwrap_or(self.load_restrictor.into()),
            helm: enable_helm.unwrap_or(self.enable_helm).then(|| {
                let mut helm = kforge::HelmConfig::new(self.helm_command.clone());
                helm.api_versions = self.helm_api_versions.clone();
                helm.kube_version = self.helm_kube_version.clone();
                helm
            }),
            ..Default::default()
        };
        options.remote.require_pinned = self.require_pinned_remotes;
        options
    }
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

pub fn run(args: BuildArgs) -> Outcome {
    if args.argocd {
        return super::argocd::generate(&args.dir, args.output.as_deref(), &args.kustomize);
    }
    let options = args.kustomize.build_options();
    let out = kforge::build_dir(&args.dir, &options)?;
    for w in &out.warnings {
        eprintln!("{w}");
    }
    // kforge's own notices (kustomize is silent there), after kustomize's warnings.
    for n in &out.notices {
        eprintln!("warning: {n}");
    }
    // Written part by part, never joined into one more copy of the output.
    let parts = kforge::to_yaml_parts(&out.resources);
    // The process ends here: freeing every object one by one would cost more than a tenth
    // of a large build.
    std::mem::forget(out);
    let bytes: Vec<&[u8]> = parts.iter().map(|p| p.as_bytes()).collect();
    match &args.output {
        Some(path) => output(write_parts_atomically(path, &bytes))?,
        None => {
            for part in bytes {
                print(part)?;
            }
        }
    }
    Ok(Status::Clean)
}
