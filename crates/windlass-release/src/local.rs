//! A driver keeping release records as files in a state directory, for use
//! without a cluster-side store (and for inspecting records by hand).
//!
//! # Layout
//!
//! ```text
//! <root>/releases/<namespace>/<name>/
//!     sh.helm.release.v1.<name>.v<N>.json     one record per revision
//!     .lock                                   the release's lock ("pid 1234 since <time>")
//!     .sh.helm.release.v1.<name>.v<N>.json.tmp-<pid>-<random>
//!                                             a write in progress, or left by a crash
//! ```
//!
//! A record file is a JSON object (pretty-printed) wrapping the release in
//! Helm's JSON shape with its storage labels, so both change in one atomic write:
//!
//! ```json
//! { "labels": { "team": "payments" }, "release": { "name": "demo", "version": 3, ... } }
//! ```
//!
//! `labels` is omitted when there are none; `jq .release` gives what Helm stores.
//!
//! # Guarantees
//!
//! * Writes go to a temporary file in the same directory, which is fsynced,
//!   renamed over the record and followed by an fsync of the directory: a reader
//!   sees the old record or the new one, never a mix.
//! * `create` never replaces a file (the rename refuses an existing name), even
//!   a corrupt one; `update` and `delete` first read and validate the existing
//!   record and leave an unreadable one untouched, reporting [`Error::Corrupt`]
//!   with its path. A record whose contents disagree with its path (name,
//!   namespace, revision) is corrupt too.
//! * Names that could escape the root (empty, `.`/`..`, a leading `.`, `/`, `\`,
//!   `:`, NUL or other control characters) are refused with [`Error::InvalidName`].
//! * Dot files (the lock, temporary files) and anything not named like a record
//!   are ignored by reads and never deleted.
//! * The per-release lock is an exclusive, non-blocking `flock`-style lock
//!   ([`std::fs::File::try_lock`]) on `.lock`; it excludes other drivers and other
//!   processes on the same root and is released when the guard drops or the
//!   process dies.
//!
//! File operations are short and synchronous; the async methods do not yield.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use windlass_chart::Timestamp;

use crate::{Driver, Error, Release, ReleaseLock, Result, storage_key};

/// The lock file in each release directory.
const LOCK_FILE: &str = ".lock";

/// Holder information read back from a lock file is cut at this many bytes.
const MAX_HOLDER_INFO: u64 = 1024;

/// Release records in files under a state directory; see the module docs.
#[derive(Debug, Clone)]
pub struct LocalDriver {
    root: PathBuf,
}

/// A record file as written.
#[derive(Serialize)]
struct RecordOut<'a> {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: &'a BTreeMap<String, String>,
    release: &'a Release,
}

/// A record file as read; `release` is required so `{}` is not a record.
#[derive(Deserialize)]
struct RecordIn {
    #[serde(default)]
    labels: BTreeMap<String, String>,
    release: Release,
}

