//! The `kforge` command line: parses flags, calls the library, maps results to exit codes
//! (0 success, 1 findings, 2 tool failure).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "kforge",
    version = concat!(env!("CARGO_PKG_VERSION"), " (kustomize v5.8.1 compatible, Kubernetes 1.37)"),
    about = "Assemble Kubernetes GitOps overlays, byte-identical to kubectl kustomize.",
    long_about = "Assemble Kubernetes GitOps overlays from kustomization.yaml files.\n\n\
        `kforge build DIR` prints the same bytes as `kubectl kustomize DIR` (kustomize v5.8.1) for \
        the supported subset of kustomize; unsupported fields are refused with a message, never \
        ignored.\n\nExit codes: 0 success, 1 findings, 2 tool failure (bad input)."
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
}

#[derive(Clone, Copy, ValueEnum)]
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            dir,
            load_restrictor,
            output,
            enable_helm,
            helm_command,
        } => {
            let options = kforge::BuildOptions {
                load_restrictor: match load_restrictor {
                    Restrictor::RootOnly => kforge::LoadRestrictor::RootOnly,
                    Restrictor::None => kforge::LoadRestrictor::None,
                },
                helm: enable_helm.then(|| kforge::HelmConfig::new(helm_command)),
                ..Default::default()
            };
            match kforge::build_dir(&dir, &options) {
                Ok(out) => {
                    for w in &out.warnings {
                        eprintln!("{w}");
                    }
                    let text = kforge::render(&out.resources);
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
