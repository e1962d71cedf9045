//! The `secret` release driver: release records as Kubernetes Secrets, exactly
//! as Helm's `pkg/storage/driver/secrets.go` writes them, so Helm reads what
//! windlass stores and the other way round.
//!
//! # Records
//!
//! Revision `N` of release `name` is the Secret `sh.helm.release.v1.<name>.v<N>`
//! in the release namespace, of type `helm.sh/release.v1`, whose `data.release`
//! is the record gzipped and base64-encoded ([`windlass_release::codec`]), with
//! the labels `owner=helm`, `name`, `status`, `version` and `createdAt` (on
//! create) or `modifiedAt` (on update), plus the release's own labels.
//! [`ReleaseSecret`] builds and reads that object; this module only moves it.
//! `history` and `list` select by the labels `owner=helm` (and `name=<name>`),
//! as Helm's `Query` and `List` do.
//!
//! # Writes never overwrite blindly
//!
//! Helm replaces a record without a precondition, so two concurrent writers can
//! both mark a revision `deployed`. This driver remembers the `resourceVersion`
//! of every record it read or wrote and sends it with each write:
//!
//! * `create` is a POST; an existing Secret is [`Error::AlreadyExists`].
//! * `update` replaces the Secret with `metadata.resourceVersion` set to the
//!   version last seen (reading the Secret first if this driver never saw it).
//!   If someone else changed it since, the server answers 409 and the driver
//!   reports [`Error::Conflict`]; nothing is written, and the caller must read the
//!   record again before it can update it.
//! * `delete` carries the same version as a delete precondition.
//!
//! # The release lock (a windlass addition; Helm has none)
//!
//! [`Driver::lock`] takes a `coordination.k8s.io/v1` Lease named
//! `windlass.release.<name>` in the release namespace, holding an identity made
//! of the host name, the process id and a random part, with a 15 s duration.
//! While the returned guard lives a background task renews the Lease every 5 s;
//! dropping the guard stops the renewals and deletes the Lease (with a
//! `resourceVersion` precondition, so a Lease someone else took over is left
//! alone). A Lease whose `renewTime` is more than its duration in the past has
//! been abandoned and is taken over with a preconditioned replace.
//!
//! So a windlass killed mid-operation leaves a Lease that expires 15 s later,
//! after which the lock is free again and `windlass status` can tell a release
//! left `pending-*` by a dead process (interrupted) from one still being worked
//! on. Helm ignores the Lease and still relies on the `pending-*` statuses alone.
//!
//! The Lease is deleted by a task on the Tokio runtime; a process that exits
//! right after dropping a guard should first await [`SecretDriver::settle`], or
//! the Lease stays until it expires and other processes see the release locked
//! for up to 15 s.
//!
//! # Errors and retries
//!
//! Kubernetes API errors become [`Error::Backend`] naming the operation, the
//! object and the server's answer (a 403 says which permission is missing).
//! Reads are retried after 429, 5xx and connection failures; writes after 429
//! and 5xx, with the backoff of `retry.rs`. Every write carries a
//! precondition or is a create, so repeating one cannot overwrite another
//! writer's record; a 409 that only the repetition caused (the first attempt
//! did land) is recognised by reading the object back.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::api::{Api, DeleteParams, ListParams, PostParams, Preconditions};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use windlass_release::codec::{OWNER, SECRET_TYPE};
use windlass_release::{Driver, Error, Release, ReleaseLock, ReleaseSecret, Result, storage_key};

use crate::retry::{Retry, with_backoff};

/// The driver's name in messages.
const DRIVER: &str = "secret";

/// How long a Lease stays valid without renewal.
const LEASE_DURATION_SECONDS: i32 = 15;

/// How often a held Lease is renewed: a third of its duration, so two renewals
/// can fail before it expires.
const RENEW_INTERVAL: Duration = Duration::from_secs(5);

/// Prefix of a release's Lease name.
const LEASE_PREFIX: &str = "windlass.release.";

/// Longest Kubernetes object name (a DNS subdomain).
const MAX_OBJECT_NAME: usize = 253;

/// `(namespace, object name)`.
type ObjectKey = (String, String);

/// Release records as Helm's Secrets, with preconditioned writes and a
/// Lease-based release lock; see the module docs. Cheap to clone: clones share
/// the remembered resource versions and the locks.
#[derive(Clone)]
pub struct SecretDriver {
    inner: Arc<Inner>,
}