impl LocalDriver {
    /// A driver over the state directory `root`, created on first write.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalDriver { root: root.into() }
    }

    /// The state directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where revision `version` of a release is stored.
    ///
    /// # Errors
    /// [`Error::InvalidName`] if `namespace` or `name` cannot be a directory name.
    pub fn record_path(&self, namespace: &str, name: &str, version: u32) -> Result<PathBuf> {
        Ok(self
            .release_dir(namespace, name)?
            .join(record_file_name(name, version)))
    }

    fn releases_dir(&self) -> PathBuf {
        self.root.join("releases")
    }

    fn namespace_dir(&self, namespace: &str) -> Result<PathBuf> {
        check_name("namespace", namespace)?;
        Ok(self.releases_dir().join(namespace))
    }

    fn release_dir(&self, namespace: &str, name: &str) -> Result<PathBuf> {
        let dir = self.namespace_dir(namespace)?;
        check_name("release name", name)?;
        Ok(dir.join(name))
    }

    /// The release directory, created (and its parents' entries made durable) if absent.
    fn ensure_release_dir(&self, namespace: &str, name: &str) -> Result<PathBuf> {
        let dir = self.release_dir(namespace, name)?;
        if !dir.is_dir() {
            fs::create_dir_all(&dir).map_err(io_error(&dir))?;
            for parent in [
                self.root.clone(),
                self.releases_dir(),
                self.namespace_dir(namespace)?,
            ] {
                sync_dir(&parent)?;
            }
        }
        Ok(dir)
    }

    /// Every record of one release, by revision. A missing directory is no history.
    fn read_history(&self, namespace: &str, name: &str) -> Result<Vec<Release>> {
        let dir = self.release_dir(namespace, name)?;
        let mut releases = Vec::new();
        for (file_name, path) in dir_entries(&dir)? {
            if let Some(version) = parse_record_file_name(&file_name, name) {
                releases.push(read_record(&path, namespace, name, version)?);
            }
        }
        releases.sort_by_key(|r| r.version);
        Ok(releases)
    }

    /// Every record in one namespace.
    fn read_namespace(&self, namespace: &str) -> Result<Vec<Release>> {
        let dir = self.namespace_dir(namespace)?;
        let mut releases = Vec::new();
        for (name, path) in dir_entries(&dir)? {
            if check_name("release name", &name).is_ok() && is_real_dir(&path) {
                releases.extend(self.read_history(namespace, &name)?);
            }
        }
        Ok(releases)
    }

    /// Writes `release` to its record file through a synced temporary file.
    /// `replace` decides between rename-over (update) and rename-if-absent (create).
    fn write_record(
        &self,
        dir: &Path,
        path: &Path,
        release: &Release,
        replace: bool,
    ) -> Result<()> {
        let key = release.key();
        let mut bytes = serde_json::to_vec_pretty(&RecordOut {
            labels: &release.labels,
            release,
        })
        .map_err(|e| Error::Codec {
            key: key.clone(),
            message: format!("cannot serialise to JSON: {e}"),
        })?;
        bytes.push(b'\n');

        let mut temp = tempfile::Builder::new()
            .prefix(&format!(".{key}.json.tmp-{}-", std::process::id()))
            .rand_bytes(6)
            .tempfile_in(dir)
            .map_err(io_error(dir))?;
        temp.write_all(&bytes).map_err(io_error(temp.path()))?;
        temp.as_file().sync_all().map_err(io_error(temp.path()))?;
        // On failure the PersistError's temporary file is dropped, which removes it.
        let persisted = if replace {
            temp.persist(path)
        } else {
            temp.persist_noclobber(path)
        };
        match persisted {
            Ok(_) => sync_dir(dir),
            Err(e) if !replace && e.error.kind() == io::ErrorKind::AlreadyExists => {
                Err(Error::AlreadyExists { key })
            }
            Err(e) => Err(Error::Io {
                path: path.to_path_buf(),
                source: e.error,
            }),
        }
    }
}

#[async_trait]
impl Driver for LocalDriver {
    fn name(&self) -> &'static str {
        "local"
    }

    async fn get(&self, namespace: &str, name: &str, version: u32) -> Result<Release> {
        let path = self.record_path(namespace, name, version)?;
        read_record(&path, namespace, name, version)
    }

    async fn history(&self, namespace: &str, name: &str) -> Result<Vec<Release>> {
        self.read_history(namespace, name)
    }

    async fn list(&self, namespace: Option<&str>) -> Result<Vec<Release>> {
        match namespace {
            Some(namespace) => self.read_namespace(namespace),
            None => {
                let mut releases = Vec::new();
                for (namespace, path) in dir_entries(&self.releases_dir())? {
                    if check_name("namespace", &namespace).is_ok() && is_real_dir(&path) {
                        releases.extend(self.read_namespace(&namespace)?);
                    }
                }
                Ok(releases)
            }
        }
    }

    async fn create(&self, release: &Release) -> Result<()> {
        let dir = self.ensure_release_dir(&release.namespace, &release.name)?;
        let path = dir.join(record_file_name(&release.name, release.version));
        match fs::symlink_metadata(&path) {
            Ok(_) => {
                return Err(Error::AlreadyExists { key: release.key() });
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(&path)(e)),
        }
        self.write_record(&dir, &path, release, false)
    }

    async fn update(&self, release: &Release) -> Result<()> {
        let path = self.record_path(&release.namespace, &release.name, release.version)?;
        // Validate what is there first: a corrupt record is reported, not replaced.
        read_record(&path, &release.namespace, &release.name, release.version)?;
        let dir = self.release_dir(&release.namespace, &release.name)?;
        self.write_record(&dir, &path, release, true)
    }

    async fn delete(&self, namespace: &str, name: &str, version: u32) -> Result<Release> {
        let path = self.record_path(namespace, name, version)?;
        let release = read_record(&path, namespace, name, version)?;
        fs::remove_file(&path).map_err(io_error(&path))?;
        sync_dir(&self.release_dir(namespace, name)?)?;
        Ok(release)
    }

    async fn lock(&self, namespace: &str, name: &str) -> Result<ReleaseLock> {
        let dir = self.ensure_release_dir(namespace, name)?;
        let path = dir.join(LOCK_FILE);
        // Not truncated on open: the current holder's information must survive.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_error(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let holder = read_holder(&mut file);
                let detail = if holder.is_empty() {
                    format!("holder unknown; lock file `{}`", path.display())
                } else {
                    format!("{holder}; lock file `{}`", path.display())
                };
                return Err(Error::Locked {
                    name: name.to_string(),
                    detail,
                });
            }
            Err(fs::TryLockError::Error(e)) => return Err(io_error(&path)(e)),
        }
        let holder = format!("pid {} since {}\n", std::process::id(), Timestamp::now());
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(holder.as_bytes()))
            .and_then(|()| file.flush())
            .map_err(io_error(&path))?;
        Ok(ReleaseLock::new(LocalLockGuard { file }))
    }
}

