//! `kustomize version`: the kustomize version kforge matches, in the forms kustomize prints
//! it (Argo CD runs `kustomize version --short` and takes the first semantic version in it).

use super::go_bool;
use crate::cli::io::print;
use crate::cli::{Failure, Outcome, Status};

use kforge::KUSTOMIZE_VERSION;

#[derive(clap::Args)]
pub struct VersionArgs {
    /// Deprecated short form: `{v5.8.1  unknown   }`.
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false",
          default_missing_value = "true", value_parser = go_bool, action = clap::ArgAction::Set)]
    short: bool,
    /// `yaml` or `json`.
    #[arg(short, long, value_name = "FORMAT")]
    output: Option<String>,
}

/// Go's names for this build's operating system and architecture.
fn go_os_arch() -> (&'static str, &'static str) {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    };
    (os, arch)
}

/// What `version` prints for these flags.
pub fn text(short: bool, output: Option<&str>) -> Result<String, String> {
    let output = output.unwrap_or("");
    if short && !output.is_empty() {
        return Err("--short and --output are mutually exclusive".into());
    }
    let (os, arch) = go_os_arch();
    // kustomize's provenance: the version, a commit and a build date kforge does not have
    // (kustomize's own default for both is "unknown"), and the platform.
    Ok(match output {
        "" if short => format!("{{{KUSTOMIZE_VERSION}  unknown   }}\n"),
        "" => format!("{KUSTOMIZE_VERSION}\n"),
        "yaml" => format!(
            "version: {KUSTOMIZE_VERSION}\ngitCommit: unknown\nbuildDate: unknown\ngoOs: {os}\ngoArch: {arch}\n\n"
        ),
        "json" => format!(
            "{{\n  \"version\": \"{KUSTOMIZE_VERSION}\",\n  \"gitCommit\": \"unknown\",\n  \"buildDate\": \"unknown\",\n  \"goOs\": \"{os}\",\n  \"goArch\": \"{arch}\"\n}}\n"
        ),
        other => return Err(format!("--output must be 'yaml' or 'json', not '{other}'")),
    })
}

pub fn run(args: VersionArgs) -> Outcome {
    if args.short {
        eprintln!("Flag --short has been deprecated, and will be removed in the future.");
    }
    let t = text(args.short, args.output.as_deref()).map_err(Failure::Message)?;
    print(t.as_bytes())?;
    Ok(Status::Clean)
}
