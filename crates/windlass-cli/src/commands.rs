//! One function per command: turn arguments into engine calls and results into
//! output. No lifecycle logic lives here.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use regex::Regex;
use windlass_chart::{Chart, Values, values::ValueOptions};
use windlass_engine::{
    ClusterLookups, ClusterTarget, Engine, InstallOptions, LocalTarget, PlanAction, PlanRequest,
    Progress, RollbackOptions, Target, TestOptions, UninstallOptions, UpgradeOptions,
    WasmHookRunner,
};
use windlass_kube::{ConnectOptions, Kube, SecretDriver};
use windlass_release::{LocalDriver, MemoryDriver, Release, Status, Storage};
use windlass_wasm::{ClusterReader, Fixtures, HookInput, ModuleCache, Runtime};

use crate::args::{
    Cli, Command, DryRun, Global, HistoryArgs, HookCommand, HookInspectArgs, HookRunArgs,
    InstallArgs, ListArgs, Output, PlanActionArg, PlanArgs, RollbackArgs, StatusArgs, TargetKind,
    TemplateArgs, TestArgs, UninstallArgs, UpgradeArgs, ValuesArgs,
};
use crate::output;
use crate::progress::Stderr;

/// Runs one command, printing data to stdout.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let Cli {
        mut global,
        command,
    } = cli;
    global.namespace = match (&global.namespace_flag, global.target) {
        (Some(namespace), _) => namespace.clone(),
        (None, TargetKind::Cluster) => connect(&global).await?.default_namespace().to_string(),
        (None, TargetKind::Local) => "default".to_string(),
    };
    let result = dispatch(&global, command).await;
    // Release locks (cluster Leases) before the runtime, and their deleting
    // tasks, go away with the process.
    let drivers: Vec<Arc<SecretDriver>> = SECRET_DRIVERS
        .lock()
        .map(|mut d| std::mem::take(&mut *d))
        .unwrap_or_default();
    for driver in drivers {
        driver.settle().await;
    }
    result
}

/// Secret drivers this process made, to settle before it exits.
static SECRET_DRIVERS: std::sync::Mutex<Vec<Arc<SecretDriver>>> = std::sync::Mutex::new(Vec::new());

/// The `secret` storage driver on `kube`'s cluster.
fn secret_storage(kube: &Kube) -> Storage {
    let driver = Arc::new(SecretDriver::new(kube.client().clone()));
    if let Ok(mut drivers) = SECRET_DRIVERS.lock() {
        drivers.push(driver.clone());
    }
    Storage::new(driver)
}

async fn dispatch(global: &Global, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Install(args) => install(global, args).await,
        Command::Upgrade(args) => upgrade(global, args).await,
        Command::Rollback(args) => rollback(global, args).await,
        Command::Uninstall(args) => uninstall(global, args).await,
        Command::Test(args) => test(global, args).await,
        Command::Status(args) => status(global, args).await,
        Command::History(args) => history(global, args).await,
        Command::List(args) => list(global, args).await,
        Command::Template(args) => template(global, args).await,
        Command::Plan(args) => plan(global, args).await,
        Command::Hook(HookCommand::Run(args)) => hook_run(global, *args).await,
        Command::Hook(HookCommand::Inspect(args)) => hook_inspect(args),
    }
}

/// Ends the process with `code` after the command printed what it had to say;
/// with a message, `main` prints it as the error line.
#[derive(Debug)]
pub struct ExitWith {
    pub code: u8,
    pub message: Option<String>,
}

impl std::fmt::Display for ExitWith {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message.as_deref().unwrap_or(""))
    }
}

impl std::error::Error for ExitWith {}

fn print(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// The state directory: `--state-dir`, else `$XDG_STATE_HOME/windlass`, else
/// `~/.local/state/windlass`.
fn state_dir(global: &Global) -> anyhow::Result<PathBuf> {
    if let Some(dir) = &global.state_dir {
        return Ok(dir.clone());
    }
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("windlass"));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .context("cannot find a state directory: set --state-dir, WINDLASS_STATE_DIR or HOME")?;
    Ok(PathBuf::from(home).join(".local/state/windlass"))
}