/// Keeps the lock file locked; on drop clears the holder line and unlocks.
struct LocalLockGuard {
    file: File,
}

impl Drop for LocalLockGuard {
    fn drop(&mut self) {
        // Best effort: closing the file releases the lock in any case.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// What the current holder wrote into the lock file, trimmed; empty if unknown.
fn read_holder(file: &mut File) -> String {
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(0)).is_err()
        || file.take(MAX_HOLDER_INFO).read_to_end(&mut bytes).is_err()
    {
        return String::new();
    }
    String::from_utf8_lossy(&bytes).trim().to_string()
}

/// `sh.helm.release.v1.<name>.v<version>.json`.
fn record_file_name(name: &str, version: u32) -> String {
    format!("{}.json", storage_key(name, version))
}

/// The revision a record file of release `name` holds, if `file_name` is exactly
/// what [`record_file_name`] writes (no leading zeros, no other suffix).
fn parse_record_file_name(file_name: &str, name: &str) -> Option<u32> {
    let digits = file_name
        .strip_prefix("sh.helm.release.v1.")?
        .strip_prefix(name)?
        .strip_prefix(".v")?
        .strip_suffix(".json")?;
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if canonical { digits.parse().ok() } else { None }
}

/// Reads and validates one record file.
fn read_record(path: &Path, namespace: &str, name: &str, version: u32) -> Result<Release> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::RevisionNotFound {
                name: name.to_string(),
                version,
            });
        }
        Err(e) => return Err(corrupt(path, format!("cannot be read: {e}"))),
    };
    let record: RecordIn = serde_json::from_slice(&bytes)
        .map_err(|e| corrupt(path, format!("not a release record: {e}")))?;
    let mut release = record.release;
    if release.name != name || release.namespace != namespace || release.version != version {
        return Err(corrupt(
            path,
            format!(
                "it holds release `{}` revision {} in namespace `{}`, not what its path says",
                release.name, release.version, release.namespace
            ),
        ));
    }
    release.labels = record.labels;
    Ok(release)
}

