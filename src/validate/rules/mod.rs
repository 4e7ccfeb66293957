//! The rules, one file each, and the one list that registers them ([`RULES`]).
//!
//! Ids: `KF0xx` kforge's own annotations, `KF1xx` schema and document shape (this module), `KF2xx` API-server semantics,
//! `KF3xx` references between objects, `KF4xx` GPU scheduling, `KF5xx` policy, `KF6xx` GitOps
//! (the repository's Argo CD and Flux objects, Flux's post-build substitution).
//! Each rule has a page under `docs/rules/<ID>.md` (what, why, how to fix) and fixtures
//! under `tests/fixtures/rules/<ID>/{pass,fail}/`.

use super::repo::RepoContext;
use super::{Context, Finding, RuleMeta};

/// A rule: its description and its check.
pub struct Rule {
    /// Id, severity, docs.
    pub meta: &'static RuleMeta,
    /// What the rule looks at, and the function that adds its findings.
    pub check: Check,
}

/// A rule's check, by what it looks at (its `RuleMeta::scope` says the same).
#[derive(Clone, Copy)]
pub enum Check {
    /// The objects of one environment (or of the files given to `kforge validate`).
    Objects(fn(&Context, &mut Vec<Finding>)),
    /// The repository: its layout and the GitOps objects that deploy its environments
    /// (run once by `kforge check`).
    Repository(fn(&RepoContext, &mut Vec<Finding>)),
}

/// Declares each rule's module and lists its `RULE` in [`RULES`], so that a rule is one
/// file plus one line here.
macro_rules! rules {
    ($($rule:ident),* $(,)?) => {
        $(mod $rule;)*

        /// Every rule, in id order.
        pub const RULES: &[Rule] = &[$($rule::RULE),*];
    };
}

rules![
    kf001_invalid_suppression,
    kf002_ineffective_entry,
    kf100_unknown_field,
    kf101_invalid_value_type,
    kf102_missing_required_field,
    kf103_yaml11_ambiguous_scalar,
    kf104_duplicate_object,
    kf105_missing_identity,
    kf106_yaml11_string_in_applied_manifest,
    kf107_unsubstituted_variable,
    kf110_removed_api,
    kf111_deprecated_api,
    kf112_unknown_kind,
    kf113_custom_resource_schema,
    kf200_invalid_quantity,
    kf201_request_above_limit,
    kf202_extended_resource_request,
    kf203_selector_mismatch,
    kf204_invalid_name,
    kf205_invalid_pod_spec,
    kf206_invalid_scaling_bounds,
    kf207_invalid_cron_schedule,
    kf208_invalid_label,
    kf220_invalid_env,
    kf221_invalid_service,
    kf222_invalid_container_port,
    kf223_invalid_volume,
    kf224_invalid_probe,
    kf225_invalid_job,
    kf226_invalid_workload,
    kf227_invalid_hpa,
    kf228_invalid_pdb,
    kf229_invalid_ingress,
    kf230_invalid_network_policy,
    kf231_invalid_rbac,
    kf232_invalid_config_data,
    kf233_invalid_selector,
    kf234_invalid_resource_name,
    kf235_invalid_pvc,
    kf236_invalid_scheduling,
    kf237_invalid_security_context,
    kf238_invalid_pod_fields,
    kf239_invalid_class,
    kf240_invalid_quota,
    kf249_api_warning,
    kf300_service_selects_nothing,
    kf301_missing_reference,
    kf302_binding_to_missing_role,
    kf303_dangling_reference,
    kf304_unknown_target_port,
    kf305_network_policy_selects_nothing,
    kf306_route_backend_missing,
    kf307_namespace_missing,
    kf400_gpu_pod_unschedulable,
    kf401_gpu_taint_without_gpu,
    kf402_gpu_quota_or_default,
    kf403_gpu_pool_too_small,
    kf404_device_plugin_coverage,
    kf405_gpu_pod_without_placement,
    kf406_gpu_shared_memory,
    kf407_kserve_runtime_missing,
    kf408_accelerator_resource_name,
    kf409_startup_budget,
    kf410_model_storage,
    kf411_kueue_queue,
    kf412_gpu_runtime_class,
    kf500_missing_resources,
    kf501_missing_probes,
    kf502_image_not_pinned,
    kf503_image_digest_required,
    kf504_run_as_root,
    kf505_privilege_escalation,
    kf506_privileged,
    kf507_host_path,
    kf508_host_namespaces,
    kf509_writable_root_filesystem,
    kf510_plaintext_secret,
    kf511_availability,
    kf600_gitops_sync_path,
    kf601_flux_substitution,
    kf602_gitops_wait_timeout,
];

pub(crate) use kf208_invalid_label::{valid_key, valid_value};
pub(crate) use kf409_startup_budget::longest_startup;

/// The rule with this id (case-insensitive).
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.meta.id.eq_ignore_ascii_case(id))
}

/// The findings of `rule` (KF300, KF303, KF305) on every `relation` edge whose selector
/// picks pods nowhere: "<kind> <name> selects no pod template in namespace <ns>".
pub(crate) fn selects_nothing(
    cx: &Context,
    out: &mut Vec<Finding>,
    rule: &'static RuleMeta,
    relation: super::edges::Relation,
    help: &str,
) {
    for e in super::edges::of(cx, relation) {
        let super::edges::Target::Missing(pods) = &e.target else {
            continue;
        };
        let r = cx.objects[e.from].resource;
        out.push(
            cx.finding(rule, e.from)
                .at(&e.pointer)
                .anchor(super::sourcemap::Anchor::Key)
                .message(format!(
                    "{} {} selects no pod template in namespace {}",
                    r.kind(),
                    r.name(),
                    pods.namespace.as_deref().unwrap_or_default()
                ))
                .help(help.to_owned())
                .build(),
        );
    }
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
    use crate::validate::pods::{containers, ContainerRef};
    for c in containers(cx).filter(ContainerRef::complete) {
        let set = c.own_security(field);
        if set.and_then(kforge_value::Value::as_bool) == Some(want) {
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
