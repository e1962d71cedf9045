//! Helm's history rules over any [`Driver`] (`pkg/storage/storage.go`): which
//! revision is the last or the deployed one, what `list` shows, and how
//! `--history-max` prunes old revisions before a new one is stored.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::{Driver, Error, Release, ReleaseLock, Result, Status};

/// Release records with Helm's rules on top of a driver. Every method names the
/// release by `(namespace, name)` explicitly; cheap to clone.
#[derive(Clone)]
pub struct Storage {
    driver: Arc<dyn Driver>,
    max_history: usize,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage")
            .field("driver", &self.driver.name())
            .field("max_history", &self.max_history)
            .finish()
    }
}

impl Storage {
    /// Storage keeping every revision (max history 0 = unlimited).
    pub fn new(driver: Arc<dyn Driver>) -> Self {
        Storage {
            driver,
            max_history: 0,
        }
    }

    /// Keeps at most `n` revisions per release, counting the one being created
    /// (`--history-max`); 0 means unlimited.
    #[must_use]
    pub fn with_max_history(mut self, n: usize) -> Self {
        self.max_history = n;
        self
    }

    /// The configured limit; 0 is unlimited.
    pub fn max_history(&self) -> usize {
        self.max_history
    }

    /// The driver underneath.
    pub fn driver(&self) -> &dyn Driver {
        &*self.driver
    }

    /// One revision.
    ///
    /// # Errors
    /// [`Error::RevisionNotFound`] if absent, or the driver's error.
    pub async fn get(&self, namespace: &str, name: &str, version: u32) -> Result<Release> {
        self.driver.get(namespace, name, version).await
    }

    /// Stores a new revision. With a history limit, first prunes the least
    /// recent revisions to make room for it, as Helm's `Create` does.
    ///
    /// # Errors
    /// [`Error::AlreadyExists`] if the revision exists; a pruning or driver error.
    pub async fn create(&self, release: &Release) -> Result<()> {
        if self.max_history > 0 {
            match self
                .remove_least_recent(&release.namespace, &release.name, self.max_history - 1)
                .await
            {
                Err(e) if !e.is_not_found() => return Err(e),
                _ => {}
            }
        }
        self.driver.create(release).await
    }

    /// Replaces an existing revision.
    ///
    /// # Errors
    /// [`Error::RevisionNotFound`] if absent, or the driver's error.
    pub async fn update(&self, release: &Release) -> Result<()> {
        self.driver.update(release).await
    }

    /// Removes a revision and returns it.
    ///
    /// # Errors
    /// [`Error::RevisionNotFound`] if absent, or the driver's error.
    pub async fn delete(&self, namespace: &str, name: &str, version: u32) -> Result<Release> {
        self.driver.delete(namespace, name, version).await
    }

    /// Every revision of a release, oldest first.
    ///
    /// # Errors
    /// [`Error::NotFound`] if the release has no revision (Helm's
    /// `ErrReleaseNotFound`), or the driver's error.
    pub async fn history(&self, namespace: &str, name: &str) -> Result<Vec<Release>> {
        let mut history = self.driver.history(namespace, name).await?;
        if history.is_empty() {
            return Err(Error::NotFound {
                namespace: namespace.to_string(),
                name: name.to_string(),
            });
        }
        history.sort_by_key(|r| r.version);
        Ok(history)
    }

    /// The revision with the highest version, whatever its status.
    ///
    /// # Errors
    /// [`Error::NotFound`] if the release has no revision.
    pub async fn last(&self, namespace: &str, name: &str) -> Result<Release> {
        let mut history = self.history(namespace, name).await?;
        // `history` is sorted and non-empty.
        history.pop().ok_or_else(|| Error::NotFound {
            namespace: namespace.to_string(),
            name: name.to_string(),
        })
    }

