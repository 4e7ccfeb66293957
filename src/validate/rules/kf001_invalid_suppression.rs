//! KF001: a `kforge.dev/ignore-<ID>` annotation without a reason or naming no rule. (A
//! suppression that silences nothing is reported under this id too, by
//! [`crate::validate::suppress::apply`] once every other rule has run.)

use super::{Check, Rule};
use crate::validate::sourcemap::Anchor;
use crate::validate::suppress::{suppressions, PREFIX, RULE_ID};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: RULE_ID,
        name: "invalid-suppression",
        severity: Severity::Error,
        summary: "a kforge.dev/ignore-<ID> annotation without a reason, for no rule, or unused",
        doc: include_str!("../../../docs/rules/KF001.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for s in suppressions(cx) {
        let (anchor, message, help) = if s.id == RULE_ID {
            (
                Anchor::Key,
                format!("`{}`: KF001 cannot be suppressed", s.key),
                "fix the suppression annotations instead".to_owned(),
            )
        } else if s.rule().is_none() {
            let hint = super::find(s.id)
                .map(|r| format!("rule ids are upper case: `{PREFIX}{}`", r.meta.id))
                .unwrap_or_else(|| "`kforge rules` lists the rule ids".to_owned());
            (Anchor::Key, format!("`{}` names no rule", s.key), hint)
        } else if s.reason.is_none_or(|r| r.trim().is_empty()) {
            (
                Anchor::Value,
                format!("`{}` has no reason", s.key),
                "say why the finding does not apply, e.g. `kforge.dev/ignore-KF507: \"the device plugin serves the kubelet socket\"`".to_owned(),
            )
        } else {
            continue;
        };
        out.push(
            cx.finding(RULE.meta, s.object)
                .at(&s.pointer())
                .anchor(anchor)
                .message(message)
                .help(help)
                .build(),
        );
    }
}
