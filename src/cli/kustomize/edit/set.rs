//! `kustomize edit set image|namespace|nameprefix|namesuffix|replicas|label|annotation`.

use clap::Subcommand;

use kforge::kustomize::edit::Edit;

#[derive(clap::Args)]
pub struct SetArgs {
    #[command(subcommand)]
    command: SetCommand,
}

/// The values of a `set` command.
#[derive(clap::Args)]
pub struct Values {
    #[arg(value_name = "VALUE")]
    values: Vec<String>,
}

#[derive(Subcommand)]
enum SetCommand {
    /// Set images' new names, tags or digests: IMAGE=NEWNAME:TAG@DIGEST, IMAGE:TAG,
    /// IMAGE@DIGEST, ... (`*` for a part keeps the file's value); the list is sorted by name.
    Image(Values),
    /// Set the namespace field.
    Namespace(Values),
    /// Set the namePrefix field.
    Nameprefix(Values),
    /// Set the nameSuffix field (`set namesuffix -- -acme` for a value starting with `-`).
    Namesuffix(Values),
    /// Set replica counts: NAME=COUNT ...; the list is sorted by name.
    Replicas(Values),
    /// Set commonLabels entries: KEY:VALUE ...
    Label(Values),
    /// Set commonAnnotations entries: KEY:VALUE ...
    Annotation(Values),
}

pub fn edit(args: SetArgs) -> kforge::Result<Edit> {
    match args.command {
        SetCommand::Image(v) => Edit::set_images(&v.values),
        SetCommand::Namespace(v) => Edit::set_namespace(&v.values),
        SetCommand::Nameprefix(v) => Edit::set_name_prefix(&v.values),
        SetCommand::Namesuffix(v) => Edit::set_name_suffix(&v.values),
        SetCommand::Replicas(v) => Edit::set_replicas(&v.values),
        SetCommand::Label(v) => Edit::set_labels(&v.values),
        SetCommand::Annotation(v) => Edit::set_annotations(&v.values),
    }
}
