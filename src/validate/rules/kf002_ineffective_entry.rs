//! KF002: a kustomization entry that changes nothing — a `patches` target, an `images`
//! entry, a `labels[].fields` spec or a `replacements` target that selects nothing. The
//! build notices them ([`crate::model::Ineffective`]); this rule reports them at the
//! entry's line.

use super::{Check, Rule};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF002",
        name: "ineffective-kustomization-entry",
        severity: Severity::Warning,
        summary: "a patch target, image, label field spec or replacement target that selects nothing",
        doc: include_str!("../../../docs/rules/KF002.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for n in cx.notices {
        let (line, column) = n.pos.map_or((0, 0), |p| (p.line, p.col));
        out.push(Finding {
            rule: RULE.meta.id,
            severity: RULE.meta.severity,
            message: n.message.clone(),
            help: Some(n.help.clone()),
            object: n.entry.clone(),
            pointer: String::new(),
            file: n.file.clone(),
            line,
            column,
            redacted: false,
            cap: None,
        });
    }
}
