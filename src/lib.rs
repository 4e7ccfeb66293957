//! kforge: assemble Kubernetes overlays exactly as `kubectl kustomize` does.
//!
//! The pipeline has one module per stage:
//! [`source`] (YAML with positions) → [`kustomize`] (kustomizations and the overlay graph) →
//! [`transform`] (one file per transformer) → [`validate`] (rules, one file each) →
//! [`emit`] (bytes identical to kustomize) / [`report`] (findings for people and CI).
//!
//! ```no_run
//! let out = kforge::build_dir(std::path::Path::new("overlays/prod"), &Default::default())?;
//! print!("{}", kforge::to_yaml(&out.resources));
//! # Ok::<(), kforge::Error>(())
//! ```

#![warn(missing_docs)]

pub mod argocd;
pub mod config;
pub mod diff;
pub mod emit;
pub mod error;
pub mod fileio;
pub mod flux;
pub mod graph;
pub mod hash;
pub mod init;
pub mod kustomize;
pub mod model;
pub mod parallel;
pub mod render;
pub mod report;
pub mod resource;
pub mod source;
pub mod tables;
pub mod text;
pub mod transform;
pub mod validate;
pub mod workspace;

pub use config::{Config, RepoLayout};
pub use error::{Error, ErrorKind, Result};
/// The document model every stage reads and changes (a JSON value with sorted-vector
/// mappings; see the `kforge-value` crate).
pub use kforge_value as value;
pub use kustomize::helm::HelmConfig;
pub use kustomize::{BuildOptions, BuildOutput, LoadRestrictor};
pub use resource::Resource;
pub use validate::{Finding, Policy, Severity};
pub use workspace::Surroundings;

/// The Kubernetes version kforge validates against (its k8s-openapi feature).
pub const KUBERNETES_VERSION: &str = kforge_k8s::KUBERNETES_VERSION;
/// The kustomize version whose output kforge reproduces.
pub const KUSTOMIZE_VERSION: &str = "v5.8.1";

/// Build the kustomization in `dir`.
pub fn build_dir(dir: &std::path::Path, options: &BuildOptions) -> Result<BuildOutput> {
    kustomize::build(dir, options)
}

/// Vendor every remote base of the kustomization at `dir` (or of every overlay of the
/// repository at `dir`) into `dir/vendor/kforge/` and write `dir/kforge.lock`; with
/// `update`, refs are resolved again instead of kept from the lock file.
pub fn vendor(
    dir: &std::path::Path,
    options: &BuildOptions,
    update: bool,
) -> Result<kustomize::vendor::VendorReport> {
    kustomize::vendor::vendor(dir, options, update)
}

/// The YAML of `resources`, as `kubectl kustomize` prints them.
#[deprecated(since = "0.2.0", note = "renamed to `to_yaml`")]
pub fn render(resources: &[Resource]) -> String {
    to_yaml(resources)
}

/// The YAML of `resources`, as `kubectl kustomize` prints them (the bytes `kforge build`
/// writes; use it in your own snapshot tests).
pub fn to_yaml(resources: &[Resource]) -> String {
    let mut parts = to_yaml_parts(resources);
    if parts.len() == 1 {
        return parts.pop().unwrap_or_default();
    }
    parts.concat()
}

/// [`to_yaml`] in consecutive parts (their concatenation is the output), so that a large
/// output can be written without one more copy of it.
pub fn to_yaml_parts(resources: &[Resource]) -> Vec<String> {
    // Objects are written independently: builds of more than `CHUNK` objects are written
    // in chunks on all cores (each thread takes the next chunk), every chunk but the first
    // starting with the separator.
    const CHUNK: usize = 64;
    if resources.len() <= 2 * CHUNK {
        return vec![emit::to_string_multi(resources.iter().map(|r| &r.value))];
    }
    let chunks: Vec<(usize, &[Resource])> = resources.chunks(CHUNK).enumerate().collect();
    parallel::map(&chunks, |(i, c)| {
        let text = emit::to_string_multi(c.iter().map(|r| &r.value));
        if *i == 0 {
            text
        } else {
            format!("---\n{text}")
        }
    })
}