/// The Wasm runtime, caching compiled modules under the user's cache directory.
fn wasm_runtime() -> anyhow::Result<Arc<Runtime>> {
    Ok(Arc::new(
        Runtime::new(Some(ModuleCache::new(ModuleCache::default_dir())))
            .map_err(anyhow::Error::msg)?,
    ))
}

/// `--fixtures`: Kubernetes objects from a YAML stream, a JSON list or a `List`.
fn fixtures(global: &Global) -> anyhow::Result<Fixtures> {
    let Some(path) = &global.fixtures else {
        return Ok(Fixtures::default());
    };
    Ok(Fixtures::new(read_objects(path)?))
}

/// Objects from a YAML stream (or JSON), flattening lists and `kind: List`.
fn read_objects(path: &Path) -> anyhow::Result<Vec<serde_json::Value>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let text =
        String::from_utf8(bytes).with_context(|| format!("`{}` is not UTF-8", path.display()))?;
    let source = path.display().to_string();
    let mut objects = Vec::new();
    for document in windlass_chart::manifest::split_documents(&text) {
        match windlass_chart::yaml::parse(document.as_bytes(), &source)? {
            serde_json::Value::Null => {}
            serde_json::Value::Array(items) => objects.extend(items),
            object if object.get("kind").and_then(serde_json::Value::as_str) == Some("List") => {
                if let Some(items) = object.get("items").and_then(serde_json::Value::as_array) {
                    objects.extend(items.iter().cloned());
                }
            }
            object => objects.push(object),
        }
    }
    Ok(objects)
}

/// The engine for `--target`, reporting progress as JSON lines when data goes
/// out as JSON or YAML, and running Wasm hooks (their lookups answered by the
/// cluster, or by `--fixtures` on the local target).
async fn engine(global: &Global, format: Output) -> anyhow::Result<Engine> {
    let progress: Arc<dyn Progress> = Arc::new(Stderr::new(format != Output::Table));
    let (storage, target, lookups): (Storage, Arc<dyn Target>, Arc<dyn ClusterReader>) =
        match global.target {
            TargetKind::Local => (
                Storage::new(Arc::new(LocalDriver::new(state_dir(global)?))),
                Arc::new(local_target(global)?),
                Arc::new(fixtures(global)?),
            ),
            TargetKind::Cluster => {
                let kube = connect(global).await?;
                let version = kube.server_version().await?;
                let version = windlass_chart::constraint::normalize_kube_version(&version)
                    .with_context(|| format!("the cluster reports version `{version}`"))?;
                (
                    secret_storage(&kube),
                    Arc::new(ClusterTarget::new(
                        kube.clone(),
                        version,
                        progress.clone(),
                        global.hook_logs,
                    )),
                    Arc::new(ClusterLookups::new(kube)),
                )
            }
        };
    let template_lookups = (global.target == TargetKind::Cluster).then(|| lookups.clone());
    let runner = WasmHookRunner::new(wasm_runtime()?, lookups);
    let engine = match template_lookups {
        Some(reader) => Engine::new(storage, target).with_template_lookups(reader),
        None => Engine::new(storage, target),
    };
    Ok(engine
        .with_progress(progress)
        .with_wasm_runner(Arc::new(runner)))
}

/// The cluster of `--kubeconfig`/`--kube-context`, found as kubectl finds it.
async fn connect(global: &Global) -> anyhow::Result<Arc<Kube>> {
    let opts = ConnectOptions {
        kubeconfig: global.kubeconfig.clone(),
        context: global.kube_context.clone(),
    };
    Ok(Arc::new(Kube::connect(&opts).await?))
}

/// The engine for commands that only read releases.
async fn store_engine(global: &Global, format: Output) -> anyhow::Result<Engine> {
    let storage = match global.target {
        TargetKind::Local => Storage::new(Arc::new(LocalDriver::new(state_dir(global)?))),
        TargetKind::Cluster => secret_storage(&*connect(global).await?),
    };
    let target = Arc::new(local_target(global)?);
    Ok(Engine::new(storage, target).with_progress(Arc::new(Stderr::new(format != Output::Table))))
}

