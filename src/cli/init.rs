//! `kforge init DIR`: a new repository from the built-in template.

use std::path::PathBuf;

use clap::ValueEnum;

use super::io::print;
use super::{Outcome, Status};

#[derive(clap::Args)]
pub struct InitArgs {
    /// Directory to create (must be new or empty).
    dir: PathBuf,
    /// Application name; also the namespace (replaces `ml-serving`).
    #[arg(long, default_value = "ml-serving")]
    name: String,
    /// Cloud GPU node convention.
    #[arg(long, value_enum, default_value = "aws")]
    cloud: CloudArg,
    /// Leave out the KServe serving path (components/kserve, used by staging and prod).
    #[arg(long)]
    no_kserve: bool,
    /// Leave out the laptop environment (overlays/local, ci/local-up.sh).
    #[arg(long)]
    no_local: bool,
}

/// `--cloud`.
#[derive(Clone, Copy, ValueEnum)]
enum CloudArg {
    /// EKS with Karpenter NodePools.
    Aws,
    /// GKE accelerator node pools.
    Gke,
    /// AKS GPU node pools.
    Aks,
}

impl From<CloudArg> for kforge::init::Cloud {
    fn from(c: CloudArg) -> kforge::init::Cloud {
        match c {
            CloudArg::Aws => kforge::init::Cloud::Aws,
            CloudArg::Gke => kforge::init::Cloud::Gke,
            CloudArg::Aks => kforge::init::Cloud::Aks,
        }
    }
}

pub fn run(args: InitArgs) -> Outcome {
    let opts = kforge::init::InitOptions {
        name: args.name,
        cloud: args.cloud.into(),
        kserve: !args.no_kserve,
        local: !args.no_local,
    };
    let n = kforge::init::init(&args.dir, &opts)?;
    let done = format!(
        "init: wrote {n} files to {}; next: kforge check {}\n",
        args.dir.display(),
        args.dir.display()
    );
    print(done.as_bytes())?;
    Ok(Status::Clean)
}
