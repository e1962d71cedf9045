//! Sprig's `semver` and `semverCompare`, on windlass-chart's implementation
//! of Masterminds/semver v3 (the one Helm uses), with Masterminds' error texts.
//!
//! `semver` returns a `*semver.Version` whose methods templates call
//! (`.Major`, `.Prerelease`, `.Compare`...). Most of Masterminds' methods take
//! a value receiver, but `Original`, `Compare` and the comparisons take a
//! pointer, so the `semver.Version` values `IncMajor` and friends return lack
//! them, as in Go.
//!
//! Versions are lenient (`v1.2` is `1.2.0`), and a prerelease version only
//! satisfies a constraint that itself names a prerelease: `semverCompare
//! ">=1.20.0" "1.21.0-gke.1"` is false, `">=1.20.0-0"` is true.

use std::any::Any;
use std::cmp::Ordering;
use std::rc::Rc;

use windlass_chart::constraint::{
    ConstraintError, Constraints, MAX_CONSTRAINT_GROUPS, MAX_CONSTRAINT_LEN, MAX_VERSION_LEN,
    Version,
};

use crate::funcs::{Function, Signature, Type};
use crate::gofmt::quote;
use crate::value::{Object, Value};

/// Go's type of what `semver` returns.
const POINTER_TYPE: &str = "*semver.Version";

pub(super) fn functions() -> Vec<Function> {
    vec![
        Function {
            name: "semver",
            sig: Signature::fixed(&[Type::String]),
            call: |args| {
                let version =
                    Version::parse(string(args, 0)?).map_err(|e| masterminds_error(&e))?;
                Ok(SemVer::value(version, true))
            },
        },
        Function {
            name: "semverCompare",
            sig: Signature::fixed(&[Type::String, Type::String]),
            call: |args| {
                let constraints =
                    Constraints::parse(string(args, 0)?).map_err(|e| masterminds_error(&e))?;
                let version =
                    Version::parse(string(args, 1)?).map_err(|e| masterminds_error(&e))?;
                Ok(Value::Bool(constraints.check(&version)))
            },
        },
    ]
}

fn string(args: &[Value], i: usize) -> Result<&str, String> {
    args.get(i)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("argument {i} is not a string"))
}

/// The error Masterminds' `NewVersion` or `NewConstraint` returns.
fn masterminds_error(error: &ConstraintError) -> String {
    match error {
        ConstraintError::InvalidVersion { .. } => "invalid semantic version".into(),
        ConstraintError::VersionTooLong { .. } => {
            format!("version string is too long (max {MAX_VERSION_LEN} bytes)")
        }
        ConstraintError::SegmentOutOfRange { segment, .. } => format!(
            "error parsing version segment: strconv.ParseUint: parsing {}: value out of range",
            quote(segment)
        ),
        ConstraintError::PrereleaseLeadingZero { .. } => "version segment starts with 0".into(),
        // windlass-chart keeps the first 80 characters of the group, with
        // control characters escaped; Masterminds quotes all of it.
        ConstraintError::Improper { constraint } => {
            format!("improper constraint: {}", quote(constraint))
        }
        ConstraintError::Parser { .. } => "constraint parser error".into(),
        ConstraintError::ConstraintTooLong { .. } => {
            format!("constraint string is too long (max {MAX_CONSTRAINT_LEN} bytes)")
        }
        ConstraintError::TooManyGroups { .. } => {
            format!("too many constraint groups (max {MAX_CONSTRAINT_GROUPS})")
        }
        ConstraintError::KubeVersion { .. } => error.to_string(),
    }
}

/// A Masterminds `Version`, behind a pointer (what `semver` returns) or not
/// (what `IncMajor` and friends return).
#[derive(Debug)]
struct SemVer {
    version: Version,
    pointer: bool,
}

const NO_ARGS: Signature = Signature::fixed(&[]);
const ONE_STRING: Signature = Signature::fixed(&[Type::String]);
const OTHER_VERSION: Signature = Signature::fixed(&[Type::Object(POINTER_TYPE)]);

impl SemVer {
    fn value(version: Version, pointer: bool) -> Value {
        Value::Object(Rc::new(SemVer { version, pointer }))
    }

