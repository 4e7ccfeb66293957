//! The `kforge` command line: parses flags, runs one subcommand (`cli/`), maps its outcome to
//! the exit code (0 success, 1 findings, 2 tool failure).

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

// Builds and validation allocate many small strings and maps: mimalloc measured 10-25%
// faster than the system allocator on the larger benchmarks (BENCHMARKS.md). The library
// leaves the allocator to its users.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    kforge::parallel::join_pool();
    // Started as `kustomize` (a symlink to kforge): kustomize's command line.
    if cli::kustomize::invoked_as_kustomize(std::env::args_os().next()) {
        return cli::kustomize::main();
    }
    let outcome = match Cli::parse().command {
        Command::Build(args) => cli::build::run(args),
        Command::Validate(args) => cli::validate::run(args),
        Command::Check(args) => cli::check::run(args),
        Command::Render(args) => cli::render::run(args),
        Command::Diff(args) => cli::diff::run(args),
        Command::Graph(args) => cli::graph::run(args),
        Command::Vendor(args) => cli::vendor::run(args),
        Command::Init(args) => cli::init::run(args),
        Command::Completions(args) => cli::completions::run(args),
        Command::Man => cli::man::run(),
        Command::Rules => cli::rules::run(),
        Command::Explain(args) => cli::explain::run(args),
        Command::Kustomize(args) => cli::kustomize::run(args.command),
    };
    cli::exit_code(outcome)
}
