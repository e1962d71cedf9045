//! The on-disk module cache, content-addressed:
//!
//! - `modules/<sha256>.wasm`: module bytes, so a release record can keep only a
//!   digest and rollback or uninstall still find the hook;
//! - `compiled/<engine>/<sha256>.cwasm`: the module precompiled by this engine
//!   (`<engine>` is a hash of the engine's compatibility hash), with a
//!   `.cwasm.meta` sidecar: the SHA-256 of the precompiled bytes, what it was
//!   compiled from (kind and size), and the identity of the file when it was
//!   written or last checked (device, inode, size, ctime).
//!
//! Precompiled bytes are only loaded after their digest checks out, so a
//! corrupt, truncated or foreign file is detected and rebuilt, never run.
//! Hashing a 35 MB precompiled interpreter costs more than mapping it, so,
//! like git's index, the check is skipped while the file is provably the one
//! that was checked: same inode, size and ctime (which no write, `touch` or
//! copy leaves alone). Anything else reads and hashes the file again.

use std::fmt;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::runtime::ModuleKind;

/// A module's SHA-256, printed as `sha256:<hex>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(String);

impl Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Digest(hex(&Sha256::digest(bytes)))
    }

    /// Parses `sha256:<64 hex digits>` (or the bare hex).
    ///
    /// # Errors
    /// Anything else.
    pub fn parse(text: &str) -> Result<Self, String> {
        let hex = text.strip_prefix("sha256:").unwrap_or(text);
        if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Digest(hex.to_ascii_lowercase()))
        } else {
            Err(format!(
                "invalid sha256 digest `{text}` (want `sha256:` and 64 hex digits)"
            ))
        }
    }

    /// The hex digits.
    pub fn hex(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.0)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The cache directory tree.
#[derive(Debug, Clone)]
pub struct ModuleCache {
    root: PathBuf,
}

