//! `test`: Helm's `action.ReleaseTesting` (`pkg/action/release_testing.go`).
//!
//! Runs the `test` hooks of the latest revision, whatever its status, after
//! `--filter name=X` / `--filter '!name=X'`; writes their `last_run` back into
//! the same revision (no new revision); the first failing test fails the
//! command and leaves the release's status alone.

use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;
use windlass_chart::HookEvent;
use windlass_release::Release;

use crate::engine::{Engine, validate_namespace, validate_release_name};
use crate::error::{Error, Result};
use crate::install::DEFAULT_TIMEOUT;

/// Options of `test`.
#[derive(Debug, Clone)]
pub struct TestOptions {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// `--timeout`.
    pub timeout: Duration,
    /// `--filter` entries: `name=X` includes, `!name=X` excludes.
    pub filters: Vec<String>,
    /// `--logs`: show every test hook's logs, Jobs' included.
    pub logs: bool,
}

impl TestOptions {
    /// Helm's defaults for release `name` in `namespace`.
    pub fn new(name: impl Into<String>, namespace: impl Into<String>) -> Self {
        TestOptions {
            name: name.into(),
            namespace: namespace.into(),
            timeout: DEFAULT_TIMEOUT,
            filters: Vec::new(),
            logs: false,
        }
    }
}

/// Parsed `--filter` entries.
#[derive(Debug, Default, PartialEq, Eq)]
struct Filters {
    include: Vec<String>,
    exclude: Vec<String>,
}

fn parse_filters(filters: &[String]) -> Result<Filters> {
    // Helm: `name=` includes; `^!\s?name=` excludes.
    static EXCLUDE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^!\s?name=").expect("valid regex"));
    let mut parsed = Filters::default();
    for filter in filters {
        if let Some(name) = filter.strip_prefix("name=") {
            parsed.include.push(name.to_string());
        } else if EXCLUDE.is_match(filter) {
            parsed
                .exclude
                .push(EXCLUDE.replace(filter, "").into_owned());
        } else {
            return Err(Error::InvalidFilter {
                filter: filter.clone(),
            });
        }
    }
    Ok(parsed)
}

impl Engine {
    /// Runs the release's test hooks.
    ///
    /// # Errors
    /// No such release, a bad filter, a held lock, or a failed test
    /// ([`Error::Failed`]; its `last_run` is recorded first).
    pub async fn test(&self, opts: &TestOptions) -> Result<Release> {
        validate_release_name(&opts.name)?;
        validate_namespace(&opts.namespace)?;
        let filters = parse_filters(&opts.filters)?;
        // No lock file for a release that does not exist.
        self.storage.last(&opts.namespace, &opts.name).await?;
        let _lock = self.storage.lock(&opts.namespace, &opts.name).await?;
        let mut release = self.storage.last(&opts.namespace, &opts.name).await?;

        // Helm filters all hooks, runs the test hooks among those kept, then
        // re-attaches the skipped ones after the executed ones.
        let all = std::mem::take(&mut release.hooks);
        let (mut executing, mut skipped): (Vec<_>, Vec<_>) = (all, Vec::new());
        if !filters.exclude.is_empty() {
            let (skip, keep): (Vec<_>, Vec<_>) = executing
                .into_iter()
                .partition(|h| filters.exclude.contains(&h.name));
            skipped.extend(skip);
            executing = keep;
        }
        if !filters.include.is_empty() {
            let (keep, skip): (Vec<_>, Vec<_>) = executing
                .into_iter()
                .partition(|h| filters.include.contains(&h.name));
            skipped.extend(skip);
            executing = keep;
        }
        release.hooks = executing;

        let values = crate::engine::stored_values(self, &release);
        let result = self
            .exec_hooks_with_logs(
                &self.storage,
                &mut release,
                HookEvent::Test,
                opts.timeout,
                &values,
                opts.logs,
            )
            .await?;
        release.hooks.extend(skipped);
        self.record(&self.storage, &release).await?;
        match result {
            Ok(()) => Ok(release),
            Err(e) => Err(Error::Failed {
                name: release.name.clone(),
                revision: release.version,
                message: e.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_follow_helm() {
        let f = parse_filters(&[
            "name=a".to_string(),
            "!name=b".to_string(),
            "! name=c".to_string(),
        ])
        .unwrap();
        assert_eq!(f.include, ["a"]);
        assert_eq!(f.exclude, ["b", "c"]);
        assert!(parse_filters(&["kind=Pod".to_string()]).is_err());
    }
}
