//! Every input a fuzz target crashed on (FUZZING.md), run here with the same property the
//! target checks. Inputs live in `tests/fuzz_regressions/<target>/`.

use std::path::Path;

use kforge::source::yaml::{
    parse_single, parse_stream_in_one_pass, parse_stream_in_pieces, parse_stream_with_event_parser,
    Limits, Schema,
};
use kforge::transform::json6902::{operations_from_text, patch_value};

fn inputs(target: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no inputs in {}", dir.display());
    out
}

/// A failed patch leaves the document as it was.
#[test]
fn json_patch_is_all_or_nothing() {
    for (name, text) in inputs("json_patch") {
        let (doc, patch) = text.split_once("\n---PATCH---\n").unwrap();
        let doc = parse_single(doc, Schema::Kyaml, Limits::default())
            .unwrap()
            .unwrap();
        let ops = operations_from_text(patch, Default::default()).unwrap();
        let mut value = doc.value.clone();
        let result = patch_value(&mut value, &ops);
        assert!(result.is_err(), "{name}: the input is a failing patch");
        assert_eq!(value, doc.value, "{name}");
    }
}

/// A stream cut at its `---` lines parses to what one pass gives, positions included, and
/// the fast path to what granit-parser alone gives.
#[test]
fn yaml_pieces_match_one_pass() {
    for (name, text) in inputs("yaml") {
        for schema in [Schema::Kyaml, Schema::Yaml11] {
            let one = parse_stream_in_one_pass(&text, schema, Limits::default());
            let pieces = parse_stream_in_pieces(&text, schema, Limits::default(), 1);
            assert_eq!(format!("{one:?}"), format!("{pieces:?}"), "{name}");
            let granit = parse_stream_with_event_parser(&text, schema, Limits::default());
            assert_eq!(format!("{one:?}"), format!("{granit:?}"), "{name}");
        }
    }
}
