//! Loading a chart from a directory or a `.tgz`, as Helm v4's
//! `pkg/chart/v2/loader` does: which file goes where, `.helmignore` for
//! directories (never for archives), symlinks followed, the archive's top
//! directory stripped and unsafe entry names rejected, Helm's size limits,
//! subcharts from `charts/` (directories or archives, recursively), and
//! `Chart.yaml` decoded and validated like Go's `yaml.Unmarshal` into
//! `Metadata` followed by `Metadata.Validate`.
//!
//! Every error names the file or chart it is about, in backticks, with the
//! path the user gave (`mychart/charts/sub/values.yaml`) or, inside an
//! archive, the archive's name followed by the chart-relative path.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde_json::{Map, Number, Value};

use crate::Values;
use crate::chart::{Chart, Dependency, File, Lock, Maintainer, Metadata};
use crate::constraint::Version;
use crate::display::one_line;
use crate::ignore::{self, HELM_IGNORE, IgnoreError, Rules};
use crate::timestamp::Timestamp;
use crate::yaml::{self, YamlError};

/// Helm's `MaxDecompressedChartSize`: the most bytes one chart (one archive,
/// or the non-ignored files of one directory) may hold, 100 MiB.
pub const MAX_DECOMPRESSED_CHART_SIZE: u64 = 100 * 1024 * 1024;

/// Helm's `MaxDecompressedFileSize`: the largest single file, 5 MiB.
pub const MAX_DECOMPRESSED_FILE_SIZE: u64 = 5 * 1024 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const GZIP_MAGIC: &[u8] = b"\x1F\x8B\x08";

/// Why a chart could not be loaded. Every message is one line and names the
/// file or chart in backticks.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or directory could not be read.
    #[error("`{path}`: {error}")]
    Io {
        /// What could not be read.
        path: String,
        /// The operating system's reason.
        #[source]
        error: io::Error,
    },
    /// [`load_dir`] was given something that is not a directory.
    #[error("`{path}`: not a directory")]
    NotADirectory {
        /// The path given.
        path: String,
    },
    /// A chart file that is not gzip data (often a values file given by mistake).
    #[error("`{path}`: {reason}")]
    NotAnArchive {
        /// The file or archive name.
        path: String,
        /// What it looks like instead.
        reason: &'static str,
    },
    /// Corrupt gzip or tar data.
    #[error("`{archive}`: cannot read the archive: {message}")]
    Archive {
        /// The archive.
        archive: String,
        /// The decoder's reason.
        message: String,
    },
    /// An archive entry that would escape the chart (absolute, `..`, drive
    /// letter) or sits at the wrong level.
    #[error("`{archive}`: entry `{entry}` {problem}")]
    UnsafePath {
        /// The archive.
        archive: String,
        /// The entry's name as stored.
        entry: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// An archive holding no files.
    #[error("`{archive}`: no files in chart archive")]
    EmptyArchive {
        /// The archive.
        archive: String,
    },
    /// More than [`MAX_DECOMPRESSED_CHART_SIZE`] bytes in one chart.
    #[error("`{path}`: chart is larger than the maximum decompressed size of {limit} bytes")]
    ChartTooLarge {
        /// The chart, or the file that crossed the limit.
        path: String,
        /// The limit.
        limit: u64,
    },
    /// A file larger than [`MAX_DECOMPRESSED_FILE_SIZE`].
    #[error("`{path}`: file is larger than the maximum file size of {limit} bytes")]
    FileTooLarge {
        /// The file.
        path: String,
        /// The limit.
        limit: u64,
    },
    /// A device, socket or pipe in a chart directory.
    #[error("`{path}`: cannot load irregular file (a device, socket or pipe)")]
    IrregularFile {
        /// The file.
        path: String,
    },
    /// A symlink that does not resolve.
    #[error("`{path}`: cannot resolve symbolic link: {error}")]
    Symlink {
        /// The link.
        path: String,
        /// The operating system's reason.
        #[source]
        error: io::Error,
    },
    /// A symlink to a directory that encloses it.
    #[error("`{path}`: symbolic link loops back to an enclosing directory")]
    SymlinkLoop {
        /// The link.
        path: String,
    },
    /// A `.helmignore` Helm would refuse.
    #[error("`{file}`: {error}")]
    Ignore {
        /// The `.helmignore`.
        file: String,
        /// The offending line.
        #[source]
        error: IgnoreError,
    },
    /// Malformed YAML (the error names the file and line).
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// Well-formed YAML of the wrong shape (`name: [a]`, `deprecated: maybe`).
    #[error("`{file}`: {message}")]
    Decode {
        /// The file.
        file: String,
        /// What does not fit.
        message: String,
    },
    /// No `Chart.yaml` (or it was ignored by `.helmignore`).
    #[error("`{chart}`: Chart.yaml file is missing")]
    MissingChartYaml {
        /// The chart.
        chart: String,
    },
    /// A plain file in `charts/`, which Helm tries to load as a subchart.
    #[error(
        "`{path}`: not a chart (Chart.yaml file is missing); files in `charts/` must be \
         subcharts or have names starting with `_` or `.`"
    )]
    StrayFileInCharts {
        /// The file.
        path: String,
    },
    /// A `charts/x.tgz` that is a directory rather than an archive.
    #[error("`{path}`: expected the subchart archive `{expected}`, found `{found}`")]
    SubchartArchive {
        /// The subchart.
        path: String,
        /// The archive name.
        expected: String,
        /// The first file found under that name.
        found: String,
    },
    /// `Chart.yaml` metadata that `Metadata.Validate` rejects.
    #[error("`{file}`: {message}")]
    Validation {
        /// The `Chart.yaml`.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// A chart file held in memory before it is sorted into a [`Chart`]
/// (Helm's `BufferedFile`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BufferedFile {
    /// Chart-relative name with `/` separators.
    pub name: String,
    /// Contents, with any UTF-8 byte order mark removed.
    pub data: Vec<u8>,
    /// Modification time in Go's JSON form, recorded into [`File::modtime`].
    pub modtime: Option<String>,
}

/// Loads a chart from a directory or a `.tgz` file (Helm's `loader.Load`).
///
/// # Errors
/// See [`load_dir`] and [`load_archive`]; a file that does not start like
/// gzip data is refused up front, with a hint when it looks like YAML.
pub fn load(path: &Path) -> Result<Chart, LoadError> {
    let shown = display_path(path);
    let meta = fs::metadata(path).map_err(|error| LoadError::Io {
        path: shown.clone(),
        error,
    })?;
    if meta.is_dir() {
        return load_dir(path);
    }
    let file = fs::File::open(path).map_err(|error| LoadError::Io {
        path: shown.clone(),
        error,
    })?;
    let files = read_archive(io::BufReader::new(file), &shown)?;
    load_files(files, &shown)
}

