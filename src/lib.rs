//! kforge: assemble Kubernetes overlays exactly as `kubectl kustomize` does.
//!
//! The pipeline has one module per stage:
//! [`source`] (YAML with positions) → [`kustomize`] (kustomizations and the overlay graph) →
//! [`transform`] (one file per transformer) → [`emit`] (bytes identical to kustomize).
//!
//! ```no_run
//! let out = kforge::build_dir(std::path::Path::new("overlays/prod"), &Default::default())?;
//! print!("{}", kforge::render(&out.resources));
//! # Ok::<(), kforge::Error>(())
//! ```

#![warn(missing_docs)]

pub mod emit;
pub mod error;
pub mod kustomize;
pub mod resource;
pub mod source;
pub mod transform;

pub use error::{Error, Result};
pub use kustomize::helm::HelmConfig;
pub use kustomize::{BuildOptions, BuildOutput, LoadRestrictor};
pub use resource::Resource;

/// The Kubernetes version kforge targets.
pub const KUBERNETES_VERSION: &str = "1.37";
/// The kustomize version whose output kforge reproduces.
pub const KUSTOMIZE_VERSION: &str = "v5.8.1";

/// Build the kustomization in `dir`.
pub fn build_dir(dir: &std::path::Path, options: &BuildOptions) -> Result<BuildOutput> {
    kustomize::build(dir, options)
}

/// Render objects as `kubectl kustomize` prints them.
pub fn render(resources: &[Resource]) -> String {
    emit::to_string_multi(resources.iter().map(|r| &r.value))
}
