//! `kustomize edit set|add|remove ...`: one file per verb; each turns its arguments into a
//! `kforge::kustomize::edit::Edit` (kustomize's argument checks) that is applied to the
//! kustomization file of the current directory.

pub mod add;
pub mod remove;
pub mod set;

use std::path::Path;

use clap::Subcommand;

use crate::cli::{Outcome, Status};

#[derive(clap::Args)]
pub struct EditArgs {
    #[command(subcommand)]
    command: EditCommand,
}

#[derive(Subcommand)]
enum EditCommand {
    /// Set the value of a field in the kustomization file.
    Set(set::SetArgs),
    /// Add an item to the kustomization file.
    Add(add::AddArgs),
    /// Remove items from the kustomization file.
    Remove(remove::RemoveArgs),
}

pub fn run(args: EditArgs) -> Outcome {
    let edit = match args.command {
        EditCommand::Set(a) => set::edit(a)?,
        EditCommand::Add(a) => add::edit(a)?,
        EditCommand::Remove(a) => remove::edit(a)?,
    };
    let report =
        kforge::kustomize::edit::run(Path::new("."), &edit, &kforge::source::Limits::default())?;
    for note in &report.notes {
        eprintln!("{note}");
    }
    Ok(Status::Clean)
}
