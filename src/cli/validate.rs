//! `kforge validate PATH...`: overlays or plain manifests, with an optional kforge.yaml.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::validation::{run_checks, ValidationArgs};
use super::Outcome;

#[derive(clap::Args)]
pub struct ValidateArgs {
    /// What to validate: kustomization directories (built first), manifest files or
    /// directories, or `-` for manifests on standard input.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Rule levels from this kforge.yaml (default: the kforge.yaml at the root of the
    /// repository holding the first kustomization directory given, unless --isolated).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Apply the configuration's `environments.<ENV>` rule levels.
    #[arg(long)]
    env: Option<String>,
    /// The plain manifests given are one whole environment: validated together, and
    /// references to objects missing from them reported (always on for kustomization
    /// directories).
    #[arg(long)]
    whole: bool,
    /// The paths hold output rendered by another tool (`kubectl kustomize`, `helm
    /// template`, `-` for standard input): read as plain manifests, even in a directory
    /// with a kustomization, and validated together as one whole environment.
    #[arg(long)]
    rendered: bool,
    /// Validate kustomization directories on their own: do not look at the other
    /// kustomizations of their repository (by default, references satisfied by a
    /// kustomization deployed beside them are not reported, and a base or component is
    /// judged as a part).
    #[arg(long)]
    isolated: bool,
    #[command(flatten)]
    common: ValidationArgs,
}

/// Standard input, read once when a path is `-`.
fn stdin_text() -> kforge::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| kforge::Error::msg(format!("cannot read standard input: {e}")))?;
    Ok(text)
}

/// A kustomization file given by name stands for its directory (what it builds).
fn kustomization_dir(p: &Path) -> PathBuf {
    let named = p.is_file()
        && p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| kforge::kustomize::loader::KUSTOMIZATION_FILES.contains(&n));
    match p.parent() {
        Some(dir) if named && dir.as_os_str().is_empty() => PathBuf::from("."),
        Some(dir) if named => dir.to_path_buf(),
        _ => p.to_path_buf(),
    }
}

/// The environment of the repository whose directory `dir` is (its `overlays/<env>`).
fn environment_of(dir: &Path) -> Option<String> {
    let root = kforge::workspace::find_root(dir)?;
    let want = std::fs::canonicalize(dir).ok()?;
    kforge::environments(&root)
        .ok()?
        .into_iter()
        .find(|(_, d)| std::fs::canonicalize(d).is_ok_and(|d| d == want))
        .map(|(env, _)| env)
}

pub fn run(mut args: ValidateArgs) -> Outcome {
    args.paths = args.paths.iter().map(|p| kustomization_dir(p)).collect();
    run_checks(&args.common, |options, crds| {
        let mut repo_crds = Vec::new();
        let config = match &args.config {
            Some(file) => {
                let text = std::fs::read_to_string(file)
                    .map_err(|e| kforge::Error::at(file, None, format!("cannot read: {e}")))?;
                Some(kforge::Config::parse(file, &text)?)
            }
            // The kforge.yaml at the root of the repository of the first kustomization.
            None => match args
                .paths
                .iter()
                .find(|p| kforge::is_kustomization_dir(p))
                .and_then(|p| kforge::workspace::find_root(p))
            {
                Some(root) if !args.isolated => {
                    let config = kforge::Config::load(&root)?;
                    // The repository's CRD directories too, as `check` reads them.
                    repo_crds = kforge::repo_crds(&root, &config, options)?;
                    Some(config)
                }
                _ => None,
            },
        };
        repo_crds.extend(crds.iter().cloned());
        let crds = repo_crds.as_slice();
        let mut policy = config
            .as_ref()
            .map_or_else(kforge::Policy::default, |c| c.policy(args.env.as_deref()));
        let stdin = if args.paths.iter().any(|p| p.as_os_str() == "-") {
            Some(stdin_text()?)
        } else {
            None
        };
        let together = args.rendered || args.whole;
        let is_built = |p: &PathBuf| !args.rendered && kforge::is_kustomization_dir(p);
        let built: Vec<PathBuf> = args.paths.iter().filter(|p| is_built(p)).cloned().collect();
        let plain: Vec<PathBuf> = args
            .paths
            .iter()
            .filter(|p| !is_built(p))
            .cloned()
            .collect();
        let mut built_targets = Vec::new();
        if !built.is_empty() {
            let around = if args.isolated {
                None
            } else {
                kforge::Surroundings::discover(&built, config.as_ref(), options)?
            };
            // Each environment of the repository with its own rule levels (as `check`
            // applies them), unless --env names one for all.
            let jobs: Vec<_> = built
                .iter()
                .map(|p| {
                    let own = match (&config, &args.env) {
                        (Some(c), None) => environment_of(p).map(|env| c.policy(Some(&env))),
                        _ => None,
                    };
                    (p.clone(), own.unwrap_or_else(|| policy.clone()))
                })
                .collect();
            built_targets = kforge::validate_jobs_around(&jobs, options, crds, around.as_ref())?;
        }
        if together {
            policy.whole_environment = Some(true);
        }
        let validate_plain = |paths: &[PathBuf]| {
            kforge::validate_manifests(paths, stdin.as_deref(), options, crds, &policy)
        };
        // One target per path, in the order given; plain manifests validated together
        // report once, where the first of them was given.
        let mut built_targets = built_targets.into_iter();
        let mut targets = Vec::new();
        let mut plain_done = false;
        for p in &args.paths {
            if is_built(p) {
                targets.extend(built_targets.next());
            } else if !together {
                targets.push(validate_plain(std::slice::from_ref(p))?);
            } else if !std::mem::replace(&mut plain_done, true) {
                targets.push(validate_plain(&plain)?);
            }
        }
        Ok(targets)
    })
}
