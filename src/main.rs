//! The `kforge` command line: parses flags, calls the library, maps results to exit codes
//! (0 success, 1 findings, 2 tool failure).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

// Builds and validation allocate many small strings and maps: mimalloc measured 10-25%
// faster than the system allocator on the larger benchmarks (BENCHMARKS.md). The library
// leaves the allocator to its users.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "kforge",
    version = concat!(env!("CARGO_PKG_VERSION"), " (kustomize v5.8.1 compatible, Kubernetes 1.37)"),
    about = "Assemble Kubernetes GitOps overlays, byte-identical to kubectl kustomize.",
    long_about = "Assemble Kubernetes GitOps overlays from kustomization.yaml files.\n\n\
        `kforge build DIR` prints the same bytes as `kubectl kustomize DIR` (kustomize v5.8.1) for \
        the supported subset of kustomize; unsupported fields are refused with a message, never \
        ignored.\n\n`kforge validate PATH` and `kforge check` validate objects against the Kubernetes 1.37 \
        types and kforge's rules (`kforge rules`, `kforge explain ID`), pointing every finding at \
        the source line to edit.\n\nExit codes: 0 success, 1 findings, 2 tool failure (bad input)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build a kustomization directory and print the objects as YAML.
    Build {
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
    },
    /// Validate overlays (directories with a kustomization) or plain manifest files/directories.
    Validate {
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
        common: CheckArgs,
    },
    /// Build and validate every overlay of the repository (ROOT/overlays/*), with the rule
    /// levels, CRD directories and excludes of ROOT/kforge.yaml.
    Check {
        /// The repository root.
        #[arg(default_value = ".")]
        root: PathBuf,
        #[command(flatten)]
        common: CheckArgs,
    },
    /// Render every overlay to plain YAML for Argo CD / Flux (OUT/<env>/ml-serving/), atomically.
    Render {
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
        #[command(flatten)]
        common: CheckArgs,
    },
    /// Show what a change does to every environment, object by object (Secret values redacted).
    Diff {
        /// The old side: a Git ref of ROOT's repository (e.g. origin/main) or a directory.
        #[arg(long)]
        base: String,
        /// The new side: a repository directory.
        #[arg(default_value = ".")]
        root: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: DiffFormat,
        /// Largest Markdown output, in characters (a GitHub comment holds 65,536).
        #[arg(long, default_value_t = 65000)]
        limit: usize,
    },
    /// Create a new repository from the template built into kforge.
    Init {
        /// Directory to create (must be new or empty).
        dir: PathBuf,
        /// Application name; also the namespace (replaces `ml-serving`).
        #[arg(long, default_value = "ml-serving")]
        name: String,
        /// Cloud GPU node convention.
        #[arg(long, value_enum, default_value = "aws")]
        cloud: CloudArg,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) generated from these flags.
    Man,
    /// List the validation rules.
    Rules,
    /// Print the documentation of one rule.
    Explain {
        /// Rule id, e.g. KF100.
        id: String,
    },
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: FormatArg,
    /// Exit 1 when a finding of this severity or higher is reported.
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// Which files a kustomization may read.
    #[arg(long, value_enum, default_value = "LoadRestrictionsRootOnly")]
    load_restrictor: Restrictor,
    /// Render `helmCharts` by running `helm template`.
    #[arg(long)]
    enable_helm: bool,
    /// The helm executable to run for `helmCharts`.
    #[arg(long, default_value = "helm", requires = "enable_helm")]
    helm_command: PathBuf,
    /// CustomResourceDefinitions installed by others (`kforge check` also reads the
    /// `crdDirs` of kforge.yaml, by default ROOT/ci/schemas/crds when it exists).
    #[arg(long)]
    crd_dir: Vec<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
}

#[derive(Clone, Copy, ValueEnum)]
enum CloudArg {
    /// EKS with Karpenter NodePools.
    Aws,
    /// GKE accelerator node pools.
    Gke,
    /// AKS GPU node pools.
    Aks,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    Text,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(Clone, Copy, ValueEnum)]
#[allow(clippy::enum_variant_names)]
enum Restrictor {
    #[value(name = "LoadRestrictionsRootOnly")]
    RootOnly,
    #[value(name = "LoadRestrictionsNone")]
    None,
}

fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.kforge-tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn build_options(
    restrictor: Restrictor,
    enable_helm: bool,
    helm_command: PathBuf,
) -> kforge::BuildOptions {
    kforge::BuildOptions {
        load_restrictor: match restrictor {
            Restrictor::RootOnly => kforge::LoadRestrictor::RootOnly,
            Restrictor::None => kforge::LoadRestrictor::None,
        },
        helm: enable_helm.then(|| kforge::HelmConfig::new(helm_command)),
        ..Default::default()
    }
}

/// What to validate: plain paths (with an optional configuration file and environment)
/// or a repository root.
enum Job {
    Paths {
        paths: Vec<PathBuf>,
        config: Option<PathBuf>,
        env: Option<String>,
        whole: bool,
    },
    Repo(PathBuf),
}

fn targets(job: Job, args: &CheckArgs) -> kforge::Result<Vec<kforge::report::Target>> {
    let options = build_options(
        args.load_restrictor,
        args.enable_helm,
        args.helm_command.clone(),
    );
    let mut crds = Vec::new();
    for dir in &args.crd_dir {
        crds.extend(kforge::load_crds(dir, &options)?);
    }
    match job {
        Job::Repo(root) => kforge::check_repo(&root, &options, &crds),
        Job::Paths {
            paths,
            config,
            env,
            whole,
        } => {
            let config = match config {
                Some(file) => {
                    let text = std::fs::read_to_string(&file)
                        .map_err(|e| kforge::Error::at(&file, None, format!("cannot read: {e}")))?;
                    kforge::Config::parse(&file, &text)?
                }
                None => kforge::Config::default(),
            };
            let mut policy = config.policy(env.as_deref());
            policy.whole_environment = whole.then_some(true);
            let jobs: Vec<_> = paths.into_iter().map(|p| (p, policy.clone())).collect();
            kforge::validate_jobs(&jobs, &options, &crds)
        }
    }
}