/// The no-cluster target, reporting `--kube-version` in Helm's normalised form.
fn local_target(global: &Global) -> anyhow::Result<LocalTarget> {
    let version = windlass_chart::constraint::normalize_kube_version(&global.kube_version)
        .with_context(|| format!("invalid --kube-version `{}`", global.kube_version))?;
    Ok(LocalTarget::new(version).with_api_versions(global.api_versions.clone()))
}

fn load_chart(path: &Path) -> anyhow::Result<Chart> {
    Ok(windlass_chart::load::load(path)?)
}

fn user_values(args: &ValuesArgs) -> anyhow::Result<Values> {
    let options = ValueOptions {
        value_files: args.values.clone(),
        set_json: args.set_json.clone(),
        set: args.set.clone(),
        set_string: args.set_string.clone(),
        set_file: args.set_file.clone(),
        set_literal: args.set_literal.clone(),
    };
    Ok(options.merge_values()?)
}

fn is_dry_run(flag: Option<DryRun>) -> bool {
    !matches!(flag, None | Some(DryRun::None))
}

/// Install and upgrade print the whole release (chart included) as data.
fn print_release(release: &Release, format: Output) -> anyhow::Result<()> {
    match format {
        Output::Table => print(&output::status(release, true)),
        _ => print(&output::data(release, format)?),
    }
    Ok(())
}

async fn install(global: &Global, args: InstallArgs) -> anyhow::Result<()> {
    let chart = load_chart(&args.chart)?;
    let r = args.release;
    let config = user_values(&r.values)?;
    let engine = engine(global, r.output).await?;
    let opts = InstallOptions {
        no_hooks: r.hooks.no_hooks,
        timeout: r.hooks.timeout,
        wait: r.wait.is_some(),
        dry_run: is_dry_run(r.dry_run),
        description: r.description,
        rollback_on_failure: r.rollback_on_failure,
        replace: args.replace,
        create_namespace: args.create_namespace,
        ..InstallOptions::new(&args.name, &global.namespace)
    };
    let release = engine.install(chart, config, &opts).await?;
    print_release(&release, r.output)
}

async fn upgrade(global: &Global, args: UpgradeArgs) -> anyhow::Result<()> {
    let chart = load_chart(&args.chart)?;
    let r = args.release;
    let config = user_values(&r.values)?;
    let engine = engine(global, r.output).await?;
    let opts = UpgradeOptions {
        install: args.install,
        no_hooks: r.hooks.no_hooks,
        timeout: r.hooks.timeout,
        wait: r.wait.is_some(),
        dry_run: is_dry_run(r.dry_run),
        description: r.description,
        rollback_on_failure: r.rollback_on_failure,
        history_max: args.history_max,
        values_mode: args.values_mode.mode(),
        cleanup_on_fail: args.cleanup_on_fail,
        create_namespace: args.create_namespace,
        ..UpgradeOptions::new(&args.name, &global.namespace)
    };
    let installs = args.install
        && match engine.storage().last(&global.namespace, &args.name).await {
            Ok(last) => last.info.status == Status::Uninstalled,
            Err(windlass_release::Error::NotFound { .. }) => true,
            Err(_) => false,
        };
    let release = engine.upgrade(chart, config, &opts).await?;
    if r.output == Output::Table {
        if installs {
            print(&format!(
                "Release {:?} does not exist. Installing it now.\n",
                args.name
            ));
        } else {
            print(&format!(
                "Release {:?} has been upgraded. Happy Helming!\n",
                args.name
            ));
        }
    }
    print_release(&release, r.output)
}

async fn rollback(global: &Global, args: RollbackArgs) -> anyhow::Result<()> {
    let engine = engine(global, Output::Table).await?;
    let opts = RollbackOptions {
        revision: args.revision.unwrap_or(0),
        no_hooks: args.hooks.no_hooks,
        timeout: args.hooks.timeout,
        wait: args.wait.is_some(),
        dry_run: is_dry_run(args.dry_run),
        history_max: args.history_max,
        ..RollbackOptions::new(&args.name, &global.namespace)
    };
    engine.rollback(&opts).await?;
    print("Rollback was a success! Happy Helming!\n");
    Ok(())
}

