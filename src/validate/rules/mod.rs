//! The rules, one file each, and the one list that registers them ([`RULES`]).
//!
//! Ids: `KF0xx` kforge's own annotations, `KF1xx` schema and document shape (this module), `KF2xx` API-server semantics,
//! `KF3xx` references between objects, `KF4xx` GPU scheduling, `KF5xx` policy.
//! Each rule has a page under `docs/rules/<ID>.md` (what, why, how to fix) and fixtures
//! under `tests/fixtures/rules/<ID>/{pass,fail}/`.

mod kf001_invalid_suppression;
mod kf100_unknown_field;
mod kf101_invalid_value;
mod kf102_required_field;
mod kf103_yaml11_scalar;
mod kf104_duplicate_object;
mod kf105_missing_identity;
mod kf110_removed_api;
mod kf111_deprecated_api;
mod kf112_unknown_kind;
mod kf113_custom_resource_schema;
mod kf200_invalid_quantity;
mod kf201_requests_exceed_limits;
mod kf202_gpu_request_limit;
mod kf203_selector_mismatch;
mod kf204_invalid_name;
mod kf205_pod_structure;
mod kf206_scaling_bounds;
mod kf207_cron_schedule;
mod kf208_label_syntax;
mod kf300_service_selects_nothing;
mod kf301_missing_reference;
mod kf302_rolebinding_role;
mod kf303_dangling_reference;
mod kf304_named_target_port;
mod kf305_network_policy_selects_nothing;
mod kf306_route_backend;
mod kf307_namespace_missing;
mod kf400_gpu_pool_scheduling;
mod kf401_gpu_taint_without_gpu;
mod kf402_gpu_quota_keys;
mod kf403_gpu_pool_capacity;
mod kf404_device_plugin_coverage;
mod kf500_missing_resources;
mod kf501_missing_probes;
mod kf502_image_tag;
mod kf503_image_digest;
mod kf504_run_as_root;
mod kf505_privilege_escalation;
mod kf506_privileged;
mod kf507_host_path;
mod kf508_host_namespaces;
mod kf509_writable_root;
mod kf510_plaintext_secret;
mod kf511_availability;

use super::{Context, Finding, RuleMeta};

/// A rule: its description and its check.
pub struct Rule {
    /// Id, severity, docs.
    pub meta: &'static RuleMeta,
    /// Adds the rule's findings for the whole stream of objects.
    pub check: fn(&Context, &mut Vec<Finding>),
}

/// Every rule, in id order.
pub const RULES: &[Rule] = &[
    kf001_invalid_suppression::RULE,
    kf100_unknown_field::RULE,
    kf101_invalid_value::RULE,
    kf102_required_field::RULE,
    kf103_yaml11_scalar::RULE,
    kf104_duplicate_object::RULE,
    kf105_missing_identity::RULE,
    kf110_removed_api::RULE,
    kf111_deprecated_api::RULE,
    kf112_unknown_kind::RULE,
    kf113_custom_resource_schema::RULE,
    kf200_invalid_quantity::RULE,
    kf201_requests_exceed_limits::RULE,
    kf202_gpu_request_limit::RULE,
    kf203_selector_mismatch::RULE,
    kf204_invalid_name::RULE,
    kf205_pod_structure::RULE,
    kf206_scaling_bounds::RULE,
    kf207_cron_schedule::RULE,
    kf208_label_syntax::RULE,
    kf300_service_selects_nothing::RULE,
    kf301_missing_reference::RULE,
    kf302_rolebinding_role::RULE,
    kf303_dangling_reference::RULE,
    kf304_named_target_port::RULE,
    kf305_network_policy_selects_nothing::RULE,
    kf306_route_backend::RULE,
    kf307_namespace_missing::RULE,
    kf400_gpu_pool_scheduling::RULE,
    kf401_gpu_taint_without_gpu::RULE,
    kf402_gpu_quota_keys::RULE,
    kf403_gpu_pool_capacity::RULE,
    kf404_device_plugin_coverage::RULE,
    kf500_missing_resources::RULE,
    kf501_missing_probes::RULE,
    kf502_image_tag::RULE,
    kf503_image_digest::RULE,
    kf504_run_as_root::RULE,
    kf505_privilege_escalation::RULE,
    kf506_privileged::RULE,
    kf507_host_path::RULE,
    kf508_host_namespaces::RULE,
    kf509_writable_root::RULE,
    kf510_plaintext_secret::RULE,
    kf511_availability::RULE,
];

/// The rule with this id (case-insensitive).
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.meta.id.eq_ignore_ascii_case(id))
}

/// apiVersion and kind of an object, when both are strings.
pub(crate) fn type_meta(r: &crate::resource::Resource) -> Option<(&str, &str)> {
    let api = r.value.get("apiVersion")?.as_str()?;
    let kind = r.value.get("kind")?.as_str()?;
    Some((api, kind))
}

/// Findings for every container whose own `securityContext.<field>` is not `true`/`false`
/// as `want` says (KF505, KF509): at the field when set otherwise, else at the container.
pub(crate) fn require_security_flag(
    cx: &Context,
    out: &mut Vec<Finding>,
    meta: &'static RuleMeta,
    field: &str,
    want: bool,
    help: &str,
) {
    use crate::validate::pods::containers;
    for c in containers(cx) {
        let set = c.own_security(field);
        if set.and_then(serde_json::Value::as_bool) == Some(want) {
            continue;
        }
        let pointer = match set {
            Some(_) => format!("{}/securityContext/{field}", c.ptr),
            None => c.pointer_to("securityContext"),
        };
        out.push(
            cx.finding(meta, c.pod.object)
                .at(&pointer)
                .anchor(crate::validate::sourcemap::Anchor::Key)
                .message(format!(
                    "container '{}' of {} does not set {field}: {want}",
                    c.name(),
                    c.owner(cx)
                ))
                .help(help.to_owned())
                .build(),
        );
    }
}
