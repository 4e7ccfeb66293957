//! `kforge rules`: one line per validation rule.

use super::io::print;
use super::{Outcome, Status};

pub fn run() -> Outcome {
    let mut out = String::new();
    for r in kforge::validate::rules::RULES {
        out.push_str(&format!(
            "{}  {:<8} {:<26} {}\n",
            r.meta.id,
            r.meta.severity.as_str(),
            r.meta.name,
            r.meta.summary
        ));
    }
    print(out.as_bytes())?;
    Ok(Status::Clean)
}
