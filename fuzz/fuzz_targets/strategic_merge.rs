//! Strategic-merge patches: input is a resource stream, a line `---PATCH---`, and a patch
//! document; the build applies it with `patches: [{path: patch.yaml}]` (kyaml's merge2).
#![no_main]
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (resources, patch) = text.split_once("\n---PATCH---\n").unwrap_or((text, ""));
    let files = format!("resources: [resources.yaml]\npatches: [{{path: patch.yaml}}]\n---FILE---\n{resources}\n---FILE---\n{patch}");
    common::with_dir(&files, |dir| {
        if let Ok(out) = kforge::build_dir(dir, &Default::default()) {
            let _ = kforge::render(&out.resources);
        }
    });
});