/// Loads a chart from a directory (Helm's `LoadDir`): `.helmignore` and
/// Helm's default rule (`templates/.?*`) apply to the whole tree, subcharts
/// included; symlinks are followed (also out of the chart); files are read
/// in lexical order per directory; a UTF-8 byte order mark is dropped.
///
/// # Errors
/// Unreadable entries, dangling or looping symlinks, irregular files, files
/// over [`MAX_DECOMPRESSED_FILE_SIZE`], more than
/// [`MAX_DECOMPRESSED_CHART_SIZE`] in total, a malformed `.helmignore`, and
/// everything [`load_files`] refuses.
pub fn load_dir(path: &Path) -> Result<Chart, LoadError> {
    let prefix = display_path(path);
    let meta = fs::metadata(path).map_err(|error| LoadError::Io {
        path: prefix.clone(),
        error,
    })?;
    if !meta.is_dir() {
        return Err(LoadError::NotADirectory { path: prefix });
    }
    let ignore_file = path.join(HELM_IGNORE);
    let mut rules = if fs::metadata(&ignore_file).is_ok() {
        let file = format!("{prefix}/{HELM_IGNORE}");
        let text = fs::read(&ignore_file).map_err(|error| LoadError::Io {
            path: file.clone(),
            error,
        })?;
        Rules::parse(&text).map_err(|error| LoadError::Ignore { file, error })?
    } else {
        Rules::empty()
    };
    rules.add_defaults();
    let mut walker = DirWalker {
        rules,
        prefix: prefix.clone(),
        files: Vec::new(),
        remaining: MAX_DECOMPRESSED_CHART_SIZE,
        ancestors: Vec::new(),
    };
    walker.walk(path, "", None)?;
    load_files(walker.files, &prefix)
}

/// Loads a chart from `.tgz` bytes (Helm's `LoadArchive`). `source` names
/// the archive in errors. `.helmignore` is not applied to archives.
///
/// # Errors
/// See [`read_archive`] and [`load_files`].
pub fn load_archive(bytes: &[u8], source: &str) -> Result<Chart, LoadError> {
    let source = one_line(source);
    let files = read_archive(bytes, &source)?;
    load_files(files, &source)
}

/// Walks a chart directory the way Helm's `sympath.Walk` and `LoadDir` do.
struct DirWalker {
    rules: Rules,
    prefix: String,
    files: Vec<BufferedFile>,
    remaining: u64,
    /// The directories being walked, to catch symlink loops.
    ancestors: Vec<Ancestor>,
}

/// A directory being walked.
struct Ancestor {
    path: PathBuf,
    rel: String,
    /// Its canonical path, once a symlink makes it needed.
    canonical: Option<PathBuf>,
    /// Whether a symlink led to it or to a directory it is in.
    below_link: bool,
}

impl DirWalker {
    fn shown(&self, rel: &str) -> String {
        if rel.is_empty() {
            self.prefix.clone()
        } else {
            format!("{}/{}", self.prefix, one_line(rel))
        }
    }

    /// The path is formatted only on error: this runs for every entry.
    fn io<'a>(&'a self, rel: &'a str) -> impl FnOnce(io::Error) -> LoadError + 'a {
        move |error| LoadError::Io {
            path: self.shown(rel),
            error,
        }
    }

    /// Walks `dir`; `link` is its canonical path when a symlink led to it.
    fn walk(&mut self, dir: &Path, rel: &str, link: Option<PathBuf>) -> Result<(), LoadError> {
        // A directory can only be one it is already inside when a symlink
        // led there (directories have no hard links), so canonical paths,
        // a system call per path component, are only worked out from the
        // first symlink down.
        let below_link = link.is_some() || self.ancestors.last().is_some_and(|a| a.below_link);
        let canonical = if below_link {
            let canonical = match link {
                Some(canonical) => canonical,
                None => fs::canonicalize(dir).map_err(self.io(rel))?,
            };
            for i in 0..self.ancestors.len() {
                if self.ancestors[i].canonical.is_none() {
                    let ancestor = &self.ancestors[i];
                    let known =
                        fs::canonicalize(&ancestor.path).map_err(|error| LoadError::Io {
                            path: self.shown(&ancestor.rel),
                            error,
                        })?;
                    self.ancestors[i].canonical = Some(known);
                }
            }
            if self
                .ancestors
                .iter()
                .any(|a| a.canonical.as_ref() == Some(&canonical))
            {
                return Err(LoadError::SymlinkLoop {
                    path: self.shown(rel),
                });
            }
            Some(canonical)
        } else {
            None
        };
        self.ancestors.push(Ancestor {
            path: dir.to_path_buf(),
            rel: rel.to_string(),
            canonical,
            below_link,
        });
        let mut names = Vec::new();
        for entry in fs::read_dir(dir).map_err(self.io(rel))? {
            names.push(entry.map_err(self.io(rel))?.file_name());
        }
        names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
        for name in names {
            let full = dir.join(&name);
            let name = name.to_string_lossy();
            let child = if rel.is_empty() {
                name.into_owned()
            } else {
                format!("{rel}/{name}")
            };
            let mut meta = fs::symlink_metadata(&full).map_err(self.io(&child))?;
            let mut link = None;
            if meta.file_type().is_symlink() {
                let resolved = fs::canonicalize(&full).map_err(|error| LoadError::Symlink {
                    path: self.shown(&child),
                    error,
                })?;
                meta = fs::symlink_metadata(&resolved).map_err(self.io(&child))?;
                link = Some(resolved);
            }
            if meta.is_dir() {
                // An ignored directory is skipped with everything in it.
                if !self.rules.ignore(&child, true) {
                    self.walk(&full, &child, link)?;
                }
                continue;
            }
            if self.rules.ignore(&child, false) {
                continue;
            }
            if !meta.is_file() {
                return Err(LoadError::IrregularFile {
                    path: self.shown(&child),
                });
            }
            let data = self.read(&full, &child, meta.len())?;
            self.files.push(BufferedFile {
                name: child,
                data,
                modtime: meta.modified().ok().map(local_modtime),
            });
        }
        self.ancestors.pop();
        Ok(())
    }

