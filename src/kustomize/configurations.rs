//! `configurations:`: transformer configuration files (inline text or file paths) read
//! under the load restrictor and merged into kustomize's builtin tables.

use super::loader::{lexical_join, read_text, resolve_file, KustomizationFile};
use super::BuildOptions;
use crate::error::{Error, Result};
use crate::transform::config::TransformerConfig;

/// This kustomization's own configuration files merged together (`None` when it has none).
///
/// Every entry is a file path (kustomize 5.8.1 has no inline configuration text).
pub fn load(kfile: &KustomizationFile, opts: &BuildOptions) -> Result<Option<TransformerConfig>> {
    let entries = &kfile.kustomization.configurations;
    if entries.is_empty() {
        return Ok(None);
    }
    let mut merged = TransformerConfig::default();
    for (i, entry) in entries.iter().enumerate() {
        let pointer = format!("/configurations/{i}");
        if entry.contains('\n') || entry.contains('\r') {
            return Err(Error::at(
                &kfile.path,
                kfile.pos(&pointer),
                "a configurations entry is a file path; kustomize 5.8.1 reads no inline configuration text, so move it into a file",
            ));
        }
        let path = resolve_file(kfile, entry, &pointer, opts.load_restrictor)?;
        let shown = lexical_join(&kfile.display_dir, entry);
        let text = read_text(&path, &opts.limits)?;
        let cfg = TransformerConfig::parse(&text).map_err(|e| Error {
            file: Some(shown.clone()),
            ..e
        })?;
        merged.merge(&cfg).map_err(|e| {
            Error::at(
                &kfile.path,
                kfile.pos(&pointer),
                format!("configurations: {}", e.message),
            )
        })?;
    }
    Ok(Some(merged))
}
