//! Command-line arguments: Helm's commands and flags where they apply, plus
//! `plan`, `--target` and `--state-dir`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Drive the Helm release lifecycle and run chart hooks: Kubernetes hooks in a
/// cluster, Wasm hooks in a sandbox, with or without a cluster.
#[derive(Debug, Parser)]
#[command(name = "windlass", version, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Namespace of the release [default: on the cluster target the kubeconfig
    /// context's namespace, as kubectl and Helm do; else `default`].
    #[arg(
        short = 'n',
        long = "namespace",
        value_name = "NAMESPACE",
        global = true,
        env = "WINDLASS_NAMESPACE"
    )]
    pub namespace_flag: Option<String>,
    /// The namespace in effect: `namespace_flag` or its default, set by
    /// `commands::run` before any command sees it.
    #[arg(skip)]
    pub namespace: String,
    /// Where releases go: `local` keeps them in a state directory and applies
    /// nothing to a cluster; `cluster` uses the kubeconfig's cluster.
    #[arg(long, global = true, env = "WINDLASS_TARGET", value_enum, default_value_t = TargetKind::Local)]
    pub target: TargetKind,
    /// State directory of the local target [default: $XDG_STATE_HOME/windlass or
    /// ~/.local/state/windlass].
    #[arg(long, global = true, env = "WINDLASS_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Objects (a YAML stream or a JSON list) that answer Wasm hooks' cluster
    /// lookups on the local target; without it lookups find nothing.
    #[arg(long, global = true, env = "WINDLASS_FIXTURES", value_name = "FILE")]
    pub fixtures: Option<PathBuf>,
    /// Path of the kubeconfig for the cluster target [default: $KUBECONFIG,
    /// then ~/.kube/config, then the in-cluster service account].
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context for the cluster target [default: the current context].
    #[arg(long, global = true, env = "HELM_KUBECONTEXT", value_name = "NAME")]
    pub kube_context: Option<String>,
    /// Stream Kubernetes hooks' pod logs live while they run (a failing
    /// hook's logs are shown without it).
    #[arg(long, global = true)]
    pub hook_logs: bool,
    /// Kubernetes version the local target reports to charts (`kubeVersion`,
    /// `.Capabilities.KubeVersion`).
    #[arg(long, global = true, env = "WINDLASS_KUBE_VERSION", default_value = windlass_engine::DEFAULT_KUBE_VERSION)]
    pub kube_version: String,
    /// API versions added to `.Capabilities.APIVersions` on the local target
    /// (`batch/v1/CronJob` form included), as Helm's `--api-versions`.
    #[arg(
        long = "api-versions",
        short = 'a',
        global = true,
        value_name = "VERSION",
        value_delimiter = ','
    )]
    pub api_versions: Vec<String>,
}

/// `--target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TargetKind {
    /// No cluster: releases in the state directory.
    Local,
    /// The cluster of the current kubeconfig context.
    Cluster,
}

/// `-o/--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Output {
    /// Human-readable.
    #[default]
    Table,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Install a chart as a new release.
    Install(InstallArgs),
    /// Upgrade a release to a chart.
    Upgrade(UpgradeArgs),
    /// Roll a release back to an earlier revision (the previous one by default).
    Rollback(RollbackArgs),
    /// Uninstall releases.
    #[command(alias = "un", alias = "delete", alias = "del")]
    Uninstall(UninstallArgs),
    /// Run a release's test hooks.
    Test(TestArgs),
    /// Show a release's status.
    Status(StatusArgs),
    /// Show a release's revisions.
    #[command(alias = "hist")]
    History(HistoryArgs),
    /// List releases.
    #[command(alias = "ls")]
    List(ListArgs),
    /// Render a chart's resources and hooks locally.
    Template(TemplateArgs),
    /// Show which hooks an action will run, in which order, and which resources it touches.
    Plan(PlanArgs),
    /// Run or inspect a Wasm hook on its own, without a chart or a cluster.
    #[command(subcommand)]
    Hook(HookCommand),
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Run one hook module and print its verdict. Exit 0 allowed, 1 denied, 2 error.
    Run(Box<HookRunArgs>),
    /// Print a module's kind, imports and exports.
    Inspect(HookInspectArgs),
}

