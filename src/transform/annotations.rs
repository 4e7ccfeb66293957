//! `commonAnnotations:` on metadata and pod templates.

use std::collections::BTreeMap;

use super::config::TransformerConfig;
use super::labels::write_pairs;
use crate::error::Result;
use crate::resource::Resource;

/// Apply `commonAnnotations`.
pub fn apply(
    resources: &mut [Resource],
    annotations: &BTreeMap<String, String>,
    cfg: &TransformerConfig,
) -> Result<()> {
    write_pairs(resources, annotations, &cfg.common_annotations)
}