struct Inner {
    client: kube::Client,
    /// This driver's Lease holder identity: `<host>_<pid>_<random>`.
    holder: String,
    /// The `resourceVersion` of each record as this driver last read or wrote it.
    versions: Mutex<HashMap<ObjectKey, String>>,
    /// Locks of this driver, by `(namespace, release name)`.
    locks: Mutex<HashMap<ObjectKey, LocalLock>>,
}

/// A release lock as this driver knows it.
enum LocalLock {
    /// Being acquired or held by a live guard.
    Held,
    /// The guard was dropped; this task is deleting the Lease.
    Releasing(JoinHandle<()>),
}

impl std::fmt::Debug for SecretDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretDriver")
            .field("holder", &self.inner.holder)
            .finish_non_exhaustive()
    }
}

impl SecretDriver {
    /// A driver storing records through `client`. Nothing is contacted until the
    /// first call.
    pub fn new(client: kube::Client) -> Self {
        SecretDriver {
            inner: Arc::new(Inner {
                client,
                holder: holder_identity(),
                versions: Mutex::new(HashMap::new()),
                locks: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The identity this driver writes into the Leases it holds
    /// (`<host>_<pid>_<random>`).
    pub fn holder_identity(&self) -> &str {
        &self.inner.holder
    }

    /// The Lease that carries release `name`'s lock: `windlass.release.<name>`.
    pub fn lease_name(name: &str) -> String {
        format!("{LEASE_PREFIX}{name}")
    }

    /// Waits until the Leases of every dropped lock guard are deleted. Call it
    /// before the process exits: the deletion runs as a task that ends with the
    /// Tokio runtime, and an undeleted Lease keeps the release locked until it
    /// expires.
    pub async fn settle(&self) {
        let pending: Vec<JoinHandle<()>> = {
            let mut locks = self.inner.locks();
            let keys: Vec<ObjectKey> = locks
                .iter()
                .filter(|(_, state)| matches!(state, LocalLock::Releasing(_)))
                .map(|(key, _)| key.clone())
                .collect();
            keys.into_iter()
                .filter_map(|key| match locks.remove(&key) {
                    Some(LocalLock::Releasing(task)) => Some(task),
                    _ => None,
                })
                .collect()
        };
        for task in pending {
            // A failed deletion leaves the Lease to expire; nothing to report.
            let _ = task.await;
        }
    }

    fn secrets(&self, namespace: &str) -> Api<Secret> {
        Api::namespaced(self.inner.client.clone(), namespace)
    }

    fn remember(&self, namespace: &str, secret: &Secret) {
        if let (Some(name), Some(version)) =
            (&secret.metadata.name, &secret.metadata.resource_version)
        {
            self.inner
                .versions()
                .insert((namespace.to_string(), name.clone()), version.clone());
        }
    }

    fn forget(&self, namespace: &str, key: &str) {
        self.inner
            .versions()
            .remove(&(namespace.to_string(), key.to_string()));
    }

    fn remembered(&self, namespace: &str, key: &str) -> Option<String> {
        self.inner
            .versions()
            .get(&(namespace.to_string(), key.to_string()))
            .cloned()
    }

    /// Reads one record Secret; `None` if it does not exist.
    async fn read_secret(&self, namespace: &str, key: &str) -> Result<Option<Secret>> {
        let api = self.secrets(namespace);
        let (result, _) = with_backoff(Retry::Transient, || api.get_opt(key)).await;
        result.map_err(|e| backend("get", &format!("Secret `{namespace}/{key}`"), &e))
    }

    /// Reads one revision, checking that the record is the one its name says,
    /// and remembers its resource version.
    async fn read_release(
        &self,
        namespace: &str,
        name: &str,
        version: u32,
    ) -> Result<(Release, String)> {
        let key = storage_key(name, version);
        let Some(secret) = self.read_secret(namespace, &key).await? else {
            self.forget(namespace, &key);
            return Err(Error::RevisionNotFound {
                name: name.to_string(),
                version,
            });
        };
        let release = match decode_secret(namespace, &secret) {
            Ok(release) => release,
            Err(e) => {
                // Never let a later write replace a record nobody could read.
                self.forget(namespace, &key);
                return Err(e);
            }
        };
        if release.name != name || release.version != version {
            self.forget(namespace, &key);
            return Err(Error::Corrupt {
                location: format!("{namespace}/{key}"),
                message: format!(
                    "it holds release `{}` revision {}, not what its name says",
                    release.name, release.version
                ),
            });
        }
        self.remember(namespace, &secret);
        let resource_version = secret.metadata.resource_version.clone().unwrap_or_default();
        Ok((release, resource_version))
    }

    /// Lists record Secrets by label selector in one namespace or all, decoding
    /// each and remembering its resource version.
    async fn list_releases(&self, namespace: Option<&str>, selector: &str) -> Result<Vec<Release>> {
        let api: Api<Secret> = match namespace {
            Some(namespace) => self.secrets(namespace),
            None => Api::all(self.inner.client.clone()),
        };
        let params = ListParams::default().labels(selector);
        let (result, _) = with_backoff(Retry::Transient, || api.list(&params)).await;
        let where_ = match namespace {
            Some(namespace) => format!("in namespace `{namespace}`"),
            None => "in all namespaces".to_string(),
        };
        let list = result.map_err(|e| {
            backend(
                "list",
                &format!("Secrets labelled `{selector}` {where_}"),
                &e,
            )
        })?;
        let mut releases = Vec::with_capacity(list.items.len());
        for secret in &list.items {
            let secret_namespace = secret
                .metadata
                .namespace
                .as_deref()
                .or(namespace)
                .unwrap_or_default();
            releases.push(decode_secret(secret_namespace, secret)?);
            self.remember(secret_namespace, secret);
        }
        Ok(releases)
    }

    /// Replaces a record Secret with `resource_version` as precondition.
    async fn replace_secret(
        &self,
        release: &Release,
        object: &ReleaseSecret,
        resource_version: String,
    ) -> Result<()> {
        let namespace = &release.namespace;
        let key = release.key();
        let target = format!("Secret `{namespace}/{key}`");
        let mut secret = secret_object(object, &target)?;
        secret.metadata.resource_version = Some(resource_version);
        let api = self.secrets(namespace);
        let post = PostParams::default();
        let (result, retried) =
            with_backoff(Retry::Answered, || api.replace(&key, &post, &secret)).await;
        match result {
            Ok(stored) => {
                self.remember(namespace, &stored);
                Ok(())
            }
            Err(e) if status_code(&e) == Some(404) => {
                self.forget(namespace, &key);
                Err(Error::RevisionNotFound {
                    name: release.name.clone(),
                    version: release.version,
                })
            }
            Err(e) if status_code(&e) == Some(409) => {
                // A repeated attempt conflicts with the first one if that landed.
                if retried && let Some(stored) = self.stored_if_same(namespace, &key, &secret).await
                {
                    self.remember(namespace, &stored);
                    return Ok(());
                }
                Err(Error::Conflict {
                    name: release.name.clone(),
                    version: release.version,
                    action: "written",
                })
            }
            Err(e) => Err(backend("update", &target, &e)),
        }
    }

    /// The stored Secret if it holds exactly what `wanted` does (labels, type,
    /// data): how a repeated write recognises its own first attempt.
    async fn stored_if_same(&self, namespace: &str, key: &str, wanted: &Secret) -> Option<Secret> {
        let stored = self.read_secret(namespace, key).await.ok()??;
        let same = stored.metadata.labels == wanted.metadata.labels
            && stored.type_ == wanted.type_
            && stored.data == wanted.data;
        same.then_some(stored)
    }
}

impl Inner {
    fn versions(&self) -> MutexGuard<'_, HashMap<ObjectKey, String>> {
        // Every critical section is a single map operation: never half-updated.
        self.versions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn locks(&self) -> MutexGuard<'_, HashMap<ObjectKey, LocalLock>> {
        self.locks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl Driver for SecretDriver {
    fn name(&self) -> &'static str {
        DRIVER
    }

    async fn get(&self, namespace: &str, name: &str, version: u32) -> Result<Release> {
        check_namespace(namespace)?;
        Ok(self.read_release(namespace, name, version).await?.0)
    }

    async fn history(&self, namespace: &str, name: &str) -> Result<Vec<Release>> {
        check_namespace(namespace)?;
        self.list_releases(Some(namespace), &format!("owner={OWNER},name={name}"))
            .await
    }

    async fn list(&self, namespace: Option<&str>) -> Result<Vec<Release>> {
        if let Some(namespace) = namespace {
            check_namespace(namespace)?;
        }
        self.list_releases(namespace, &format!("owner={OWNER}"))
            .await
    }

    async fn create(&self, release: &Release) -> Result<()> {
        let namespace = &release.namespace;
        check_namespace(namespace)?;
        let key = release.key();
        let target = format!("Secret `{namespace}/{key}`");
        let secret = secret_object(&ReleaseSecret::for_create(release)?, &target)?;
        let api = self.secrets(namespace);
        let post = PostParams::default();
        let (result, retried) = with_backoff(Retry::Answered, || api.create(&post, &secret)).await;
        match result {
            Ok(stored) => {
                self.remember(namespace, &stored);
                Ok(())
            }
            Err(e) if status_code(&e) == Some(409) => {
                if retried && let Some(stored) = self.stored_if_same(namespace, &key, &secret).await
                {
                    self.remember(namespace, &stored);
                    return Ok(());
                }
                Err(Error::AlreadyExists { key })
            }
            Err(e) => Err(backend("create", &target, &e)),
        }
    }

    async fn update(&self, release: &Release) -> Result<()> {
        check_namespace(&release.namespace)?;
        let object = ReleaseSecret::for_update(release)?;
        let resource_version = match self.remembered(&release.namespace, &object.name) {
            Some(version) => version,
            // Never seen: read it first, which also refuses to replace a corrupt record.
            None => {
                self.read_release(&release.namespace, &release.name, release.version)
                    .await?
                    .1
            }
        };
        self.replace_secret(release, &object, resource_version)
            .await
    }

    async fn delete(&self, namespace: &str, name: &str, version: u32) -> Result<Release> {
        check_namespace(namespace)?;
        let key = storage_key(name, version);
        let remembered = self.remembered(namespace, &key);
        let (release, current) = self.read_release(namespace, name, version).await?;
        // The version this driver acted on before, if any: a record changed since
        // then is not deleted (the server refuses when they differ).
        let expected = remembered.unwrap_or(current);
        let params = DeleteParams {
            preconditions: Some(Preconditions {
                resource_version: Some(expected),
                uid: None,
            }),
            ..DeleteParams::default()
        };
        let api = self.secrets(namespace);
        let (result, retried) = with_backoff(Retry::Answered, || api.delete(&key, &params)).await;
        match result {
            Ok(_) => {
                self.forget(namespace, &key);
                Ok(release)
            }
            // The first attempt deleted it.
            Err(e) if retried && status_code(&e) == Some(404) => {
                self.forget(namespace, &key);
                Ok(release)
            }
            Err(e) if status_code(&e) == Some(404) => {
                self.forget(namespace, &key);
                Err(Error::RevisionNotFound {
                    name: name.to_string(),
                    version,
                })
            }
            Err(e) if status_code(&e) == Some(409) => Err(Error::Conflict {
                name: name.to_string(),
                version,
                action: "deleted",
            }),
            Err(e) => Err(backend(
                "delete",
                &format!("Secret `{namespace}/{key}`"),
                &e,
            )),
        }
    }

    async fn lock(&self, namespace: &str, name: &str) -> Result<ReleaseLock> {
        check_namespace(namespace)?;
        let lease_name = SecretDriver::lease_name(name);
        if name.is_empty() || lease_name.len() > MAX_OBJECT_NAME {
            return Err(Error::InvalidName {
                kind: "release name",
                value: name.to_string(),
                reason: "the lock's Lease name would be empty or longer than 253 characters",
            });
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Err(Error::Backend {
                driver: DRIVER,
                message: format!(
                    "cannot lock release `{name}`: the Lease renewal needs a Tokio runtime"
                ),
            });
        };
        let key = (namespace.to_string(), name.to_string());
        let reservation = self.reserve(&key, name).await?;
        let api: Api<Lease> = Api::namespaced(self.inner.client.clone(), namespace);
        let lease = self.acquire(&api, namespace, name, &lease_name).await?;
        let (stop, stopped) = oneshot::channel();
        let task = runtime.spawn(hold_lease(api, lease_name, lease, stopped));
        reservation.keep();
        Ok(ReleaseLock::new(LeaseGuard {
            inner: Arc::clone(&self.inner),
            key,
            stop: Some(stop),
            task: Some(task),
        }))
    }
}

impl SecretDriver {
    /// Marks the release locked in this driver, after waiting for a previous
    /// guard's Lease deletion to finish. Fails at once if a guard is live.
    async fn reserve(&self, key: &ObjectKey, name: &str) -> Result<Reservation> {
        loop {
            let releasing = {
                let mut locks = self.inner.locks();
                match locks.remove(key) {
                    Some(LocalLock::Held) => {
                        locks.insert(key.clone(), LocalLock::Held);
                        return Err(Error::Locked {
                            name: name.to_string(),
                            detail: format!(
                                "held in this process by `{}`, Lease `{}/{}`",
                                self.inner.holder,
                                key.0,
                                SecretDriver::lease_name(name)
                            ),
                        });
                    }
                    Some(LocalLock::Releasing(task)) => task,
                    None => {
                        locks.insert(key.clone(), LocalLock::Held);
                        return Ok(Reservation {
                            inner: Arc::clone(&self.inner),
                            key: Some(key.clone()),
                        });
                    }
                }
            };
            let _ = releasing.await;
        }
    }

    /// Creates the Lease, or takes over one that expired or that this driver
    /// left behind; fails with [`Error::Locked`] if someone else holds it.
    async fn acquire(
        &self,
        api: &Api<Lease>,
        namespace: &str,
        name: &str,
        lease_name: &str,
    ) -> Result<Lease> {
        let target = format!("Lease `{namespace}/{lease_name}`");
        let post = PostParams::default();
        // Each round either succeeds or saw the Lease change under it; a Lease
        // that keeps changing is being fought over, which is a held lock.
        for _ in 0..3 {
            let (found, _) = with_backoff(Retry::Transient, || api.get_opt(lease_name)).await;
            let found = found.map_err(|e| backend("get", &target, &e))?;
            let now = Timestamp::now();
            match found {
                None => {
                    let lease = Lease {
                        metadata: ObjectMeta {
                            name: Some(lease_name.to_string()),
                            namespace: Some(namespace.to_string()),
                            ..ObjectMeta::default()
                        },
                        spec: Some(self.lease_spec(now, 0)),
                    };
                    let (created, _) =
                        with_backoff(Retry::Answered, || api.create(&post, &lease)).await;
                    match created {
                        Ok(lease) => return Ok(lease),
                        Err(e) if status_code(&e) == Some(409) => {}
                        Err(e) => return Err(backend("create", &target, &e)),
                    }
                }
                Some(mut lease) => {
                    let spec = lease.spec.clone().unwrap_or_default();
                    let holder = spec.holder_identity.clone().unwrap_or_default();
                    // Our own identity without a live guard here: a Lease whose
                    // deletion failed after an earlier guard of this driver.
                    let free =
                        holder.is_empty() || holder == self.inner.holder || expired(&spec, now);
                    if !free {
                        return Err(Error::Locked {
                            name: name.to_string(),
                            detail: held_detail(&target, &holder, &spec, now),
                        });
                    }
                    let transitions = spec.lease_transitions.unwrap_or(0)
                        + i32::from(holder != self.inner.holder);
                    lease.spec = Some(self.lease_spec(now, transitions));
                    // `lease.metadata.resourceVersion` is the one just read: the
                    // replace fails if anyone took the Lease in between.
                    let (replaced, _) =
                        with_backoff(Retry::Answered, || api.replace(lease_name, &post, &lease))
                            .await;
                    match replaced {
                        Ok(lease) => return Ok(lease),
                        Err(e) if matches!(status_code(&e), Some(404 | 409)) => {}
                        Err(e) => return Err(backend("take over", &target, &e)),
                    }
                }
            }
        }
        Err(Error::Locked {
            name: name.to_string(),
            detail: format!("{target} changed at every attempt to take it"),
        })
    }

    fn lease_spec(&self, now: Timestamp, transitions: i32) -> LeaseSpec {
        LeaseSpec {
            holder_identity: Some(self.inner.holder.clone()),
            lease_duration_seconds: Some(LEASE_DURATION_SECONDS),
            acquire_time: Some(MicroTime(now)),
            renew_time: Some(MicroTime(now)),
            lease_transitions: Some(transitions),
            ..LeaseSpec::default()
        }
    }
}

/// A release marked locked in the driver's table while its Lease is acquired;
/// dropped without [`Reservation::keep`], it unmarks it.
struct Reservation {
    inner: Arc<Inner>,
    key: Option<ObjectKey>,
}

impl Reservation {
    fn keep(mut self) {
        self.key = None;
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.inner.locks().remove(&key);
        }
    }
}

/// What a [`ReleaseLock`] holds: dropping it stops the renewals, and the task
/// then deletes the Lease.
struct LeaseGuard {
    inner: Arc<Inner>,
    key: ObjectKey,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        // Closing the channel is the signal; no runtime is needed here.
        drop(self.stop.take());
        if let Some(task) = self.task.take() {
            self.inner
                .locks()
                .insert(self.key.clone(), LocalLock::Releasing(task));
        }
    }
}

/// Renews the Lease every [`RENEW_INTERVAL`] until `stopped` fires (the guard
/// was dropped), then deletes it. Each write carries the resourceVersion of the
/// previous one, so a Lease another holder took over is neither renewed nor
/// deleted.
async fn hold_lease(
    api: Api<Lease>,
    lease_name: String,
    mut lease: Lease,
    mut stopped: oneshot::Receiver<()>,
) {
    let post = PostParams::default();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            () = tokio::time::sleep(RENEW_INTERVAL) => {
                if let Some(spec) = lease.spec.as_mut() {
                    spec.renew_time = Some(MicroTime(Timestamp::now()));
                }
                let (renewed, _) = with_backoff(Retry::Answered, || {
                    api.replace(&lease_name, &post, &lease)
                })
                .await;
                match renewed {
                    Ok(renewed) => lease = renewed,
                    // Taken over or deleted: the lock is lost and not ours to delete.
                    Err(e) if matches!(status_code(&e), Some(404 | 409)) => return,
                    // Transient: the next round tries again before the Lease expires.
                    Err(_) => {}
                }
            }
        }
    }
    let params = DeleteParams {
        preconditions: Some(Preconditions {
            resource_version: lease.metadata.resource_version.clone(),
            uid: None,
        }),
        ..DeleteParams::default()
    };
    // Best effort: an undeleted Lease expires on its own.
    let _ = with_backoff(Retry::Answered, || api.delete(&lease_name, &params)).await;
}

