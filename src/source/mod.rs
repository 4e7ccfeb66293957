//! Stage 1: reading files. YAML streams become JSON values with the position of every node.

mod fast;
pub mod file;
mod pieces;
pub mod pointer;
pub mod scalar;
pub mod spans;
pub mod timestamp;
pub mod yaml;

pub use scalar::{first_typed_key, resolves_to, typed_key};
pub use spans::{typed_key_message, EmptyNull, TypedKey};
pub use yaml::{Document, Limits, NodeSpan, Pos, Schema, SpanIndex, YamlError};