    /// Reads one file within the per-file limit and the chart's budget.
    fn read(&mut self, path: &Path, rel: &str, size: u64) -> Result<Vec<u8>, LoadError> {
        let too_big = |data_len: u64, this: &Self| {
            if data_len > MAX_DECOMPRESSED_FILE_SIZE {
                Some(LoadError::FileTooLarge {
                    path: this.shown(rel),
                    limit: MAX_DECOMPRESSED_FILE_SIZE,
                })
            } else if data_len > this.remaining {
                Some(LoadError::ChartTooLarge {
                    path: this.shown(rel),
                    limit: MAX_DECOMPRESSED_CHART_SIZE,
                })
            } else {
                None
            }
        };
        if let Some(error) = too_big(size, self) {
            return Err(error);
        }
        // Read one byte past the limit so a file that grew since stat is caught.
        let limit = MAX_DECOMPRESSED_FILE_SIZE.min(self.remaining) + 1;
        // Sized from stat, so the usual file is read without regrowing.
        let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        fs::File::open(path)
            .and_then(|file| file.take(limit).read_to_end(&mut data))
            .map_err(self.io(rel))?;
        let len = data.len() as u64;
        if let Some(error) = too_big(len, self) {
            return Err(error);
        }
        self.remaining -= len;
        Ok(strip_bom(data))
    }
}

/// Reads the files of a gzipped tar archive (Helm's `LoadArchiveFiles`),
/// checking every entry name before anything is used.
///
/// The first path component (the chart's directory) is removed from every
/// entry; names written with `\` are split on `\`. Directories and PAX
/// headers are skipped; any other entry (symlinks included) is a file with
/// the entry's data.
///
/// # Errors
/// Data that is not gzip, corrupt archives, absolute names, names that are
/// outside the top directory or start with `..`, Windows drive names, a
/// `Chart.yaml` at the archive root, entries over
/// [`MAX_DECOMPRESSED_FILE_SIZE`], more than [`MAX_DECOMPRESSED_CHART_SIZE`]
/// in total, and an archive without files.
pub fn read_archive<R: Read>(mut reader: R, source: &str) -> Result<Vec<BufferedFile>, LoadError> {
    let archive_error = |error: io::Error| LoadError::Archive {
        archive: source.to_string(),
        message: one_line(&error.to_string()),
    };
    let mut head = Vec::with_capacity(GZIP_MAGIC.len());
    (&mut reader)
        .take(GZIP_MAGIC.len() as u64)
        .read_to_end(&mut head)
        .map_err(|error| LoadError::Io {
            path: source.to_string(),
            error,
        })?;
    if head != GZIP_MAGIC {
        let lower = source.to_ascii_lowercase();
        let reason = if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            "seems to be a YAML file, but expected a gzipped chart archive"
        } else {
            "does not appear to be a gzipped chart archive"
        };
        return Err(LoadError::NotAnArchive {
            path: source.to_string(),
            reason,
        });
    }
    // Go's gzip reader reads concatenated members, as MultiGzDecoder does.
    let decoder = flate2::read::MultiGzDecoder::new(head.as_slice().chain(reader));
    let mut archive = tar::Archive::new(decoder);
    let mut files = Vec::new();
    let mut remaining = MAX_DECOMPRESSED_CHART_SIZE;
    for entry in archive.entries().map_err(archive_error)? {
        let mut entry = entry.map_err(archive_error)?;
        let header = entry.header();
        let type_flag = header.as_old().linkflag[0];
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let mode = header.mode().map_err(archive_error)?;
        let is_dir = type_flag == b'5'
            || mode & 0o170_000 == 0o040_000
            || (type_flag == 0 && raw_name.ends_with('/'));
        // Directories, and PAX headers (which `tar` mostly consumes itself).
        if is_dir || type_flag == b'g' || type_flag == b'x' {
            continue;
        }
        let name = checked_entry_name(&raw_name).map_err(|problem| LoadError::UnsafePath {
            archive: source.to_string(),
            entry: one_line(&raw_name),
            problem,
        })?;
        let size = entry.size();
        let path = format!("{source}/{}", one_line(&name));
        if size > remaining {
            return Err(LoadError::ChartTooLarge {
                path: source.to_string(),
                limit: MAX_DECOMPRESSED_CHART_SIZE,
            });
        }
        if size > MAX_DECOMPRESSED_FILE_SIZE {
            return Err(LoadError::FileTooLarge {
                path,
                limit: MAX_DECOMPRESSED_FILE_SIZE,
            });
        }
        let modtime = entry.header().mtime().ok().and_then(unix_modtime);
        let mut data = Vec::new();
        (&mut entry)
            .take(remaining)
            .read_to_end(&mut data)
            .map_err(archive_error)?;
        let written = data.len() as u64;
        remaining -= written;
        // Short data means the budget cut the read; an exactly spent budget is
        // also refused, as in Helm.
        if written < size || remaining == 0 {
            return Err(LoadError::ChartTooLarge {
                path: source.to_string(),
                limit: MAX_DECOMPRESSED_CHART_SIZE,
            });
        }
        files.push(BufferedFile {
            name,
            data: strip_bom(data),
            modtime,
        });
    }
    if files.is_empty() {
        return Err(LoadError::EmptyArchive {
            archive: source.to_string(),
        });
    }
    Ok(files)
}

/// Helm's entry-name rules: drop the first component, normalise to `/`,
/// refuse anything that could land outside the chart.
fn checked_entry_name(raw: &str) -> Result<String, &'static str> {
    // An archive written on Windows may use `\`; then only `\` separates.
    let delimiter = if raw.contains('\\') { '\\' } else { '/' };
    let parts: Vec<&str> = raw.split(delimiter).collect();
    let rest = parts[1..]
        .join(&delimiter.to_string())
        .replace(delimiter, "/");
    if rest.starts_with('/') {
        return Err("is an absolute path");
    }
    let name = go_clean(&rest);
    if name == "." {
        return Err("is outside the chart's top directory");
    }
    if name.starts_with("..") {
        return Err("references the parent directory");
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/' {
        return Err("is a Windows drive path");
    }
    if parts[0] == "Chart.yaml" {
        return Err("starts with `Chart.yaml` instead of the chart's directory");
    }
    Ok(name)
}

/// Go's `path.Clean`.
fn go_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Where a file of a chart goes.
enum Slot {
    ChartYaml,
    ChartLock,
    Values,
    Schema,
    Requirements,
    RequirementsLock,
    Template,
    /// Under `charts/`: the subchart name and the name inside `charts/`.
    Subchart(String, String),
    File,
}

