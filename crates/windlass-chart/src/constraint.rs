//! Semantic versions and version constraints with the rules of
//! `github.com/Masterminds/semver/v3`, which Helm uses for `kubeVersion`,
//! dependency ranges and the `semverCompare` template function.
//!
//! Masterminds is not SemVer 2 to the letter, and charts depend on the
//! difference: versions are lenient (`v1.2`, `1`, leading zeros in the numeric
//! segments), constraints have wildcards (`1.2.x`, `*`), hyphen ranges
//! (`1.2 - 1.4.5`), `~`/`^` ranges, AND by comma or space and OR by `||`, and a
//! prerelease version only satisfies a constraint group that itself names a
//! prerelease (which is why charts write `>=1.20.0-0`).
//!
//! [`is_compatible_range`] is Helm's `IsCompatibleRange`; Helm v4 first
//! normalises the cluster's version with [`normalize_kube_version`] (so
//! `v1.27.3-gke.100` is checked as `v1.27.3`).
//!
//! This module depends on nothing else in the crate.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use regex::Regex;

/// Longest version string Masterminds parses (`MaxVersionLen`).
pub const MAX_VERSION_LEN: usize = 256;
/// Longest constraint string Masterminds parses (`MaxConstraintLen`).
pub const MAX_CONSTRAINT_LEN: usize = 512;
/// Most `||` groups a constraint may have (`MaxConstraintGroups`).
pub const MAX_CONSTRAINT_GROUPS: usize = 32;

/// A version or constraint that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConstraintError {
    /// Not a (lenient) semantic version.
    #[error("`{version}` is not a valid semantic version")]
    InvalidVersion {
        /// The rejected input.
        version: String,
    },
    /// Longer than [`MAX_VERSION_LEN`].
    #[error("version `{version}` is longer than {MAX_VERSION_LEN} bytes")]
    VersionTooLong {
        /// The start of the rejected input.
        version: String,
    },
    /// A numeric segment does not fit in 64 bits.
    #[error("`{version}`: version segment `{segment}` is out of range")]
    SegmentOutOfRange {
        /// The rejected input.
        version: String,
        /// The segment that overflowed.
        segment: String,
    },
    /// A numeric prerelease identifier with a leading zero (`1.2.3-01`).
    #[error("`{version}`: prerelease identifier `{identifier}` starts with 0")]
    PrereleaseLeadingZero {
        /// The rejected input.
        version: String,
        /// The offending identifier.
        identifier: String,
    },
    /// An `||` group that is not a list of constraints.
    #[error("improper constraint: `{constraint}`")]
    Improper {
        /// The rejected group.
        constraint: String,
    },
    /// A constraint whose version part cannot be built (`1|2`, `1.x1`).
    #[error("constraint parser error in `{constraint}`")]
    Parser {
        /// The rejected constraint.
        constraint: String,
    },
    /// Longer than [`MAX_CONSTRAINT_LEN`].
    #[error("constraint `{constraint}` is longer than {MAX_CONSTRAINT_LEN} bytes")]
    ConstraintTooLong {
        /// The start of the rejected input.
        constraint: String,
    },
    /// More than [`MAX_CONSTRAINT_GROUPS`] `||` groups.
    #[error("constraint `{constraint}` has more than {MAX_CONSTRAINT_GROUPS} `||` groups")]
    TooManyGroups {
        /// The start of the rejected input.
        constraint: String,
    },
    /// Not a Kubernetes version (`k8s.io/apimachinery` `ParseGeneric`).
    #[error("`{version}` is not a Kubernetes version: {reason}")]
    KubeVersion {
        /// The rejected input.
        version: String,
        /// Why.
        reason: &'static str,
    },
}

/// Shows user input on one line: control characters escaped, very long input cut.
fn shown(input: &str) -> String {
    const LIMIT: usize = 80;
    let mut out = String::new();
    for (i, c) in input.chars().enumerate() {
        if i == LIMIT {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A semantic version as Masterminds parses it (`NewVersion`, lenient mode).
///
/// Equality and ordering follow SemVer precedence, so build metadata is
/// ignored: `1.2.3+a == 1.2.3+b`.
#[derive(Debug, Clone)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
    original: String,
}

/// Masterminds' `looseSemVerRegex`: missing minor/patch segments are zero and
/// numeric segments may have leading zeros.
static LOOSE_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?",
        r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?",
        r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$"
    ))
    .expect("valid regex")
});

