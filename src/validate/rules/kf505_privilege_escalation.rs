//! KF505: a container that does not set `allowPrivilegeEscalation: false`.

use super::{Check, Rule};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF505",
        name: "privilege-escalation",
        severity: Severity::Warning,
        summary: "a container that allows privilege escalation (setuid binaries)",
        doc: include_str!("../../../docs/rules/KF505.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    super::require_security_flag(
        cx,
        out,
        RULE.meta,
        "allowPrivilegeEscalation",
        false,
        "set `securityContext.allowPrivilegeEscalation: false` on the container",
    );
}