/// Whether a Lease was last renewed longer ago than its duration.
fn expired(spec: &LeaseSpec, now: Timestamp) -> bool {
    let Some(renewed) = spec.renew_time.as_ref().or(spec.acquire_time.as_ref()) else {
        return true;
    };
    let duration = spec
        .lease_duration_seconds
        .unwrap_or(LEASE_DURATION_SECONDS);
    renewed
        .0
        .checked_add(SignedDuration::from_secs(i64::from(duration)))
        .map_or(true, |until| until < now)
}

/// "held by `X`, last renewed at T, expires in N s unless renewed".
fn held_detail(target: &str, holder: &str, spec: &LeaseSpec, now: Timestamp) -> String {
    let duration = spec
        .lease_duration_seconds
        .unwrap_or(LEASE_DURATION_SECONDS);
    match spec.renew_time.as_ref().or(spec.acquire_time.as_ref()) {
        Some(renewed) => {
            let left = renewed
                .0
                .checked_add(SignedDuration::from_secs(i64::from(duration)))
                .ok()
                .map_or(0, |until| until.duration_since(now).as_secs().max(0));
            format!(
                "{target} is held by `{holder}`, last renewed at {}; it expires in {left} s unless renewed",
                renewed.0
            )
        }
        None => format!("{target} is held by `{holder}`"),
    }
}

