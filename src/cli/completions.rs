//! `kforge completions SHELL`: a completion script generated from the command tree.

use super::io::print;
use super::{command_tree, Outcome, Status};

#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    shell: clap_complete::Shell,
}

pub fn run(args: CompletionsArgs) -> Outcome {
    let mut cmd = command_tree();
    // Generated into memory first: clap_complete panics when its writer fails.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "kforge", &mut script);
    print(&script)?;
    Ok(Status::Clean)
}