/// Validate objects (built or read as plain manifests); findings sorted.
pub fn validate_resources(resources: &[Resource]) -> Vec<Finding> {
    validate::validate(resources)
}

/// CustomResourceDefinitions from a directory (installed in the cluster by others).
pub fn load_crds(dir: &std::path::Path, options: &BuildOptions) -> Result<Vec<Resource>> {
    Ok(kustomize::loader::load_manifests(dir, &options.limits)?
        .into_iter()
        .filter(|r| r.kind() == "CustomResourceDefinition")
        .collect())
}

/// Validate one path: a directory with a kustomization is built first; any other file or
/// directory is read as plain manifests.
pub fn validate_path(path: &std::path::Path, options: &BuildOptions) -> Result<report::Target> {
    validate_path_with(path, options, &[])
}

/// [`validate_path`], knowing the CRDs in `crds`.
pub fn validate_path_with(
    path: &std::path::Path,
    options: &BuildOptions,
    crds: &[Resource],
) -> Result<report::Target> {
    validate_path_policy(path, options, crds, &Policy::default())
}

/// [`validate_path_with`] under a rule policy (from [`Config::policy`]).
pub fn validate_path_policy(
    path: &std::path::Path,
    options: &BuildOptions,
    crds: &[Resource],
    policy: &Policy,
) -> Result<report::Target> {
    validate_path_around(path, options, crds, policy, None)
}

/// [`validate_path_policy`] within the repository `around` it (when given and `path` is a
/// kustomization of it): a reference satisfied by a neighbouring deployable kustomization
/// is not reported, and when `path` is a part of other kustomizations (a base, a
/// component), references to objects outside it are reported as info.
pub fn validate_path_around(
    path: &std::path::Path,
    options: &BuildOptions,
    crds: &[Resource],
    policy: &Policy,
    around: Option<&Surroundings>,
) -> Result<report::Target> {
    // A kustomization file given by name means its directory: what it builds.
    let named_file = path.is_file()
        && path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| kustomize::loader::KUSTOMIZATION_FILES.contains(&n));
    let path = match path.parent() {
        Some(dir) if named_file => {
            if dir.as_os_str().is_empty() {
                std::path::Path::new(".")
            } else {
                dir
            }
        }
        _ => path,
    };
    let built = is_kustomization_dir(path);
    let (resources, notices) = if built {
        let out = build_dir(path, options)
            .map_err(|mut e| {
                if matches!(e.kind, ErrorKind::Unsupported | ErrorKind::External) {
                    e.message.push_str(&format!(
                        "; to validate what another tool renders, run `kubectl kustomize {} | kforge validate --rendered -`",
                        path.display()
                    ));
                }
                e
            })?;
        (out.resources, out.notices)
    } else {
        (
            kustomize::loader::load_manifests(path, &options.limits)?,
            Vec::new(),
        )
    };
    // A kustomization build is a whole environment; loose manifests are one only when the
    // policy says so, and they are applied as written (YAML 1.1 readers).
    let mut policy = policy.clone();
    policy.applied_as_written = !built;
    policy.whole_environment = Some(built || policy.whole_environment == Some(true));
    let judgement = around.filter(|_| built).map(|s| s.judge(path, &policy));
    let outside = judgement.as_ref().map(|j| &j.outside);
    let mut findings = validate::validate_among(
        &resources,
        &notices,
        crds,
        &policy,
        outside.unwrap_or(validate::outside::Outside::empty()),
    );
    if let Some(workspace::Role::Part(_)) = judgement.as_ref().map(|j| &j.role) {
        // A part is not a whole environment: what it lacks may come from what includes it.
        for f in &mut findings {
            if validate::rules::find(f.rule)
                .is_some_and(|r| r.meta.scope == validate::Scope::Environment)
            {
                f.severity = Severity::Info;
            }
        }
    }
    Ok(report::Target {
        name: path.display().to_string(),
        objects: resources.len(),
        findings,
        notes: judgement.map(|j| j.notes).unwrap_or_default(),
    })
}

