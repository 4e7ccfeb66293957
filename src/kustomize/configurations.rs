//! `configurations:`: transformer configuration files (inline text or file paths) read
//! under the load restrictor and merged into kustomize's builtin tables.

use super::loader::{lexical_join, read_text, resolve_file, KustomizationFile};
use super::BuildOptions;
use crate::error::{Error, Result};
use crate::transform::config::TransformerConfig;

/// This kustomization's own configuration files merged together (`None` when it has none).
///
/// As in kustomize, an entry holding a line break is inline configuration text; any other
/// entry is a file path.
pub fn load(kfile: &KustomizationFile, opts: &BuildOptions) -> Result<Option<TransformerConfig>> {
    let entries = &kfile.kustomization.configurations;
    if entries.is_empty() {
        return Ok(None);
    }
    let mut merged = TransformerConfig::default();
    for (i, entry) in entries.iter().enumerate() {
        let pointer = format!("/configurations/{i}");
        let (text, shown) = if entry.contains('\n') || entry.contains('\r') {
            (entry.clone(), kfile.path.clone())
        } else {
            let path = resolve_file(kfile, entry, &pointer, opts.load_restrictor)?;
            (
                read_text(&path, &opts.limits)?,
                lexical_join(&kfile.display_dir, entry),
            )
        };
        let cfg = TransformerConfig::parse(&text).map_err(|e| {
            if shown == kfile.path {
                Error::at(&kfile.path, kfile.pos(&pointer), e.message)
            } else {
                Error {
                    file: Some(shown.clone()),
                    ..e
                }
            }
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
