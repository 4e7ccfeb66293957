//! KF107: values holding Flux post-build variables (`${cluster_env}`) that kforge cannot
//! check before Flux substitutes them. The findings other rules made about such values are
//! dropped by [`crate::validate::unknown::apply`], which reports them here once per target;
//! this rule's own check has nothing to look at.

use super::{Check, Rule};
use crate::validate::unknown::RULE_ID;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: RULE_ID,
        name: "unsubstituted-variable",
        severity: Severity::Warning,
        summary: "values holding Flux post-build variables (`${var}`) were not checked",
        doc: include_str!("../../../docs/rules/KF107.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(_: &Context, _: &mut Vec<Finding>) {}
