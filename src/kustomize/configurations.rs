//! `configurations:`: transformer configuration files read under the load restrictor and
//! merged into kustomize's builtin tables; [`merge_files`] also serves `crds:`.

use super::loader::{lexical_join, KustomizationFile};
use super::resolve::resolve_file;
use super::BuildOptions;
use crate::error::{Error, Result};
use crate::source::file::read_text;
use crate::transform::config::TransformerConfig;

/// This kustomization's own configuration files merged together (`None` when it has none).
///
/// Every entry is a file path (kustomize 5.8.1 has no inline configuration text).
pub fn load(kfile: &KustomizationFile, opts: &BuildOptions) -> Result<Option<TransformerConfig>> {
    let entries = &kfile.kustomization.configurations;
    if let Some(i) = entries
        .iter()
        .position(|e| e.contains('\n') || e.contains('\r'))
    {
        return Err(Error::at(
            &kfile.path,
            kfile.pos(&format!("/configurations/{i}")),
            "a configurations entry is a file path; kustomize 5.8.1 reads no inline configuration text, so move it into a file",
        ));
    }
    merge_files(kfile, opts, "configurations", entries, &|text| {
        TransformerConfig::parse(text)
    })
}

/// Read each file of a kustomization field (`field`, entries `entries`), turn its text into
/// a configuration with `parse` (its errors name the file), and merge them in order.
pub fn merge_files(
    kfile: &KustomizationFile,
    opts: &BuildOptions,
    field: &str,
    entries: &[String],
    parse: &dyn Fn(&str) -> Result<TransformerConfig>,
) -> Result<Option<TransformerConfig>> {
    if entries.is_empty() {
        return Ok(None);
    }
    let mut merged = TransformerConfig::default();
    for (i, entry) in entries.iter().enumerate() {
        let pointer = format!("/{field}/{i}");
        let path = resolve_file(kfile, entry, &pointer, opts)?;
        let shown = lexical_join(&kfile.display_dir, entry);
        let cfg = parse(&read_text(&path, &opts.limits)?).map_err(|e| {
            let pos = e.pos;
            e.moved_to(&shown, pos)
        })?;
        merged.merge(&cfg).map_err(|e| {
            Error::at(
                &kfile.path,
                kfile.pos(&pointer),
                format!("{field}: {}", e.message),
            )
        })?;
    }
    Ok(Some(merged))
}
