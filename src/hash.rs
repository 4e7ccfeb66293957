//! The hash maps and sets of kforge's stages, with foldhash's hasher rather than std's
//! SipHash: their keys are ids, names, kinds and paths hashed millions of times per build,
//! where SipHash cost a few percent of a build (BENCHMARKS.md, ninth round). foldhash seeds
//! each process at random, as std does, so no output may depend on iteration order (none
//! does: every output is sorted or follows the input's order).

pub use foldhash::{HashMap, HashSet};