impl Version {
    /// Parses a version leniently, as Masterminds `NewVersion` does: an
    /// optional `v`, one to three numeric segments, then an optional
    /// prerelease and build metadata.
    ///
    /// # Errors
    /// Anything else, numeric segments past 64 bits, numeric prerelease
    /// identifiers with a leading zero, and input longer than [`MAX_VERSION_LEN`].
    pub fn parse(input: &str) -> Result<Version, ConstraintError> {
        if input.len() > MAX_VERSION_LEN {
            return Err(ConstraintError::VersionTooLong {
                version: shown(input),
            });
        }
        let caps =
            LOOSE_VERSION
                .captures(input)
                .ok_or_else(|| ConstraintError::InvalidVersion {
                    version: shown(input),
                })?;
        let segment = |i: usize| -> Result<u64, ConstraintError> {
            match caps.get(i) {
                None => Ok(0),
                Some(m) => {
                    let digits = m.as_str().trim_start_matches('.');
                    digits
                        .parse::<u64>()
                        .map_err(|_| ConstraintError::SegmentOutOfRange {
                            version: shown(input),
                            segment: digits.to_string(),
                        })
                }
            }
        };
        let version = Version {
            major: segment(1)?,
            minor: segment(2)?,
            patch: segment(3)?,
            pre: caps.get(5).map_or("", |m| m.as_str()).to_string(),
            metadata: caps.get(8).map_or("", |m| m.as_str()).to_string(),
            original: input.to_string(),
        };
        // The regex admits only [0-9A-Za-z-] identifiers; what is left to check
        // is SemVer's "numeric identifiers have no leading zeros".
        for identifier in version.pre.split('.') {
            if identifier.len() > 1
                && identifier.starts_with('0')
                && identifier.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(ConstraintError::PrereleaseLeadingZero {
                    version: shown(input),
                    identifier: identifier.to_string(),
                });
            }
        }
        Ok(version)
    }

    /// The major version.
    pub fn major(&self) -> u64 {
        self.major
    }

    /// The minor version (0 when the input had none).
    pub fn minor(&self) -> u64 {
        self.minor
    }

    /// The patch version (0 when the input had none).
    pub fn patch(&self) -> u64 {
        self.patch
    }

    /// The prerelease, without its `-` (empty when there is none).
    pub fn prerelease(&self) -> &str {
        &self.pre
    }

    /// The build metadata, without its `+` (empty when there is none).
    pub fn metadata(&self) -> &str {
        &self.metadata
    }

    /// The text this version was parsed from.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// SemVer precedence: numeric segments, then a prerelease sorts before the
    /// release; build metadata is ignored.
    pub fn compare(&self, other: &Version) -> Ordering {
        self.major
            .cmp(&other.major)
            .then(self.minor.cmp(&other.minor))
            .then(self.patch.cmp(&other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &other.pre),
            })
    }
}

/// Compares dot-separated prerelease identifiers; a missing identifier sorts first.
fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let a: Vec<&str> = a.split('.').collect();
    let b: Vec<&str> = b.split('.').collect();
    for i in 0..a.len().max(b.len()) {
        let ordering = compare_prerelease_part(
            a.get(i).copied().unwrap_or(""),
            b.get(i).copied().unwrap_or(""),
        );
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

/// One identifier: numbers compare numerically and sort before text. What is
/// a number is "parses as a u64", as in Masterminds, so a numeric identifier
/// too large for 64 bits compares as text.
fn compare_prerelease_part(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    if a.is_empty() {
        return Ordering::Less;
    }
    if b.is_empty() {
        return Ordering::Greater;
    }
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.compare(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.compare(other)
    }
}

impl fmt::Display for Version {
    /// `MAJOR.MINOR.PATCH[-PRE][+META]`, without any `v` the input had.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata)?;
        }
        Ok(())
    }
}

impl FromStr for Version {
    type Err = ConstraintError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

/// The operator of one constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `=` or no operator: equality, or a `~` range when the version has wildcards.
    TildeOrEqual,
    NotEqual,
    Greater,
    Less,
    GreaterEqual,
    LessEqual,
    /// `~` and `~>`.
    Tilde,
    Caret,
}

impl Op {
    fn from_text(op: &str) -> Op {
        match op {
            "!=" => Op::NotEqual,
            ">" => Op::Greater,
            "<" => Op::Less,
            ">=" | "=>" => Op::GreaterEqual,
            "<=" | "=<" => Op::LessEqual,
            "~" | "~>" => Op::Tilde,
            "^" => Op::Caret,
            _ => Op::TildeOrEqual,
        }
    }
}