fn slot(name: &str) -> Slot {
    match name {
        "Chart.yaml" => Slot::ChartYaml,
        "Chart.lock" => Slot::ChartLock,
        "values.yaml" => Slot::Values,
        "values.schema.json" => Slot::Schema,
        "requirements.yaml" => Slot::Requirements,
        "requirements.lock" => Slot::RequirementsLock,
        _ if name.starts_with("templates/") => Slot::Template,
        // Provenance files of vendored archives stay with the parent.
        _ if name.starts_with("charts/") && go_ext(name) == ".prov" => Slot::File,
        _ => match name.strip_prefix("charts/") {
            Some(inner) => {
                let subchart = inner.split('/').next().unwrap_or_default().to_string();
                Slot::Subchart(subchart, inner.to_string())
            }
            None => Slot::File,
        },
    }
}

/// Go's `filepath.Ext`: from the last `.` of the last element, or empty.
fn go_ext(path: &str) -> &str {
    let element = &path[path.rfind('/').map_or(0, |i| i + 1)..];
    element.rfind('.').map_or("", |i| &element[i..])
}

/// Builds a chart from in-memory files (Helm's `LoadFiles`). `source` names
/// the chart in errors and prefixes file names in them.
///
/// `Chart.yaml` is read first wherever it is in the list (an empty
/// `apiVersion` means `v1`); then `Chart.lock`, `values.yaml` (all YAML
/// documents in it, merged), `values.schema.json` (verbatim),
/// `requirements.yaml` (merged into the metadata; also kept as a file for
/// `v1` charts) and `requirements.lock`; `templates/…` become templates;
/// `charts/<name>/…` and `charts/<name>.tgz` become subcharts unless the
/// name starts with `_` or `.`, and `charts/…*.prov` stays a file; the rest
/// are files. Subcharts are loaded after the metadata validates, in name
/// order (Helm's order is random).
///
/// # Errors
/// Malformed YAML, metadata of the wrong shape or failing validation, no
/// `Chart.yaml`, and any error in a subchart.
pub fn load_files(files: Vec<BufferedFile>, source: &str) -> Result<Chart, LoadError> {
    let chart_yaml = format!("{source}/Chart.yaml");
    let mut metadata: Option<RawMetadata> = None;
    for file in files.iter().filter(|f| f.name == "Chart.yaml") {
        let raw = metadata.get_or_insert_with(RawMetadata::default);
        raw.apply(yaml::parse(&file.data, &chart_yaml)?, &chart_yaml)?;
        if raw.api_version.is_empty() {
            raw.api_version = "v1".to_string();
        }
    }

    let mut chart = Chart::default();
    let mut subcharts: BTreeMap<String, Vec<BufferedFile>> = BTreeMap::new();
    for file in files {
        match slot(&file.name) {
            Slot::ChartYaml => {}
            Slot::ChartLock => {
                chart.lock = decode_lock(&file.data, &format!("{source}/Chart.lock"))?;
            }
            Slot::Values => {
                chart.values = load_values(&file.data, &format!("{source}/values.yaml"))?;
            }
            Slot::Schema => chart.schema = Some(file.data),
            Slot::Requirements => {
                let name = format!("{source}/requirements.yaml");
                let raw = metadata.get_or_insert_with(RawMetadata::default);
                raw.apply(yaml::parse(&file.data, &name)?, &name)?;
                if raw.api_version == "v1" {
                    chart.files.push(into_file(file));
                }
            }
            Slot::RequirementsLock => {
                chart.lock = decode_lock(&file.data, &format!("{source}/requirements.lock"))?;
                let raw = metadata.get_or_insert_with(RawMetadata::default);
                if raw.api_version == "v1" {
                    chart.files.push(into_file(file));
                }
            }
            Slot::Template => chart.templates.push(into_file(file)),
            Slot::Subchart(subchart, inner) => {
                subcharts.entry(subchart).or_default().push(BufferedFile {
                    name: inner,
                    ..file
                });
            }
            Slot::File => chart.files.push(into_file(file)),
        }
    }

    let Some(metadata) = metadata else {
        return Err(LoadError::MissingChartYaml {
            chart: source.to_string(),
        });
    };
    chart.metadata = metadata
        .validate()
        .map_err(|message| LoadError::Validation {
            file: chart_yaml,
            message,
        })?;

    for (name, files) in subcharts {
        if name.starts_with('_') || name.starts_with('.') {
            continue;
        }
        let path = format!("{source}/charts/{}", one_line(&name));
        let subchart = if go_ext(&name) == ".tgz" {
            let first = &files[0];
            if first.name != name {
                return Err(LoadError::SubchartArchive {
                    path,
                    expected: one_line(&name),
                    found: one_line(&first.name),
                });
            }
            let inner = read_archive(first.data.as_slice(), &path)?;
            load_files(inner, &path)?
        } else {
            let inner: Vec<BufferedFile> = files
                .into_iter()
                .filter_map(|file| {
                    let rest = file.name.split_once('/')?.1.to_string();
                    Some(BufferedFile { name: rest, ..file })
                })
                .collect();
            if inner.is_empty() {
                return Err(LoadError::StrayFileInCharts { path });
            }
            load_files(inner, &path)?
        };
        chart.dependencies.push(subchart);
    }
    Ok(chart)
}

fn into_file(file: BufferedFile) -> File {
    File {
        name: file.name,
        data: file.data,
        modtime: file.modtime,
    }
}

/// Reads a values file as Helm's `LoadValues` does: every YAML document in
/// it (split on `---` lines, as `k8s.io/apimachinery`'s `YAMLReader` does)
/// is read and they are merged, maps deeply and everything else replaced by
/// later documents. An empty or `null` document counts as an empty map.
///
/// # Errors
/// Malformed YAML (with the line in the whole file), a document that is not
/// a map, and a `---` line followed by anything but a comment.
pub fn load_values(bytes: &[u8], source: &str) -> Result<Values, YamlError> {
    // Most files are one document with `\n` line ends, which the split below
    // would copy back unchanged: parse those as they are.
    if let Ok(text) = std::str::from_utf8(bytes)
        && single_document(bytes)
    {
        if text.is_empty() {
            return Ok(Values::new());
        }
        if text.ends_with('\n') {
            return yaml::parse_values_str(text, source);
        }
        return yaml::parse_values_str(&format!("{text}\n"), source);
    }
    let mut values = Values::new();
    let mut document: Vec<u8> = Vec::new();
    let mut first_line = 1;
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let mut merge = |document: &mut Vec<u8>, first_line: usize| -> Result<(), YamlError> {
        if document.is_empty() {
            return Ok(());
        }
        let parsed = yaml::parse_values(document, source).map_err(|mut error| {
            error.line = error.line.map(|line| line + first_line - 1);
            error
        })?;
        values = crate::values::merge_maps(std::mem::take(&mut values), parsed);
        document.clear();
        Ok(())
    };
    for (index, line) in lines.into_iter().enumerate() {
        let number = index + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(rest) = line.strip_prefix(b"---") {
            let rest = String::from_utf8_lossy(rest);
            let rest = rest.trim();
            if !rest.is_empty() && !rest.starts_with('#') {
                return Err(YamlError {
                    source: source.to_string(),
                    line: Some(number),
                    message: format!("invalid YAML document separator: `{}`", one_line(rest)),
                });
            }
            merge(&mut document, first_line)?;
            first_line = number + 1;
            continue;
        }
        if document.is_empty() {
            first_line = number;
        }
        document.extend_from_slice(line);
        document.push(b'\n');
    }
    merge(&mut document, first_line)?;
    Ok(values)
}

