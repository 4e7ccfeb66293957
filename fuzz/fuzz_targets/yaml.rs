//! The YAML loader: any bytes parse into documents or give an error, within the limits,
//! under both scalar schemas; a stream cut into pieces at its `---` lines parses to exactly
//! what one pass gives (documents, positions, errors), and the fast path for common YAML
//! gives exactly what granit-parser alone gives.
#![no_main]
use kforge::source::yaml::{
    parse_stream, parse_stream_in_one_pass, parse_stream_in_pieces,
    parse_stream_with_event_parser, Limits, Schema,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for schema in [Schema::Kyaml, Schema::Yaml11] {
        if let Ok(docs) = parse_stream(text, schema, Limits::default()) {
            for d in docs {
                // The root is always indexed, and the value serialises.
                assert!(d.spans.get("").is_some());
                let _ = serde_json::to_string(&d.value);
            }
        }
        let one = parse_stream_in_one_pass(text, schema, Limits::default());
        let pieces = parse_stream_in_pieces(text, schema, Limits::default(), 1);
        assert_eq!(format!("{one:?}"), format!("{pieces:?}"));
        let granit = parse_stream_with_event_parser(text, schema, Limits::default());
        assert_eq!(format!("{one:?}"), format!("{granit:?}"));
    }
});
