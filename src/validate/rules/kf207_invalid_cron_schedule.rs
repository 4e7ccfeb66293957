//! KF207: a CronJob schedule the API server rejects (it parses with robfig/cron v3's
//! standard parser): not five cron fields, a macro such as `@daily` or `@every <duration>`;
//! a value out of range (day of week is 0-6); or `TZ` anywhere in it (use `spec.timeZone`).

use kforge_value::Value;

use super::{Check, Rule};
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF207",
        name: "invalid-cron-schedule",
        severity: Severity::Error,
        summary: "a CronJob schedule that is not valid five-field cron",
        doc: include_str!("../../../docs/rules/KF207.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

const MACROS: &[&str] = &[
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];
const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn value(s: &str, lo: u32, hi: u32, names: &[&str]) -> bool {
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
        let _ = i;
        return true;
    }
    s.parse::<u32>().is_ok_and(|v| (lo..=hi).contains(&v))
}

fn field(f: &str, lo: u32, hi: u32, names: &[&str]) -> bool {
    f.split(',').all(|part| {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (part, None),
        };
        if step.is_some_and(|s| s.parse::<u32>().map_or(true, |v| v == 0)) {
            return false;
        }
        match range {
            "*" | "?" => true,
            r => match r.split_once('-') {
                Some((a, b)) => value(a, lo, hi, names) && value(b, lo, hi, names),
                None => value(r, lo, hi, names),
            },
        }
    })
}

/// A Go `time.ParseDuration` string: an optional sign, then one or more decimal numbers
/// each followed by a unit (ns, us, µs, ms, s, m, h); `0` alone is allowed.
fn go_duration(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    if s == "0" {
        return true;
    }
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let num = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let n = &rest[..num];
        if n.is_empty() || n == "." || n.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[num..];
        let unit = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
            .iter()
            .find(|u| rest.starts_with(**u));
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return false,
        }
    }
    true
}

/// Why a schedule is invalid, or `None`.
pub(crate) fn problem(s: &str) -> Option<String> {
    let t = s.trim();
    // The API server refuses the substring anywhere, not only a `TZ=`/`CRON_TZ=` prefix.
    if t.contains("TZ") {
        return Some("contains TZ: a time zone in the schedule is not allowed; set spec.timeZone".into());
    }
    if MACROS.contains(&t) {
        return None;
    }
    if let Some(d) = t.strip_prefix("@every ") {
        return (!go_duration(d.trim()))
            .then(|| format!("`@every {}` is not a Go duration (such as 1h30m)", d.trim()));
    }
    let fields: Vec<&str> = t.split_whitespace().collect();
    if fields.len() != 5 {
        return Some(format!(
            "has {} fields; cron needs five (minute hour day-of-month month day-of-week)",
            fields.len()
        ));
    }
    let specs = [
        ("minute", 0, 59, &[][..]),
        ("hour", 0, 23, &[][..]),
        ("day of month", 1, 31, &[][..]),
        ("month", 1, 12, MONTHS),
        ("day of week", 0, 6, DAYS),
    ];
    for (f, (name, lo, hi, names)) in fields.iter().zip(specs) {
        if !field(f, lo, hi, names) {
            return Some(format!("the {name} field `{f}` is not valid ({lo}-{hi})"));
        }
    }
    None
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let r = o.resource;
        if r.kind() != "CronJob" {
            continue;
        }
        let Some(s) = r.value.pointer("/spec/schedule").and_then(Value::as_str) else {
            continue;
        };
        if let Some(p) = problem(s) {
            out.push(
                cx.finding(RULE.meta, i)
                    .at("/spec/schedule")
                    .message(format!("schedule \"{s}\" {p}"))
                    .help("e.g. \"0 2 * * *\" (02:00 daily) or @daily; quote the schedule".into())
                    .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn schedules() {
        for ok in [
            "0 2 * * *",
            "*/15 * * * *",
            "0 3 * * 0",
            "0 0 1 JAN,JUL *",
            "30 6 * * MON-FRI",
            "@daily",
            "@every 1h30m",
            "@every 90s",
            "0 0 * * sun",
        ] {
            assert!(problem(ok).is_none(), "{ok}");
        }
        for bad in [
            "0 2 * *",
            "61 * * * *",
            "0 24 * * *",
            "TZ=UTC 0 2 * * *",
            "*/0 * * * *",
            "0 2 * * 8",
            "0 2 * * 7",
            "0 2 * * 1 TZ",
            "CRON_TZ=UTC 0 2 * * *",
            "@every 1 hour",
            "@every",
        ] {
            assert!(problem(bad).is_some(), "{bad}");
        }
    }
}
