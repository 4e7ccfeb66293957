//! `commonAnnotations:` on metadata and pod templates.

use std::collections::BTreeMap;

use super::fieldspec::table;
use super::labels::write_pairs;
use crate::error::Result;
use crate::resource::Resource;

/// Apply `commonAnnotations`.
pub fn apply(resources: &mut [Resource], annotations: &BTreeMap<String, String>) -> Result<()> {
    write_pairs(
        resources,
        annotations,
        &table(include_str!("tables/common_annotations.txt")),
    )
}