    /// A copy with other numbers, prerelease and metadata; its original text
    /// is its string form behind any `v` this one had, as in Masterminds.
    fn derived(
        &self,
        numbers: (u64, u64, u64),
        pre: &str,
        metadata: &str,
    ) -> Result<Value, String> {
        let prefix = if self.version.original().starts_with('v') {
            "v"
        } else {
            ""
        };
        let (major, minor, patch) = numbers;
        let mut text = format!("{prefix}{major}.{minor}.{patch}");
        if !pre.is_empty() {
            text = format!("{text}-{pre}");
        }
        if !metadata.is_empty() {
            text = format!("{text}+{metadata}");
        }
        let version = Version::parse(&text).map_err(|e| masterminds_error(&e))?;
        Ok(SemVer::value(version, false))
    }

    fn numbers(&self) -> (u64, u64, u64) {
        let v = &self.version;
        (v.major(), v.minor(), v.patch())
    }
}

/// The version another method argument holds.
fn other(args: &[Value]) -> Result<&Version, String> {
    match args.first() {
        Some(Value::Object(o)) => o
            .as_any()
            .downcast_ref::<SemVer>()
            .map(|s| &s.version)
            .ok_or_else(|| format!("expected {POINTER_TYPE}")),
        _ => Err(format!("expected {POINTER_TYPE}")),
    }
}

/// Masterminds' `validatePrerelease` (`SetPrerelease`) or `validateMetadata`
/// (`SetMetadata`): dot-separated, non-empty `[0-9A-Za-z-]` identifiers, and
/// for prereleases no leading zero in a numeric one.
fn validate_identifiers(text: &str, prerelease: bool) -> Result<(), String> {
    let invalid = if prerelease {
        "invalid prerelease string"
    } else {
        "invalid metadata string"
    };
    for part in text.split('.') {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(invalid.into());
        }
        if prerelease
            && part.len() > 1
            && part.starts_with('0')
            && part.bytes().all(|b| b.is_ascii_digit())
        {
            return Err("version segment starts with 0".into());
        }
    }
    Ok(())
}

/// A `uint64` as templates print it (Value has no unsigned kind).
fn uint(n: u64) -> Value {
    Value::Int64(i64::try_from(n).unwrap_or(i64::MAX))
}

impl Object for SemVer {
    fn type_name(&self) -> String {
        if self.pointer {
            POINTER_TYPE
        } else {
            "semver.Version"
        }
        .into()
    }

