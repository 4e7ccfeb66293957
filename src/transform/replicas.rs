//! `replicas:` sets spec.replicas of workloads found by current or earlier name.

use kforge_value::Value;

use super::config::TransformerConfig;
use super::fieldspec::CreateKind;
use crate::error::{Error, Result};
use crate::model::Replica;
use crate::resource::Resource;

/// Apply the replica counts.
pub fn apply(
    resources: &mut [Resource],
    replicas: &[Replica],
    cfg: &TransformerConfig,
) -> Result<()> {
    let specs = &cfg.replicas;
    for rep in replicas {
        let mut found = false;
        // Which objects had that name (looked up once, not once per spec).
        let named: Vec<bool> = resources
            .iter()
            .map(|r| r.name() == rep.name || r.prev_ids.iter().any(|id| id.name == rep.name))
            .collect();
        // As kustomize: every field spec, applied to every object with that name (current
        // or earlier) whose kind the spec selects.
        for spec in specs {
            for (r, _) in resources.iter_mut().zip(&named).filter(|(_, n)| **n) {
                let cur = r.cur_id_ref();
                let hit = std::iter::once(cur)
                    .chain(r.prev_ids.iter().map(|id| id.as_ref()))
                    .any(|id| id.name == rep.name && id.gvk.is_selected(&spec.gvk));
                if !hit {
                    continue;
                }
                found = true;
                spec.apply(&mut r.value, Some(CreateKind::Scalar), &mut |n| {
                    *n = Value::from(rep.count);
                    Ok(())
                })?;
            }
        }
        if !found {
            let gvks: Vec<String> = specs.iter().map(|s| s.gvk.id_string()).collect();
            return Err(Error::msg(format!(
                "replicas: resource with name {} does not match a config with the following GVK [{}]",
                rep.name,
                gvks.join(" ")
            )));
        }
    }
    Ok(())
}
