//! Stage 5: output. Rendered objects become bytes identical to `kubectl kustomize`.

pub mod format;
pub mod yaml;

pub use yaml::{to_string, to_string_multi};
