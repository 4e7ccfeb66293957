//! KF602: a Flux Kustomization that waits for the health of a rendered environment
//! (`wait: true` or `healthChecks`) with a `timeout` (by default its `interval` less 30 s,
//! at least 30 s, as kustomize-controller's `GetTimeout` computes it) shorter than
//! the longest startup that environment allows by design (KF409's startupProbe budget).
//! Loading a large model then fails every reconciliation that rolls the model server out:
//! Flux reports `Health check failed after <timeout>`, dependents wait, and alerts fire,
//! while the pods are still starting as designed.

use kforge_value::Value;

use super::kf600_gitops_sync_path::RENDERED_BRANCH;
use super::{Check, Rule};
use crate::validate::repo::{flux_source_branch, RepoContext};
use crate::validate::{Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF602",
        name: "gitops-wait-timeout",
        severity: Severity::Warning,
        summary: "a Flux Kustomization waiting on an environment for less time than its model server may take to start",
        doc: include_str!("../../../docs/rules/KF602.md"),
        scope: Scope::Repository,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Repository(check),
};

/// Seconds in a Go duration (`15m`, `1h30m`, `90s`, `1.5h`); `None` when malformed.
fn duration(text: &str) -> Option<f64> {
    crate::text::parse_go_duration(text.trim()).map(|d| d.as_secs_f64())
}

fn check(cx: &RepoContext, out: &mut Vec<Finding>) {
    let objects = &cx.gitops.objects;
    for (i, o) in objects.iter().enumerate() {
        let r = o.resource;
        if r.gvk_ref().group != "kustomize.toolkit.fluxcd.io" || r.kind() != "Kustomization" {
            continue;
        }
        let waits = r.value.pointer("/spec/wait").and_then(Value::as_bool) == Some(true)
            || r.value
                .pointer("/spec/healthChecks")
                .and_then(Value::as_array)
                .is_some_and(|h| !h.is_empty());
        if !waits {
            continue;
        }
        let Some(env) = flux_source_branch(objects, i).and_then(|b| b.strip_prefix(RENDERED_BRANCH))
        else {
            continue;
        };
        let Some(budget) = cx.budgets.iter().find(|b| b.env == env) else {
            continue;
        };
        let (field, written) = match r.value.pointer("/spec/timeout").and_then(Value::as_str) {
            Some(t) => ("/spec/timeout", t),
            None => match r.value.pointer("/spec/interval").and_then(Value::as_str) {
                Some(t) => ("/spec/interval", t),
                None => continue,
            },
        };
        let Some(mut timeout) = duration(written) else {
            continue;
        };
        if field == "/spec/interval" {
            timeout -= 30.0;
        }
        let timeout = timeout.max(30.0);
        if timeout >= budget.seconds as f64 {
            continue;
        }
        let via = if field == "/spec/interval" {
            " (no timeout: Flux waits the interval less 30 s)"
        } else {
            ""
        };
        out.push(
            cx.gitops
                .finding(RULE.meta, i)
                .at(field)
                .message(format!(
                    "Flux Kustomization {} waits {written}{via} for environment {env}, whose {} may take {} s to start: a rollout that loads the model as designed is reported failed",
                    r.name(),
                    budget.what,
                    budget.seconds
                ))
                .help(format!(
                    "set spec.timeout to at least {}m (the startup budget plus time to pull images)",
                    budget.seconds.div_ceil(60) + 5
                ))
                .build(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn go_durations() {
        assert_eq!(duration("15m"), Some(900.0));
        assert_eq!(duration("1h30m"), Some(5400.0));
        assert_eq!(duration("90s"), Some(90.0));
        assert_eq!(duration("1.5h"), Some(5400.0));
        assert_eq!(duration("5x"), None);
        assert_eq!(duration(""), None);
    }
}