    /// The deployed revision. Should several be `deployed` (Helm's store after a
    /// concurrent run), the highest version wins, as in Helm.
    ///
    /// # Errors
    /// [`Error::NoDeployedReleases`] if none is deployed (or none exists).
    pub async fn deployed(&self, namespace: &str, name: &str) -> Result<Release> {
        let mut deployed = self.deployed_all(namespace, name).await?;
        deployed.pop().ok_or_else(|| Error::NoDeployedReleases {
            name: name.to_string(),
        })
    }

    /// Every `deployed` revision, oldest first (normally one).
    ///
    /// # Errors
    /// [`Error::NoDeployedReleases`] if there is none, as Helm's `DeployedAll`.
    pub async fn deployed_all(&self, namespace: &str, name: &str) -> Result<Vec<Release>> {
        let mut deployed: Vec<Release> = self
            .driver
            .history(namespace, name)
            .await?
            .into_iter()
            .filter(|r| r.info.status == Status::Deployed)
            .collect();
        if deployed.is_empty() {
            return Err(Error::NoDeployedReleases {
                name: name.to_string(),
            });
        }
        deployed.sort_by_key(|r| r.version);
        Ok(deployed)
    }

    /// What `helm list` starts from: the latest revision of each release in
    /// `namespace` (all namespaces when `None`), whatever its status, sorted by
    /// name as Helm sorts by default, then by namespace.
    ///
    /// Helm's `filterLatestReleases` keys releases by namespace and name and
    /// keeps the highest version; filtering by status (`--deployed`,
    /// `--uninstalled`, ...) comes after this, in the caller.
    ///
    /// # Errors
    /// The driver's error.
    pub async fn list_latest(&self, namespace: Option<&str>) -> Result<Vec<Release>> {
        let mut latest: BTreeMap<(String, String), Release> = BTreeMap::new();
        for release in self.driver.list(namespace).await? {
            let key = (release.name.clone(), release.namespace.clone());
            match latest.get(&key) {
                Some(kept) if kept.version > release.version => {}
                _ => {
                    latest.insert(key, release);
                }
            }
        }
        Ok(latest.into_values().collect())
    }

    /// Takes the release's write lock; see [`Driver::lock`].
    ///
    /// # Errors
    /// [`Error::Locked`] if held elsewhere.
    pub async fn lock(&self, namespace: &str, name: &str) -> Result<ReleaseLock> {
        self.driver.lock(namespace, name).await
    }

