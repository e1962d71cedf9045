//! The on-disk module cache, content-addressed:
//!
//! - `modules/<sha256>.wasm`: module bytes, so a release record can keep only a
//!   digest and rollback or uninstall still find the hook;
//! - `compiled/<engine>/<sha256>.cwasm`: the module precompiled by this engine
//!   (`<engine>` is a hash of the engine's compatibility hash), with a
//!   `.cwasm.sha256` sidecar holding the digest of the precompiled bytes.
//!
//! Precompiled bytes are only ever loaded after their digest checks out, so a
//! corrupt, truncated or foreign file is detected and rebuilt, never run.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

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

    /// Keeps `bytes` under their digest (a no-op when already there).
    ///
    /// # Errors
    /// The cache cannot be written.
    pub fn store_module(&self, bytes: &[u8]) -> std::io::Result<Digest> {
        let digest = Digest::of(bytes);
        let path = self.module_path(&digest);
        if self.module(&digest).ok().flatten().is_none() {
            write_atomic(&path, bytes)?;
        }
        Ok(digest)
    }

    /// The module with `digest`, if cached intact. A file whose bytes do not
    /// match its name is ignored (and replaced on the next store).
    ///
    /// # Errors
    /// The file exists but cannot be read.
    pub fn module(&self, digest: &Digest) -> std::io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.module_path(digest)) {
            Ok(bytes) if Digest::of(&bytes) == *digest => Ok(Some(bytes)),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The precompiled form of `digest` for `engine`, if present and intact.
    pub fn compiled(&self, engine: &str, digest: &Digest) -> Option<Vec<u8>> {
        let path = self.compiled_path(engine, digest);
        let bytes = std::fs::read(&path).ok()?;
        let expected = std::fs::read_to_string(sidecar(&path)).ok()?;
        (Digest::of(&bytes).hex() == expected.trim()).then_some(bytes)
    }

    /// Stores the precompiled form of `digest` for `engine`. Failures are
    /// ignored by callers: the cache only saves time.
    ///
    /// # Errors
    /// The cache cannot be written.
    pub fn store_compiled(
        &self,
        engine: &str,
        digest: &Digest,
        bytes: &[u8],
    ) -> std::io::Result<()> {
        let path = self.compiled_path(engine, digest);
        // The sidecar is written first: a crash between the two leaves a
        // sidecar without its file, which reads as a miss.
        write_atomic(&sidecar(&path), Digest::of(bytes).hex().as_bytes())?;
        write_atomic(&path, bytes)
    }
}

fn sidecar(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

/// Temp file in the same directory, then rename: readers never see half a file.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
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
        let digest = cache.store_module(b"module").unwrap();
        assert_eq!(cache.module(&digest).unwrap().unwrap(), b"module");
        std::fs::write(cache.module_path(&digest), b"evil").unwrap();
        assert!(cache.module(&digest).unwrap().is_none());
        cache.store_module(b"module").unwrap();
        assert_eq!(cache.module(&digest).unwrap().unwrap(), b"module");
    }

    #[test]
    fn a_corrupt_compiled_entry_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ModuleCache::new(dir.path());
        let digest = Digest::of(b"m");
        cache.store_compiled("e1", &digest, b"precompiled").unwrap();
        assert_eq!(cache.compiled("e1", &digest).unwrap(), b"precompiled");
        assert!(
            cache.compiled("e2", &digest).is_none(),
            "another engine's entry"
        );
        let mut bytes = b"precompiled".to_vec();
        bytes[3] ^= 1;
        std::fs::write(cache.compiled_path("e1", &digest), bytes).unwrap();
        assert!(cache.compiled("e1", &digest).is_none());
    }
}