/// `<host>_<pid>_<random>`: who holds a Lease, readable by a person, unique
/// per driver even for two drivers in one process.
fn holder_identity() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".to_string());
    // RandomState is seeded randomly per process and per instance.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{host}_{}_{:016x}", std::process::id(), hasher.finish())
}

/// The Secret object for a record, through its JSON manifest so that it is
/// exactly what [`ReleaseSecret::to_manifest`] (Helm's shape) says.
fn secret_object(object: &ReleaseSecret, target: &str) -> Result<Secret> {
    serde_json::from_value(object.to_manifest()).map_err(|e| Error::Codec {
        key: object.name.clone(),
        message: format!("cannot build {target}: {e}"),
    })
}

/// The release a Secret holds, or [`Error::Corrupt`] naming `namespace/name`.
fn decode_secret(namespace: &str, secret: &Secret) -> Result<Release> {
    let name = secret.metadata.name.as_deref().unwrap_or("<unnamed>");
    let corrupt = |message: String| Error::Corrupt {
        location: format!("{namespace}/{name}"),
        message,
    };
    if secret.type_.as_deref() != Some(SECRET_TYPE) {
        return Err(corrupt(format!(
            "it has type `{}`, not `{SECRET_TYPE}`",
            secret.type_.as_deref().unwrap_or_default()
        )));
    }
    let manifest = serde_json::to_value(secret)
        .map_err(|e| corrupt(format!("cannot be read as JSON: {e}")))?;
    ReleaseSecret::from_manifest(&manifest).map_err(|e| match e {
        Error::Codec { message, .. } => corrupt(message),
        other => other,
    })
}

