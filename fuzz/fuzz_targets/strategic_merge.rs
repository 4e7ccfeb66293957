//! Strategic-merge patches: input is a resource stream, a line `---PATCH---`, and a patch
//! document; the patch is parsed and applied as a `patches:` entry without a target
//! (kyaml's merge2), all in memory: the transformers take values, not files.
#![no_main]
use std::path::Path;

use kforge::transform::patches::{self, PatchSource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (resources, patch) = text.split_once("\n---PATCH---\n").unwrap_or((text, ""));
    let limits = Default::default();
    let Ok(mut objects) = kforge::kustomize::loader::resources_from_text(
        resources,
        Path::new("resources.yaml"),
        &limits,
    ) else {
        return;
    };
    let source = PatchSource {
        file: "patch.yaml".into(),
        pos: None,
        text: patch.to_owned(),
        from_file: true,
    };
    let Ok(body) = patches::parse(&source, limits) else {
        return;
    };
    let patch = patches::Patch {
        source,
        body,
        target: None,
        options: Default::default(),
        store_previous_id: true,
        entry: Default::default(),
    };
    let schemas = kforge::transform::smp_schema::Schemas::builtin();
    if patches::apply(&mut objects, &[patch], &schemas).is_ok() {
        let _ = kforge::to_yaml(&objects);
    }
});