/// Whether `load_values` may read `bytes` as one document: no `\r` and no
/// line starting with `---`.
fn single_document(bytes: &[u8]) -> bool {
    // One pass without early exit (it vectorises): `\r`, or `-` after `\n`.
    let (body, next) = (
        &bytes[..bytes.len().saturating_sub(1)],
        bytes.get(1..).unwrap_or(&[]),
    );
    let suspect = bytes.iter().fold(false, |seen, &b| seen | (b == b'\r'))
        || body
            .iter()
            .zip(next)
            .fold(false, |seen, (&b, &n)| seen | ((b == b'\n') & (n == b'-')));
    if !suspect {
        return !bytes.starts_with(b"---");
    }
    !bytes.contains(&b'\r')
        && !bytes.starts_with(b"---")
        && !bytes.windows(4).any(|w| w == b"\n---")
}

fn strip_bom(mut data: Vec<u8>) -> Vec<u8> {
    if data.starts_with(UTF8_BOM) {
        data.drain(..UTF8_BOM.len());
    }
    data
}

/// A path for messages: as given, without trailing slashes, on one line.
fn display_path(path: &Path) -> String {
    let text = path.display().to_string();
    let trimmed = text.trim_end_matches('/');
    one_line(if trimmed.is_empty() { &text } else { trimmed })
}

fn local_modtime(time: std::time::SystemTime) -> String {
    let local: chrono::DateTime<chrono::Local> = time.into();
    Timestamp(local.fixed_offset()).to_string()
}

fn unix_modtime(seconds: u64) -> Option<String> {
    let utc = chrono::DateTime::from_timestamp(i64::try_from(seconds).ok()?, 0)?;
    Some(Timestamp(utc.with_timezone(&chrono::Local).fixed_offset()).to_string())
}

// ---------------------------------------------------------------------------
// Decoding Chart.yaml, requirements.yaml and Chart.lock like Go.
//
// Helm reads these with `sigs.k8s.io/yaml`: YAML becomes JSON, scalars bound
// for string fields become strings on the way (`1.10` → "1.1", `true` →
// "true"), then `encoding/json` decodes into the existing struct: keys match
// field names exactly or else case-insensitively, unknown keys are ignored,
// `null` leaves a scalar field alone and clears a list or map, lists are
// decoded element by element into what is there, and maps gain keys.
// ---------------------------------------------------------------------------

/// `Chart.yaml` as Go holds it before `Validate`: list entries may be null.
#[derive(Debug, Default)]
struct RawMetadata {
    name: String,
    home: String,
    sources: Vec<String>,
    version: String,
    description: String,
    keywords: Vec<String>,
    maintainers: Vec<Option<Maintainer>>,
    icon: String,
    api_version: String,
    condition: String,
    tags: String,
    app_version: String,
    deprecated: bool,
    annotations: BTreeMap<String, String>,
    kube_version: String,
    dependencies: Vec<Option<Dependency>>,
    chart_type: String,
}

const METADATA_FIELDS: &[&str] = &[
    "name",
    "home",
    "sources",
    "version",
    "description",
    "keywords",
    "maintainers",
    "icon",
    "apiVersion",
    "condition",
    "tags",
    "appVersion",
    "deprecated",
    "annotations",
    "kubeVersion",
    "dependencies",
    "type",
];

const MAINTAINER_FIELDS: &[&str] = &["name", "email", "url"];

const DEPENDENCY_FIELDS: &[&str] = &[
    "name",
    "version",
    "repository",
    "condition",
    "tags",
    "enabled",
    "import-values",
    "alias",
    "depends-on",
];

/// Decoding context: the file, for messages.
struct Decoder<'a> {
    file: &'a str,
}

