//! `kforge explain ID`: one rule's documentation.

use super::io::print;
use super::{Failure, Outcome, Status};

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// Rule id, e.g. KF100.
    id: String,
}

pub fn run(args: ExplainArgs) -> Outcome {
    let rule = kforge::validate::rules::find(&args.id).ok_or_else(|| {
        Failure::Message(format!("no rule '{}'; `kforge rules` lists them", args.id))
    })?;
    print(rule.meta.doc.as_bytes())?;
    Ok(Status::Clean)
}
