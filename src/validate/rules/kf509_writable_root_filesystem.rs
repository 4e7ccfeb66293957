//! KF509: a container whose root filesystem is writable.

use super::{Check, Rule};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF509",
        name: "writable-root-filesystem",
        severity: Severity::Warning,
        summary: "a container without readOnlyRootFilesystem: true",
        doc: include_str!("../../../docs/rules/KF509.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    super::require_security_flag(
        cx,
        out,
        RULE.meta,
        "readOnlyRootFilesystem",
        true,
        "set `securityContext.readOnlyRootFilesystem: true` and mount an emptyDir where the process writes (e.g. /tmp)",
    );
}
