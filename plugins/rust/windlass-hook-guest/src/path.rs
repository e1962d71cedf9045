//! Paths into JSON values: `image.repository`, `containers[0].image`,
//! `metadata.annotations["helm.sh/hook"]`.
//!
//! A path is a key, then any number of `.key`, `[index]` or `["key"]` steps. The
//! quoted form (with `"` or `'`) is for keys holding `.`, `[`, `]` or quotes. The same
//! syntax is printed back by [`Path`]'s `Display`, so a path read from a hook's config
//! shows up unchanged in its findings.

use std::fmt;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde_json::Value;

/// One step of a [`Path`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A key of an object.
    Key(String),
    /// A position in an array.
    Index(usize),
}

/// A parsed path; see the module docs for the syntax.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Path {
    segments: Vec<Segment>,
}

/// Why a path did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    path: String,
    reason: String,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid path {:?}: {}", self.path, self.reason)
    }
}

impl std::error::Error for PathError {}

impl Path {
    /// The empty path: the value itself.
    pub fn root() -> Path {
        Path::default()
    }

    /// Parses `text`; see the module docs for the syntax.
    pub fn parse(text: &str) -> Result<Path, PathError> {
        let fail = |reason: &str| PathError {
            path: text.to_owned(),
            reason: reason.to_owned(),
        };
        if text.is_empty() {
            return Err(fail("it is empty"));
        }
        let mut segments = Vec::new();
        let mut rest = text;
        let mut first = true;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('[') {
                let close = after.find(']').ok_or_else(|| fail("unclosed `[`"))?;
                let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'');
                if let Some(q) = quote {
                    // Quoted keys may hold `]`: look for the closing quote first.
                    let end = after[1..]
                        .find(q)
                        .ok_or_else(|| fail("unclosed quote in `[...]`"))?;
                    let key = &after[1..1 + end];
                    rest = after[1 + end + 1..]
                        .strip_prefix(']')
                        .ok_or_else(|| fail("expected `]` after a quoted key"))?;
                    segments.push(Segment::Key(key.to_owned()));
                } else {
                    let digits = &after[..close];
                    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(fail("`[...]` holds an index (digits) or a quoted key"));
                    }
                    let index = digits.parse().map_err(|_| fail("index too large"))?;
                    segments.push(Segment::Index(index));
                    rest = &after[close + 1..];
                }
            } else {
                let key_text = if first {
                    rest
                } else {
                    rest.strip_prefix('.')
                        .ok_or_else(|| fail("expected `.` or `[` between steps"))?
                };
                let end = key_text.find(['.', '[']).unwrap_or(key_text.len());
                let key = &key_text[..end];
                if key.is_empty() {
                    return Err(fail("empty key"));
                }
                if key.contains([']', '"', '\'']) {
                    return Err(fail("a key with `]` or quotes must be written [\"...\"]"));
                }
                segments.push(Segment::Key(key.to_owned()));
                rest = &key_text[end..];
            }
            first = false;
        }
        Ok(Path { segments })
    }

    /// The steps, first to last.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// This path followed by `.key`.
    pub fn key(mut self, key: impl Into<String>) -> Path {
        self.segments.push(Segment::Key(key.into()));
        self
    }

    /// This path followed by `[index]`.
    pub fn index(mut self, index: usize) -> Path {
        self.segments.push(Segment::Index(index));
        self
    }

    /// The value at this path, if every step exists. A key step only enters
    /// objects and an index step only arrays.
    pub fn get<'v>(&self, value: &'v Value) -> Option<&'v Value> {
        self.segments
            .iter()
            .try_fold(value, |current, segment| match segment {
                Segment::Key(key) => current.as_object()?.get(key),
                Segment::Index(index) => current.as_array()?.get(*index),
            })
    }
}

impl FromStr for Path {
    type Err = PathError;
    fn from_str(text: &str) -> Result<Path, PathError> {
        Path::parse(text)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Index(index) => write!(f, "[{index}]")?,
                Segment::Key(key) if is_plain_key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(key)?;
                }
                Segment::Key(key) if key.contains('"') => write!(f, "['{key}']")?,
                Segment::Key(key) => write!(f, "[\"{key}\"]")?,
            }
        }
        Ok(())
    }
}

/// Paths in configs are written as strings.
impl<'de> serde::Deserialize<'de> for Path {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Path, D::Error> {
        let text = String::deserialize(deserializer)?;
        Path::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Path {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

fn is_plain_key(key: &str) -> bool {
    !key.is_empty() && !key.contains(['.', '[', ']', '"', '\''])
}

/// The value at `path` in `value`. A path that does not parse finds nothing; use
/// [`Path::parse`] where that must be told apart from a missing value.
pub fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    Path::parse(path).ok()?.get(value)
}

/// The string at `path`, if there is one and it is a string.
pub fn lookup_str<'v>(value: &'v Value, path: &str) -> Option<&'v str> {
    lookup(value, path)?.as_str()
}

