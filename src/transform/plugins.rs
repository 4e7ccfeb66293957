//! kustomize's builtin transformer plugins as values: what a `transformers:` entry of a
//! builtin kind (`apiVersion: builtin`) asks for, with the field specs it names itself
//! (a plugin never reads the built-in field-spec tables). The kustomize layer reads and
//! checks the configurations (the kustomize layer's `plugins.rs`); [`apply`] runs one.

use std::collections::BTreeMap;

use super::config::TransformerConfig;
use super::fieldspec::FieldSpec;
use super::patches::Patch;
use super::smp_schema::Schemas;
use super::{images, labels, name_affix, namespace, replacements, replicas};
use crate::error::Result;
use crate::model::{Image, Replica};
use crate::resource::Resource;

/// One configured builtin transformer.
pub enum Step {
    /// `PrefixTransformer`.
    Prefix {
        /// The text added to names.
        text: String,
        /// Where to write (the plugin's own `fieldSpecs`).
        specs: Vec<FieldSpec>,
    },
    /// `SuffixTransformer`.
    Suffix {
        /// The text added to names.
        text: String,
        /// Where to write (the plugin's own `fieldSpecs`).
        specs: Vec<FieldSpec>,
    },
    /// `LabelTransformer` and `AnnotationsTransformer`: key/value pairs written at specs.
    Pairs {
        /// The keys and values.
        pairs: BTreeMap<String, String>,
        /// Where to write (the plugin's own `fieldSpecs`).
        specs: Vec<FieldSpec>,
    },
    /// `NamespaceTransformer`.
    Namespace {
        /// The namespace.
        namespace: String,
        /// Where to write (the plugin's own `fieldSpecs`).
        specs: Vec<FieldSpec>,
        /// `unsetOnly` and `setRoleBindingSubjects`.
        options: namespace::Options,
    },
    /// `ImageTagTransformer`.
    Image {
        /// The image rewrite.
        image: Image,
        /// Where to write (the plugin's own `fieldSpecs`).
        specs: Vec<FieldSpec>,
    },
    /// `ReplicaCountTransformer`.
    Replicas {
        /// The workload name and count.
        replica: Replica,
        /// Where to write (the plugin's own `fieldSpecs`).
        specs: Vec<FieldSpec>,
    },
    /// `PrefixSuffixTransformer`: the prefix, then the suffix, on the same field specs.
    PrefixSuffix {
        /// The text added before names.
        prefix: String,
        /// The text added after names.
        suffix: String,
        /// Where to write (the plugin's own `fieldSpecs`).
        specs: Vec<FieldSpec>,
    },
    /// `HashTransformer`: the content-hash suffix on generated objects, here.
    Hash,
    /// `PatchTransformer`, `PatchJson6902Transformer`, `PatchStrategicMergeTransformer`.
    Patches(Vec<Patch>),
    /// `ReplacementTransformer`.
    Replacements(Vec<replacements::Located>),
    /// `ValueAddTransformer`: one value into fields of the selected objects.
    ValueAdd {
        /// The value.
        value: String,
        /// Where to write it.
        targets: Vec<super::value_add::Target>,
        /// The configuration's file and position, for errors.
        at: (std::path::PathBuf, Option<crate::source::Pos>),
    },
}

/// Run `step` on `resources`.
pub fn apply(resources: &mut Vec<Resource>, step: &Step, schemas: &Schemas) -> Result<()> {
    match step {
        Step::Prefix { text, specs } => name_affix::apply_prefix(resources, text, specs),
        Step::Suffix { text, specs } => name_affix::apply_suffix(resources, text, specs),
        Step::Pairs { pairs, specs } => labels::write_pairs(resources, pairs, specs),
        Step::Namespace {
            namespace,
            specs,
            options,
        } => {
            let cfg = TransformerConfig {
                namespace: specs.clone(),
                ..Default::default()
            };
            namespace::apply_with(resources, namespace, &cfg, *options)
        }
        Step::Image { image, specs } => {
            let cfg = TransformerConfig {
                images: specs.clone(),
                ..Default::default()
            };
            images::apply(resources, std::slice::from_ref(image), &cfg).map(drop)
        }
        Step::Replicas { replica, specs } => {
            let cfg = TransformerConfig {
                replicas: specs.clone(),
                ..Default::default()
            };
            replicas::apply(resources, std::slice::from_ref(replica), &cfg)
        }
        Step::PrefixSuffix {
            prefix,
            suffix,
            specs,
        } => {
            name_affix::apply_prefix(resources, prefix, specs)?;
            name_affix::apply_suffix(resources, suffix, specs)
        }
        Step::Hash => {
            super::hash::apply(resources);
            Ok(())
        }
        Step::Patches(list) => super::patches::apply(resources, list, schemas),
        Step::Replacements(list) => replacements::apply(resources, list).map(drop),
        Step::ValueAdd { value, targets, at } => {
            super::value_add::apply(resources, value, targets).map_err(|e| e.in_file(&at.0, at.1))
        }
    }
}
