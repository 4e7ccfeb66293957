//! The `kforge` command line: the clap definitions of the command tree, one file per
//! subcommand (its flags and a `run` function returning an [`Outcome`]), and the one place
//! where outcomes become exit codes (0 success, 1 findings, 2 tool failure).
//!
//! A group of subcommands (say `kforge kustomize edit ...`) gets a directory of its own,
//! `cli/<group>/mod.rs` holding its `#[derive(Subcommand)]` enum, beside [`Command`].

pub mod argocd;
pub mod build;
pub mod check;
pub mod completions;
pub mod diff;
pub mod explain;
pub mod graph;
pub mod init;
pub mod io;
pub mod kustomize;
pub mod man;
pub mod render;
pub mod rules;
pub mod validate;
pub mod validation;
pub mod vendor;

mod outcome;

pub use outcome::{exit_code, Failure, Outcome, Status};

use clap::{Parser, Subcommand};

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
        the source line to edit.\n\nRemote resources (Git URLs such as \
        `https://github.com/org/repo//dir?ref=v1.2.3`, `git@host:org/repo`, `file://`, and plain \
        HTTP(S) files) are fetched as kustomize fetches them; Git checkouts are cached in \
        $KFORGE_CACHE_DIR, else $XDG_CACHE_HOME/kforge, else ~/.cache/kforge. `kforge vendor` \
        copies them into the repository with a lock file; `--require-pinned-remotes` refuses \
        refs that are not tags or commits.\n\nExit codes: 0 success, 1 findings, 2 tool failure (bad input)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands; each variant's flags live in that subcommand's file.
#[derive(Subcommand)]
pub enum Command {
    /// Build a kustomization directory and print the objects as YAML.
    Build(build::BuildArgs),
    /// Validate overlays (directories with a kustomization) or plain manifest files/directories.
    Validate(validate::ValidateArgs),
    /// Build and validate every overlay of the repository (ROOT/overlays/*), with the rule
    /// levels, CRD directories and excludes of ROOT/kforge.yaml (with --flux: every Flux
    /// Kustomization under ROOT, built and substituted as kustomize-controller applies it).
    Check(check::CheckArgs),
    /// Render every overlay to plain YAML for Argo CD / Flux (OUT/<env>/ml-serving/), atomically.
    Render(render::RenderArgs),
    /// Show what a change does to every environment, object by object (Secret values redacted).
    Diff(diff::DiffArgs),
    /// Draw an environment's architecture: objects grouped by namespace and workload, the
    /// references between them, what dangles (Mermaid, DOT, SVG, draw.io, JSON).
    Graph(graph::GraphArgs),
    /// Copy every remote (Git or HTTP) base into the repository (vendor/kforge/) and write
    /// kforge.lock (URL, ref, commit, sha256), so builds run offline with the same output.
    Vendor(vendor::VendorArgs),
    /// Create a new repository from the template built into kforge.
    Init(init::InitArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff) generated from these flags.
    Man,
    /// List the validation rules.
    Rules,
    /// Print the documentation of one rule.
    Explain(explain::ExplainArgs),
    /// Run as kustomize v5.8.1 (build, edit, version); also when kforge is started as `kustomize`.
    Kustomize(kustomize::KustomizeArgs),
}

/// The whole command tree, for generators (completions, man page).
fn command_tree() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