/// The number at `path` as `f64`, if there is one and it is a number.
pub fn lookup_f64(value: &Value, path: &str) -> Option<f64> {
    lookup(value, path)?.as_f64()
}

/// The integer at `path`, if there is one and it is an integer that fits `i64`.
pub fn lookup_i64(value: &Value, path: &str) -> Option<i64> {
    lookup(value, path)?.as_i64()
}

/// The boolean at `path`, if there is one and it is a boolean.
pub fn lookup_bool(value: &Value, path: &str) -> Option<bool> {
    lookup(value, path)?.as_bool()
}

/// The value at `path` read as `T` through serde: `Ok(None)` when nothing is there,
/// an error naming the path when it is there but not a `T`.
pub fn lookup_as<T: DeserializeOwned>(value: &Value, path: &str) -> Result<Option<T>, String> {
    let Some(found) = lookup(value, path) else {
        return Ok(None);
    };
    serde_path_to_error::deserialize(found)
        .map(Some)
        .map_err(|e| match e.path().to_string().as_str() {
            "." => format!("{path}: {}", e.inner()),
            inner if inner.starts_with('[') => format!("{path}{inner}: {}", e.inner()),
            inner => format!("{path}.{inner}: {}", e.inner()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_keys_indices_and_quoted_keys() {
        let path = Path::parse(r#"a.b[0]["helm.sh/hook"].c['x"y'][12]"#).unwrap();
        assert_eq!(
            path.segments(),
            &[
                Segment::Key("a".into()),
                Segment::Key("b".into()),
                Segment::Index(0),
                Segment::Key("helm.sh/hook".into()),
                Segment::Key("c".into()),
                Segment::Key("x\"y".into()),
                Segment::Index(12),
            ]
        );
        assert_eq!(
            Path::parse("[0].a").unwrap().segments(),
            &[Segment::Index(0), Segment::Key("a".into())]
        );
    }

    #[test]
    fn rejects_malformed_paths() {
        for bad in [
            "", "a.", ".a", "a..b", "a[", "a[x]", "a[]", "a[-1]", "a[0]b", "a[\"b]", "a[\"b\"",
            "a]", "a\"b",
        ] {
            assert!(Path::parse(bad).is_err(), "{bad:?} parsed");
        }
        let err = Path::parse("a[x]").unwrap_err().to_string();
        assert!(err.contains("\"a[x]\""), "{err}");
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "image.repository",
            "a.b[0]",
            "[3]",
            r#"metadata.annotations["helm.sh/hook"]"#,
            r#"x['a"b']"#,
        ] {
            assert_eq!(Path::parse(text).unwrap().to_string(), text);
        }
        // Needless quoting is dropped.
        assert_eq!(Path::parse(r#"a["b"]"#).unwrap().to_string(), "a.b");
        assert_eq!(
            Path::root()
                .key("spec")
                .key("containers")
                .index(1)
                .to_string(),
            "spec.containers[1]"
        );
    }

    #[test]
    fn get_follows_objects_and_arrays_only() {
        let v = json!({"a": {"b": [10, {"c": "x"}]}, "list": [1], "k.d": true});
        assert_eq!(lookup(&v, "a.b[0]"), Some(&json!(10)));
        assert_eq!(lookup_str(&v, "a.b[1].c"), Some("x"));
        assert_eq!(lookup_bool(&v, r#"["k.d"]"#), Some(true));
        assert_eq!(lookup(&v, "a.b[2]"), None);
        assert_eq!(
            lookup(&v, "a.b.0"),
            None,
            "a key step does not index arrays"
        );
        assert_eq!(
            lookup(&v, "a[0]"),
            None,
            "an index step does not enter objects"
        );
        assert_eq!(lookup(&v, "a..b"), None, "an invalid path finds nothing");
        assert_eq!(Path::root().get(&v), Some(&v));
    }

    #[test]
    fn typed_lookups() {
        let v = json!({"n": 3, "f": 2.5, "s": "3", "tags": ["a", "b"], "bad": [1]});
        assert_eq!(lookup_i64(&v, "n"), Some(3));
        assert_eq!(lookup_f64(&v, "f"), Some(2.5));
        assert_eq!(lookup_i64(&v, "f"), None);
        assert_eq!(lookup_f64(&v, "s"), None, "strings are not numbers");
        assert_eq!(
            lookup_as::<Vec<String>>(&v, "tags").unwrap(),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(lookup_as::<Vec<String>>(&v, "missing").unwrap(), None);
        let err = lookup_as::<Vec<String>>(&v, "bad").unwrap_err();
        assert!(err.starts_with("bad[0]: invalid type: integer"), "{err}");
    }
}