impl Decoder<'_> {
    fn mismatch(&self, field: &str, want: &str, value: &Value) -> LoadError {
        LoadError::Decode {
            file: self.file.to_string(),
            message: format!(
                "field `{}` must be {want}, found {}",
                one_line(field),
                yaml::kind_of(value)
            ),
        }
    }

    /// Visits an object's keys in sorted order (as Go sees them after YAML →
    /// map → JSON), resolving each to a known field.
    fn fields(
        &self,
        object: Map<String, Value>,
        known: &[&'static str],
        mut visit: impl FnMut(&'static str, Value) -> Result<(), LoadError>,
    ) -> Result<(), LoadError> {
        let mut entries: Vec<(String, Value)> = object.into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (key, value) in entries {
            let field = known.iter().find(|f| **f == key).or_else(|| {
                let folded = key.to_lowercase();
                known.iter().find(|f| f.to_lowercase() == folded)
            });
            if let Some(&field) = field {
                visit(field, value)?;
            }
        }
        Ok(())
    }

    fn string(&self, slot: &mut String, value: Value, field: &str) -> Result<(), LoadError> {
        match value {
            Value::Null => {}
            Value::String(text) => *slot = text,
            Value::Bool(flag) => *slot = flag.to_string(),
            Value::Number(number) => *slot = go_number_string(&number),
            other => return Err(self.mismatch(field, "a string", &other)),
        }
        Ok(())
    }

    fn boolean(&self, slot: &mut bool, value: Value, field: &str) -> Result<(), LoadError> {
        match value {
            Value::Null => {}
            Value::Bool(flag) => *slot = flag,
            other => return Err(self.mismatch(field, "a boolean", &other)),
        }
        Ok(())
    }

    fn strings(&self, slot: &mut Vec<String>, value: Value, field: &str) -> Result<(), LoadError> {
        match value {
            Value::Null => slot.clear(),
            Value::Array(items) => {
                let len = items.len();
                for (i, item) in items.into_iter().enumerate() {
                    if i == slot.len() {
                        slot.push(String::new());
                    }
                    self.string(&mut slot[i], item, field)?;
                }
                slot.truncate(len);
            }
            other => return Err(self.mismatch(field, "a list of strings", &other)),
        }
        Ok(())
    }

    fn string_map(
        &self,
        slot: &mut BTreeMap<String, String>,
        value: Value,
        field: &str,
    ) -> Result<(), LoadError> {
        match value {
            Value::Null => slot.clear(),
            Value::Object(entries) => {
                for (key, item) in entries {
                    let mut text = String::new();
                    self.string(&mut text, item, field)?;
                    slot.insert(key, text);
                }
            }
            other => return Err(self.mismatch(field, "a map of strings", &other)),
        }
        Ok(())
    }

    /// A list of structs (`[]*T` in Go): `null` entries stay null, objects
    /// decode into the entry already at that index.
    fn structs<T: Default>(
        &self,
        slot: &mut Vec<Option<T>>,
        value: Value,
        field: &str,
        mut apply: impl FnMut(&mut T, Map<String, Value>) -> Result<(), LoadError>,
    ) -> Result<(), LoadError> {
        match value {
            Value::Null => slot.clear(),
            Value::Array(items) => {
                let len = items.len();
                for (i, item) in items.into_iter().enumerate() {
                    if i == slot.len() {
                        slot.push(None);
                    }
                    match item {
                        Value::Null => slot[i] = None,
                        Value::Object(object) => {
                            apply(slot[i].get_or_insert_with(T::default), object)?;
                        }
                        other => return Err(self.mismatch(field, "a list of maps", &other)),
                    }
                }
                slot.truncate(len);
            }
            other => return Err(self.mismatch(field, "a list of maps", &other)),
        }
        Ok(())
    }

    fn maintainer(&self, m: &mut Maintainer, object: Map<String, Value>) -> Result<(), LoadError> {
        self.fields(object, MAINTAINER_FIELDS, |field, value| {
            let path = format!("maintainers.{field}");
            match field {
                "name" => self.string(&mut m.name, value, &path),
                "email" => self.string(&mut m.email, value, &path),
                _ => self.string(&mut m.url, value, &path),
            }
        })
    }

    fn dependency(&self, d: &mut Dependency, object: Map<String, Value>) -> Result<(), LoadError> {
        self.fields(object, DEPENDENCY_FIELDS, |field, value| {
            let path = format!("dependencies.{field}");
            match field {
                "name" => self.string(&mut d.name, value, &path),
                "version" => self.string(&mut d.version, value, &path),
                "repository" => self.string(&mut d.repository, value, &path),
                "condition" => self.string(&mut d.condition, value, &path),
                "tags" => self.strings(&mut d.tags, value, &path),
                "enabled" => self.boolean(&mut d.enabled, value, &path),
                "import-values" => match value {
                    Value::Null => {
                        d.import_values.clear();
                        Ok(())
                    }
                    Value::Array(items) => {
                        d.import_values = items;
                        Ok(())
                    }
                    other => Err(self.mismatch(&path, "a list", &other)),
                },
                "alias" => self.string(&mut d.alias, value, &path),
                _ => self.strings(&mut d.depends_on, value, &path),
            }
        })
    }

    fn not_a_map(&self, value: &Value) -> LoadError {
        LoadError::Decode {
            file: self.file.to_string(),
            message: format!("expected a map, found {}", yaml::kind_of(value)),
        }
    }
}

impl RawMetadata {
    /// Decodes one YAML document into the metadata, as `yaml.Unmarshal` into
    /// an existing `Metadata` does.
    fn apply(&mut self, value: Value, file: &str) -> Result<(), LoadError> {
        let decoder = Decoder { file };
        let object = match value {
            Value::Null => return Ok(()),
            Value::Object(object) => object,
            other => return Err(decoder.not_a_map(&other)),
        };
        decoder.fields(object, METADATA_FIELDS, |field, value| match field {
            "name" => decoder.string(&mut self.name, value, field),
            "home" => decoder.string(&mut self.home, value, field),
            "sources" => decoder.strings(&mut self.sources, value, field),
            "version" => decoder.string(&mut self.version, value, field),
            "description" => decoder.string(&mut self.description, value, field),
            "keywords" => decoder.strings(&mut self.keywords, value, field),
            "maintainers" => decoder.structs(&mut self.maintainers, value, field, |m, o| {
                decoder.maintainer(m, o)
            }),
            "icon" => decoder.string(&mut self.icon, value, field),
            "apiVersion" => decoder.string(&mut self.api_version, value, field),
            "condition" => decoder.string(&mut self.condition, value, field),
            "tags" => decoder.string(&mut self.tags, value, field),
            "appVersion" => decoder.string(&mut self.app_version, value, field),
            "deprecated" => decoder.boolean(&mut self.deprecated, value, field),
            "annotations" => decoder.string_map(&mut self.annotations, value, field),
            "kubeVersion" => decoder.string(&mut self.kube_version, value, field),
            "dependencies" => decoder.structs(&mut self.dependencies, value, field, |d, o| {
                decoder.dependency(d, o)
            }),
            _ => decoder.string(&mut self.chart_type, value, field),
        })
    }

    /// Helm's `Metadata.Validate`: sanitises strings, then checks the
    /// required fields, the name, SemVer, the type, null list entries,
    /// dependency aliases and duplicate dependency names or aliases.
    fn validate(self) -> Result<Metadata, String> {
        let RawMetadata {
            name,
            home,
            sources,
            version,
            description,
            keywords,
            maintainers,
            icon,
            api_version,
            condition,
            tags,
            app_version,
            deprecated,
            annotations,
            kube_version,
            dependencies,
            chart_type,
        } = self;
        let name = sanitize(&name);
        let mut metadata = Metadata {
            description: sanitize(&description),
            home: sanitize(&home),
            icon: sanitize(&icon),
            condition: sanitize(&condition),
            tags: sanitize(&tags),
            app_version: sanitize(&app_version),
            kube_version: sanitize(&kube_version),
            sources: sources.iter().map(|s| sanitize(s)).collect(),
            keywords: keywords.iter().map(|s| sanitize(s)).collect(),
            deprecated,
            annotations,
            ..Metadata::default()
        };
        if api_version.is_empty() {
            return Err("chart.metadata.apiVersion is required".into());
        }
        if name.is_empty() {
            return Err("chart.metadata.name is required".into());
        }
        if name == "." || name == ".." {
            return Err(format!("chart.metadata.name `{name}` is not allowed"));
        }
        if ignore::go_base(&name) != name {
            return Err(format!(
                "chart.metadata.name `{}` is invalid",
                one_line(&name)
            ));
        }
        if version.is_empty() {
            return Err("chart.metadata.version is required".into());
        }
        if Version::parse(&version).is_err() {
            return Err(format!(
                "chart.metadata.version `{}` is not valid SemVer",
                one_line(&version)
            ));
        }
        if !matches!(chart_type.as_str(), "" | "application" | "library") {
            return Err(format!(
                "chart.metadata.type must be application or library, found `{}`",
                one_line(&chart_type)
            ));
        }
        for maintainer in maintainers {
            let Some(m) = maintainer else {
                return Err("maintainers must not contain empty or null nodes".into());
            };
            metadata.maintainers.push(Maintainer {
                name: sanitize(&m.name),
                email: sanitize(&m.email),
                url: sanitize(&m.url),
            });
        }
        let mut seen = HashSet::new();
        for dependency in dependencies {
            let Some(mut d) = dependency else {
                return Err("dependencies must not contain empty or null nodes".into());
            };
            d.name = sanitize(&d.name);
            d.version = sanitize(&d.version);
            d.repository = sanitize(&d.repository);
            d.condition = sanitize(&d.condition);
            d.tags = d.tags.iter().map(|t| sanitize(t)).collect();
            let alias_ok = d
                .alias
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !alias_ok {
                return Err(format!(
                    "dependency `{}` has disallowed characters in the alias `{}`",
                    d.name,
                    one_line(&d.alias)
                ));
            }
            let key = if d.alias.is_empty() {
                &d.name
            } else {
                &d.alias
            };
            if !seen.insert(key.clone()) {
                return Err(format!(
                    "more than one dependency with name or alias `{key}`"
                ));
            }
            metadata.dependencies.push(d);
        }
        metadata.name = name;
        metadata.version = version;
        metadata.api_version = api_version;
        metadata.chart_type = chart_type;
        Ok(metadata)
    }
}

/// `Chart.lock` / `requirements.lock`. A `null` document means no lock, as
/// Go's decode into a `*Lock` does.
fn decode_lock(bytes: &[u8], file: &str) -> Result<Option<Lock>, LoadError> {
    let decoder = Decoder { file };
    let object = match yaml::parse(bytes, file)? {
        Value::Null => return Ok(None),
        Value::Object(object) => object,
        other => return Err(decoder.not_a_map(&other)),
    };
    let mut generated: Option<String> = None;
    let mut digest = String::new();
    let mut dependencies: Vec<Option<Dependency>> = Vec::new();
    decoder.fields(
        object,
        &["generated", "digest", "dependencies"],
        |field, value| match field {
            "generated" => match value {
                Value::Null => Ok(()),
                Value::String(text) => {
                    generated = Some(go_rfc3339(&text).ok_or_else(|| LoadError::Decode {
                        file: file.to_string(),
                        message: format!(
                            "field `generated`: `{}` is not an RFC 3339 time",
                            one_line(&text)
                        ),
                    })?);
                    Ok(())
                }
                other => Err(decoder.mismatch(field, "an RFC 3339 time string", &other)),
            },
            "digest" => decoder.string(&mut digest, value, field),
            _ => decoder.structs(&mut dependencies, value, field, |d, o| {
                decoder.dependency(d, o)
            }),
        },
    )?;
    Ok(Some(Lock {
        // Go writes its zero time for a lock without one.
        generated: Value::String(generated.unwrap_or_else(|| "0001-01-01T00:00:00Z".into())),
        digest,
        // Go keeps null entries as nil pointers; there is nothing to keep here.
        dependencies: dependencies.into_iter().flatten().collect(),
    }))
}

/// Go's `time.Time` JSON decoding (strict RFC 3339 with a `T`), re-encoded
/// the way Go writes it back.
fn go_rfc3339(text: &str) -> Option<String> {
    if text.as_bytes().get(10) != Some(&b'T') || text.ends_with('z') {
        return None;
    }
    Timestamp::parse(text).map(|t| t.to_string())
}

/// How `sigs.k8s.io/yaml` turns a YAML number bound for a string field into
/// a string: integers in decimal, floats with Go's `FormatFloat(f, 'g', -1, 32)`.
pub(crate) fn go_number_string(number: &Number) -> String {
    if let Some(i) = number.as_i64() {
        i.to_string()
    } else if let Some(u) = number.as_u64() {
        u.to_string()
    } else {
        go_format_float32(number.as_f64().unwrap_or(f64::NAN))
    }
}

/// Go's `strconv.FormatFloat(value, 'g', -1, 32)`: the shortest decimal that
/// round-trips as an `f32`, in `%e` form when the decimal exponent is below
/// -4 or at least 6 (Go's choice for the shortest representation).
#[expect(
    clippy::cast_possible_truncation,
    reason = "Go formats with bitSize 32, which rounds to the nearest f32"
)]
pub(crate) fn go_format_float32(value: f64) -> String {
    let x = value as f32;
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let negative = x.is_sign_negative();
    let sign = if negative { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0");
    }
    // Rust's `{:e}` prints the shortest round-trip digits: "1.2345679e0".
    let scientific = format!("{:e}", x.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let nd = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    let dp = exponent + 1;
    let digit = |i: i64| -> char {
        usize::try_from(i)
            .ok()
            .and_then(|i| digits.as_bytes().get(i))
            .map_or('0', |&b| char::from(b))
    };
    if !(-4..6).contains(&exponent) {
        let mut out = format!("{sign}{}", digit(0));
        if nd > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        out.push_str(&format!("e{exp_sign}{:02}", exponent.abs()));
        out
    } else {
        let mut out = sign.to_string();
        if dp > 0 {
            for i in 0..dp {
                out.push(digit(i));
            }
        } else {
            out.push('0');
        }
        let decimals = (nd - dp).max(0);
        if decimals > 0 {
            out.push('.');
            for i in 0..decimals {
                out.push(digit(dp + i));
            }
        }
        out
    }
}

/// Helm's `sanitizeString`: white space becomes a space, other unprintable
/// characters are dropped (Go's `unicode.IsPrint`).
fn sanitize(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some(' ')
            } else if is_go_printable(c) {
                Some(c)
            } else {
                None
            }
        })
        .collect()
}

