//! kforge as a drop-in `kustomize` (v5.8.1): `kforge kustomize build|edit|version ...`,
//! or the same commands when kforge runs under the name `kustomize` (a symlink
//! `kustomize -> kforge`, as Argo CD's `kustomize.path` expects). One file per command,
//! the `edit` verbs under `edit/`; the rewriting itself is `kforge::kustomize::edit`.

pub mod build;
pub mod edit;
pub mod version;

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use super::Outcome;

const ABOUT: &str =
    "Manages declarative configuration of Kubernetes (kforge, kustomize v5.8.1 compatible).";

const LONG_ABOUT: &str = "Manages declarative configuration of Kubernetes, as kustomize v5.8.1 \
    does: this is kforge standing in for kustomize. `build` prints the same bytes as kustomize, \
    `edit` rewrites kustomization.yaml as kustomize's edit commands do, `version` prints v5.8.1.\n\n\
    Run kforge under the name `kustomize` (a symlink or copy) or as `kforge kustomize`. Exit \
    codes: 0 success, 2 failure (kustomize exits 1).";

/// The command line when kforge runs as `kustomize`.
#[derive(Parser)]
#[command(name = "kustomize", about = ABOUT, long_about = LONG_ABOUT)]
pub struct KustomizeCli {
    #[command(subcommand)]
    pub command: KustomizeCommand,
}

/// `kforge kustomize ...`.
#[derive(clap::Args)]
#[command(about = ABOUT, long_about = LONG_ABOUT)]
pub struct KustomizeArgs {
    #[command(subcommand)]
    pub command: KustomizeCommand,
}

/// The kustomize commands kforge provides.
#[derive(Subcommand)]
pub enum KustomizeCommand {
    /// Build a kustomization target from a directory (kustomize's flags).
    Build(build::BuildArgs),
    /// Edit the kustomization file of the current directory as kustomize does.
    Edit(edit::EditArgs),
    /// Print the kustomize version kforge matches (v5.8.1).
    Version(version::VersionArgs),
}

/// Run one kustomize command.
pub fn run(command: KustomizeCommand) -> Outcome {
    match command {
        KustomizeCommand::Build(args) => build::run(args),
        KustomizeCommand::Edit(args) => edit::run(args),
        KustomizeCommand::Version(args) => version::run(args),
    }
}

/// Whether the program was started under the name `kustomize` (argv[0]'s file name), also
/// with a version after a `_`, `-` or `.` (`kustomize_5_8_1`, as Argo CD's documentation
/// names the binaries of `kustomize.path.<version>`).
pub fn invoked_as_kustomize(argv0: Option<OsString>) -> bool {
    let name = argv0
        .as_deref()
        .and_then(|a| Path::new(a).file_name())
        .and_then(|n| n.to_str())
        .map(str::to_owned);
    name.as_deref()
        .and_then(|n| n.strip_prefix("kustomize"))
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['_', '-', '.']))
}

/// The whole program when started as `kustomize`.
pub fn main() -> ExitCode {
    super::exit_code(run(KustomizeCli::parse().command))
}

/// A boolean flag value as Go's `strconv.ParseBool` reads it (`--enable-helm=true`).
pub(crate) fn go_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(format!("invalid boolean value '{s}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv0_names() {
        let is = |s: &str| invoked_as_kustomize(Some(s.into()));
        assert!(is("kustomize"));
        assert!(is("/usr/local/bin/kustomize"));
        assert!(is("/custom-tools/kustomize_5_8_1"));
        assert!(is("kustomize.exe"));
        assert!(!is("/usr/local/bin/kforge"));
        assert!(!is("kustomizer"));
        assert!(!invoked_as_kustomize(None));
    }

    #[test]
    fn the_command_trees_are_consistent() {
        <KustomizeCli as clap::CommandFactory>::command().debug_assert();
        // kforge's own tree, which holds this one under `kforge kustomize`.
        <crate::cli::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
