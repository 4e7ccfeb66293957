//! `kforge man`: the man page (roff) generated from the command tree.

use super::io::print;
use super::{command_tree, Failure, Outcome, Status};

pub fn run() -> Outcome {
    let mut out = Vec::new();
    clap_mangen::Man::new(command_tree())
        .render(&mut out)
        .map_err(|e| Failure::Message(format!("cannot render the man page: {e}")))?;
    print(&out)?;
    Ok(Status::Clean)
}
