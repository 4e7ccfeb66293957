//! The kustomization parser and the whole build: input is split by lines `---FILE---` into
//! kustomization.yaml, resources.yaml and patch.yaml, written to a private directory, and
//! built. Every outcome is objects or an error; never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    common::with_dir(text, |dir| {
        let _ = kforge::build_dir(dir, &Default::default());
    });
});
