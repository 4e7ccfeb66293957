//! What a build accumulates: the objects, in order, with their ids kept unique
//! ([`ResSet`]), and the transformer configuration and `vars` that travel up with them from
//! the kustomizations a build includes ([`Accumulator`]).

use crate::hash::HashSet;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::resource::Resource;
use crate::transform;
use crate::transform::config::TransformerConfig;

/// An ordered set of objects whose current ids are unique.
#[derive(Debug, Default)]
pub struct ResSet {
    items: Vec<Resource>,
    /// A hash of each id of `items` ([`id_hash`]); `None` after the items were handed out
    /// for changing.
    index: Option<HashSet<u64>>,
}

/// What makes an object's id unique in a set: its group, version and kind, its name, and
/// its namespace (`default` when unset; empty for a cluster-scoped kind).
fn id_parts(r: &Resource) -> (crate::resource::GvkRef<'_>, &str, &str) {
    let id = r.cur_id_ref();
    let ns = if id.gvk.is_cluster_scoped() {
        ""
    } else {
        id.effective_namespace()
    };
    (id.gvk, id.name, ns)
}

/// A hash of [`id_parts`], taken without copying them (a set of owned ids was a tenth of
/// the load of a large build). Equal ids hash alike; the rare different ids that collide
/// are told apart by comparing the parts.
fn id_hash(r: &Resource) -> u64 {
    use std::hash::{Hash, Hasher};
    let (gvk, name, ns) = id_parts(r);
    let mut h = std::hash::DefaultHasher::new();
    (gvk.group, gvk.version, gvk.kind, name, ns).hash(&mut h);
    h.finish()
}

impl ResSet {
    /// The objects.
    pub fn items(&self) -> &[Resource] {
        &self.items
    }

    /// The objects, to transform in place.
    pub fn items_mut(&mut self) -> &mut Vec<Resource> {
        self.index = None;
        &mut self.items
    }

    /// Add objects, refusing an id that is already present.
    pub fn append_all(&mut self, new: Vec<Resource>) -> Result<()> {
        let ResSet { items, index } = self;
        let seen = index.get_or_insert_with(|| items.iter().map(id_hash).collect());
        seen.reserve(new.len());
        items.reserve(new.len());
        for r in new {
            if !seen.insert(id_hash(&r)) {
                let key = id_parts(&r);
                if let Some(first) = items.iter().find(|o| id_parts(o) == key) {
                    return Err(Error::at(
                        &r.origin.file,
                        r.spans.get("").map(|s| s.value),
                        format!(
                            "may not add resource with an already registered id: {} (first from {}); each object may be included only once (check for a base reached twice)",
                            r.cur_id(),
                            first.origin.file.display()
                        ),
                    ));
                }
            }
            items.push(r);
        }
        Ok(())
    }

    /// Take the objects out.
    pub fn into_items(self) -> Vec<Resource> {
        self.items
    }
}

/// What accumulates while a kustomization and everything it includes are built: the
/// objects, and the transformer configuration that travels up with them (kustomize's
/// `ResAccumulator`).
pub struct Accumulator {
    /// The objects.
    pub set: ResSet,
    /// The field-spec tables: the builtin ones, merged with the `configurations:` of this
    /// kustomization and of everything it includes. Shared until one of them adds to it.
    pub config: Arc<TransformerConfig>,
    /// The `vars` of this kustomization and everything it includes, bound to objects.
    pub vars: Vec<transform::vars::BoundVar>,
}

impl Default for Accumulator {
    fn default() -> Self {
        Accumulator {
            set: ResSet::default(),
            config: TransformerConfig::builtin(),
            vars: Vec::new(),
        }
    }
}

impl Accumulator {
    /// Merge another configuration into this one (copied only when it adds something).
    pub(super) fn merge_config(&mut self, other: &Arc<TransformerConfig>) -> Result<()> {
        if Arc::ptr_eq(&self.config, other) {
            return Ok(());
        }
        Arc::make_mut(&mut self.config).merge(other)
    }
}
