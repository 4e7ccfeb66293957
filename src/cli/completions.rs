//! `kforge completions SHELL`: a completion script generated from the command tree.

use super::{command_tree, Outcome, Status};

#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    shell: clap_complete::Shell,
}

pub fn run(args: CompletionsArgs) -> Outcome {
    let mut cmd = command_tree();
    clap_complete::generate(args.shell, &mut cmd, "kforge", &mut std::io::stdout());
    Ok(Status::Clean)
}
