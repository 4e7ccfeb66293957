//! `kustomize edit remove resource`.

use clap::Subcommand;

use kforge::kustomize::edit::Edit;

#[derive(clap::Args)]
pub struct RemoveArgs {
    #[command(subcommand)]
    command: RemoveCommand,
}

#[derive(Subcommand)]
enum RemoveCommand {
    /// Remove resources matching paths or glob patterns (`resources/*.yaml`).
    Resource(Patterns),
}

#[derive(clap::Args)]
struct Patterns {
    #[arg(value_name = "PATTERN")]
    patterns: Vec<String>,
}

pub fn edit(args: RemoveArgs) -> kforge::Result<Edit> {
    match args.command {
        RemoveCommand::Resource(p) => Edit::remove_resources(&p.patterns),
    }
}
