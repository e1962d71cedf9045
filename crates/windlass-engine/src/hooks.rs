//! The hook loop: Helm v4's `execHookWithDelayedShutdown` (`pkg/action/hooks.go`),
//! step by step, with the runner chosen per hook runtime.
//!
//! For each hook of the event, in (weight, name) order: set the default delete
//! policy; delete the previous copy (`before-hook-creation`); record
//! `last_run = Running` and persist the release; run the hook under its
//! timeout; record the outcome. If it could not even be created, stop there
//! (nothing to delete, as Helm). On other failures: show its output, delete it if
//! `hook-failed`, delete the hooks of this event that already succeeded if
//! `hook-succeeded`, and stop. When all succeed: walk them in reverse, showing
//! output (`hook-output-log-policy: hook-succeeded`) and deleting by
//! `hook-succeeded`.
//!
//! Deliberate differences from Helm (see docs/hooks.md): a failed hook's output
//! is always shown; a hook may set its own timeout with
//! `windlass.dev/hook-timeout`; a hook this target cannot run is reported as
//! not applied instead of failing the event.

use std::sync::Arc;
use std::time::{Duration, Instant};

use windlass_chart::{
    DeletePolicy, Hook, HookEvent, HookExecution, HookPhase, OutputLogPolicy, Values, hook,
    manifest::Head,
};
use windlass_release::{Release, Storage};

use crate::engine::{Engine, now};
use crate::error::{HookError, Result};
use crate::event::{Event, HookRef};
use crate::target::{HookContext, HookRunner};
use windlass_chart::duration;

/// `windlass.dev/hook-timeout`: a Go duration that replaces `--timeout` for one hook.
pub const HOOK_TIMEOUT_ANNOTATION: &str = "windlass.dev/hook-timeout";

struct Executed {
    index: usize,
    runner: Arc<dyn HookRunner>,
    output: Vec<String>,
    /// Objects the hook asked for and the target created: they go with the
    /// hook by its delete policy.
    created: Vec<serde_json::Value>,
}

impl Engine {
    /// Runs the hooks of `event` on `release`, persisting `last_run` through
    /// `storage` as Helm does. The outer `Result` is a storage failure; the inner
    /// one a hook failure, which the caller turns into the release's status.
    pub(crate) async fn exec_hooks(
        &self,
        storage: &Storage,
        release: &mut Release,
        event: HookEvent,
        timeout: Duration,
        values: &Values,
    ) -> Result<Result<(), HookError>> {
        self.exec_hooks_with_logs(storage, release, event, timeout, values, false)
            .await
    }