/// Validate, print the report, and pick the exit code.
fn run_checks(job: Job, args: CheckArgs) -> ExitCode {
    let targets = match targets(job, &args) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let format = match args.format {
        FormatArg::Human => kforge::report::Format::Human,
        FormatArg::Json => kforge::report::Format::Json,
        FormatArg::Sarif => kforge::report::Format::Sarif,
        FormatArg::Junit => kforge::report::Format::Junit,
        FormatArg::Github => kforge::report::Format::Github,
    };
    let color = matches!(args.format, FormatArg::Human)
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::env::var_os("NO_COLOR").is_none();
    let text = kforge::report::render(format, &targets, color);
    if let Err(e) = std::io::stdout().lock().write_all(text.as_bytes()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write output: {e}");
            return ExitCode::from(2);
        }
    }
    let threshold = match args.fail_on {
        FailOn::Error => kforge::Severity::Error,
        FailOn::Warning => kforge::Severity::Warning,
        FailOn::Info => kforge::Severity::Info,
    };
    let failed = targets
        .iter()
        .flat_map(|t| &t.findings)
        .any(|f| f.severity >= threshold);
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate {
            paths,
            config,
            env,
            whole,
            common,
        } => run_checks(
            Job::Paths {
                paths,
                config,
                env,
                whole,
            },
            common,
        ),
        Command::Check { root, common } => run_checks(Job::Repo(root), common),
        Command::Render {
            root,
            out,
            check,
            per_object,
            source_commit,
            common,
        } => {
            let options = build_options(
                common.load_restrictor,
                common.enable_helm,
                common.helm_command,
            );
            let crds = match kforge::Config::load(&root)
                .and_then(|config| kforge::repo_crds(&root, &config, &options))
            {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let opts = kforge::render::RenderOptions {
                per_object,
                source_commit,
                app_dir: None,
            };
            let rendered = match kforge::render::render_repo(&root, &options, &crds, &opts) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            if !rendered.errors.is_empty() {
                let t = kforge::report::Target {
                    name: root.display().to_string(),
                    objects: 0,
                    findings: rendered.errors,
                };
                eprint!(
                    "{}",
                    kforge::report::render(kforge::report::Format::Human, &[t], false)
                );
                eprintln!("error: validation failed; {} left untouched", out.display());
                return ExitCode::from(1);
            }
            if check {
                let differ = kforge::render::check_tree(&out, &rendered.files);
                if differ.is_empty() {
                    println!("render: {} is up to date", out.display());
                    return ExitCode::SUCCESS;
                }
                for p in &differ {
                    eprintln!("out of date: {}", out.join(p).display());
                }
                eprintln!(
                    "error: {} is out of date; run `kforge render --out {}`",
                    out.display(),
                    out.display()
                );
                return ExitCode::from(1);
            }
            match kforge::render::write_tree(&out, &rendered.files) {
                Ok(()) => {
                    println!(
                        "render: wrote {} files to {}",
                        rendered.files.len(),
                        out.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Diff {
            base,
            root,
            format,
            limit,
        } => {
            let options = kforge::BuildOptions::default();
            let mut tmp = None;
            let base_dir = if std::path::Path::new(&base).is_dir() {
                PathBuf::from(&base)
            } else {
                let dir = std::env::temp_dir().join(format!("kforge-diff-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&dir);
                if let Err(e) = kforge::diff::export_ref(&root, &base, &dir) {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
                tmp = Some(dir.clone());
                dir
            };
            let result = kforge::diff::diff_trees(&base_dir, &root, &options);
            if let Some(t) = tmp {
                let _ = std::fs::remove_dir_all(t);
            }
            match result {
                Ok(diffs) => {
                    let text = match format {
                        DiffFormat::Text => kforge::diff::to_text(&diffs),
                        DiffFormat::Markdown => kforge::diff::to_markdown(&diffs, limit),
                    };
                    let _ = std::io::stdout().lock().write_all(text.as_bytes());
                    if diffs.iter().any(|d| !d.changes.is_empty()) {
                        ExitCode::from(1)
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Init { dir, name, cloud } => {
            let opts = kforge::init::InitOptions {
                name,
                cloud: match cloud {
                    CloudArg::Aws => kforge::init::Cloud::Aws,
                    CloudArg::Gke => kforge::init::Cloud::Gke,
                    CloudArg::Aks => kforge::init::Cloud::Aks,
                },
            };
            match kforge::init::init(&dir, &opts) {
                Ok(n) => {
                    println!(
                        "init: wrote {n} files to {}; next: kforge check {}",
                        dir.display(),
                        dir.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "kforge", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            if let Err(e) = clap_mangen::Man::new(cmd).render(&mut out) {
                eprintln!("error: cannot render the man page: {e}");
                return ExitCode::from(2);
            }
            let _ = std::io::stdout().lock().write_all(&out);
            ExitCode::SUCCESS
        }
        Command::Rules => {
            let mut out = String::new();
            for r in kforge::validate::rules::RULES {
                out.push_str(&format!(
                    "{}  {:<8} {:<26} {}\n",
                    r.meta.id,
                    r.meta.severity.as_str(),
                    r.meta.name,
                    r.meta.summary
                ));
            }
            let _ = std::io::stdout().lock().write_all(out.as_bytes());
            ExitCode::SUCCESS
        }
        Command::Explain { id } => match kforge::validate::rules::find(&id) {
            Some(r) => {
                let _ = std::io::stdout().lock().write_all(r.meta.doc.as_bytes());
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: no rule '{id}'; `kforge rules` lists them");
                ExitCode::from(2)
            }
        },
        Command::Build {
            dir,
            load_restrictor,
            output,
            enable_helm,
            helm_command,
        } => {
            let options = build_options(load_restrictor, enable_helm, helm_command);
            match kforge::build_dir(&dir, &options) {
                Ok(out) => {
                    for w in &out.warnings {
                        eprintln!("{w}");
                    }
                    let text = kforge::render(&out.resources);
                    // The process ends here: freeing every object one by one would cost
                    // more than a tenth of a large build.
                    std::mem::forget(out);
                    let written = match &output {
                        Some(path) => write_atomically(path, text.as_bytes()),
                        None => std::io::stdout().lock().write_all(text.as_bytes()),
                    };
                    match written {
                        Ok(()) => ExitCode::SUCCESS,
                        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                        Err(e) => {
                            eprintln!("error: cannot write output: {e}");
                            ExitCode::from(2)
                        }
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
