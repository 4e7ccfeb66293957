//! The integration tests, one binary: each file beside this one is a module of it (the
//! command-line tests run the built `kforge`, the others call the library). A single binary
//! means one link of the library and the typed check instead of one per file.
//!
//! `cargo test --test integration <module>::` runs one file's tests, e.g. `rules::`.

mod common;

mod bad_input;
mod cli_validate;
mod config;
mod corpus;
mod diff;
mod differential;
mod ecosystem;
mod flux;
mod flux_envsubst;
mod fuzz_regressions;
mod graph;
mod helm_refusals;
mod hostile;
mod init;
mod json_patch_conformance;
mod kustomize_cli;
mod ml_kinds;
mod remote;
mod render;
mod repository;
mod rules;
mod sarif;
mod secrets;
mod sourcemap;
mod template;
mod threads;