async fn uninstall(global: &Global, args: UninstallArgs) -> anyhow::Result<()> {
    let engine = engine(global, Output::Table).await?;
    for name in &args.names {
        let opts = UninstallOptions {
            keep_history: args.keep_history,
            no_hooks: args.hooks.no_hooks,
            timeout: args.hooks.timeout,
            description: args.description.clone(),
            dry_run: args.dry_run,
            ..UninstallOptions::new(name, &global.namespace)
        };
        match engine.uninstall(&opts).await {
            Ok(done) => {
                if !done.kept.is_empty() {
                    let mut kept =
                        String::from("These resources were kept due to the resource policy:\n");
                    for r in &done.kept {
                        kept.push_str(&format!("[{}] {}\n", r.kind, r.name));
                    }
                    print(&format!("{kept}\n"));
                }
            }
            Err(windlass_engine::Error::Storage(windlass_release::Error::NotFound { .. }))
                if args.ignore_not_found => {}
            Err(e) => return Err(e.into()),
        }
        print(&format!("release {name:?} uninstalled\n"));
    }
    Ok(())
}

async fn test(global: &Global, args: TestArgs) -> anyhow::Result<()> {
    let engine = engine(global, Output::Table).await?;
    let opts = TestOptions {
        timeout: args.timeout,
        filters: args.filter,
        logs: args.logs,
        ..TestOptions::new(&args.name, &global.namespace)
    };
    match engine.test(&opts).await {
        Ok(release) => {
            print(&output::status(&release, false));
            Ok(())
        }
        Err(e @ windlass_engine::Error::Failed { .. }) => {
            // Helm prints the results before the error.
            if let Ok(release) = engine.storage().last(&global.namespace, &args.name).await {
                print(&output::status(&release, false));
            }
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

async fn status(global: &Global, args: StatusArgs) -> anyhow::Result<()> {
    windlass_engine::validate_release_name(&args.name)?;
    let engine = store_engine(global, args.output).await?;
    let storage = engine.storage();
    let mut release = match args.revision {
        Some(revision) => storage.get(&global.namespace, &args.name, revision).await,
        None => storage.last(&global.namespace, &args.name).await,
    }
    .map_err(windlass_engine::Error::from)?;
    if engine.is_interrupted(&release).await? {
        eprintln!(
            "warning: revision {} is {} but no windlass process is working on it: the operation was interrupted",
            release.version, release.info.status
        );
        let hint = if release.info.status == Status::PendingInstall {
            format!("`windlass uninstall {}` removes it", release.name)
        } else {
            format!(
                "`windlass rollback {}` marks it failed and returns to the previous revision",
                release.name
            )
        };
        eprintln!("hint: {hint}");
    }
    match args.output {
        Output::Table => print(&output::status(&release, true)),
        format => {
            // Helm's status data leaves the chart out.
            release.chart = Chart::default();
            let mut value = serde_json::to_value(&release)?;
            if let Some(map) = value.as_object_mut() {
                map.remove("chart");
            }
            print(&output::data(&value, format)?);
        }
    }
    Ok(())
}

async fn history(global: &Global, args: HistoryArgs) -> anyhow::Result<()> {
    windlass_engine::validate_release_name(&args.name)?;
    let engine = store_engine(global, args.output).await?;
    let releases = engine
        .storage()
        .history(&global.namespace, &args.name)
        .await
        .map_err(windlass_engine::Error::from)?;
    print(&output::history(&releases, args.max, args.output)?);
    Ok(())
}

async fn list(global: &Global, args: ListArgs) -> anyhow::Result<()> {
    let engine = store_engine(global, args.output).await?;
    let namespace = (!args.all_namespaces).then_some(global.namespace.as_str());
    let mut releases = engine.storage().list_latest(namespace).await?;
    let wanted: Vec<Status> = [
        (args.deployed, vec![Status::Deployed]),
        (args.failed, vec![Status::Failed]),
        (
            args.pending,
            vec![
                Status::PendingInstall,
                Status::PendingUpgrade,
                Status::PendingRollback,
            ],
        ),
        (args.superseded, vec![Status::Superseded]),
        (args.uninstalled, vec![Status::Uninstalled]),
        (args.uninstalling, vec![Status::Uninstalling]),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .flat_map(|(_, s)| s)
    .collect();
    if !wanted.is_empty() {
        releases.retain(|r| wanted.contains(&r.info.status));
    }
    if let Some(filter) = &args.filter {
        let re = Regex::new(filter).with_context(|| format!("invalid --filter `{filter}`"))?;
        releases.retain(|r| re.is_match(&r.name));
    }
    if args.date {
        releases.sort_by(|a, b| {
            a.info
                .last_deployed
                .cmp(&b.info.last_deployed)
                .then_with(|| a.name.cmp(&b.name))
        });
    } else {
        releases.sort_by(|a, b| a.name.cmp(&b.name));
    }
    if args.reverse {
        releases.reverse();
    }
    print(&output::list(
        &releases,
        args.short,
        !args.no_headers,
        args.output,
    )?);
    Ok(())
}

async fn template(global: &Global, args: TemplateArgs) -> anyhow::Result<()> {
    let (name, chart_path) = match args.args.as_slice() {
        [chart] => ("release-name".to_string(), chart.clone()),
        [name, chart] => (name.clone(), chart.clone()),
        _ => bail!("`template` takes [NAME] CHART"),
    };
    let chart = load_chart(Path::new(&chart_path))?;
    let config = user_values(&args.values)?;
    // Helm's `template` is a client-side dry-run install against memory storage.
    let storage = Storage::new(Arc::new(MemoryDriver::new()));
    let target = Arc::new(local_target(global)?);
    let runner = WasmHookRunner::new(wasm_runtime()?, Arc::new(fixtures(global)?));
    let engine = Engine::new(storage, target)
        .with_progress(Arc::new(Stderr::new(false)))
        .with_wasm_runner(Arc::new(runner));
    let opts = InstallOptions {
        dry_run: true,
        ..InstallOptions::new(&name, &global.namespace)
    };
    let release = engine.install(chart, config, &opts).await?;
    let mut out = String::new();
    if args.include_crds {
        for (path, file) in release.chart.crd_files() {
            out.push_str(&format!(
                "---\n# Source: {path}\n{}\n",
                String::from_utf8_lossy(&file.data)
            ));
        }
    }
    let manifest = release.manifest.trim();
    if !(manifest.is_empty() && out.is_empty()) {
        out.push_str(manifest);
        out.push('\n');
    }
    if !args.no_hooks {
        for hook in &release.hooks {
            if args.skip_tests && hook.runs_at(windlass_chart::HookEvent::Test) {
                continue;
            }
            out.push_str(&format!(
                "---\n# Source: {}\n{}\n",
                hook.path, hook.manifest
            ));
        }
    }
    print(&out);
    Ok(())
}

async fn plan(global: &Global, args: PlanArgs) -> anyhow::Result<()> {
    let chart = args.chart.as_deref().map(load_chart).transpose()?;
    let config = user_values(&args.values)?;
    let engine = engine(global, args.output).await?;
    let action = match args.action {
        PlanActionArg::Install => PlanAction::Install,
        PlanActionArg::Upgrade => PlanAction::Upgrade,
        PlanActionArg::Rollback => PlanAction::Rollback,
        PlanActionArg::Uninstall => PlanAction::Uninstall,
        PlanActionArg::Test => PlanAction::Test,
    };
    let request = PlanRequest {
        action,
        name: args.name.clone(),
        namespace: global.namespace.clone(),
        revision: args.revision.unwrap_or(0),
        values_mode: args.values_mode.mode(),
    };
    let plan = engine.plan(&request, chart, config).await?;
    match args.output {
        Output::Table => print(&output::plan_table(&plan)),
        format => print(&output::data(&plan, format)?),
    }
    Ok(())
}

async fn hook_run(global: &Global, args: HookRunArgs) -> anyhow::Result<()> {
    let event = windlass_chart::HookEvent::parse(&args.event)
        .with_context(|| format!("unknown hook event `{}`", args.event))?;
    let bytes = std::fs::read(&args.module)
        .with_context(|| format!("cannot read `{}`", args.module.display()))?;
    let read_json = |path: &Option<PathBuf>| -> anyhow::Result<serde_json::Value> {
        match path {
            None => Ok(serde_json::Value::Null),
            Some(path) => {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("cannot read `{}`", path.display()))?;
                Ok(windlass_chart::yaml::parse(
                    &bytes,
                    &path.display().to_string(),
                )?)
            }
        }
    };
    let config = read_json(&args.config)?;
    let grants: windlass_wasm::Grants = match read_json(&args.grants)? {
        serde_json::Value::Null => windlass_wasm::Grants::default(),
        value => serde_json::from_value(value).with_context(|| "invalid --grants")?,
    };
    let policy = windlass_wasm::Policy {
        grants,
        limits: windlass_wasm::Limits {
            timeout: args.timeout,
            ..windlass_wasm::Limits::default()
        },
    };
    let resources = match &args.manifests {
        None => Vec::new(),
        Some(path) => read_objects(path)?
            .into_iter()
            .map(|o| windlass_wasm::ResourceInput::from_object(o, path.display().to_string()))
            .collect(),
    };
    let kube_version = windlass_chart::constraint::normalize_kube_version(&global.kube_version)
        .with_context(|| format!("invalid --kube-version `{}`", global.kube_version))?;
    let input = HookInput {
        hook_name: args
            .module
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        event,
        release: windlass_wasm::ReleaseInfo {
            name: args.release_name.clone(),
            namespace: global.namespace.clone(),
            revision: 1,
            previous_revision: None,
            is_install: matches!(
                event,
                windlass_chart::HookEvent::PreInstall | windlass_chart::HookEvent::PostInstall
            ),
            is_upgrade: matches!(
                event,
                windlass_chart::HookEvent::PreUpgrade | windlass_chart::HookEvent::PostUpgrade
            ),
        },
        chart: windlass_wasm::ChartInfo::default(),
        values: serde_json::Value::Object(user_values(&args.values)?),
        resources,
        config,
        kube_version,
        api_versions: Vec::new(),
    };
    let runtime = wasm_runtime()?;
    let failed = |message: String| ExitWith {
        code: 2,
        message: Some(format!("hook `{}` {message}", args.module.display())),
    };
    let module = runtime
        .load(&bytes, policy.limits.module_bytes)
        .await
        .map_err(|e| failed(format!("cannot be loaded: {e}")))?;
    let report = runtime
        .run(
            &module,
            &input.into(),
            &policy,
            Arc::new(fixtures(global)?),
            args.chart_dir.as_deref(),
        )
        .await;
    print(&output::hook_report(&report, args.output)?);
    match report.result {
        Ok(verdict) if verdict.allowed => Ok(()),
        Ok(_) => Err(ExitWith {
            code: 1,
            message: None,
        }
        .into()),
        Err(failure) => Err(failed(failure.to_string()).into()),
    }
}

fn hook_inspect(args: HookInspectArgs) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.module)
        .with_context(|| format!("cannot read `{}`", args.module.display()))?;
    let runtime = Runtime::new(None).map_err(anyhow::Error::msg)?;
    let inspection = runtime
        .inspect(&bytes)
        .map_err(|e| anyhow::anyhow!("`{}`: {e}", args.module.display()))?;
    match args.output {
        Output::Table => {
            let mut out = format!(
                "MODULE: {}\nKIND: {}\nDIGEST: {}\nIMPORTS:\n",
                args.module.display(),
                serde_json::to_value(&inspection)?["kind"]
                    .as_str()
                    .unwrap_or_default(),
                windlass_wasm::Digest::of(&bytes)
            );
            for import in &inspection.imports {
                out.push_str(&format!("  {import}\n"));
            }
            out.push_str("EXPORTS:\n");
            for export in &inspection.exports {
                out.push_str(&format!("  {export}\n"));
            }
            print(&out);
        }
        format => print(&output::data(&inspection, format)?),
    }
    Ok(())
}
