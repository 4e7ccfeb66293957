//! Stage 2: the kustomization model and the overlay graph.

pub mod accumulator;
pub mod build;
pub mod cache;
pub mod configurations;
pub mod crds;
pub mod edit;
mod entries;
pub mod exec;
pub mod field_case;
mod finish;
pub mod generator;
pub mod helm;
pub mod loader;
pub mod openapi;
pub mod patches;
pub mod plugins;
pub mod remote;
pub mod replacements;
pub mod resolve;
pub mod source_filter;
pub mod vendor;

pub use build::{build, BuildOptions, BuildOutput, Reorder};
pub use loader::LoadRestrictor;