#[derive(Debug, Args)]
pub struct HookRunArgs {
    /// The module: a `windlass:hook` component or a WASI command module.
    pub module: PathBuf,
    /// The lifecycle event to run it at.
    #[arg(long, default_value = "pre-install")]
    pub event: String,
    /// The merged values the hook sees (values flags, applied in Helm's order).
    #[command(flatten)]
    pub values: ValuesArgs,
    /// The release's rendered resources (a YAML stream).
    #[arg(long, value_name = "FILE")]
    pub manifests: Option<PathBuf>,
    /// The hook's `spec.config` (YAML or JSON).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The hook's `spec.grants` (YAML or JSON); default: nothing granted.
    #[arg(long, value_name = "FILE")]
    pub grants: Option<PathBuf>,
    /// A directory the hook may read as its chart (needs `chartFiles` in the grants).
    #[arg(long, value_name = "DIR")]
    pub chart_dir: Option<PathBuf>,
    /// Time limit for the call (Go duration).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// Release name the hook sees.
    #[arg(long, default_value = "test")]
    pub release_name: String,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct HookInspectArgs {
    /// The module.
    pub module: PathBuf,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Output,
}

/// Values flags, applied in Helm's order: `-f` files, then `--set-json`,
/// `--set`, `--set-string`, `--set-file`, `--set-literal`.
#[derive(Debug, Args, Default)]
pub struct ValuesArgs {
    /// A values file (YAML); repeat for more, later ones win. `-` reads stdin.
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Set values: `a.b=c,list[0]=d`.
    #[arg(long, value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Set string values: `a.b=010`.
    #[arg(long, value_name = "PATH=STRING")]
    pub set_string: Vec<String>,
    /// Set JSON values: `a.b={"c":1}`.
    #[arg(long, value_name = "PATH=JSON")]
    pub set_json: Vec<String>,
    /// Set values from files: `a.b=path/to/file`.
    #[arg(long, value_name = "PATH=FILE")]
    pub set_file: Vec<String>,
    /// Set literal strings: `a.b=anything,at=all`.
    #[arg(long, value_name = "PATH=LITERAL")]
    pub set_literal: Vec<String>,
}

/// Flags shared by the actions that run hooks.
#[derive(Debug, Args)]
pub struct HookArgs {
    /// Do not run hooks.
    #[arg(long)]
    pub no_hooks: bool,
    /// Time to wait for each hook and each wait (Go duration: `300s`, `5m`, `1h`).
    #[arg(long, default_value = "5m0s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    windlass_engine::duration::parse(text)
}

/// `--wait`: bare means `watcher`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WaitStrategy {
    /// Wait with kstatus (Helm v4's default for bare `--wait`).
    Watcher,
    /// Wait the Helm v3 way.
    Legacy,
}

/// `--dry-run`: bare means `client`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DryRun {
    /// Do not dry-run.
    None,
    /// Render without contacting a cluster.
    Client,
    /// Render, consulting the cluster.
    Server,
}

/// Flags install and upgrade share.
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    #[command(flatten)]
    pub hooks: HookArgs,
    /// Wait until resources are ready.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "watcher", value_enum)]
    pub wait: Option<WaitStrategy>,
    /// Render and show the release without storing or applying anything.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "client", value_enum)]
    pub dry_run: Option<DryRun>,
    /// Description of this revision.
    #[arg(long)]
    pub description: Option<String>,
    /// On failure, undo: uninstall a failed install, roll a failed upgrade back
    /// to the last successful revision.
    #[arg(long, alias = "atomic")]
    pub rollback_on_failure: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Output,
}

/// How an upgrade composes the values given now with the previous revision's
/// (Helm's precedence: reset, then reuse, then reset-then-reuse).
#[derive(Debug, Args)]
pub struct ValuesModeArgs {
    /// Use only the values given now, not the previous revision's.
    #[arg(long)]
    pub reset_values: bool,
    /// Merge the values given now over the previous revision's merged values.
    #[arg(long)]
    pub reuse_values: bool,
    /// Use the new chart's defaults, then the previous revision's values, then those given now.
    #[arg(long)]
    pub reset_then_reuse_values: bool,
}

impl ValuesModeArgs {
    pub fn mode(&self) -> windlass_engine::ValuesMode {
        use windlass_engine::ValuesMode;
        if self.reset_values {
            ValuesMode::Reset
        } else if self.reuse_values {
            ValuesMode::Reuse
        } else if self.reset_then_reuse_values {
            ValuesMode::ResetThenReuse
        } else {
            ValuesMode::Default
        }
    }
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Release name.
    pub name: String,
    /// Chart directory or `.tgz`.
    pub chart: PathBuf,
    #[command(flatten)]
    pub release: ReleaseArgs,
    /// Reuse the name of a release that is uninstalled (with history) or failed.
    #[arg(long)]
    pub replace: bool,
    /// Create the release namespace if it does not exist.
    #[arg(long)]
    pub create_namespace: bool,
}

