//! KF110: an apiVersion that Kubernetes no longer serves for this kind, with the version
//! that removed it and the replacement (data: `validate/tables/api_lifecycle.txt`).

use super::{type_meta, Check, Rule};
use crate::validate::{schema, Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF110",
        name: "removed-api",
        severity: Severity::Error,
        summary: "an apiVersion that Kubernetes has removed",
        doc: include_str!("../../../docs/rules/KF110.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

/// One row of the lifecycle table.
pub(crate) struct Lifecycle {
    pub status: &'static str,
    pub api: &'static str,
    pub kind: &'static str,
    pub version: &'static str,
    pub replacement: &'static str,
}

fn table() -> &'static [Lifecycle] {
    static ROWS: std::sync::OnceLock<Vec<Lifecycle>> = std::sync::OnceLock::new();
    ROWS.get_or_init(|| {
        include_str!("../tables/api_lifecycle.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .filter_map(|l| {
                let p: Vec<&'static str> = l.split('\t').collect();
                (p.len() == 5).then(|| Lifecycle {
                    status: p[0],
                    api: p[1],
                    kind: p[2],
                    version: p[3],
                    replacement: p[4],
                })
            })
            .collect()
    })
}

pub(crate) fn lifecycle(api: &str, kind: &str, status: &str) -> Option<&'static Lifecycle> {
    table()
        .iter()
        .find(|row| row.status == status && row.api == api && (row.kind == "*" || row.kind == kind))
}

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let Some((api, kind)) = type_meta(o.resource) else {
            continue;
        };
        if schema::root(api, kind).is_some() {
            continue;
        }
        let Some(row) = lifecycle(api, kind, "removed") else {
            continue;
        };
        let help = if row.replacement == "-" {
            format!(
                "{kind} has no replacement API; remove it (see the Kubernetes deprecation guide)"
            )
        } else {
            format!(
                "use apiVersion: {} (and review the fields that changed with it)",
                row.replacement
            )
        };
        out.push(
            cx.finding(RULE.meta, i)
                .at("/apiVersion")
                .message(format!(
                    "{api} {kind} was removed in Kubernetes {}; the API server rejects it",
                    row.version
                ))
                .help(help)
                .build(),
        );
    }
}