/// Whether `path` is a directory with a kustomization (which validation builds first).
pub fn is_kustomization_dir(path: &std::path::Path) -> bool {
    path.is_dir() && kustomize::loader::find_kustomization(path).is_ok()
}

/// Validate plain manifests (files or directories of them; `-` is `stdin`, the text read
/// from standard input) together, as one target under `policy` (whose
/// `whole_environment` says whether they are a whole environment; `None`: a part).
pub fn validate_manifests(
    paths: &[std::path::PathBuf],
    stdin: Option<&str>,
    options: &BuildOptions,
    crds: &[Resource],
    policy: &Policy,
) -> Result<report::Target> {
    let mut resources = Vec::new();
    let mut names = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            let display = std::path::Path::new("<stdin>");
            resources.extend(kustomize::loader::resources_from_text(
                stdin.unwrap_or_default(),
                display,
                &options.limits,
            )?);
            names.push(display.display().to_string());
        } else {
            let loaded = kustomize::loader::load_manifests(p, &options.limits)?;
            // The first path's objects are taken as they are, not copied.
            if resources.is_empty() {
                resources = loaded;
            } else {
                resources.extend(loaded);
            }
            names.push(p.display().to_string());
        }
    }
    let mut policy = policy.clone();
    policy.whole_environment = Some(policy.whole_environment == Some(true));
    policy.applied_as_written = true;
    let findings = validate::validate_policy(&resources, crds, &policy);
    let objects = resources.len();
    parallel::drop_later(resources, objects >= 1000);
    Ok(report::Target {
        name: names.join(", "),
        objects,
        findings,
        notes: Vec::new(),
    })
}

/// Validate several paths in parallel (one thread per core); results in the order given,
/// the first failure (in that order) reported.
pub fn validate_paths(
    paths: &[std::path::PathBuf],
    options: &BuildOptions,
    crds: &[Resource],
) -> Result<Vec<report::Target>> {
    let jobs: Vec<_> = paths
        .iter()
        .map(|p| (p.clone(), Policy::default()))
        .collect();
    validate_jobs(&jobs, options, crds)
}

/// Validate (path, policy) pairs in parallel; results in the order given, the first
/// failure (in that order) reported.
pub fn validate_jobs(
    jobs: &[(std::path::PathBuf, Policy)],
    options: &BuildOptions,
    crds: &[Resource],
) -> Result<Vec<report::Target>> {
    validate_jobs_around(jobs, options, crds, None)
}

/// [`validate_jobs`] within the repository `around` them ([`validate_path_around`]).
pub fn validate_jobs_around(
    jobs: &[(std::path::PathBuf, Policy)],
    options: &BuildOptions,
    crds: &[Resource],
    around: Option<&Surroundings>,
) -> Result<Vec<report::Target>> {
    parallel::map(jobs, |(p, policy)| {
        validate_path_around(p, options, crds, policy, around)
    })
    .into_iter()
    .collect()
}

/// The CRDs a repository declares as installed by others: `crdDirs` of its `kforge.yaml`,
/// else `ci/schemas/crds` when that directory exists.
pub fn repo_crds(
    root: &std::path::Path,
    config: &Config,
    options: &BuildOptions,
) -> Result<Vec<Resource>> {
    let mut crds = Vec::new();
    match &config.layout().crd_dirs {
        Some(dirs) => {
            for d in dirs {
                let dir = root.join(d);
                if !dir.is_dir() {
                    return Err(Error::at(
                        config
                            .file
                            .as_deref()
                            .unwrap_or(std::path::Path::new("kforge.yaml")),
                        None,
                        format!("crdDirs: {} is not a directory", dir.display()),
                    ));
                }
                crds.extend(load_crds(&dir, options)?);
            }
        }
        None => {
            let dir = root.join(config::DEFAULT_CRD_DIR);
            if dir.is_dir() {
                crds.extend(load_crds(&dir, options)?);
            }
        }
    }
    Ok(crds)
}

