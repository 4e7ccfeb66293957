//! KF510: a Secret with values in the rendered output, i.e. committed to Git in plain
//! text (base64 is an encoding, not encryption) or generated from files in the repository.

use kforge_value::Value;

use super::{Check, Rule};
use crate::source::pointer::push_token;
use crate::validate::sourcemap::Anchor;
use crate::validate::unknown::is_unknown_text;
use crate::validate::{Context, Finding, RuleMeta, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF510",
        name: "plaintext-secret",
        severity: Severity::Error,
        summary: "a Secret whose values are in the repository",
        doc: include_str!("../../../docs/rules/KF510.md"),
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let r = o.resource;
        if r.kind() != "Secret" || r.value.get("apiVersion").and_then(Value::as_str) != Some("v1") {
            continue;
        }
        for field in ["data", "stringData"] {
            let Some(map) = r.value.get(field).and_then(Value::as_object) else {
                continue;
            };
            // SOPS ciphertext and values left to Flux's substitution are not plaintext.
            let known: Vec<&kforge_value::Key> = map
                .iter()
                .filter(|(_, v)| !v.as_str().is_some_and(|s| is_unknown_text(cx, r, s)))
                .map(|(k, _)| k)
                .collect();
            let Some(key) = known.first() else {
                continue;
            };
            let mut ptr = format!("/{field}");
            push_token(&mut ptr, key);
            out.push(cx.finding(RULE.meta, i)
                .at(&ptr)
                .anchor(Anchor::Key)
                .message(format!(
                    "Secret {} holds {} value(s) in `{field}`: anyone who can read the repository can read them",
                    r.name(),
                    known.len()
                ))
                .help("keep the value in a secret store and sync it with an ExternalSecret, or commit a SealedSecret; rotate the values that were committed".into())
                .build());
            break;
        }
    }
}