/// A release namespace must be named: the Secret lives in it.
fn check_namespace(namespace: &str) -> Result<()> {
    if namespace.is_empty() {
        return Err(Error::InvalidName {
            kind: "namespace",
            value: String::new(),
            reason: "release records live in a namespace; none was given",
        });
    }
    Ok(())
}

/// The HTTP status of an API error.
fn status_code(err: &kube::Error) -> Option<u16> {
    match err {
        kube::Error::Api(status) => Some(status.code),
        _ => None,
    }
}

/// [`Error::Backend`]: "cannot OP TARGET: the API server answered CODE REASON: MESSAGE".
fn backend(operation: &str, target: &str, err: &kube::Error) -> Error {
    let message = match err {
        kube::Error::Api(status) => {
            let reason = if status.reason.is_empty() {
                String::new()
            } else {
                format!(" {}", status.reason)
            };
            let hint = if status.code == 403 {
                " (the kubeconfig's identity lacks the RBAC permission for this)"
            } else {
                ""
            };
            format!(
                "cannot {operation} {target}: the API server answered {}{reason}: {}{hint}",
                status.code, status.message
            )
        }
        other => format!("cannot {operation} {target}: {other}"),
    };
    Error::Backend {
        driver: DRIVER,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(renewed_secs_ago: i64, duration: i32) -> LeaseSpec {
        LeaseSpec {
            holder_identity: Some("someone".into()),
            lease_duration_seconds: Some(duration),
            renew_time: Some(MicroTime(
                Timestamp::now() - SignedDuration::from_secs(renewed_secs_ago),
            )),
            ..LeaseSpec::default()
        }
    }

    #[test]
    fn lease_expiry_follows_renew_time_and_duration() {
        let now = Timestamp::now();
        assert!(!expired(&spec(1, 15), now));
        assert!(expired(&spec(60, 15), now));
        assert!(expired(&LeaseSpec::default(), now));
        let detail = held_detail("Lease `ns/l`", "host_1_ab", &spec(1, 15), now);
        assert!(detail.contains("held by `host_1_ab`"), "{detail}");
    }

    #[test]
    fn holder_identities_differ_per_driver() {
        let a = holder_identity();
        let b = holder_identity();
        assert_ne!(a, b);
        assert!(a.contains(&format!("_{}_", std::process::id())), "{a}");
    }

    #[test]
    fn backend_errors_name_operation_object_and_answer() {
        let status = kube::core::Status::failure("secrets \"x\" is forbidden: no", "Forbidden")
            .with_code(403);
        let err = backend("get", "Secret `ns/x`", &kube::Error::Api(status.boxed()));
        let text = err.to_string();
        assert!(
            text.starts_with("`secret` storage: cannot get Secret `ns/x`: the API server answered 403 Forbidden: secrets \"x\" is forbidden"),
            "{text}"
        );
    }

    #[test]
    fn secret_object_is_helms_manifest() {
        let release = Release {
            name: "demo".into(),
            namespace: "apps".into(),
            version: 2,
            ..Release::default()
        };
        let object = ReleaseSecret::for_create_at(&release, 1_700_000_000).unwrap();
        let secret = secret_object(&object, "Secret `apps/x`").unwrap();
        assert_eq!(serde_json::to_value(&secret).unwrap(), object.to_manifest());
        assert_eq!(decode_secret("apps", &secret).unwrap(), release);
    }
}
