//! KF407: a KServe InferenceService whose predictor names a `runtime` that no
//! ServingRuntime (in its namespace) or ClusterServingRuntime provides, or names only a
//! `modelFormat` that no runtime serves with `autoSelect`. KServe then never creates the
//! predictor: the InferenceService stays not ready with `no runtime found`.
//!
//! Runtimes count from the output, from KServe's own installation
//! (`src/tables/kserve_runtimes.yaml`), and from kustomizations deployed beside this one.

use kforge_value::Value;

use super::{Check, Rule};
use crate::tables::kserve_runtimes::{self, Format};
use crate::text::did_you_mean;
use crate::validate::{Context, Finding, RuleMeta, Scope, Severity};

pub const RULE: Rule = Rule {
    meta: &RuleMeta {
        id: "KF407",
        name: "kserve-runtime-missing",
        severity: Severity::Error,
        summary: "an InferenceService whose runtime, or model format, no ServingRuntime provides",
        doc: include_str!("../../../docs/rules/KF407.md"),
        scope: Scope::Environment,
        ..RuleMeta::DEFAULTS
    },
    check: Check::Objects(check),
};

const GROUP: &str = "serving.kserve.io";

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (i, o) in cx.objects.iter().enumerate() {
        let r = o.resource;
        if r.kind() != "InferenceService" || r.gvk_ref().group != GROUP {
            continue;
        }
        let Some(model) = r.value.pointer("/spec/predictor/model").and_then(Value::as_object) else {
            continue;
        };
        let ns = cx.namespace(i);
        // The runtimes it can see, with the formats each serves: its namespace's
        // ServingRuntimes, the ClusterServingRuntimes, KServe's own.
        let mut runtimes: Vec<(&str, Vec<Format>)> = Vec::new();
        for kind in ["ServingRuntime", "ClusterServingRuntime"] {
            for j in cx.of_kind_in(kind, ns) {
                let rt = cx.objects[j].resource;
                if rt.gvk().group == GROUP {
                    runtimes.push((rt.name(), kserve_runtimes::formats_of(&rt.value)));
                }
            }
        }
        for rt in kserve_runtimes::builtin() {
            runtimes.push((&rt.name, rt.formats.clone()));
        }
        let names: Vec<&str> = runtimes.iter().map(|(n, _)| *n).collect();
        if let Some(runtime) = model.get("runtime").and_then(Value::as_str) {
            let known = names.contains(&runtime)
                || cx.exists("ServingRuntime", ns, runtime).is_some()
                || cx.exists("ClusterServingRuntime", None, runtime).is_some();
            if !known {
                out.push(
                    cx.finding(RULE.meta, i)
                        .at("/spec/predictor/model/runtime")
                        .message(format!(
                            "InferenceService {} names runtime {runtime}, which no ServingRuntime in its namespace, ClusterServingRuntime or KServe default provides",
                            r.name()
                        ))
                        .help(match did_you_mean(runtime, &names) {
                            Some(s) => format!("did you mean {s}?"),
                            None => "add the ServingRuntime, or name one of the cluster's runtimes".into(),
                        })
                        .build(),
                );
            }
            continue;
        }
        let Some(format) = model
            .get("modelFormat")
            .and_then(|f| f.get("name"))
            .and_then(Value::as_str)
        else {
            continue;
        };
        let version = model
            .get("modelFormat")
            .and_then(|f| f.get("version"))
            .and_then(Value::as_str);
        let served = runtimes
            .iter()
            .any(|(_, fs)| fs.iter().any(|f| f.auto_select && f.serves(format, version)));
        if served {
            continue;
        }
        let formats: Vec<&str> = runtimes
            .iter()
            .flat_map(|(_, fs)| fs.iter().filter(|f| f.auto_select).map(|f| f.name.as_str()))
            .collect();
        out.push(
            cx.finding(RULE.meta, i)
                .at("/spec/predictor/model/modelFormat/name")
                .message(format!(
                    "no runtime serves model format {format}{} with autoSelect, so KServe cannot pick one for InferenceService {}",
                    version.map(|v| format!(" version {v}")).unwrap_or_default(),
                    r.name()
                ))
                .help(match did_you_mean(format, &formats) {
                    Some(s) if s != format => format!("did you mean {s}? (or set spec.predictor.model.runtime)"),
                    _ => "name a runtime in spec.predictor.model.runtime, or add a ServingRuntime that lists this format with autoSelect: true".into(),
                })
                .build(),
        );
    }
}