fn corrupt(path: &Path, message: String) -> Error {
    Error::Corrupt {
        location: path.display().to_string(),
        message,
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Entries of `dir` with UTF-8 names that do not start with `.`; none if it is absent.
fn dir_entries(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(dir)(e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_error(dir))?;
        if let Ok(name) = entry.file_name().into_string()
            && !name.starts_with('.')
        {
            out.push((name, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// A directory that is not a symbolic link (which could point outside the root).
fn is_real_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

/// Makes a directory's entries (a rename, a new file) durable.
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error(dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Refuses a namespace or release name that is not a plain directory name.
fn check_name(kind: &'static str, value: &str) -> Result<()> {
    let reason = if value.is_empty() {
        "it is empty"
    } else if value == "." || value == ".." {
        "it is a relative directory reference"
    } else if value.starts_with('.') {
        "it starts with `.`, which marks the driver's own files"
    } else if value.contains(['/', '\\', ':']) {
        "it contains `/`, `\\` or `:`, which could name another directory"
    } else if value.contains('\0') {
        "it contains a NUL byte"
    } else if value.chars().any(char::is_control) {
        "it contains a control character"
    } else {
        return Ok(());
    };
    Err(Error::InvalidName {
        kind,
        value: value.to_string(),
        reason,
    })
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::Status;
    use crate::test_support::sample_release;

    fn driver() -> (tempfile::TempDir, LocalDriver) {
        let dir = tempfile::tempdir().unwrap();
        let driver = LocalDriver::new(dir.path().join("state"));
        (dir, driver)
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn record_file_names_round_trip() {
        for (name, version) in [("demo", 1), ("a.b", 12), ("x", 0), ("x", u32::MAX)] {
            assert_eq!(
                parse_record_file_name(&record_file_name(name, version), name),
                Some(version)
            );
        }
        for other in [
            "sh.helm.release.v1.demo.v01.json",
            "sh.helm.release.v1.demo.v.json",
            "sh.helm.release.v1.demo.v1.json.bak",
            "sh.helm.release.v1.demo.v1",
            "sh.helm.release.v1.demo.v-1.json",
            "sh.helm.release.v1.demo.v99999999999.json",
            "sh.helm.release.v1.demox.v1.json",
        ] {
            assert_eq!(parse_record_file_name(other, "demo"), None, "{other}");
        }
    }

    #[tokio::test]
    async fn layout_and_format_are_as_documented() {
        let (_tmp, d) = driver();
        let mut r = sample_release("apps", "demo", 2, Status::Deployed);
        r.labels.insert("team".into(), "payments".into());
        d.create(&r).await.unwrap();
        let path = d
            .root()
            .join("releases/apps/demo/sh.helm.release.v1.demo.v2.json");
        assert_eq!(d.record_path("apps", "demo", 2).unwrap(), path);
        let stored: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        assert_eq!(stored["labels"], serde_json::json!({"team": "payments"}));
        assert_eq!(stored["release"], serde_json::to_value(&r).unwrap());
        assert_eq!(d.get("apps", "demo", 2).await.unwrap(), r);
        // Without labels there is no `labels` key.
        let plain = sample_release("apps", "demo", 3, Status::Deployed);
        d.create(&plain).await.unwrap();
        let stored: serde_json::Value =
            serde_json::from_slice(&fs::read(d.record_path("apps", "demo", 3).unwrap()).unwrap())
                .unwrap();
        assert!(stored.get("labels").is_none());
    }

    #[tokio::test]
    async fn writes_leave_no_temporary_files() {
        let (_tmp, d) = driver();
        let mut r = sample_release("apps", "demo", 1, Status::PendingInstall);
        d.create(&r).await.unwrap();
        r.set_status(Status::Deployed, "Install complete");
        d.update(&r).await.unwrap();
        assert!(matches!(
            d.create(&r).await,
            Err(Error::AlreadyExists { .. })
        ));
        let dir = d.root().join("releases/apps/demo");
        assert_eq!(files_in(&dir), ["sh.helm.release.v1.demo.v1.json"]);
    }

    #[test]
    fn readers_never_see_a_partial_record() {
        // Alternate a small and a large body of one revision while another
        // thread reads the file as fast as it can: every read must be one whole
        // record or the other. In-place writes (truncate, then write) fail this.
        let (_tmp, d) = driver();
        let small = sample_release("apps", "demo", 1, Status::Deployed);
        let mut large = small.clone();
        large.manifest = "# padding\n".repeat(100_000);
        let whole_lengths = [&small, &large].map(|r| {
            serde_json::to_vec_pretty(&RecordOut {
                labels: &r.labels,
                release: r,
            })
            .unwrap()
            .len()
                + 1
        });
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(d.create(&small)).unwrap();
        let path = d.record_path("apps", "demo", 1).unwrap();

        let done = std::sync::atomic::AtomicBool::new(false);
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        std::thread::scope(|scope| {
            let reader = scope.spawn(|| {
                loop {
                    let bytes = fs::read(&path).unwrap();
                    assert!(
                        whole_lengths.contains(&bytes.len()) && bytes.ends_with(b"}\n"),
                        "read a partial record of {} bytes",
                        bytes.len()
                    );
                    let _ = started_tx.send(());
                    if done.load(std::sync::atomic::Ordering::Acquire) {
                        break;
                    }
                }
            });
            // Writes begin once the reader is reading, so the two overlap.
            started_rx.recv().unwrap();
            for i in 0..40 {
                let next = if i % 2 == 0 { &large } else { &small };
                rt.block_on(d.update(next)).unwrap();
            }
            done.store(true, std::sync::atomic::Ordering::Release);
            reader.join().unwrap();
        });
        assert_eq!(rt.block_on(d.get("apps", "demo", 1)).unwrap(), small);
        assert_eq!(
            files_in(&d.root().join("releases/apps/demo")),
            ["sh.helm.release.v1.demo.v1.json"]
        );
    }

    #[tokio::test]
    async fn stray_temporary_files_are_ignored_and_kept() {
        let (_tmp, d) = driver();
        let r = sample_release("apps", "demo", 1, Status::Deployed);
        d.create(&r).await.unwrap();
        let dir = d.root().join("releases/apps/demo");
        let stray = dir.join(".sh.helm.release.v1.demo.v2.json.tmp-99999-abcdef");
        fs::write(&stray, b"{\"release\": {\"name\": \"de").unwrap();
        let unrelated = dir.join("NOTES.txt");
        fs::write(&unrelated, b"hand-written").unwrap();

        assert_eq!(
            d.history("apps", "demo").await.unwrap(),
            std::slice::from_ref(&r)
        );
        assert_eq!(d.list(None).await.unwrap(), std::slice::from_ref(&r));
        assert!(matches!(
            d.get("apps", "demo", 2).await,
            Err(Error::RevisionNotFound { version: 2, .. })
        ));
        let mut r2 = sample_release("apps", "demo", 2, Status::Deployed);
        d.create(&r2).await.unwrap();
        r2.info.description = "updated".into();
        d.update(&r2).await.unwrap();
        d.delete("apps", "demo", 1).await.unwrap();
        assert!(stray.exists() && unrelated.exists());
    }

    #[tokio::test]
    async fn corrupt_records_are_reported_and_never_touched() {
        let (_tmp, d) = driver();
        d.create(&sample_release("apps", "demo", 1, Status::Superseded))
            .await
            .unwrap();
        let path = d.record_path("apps", "demo", 2).unwrap();
        let garbage = b"{\"release\": {\"name\": \"demo\", \"vers".to_vec();
        fs::write(&path, &garbage).unwrap();

        let mut r2 = sample_release("apps", "demo", 2, Status::Deployed);
        let location = path.display().to_string();
        let is_corrupt_here =
            |e: &Error| matches!(e, Error::Corrupt { location: l, .. } if *l == location);

        let err = d.get("apps", "demo", 2).await.unwrap_err();
        assert!(is_corrupt_here(&err), "{err}");
        assert!(err.to_string().contains(&location), "{err}");
        let err = d.update(&r2).await.unwrap_err();
        assert!(is_corrupt_here(&err), "{err}");
        assert!(matches!(
            d.create(&r2).await,
            Err(Error::AlreadyExists { .. })
        ));
        let err = d.delete("apps", "demo", 2).await.unwrap_err();
        assert!(is_corrupt_here(&err), "{err}");
        let err = d.history("apps", "demo").await.unwrap_err();
        assert!(is_corrupt_here(&err), "{err}");
        let err = d.list(Some("apps")).await.unwrap_err();
        assert!(is_corrupt_here(&err), "{err}");
        assert_eq!(fs::read(&path).unwrap(), garbage);

        // Valid JSON that disagrees with its path is corrupt too, and kept.
        r2.name = "other".into();
        let misplaced = serde_json::to_vec(&serde_json::json!({"release": r2})).unwrap();
        fs::write(&path, &misplaced).unwrap();
        r2.name = "demo".into();
        let err = d.update(&r2).await.unwrap_err();
        assert!(is_corrupt_here(&err), "{err}");
        assert!(err.to_string().contains("`other`"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), misplaced);

        // So is a record that cannot be read at all.
        fs::remove_file(&path).unwrap();
        fs::create_dir(&path).unwrap();
        let err = d.get("apps", "demo", 2).await.unwrap_err();
        assert!(is_corrupt_here(&err), "{err}");
        assert!(matches!(
            d.create(&r2).await,
            Err(Error::AlreadyExists { .. })
        ));
        assert!(path.is_dir());
    }

    #[tokio::test]
    async fn lock_excludes_another_driver_on_the_same_root() {
        let (_tmp, a) = driver();
        let b = LocalDriver::new(a.root());
        let guard = a.lock("apps", "demo").await.unwrap();
        let err = b.lock("apps", "demo").await.unwrap_err();
        let Error::Locked { name, detail } = &err else {
            panic!("expected Locked, got {err}");
        };
        assert_eq!(name, "demo");
        assert!(
            detail.starts_with(&format!("pid {} since ", std::process::id())),
            "{detail}"
        );
        assert!(detail.contains(".lock"), "{detail}");
        // The same driver is excluded as well, other releases are not.
        assert!(matches!(
            a.lock("apps", "demo").await,
            Err(Error::Locked { .. })
        ));
        let _other = b.lock("apps", "other").await.unwrap();
        let _elsewhere = b.lock("prod", "demo").await.unwrap();

        drop(guard);
        let again = b.lock("apps", "demo").await.unwrap();
        drop(again);
        // The lock file is never taken for a record.
        assert!(b.history("apps", "demo").await.unwrap().is_empty());
        assert!(b.list(None).await.unwrap().is_empty());
        assert!(a.root().join("releases/apps/demo/.lock").is_file());
    }

    #[test]
    fn lock_excludes_another_process() {
        // A child process (this test binary, re-run on one test) holds the lock;
        // it signals readiness by printing, and we release it by closing stdin.
        const CHILD_ENV: &str = "WINDLASS_RELEASE_LOCK_CHILD_ROOT";
        const READY: &str = "windlass-lock-child-ready";
        if let Some(root) = std::env::var_os(CHILD_ENV) {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let _guard = rt
                .block_on(LocalDriver::new(root).lock("apps", "demo"))
                .unwrap();
            let mut stdout = io::stdout();
            stdout.write_all(format!("{READY}\n").as_bytes()).unwrap();
            stdout.flush().unwrap();
            let _ = io::stdin().read_to_end(&mut Vec::new());
            return;
        }

        let (_tmp, d) = driver();
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "local::tests::lock_excludes_another_process",
                "--nocapture",
            ])
            .env(CHILD_ENV, d.root())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            assert_ne!(
                io::BufRead::read_line(&mut out, &mut line).unwrap(),
                0,
                "child exited before locking"
            );
            if line.contains(READY) {
                break;
            }
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let err = rt.block_on(d.lock("apps", "demo")).unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("pid {} since", child.id())),
            "{err}"
        );
        drop(child.stdin.take());
        assert!(child.wait().unwrap().success());
        rt.block_on(d.lock("apps", "demo")).unwrap();
    }

    #[tokio::test]
    async fn names_that_could_escape_the_root_are_refused() {
        let (tmp, d) = driver();
        let bad = [
            "", ".", "..", ".hidden", "a/b", "../x", "a\\b", "c:x", "a\0b", "a\nb",
        ];
        for value in bad {
            let mut r = sample_release("apps", "demo", 1, Status::Deployed);
            r.name = value.into();
            let in_ns = sample_release(value, "demo", 1, Status::Deployed);
            let results = [
                d.get("apps", value, 1).await.map(|_| ()),
                d.get(value, "demo", 1).await.map(|_| ()),
                d.history("apps", value).await.map(|_| ()),
                d.list(Some(value)).await.map(|_| ()),
                d.create(&r).await,
                d.create(&in_ns).await,
                d.update(&r).await,
                d.delete(value, "demo", 1).await.map(|_| ()),
                d.lock("apps", value).await.map(|_| ()),
                d.lock(value, "demo").await.map(|_| ()),
                d.record_path("apps", value, 1).map(|_| ()),
            ];
            for (i, result) in results.into_iter().enumerate() {
                let err = result.unwrap_err();
                assert!(
                    matches!(err, Error::InvalidName { .. }),
                    "{value:?} call {i}: {err}"
                );
            }
        }
        // Nothing was written anywhere: not even the state directory exists.
        assert_eq!(files_in(tmp.path()), Vec::<String>::new());
        let err = d.get("a/b", "demo", 1).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid namespace `a/b`: it contains `/`, `\\` or `:`, which could name another directory"
        );
    }

    #[tokio::test]
    async fn list_walks_all_namespaces_and_skips_foreign_entries() {
        let (_tmp, d) = driver();
        for (ns, name, v) in [("apps", "web", 1), ("apps", "web", 2), ("prod", "db", 1)] {
            d.create(&sample_release(ns, name, v, Status::Deployed))
                .await
                .unwrap();
        }
        let releases = d.root().join("releases");
        fs::write(releases.join("README"), b"not a namespace").unwrap();
        fs::create_dir_all(releases.join(".trash/old")).unwrap();
        fs::write(releases.join("apps/stray-file"), b"x").unwrap();
        let found: Vec<_> = d
            .list(None)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.namespace, r.name, r.version))
            .collect();
        assert_eq!(
            found,
            [
                ("apps".to_string(), "web".to_string(), 1),
                ("apps".to_string(), "web".to_string(), 2),
                ("prod".to_string(), "db".to_string(), 1),
            ]
        );
        assert_eq!(d.list(Some("prod")).await.unwrap().len(), 1);
        assert!(d.list(Some("nowhere")).await.unwrap().is_empty());
    }
}
