//! RFC 6902 patches as kforge reads them (JSON or YAML operation lists) applied to a
//! document. Input: the document, a line `---PATCH---`, the operations.
#![no_main]
use kforge::source::yaml::{parse_single, Limits, Schema};
use kforge::transform::json6902::{operations_from_text, patch_value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (doc, patch) = text.split_once("\n---PATCH---\n").unwrap_or((text, "[]"));
    let Ok(Some(doc)) = parse_single(doc, Schema::Kyaml, Limits::default()) else {
        return;
    };
    let Ok(ops) = operations_from_text(patch, Default::default()) else {
        return;
    };
    let mut value = doc.value.clone();
    if patch_value(&mut value, &ops).is_err() {
        // All or nothing: a failed patch leaves the value as it was.
        assert_eq!(value, doc.value);
    }
});