/// One comparison, such as `>=1.2.x`.
#[derive(Debug, Clone)]
struct Constraint {
    op: Op,
    /// The version with wildcards and missing segments replaced by 0.
    con: Version,
    /// Some segment was a wildcard or missing.
    dirty: bool,
    /// The minor segment (and so the patch) was a wildcard or missing.
    minor_dirty: bool,
    /// Only the patch segment was a wildcard or missing.
    patch_dirty: bool,
}

/// Constraints in Masterminds syntax: `||`-separated groups of constraints
/// that must all hold.
#[derive(Debug, Clone)]
pub struct Constraints {
    groups: Vec<Group>,
    original: String,
}

#[derive(Debug, Clone)]
struct Group {
    constraints: Vec<Constraint>,
    /// Some constraint in the group names a prerelease, which lets prerelease
    /// versions satisfy the group.
    has_prerelease: bool,
}

/// Go's `\s` (ASCII only), as used in Masterminds' regular expressions.
macro_rules! ws {
    () => {
        r"[\t\n\x0C\r ]"
    };
}

/// The operators, in Masterminds' alternation order (Go regexps prefer earlier
/// alternatives, and so does the `regex` crate).
macro_rules! ops {
    () => {
        r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^"
    };
}

/// Masterminds' `cvRegex`: a version that may hold wildcards. Note the literal
/// `|` in the segment class, which Masterminds has too; such a segment then
/// fails to build (`constraint parser error`).
macro_rules! cv {
    () => {
        concat!(
            r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?",
            r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?",
            r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
        )
    };
}

static CONSTRAINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        "^",
        ws!(),
        "*(",
        ops!(),
        ")",
        ws!(),
        "*(",
        cv!(),
        ")",
        ws!(),
        "*$"
    ))
    .expect("valid regex")
});

static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        ws!(),
        "*(",
        cv!(),
        ")",
        ws!(),
        "+-",
        ws!(),
        "+(",
        cv!(),
        ")",
        ws!(),
        "*"
    ))
    .expect("valid regex")
});

static FIND_CONSTRAINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!("(", ops!(), ")", ws!(), "*(", cv!(), ")")).expect("valid regex")
});

static VALID_GROUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        "^(",
        ws!(),
        "*(",
        ops!(),
        ")",
        ws!(),
        "*(",
        cv!(),
        ")",
        ws!(),
        "*)",
        "((?:",
        ws!(),
        "+|,",
        ws!(),
        "*)(",
        ops!(),
        ")",
        ws!(),
        "*(",
        cv!(),
        ")",
        ws!(),
        "*)*$"
    ))
    .expect("valid regex")
});

impl Constraints {
    /// Parses constraints as Masterminds `NewConstraint` does.
    ///
    /// # Errors
    /// A group that is not a list of constraints (including an empty one, so
    /// `""` and `"1 ||"` are errors), a constraint version that cannot be
    /// built, and input past Masterminds' size limits.
    pub fn parse(input: &str) -> Result<Constraints, ConstraintError> {
        if input.len() > MAX_CONSTRAINT_LEN {
            return Err(ConstraintError::ConstraintTooLong {
                constraint: shown(input),
            });
        }
        let rewritten = rewrite_ranges(input);
        let groups_text: Vec<&str> = rewritten.split("||").collect();
        if groups_text.len() > MAX_CONSTRAINT_GROUPS {
            return Err(ConstraintError::TooManyGroups {
                constraint: shown(input),
            });
        }
        let mut groups = Vec::with_capacity(groups_text.len());
        for text in groups_text {
            if !VALID_GROUP.is_match(text) {
                return Err(ConstraintError::Improper {
                    constraint: shown(text),
                });
            }
            let mut constraints = Vec::new();
            for found in FIND_CONSTRAINT.find_iter(text) {
                constraints.push(parse_constraint(found.as_str())?);
            }
            let has_prerelease = constraints.iter().any(|c| !c.con.pre.is_empty());
            groups.push(Group {
                constraints,
                has_prerelease,
            });
        }
        Ok(Constraints {
            groups,
            original: input.to_string(),
        })
    }

