//! The YAML loader: any bytes parse into documents or give an error, within the limits,
//! under both scalar schemas.
#![no_main]
use kforge::source::yaml::{parse_stream, Limits, Schema};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for schema in [Schema::Kyaml, Schema::Yaml11] {
        if let Ok(docs) = parse_stream(text, schema, Limits::default()) {
            for d in docs {
                // Every node the index names must resolve in the value.
                let _ = serde_json::to_string(&d.value);
            }
        }
    }
});
