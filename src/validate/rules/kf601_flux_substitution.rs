//! KF601: Flux's post-build substitution of a Kustomization fails (`kforge check --flux`):
//! a `${var}` with no value and no default (Flux's strict substitution, the default since
//! Flux 2.9), a `${...}` the substitution cannot read, a variable name Flux refuses, a
//! `substituteFrom` ConfigMap or Secret the repository does not hold, or objects that are no
//! longer YAML once substituted. `crate::flux` finds them ([`crate::validate::StageProblem`]);
//! this rule reports them, at the `${` when it is in an object.

use super::{Check, Rule};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF601",
        name: "flux-substitution-fails",
        severity: Severity::Error,
        summary: "Flux's post-build substitution fails: an undefined `${var}`, a malformed `${...}`, a missing substituteFrom",
        doc: include_str!("../../../docs/rules/KF601.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for p in cx.problems.iter().filter(|p| p.rule == RULE.meta.id) {
        let mut f = match &p.object {
            Some((i, pointer)) => cx
                .finding(RULE.meta, *i)
                .at(pointer)
                .message(p.message.clone())
                .help(p.help.clone())
                .build(),
            None => Finding {
                rule: RULE.meta.id,
                severity: RULE.meta.severity,
                message: p.message.clone(),
                help: Some(p.help.clone()),
                object: p.subject.clone(),
                pointer: String::new(),
                file: Default::default(),
                line: 0,
                column: 0,
                redacted: false,
                cap: None,
            },
        };
        if let Some(at) = &p.at {
            f.file = at.file.clone();
            f.line = at.line;
            f.column = at.col;
        }
        f.cap = p.cap;
        out.push(f);
    }
}