    /// [`Engine::exec_hooks`], showing every hook's output when `logs` is set
    /// (`test --logs`), whatever its output log policy.
    pub(crate) async fn exec_hooks_with_logs(
        &self,
        storage: &Storage,
        release: &mut Release,
        event: HookEvent,
        timeout: Duration,
        values: &Values,
        logs: bool,
    ) -> Result<Result<(), HookError>> {
        let order = hook::execution_order(&release.hooks, event);
        if order.is_empty() {
            return Ok(Ok(()));
        }
        self.emit(Event::HooksStarted {
            hook_event: event,
            count: order.len(),
        });
        let kube_version = self.target.kube_version().to_string();
        let mut executed: Vec<Executed> = Vec::new();

        for index in order {
            // Helm's hookSetDeletePolicy: the default is written into the record.
            if release.hooks[index].delete_policies.is_empty() {
                release.hooks[index].delete_policies = vec![DeletePolicy::BeforeHookCreation];
            }
            let hook = release.hooks[index].clone();
            let hook_ref = HookRef::of(&hook);
            let runner = match self.runner_for(&hook) {
                Ok(runner) => runner,
                Err(reason) => {
                    self.emit(Event::HookNotApplied {
                        hook_event: event,
                        hook: hook_ref,
                        reason,
                    });
                    continue;
                }
            };
            let hook_timeout = self.hook_timeout(&hook, timeout);
            let failure = |message: String| HookError {
                event,
                hook: hook_ref.to_string(),
                path: hook.path.clone(),
                message,
            };

            if hook.deletes_on(&DeletePolicy::BeforeHookCreation) {
                let ctx = context(event, release, values, &kube_version, hook_timeout, logs);
                let deleted = match runner.delete(&hook, &ctx).await {
                    Ok(()) => {
                        self.delete_previously_created(
                            &release.name,
                            &release.namespace,
                            &hook,
                            hook_timeout,
                        )
                        .await
                    }
                    Err(message) => Err(message),
                };
                if let Err(message) = deleted {
                    return Ok(Err(failure(format!(
                        "deleting the previous copy (before-hook-creation) failed: {message}"
                    ))));
                }
            }

            release.hooks[index].last_run = HookExecution {
                started_at: Some(now()),
                completed_at: None,
                phase: HookPhase::Running,
            };
            self.record(storage, release).await?;
            release.hooks[index].last_run.phase = HookPhase::Unknown;
            self.emit(Event::HookStarted {
                hook_event: event,
                hook: hook_ref.clone(),
            });

            let started = Instant::now();
            let outcome = {
                let ctx = context(event, release, values, &kube_version, hook_timeout, logs);
                match tokio::time::timeout(hook_timeout, runner.run(&hook, &ctx)).await {
                    Ok(outcome) => outcome,
                    Err(_) => {
                        let (output, done) = runner.timed_out(&hook, &ctx).await;
                        let done = done.map(|d| format!("; {d}")).unwrap_or_default();
                        crate::target::HookOutcome {
                            started: true,
                            result: Err(format!(
                                "did not finish within {}{done}",
                                duration::format(hook_timeout)
                            )),
                            output,
                            create: Vec::new(),
                        }
                    }
                }
            };
            let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            release.hooks[index].last_run.completed_at = Some(now());

            // Objects the hook asked for are created right after it, so later
            // hooks and the release's resources can use them.
            let created = match (&outcome.result, outcome.create.is_empty()) {
                (Ok(()), false) => {
                    self.create_hook_objects(
                        &release.name,
                        &release.namespace,
                        &hook,
                        &outcome.create,
                    )
                    .await
                }
                _ => Ok(Vec::new()),
            };
            let (created_objects, created) = match created {
                Ok(objects) => (objects, Ok(())),
                Err(message) => (Vec::new(), Err(message)),
            };
            let result = outcome.result.and(created);
            match result {
                Ok(()) => {
                    release.hooks[index].last_run.phase = HookPhase::Succeeded;
                    self.emit(Event::HookSucceeded {
                        hook_event: event,
                        hook: hook_ref,
                        duration_ms,
                    });
                    executed.push(Executed {
                        index,
                        runner,
                        output: outcome.output,
                        created: created_objects,
                    });
                }
                Err(message) => {
                    release.hooks[index].last_run.phase = HookPhase::Failed;
                    self.emit(Event::HookFailed {
                        hook_event: event,
                        hook: hook_ref.clone(),
                        message: message.clone(),
                        duration_ms,
                    });
                    // Unlike Helm, a failed hook's output is always shown: it is
                    // what the user needs to fix it (helm/helm#4010).
                    self.emit_output(&hook_ref, &outcome.output);
                    if !outcome.started {
                        return Ok(Err(failure(message)));
                    }
                    let ctx = context(event, release, values, &kube_version, hook_timeout, logs);
                    if hook.deletes_on(&DeletePolicy::HookFailed) {
                        self.delete_hook(&runner, &hook, &ctx, DeletePolicy::HookFailed)
                            .await;
                    }
                    for done in &executed {
                        let earlier = &release.hooks[done.index];
                        if earlier.deletes_on(&DeletePolicy::HookSucceeded) {
                            self.delete_hook(
                                &done.runner,
                                earlier,
                                &ctx,
                                DeletePolicy::HookSucceeded,
                            )
                            .await;
                            self.delete_created(&release.namespace, &done.created, hook_timeout)
                                .await;
                        }
                    }
                    return Ok(Err(failure(message)));
                }
            }
        }

        for done in executed.iter().rev() {
            let hook = release.hooks[done.index].clone();
            let hook_ref = HookRef::of(&hook);
            if logs || hook.logs_on(&OutputLogPolicy::HookSucceeded) {
                self.emit_output(&hook_ref, &done.output);
            }
            if hook.deletes_on(&DeletePolicy::HookSucceeded) {
                let hook_timeout = self.hook_timeout(&hook, timeout);
                self.delete_created(&release.namespace, &done.created, hook_timeout)
                    .await;
                let ctx = context(event, release, values, &kube_version, hook_timeout, logs);
                if let Err(message) = done.runner.delete(&hook, &ctx).await {
                    return Ok(Err(HookError {
                        event,
                        hook: hook_ref.to_string(),
                        path: hook.path.clone(),
                        message: format!("deleting it (hook-succeeded) failed: {message}"),
                    }));
                }
                self.emit(Event::HookDeleted {
                    hook: hook_ref,
                    policy: DeletePolicy::HookSucceeded.to_string(),
                });
            }
        }
        Ok(Ok(()))
    }

    /// Deletes a hook on the failure path; a deletion error is reported but does
    /// not replace the hook's own error (Helm only logs it too).
    async fn delete_hook(
        &self,
        runner: &Arc<dyn HookRunner>,
        hook: &Hook,
        ctx: &HookContext<'_>,
        policy: DeletePolicy,
    ) {
        let hook_ref = HookRef::of(hook);
        match runner.delete(hook, ctx).await {
            Ok(()) => self.emit(Event::HookDeleted {
                hook: hook_ref,
                policy: policy.to_string(),
            }),
            Err(message) => self.emit(Event::Warning {
                message: format!("deleting hook `{hook_ref}` ({policy}) failed: {message}"),
            }),
        }
    }

    fn emit_output(&self, hook: &HookRef, output: &[String]) {
        for line in output {
            self.emit(Event::HookOutput {
                hook: hook.clone(),
                line: line.clone(),
            });
        }
    }

    /// `--timeout`, unless the hook sets `windlass.dev/hook-timeout`.
    fn hook_timeout(&self, hook: &Hook, default: Duration) -> Duration {
        let Ok(head) = Head::parse(&hook.manifest, &hook.path) else {
            return default;
        };
        match head.annotations.get(HOOK_TIMEOUT_ANNOTATION) {
            None => default,
            Some(text) => duration::parse(text).unwrap_or_else(|message| {
                self.emit(Event::Warning {
                    message: format!(
                        "`{}`: {}/{}: `{HOOK_TIMEOUT_ANNOTATION}`: {message}; using --timeout {}",
                        hook.path,
                        hook.kind,
                        hook.name,
                        duration::format(default)
                    ),
                });
                default
            }),
        }
    }
}

fn context<'a>(
    event: HookEvent,
    release: &'a Release,
    values: &'a Values,
    kube_version: &'a str,
    timeout: Duration,
    logs: bool,
) -> HookContext<'a> {
    HookContext {
        event,
        release,
        values,
        kube_version,
        timeout,
        logs,
    }
}