/// Go's `unicode.IsPrint` for non-space characters: not a control, format
/// or private-use character. (Unassigned code points, which Go also drops,
/// are kept: Rust's standard library has no table for them.)
fn is_go_printable(c: char) -> bool {
    const FORMAT: &[(u32, u32)] = &[
        (0x00AD, 0x00AD),
        (0x0600, 0x0605),
        (0x061C, 0x061C),
        (0x06DD, 0x06DD),
        (0x070F, 0x070F),
        (0x0890, 0x0891),
        (0x08E2, 0x08E2),
        (0x180E, 0x180E),
        (0x200B, 0x200F),
        (0x202A, 0x202E),
        (0x2060, 0x2064),
        (0x2066, 0x206F),
        (0xFEFF, 0xFEFF),
        (0xFFF9, 0xFFFB),
        (0x110BD, 0x110BD),
        (0x110CD, 0x110CD),
        (0x13430, 0x1343F),
        (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A),
        (0xE0001, 0xE0001),
        (0xE0020, 0xE007F),
        // Private use.
        (0xE000, 0xF8FF),
        (0xF0000, 0xFFFFD),
        (0x100000, 0x10FFFD),
    ];
    let code = u32::from(c);
    !c.is_control() && !FORMAT.iter().any(|&(lo, hi)| lo <= code && code <= hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_float_formatting() {
        // (value, Go's FormatFloat(v, 'g', -1, 32)) — checked against Helm for Chart.yaml.
        let cases: &[(f64, &str)] = &[
            (1.0, "1"),
            (1.1, "1.1"),
            (1.10, "1.1"),
            (1.23456789, "1.2345679"),
            (1e6, "1e+06"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (1e20, "1e+20"),
            (0.000001, "1e-06"),
            (0.0001, "0.0001"),
            (0.001, "0.001"),
            (-2.5, "-2.5"),
            (100.0, "100"),
            (0.0, "0"),
            (1e39, "+Inf"),
        ];
        for (value, want) in cases {
            assert_eq!(go_format_float32(*value), *want, "{value}");
        }
    }

    #[test]
    fn entry_names() {
        // (stored name, Ok(chart-relative name) | Err) — Helm's LoadArchiveFiles rules.
        let cases: &[(&str, Result<&str, ()>)] = &[
            ("mychart/Chart.yaml", Ok("Chart.yaml")),
            ("mychart/templates/../values.yaml", Ok("values.yaml")),
            ("mychart/./a//b", Ok("a/b")),
            ("mychart\\templates\\a.yaml", Ok("templates/a.yaml")),
            ("anything/x", Ok("x")),
            ("Chart.yaml", Err(())),
            ("mychart", Err(())),
            ("mychart/", Err(())),
            ("mychart//etc/passwd", Err(())),
            ("mychart/../../etc/passwd", Err(())),
            ("mychart/..hidden", Err(())),
            ("mychart/c:/x", Err(())),
            ("mychart\\..\\x", Err(())),
        ];
        for (raw, want) in cases {
            let got = checked_entry_name(raw).map_err(|_| ());
            assert_eq!(got.as_deref(), want.as_deref(), "{raw}");
        }
    }

    #[test]
    fn go_path_helpers() {
        assert_eq!(go_clean("a/../../b"), "../b");
        assert_eq!(go_clean("/../a"), "/a");
        assert_eq!(go_clean(""), ".");
        assert_eq!(go_ext("charts/a.tgz"), ".tgz");
        assert_eq!(go_ext("charts/a.d/b"), "");
        assert_eq!(go_ext(".prov"), ".prov");
    }

    #[test]
    fn sanitizing() {
        assert_eq!(sanitize("a\tb\u{1}c\u{a0}d\u{200b}e\u{e000}"), "a bc de");
        assert_eq!(sanitize("héllo wörld ✓"), "héllo wörld ✓");
    }

    #[test]
    fn values_documents() {
        let v = load_values(
            b"a: {x: 1, l: [1]}\n---\na: {z: 2, l: [2]}\nb: 1\n",
            "v.yaml",
        )
        .unwrap();
        assert_eq!(
            Value::Object(v),
            serde_json::json!({"a": {"x": 1, "z": 2, "l": [2]}, "b": 1}),
            "maps merge deeply, lists are replaced"
        );
        let v = load_values(b"---\n--- # comment\na: 1\r\n---\n~\n", "v.yaml").unwrap();
        assert_eq!(
            Value::Object(v),
            serde_json::json!({"a": 1}),
            "empty and null documents"
        );
        let err = load_values(b"a: 1\n--- foo\n", "v.yaml").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(
            err.to_string()
                .starts_with("`v.yaml` line 2: invalid YAML document separator")
        );
        let err = load_values(b"a: 1\n---\nb: 2\nc: [\n", "v.yaml").unwrap_err();
        assert!(
            err.line.is_some_and(|l| l >= 4),
            "lines count from the file start: {err}"
        );
        let err = load_values(b"a: 1\n---\n- x\n", "v.yaml").unwrap_err();
        assert!(err.message.contains("must be a map"), "{err}");
        // A separator-looking line inside an indented block is content.
        let v = load_values(b"a: |\n  x\n  ---\n", "v.yaml").unwrap();
        assert_eq!(v["a"], "x\n---\n");
    }

    #[test]
    fn single_documents_are_recognised() {
        for (text, single) in [
            ("", true),
            ("-", true),
            ("a: 1\n", true),
            ("a:\n- x\n--\n-- -\n", true),
            ("a: 1\n# ---\n", true),
            ("---", false),
            ("--- # x\na: 1\n", false),
            ("a: 1\n---\nb: 2", false),
            ("a: 1\n---", false),
            ("a: 1\r\n", false),
            ("a: 1\r", false),
        ] {
            assert_eq!(single_document(text.as_bytes()), single, "{text:?}");
        }
    }

    #[test]
    fn single_documents_read_as_the_split_reads_them() {
        // CRLF line ends take the line-splitting path; plain files do not.
        for text in [
            "",
            "\n",
            "a: 1",
            "a: 1\n",
            "a: |\n  x\n",
            "a: |\n  x",
            "a: 1\nb: [x\n",
            "a: 1\nb: \u{1}\n",
            "- x\n",
            "\u{feff}a: 1\n",
            "a: 1\n# ---\n",
        ] {
            let plain = load_values(text.as_bytes(), "v.yaml");
            let crlf = load_values(text.replace('\n', "\r\n").as_bytes(), "v.yaml");
            assert_eq!(plain, crlf, "{text:?}");
        }
    }
}