impl ModuleCache {
    /// A cache rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ModuleCache { root: root.into() }
    }

    /// `$WINDLASS_CACHE_DIR/wasm`, else `$XDG_CACHE_HOME/windlass/wasm`, else
    /// `~/.cache/windlass/wasm`.
    pub fn default_dir() -> PathBuf {
        let base = std::env::var_os("WINDLASS_CACHE_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("XDG_CACHE_HOME")
                    .filter(|v| !v.is_empty())
                    .map(|d| PathBuf::from(d).join("windlass"))
            })
            .unwrap_or_else(|| {
                std::env::var_os("HOME")
                    .map_or_else(std::env::temp_dir, PathBuf::from)
                    .join(".cache/windlass")
            });
        base.join("wasm")
    }

    /// Where the cache lives.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn module_path(&self, digest: &Digest) -> PathBuf {
        self.root
            .join("modules")
            .join(format!("{}.wasm", digest.hex()))
    }

    fn compiled_path(&self, engine: &str, digest: &Digest) -> PathBuf {
        self.root
            .join("compiled")
            .join(engine)
            .join(format!("{}.cwasm", digest.hex()))
    }

    /// Keeps `bytes`, whose digest is `digest`, under it (a no-op when a file
    /// of that size is already there: a corrupt one is removed when read).
    ///
    /// # Errors
    /// The cache cannot be written.
    pub fn store_module(&self, digest: &Digest, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.module_path(digest);
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() && meta.len() == bytes.len() as u64 => Ok(()),
            _ => write_atomic(&path, bytes).map(drop),
        }
    }

    /// The module with `digest`, if cached intact. A file whose bytes do not
    /// match its name is removed, so that the next store replaces it.
    ///
    /// # Errors
    /// The file exists but cannot be read.
    pub fn module(&self, digest: &Digest) -> std::io::Result<Option<Vec<u8>>> {
        let path = self.module_path(digest);
        match std::fs::read(&path) {
            Ok(bytes) if Digest::of(&bytes) == *digest => Ok(Some(bytes)),
            Ok(_) => {
                let _ = std::fs::remove_file(&path);
                Ok(None)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The precompiled form of `digest` for `engine`, if present and intact.
    pub fn compiled(&self, engine: &str, digest: &Digest) -> Option<Compiled> {
        let path = self.compiled_path(engine, digest);
        let meta_path = meta_path(&path);
        let meta = Meta::parse(&std::fs::read_to_string(&meta_path).ok()?)?;
        let mut file = File::open(&path).ok()?;
        let identity = FileIdentity::of(&file);
        let form = if identity.is_some() && identity == meta.identity {
            CompiledForm::File {
                path: open_path(&file, path),
                file,
            }
        } else {
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).ok()?;
            if Digest::of(&bytes) != meta.sha256 {
                return None;
            }
            // Checked: remember this file, so the next load can map it.
            let checked = Meta {
                identity,
                ..meta.clone()
            };
            let _ = write_atomic(&meta_path, checked.to_string().as_bytes());
            CompiledForm::Bytes(bytes)
        };
        Some(Compiled {
            kind: meta.kind,
            module_bytes: meta.module_bytes,
            form,
        })
    }

    /// Stores `bytes`, the precompiled form of the `module_bytes`-long module
    /// `digest`, for `engine`. Failures are ignored by callers: the cache only
    /// saves time.
    ///
    /// # Errors
    /// The cache cannot be written.
    pub fn store_compiled(
        &self,
        engine: &str,
        digest: &Digest,
        kind: ModuleKind,
        module_bytes: u64,
        bytes: &[u8],
    ) -> std::io::Result<()> {
        let path = self.compiled_path(engine, digest);
        // The file first, then its sidecar: a crash between the two leaves a
        // file without a sidecar, which reads as a miss.
        let file = write_atomic(&path, bytes)?;
        let meta = Meta {
            sha256: Digest::of(bytes),
            kind,
            module_bytes,
            identity: FileIdentity::of(&file),
        };
        write_atomic(&meta_path(&path), meta.to_string().as_bytes())?;
        Ok(())
    }
}

/// A precompiled entry found intact in the cache.
#[derive(Debug)]
pub struct Compiled {
    /// What it was compiled from.
    pub kind: ModuleKind,
    /// The size of the module it was compiled from (for the module size limit).
    pub module_bytes: u64,
    /// Where its bytes are.
    pub form: CompiledForm,
}

/// The bytes of a [`Compiled`] entry.
#[derive(Debug)]
pub enum CompiledForm {
    /// The file, unchanged since it was written or checked: map it.
    File {
        /// A path to the open `file`: on Linux the open file itself (through
        /// `/proc/self/fd`), so that a file renamed over the entry since is
        /// not the one mapped; elsewhere the entry's path.
        path: PathBuf,
        /// Kept open for as long as `path` is used.
        file: File,
    },
    /// Read and checked against its digest just now.
    Bytes(Vec<u8>),
}

/// See [`CompiledForm::File`].
fn open_path(file: &File, path: PathBuf) -> PathBuf {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let by_fd = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
        if by_fd.exists() { by_fd } else { path }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file;
        path
    }
}

/// The sidecar of a precompiled file.
#[derive(Debug, Clone, PartialEq)]
struct Meta {
    sha256: Digest,
    kind: ModuleKind,
    module_bytes: u64,
    identity: Option<FileIdentity>,
}

impl Meta {
    fn parse(text: &str) -> Option<Meta> {
        let mut sha256 = None;
        let mut kind = None;
        let mut module_bytes = None;
        let mut identity = None;
        for line in text.lines() {
            let (key, value) = line.split_once(' ')?;
            match key {
                "sha256" => sha256 = Some(Digest::parse(value).ok()?),
                "kind" => {
                    kind = Some(match value {
                        "component" => ModuleKind::Component,
                        "command" => ModuleKind::Command,
                        _ => return None,
                    });
                }
                "module-bytes" => module_bytes = Some(value.parse().ok()?),
                "file" => identity = Some(FileIdentity::parse(value)?),
                _ => {}
            }
        }
        Some(Meta {
            sha256: sha256?,
            kind: kind?,
            module_bytes: module_bytes?,
            identity,
        })
    }
}

impl fmt::Display for Meta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "sha256 {}", self.sha256.hex())?;
        let kind = match self.kind {
            ModuleKind::Component => "component",
            ModuleKind::Command => "command",
        };
        writeln!(f, "kind {kind}")?;
        writeln!(f, "module-bytes {}", self.module_bytes)?;
        if let Some(identity) = &self.identity {
            writeln!(f, "file {identity}")?;
        }
        Ok(())
    }
}

/// Which file, and which version of it: device, inode, size and ctime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileIdentity([i64; 5]);

