//! Argo CD's config-management plugin environment, read by `kforge build --argocd`.
//!
//! Argo CD's repo-server runs a plugin's `generate` command with the Application's plugin
//! parameters as one JSON array in `ARGOCD_APP_PARAMETERS` (only the parameters the
//! Application sets; each `{"name": ..., "string": ...}`, or `"array"`/`"map"` for the
//! other kinds) and the destination cluster's version in `KUBE_VERSION` (`1.30.4`, no
//! `v`, no build metadata) and API versions in `KUBE_API_VERSIONS` (comma-separated).

use kforge_value::Value;

use crate::error::{Error, Result};
use crate::validate::Severity;
use crate::LoadRestrictor;

/// The parameters kforge's plugin takes (each one a `string` parameter).
pub const PARAMETERS: &[&str] = &["fail-on", "enable-helm", "load-restrictor"];

/// The plugin parameters an Application set, with kforge's defaults for the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginParams {
    /// `fail-on`: the lowest severity that fails the sync (default `error`).
    pub fail_on: Severity,
    /// `enable-helm`: `true` or `false`; `None` when not set.
    pub enable_helm: Option<bool>,
    /// `load-restrictor`: `LoadRestrictionsRootOnly` or `LoadRestrictionsNone`.
    pub load_restrictor: Option<LoadRestrictor>,
}

impl Default for PluginParams {
    fn default() -> Self {
        PluginParams {
            fail_on: Severity::Error,
            enable_helm: None,
            load_restrictor: None,
        }
    }
}

fn param_error(message: String) -> Error {
    Error::msg(format!("ARGOCD_APP_PARAMETERS: {message}"))
}

/// Read `ARGOCD_APP_PARAMETERS` (absent or empty: no parameters). A parameter kforge does
/// not know, a value of the wrong kind or an unknown value is an error.
pub fn parse_parameters(json: Option<&str>) -> Result<PluginParams> {
    let mut params = PluginParams::default();
    let Some(json) = json.map(str::trim).filter(|j| !j.is_empty()) else {
        return Ok(params);
    };
    let list: Value =
        serde_json::from_str(json).map_err(|e| param_error(format!("not JSON: {e}")))?;
    let Value::Array(items) = list else {
        return Err(param_error("expected a JSON array of parameters".into()));
    };
    for item in &items {
        let name = item
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| param_error(format!("a parameter without a name: {item}")))?;
        if !PARAMETERS.contains(&name) {
            let hint = crate::text::did_you_mean(name, PARAMETERS)
                .map(|s| format!("; did you mean '{s}'?"))
                .unwrap_or_default();
            return Err(param_error(format!(
                "unknown parameter '{name}': kforge's plugin takes {}{hint}",
                PARAMETERS.join(", ")
            )));
        }
        let Some(value) = item.get("string").and_then(Value::as_str) else {
            return Err(param_error(format!(
                "parameter '{name}' takes a string (`string: ...`), not {}",
                item.as_object()
                    .map(|m| m
                        .keys()
                        .filter(|k| *k != "name")
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "))
                    .filter(|k| !k.is_empty())
                    .unwrap_or_else(|| "nothing".into())
            )));
        };
        match name {
            "fail-on" => {
                params.fail_on = match value {
                    "error" => Severity::Error,
                    "warning" => Severity::Warning,
                    "info" => Severity::Info,
                    other => {
                        return Err(param_error(format!(
                            "fail-on must be error, warning or info, not '{other}'"
                        )))
                    }
                }
            }
            "enable-helm" => {
                params.enable_helm = Some(match value {
                    "true" => true,
                    "false" => false,
                    other => {
                        return Err(param_error(format!(
                            "enable-helm must be true or false, not '{other}'"
                        )))
                    }
                })
            }
            _ => {
                params.load_restrictor = Some(match value {
                    "LoadRestrictionsRootOnly" => LoadRestrictor::RootOnly,
                    "LoadRestrictionsNone" => LoadRestrictor::None,
                    other => {
                        return Err(param_error(format!(
                            "load-restrictor must be LoadRestrictionsRootOnly or LoadRestrictionsNone, not '{other}'"
                        )))
                    }
                })
            }
        }
    }
    Ok(params)
}

/// The `major.minor` of a Kubernetes version (`v1.30.4+k3s1`, `1.30.4`, `1.30`).
pub fn minor_version(version: &str) -> Option<(u32, u32)> {
    let v = version.trim().trim_start_matches('v');
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// The warning for a cluster (`KUBE_VERSION`) whose minor version is not the one kforge
/// validates against; `None` when they agree or the version does not read as one.
pub fn kube_version_warning(kube_version: &str) -> Option<String> {
    let (major, minor) = minor_version(kube_version)?;
    let ours = minor_version(crate::KUBERNETES_VERSION)?;
    ((major, minor) != ours).then(|| {
        format!(
            "warning: the cluster runs Kubernetes {major}.{minor}; kforge validates against the {} types (KUBE_VERSION={kube_version})",
            crate::KUBERNETES_VERSION
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_as_argo_cd_sends_them() {
        assert_eq!(parse_parameters(None).unwrap(), PluginParams::default());
        assert_eq!(parse_parameters(Some("")).unwrap(), PluginParams::default());
        let p = parse_parameters(Some(
            r#"[{"name":"fail-on","string":"warning"},{"name":"enable-helm","string":"true"},{"name":"load-restrictor","string":"LoadRestrictionsNone"}]"#,
        ))
        .unwrap();
        assert_eq!(
            p,
            PluginParams {
                fail_on: Severity::Warning,
                enable_helm: Some(true),
                load_restrictor: Some(LoadRestrictor::None),
            }
        );
        let err = |j: &str| parse_parameters(Some(j)).unwrap_err().message;
        assert!(err(r#"[{"name":"fail_on","string":"x"}]"#).contains("unknown parameter 'fail_on'"));
        assert!(err(r#"[{"name":"fail_on","string":"x"}]"#).contains("did you mean 'fail-on'"));
        assert!(err(r#"[{"name":"fail-on","array":["error"]}]"#)
            .contains("parameter 'fail-on' takes a string (`string: ...`), not array"));
        assert!(err(r#"[{"name":"enable-helm","string":"yes"}]"#)
            .contains("enable-helm must be true or false, not 'yes'"));
        assert!(err("{").contains("not JSON"));
        assert!(err(r#"{"name":"fail-on"}"#).contains("expected a JSON array"));
    }

    #[test]
    fn kube_version_against_kforges() {
        assert_eq!(minor_version("v1.30.4+k3s1"), Some((1, 30)));
        assert_eq!(minor_version("1.30"), Some((1, 30)));
        assert_eq!(minor_version("garbage"), None);
        let ours = crate::KUBERNETES_VERSION;
        assert!(kube_version_warning(&format!("{ours}.2")).is_none());
        assert!(kube_version_warning("").is_none());
        let w = kube_version_warning("1.30.4").unwrap();
        assert!(
            w.starts_with(
                "warning: the cluster runs Kubernetes 1.30; kforge validates against the"
            ),
            "{w}"
        );
    }
}
