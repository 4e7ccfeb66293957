//! The validator on arbitrary manifests: every rule, as a whole environment.
#![no_main]
use std::path::Path;

use kforge::kustomize::loader::resources_from_text;
use kforge::source::yaml::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(resources) = resources_from_text(text, Path::new("fuzz.yaml"), &Limits::default())
    else {
        return;
    };
    let mut policy = kforge::Policy::default();
    for rule in kforge::validate::rules::RULES {
        if !rule.meta.enabled_by_default {
            policy.set(rule.meta.id, Some(kforge::Severity::Warning));
        }
    }
    let findings = kforge::validate::validate_policy(&resources, &[], &policy);
    let _ = kforge::report::format_report(
        kforge::report::Format::Sarif,
        &[kforge::report::Target {
            name: "fuzz".into(),
            objects: resources.len(),
            findings,
            notes: Vec::new(),
        }],
        false,
    );
});
