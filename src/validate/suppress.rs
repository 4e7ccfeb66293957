//! Per-object suppression: an annotation on the object names the rule and says why.
//!
//! ```yaml
//! metadata:
//!   annotations:
//!     kforge.dev/ignore-KF507: "the device plugin serves the kubelet's socket directory"
//! ```
//!
//! The annotation silences that rule's findings on that object (all of its nodes, pod
//! template included). A suppression without a reason, naming an unknown rule, or no longer
//! silencing anything is itself a finding (KF001), which cannot be suppressed.

use std::collections::{BTreeMap, BTreeSet};

use kforge_value::Value;

use super::sourcemap::Anchor;
use super::{rules, Context, Finding, Policy};
use crate::source::pointer::push_token;

/// The annotation key prefix; the rule id follows.
pub const PREFIX: &str = "kforge.dev/ignore-";

/// The rule that reports problems with suppressions.
pub const RULE_ID: &str = "KF001";

/// One suppression annotation.
pub struct Suppression<'a> {
    /// The object's index.
    pub object: usize,
    /// The annotation key.
    pub key: &'a str,
    /// The rule id as written (after the prefix).
    pub id: &'a str,
    /// The annotation's value.
    pub reason: Option<&'a str>,
}

impl Suppression<'_> {
    /// JSON pointer of the annotation.
    pub fn pointer(&self) -> String {
        let mut p = "/metadata/annotations".to_owned();
        push_token(&mut p, self.key);
        p
    }

    /// The registered rule it names (case-sensitive: ids are upper case).
    pub fn rule(&self) -> Option<&'static rules::Rule> {
        rules::RULES.iter().find(|r| r.meta.id == self.id)
    }

    /// Whether it is usable: a known rule other than KF001 and a non-empty reason.
    pub fn valid(&self) -> bool {
        self.rule().is_some()
            && self.id != RULE_ID
            && self.reason.is_some_and(|r| !r.trim().is_empty())
    }
}

/// Every suppression annotation in the stream.
pub fn suppressions<'a>(cx: &'a Context) -> Vec<Suppression<'a>> {
    let mut out = Vec::new();
    for (i, o) in cx.objects.iter().enumerate() {
        let Some(Value::Object(ann)) = o.resource.value.pointer("/metadata/annotations") else {
            continue;
        };
        for (key, value) in ann {
            if let Some(id) = key.strip_prefix(PREFIX) {
                out.push(Suppression {
                    object: i,
                    key,
                    id,
                    reason: value.as_str(),
                });
            }
        }
    }
    out
}

/// Drop suppressed findings; report suppressions that silenced nothing (when KF001 is on).
pub fn apply(cx: &Context, policy: &Policy, out: &mut Vec<Finding>) {
    let list = suppressions(cx);
    if list.is_empty() {
        return;
    }
    // object id → (rule id → used)
    let mut by_object: BTreeMap<String, BTreeMap<&str, bool>> = BTreeMap::new();
    for s in list.iter().filter(|s| s.valid()) {
        let id = cx.objects[s.object].resource.cur_id_ref().to_string();
        by_object.entry(id).or_default().insert(s.id, false);
    }
    out.retain(|f| {
        if f.rule == RULE_ID {
            return true;
        }
        match by_object.get_mut(&f.object).and_then(|m| m.get_mut(f.rule)) {
            Some(used) => {
                *used = true;
                false
            }
            None => true,
        }
    });
    let Some(severity) = policy.level(RULE_ID) else {
        return;
    };
    let meta = rules::find(RULE_ID).expect("KF001 is registered").meta;
    let mut reported = BTreeSet::new();
    for s in list.iter().filter(|s| s.valid()) {
        let id = cx.objects[s.object].resource.cur_id_ref().to_string();
        let used = by_object
            .get(&id)
            .and_then(|m| m.get(s.id))
            .copied()
            .unwrap_or(true);
        if used || policy.level(s.id).is_none() || !reported.insert((id, s.id)) {
            continue;
        }
        let mut f = cx
            .finding(meta, s.object)
            .at(&s.pointer())
            .anchor(Anchor::Key)
            .message(format!(
                "`{}` suppresses nothing: {} reports no finding on this object",
                s.key, s.id
            ))
            .help("remove the annotation; it would hide a future finding nobody reviewed".into())
            .build();
        f.severity = severity;
        out.push(f);
    }
}