    /// Whether `version` satisfies some group. A prerelease version only
    /// satisfies a group in which some constraint names a prerelease.
    pub fn check(&self, version: &Version) -> bool {
        self.groups.iter().any(|group| {
            group
                .constraints
                .iter()
                .all(|c| c.check(version, group.has_prerelease))
        })
    }
}

impl fmt::Display for Constraints {
    /// The text the constraints were parsed from.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

impl FromStr for Constraints {
    type Err = ConstraintError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Constraints::parse(s)
    }
}

/// Rewrites each hyphen range `A - B` (spaces required around the hyphen) to
/// `>= A, <= B `, replacing the first occurrence of each match in turn, as
/// Masterminds does.
fn rewrite_ranges(input: &str) -> String {
    if !input.contains('-') {
        return input.to_string();
    }
    let mut out = input.to_string();
    for caps in RANGE.captures_iter(input) {
        let whole = &caps[0];
        let replacement = format!(">= {}, <= {} ", &caps[1], &caps[11]);
        out = out.replacen(whole, &replacement, 1);
    }
    out
}

fn is_wildcard(segment: &str) -> bool {
    matches!(segment, "x" | "X" | "*")
}

/// Builds one constraint from text `FIND_CONSTRAINT` matched.
fn parse_constraint(text: &str) -> Result<Constraint, ConstraintError> {
    let caps = CONSTRAINT
        .captures(text)
        .ok_or_else(|| ConstraintError::Improper {
            constraint: shown(text),
        })?;
    let group = |i: usize| caps.get(i).map_or("", |m| m.as_str());
    let (op, whole, major, minor, patch, pre) =
        (group(1), group(2), group(3), group(4), group(5), group(6));
    let (mut dirty, mut minor_dirty, mut patch_dirty) = (false, false, false);
    let built = if is_wildcard(major) || major.is_empty() {
        dirty = true;
        format!("0.0.0{pre}")
    } else if minor.is_empty() || is_wildcard(&minor[1..]) {
        dirty = true;
        minor_dirty = true;
        format!("{major}.0.0{pre}")
    } else if patch.is_empty() || is_wildcard(&patch[1..]) {
        dirty = true;
        patch_dirty = true;
        format!("{major}{minor}.0{pre}")
    } else {
        whole.to_string()
    };
    let con = Version::parse(&built).map_err(|_| ConstraintError::Parser {
        constraint: shown(text),
    })?;
    Ok(Constraint {
        op: Op::from_text(op),
        con,
        dirty,
        minor_dirty,
        patch_dirty,
    })
}

impl Constraint {
    fn check(&self, v: &Version, include_prerelease: bool) -> bool {
        // A prerelease only matches when the group asked for prereleases.
        if !v.pre.is_empty() && !include_prerelease {
            return false;
        }
        match self.op {
            Op::TildeOrEqual => {
                if self.dirty {
                    self.tilde(v)
                } else {
                    v == &self.con
                }
            }
            Op::NotEqual => self.not_equal(v),
            Op::Greater => self.greater(v),
            Op::Less => v < &self.con,
            Op::GreaterEqual => v >= &self.con,
            Op::LessEqual => self.less_equal(v),
            Op::Tilde => self.tilde(v),
            Op::Caret => self.caret(v),
        }
    }

    /// `!=`; with wildcards, "outside the wildcard range".
    fn not_equal(&self, v: &Version) -> bool {
        let c = &self.con;
        if self.dirty {
            if c.major != v.major {
                return true;
            }
            if c.minor != v.minor && !self.minor_dirty {
                return true;
            } else if self.minor_dirty {
                return false;
            } else if c.patch != v.patch && !self.patch_dirty {
                return true;
            } else if self.patch_dirty {
                if !v.pre.is_empty() || !c.pre.is_empty() {
                    return compare_prerelease(&v.pre, &c.pre) != Ordering::Equal;
                }
                return false;
            }
        }
        v != c
    }

    /// `>`; `>1` means `>=2.0.0` and `>1.2` means `>=1.3.0`.
    fn greater(&self, v: &Version) -> bool {
        let c = &self.con;
        if !self.dirty {
            return v > c;
        }
        if v.major > c.major {
            true
        } else if v.major < c.major || self.minor_dirty {
            false
        } else if self.patch_dirty {
            v.minor > c.minor
        } else {
            v > c
        }
    }

    /// `<=`; `<=1.2` includes every `1.2.z`.
    fn less_equal(&self, v: &Version) -> bool {
        let c = &self.con;
        if !self.dirty {
            return v <= c;
        }
        if v.major > c.major {
            return false;
        }
        !(v.major == c.major && v.minor > c.minor && !self.minor_dirty)
    }