#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// Release name.
    pub name: String,
    /// Chart directory or `.tgz`.
    pub chart: PathBuf,
    #[command(flatten)]
    pub release: ReleaseArgs,
    /// Install the release if it does not exist.
    #[arg(short, long)]
    pub install: bool,
    /// Revisions to keep (0 = unlimited).
    #[arg(long, env = "HELM_MAX_HISTORY", default_value_t = windlass_engine::DEFAULT_HISTORY_MAX)]
    pub history_max: usize,
    #[command(flatten)]
    pub values_mode: ValuesModeArgs,
    /// On failure, delete the resources this upgrade created.
    #[arg(long)]
    pub cleanup_on_fail: bool,
    /// With --install: create the release namespace if it does not exist.
    #[arg(long)]
    pub create_namespace: bool,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// Release name.
    pub name: String,
    /// Revision to return to (default: the previous one).
    pub revision: Option<u32>,
    #[command(flatten)]
    pub hooks: HookArgs,
    /// Wait until resources are ready.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "watcher", value_enum)]
    pub wait: Option<WaitStrategy>,
    /// Show what would happen without changing anything.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "client", value_enum)]
    pub dry_run: Option<DryRun>,
    /// Revisions to keep (0 = unlimited).
    #[arg(long, env = "HELM_MAX_HISTORY", default_value_t = windlass_engine::DEFAULT_HISTORY_MAX)]
    pub history_max: usize,
}

#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Release names.
    #[arg(required = true)]
    pub names: Vec<String>,
    #[command(flatten)]
    pub hooks: HookArgs,
    /// Keep the release's history, marked uninstalled.
    #[arg(long)]
    pub keep_history: bool,
    /// Description of the uninstall.
    #[arg(long)]
    pub description: Option<String>,
    /// Show what would be uninstalled without changing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Succeed if the release does not exist.
    #[arg(long)]
    pub ignore_not_found: bool,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Release name.
    pub name: String,
    /// Time to wait for each test hook (Go duration).
    #[arg(long, default_value = "5m0s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// Run only `name=NAME`, or skip `!name=NAME`; comma-separated or repeated.
    #[arg(long, value_delimiter = ',')]
    pub filter: Vec<String>,
    /// Show the logs of every test hook (Jobs' and Pods').
    #[arg(long)]
    pub logs: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Release name.
    pub name: String,
    /// Show this revision instead of the latest.
    #[arg(long)]
    pub revision: Option<u32>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Release name.
    pub name: String,
    /// Show at most this many revisions (the newest).
    #[arg(long, default_value_t = 256)]
    pub max: usize,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// List releases in all namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Print names only.
    #[arg(short = 'q', long)]
    pub short: bool,
    /// Only names matching this regular expression.
    #[arg(short, long)]
    pub filter: Option<String>,
    /// Only deployed releases.
    #[arg(long)]
    pub deployed: bool,
    /// Only failed releases.
    #[arg(long)]
    pub failed: bool,
    /// Only pending releases.
    #[arg(long)]
    pub pending: bool,
    /// Only superseded releases.
    #[arg(long)]
    pub superseded: bool,
    /// Only uninstalled releases (kept with --keep-history).
    #[arg(long)]
    pub uninstalled: bool,
    /// Only releases being uninstalled.
    #[arg(long)]
    pub uninstalling: bool,
    /// Sort by date instead of name.
    #[arg(short, long)]
    pub date: bool,
    /// Reverse the order.
    #[arg(short, long)]
    pub reverse: bool,
    /// Do not print the header.
    #[arg(long)]
    pub no_headers: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Release name, then chart; with one argument it is the chart and the
    /// release is `release-name`.
    #[arg(num_args = 1..=2, required = true, value_name = "[NAME] CHART")]
    pub args: Vec<String>,
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Leave hooks out.
    #[arg(long)]
    pub no_hooks: bool,
    /// Include the chart's `crds/` files.
    #[arg(long)]
    pub include_crds: bool,
    /// Leave test hooks out.
    #[arg(long)]
    pub skip_tests: bool,
}

/// `plan --action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanActionArg {
    Install,
    Upgrade,
    Rollback,
    Uninstall,
    Test,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Release name.
    pub name: String,
    /// Chart directory or `.tgz` (install and upgrade render it; the other
    /// actions use the stored release).
    pub chart: Option<PathBuf>,
    /// The action to plan.
    #[arg(long, value_enum, default_value_t = PlanActionArg::Install)]
    pub action: PlanActionArg,
    /// For rollback: the revision to return to (default: the previous one).
    #[arg(long)]
    pub revision: Option<u32>,
    #[command(flatten)]
    pub values: ValuesArgs,
    /// For upgrade: how values are composed.
    #[command(flatten)]
    pub values_mode: ValuesModeArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Output,
}
