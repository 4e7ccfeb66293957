//! KF225: Job and CronJob specs the API server rejects (`validateJobSpec`,
//! `ValidateCronJobSpec`, `validateTimeZone`): a negative count or duration, a selector
//! without `manualSelector: true` (a CronJob may not set one at all), an unknown
//! completionMode, an Indexed Job without completions, per-index backoff options on a
//! NonIndexed Job, maxFailedIndexes without backoffLimitPerIndex, a podFailurePolicy with a
//! restartPolicy other than Never, podFailurePolicy rules and podReplacementPolicy values the
//! API refuses, an Indexed Job whose pod hostnames are not DNS labels, an unknown
//! concurrencyPolicy, and a timeZone that is
//! empty, `Local` or not shaped like a tz database name.

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::api::{dns_label, int_of, items, objects, ptr, str_of, Report};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF225",
        name: "invalid-job",
        severity: Severity::Error,
        summary: "a Job or CronJob spec field or combination the API server rejects",
        doc: include_str!("../../../docs/rules/KF225.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

const NON_NEGATIVE: &[&str] = &[
    "parallelism",
    "completions",
    "backoffLimit",
    "activeDeadlineSeconds",
    "ttlSecondsAfterFinished",
    "backoffLimitPerIndex",
    "maxFailedIndexes",
];

/// The checks of a Job spec at `at` (a Job's `spec` or a CronJob's `jobTemplate.spec`).
fn job_spec(rep: &mut Report, i: usize, at: &str, spec: &Value, in_cronjob: bool) {
    for f in NON_NEGATIVE {
        if let Some(n) = int_of(spec, f).filter(|n| *n < 0) {
            rep.at(i, &ptr(at, [*f]), format!("{f} {n} must be greater than or equal to 0"), "use 0 or a positive number");
        }
    }
    let manual = spec.get("manualSelector").and_then(Value::as_bool) == Some(true);
    if in_cronjob && manual {
        rep.at(i, &ptr(at, ["manualSelector"]), "manualSelector may not be true in a CronJob's jobTemplate".into(), "remove it; the Job controller generates the selector");
    }
    if spec.get("selector").is_some_and(|s| !s.is_null()) && (in_cronjob || !manual) {
        let why = if in_cronjob { "`selector` will be auto-generated" } else { "`selector` not auto-generated" };
        rep.key(i, &ptr(at, ["selector"]), format!("a Job selector set by hand is rejected ({why})"), "remove the selector (the controller makes one from the Job's uid), or set manualSelector: true in a plain Job");
    }
    let mode = str_of(spec, "completionMode").unwrap_or("NonIndexed");
    if mode != "NonIndexed" && mode != "Indexed" {
        rep.at(i, &ptr(at, ["completionMode"]), format!("completionMode `{mode}` is not supported"), "use NonIndexed or Indexed");
    }
    if mode == "Indexed" {
        if spec.get("completions").is_none_or(Value::is_null) {
            rep.key(i, &ptr(at, ["completionMode"]), "an Indexed Job needs spec.completions (Required value)".into(), "set completions to the number of indexes");
        }
    } else {
        for f in ["backoffLimitPerIndex", "maxFailedIndexes", "successPolicy"] {
            if spec.get(f).is_some_and(|v| !v.is_null()) {
                rep.key(i, &ptr(at, [f]), format!("{f} requires completionMode: Indexed"), "set completionMode: Indexed, or remove it");
            }
        }
    }
    if spec.get("maxFailedIndexes").is_some_and(|v| !v.is_null()) && spec.get("backoffLimitPerIndex").is_none_or(Value::is_null) {
        rep.key(i, &ptr(at, ["maxFailedIndexes"]), "maxFailedIndexes requires backoffLimitPerIndex".into(), "set backoffLimitPerIndex, or remove maxFailedIndexes");
    }
    if let (Some(m), Some(c)) = (int_of(spec, "maxFailedIndexes"), int_of(spec, "completions")) {
        if m > c {
            rep.at(i, &ptr(at, ["maxFailedIndexes"]), format!("maxFailedIndexes {m} must be less than or equal to completions {c}"), "lower maxFailedIndexes or raise completions");
        }
    }
    let failure_policy = spec.get("podFailurePolicy").filter(|v| !v.is_null());
    if let Some(r) = str_of(spec, "podReplacementPolicy") {
        if r != "Failed" && r != "TerminatingOrFailed" {
            rep.at(i, &ptr(at, ["podReplacementPolicy"]), format!("podReplacementPolicy `{r}` is not supported"), "use Failed or TerminatingOrFailed");
        } else if r != "Failed" && failure_policy.is_some() {
            rep.at(i, &ptr(at, ["podReplacementPolicy"]), "podReplacementPolicy must be Failed when podFailurePolicy is specified".into(), "set podReplacementPolicy: Failed, or drop it");
        }
    }
    for (j, r) in failure_policy.map(|p| items(p, "rules")).into_iter().flatten() {
        let rp = ptr(at, ["podFailurePolicy", "rules", &j.to_string()]);
        let action = str_of(r, "action").unwrap_or("");
        if !["FailJob", "Ignore", "Count", "FailIndex"].contains(&action) {
            rep.at(i, &ptr(&rp, ["action"]), format!("podFailurePolicy action `{action}` is not supported"), "use FailJob, FailIndex, Ignore or Count");
        } else if action == "FailIndex" && spec.get("backoffLimitPerIndex").is_none_or(Value::is_null) {
            rep.at(i, &ptr(&rp, ["action"]), "action FailIndex requires backoffLimitPerIndex".into(), "set backoffLimitPerIndex on an Indexed Job");
        }
        let codes = r.get("onExitCodes").is_some_and(|v| !v.is_null());
        let conditions = r.get("onPodConditions").is_some_and(|v| !v.is_null());
        if codes == conditions {
            rep.key(i, &rp, "a podFailurePolicy rule needs exactly one of onExitCodes and onPodConditions".into(), "split the rule in two: one on exit codes, one on pod conditions");
        }
        if let Some(op) = r.get("onExitCodes").and_then(|c| str_of(c, "operator")) {
            if op != "In" && op != "NotIn" {
                rep.at(i, &ptr(&rp, ["onExitCodes", "operator"]), format!("onExitCodes operator `{op}` is not supported"), "use In or NotIn");
            }
        }
        for (k, c) in r.get("onPodConditions").map(crate::validate::api::items_of).into_iter().flatten() {
            if let Some(s) = str_of(c, "status") {
                if !["True", "False", "Unknown"].contains(&s) {
                    rep.at(i, &ptr(&rp, ["onPodConditions", &k.to_string(), "status"]), format!("condition status `{s}` is not supported"), "use True, False or Unknown");
                }
            }
        }
    }
    if failure_policy.is_some() {
        let policy = spec.pointer("/template/spec/restartPolicy").and_then(Value::as_str);
        if policy.is_some_and(|p| p != "Never") {
            rep.at(i, &ptr(at, ["template", "spec", "restartPolicy"]), "only `Never` is supported when podFailurePolicy is specified".into(), "set restartPolicy: Never");
        }
    }
}

/// Why a CronJob timeZone is invalid: empty, `Local`, or a part that is not a tz database
/// name element (letters, digits, `.-_+`, at most 14, not `.`/`..`, not starting with `-`).
fn time_zone_problem(tz: &str) -> Option<&'static str> {
    if tz.is_empty() {
        return Some("timeZone must be nil or non-empty string");
    }
    if tz.eq_ignore_ascii_case("Local") {
        return Some("timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones");
    }
    let part_ok = |p: &str| {
        (1..=14).contains(&p.len())
            && p.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-+".contains(&b))
            && p != "."
            && p != ".."
            && !p.starts_with('-')
    };
    (!tz.split('/').all(part_ok)).then_some("is not a time zone name of the tz database (such as Europe/Berlin or Etc/UTC)")
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut rep = Report::new(cx, RULE.meta, out);
    for (i, v) in objects(cx, "batch", "Job") {
        let Some(spec) = v.get("spec") else { continue };
        job_spec(&mut rep, i, "/spec", spec, false);
        // An Indexed Job's pods are named `<job>-<index>-<suffix>`, their hostname
        // `<job>-<index>`: the last one must be a DNS label.
        if str_of(spec, "completionMode") == Some("Indexed") {
            let name = v.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
            if let Some(c) = int_of(spec, "completions").filter(|c| *c > 0) {
                let host = format!("{name}-{}", c - 1);
                if !name.is_empty() && !dns_label(&host) {
                    rep.at(i, "/metadata/name", format!("will not able to create pod with invalid DNS label: {host}"), "shorten the Job name (at most 63 characters with the index)");
                }
            }
        }
    }
    for (i, v) in objects(cx, "batch", "CronJob") {
        let Some(spec) = v.get("spec") else { continue };
        if let Some(js) = spec.pointer("/jobTemplate/spec") {
            job_spec(&mut rep, i, "/spec/jobTemplate/spec", js, true);
        }
        for f in ["startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"] {
            if let Some(n) = int_of(spec, f).filter(|n| *n < 0) {
                rep.at(i, &format!("/spec/{f}"), format!("{f} {n} must be greater than or equal to 0"), "use 0 or a positive number");
            }
        }
        if let Some(p) = str_of(spec, "concurrencyPolicy") {
            if !["Allow", "Forbid", "Replace"].contains(&p) {
                rep.at(i, "/spec/concurrencyPolicy", format!("concurrencyPolicy `{p}` is not supported"), "use Allow, Forbid or Replace");
            }
        }
        if let Some(tz) = str_of(spec, "timeZone") {
            if let Some(why) = time_zone_problem(tz) {
                rep.at(i, "/spec/timeZone", format!("timeZone `{tz}`: {why}"), "name a zone of the tz database, e.g. Etc/UTC or America/New_York");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn time_zones() {
        for ok in ["Etc/UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "UTC"] {
            assert!(super::time_zone_problem(ok).is_none(), "{ok}");
        }
        for bad in ["", "local", "Europe/Berlin ", "../etc", "America/North_Dakota_Extra_Long"] {
            assert!(super::time_zone_problem(bad).is_some(), "{bad}");
        }
    }
}