    /// `~1.2.3` is `>=1.2.3 <1.3.0`; `~1` is `>=1.0.0 <2.0.0`; `~0.0.0` is anything.
    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if v < c {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        if v.major != c.major {
            return false;
        }
        v.minor == c.minor || self.minor_dirty
    }

    /// `^1.2.3` is `>=1.2.3 <2.0.0`; below 1.0.0 the first non-zero segment is
    /// held (`^0.2.3` is `<0.3.0`, `^0.0.3` is `=0.0.3`).
    fn caret(&self, v: &Version) -> bool {
        let c = &self.con;
        if v < c {
            return false;
        }
        if c.major > 0 || self.minor_dirty {
            return v.major == c.major;
        }
        if v.major > 0 {
            return false;
        }
        if c.minor > 0 || self.patch_dirty {
            return v.minor == c.minor;
        }
        if v.minor > 0 {
            return false;
        }
        c.patch == v.patch
    }
}

/// Helm's `IsCompatibleRange`: whether `version` satisfies `constraint`.
///
/// Helm treats either parse error as "incompatible"; here the error is
/// returned so callers can say why (`unwrap_or(false)` gives Helm's answer).
/// No suffix handling happens here: `v1.27.3-gke.100` is a prerelease and so
/// fails `>=1.20.0` (but passes `>=1.20.0-0`). Helm v4 passes the cluster
/// version through [`normalize_kube_version`] first, which strips such suffixes.
///
/// # Errors
/// An unparsable version (checked first, as Helm does) or constraint.
pub fn is_compatible_range(constraint: &str, version: &str) -> Result<bool, ConstraintError> {
    let version = Version::parse(version)?;
    let constraints = Constraints::parse(constraint)?;
    Ok(constraints.check(&version))
}

/// Sprig's `semverCompare` (used by chart templates): like
/// [`is_compatible_range`] but the constraint is parsed first, so a bad
/// constraint is the error reported when both are bad.
///
/// # Errors
/// An unparsable constraint or version.
pub fn semver_compare(constraint: &str, version: &str) -> Result<bool, ConstraintError> {
    let constraints = Constraints::parse(constraint)?;
    let version = Version::parse(version)?;
    Ok(constraints.check(&version))
}

/// `k8s.io/apimachinery` `ParseGeneric`: leading space, optional `v`, two or
/// more dot-separated numbers, then anything on the same line.
static KUBE_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!("^", ws!(), r"*v?([0-9]+(?:\.[0-9]+)*)(.*)*$")).expect("valid regex")
});