    /// Helm's `removeLeastRecent`: deletes revisions, oldest first, until at most
    /// `maximum` remain, skipping the deployed revision (the one [`Self::deployed`]
    /// returns). Deletes as many as it can and reports the first failure.
    async fn remove_least_recent(&self, namespace: &str, name: &str, maximum: usize) -> Result<()> {
        let history = self.history(namespace, name).await?;
        if history.len() <= maximum {
            return Ok(());
        }
        let deployed = history
            .iter()
            .rev()
            .find(|r| r.info.status == Status::Deployed)
            .map(|r| r.version);

        let mut doomed = Vec::new();
        for release in &history {
            if history.len() - doomed.len() == maximum {
                break;
            }
            if Some(release.version) != deployed {
                doomed.push(release.version);
            }
        }

        let mut first_error = None;
        for version in doomed {
            if let Err(e) = self.driver.delete(namespace, name, version).await {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{drivers, sample_release};

    use Status::{Deployed as D, Failed as F, Superseded as S, Uninstalled as U};

    async fn seed(storage: &Storage, namespace: &str, name: &str, statuses: &[Status]) {
        for (i, status) in statuses.iter().enumerate() {
            let version = u32::try_from(i + 1).unwrap();
            storage
                .driver()
                .create(&sample_release(namespace, name, version, *status))
                .await
                .unwrap();
        }
    }

    async fn versions(storage: &Storage, namespace: &str, name: &str) -> Vec<u32> {
        storage
            .history(namespace, name)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.version)
            .collect()
    }

    struct PruneCase {
        rule: &'static str,
        existing: Vec<Status>,
        max_history: usize,
        kept: Vec<u32>,
    }

    #[tokio::test]
    async fn history_pruning_follows_helm() {
        let cases = [
            PruneCase {
                rule: "max 0 is unlimited: nothing is pruned",
                existing: vec![S; 12],
                max_history: 0,
                kept: (1..=13).collect(),
            },
            PruneCase {
                rule: "prune only when history exceeds max-1: 9 revisions + 1 new fit max 10",
                existing: [vec![S; 8], vec![D]].concat(),
                max_history: 10,
                kept: (1..=10).collect(),
            },
            PruneCase {
                rule: "12 revisions, max 10, deployed is revision 3: oldest go, revision 3 survives",
                existing: [vec![S, S, D], vec![F; 9]].concat(),
                max_history: 10,
                kept: [vec![3], (5..=13).collect()].concat(),
            },
            PruneCase {
                rule: "the deployed revision is the newest: plain oldest-first pruning",
                existing: vec![S, S, S, S, D],
                max_history: 3,
                kept: vec![4, 5, 6],
            },
            PruneCase {
                rule: "no deployed revision: oldest-first, whatever the status",
                existing: vec![F, F, U, F],
                max_history: 2,
                kept: vec![4, 5],
            },
            PruneCase {
                rule: "max 1 deletes every other revision, newer ones too, but keeps the deployed",
                existing: vec![S, D, F],
                max_history: 1,
                kept: vec![2, 4],
            },
            PruneCase {
                rule: "two deployed (a corrupted store): only the highest is protected",
                existing: vec![S, D, S, D, F],
                max_history: 3,
                kept: vec![4, 5, 6],
            },
            PruneCase {
                rule: "a first install with a limit has nothing to prune",
                existing: vec![],
                max_history: 1,
                kept: vec![1],
            },
        ];
        for case in cases {
            for td in drivers() {
                let storage =
                    Storage::new(Arc::clone(&td.driver)).with_max_history(case.max_history);
                seed(&storage, "apps", "demo", &case.existing).await;
                // Another release in the namespace must not count or be pruned.
                seed(&storage, "apps", "other", &[S, S, S]).await;
                let new_version = u32::try_from(case.existing.len() + 1).unwrap();
                storage
                    .create(&sample_release(
                        "apps",
                        "demo",
                        new_version,
                        Status::PendingUpgrade,
                    ))
                    .await
                    .unwrap_or_else(|e| panic!("{} [{}]: {e}", case.rule, td.label));
                assert_eq!(
                    versions(&storage, "apps", "demo").await,
                    case.kept,
                    "{} [{}]",
                    case.rule,
                    td.label
                );
                assert_eq!(versions(&storage, "apps", "other").await, [1, 2, 3]);
            }
        }
    }

    #[tokio::test]
    async fn history_last_and_deployed() {
        for td in drivers() {
            let storage = Storage::new(Arc::clone(&td.driver));
            let label = td.label;
            assert!(
                matches!(
                    storage.history("apps", "demo").await,
                    Err(Error::NotFound { .. })
                ),
                "{label}"
            );
            assert!(matches!(
                storage.last("apps", "demo").await,
                Err(Error::NotFound { .. })
            ));
            assert!(matches!(
                storage.deployed("apps", "demo").await,
                Err(Error::NoDeployedReleases { .. })
            ));

            // Created out of order: history still comes back oldest first.
            for (v, s) in [(3, F), (1, S), (4, D), (2, D), (5, F)] {
                storage
                    .create(&sample_release("apps", "demo", v, s))
                    .await
                    .unwrap();
            }
            assert_eq!(
                versions(&storage, "apps", "demo").await,
                [1, 2, 3, 4, 5],
                "{label}"
            );
            assert_eq!(storage.last("apps", "demo").await.unwrap().version, 5);
            assert_eq!(storage.deployed("apps", "demo").await.unwrap().version, 4);
            let all: Vec<u32> = storage
                .deployed_all("apps", "demo")
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.version)
                .collect();
            assert_eq!(all, [2, 4], "{label}");

            // Same name in another namespace is another release.
            assert!(matches!(
                storage.deployed("prod", "demo").await,
                Err(Error::NoDeployedReleases { .. })
            ));
            storage
                .create(&sample_release("prod", "demo", 1, F))
                .await
                .unwrap();
            assert!(matches!(
                storage.deployed_all("prod", "demo").await,
                Err(Error::NoDeployedReleases { .. })
            ));
        }
    }

    #[tokio::test]
    async fn list_latest_shows_one_revision_per_release() {
        for td in drivers() {
            let storage = Storage::new(Arc::clone(&td.driver));
            seed(&storage, "zeta", "api", &[S, D]).await;
            seed(&storage, "alpha", "web", &[D, F]).await;
            seed(&storage, "alpha", "api", &[D]).await;
            seed(&storage, "alpha", "gone", &[S, U]).await;

            let all: Vec<(String, String, u32)> = storage
                .list_latest(None)
                .await
                .unwrap()
                .into_iter()
                .map(|r| (r.name, r.namespace, r.version))
                .collect();
            let expected = [
                ("api", "alpha", 1),
                ("api", "zeta", 2),
                ("gone", "alpha", 2),
                ("web", "alpha", 2),
            ]
            .map(|(n, ns, v)| (n.to_string(), ns.to_string(), v));
            assert_eq!(all, expected, "{}", td.label);

            let alpha: Vec<String> = storage
                .list_latest(Some("alpha"))
                .await
                .unwrap()
                .into_iter()
                .map(|r| format!("{}.v{}", r.name, r.version))
                .collect();
            assert_eq!(alpha, ["api.v1", "gone.v2", "web.v2"]);
            assert!(storage.list_latest(Some("empty")).await.unwrap().is_empty());
        }
    }

    #[tokio::test]
    async fn driver_contract_holds_for_every_driver() {
        for td in drivers() {
            let d = &td.driver;
            let label = td.label;
            let mut r = sample_release("apps", "demo", 1, Status::PendingInstall);
            r.labels.insert("team".into(), "payments".into());

            assert!(matches!(
                d.get("apps", "demo", 1).await,
                Err(Error::RevisionNotFound { version: 1, .. })
            ));
            assert!(matches!(
                d.update(&r).await,
                Err(Error::RevisionNotFound { .. })
            ));
            assert!(matches!(
                d.delete("apps", "demo", 1).await,
                Err(Error::RevisionNotFound { .. })
            ));
            assert!(
                d.history("apps", "demo").await.unwrap().is_empty(),
                "{label}"
            );

            d.create(&r).await.unwrap();
            let err = d.create(&r).await.unwrap_err();
            assert_eq!(
                err.to_string(),
                "release record `sh.helm.release.v1.demo.v1` already exists",
                "{label}"
            );
            assert_eq!(d.get("apps", "demo", 1).await.unwrap(), r, "{label}");

            r.set_status(Status::Deployed, "Install complete");
            r.labels.insert("tier".into(), "web".into());
            d.update(&r).await.unwrap();
            assert_eq!(d.get("apps", "demo", 1).await.unwrap(), r, "{label}");
            assert_eq!(
                d.list(Some("apps")).await.unwrap(),
                std::slice::from_ref(&r),
                "{label}"
            );
            assert!(d.list(Some("prod")).await.unwrap().is_empty());

            assert_eq!(d.delete("apps", "demo", 1).await.unwrap(), r, "{label}");
            assert!(d.list(None).await.unwrap().is_empty(), "{label}");

            let storage = Storage::new(Arc::clone(d));
            let guard = storage.lock("apps", "demo").await.unwrap();
            assert!(matches!(
                storage.lock("apps", "demo").await,
                Err(Error::Locked { .. })
            ));
            drop(guard);
            storage.lock("apps", "demo").await.unwrap();
        }
    }
}
