//! `kforge build --argocd`: the `generate` step of Argo CD's config-management plugin
//! (ci/gitops/argocd/cmp/plugin.yaml) in kforge itself. The Application's plugin
//! parameters come from `ARGOCD_APP_PARAMETERS`, the cluster's versions from `KUBE_VERSION`
//! and `KUBE_API_VERSIONS` (`kforge::argocd`); the directory is built and validated as
//! `kforge validate DIR` validates it, the report goes to standard error, and the objects
//! go to standard output only when no finding reaches the `fail-on` parameter: Argo CD never
//! applies a partial or invalid manifest.

use std::path::Path;

use super::build::KustomizeArgs;
use super::io::{output, print, write_atomically};
use super::validation::status;
use super::{Outcome, Status};

pub fn generate(dir: &Path, out: Option<&Path>, kustomize: &KustomizeArgs) -> Outcome {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let params = kforge::argocd::parse_parameters(env("ARGOCD_APP_PARAMETERS").as_deref())?;
    let kube_version = env("KUBE_VERSION");
    if let Some(w) = kube_version
        .as_deref()
        .and_then(kforge::argocd::kube_version_warning)
    {
        eprintln!("{w}");
    }
    let mut options = kustomize.build_options_with(params.enable_helm, params.load_restrictor);
    // Argo CD's own kustomize builds give helm the cluster's versions; so does the plugin.
    if let Some(helm) = &mut options.helm {
        if helm.kube_version.is_none() {
            helm.kube_version = kube_version;
        }
        if helm.api_versions.is_empty() {
            helm.api_versions = env("KUBE_API_VERSIONS")
                .map(|v| {
                    v.split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
        }
    }
    let built = kforge::build_dir(dir, &options)?;
    for w in &built.warnings {
        eprintln!("{w}");
    }
    let text = kforge::to_yaml(&built.resources);
    // Validated as `kforge validate DIR`: with the repository's kforge.yaml and the
    // kustomizations deployed beside it.
    let config = kforge::workspace::find_root(dir)
        .map(|root| kforge::Config::load(&root))
        .transpose()?;
    let policy = config
        .as_ref()
        .map_or_else(kforge::Policy::default, |c| c.policy(None));
    let dirs = [dir.to_path_buf()];
    let around = kforge::Surroundings::discover(&dirs, config.as_ref(), &options)?;
    let targets = kforge::validate_jobs_around(
        &[(dir.to_path_buf(), policy)],
        &options,
        &[],
        around.as_ref(),
    )?;
    let report = kforge::report::ReportOptions {
        color: false,
        docs_base_url: kforge::report::DEFAULT_DOCS_BASE_URL.into(),
    };
    eprint!(
        "{}",
        kforge::report::format_report_with(kforge::report::Format::Human, &targets, &report)
    );
    if status(&targets, params.fail_on) == Status::Findings {
        return Ok(Status::Findings);
    }
    match out {
        Some(path) => output(write_atomically(path, text.as_bytes()))?,
        None => print(text.as_bytes())?,
    }
    Ok(Status::Clean)
}
