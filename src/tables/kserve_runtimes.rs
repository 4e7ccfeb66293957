//! The ClusterServingRuntimes a KServe installation provides (`kserve_runtimes.yaml`), and
//! how a runtime's `supportedModelFormats` are read, for KF407.

use std::sync::OnceLock;

use kforge_value::Value;
use serde::Deserialize;

/// One model format a runtime serves.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Format {
    /// Format name (`sklearn`, `huggingface`, ...).
    pub name: String,
    /// Format version, when the runtime names one.
    #[serde(default)]
    pub version: Option<String>,
    /// KServe picks this runtime for an InferenceService naming the format and no runtime.
    #[serde(default)]
    pub auto_select: bool,
}

/// A runtime and the formats it serves.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Runtime {
    /// The runtime's name.
    pub name: String,
    /// What it serves.
    pub formats: Vec<Format>,
}

impl Format {
    /// Whether this format serves a model of format `name` (case-insensitively, as names
    /// such as `vLLM` are written both ways) and `version` (any when either is absent).
    pub fn serves(&self, name: &str, version: Option<&str>) -> bool {
        self.name.eq_ignore_ascii_case(name)
            && match (self.version.as_deref(), version) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}

/// The formats in a ServingRuntime's `spec.supportedModelFormats` (none when its
/// `spec.disabled` is true).
pub fn formats_of(runtime: &Value) -> Vec<Format> {
    if runtime.pointer("/spec/disabled").and_then(Value::as_bool) == Some(true) {
        return Vec::new();
    }
    runtime
        .pointer("/spec/supportedModelFormats")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| {
            Some(Format {
                name: f.get("name")?.as_str()?.to_owned(),
                version: f.get("version").and_then(Value::as_str).map(str::to_owned),
                auto_select: f.get("autoSelect").and_then(Value::as_bool) == Some(true),
            })
        })
        .collect()
}

/// KServe's own runtimes, parsed once.
pub fn builtin() -> &'static [Runtime] {
    static TABLE: OnceLock<Vec<Runtime>> = OnceLock::new();
    TABLE.get_or_init(|| {
        super::parse_builtin("kserve_runtimes.yaml", include_str!("kserve_runtimes.yaml"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_matching() {
        let sk = builtin()
            .iter()
            .find(|r| r.name == "kserve-sklearnserver")
            .unwrap();
        assert!(sk.formats[0].auto_select && sk.formats[0].serves("sklearn", Some("1")));
        assert!(!sk.formats[0].serves("sklearn", Some("2")));
        assert!(sk.formats[0].serves("SKLearn", None));
        let rt = kforge_value::json!({"spec": {"supportedModelFormats": [{"name": "onnx", "autoSelect": true}]}});
        assert_eq!(formats_of(&rt).len(), 1);
        let off = kforge_value::json!({"spec": {"disabled": true, "supportedModelFormats": [{"name": "onnx"}]}});
        assert!(formats_of(&off).is_empty());
    }
}
