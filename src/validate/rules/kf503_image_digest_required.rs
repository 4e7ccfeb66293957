//! KF503: an image not pinned by digest. Off by default; `kforge.yaml` turns it on for the
//! environments that must run exactly the bytes that were tested (production).

use super::{Check, Rule};
use crate::validate::pods::containers;
use crate::validate::{Context, Finding, RuleMeta, Severity};

use crate::text::split_image;

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF503",
        name: "image-digest-required",
        severity: Severity::Error,
        summary: "an image not pinned by digest (off unless kforge.yaml enables it)",
        doc: include_str!("../../../docs/rules/KF503.md"),
        enabled_by_default: false,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for c in containers(cx) {
        let Some(image) = c.image() else { continue };
        let (name, _, digest) = split_image(image);
        if digest.is_some_and(|d| {
            d.len() == 71
                && d.starts_with("sha256:")
                && d[7..].bytes().all(|b| b.is_ascii_hexdigit())
        }) {
            continue;
        }
        out.push(
            cx.finding(RULE.meta, c.pod.object)
                .at(&c.pointer(["image"]))
                .message(format!(
                    "image '{image}' of container '{}' in {} is not pinned by a sha256 digest",
                    c.name(),
                    c.owner(cx)
                ))
                .help(format!(
                "a tag can be moved; set `digest:` for `{name}` in the overlay's `images:` field"
            ))
                .build(),
        );
    }
}
