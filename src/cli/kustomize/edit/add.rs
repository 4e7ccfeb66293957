//! `kustomize edit add resource|component|label|annotation|patch`.

use clap::Subcommand;

use kforge::kustomize::edit::{Edit, PatchArg};

use crate::cli::kustomize::go_bool;

#[derive(clap::Args)]
pub struct AddArgs {
    #[command(subcommand)]
    command: AddCommand,
}

#[derive(Subcommand)]
enum AddCommand {
    /// Add resources (files, directories, glob patterns, remote Git URLs).
    Resource(ResourceArgs),
    /// Add components (directories, glob patterns, remote Git URLs).
    Component(PathArgs),
    /// Add commonLabels (or, with --without-selector, a labels entry): KEY:VALUE ...
    Label(LabelArgs),
    /// Add commonAnnotations: KEY:VALUE ...
    Annotation(AnnotationArgs),
    /// Add an item to the patches field (a file or inline text, with a target).
    Patch(PatchArgs),
}

#[derive(clap::Args)]
struct PathArgs {
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
}

#[derive(clap::Args)]
struct ResourceArgs {
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
    /// Add the paths as given, without checking that they exist.
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false",
          default_missing_value = "true", value_parser = go_bool, action = clap::ArgAction::Set)]
    no_verify: bool,
}

#[derive(clap::Args)]
struct LabelArgs {
    #[arg(value_name = "KEY:VALUE")]
    pairs: Vec<String>,
    /// Replace labels that are already there.
    #[arg(short, long, num_args = 0..=1, require_equals = true, default_value = "false",
          default_missing_value = "true", value_parser = go_bool, action = clap::ArgAction::Set)]
    force: bool,
    /// Add to a `labels` entry (includeSelectors false) instead of commonLabels.
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false",
          default_missing_value = "true", value_parser = go_bool, action = clap::ArgAction::Set)]
    without_selector: bool,
    /// With --without-selector: label pod templates too (includeTemplates).
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false",
          default_missing_value = "true", value_parser = go_bool, action = clap::ArgAction::Set)]
    include_templates: bool,
}

#[derive(clap::Args)]
struct AnnotationArgs {
    #[arg(value_name = "KEY:VALUE")]
    pairs: Vec<String>,
    /// Replace annotations that are already there.
    #[arg(short, long, num_args = 0..=1, require_equals = true, default_value = "false",
          default_missing_value = "true", value_parser = go_bool, action = clap::ArgAction::Set)]
    force: bool,
}

#[derive(clap::Args)]
struct PatchArgs {
    /// Path to the patch file (not with --patch).
    #[arg(long, default_value = "", hide_default_value = true)]
    path: String,
    /// The patch text (not with --path).
    #[arg(long, default_value = "", hide_default_value = true)]
    patch: String,
    /// Target API group.
    #[arg(long, default_value = "", hide_default_value = true)]
    group: String,
    /// Target API version.
    #[arg(long, default_value = "", hide_default_value = true)]
    version: String,
    /// Target kind.
    #[arg(long, default_value = "", hide_default_value = true)]
    kind: String,
    /// Target name.
    #[arg(long, default_value = "", hide_default_value = true)]
    name: String,
    /// Target namespace.
    #[arg(long, default_value = "", hide_default_value = true)]
    namespace: String,
    /// Target annotationSelector.
    #[arg(long, default_value = "", hide_default_value = true)]
    annotation_selector: String,
    /// Target labelSelector.
    #[arg(long, default_value = "", hide_default_value = true)]
    label_selector: String,
}

pub fn edit(args: AddArgs) -> kforge::Result<Edit> {
    match args.command {
        AddCommand::Resource(a) => Edit::add_resources(&a.paths, a.no_verify),
        AddCommand::Component(a) => Edit::add_components(&a.paths),
        AddCommand::Label(a) => {
            Edit::add_labels(&a.pairs, a.force, a.without_selector, a.include_templates)
        }
        AddCommand::Annotation(a) => Edit::add_annotations(&a.pairs, a.force),
        AddCommand::Patch(p) => Edit::add_patch(PatchArg {
            path: p.path,
            patch: p.patch,
            group: p.group,
            version: p.version,
            kind: p.kind,
            name: p.name,
            namespace: p.namespace,
            annotation_selector: p.annotation_selector,
            label_selector: p.label_selector,
        }),
    }
}
