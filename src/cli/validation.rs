//! What `validate`, `check` and `render` share: the validation flags, and validating then
//! reporting with the exit status `--fail-on` asks for.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::ValueEnum;

use super::build::KustomizeArgs;
use super::io::print;
use super::{Outcome, Status};

#[derive(clap::Args)]
pub struct ValidationArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: FormatArg,
    /// Exit 1 when a finding of this severity or higher is reported.
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// Where the rule pages are published, for SARIF `helpUri`s: an absolute URL to which
    /// `<ID>.md` is appended, or in which `{id}` is replaced by the rule id.
    #[arg(long, env = "KFORGE_DOCS_BASE_URL", value_name = "URL",
          default_value = kforge::report::DEFAULT_DOCS_BASE_URL, hide_env_values = true)]
    docs_base_url: String,
    #[command(flatten)]
    pub input: InputArgs,
}

/// What the builds read: the kustomization flags and the CRDs installed by others (shared by
/// `validate`, `check` and `render`).
#[derive(clap::Args)]
pub struct InputArgs {
    #[command(flatten)]
    kustomize: KustomizeArgs,
    /// CustomResourceDefinitions installed by others (`kforge check` also reads the
    /// `crdDirs` of kforge.yaml, by default ROOT/ci/schemas/crds when it exists).
    #[arg(long)]
    crd_dir: Vec<PathBuf>,
}

/// `--format`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
}

impl From<FormatArg> for kforge::report::Format {
    fn from(f: FormatArg) -> kforge::report::Format {
        match f {
            FormatArg::Human => kforge::report::Format::Human,
            FormatArg::Json => kforge::report::Format::Json,
            FormatArg::Sarif => kforge::report::Format::Sarif,
            FormatArg::Junit => kforge::report::Format::Junit,
            FormatArg::Github => kforge::report::Format::Github,
        }
    }
}

/// `--fail-on`.
#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
}

impl From<FailOn> for kforge::Severity {
    fn from(f: FailOn) -> kforge::Severity {
        match f {
            FailOn::Error => kforge::Severity::Error,
            FailOn::Warning => kforge::Severity::Warning,
            FailOn::Info => kforge::Severity::Info,
        }
    }
}

impl InputArgs {
    /// The build options the kustomization flags ask for.
    pub fn build_options(&self) -> kforge::BuildOptions {
        self.kustomize.build_options()
    }

    /// The CRDs of every `--crd-dir`.
    pub fn crds(&self, options: &kforge::BuildOptions) -> kforge::Result<Vec<kforge::Resource>> {
        let mut crds = Vec::new();
        for dir in &self.crd_dir {
            crds.extend(kforge::load_crds(dir, options)?);
        }
        Ok(crds)
    }
}

/// Validate through `validate` (given the build options and the `--crd-dir` CRDs), print
/// the report on standard output, and find whether a finding reaches `--fail-on`.
pub fn run_checks(
    args: &ValidationArgs,
    validate: impl FnOnce(
        &kforge::BuildOptions,
        &[kforge::Resource],
    ) -> kforge::Result<Vec<kforge::report::Target>>,
) -> Outcome {
    kforge::report::check_docs_base_url(&args.docs_base_url)?;
    let options = args.input.build_options();
    let crds = args.input.crds(&options)?;
    let targets = validate(&options, &crds)?;
    let color = args.format == FormatArg::Human
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let report = kforge::report::ReportOptions {
        color,
        docs_base_url: args.docs_base_url.clone(),
    };
    let text = kforge::report::format_report_with(args.format.into(), &targets, &report);
    print(text.as_bytes())?;
    Ok(status(&targets, args.fail_on.into()))
}

/// Findings when a finding reaches `threshold`, else clean.
pub fn status(targets: &[kforge::report::Target], threshold: kforge::Severity) -> Status {
    let failed = targets
        .iter()
        .flat_map(|t| &t.findings)
        .any(|f| f.severity >= threshold);
    if failed {
        Status::Findings
    } else {
        Status::Clean
    }
}