/// The form of a Kubernetes version Helm v4 checks `kubeVersion` against
/// (`KubeVersion.String()` after `ParseKubeVersion`): `v` and the numeric
/// components only, so `v1.27.3-gke.100` becomes `v1.27.3` and `1.28+`
/// becomes `v1.28`.
///
/// # Errors
/// Input that `ParseGeneric` rejects: no `MAJOR.MINOR` prefix, a major
/// component with a leading zero, or a component past 64 bits.
pub fn normalize_kube_version(version: &str) -> Result<String, ConstraintError> {
    let error = |reason| ConstraintError::KubeVersion {
        version: shown(version),
        reason,
    };
    let caps = KUBE_VERSION
        .captures(version)
        .ok_or_else(|| error("it does not start with numbers"))?;
    let components: Vec<&str> = caps[1].split('.').collect();
    if components.len() < 2 {
        return Err(error("it needs at least MAJOR.MINOR"));
    }
    let mut out = String::from("v");
    for (i, component) in components.iter().enumerate() {
        if i == 0 && component.len() > 1 && component.starts_with('0') {
            return Err(error("the major version starts with 0"));
        }
        let number: u64 = component
            .parse()
            .map_err(|_| error("a component is out of range"))?;
        if i > 0 {
            out.push('.');
        }
        out.push_str(&number.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn version_parsing() {
        // (input, Ok(canonical string) or Err, rule)
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("1.2.3", Some("1.2.3"), "plain SemVer"),
            (
                "v1.2.3",
                Some("1.2.3"),
                "a leading lowercase v is allowed and dropped",
            ),
            ("V1.2.3", None, "only lowercase v is a prefix"),
            ("1.2", Some("1.2.0"), "missing patch is 0"),
            ("v1", Some("1.0.0"), "missing minor and patch are 0"),
            (
                "01.02.03",
                Some("1.2.3"),
                "lenient mode allows leading zeros in numbers",
            ),
            (
                "1.2.3-beta.1+build.7",
                Some("1.2.3-beta.1+build.7"),
                "prerelease and metadata",
            ),
            (
                "1.2-rc1",
                Some("1.2.0-rc1"),
                "prerelease after a short version",
            ),
            ("1.2.3-0", Some("1.2.3-0"), "numeric prerelease 0"),
            (
                "1.2.3-01",
                None,
                "numeric prerelease identifiers have no leading zeros",
            ),
            (
                "1.2.3-a.01b",
                Some("1.2.3-a.01b"),
                "alphanumeric identifiers may start with 0",
            ),
            (
                "1.2.3+01",
                Some("1.2.3+01"),
                "metadata may have leading zeros",
            ),
            ("1.2.3.4", None, "at most three numeric segments"),
            ("1.2.3-", None, "empty prerelease"),
            ("1.2.3-a..b", None, "empty prerelease identifier"),
            ("1.2.3-a_b", None, "identifiers are [0-9A-Za-z-]"),
            (" 1.2.3", None, "no surrounding space"),
            ("", None, "empty"),
            ("x", None, "wildcards are for constraints only"),
            (
                "18446744073709551615.0.0",
                Some("18446744073709551615.0.0"),
                "u64::MAX",
            ),
            ("18446744073709551616.0.0", None, "segments are 64-bit"),
            (
                "v1.27.3-gke.100",
                Some("1.27.3-gke.100"),
                "GKE versions are prereleases",
            ),
        ];
        for (input, want, rule) in cases {
            let got = Version::parse(input).ok().map(|v| v.to_string());
            assert_eq!(got.as_deref(), *want, "{input:?}: {rule}");
        }
        let long = "1".repeat(MAX_VERSION_LEN + 1);
        assert!(matches!(
            Version::parse(&long),
            Err(ConstraintError::VersionTooLong { .. })
        ));
    }

    #[test]
    fn version_precedence() {
        // (lower, higher, rule)
        let cases: &[(&str, &str, &str)] = &[
            ("1.2.3", "1.2.4", "patch"),
            ("1.2.9", "1.10.0", "numeric, not lexical"),
            (
                "1.0.0-alpha",
                "1.0.0",
                "a prerelease sorts before its release",
            ),
            (
                "1.0.0-alpha",
                "1.0.0-alpha.1",
                "fewer identifiers sort first",
            ),
            (
                "1.0.0-alpha.1",
                "1.0.0-alpha.beta",
                "numbers sort before text",
            ),
            (
                "1.0.0-beta.2",
                "1.0.0-beta.11",
                "numeric identifiers compare as numbers",
            ),
            ("1.0.0-rc.1", "1.0.0-rc.1a", "text compares bytewise"),
            (
                "1.0.0-99999999999999999999",
                "1.0.0-a",
                "an identifier past u64 compares as text",
            ),
        ];
        for (lo, hi, rule) in cases {
            assert!(v(lo) < v(hi), "{lo} < {hi}: {rule}");
            assert!(v(hi) > v(lo), "{hi} > {lo}: {rule}");
        }
        assert_eq!(v("1.2.3+a"), v("1.2.3+b"), "metadata is ignored");
        assert_eq!(v("v1.2"), v("1.2.0"), "v prefix and missing segments");
    }

    #[test]
    fn constraint_checks() {
        // (constraint, version, expected, rule)
        let cases: &[(&str, &str, bool, &str)] = &[
            ("1.2.3", "1.2.3", true, "bare version is equality"),
            ("=1.2.3", "1.2.4", false, "= is equality"),
            ("!=1.2.3", "1.2.4", true, "!="),
            ("!=1.2.3", "1.2.3", false, "!="),
            (">1.2.3", "1.2.4", true, ">"),
            ("<1.2.3", "1.2.2", true, "<"),
            (">=1.2.3", "1.2.3", true, ">="),
            ("=>1.2.3", "1.2.3", true, "=> is >="),
            ("<=1.2.3", "1.2.4", false, "<="),
            ("=<1.2.3", "1.2.3", true, "=< is <="),
            ("1.2.x", "1.2.9", true, "x wildcard patch: ~1.2.0"),
            ("1.2.x", "1.3.0", false, "x wildcard patch: ~1.2.0"),
            ("1.X", "1.9.0", true, "X wildcard"),
            ("*", "5.0.0", true, "* matches any release"),
            ("*", "5.0.0-beta", false, "* does not match prereleases"),
            ("1.2", "1.2.7", true, "missing patch acts as a wildcard"),
            ("~1.2.3", "1.2.9", true, "~ allows patch updates"),
            ("~1.2.3", "1.3.0", false, "~ holds the minor"),
            ("~>1.2", "1.2.0", true, "~> is ~"),
            ("~1", "1.9.9", true, "~1 is <2.0.0"),
            ("~0", "0.5.0", true, "~0 holds major 0"),
            ("~0.0.0", "3.0.0", true, "~0.0.0 is anything"),
            ("^1.2.3", "1.9.0", true, "^ allows minor updates"),
            ("^1.2.3", "2.0.0", false, "^ holds the major"),
            ("^0.2.3", "0.2.9", true, "^0.y holds the minor"),
            ("^0.2.3", "0.3.0", false, "^0.y holds the minor"),
            ("^0.0.3", "0.0.4", false, "^0.0.z is equality"),
            ("^0.0", "0.0.9", true, "^0.0 is <0.1.0"),
            ("^0", "0.9.0", true, "^0 is <1.0.0"),
            (
                ">1",
                "1.5.0",
                false,
                ">1 with a wildcard minor means >=2.0.0",
            ),
            (">1.2", "1.2.5", false, ">1.2 means >=1.3.0"),
            (">1.2", "1.3.0", true, ">1.2 means >=1.3.0"),
            ("<=1.2", "1.2.9", true, "<=1.2 includes 1.2.z"),
            ("<1.2", "1.2.0", false, "<1.2 is <1.2.0"),
            (
                "!=1.2.x",
                "1.2.5",
                false,
                "!= with wildcard excludes the range",
            ),
            ("!=1.2.x", "1.3.0", true, "!= with wildcard"),
            (">=1.2.3, <2", "1.5.0", true, "comma is AND"),
            (">=1.2.3 <2", "2.1.0", false, "space is AND"),
            (
                ">= 1.2.3 , < 2",
                "1.5.0",
                true,
                "spaces around operators and commas",
            ),
            ("<1.0 || >=2.0", "2.5.0", true, "|| is OR"),
            ("<1.0 || >=2.0", "1.5.0", false, "|| is OR"),
            ("1.2 - 1.4.5", "1.4.5", true, "hyphen range is inclusive"),
            ("1.2 - 1.4.5", "1.4.6", false, "hyphen range upper bound"),
            (
                "1.2.3-1.4.5",
                "1.2.3-1.4.5",
                true,
                "no spaces: a prerelease, not a range",
            ),
            (
                ">=1.20.0",
                "1.27.3-gke.100",
                false,
                "prereleases need a prerelease constraint",
            ),
            (
                ">=1.20.0-0",
                "1.27.3-gke.100",
                true,
                "-0 opts the group into prereleases",
            ),
            (
                ">=1.20.0-0 <1.22.0",
                "1.21.0-rc.1",
                true,
                "one prerelease opts the whole group in",
            ),
            (
                ">=1.20.0 || >=1.0.0-0",
                "1.21.0-rc.1",
                true,
                "groups opt in separately",
            ),
            (
                "<0.1 || >=0.0.1-0",
                "0.0.5-a",
                true,
                "only the opted-in group can match",
            ),
            ("=1.2.3-beta", "1.2.3-beta", true, "equal prerelease"),
            ("v1.2.x", "1.2.3", true, "v prefix in constraints"),
            ("1.2.3+meta", "1.2.3", true, "metadata is ignored"),
        ];
        for (c, ver, want, rule) in cases {
            let got = Constraints::parse(c)
                .unwrap_or_else(|e| panic!("{c:?}: {e}"))
                .check(&v(ver));
            assert_eq!(got, *want, "{c:?} vs {ver}: {rule}");
        }
    }

    #[test]
    fn constraint_errors() {
        // (constraint, rule)
        let cases: &[(&str, &str)] = &[
            ("", "an empty constraint is improper"),
            (" ", "a blank group is improper"),
            ("1.2.3 ||", "an empty || group is improper"),
            ("|| 1.2.3", "an empty || group is improper"),
            (">=", "an operator needs a version"),
            ("foo", "not a version"),
            ("1.0,", "a trailing comma"),
            ("1.0,,2.0", "a doubled comma"),
            ("> = 1.2", "a split operator"),
            ("==1.2.3", "== is not an operator"),
            (
                "1|2",
                "| inside a segment passes the regex but cannot be built",
            ),
            ("1.2.3-01", "prerelease with leading zero cannot be built"),
            ("1.2.3.4", "four segments"),
        ];
        for (c, rule) in cases {
            assert!(Constraints::parse(c).is_err(), "{c:?} should fail: {rule}");
        }
        let many = vec!["1"; MAX_CONSTRAINT_GROUPS + 1].join("||");
        assert!(matches!(
            Constraints::parse(&many),
            Err(ConstraintError::TooManyGroups { .. })
        ));
        let long = format!(">={}", "1".repeat(MAX_CONSTRAINT_LEN));
        assert!(matches!(
            Constraints::parse(&long),
            Err(ConstraintError::ConstraintTooLong { .. })
        ));
        // Messages stay on one line even for hostile input.
        let err = Constraints::parse("a\nb").unwrap_err().to_string();
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn helm_is_compatible_range() {
        // Helm's own table (pkg/chart/v2/util/compatible_test.go) plus kubeVersion cases.
        let cases: &[(&str, &str, bool, &str)] = &[
            ("v2.0.0-alpha.4", "v2.0.0-alpha.4", true, "equal prerelease"),
            (
                "v2.0.0-alpha.3",
                "v2.0.0-alpha.4",
                false,
                "different prerelease",
            ),
            (
                "v2.0.0",
                "v2.0.0-alpha.4",
                false,
                "prerelease vs release constraint",
            ),
            (
                "v2.0.0-alpha.4",
                "v2.0.0",
                false,
                "release vs prerelease constraint",
            ),
            ("~v2.0.0", "v2.0.1", true, "tilde with v"),
            ("v2", "v2.0.0", true, "major only"),
            (">2.0.0", "v2.1.1", true, ">"),
            ("v2.1.*", "v2.1.1", true, "* patch"),
            (
                ">=1.20.2",
                "v1.20.2",
                true,
                "a v prefix on the cluster version",
            ),
            (
                ">= 1.19.0-0 < 1.30.0-0",
                "v1.27.3",
                true,
                "typical chart range",
            ),
            (
                ">=1.25.0",
                "v1.27.3-gke.100",
                false,
                "unnormalised GKE version is a prerelease",
            ),
            (">=1.25.0-0", "v1.27.3-gke.100", true, "-0 admits it"),
        ];
        for (c, ver, want, rule) in cases {
            assert_eq!(
                is_compatible_range(c, ver),
                Ok(*want),
                "{c:?} vs {ver}: {rule}"
            );
        }
        assert!(is_compatible_range(">=1.20", "not-a-version").is_err());
        assert!(is_compatible_range("bogus", "1.20.0").is_err());
        // Which error wins: the version is parsed first here, the constraint in semverCompare.
        assert!(matches!(
            is_compatible_range("bogus", "bad"),
            Err(ConstraintError::InvalidVersion { .. })
        ));
        assert!(matches!(
            semver_compare("bogus", "bad"),
            Err(ConstraintError::Improper { .. })
        ));
    }

    #[test]
    fn kube_version_normalisation() {
        // (input, expected, rule) — k8s ParseGeneric, then "v" + components.
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("v1.27.3-gke.100", Some("v1.27.3"), "vendor suffix dropped"),
            ("1.28.2+k3s1", Some("v1.28.2"), "metadata dropped, v added"),
            ("v1.29", Some("v1.29"), "two components are enough"),
            ("v1.20+", Some("v1.20"), "EKS-style trailing +"),
            ("  v1.30.0", Some("v1.30.0"), "leading space allowed"),
            (
                "v1.02.3",
                Some("v1.2.3"),
                "later components may have leading zeros",
            ),
            ("v01.2.3", None, "major component must not"),
            ("v1", None, "needs MAJOR.MINOR"),
            ("latest", None, "not a version"),
            ("v1.2.3\nx", None, "trailing text must stay on one line"),
        ];
        for (input, want, rule) in cases {
            let got = normalize_kube_version(input).ok();
            assert_eq!(got.as_deref(), *want, "{input:?}: {rule}");
        }
        let gke = normalize_kube_version("v1.27.3-gke.100").unwrap();
        assert_eq!(is_compatible_range(">=1.25.0", &gke), Ok(true));
    }
}