/// `kforge check`: every overlay of the repository at `root` (minus `exclude`d ones),
/// validated in parallel with the repository's `kforge.yaml` (rule levels per
/// environment, CRD directories) and `extra_crds`; findings in excluded files dropped.
pub fn check_repo(
    root: &std::path::Path,
    options: &BuildOptions,
    extra_crds: &[Resource],
) -> Result<Vec<report::Target>> {
    let config = Config::load(root)?;
    let mut crds = repo_crds(root, &config, options)?;
    crds.extend(extra_crds.iter().cloned());
    let layout = config.layout();
    let jobs: Vec<(std::path::PathBuf, Policy)> = environments_in(root, &layout)?
        .into_iter()
        .filter(|(_, dir)| !config.excluded(dir.strip_prefix(root).unwrap_or(dir)))
        .map(|(env, dir)| (dir, config.policy(Some(&env))))
        .collect();
    let options = options.sharing_parses();
    let dirs: Vec<std::path::PathBuf> = jobs.iter().map(|(d, _)| d.clone()).collect();
    let around = Surroundings::new(root, config.deployable.as_deref(), &dirs, &options);
    let mut targets = validate_jobs_around(&jobs, &options, &crds, Some(&around))?;
    // Repository-level rules, once, on the GitOps objects of the layout's directories.
    let mut gitops = Vec::new();
    for dir in &layout.gitops_dirs {
        let dir = root.join(dir);
        if dir.is_dir() {
            gitops.extend(kustomize::loader::load_manifests(&dir, &options.limits)?);
        }
    }
    if !gitops.is_empty() {
        // Each environment's longest startup, for the rules comparing it with GitOps waits.
        let budgets: Vec<validate::repo::StartupBudget> = environments_in(root, &layout)?
            .into_iter()
            .filter_map(|(env, dir)| {
                let out = build_dir(&dir, &options).ok()?;
                let (seconds, what) = validate::rules::longest_startup(&out.resources)?;
                Some(validate::repo::StartupBudget { env, seconds, what })
            })
            .collect();
        let findings = validate::repo::validate_repository_with(
            &gitops,
            &layout,
            &config.policy(None),
            &budgets,
        );
        targets.push(report::Target {
            name: format!("{} (repository)", root.display()),
            objects: gitops.len(),
            findings,
            notes: Vec::new(),
        });
    }
    for t in &mut targets {
        t.findings
            .retain(|f| !config.excluded(f.file.strip_prefix(root).unwrap_or(&f.file)));
    }
    Ok(targets)
}

/// `kforge check --flux DIR`: every Flux Kustomization (`kustomize.toolkit.fluxcd.io/v1`)
/// under `dir`, built and substituted as Flux's kustomize-controller does and validated
/// with the repository's `kforge.yaml` and CRDs plus `extra_crds`; one target each
/// ([`flux`]).
pub fn check_flux(
    dir: &std::path::Path,
    options: &BuildOptions,
    extra_crds: &[Resource],
) -> Result<Vec<report::Target>> {
    flux::check(dir, options, extra_crds)
}

/// The environments of a repository: (name, `overlays/<name>`, or the `overlaysDir` of its
/// `kforge.yaml`), in name order.
pub fn environments(root: &std::path::Path) -> Result<Vec<(String, std::path::PathBuf)>> {
    environments_in(root, &Config::load(root)?.layout())
}

/// [`environments`] for a layout already read.
pub fn environments_in(
    root: &std::path::Path,
    layout: &RepoLayout,
) -> Result<Vec<(String, std::path::PathBuf)>> {
    Ok(overlays_in(root, layout)?
        .into_iter()
        .map(|p| {
            let env = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (env, p)
        })
        .collect())
}