    fn kind(&self) -> &'static str {
        if self.pointer { "ptr" } else { "struct" }
    }

    fn method(&self, name: &str) -> Option<Signature> {
        let value_method = match name {
            "Major" | "Minor" | "Patch" | "Prerelease" | "Metadata" | "String" | "IncMajor"
            | "IncMinor" | "IncPatch" => Some(NO_ARGS),
            "SetPrerelease" | "SetMetadata" => Some(ONE_STRING),
            _ => None,
        };
        let pointer_method = match name {
            "Original" => Some(NO_ARGS),
            "Compare" | "LessThan" | "LessThanEqual" | "GreaterThan" | "GreaterThanEqual"
            | "Equal" => Some(OTHER_VERSION),
            _ => None,
        };
        value_method.or(if self.pointer { pointer_method } else { None })
    }

    fn call(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        let v = &self.version;
        let (major, minor, patch) = self.numbers();
        let ordering = || other(args).map(|o| v.compare(o));
        Ok(match name {
            "Major" => uint(major),
            "Minor" => uint(minor),
            "Patch" => uint(patch),
            "Prerelease" => Value::str(v.prerelease()),
            "Metadata" => Value::str(v.metadata()),
            "String" => Value::String(v.to_string()),
            "Original" => Value::str(v.original()),
            // Go's uint64 arithmetic wraps.
            "IncMajor" => self.derived((major.wrapping_add(1), 0, 0), "", "")?,
            "IncMinor" => self.derived((major, minor.wrapping_add(1), 0), "", "")?,
            "IncPatch" if v.prerelease().is_empty() => {
                self.derived((major, minor, patch.wrapping_add(1)), "", "")?
            }
            // A prerelease's next patch is its release.
            "IncPatch" => self.derived((major, minor, patch), "", "")?,
            "SetPrerelease" => {
                let pre = string(args, 0)?;
                if !pre.is_empty() {
                    validate_identifiers(pre, true)?;
                }
                self.derived((major, minor, patch), pre, v.metadata())?
            }
            "SetMetadata" => {
                let metadata = string(args, 0)?;
                if !metadata.is_empty() {
                    validate_identifiers(metadata, false)?;
                }
                self.derived((major, minor, patch), v.prerelease(), metadata)?
            }
            "Compare" => Value::Int(match ordering()? {
                Ordering::Less => -1,
                Ordering::Equal => 0,
                Ordering::Greater => 1,
            }),
            "LessThan" => Value::Bool(ordering()?.is_lt()),
            "LessThanEqual" => Value::Bool(ordering()?.is_le()),
            "GreaterThan" => Value::Bool(ordering()?.is_gt()),
            "GreaterThanEqual" => Value::Bool(ordering()?.is_ge()),
            "Equal" => Value::Bool(ordering()?.is_eq()),
            _ => return Err(format!("can't call method {name}")),
        })
    }

    /// `%v` uses `String()`.
    fn go_string(&self) -> String {
        self.version.to_string()
    }

    /// `MarshalJSON` writes the string form.
    fn to_data(&self) -> Value {
        Value::String(self.version.to_string())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[&str]) -> Result<Value, String> {
        let f = functions()
            .into_iter()
            .find(|f| f.name == name)
            .expect("function");
        let args: Vec<Value> = args.iter().map(|a| Value::str(*a)).collect();
        (f.call)(&args)
    }

    fn method(v: &Value, name: &str, args: &[Value]) -> Result<Value, String> {
        let Value::Object(o) = v else {
            panic!("an object")
        };
        assert!(o.method(name).is_some(), "{} has no {name}", o.type_name());
        o.call(name, args)
    }

    // Expectations recorded from Helm 4 (tests/cases/sprig_extra.json).
    #[test]
    fn compare_follows_masterminds() {
        for (constraint, version, expected) in [
            (">=1.20.0", "1.21.0-gke.1", false),
            (">=1.20.0-0", "1.21.0-gke.1", true),
            ("^1.2", "1.9.9", true),
            ("x", "1.2.3", true),
            ("~1.2.3", "1.3.0", false),
            (">=1.2 <2 || 3.x", "3.4.5", true),
        ] {
            assert_eq!(
                call("semverCompare", &[constraint, version]),
                Ok(Value::Bool(expected)),
                "{constraint} {version}"
            );
        }
    }

    #[test]
    fn errors_are_masterminds_texts() {
        for (args, error) in [
            (vec![">1", "x"], "invalid semantic version"),
            (vec!["1|2", "1.0.0"], "constraint parser error"),
            (vec!["", "1.0.0"], "improper constraint: \"\""),
            (vec![">1 || ~~2", "1.0.0"], "improper constraint: \" ~~2\""),
        ] {
            assert_eq!(call("semverCompare", &args), Err(error.into()), "{args:?}");
        }
        assert_eq!(
            call("semver", &["1.2.3-01"]),
            Err("version segment starts with 0".into())
        );
        assert_eq!(
            call("semver", &["99999999999999999999"]),
            Err("error parsing version segment: strconv.ParseUint: parsing \"99999999999999999999\": value out of range".into())
        );
    }

    #[test]
    fn versions_have_masterminds_methods() {
        let v = call("semver", &["v1.2.3-rc.1+m"]).unwrap();
        assert_eq!(v.to_string(), "1.2.3-rc.1+m");
        assert_eq!(v.type_name(), "*semver.Version");
        assert_eq!(method(&v, "Major", &[]), Ok(Value::Int64(1)));
        assert_eq!(method(&v, "Original", &[]), Ok(Value::str("v1.2.3-rc.1+m")));
        assert_eq!(method(&v, "Prerelease", &[]), Ok(Value::str("rc.1")));
        let next = method(&v, "IncPatch", &[]).unwrap();
        assert_eq!(next.to_string(), "1.2.3");
        assert_eq!(next.type_name(), "semver.Version");
        let Value::Object(o) = &next else { panic!() };
        assert!(o.method("Original").is_none() && o.method("Compare").is_none());
        assert_eq!(method(&next, "IncPatch", &[]).unwrap().to_string(), "1.2.4");
        let later = call("semver", &["1.2.4"]).unwrap();
        assert_eq!(
            method(&v, "Compare", std::slice::from_ref(&later)),
            Ok(Value::Int(-1))
        );
        assert_eq!(method(&v, "LessThan", &[later]), Ok(Value::Bool(true)));
        assert_eq!(
            method(&v, "SetPrerelease", &[Value::str("01")]),
            Err("version segment starts with 0".into())
        );
        assert_eq!(
            method(&v, "SetMetadata", &[Value::str("a..b")]),
            Err("invalid metadata string".into())
        );
        assert_eq!(v.to_json(), Some(serde_json::json!("1.2.3-rc.1+m")));
    }
}