impl FileIdentity {
    #[cfg(unix)]
    fn of(file: &File) -> Option<FileIdentity> {
        use std::os::unix::fs::MetadataExt;
        let m = file.metadata().ok()?;
        let signed = |v: u64| i64::try_from(v).ok();
        Some(FileIdentity([
            signed(m.dev())?,
            signed(m.ino())?,
            signed(m.size())?,
            m.ctime(),
            m.ctime_nsec(),
        ]))
    }

    /// Elsewhere every load checks the digest.
    #[cfg(not(unix))]
    fn of(_file: &File) -> Option<FileIdentity> {
        None
    }

    fn parse(text: &str) -> Option<FileIdentity> {
        let fields: Vec<i64> = text
            .split(' ')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        Some(FileIdentity(fields.try_into().ok()?))
    }
}

impl fmt::Display for FileIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [dev, ino, size, secs, nanos] = self.0;
        write!(f, "{dev} {ino} {size} {secs} {nanos}")
    }
}

fn meta_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".meta");
    PathBuf::from(name)
}

/// Temp file in the same directory, then rename: readers never see half a
/// file. Returns the file written, for its identity after the rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<File> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests() {
        let d = Digest::of(b"abc");
        assert_eq!(
            d.to_string(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(Digest::parse(&d.to_string()).unwrap(), d);
        assert_eq!(Digest::parse(&d.hex().to_uppercase()).unwrap(), d);
        assert!(Digest::parse("sha256:abc").is_err());
    }

    #[test]
    fn modules_round_trip_and_a_tampered_file_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ModuleCache::new(dir.path());
        let digest = Digest::of(b"module");
        cache.store_module(&digest, b"module").unwrap();
        assert_eq!(cache.module(&digest).unwrap().unwrap(), b"module");
        std::fs::write(cache.module_path(&digest), b"evil!!").unwrap();
        assert!(cache.module(&digest).unwrap().is_none());
        cache.store_module(&digest, b"module").unwrap();
        assert_eq!(cache.module(&digest).unwrap().unwrap(), b"module");
    }

    fn bytes_of(compiled: Compiled) -> Vec<u8> {
        match compiled.form {
            CompiledForm::File { path, .. } => std::fs::read(path).unwrap(),
            CompiledForm::Bytes(bytes) => bytes,
        }
    }

    #[test]
    fn a_checked_compiled_entry_is_mapped_and_a_changed_one_checked_again() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ModuleCache::new(dir.path());
        let digest = Digest::of(b"m");
        let kind = ModuleKind::Component;
        cache
            .store_compiled("e1", &digest, kind, 1, b"precompiled")
            .unwrap();
        let found = cache.compiled("e1", &digest).unwrap();
        assert_eq!((found.kind, found.module_bytes), (kind, 1));
        assert!(matches!(found.form, CompiledForm::File { .. }), "{found:?}");
        assert_eq!(bytes_of(found), b"precompiled");
        assert!(
            cache.compiled("e2", &digest).is_none(),
            "another engine's entry"
        );

        // Rewritten with the same bytes: checked once, then mapped again.
        let path = cache.compiled_path("e1", &digest);
        std::fs::write(&path, b"precompiled").unwrap();
        let found = cache.compiled("e1", &digest).unwrap();
        assert!(matches!(found.form, CompiledForm::Bytes(_)), "{found:?}");
        let found = cache.compiled("e1", &digest).unwrap();
        assert!(matches!(found.form, CompiledForm::File { .. }), "{found:?}");

        // Flipped bits in place: a miss.
        let mut bytes = b"precompiled".to_vec();
        bytes[3] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert!(cache.compiled("e1", &digest).is_none());
    }

    #[test]
    fn a_sidecar_that_does_not_parse_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ModuleCache::new(dir.path());
        let digest = Digest::of(b"m");
        cache
            .store_compiled("e1", &digest, ModuleKind::Command, 1, b"x")
            .unwrap();
        let meta = meta_path(&cache.compiled_path("e1", &digest));
        let text = std::fs::read_to_string(&meta).unwrap();
        assert!(Meta::parse(&text).is_some(), "{text}");
        for broken in [
            "",
            "sha256 nothex\nkind command\nmodule-bytes 1\n",
            &text.replace("kind command", "kind other"),
            &text.replace("module-bytes 1", "module-bytes -1"),
            &text.replace("file ", "file 1 2 "),
        ] {
            std::fs::write(&meta, broken).unwrap();
            assert!(cache.compiled("e1", &digest).is_none(), "{broken:?}");
        }
    }
}