/// The overlays of a repository: every directory under `root/overlays` (or the
/// `overlaysDir` of its `kforge.yaml`) with a kustomization, in name order.
pub fn overlays(root: &std::path::Path) -> Result<Vec<std::path::PathBuf>> {
    overlays_in(root, &Config::load(root)?.layout())
}

fn overlays_in(root: &std::path::Path, layout: &RepoLayout) -> Result<Vec<std::path::PathBuf>> {
    let dir = root.join(&layout.overlays);
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        Error::at(
            &dir,
            None,
            format!("cannot list overlays: {e}; `kforge check` expects overlays/<env>/kustomization.yaml"),
        )
    })?;
    let mut out: Vec<std::path::PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && kustomize::loader::find_kustomization(p).is_ok())
        .collect();
    out.sort();
    if out.is_empty() {
        return Err(Error::at(
            &dir,
            None,
            "no overlay directories with a kustomization.yaml",
        ));
    }
    Ok(out)
}

/// A GitOps repository laid out as `overlays/<env>/` (plus optional `ci/schemas/crds/`):
/// the API for users' own snapshot tests.
///
/// ```no_run
/// let repo = kforge::Repo::open(".")?;
/// for env in repo.envs() {
///     let yaml = repo.rendered(env)?;           // what Argo CD / Flux will apply
///     assert!(repo.validate(env)?.is_empty());  // no findings
///     // insta::assert_snapshot!(env, yaml);
/// #   let _ = yaml;
/// }
/// # Ok::<(), kforge::Error>(())
/// ```
pub struct Repo {
    root: std::path::PathBuf,
    envs: Vec<(String, std::path::PathBuf)>,
    crds: Vec<Resource>,
    config: Config,
    options: BuildOptions,
}

impl Repo {
    /// Open the repository at `root` with default build options.
    pub fn open(root: impl AsRef<std::path::Path>) -> Result<Repo> {
        Repo::open_with(root, BuildOptions::default())
    }

    /// Open with build options (load restrictor, helm).
    pub fn open_with(root: impl AsRef<std::path::Path>, options: BuildOptions) -> Result<Repo> {
        let root = root.as_ref().to_path_buf();
        let config = Config::load(&root)?;
        let envs = environments_in(&root, &config.layout())?;
        let crds = repo_crds(&root, &config, &options)?;
        Ok(Repo {
            root,
            envs,
            crds,
            config,
            options,
        })
    }

    /// The repository root.
    pub fn root(&self) -> &std::path::Path {
        &self.root
    }

    /// Environment names, sorted.
    pub fn envs(&self) -> impl Iterator<Item = &str> {
        self.envs.iter().map(|(e, _)| e.as_str())
    }

    fn dir(&self, env: &str) -> Result<&std::path::Path> {
        self.envs
            .iter()
            .find(|(e, _)| e == env)
            .map(|(_, p)| p.as_path())
            .ok_or_else(|| Error::msg(format!("no environment '{env}' under overlays/")))
    }

    /// Build one environment.
    pub fn build(&self, env: &str) -> Result<BuildOutput> {
        build_dir(self.dir(env)?, &self.options)
    }

    /// The rendered YAML of one environment (byte-identical to `kubectl kustomize`).
    pub fn rendered(&self, env: &str) -> Result<String> {
        Ok(to_yaml(&self.build(env)?.resources))
    }

    /// The repository's `kforge.yaml` (the default when it has none).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The findings of one environment, with the repository's CRDs known and its
    /// `kforge.yaml` applied (rule levels for `env`, excluded files dropped).
    pub fn validate(&self, env: &str) -> Result<Vec<Finding>> {
        let out = self.build(env)?;
        let mut findings = validate::validate_build(
            &out.resources,
            &out.notices,
            &self.crds,
            &self.config.policy(Some(env)),
        );
        findings.retain(|f| {
            !self
                .config
                .excluded(f.file.strip_prefix(&self.root).unwrap_or(&f.file))
        });
        Ok(findings)
    }
}
