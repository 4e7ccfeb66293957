//! KF208: label and annotation keys, and label values, that the API server rejects.
//! Keys: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters
//! (alphanumerics, `-`, `_`, `.`, starting and ending alphanumeric). Label values: at most
//! 63 such characters, or empty.

use kforge_value::Value;

use super::{Check, Rule};
use crate::source::pointer::push_token;
use crate::text::dns_label;
use crate::validate::sourcemap::Anchor;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF208",
        name: "invalid-label",
        severity: Severity::Error,
        summary: "a label or annotation key, or a label value, the API server rejects",
        doc: include_str!("../../../docs/rules/KF208.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn name_part(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.as_bytes()[s.len() - 1].is_ascii_alphanumeric()
}

fn prefix(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(dns_label)
}

pub(crate) fn valid_key(k: &str) -> bool {
    match k.split_once('/') {
        Some((p, n)) => prefix(p) && name_part(n),
        None => name_part(k),
    }
}

pub(crate) fn valid_value(v: &str) -> bool {
    v.is_empty() || name_part(v)
}

/// The label and annotation maps of an object: metadata and pod-template metadata.
const MAPS: &[&str] = &[
    "/metadata",
    "/spec/template/metadata",
    "/spec/jobTemplate/spec/template/metadata",
];

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let v = &o.resource.value;
        for base in MAPS {
            for (field, check_values) in [("labels", true), ("annotations", false)] {
                let Some(m) = v.pointer(base)
                    .and_then(|b| b.get(field))
                    .and_then(Value::as_object)
                else {
                    continue;
                };
                for (k, val) in m {
                    let s = val.as_str().unwrap_or_default();
                    let key_ok = valid_key(k);
                    if key_ok && (!check_values || valid_value(s)) {
                        continue;
                    }
                    let mut p = format!("{base}/{field}");
                    push_token(&mut p, k);
                    if !key_ok {
                        out.push(cx.finding(RULE.meta, i)
                            .at(&p)
                            .anchor(Anchor::Key)
                            .message(format!("{field} key `{k}` is not a valid qualified name"))
                            .help("use [prefix/]name: a DNS-subdomain prefix, and a name of at most 63 alphanumerics, '-', '_' or '.'".into())
                            .build());
                    }
                    if check_values && !valid_value(s) {
                        out.push(cx.finding(RULE.meta, i)
                            .at(&p)
                            .message(format!("label value `{s}` of `{k}` is not a valid label value"))
                            .help("at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric (or empty)".into())
                            .build());
                    }
                }
            }
        }
    }
}
