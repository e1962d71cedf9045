//! `.helmignore` rules, exactly as Helm's `pkg/ignore` applies them when it
//! loads a chart directory (archives are never filtered).
//!
//! The format looks like `.gitignore` but is not: patterns are Go
//! `filepath.Match` globs (implemented here as [`glob_match`]), `**` is an
//! error, a pattern without `/` is matched against the base name only, a
//! trailing `/` restricts the rule to directories, a leading `/` anchors it
//! to the chart root, and the first matching rule decides.
//!
//! Negation is Helm's, not git's: a `!pattern` rule ignores every path that
//! does **not** match it (and stops at the first one that does not), so
//! `!*.yaml` on its own ignores everything else, `Chart.yaml` included.

use std::fmt;

/// The name of the ignore file in a chart directory.
pub const HELM_IGNORE: &str = ".helmignore";

/// The rule Helm always adds: dot files directly under `templates/`.
const DEFAULT_RULE: &str = "templates/.?*";

/// Longest line Go's `bufio.Scanner` reads with its default buffer.
const MAX_LINE: usize = 64 * 1024;

/// A `.helmignore` that Helm would refuse, with the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IgnoreError {
    /// `**` is rejected to flag incompatibility with `.gitignore`.
    #[error("line {line}: `{rule}`: double-star (**) syntax is not supported")]
    DoubleStar {
        /// 1-based line number.
        line: usize,
        /// The rule as written (trimmed).
        rule: String,
    },
    /// Not a valid `filepath.Match` pattern (unclosed `[`, trailing `\`, ...).
    #[error("line {line}: `{rule}`: syntax error in pattern")]
    BadPattern {
        /// 1-based line number.
        line: usize,
        /// The rule as written (trimmed).
        rule: String,
    },
    /// A line longer than Go's scanner accepts.
    #[error("line {line}: longer than {MAX_LINE} bytes")]
    LineTooLong {
        /// 1-based line number.
        line: usize,
    },
}

/// A malformed glob pattern (Go's `filepath.ErrBadPattern`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadPattern;

impl fmt::Display for BadPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("syntax error in pattern")
    }
}

impl std::error::Error for BadPattern {}

/// Where a pattern is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Leading `/`: against the whole chart-relative path.
    Root,
    /// Contains `/`: against the whole chart-relative path.
    Path,
    /// No `/`: against the base name only.
    Base,
}

#[derive(Debug, Clone)]
struct Pattern {
    /// The rule as written, for debugging.
    raw: String,
    /// The glob left after removing `!`, one trailing `/` and one leading `/`.
    glob: Vec<u8>,
    negate: bool,
    must_dir: bool,
    scope: Scope,
    /// Whether `glob` is a valid pattern; stripping `!` and slashes can
    /// leave one that is not (`\/`), which Helm treats as matching nothing.
    valid: bool,
    /// How many leading and trailing bytes of `glob` are plain literals,
    /// which every match must start and end with (a cheap rejection).
    literal_prefix: usize,
    literal_suffix: usize,
}

/// Bytes with a meaning in a glob; `]` too, so a run never starts inside a class.
fn is_glob_meta(b: u8) -> bool {
    matches!(b, b'*' | b'?' | b'[' | b']' | b'\\')
}

impl Pattern {
    fn new(raw: String, glob: &[u8], negate: bool, must_dir: bool, scope: Scope) -> Pattern {
        // Go's Match reports a malformed pattern whatever the name.
        let valid = glob_match_bytes(glob, b"").is_ok();
        let literal_prefix = glob.iter().take_while(|&&b| !is_glob_meta(b)).count();
        let literal_suffix = glob.iter().rev().take_while(|&&b| !is_glob_meta(b)).count();
        Pattern {
            raw,
            glob: glob.to_vec(),
            negate,
            must_dir,
            scope,
            valid,
            literal_prefix,
            literal_suffix,
        }
    }

    /// Whether the rule matches `path`, whose [`go_base`] is `base`.
    fn matches(&self, path: &str, base: &str) -> bool {
        let subject = match self.scope {
            Scope::Root | Scope::Path => path.as_bytes(),
            Scope::Base => base.as_bytes(),
        };
        // Helm logs and treats a pattern error at match time as "no match".
        if !self.valid {
            return false;
        }
        let glob = self.glob.as_slice();
        if self.literal_prefix == glob.len() {
            return subject == glob;
        }
        let (prefix, suffix) = (
            &glob[..self.literal_prefix],
            &glob[glob.len() - self.literal_suffix..],
        );
        if subject.len() < prefix.len() + suffix.len()
            || !subject.starts_with(prefix)
            || !subject.ends_with(suffix)
        {
            return false;
        }
        glob_match_bytes(glob, subject).unwrap_or(false)
    }
}

/// Parsed `.helmignore` rules, in file order.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

impl Rules {
    /// No rules: nothing is ignored.
    pub fn empty() -> Rules {
        Rules::default()
    }

    /// Parses a `.helmignore`. Lines are split like Go's `bufio.Scanner`
    /// (`\n`, with one trailing `\r` dropped) and trimmed; blank lines and
    /// lines starting with `#` are skipped (there are no inline comments).
    ///
    /// # Errors
    /// A rule containing `**`, a rule that is not a valid glob (checked with
    /// the `!` and slashes still in place, as Helm does), or an overlong line.
    pub fn parse(text: &[u8]) -> Result<Rules, IgnoreError> {
        let mut rules = Rules::empty();
        let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        if lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        for (index, line) in lines.into_iter().enumerate() {
            let number = index + 1;
            if line.len() >= MAX_LINE {
                return Err(IgnoreError::LineTooLong { line: number });
            }
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            rules.parse_rule(line, number)?;
        }
        Ok(rules)
    }

    /// Adds Helm's default rule, `templates/.?*` (dot files directly in
    /// `templates/`; deeper ones are kept, since `*` does not cross `/`).
    pub fn add_defaults(&mut self) {
        self.parse_rule(DEFAULT_RULE.as_bytes(), 0)
            .expect("the default rule is valid");
    }

    /// The number of rules.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The rules as written (trimmed), in order.
    pub fn raw_rules(&self) -> impl Iterator<Item = &str> {
        self.patterns.iter().map(|p| p.raw.as_str())
    }

    /// Whether `path` (chart-relative, `/`-separated) is ignored. `is_dir`
    /// says whether it names a directory (after following symlinks); an
    /// ignored directory is skipped with everything under it.
    ///
    /// Rules are tried in order and the first decision wins: a plain rule
    /// ignores a path it matches; a `!` rule ignores a path it does not match
    /// and lets evaluation continue on one it does. The empty path and `.` are
    /// never ignored.
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        // Once per path, not per rule.
        let base = go_base(path);
        for pattern in &self.patterns {
            if pattern.negate {
                if pattern.must_dir && !is_dir {
                    return true;
                }
                if !pattern.matches(path, base) {
                    return true;
                }
                continue;
            }
            if pattern.must_dir && !is_dir {
                continue;
            }
            if pattern.matches(path, base) {
                return true;
            }
        }
        false
    }

    fn parse_rule(&mut self, line: &[u8], number: usize) -> Result<(), IgnoreError> {
        let rule = trim_go_space(line);
        if rule.is_empty() || rule[0] == b'#' {
            return Ok(());
        }
        let raw = shown(rule);
        if rule.windows(2).any(|w| w == b"**") {
            return Err(IgnoreError::DoubleStar {
                line: number,
                rule: raw,
            });
        }
        if glob_match_bytes(rule, b"abc").is_err() {
            return Err(IgnoreError::BadPattern {
                line: number,
                rule: raw,
            });
        }
        let mut glob = rule;
        let negate = glob.first() == Some(&b'!');
        if negate {
            glob = &glob[1..];
        }
        let must_dir = glob.last() == Some(&b'/');
        if must_dir {
            glob = &glob[..glob.len() - 1];
        }
        let scope = if glob.first() == Some(&b'/') {
            glob = &glob[1..];
            Scope::Root
        } else if glob.contains(&b'/') {
            Scope::Path
        } else {
            Scope::Base
        };
        self.patterns
            .push(Pattern::new(raw, glob, negate, must_dir, scope));
        Ok(())
    }
}

/// A rule for an error message: lossy UTF-8, control characters escaped.
fn shown(bytes: &[u8]) -> String {
    crate::display::one_line(&String::from_utf8_lossy(bytes))
}

/// Go's `strings.TrimSpace` on bytes: Unicode white space is trimmed from
/// both ends; invalid UTF-8 is not white space.
fn trim_go_space(bytes: &[u8]) -> &[u8] {
    let mut start = 0;
    while start < bytes.len() {
        let (rune, width) = decode_rune(&bytes[start..]);
        if width == 0 || !is_go_space(rune, width) {
            break;
        }
        start += width;
    }
    let mut end = start;
    let mut i = start;
    while i < bytes.len() {
        let (rune, width) = decode_rune(&bytes[i..]);
        i += width;
        if !is_go_space(rune, width) {
            end = i;
        }
    }
    &bytes[start..end]
}

fn is_go_space(rune: u32, width: usize) -> bool {
    // An invalid byte decodes as U+FFFD with width 1; it is not a space.
    width > 0 && char::from_u32(rune).is_some_and(char::is_whitespace)
}

/// Go's `utf8.DecodeRune`: the first rune and its width; `(U+FFFD, 1)` for
/// invalid UTF-8 and `(U+FFFD, 0)` for empty input.
fn decode_rune(bytes: &[u8]) -> (u32, usize) {
    const REPLACEMENT: u32 = 0xFFFD;
    let Some(&first) = bytes.first() else {
        return (REPLACEMENT, 0);
    };
    let width = match first {
        0x00..=0x7F => return (u32::from(first), 1),
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return (REPLACEMENT, 1),
    };
    match bytes.get(..width).map(std::str::from_utf8) {
        Some(Ok(text)) => (text.chars().next().map_or(REPLACEMENT, u32::from), width),
        _ => (REPLACEMENT, 1),
    }
}

/// Go's `filepath.Base` on Unix: the last element, trailing slashes ignored;
/// `.` for the empty path and `/` for a path of slashes.
pub(crate) fn go_base(path: &str) -> &str {
    if path.is_empty() {
        return ".";
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

/// Go's `path/filepath.Match` on Unix: whether `name` matches the shell
/// pattern as a whole.
///
/// `*` matches any run of non-`/` bytes, `?` one non-`/` character,
/// `[...]`/`[^...]` a character class of single characters and `lo-hi`
/// ranges, and `\` escapes the next character (also inside classes).
///
/// # Errors
/// [`BadPattern`] for a malformed pattern. Like Go, the whole pattern is
/// validated even when the match fails early.
pub fn glob_match(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    glob_match_bytes(pattern.as_bytes(), name.as_bytes())
}

fn glob_match_bytes(mut pattern: &[u8], mut name: &[u8]) -> Result<bool, BadPattern> {
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            // A trailing * matches the rest of the name unless it holds a /.
            return Ok(!name.contains(&b'/'));
        }
        // Look for a match at the current position.
        match match_chunk(chunk, name)? {
            Some(tail) if tail.is_empty() || !pattern.is_empty() => {
                name = tail;
                continue;
            }
            _ => {}
        }
        if star {
            // Look for a match skipping i+1 bytes; * cannot skip a /.
            let mut i = 0;
            while i < name.len() && name[i] != b'/' {
                if let Some(tail) = match_chunk(chunk, &name[i + 1..])? {
                    // The last chunk must consume the rest of the name.
                    if !pattern.is_empty() || tail.is_empty() {
                        name = tail;
                        continue 'pattern;
                    }
                }
                i += 1;
            }
        }
        // Before failing, check the rest of the pattern is well formed.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, b"")?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// Splits off the leading stars and the chunk up to the next unbracketed `*`.
fn scan_chunk(pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut pattern = pattern;
    let mut star = false;
    while pattern.first() == Some(&b'*') {
        pattern = &pattern[1..];
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            // Skip the escaped byte; a trailing \ is reported by match_chunk.
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &pattern[..i], &pattern[i..])
}

/// Matches a star-free chunk at the start of `s`, returning what is left of
/// `s`. After a mismatch the rest of the chunk is still parsed, so malformed
/// patterns are reported consistently.
fn match_chunk<'a>(mut chunk: &[u8], mut s: &'a [u8]) -> Result<Option<&'a [u8]>, BadPattern> {
    let mut failed = false;
    while !chunk.is_empty() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match chunk[0] {
            b'[' => {
                let mut rune = 0;
                if !failed {
                    let (r, width) = decode_rune(s);
                    rune = r;
                    s = &s[width..];
                }
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&b'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if chunk.first() == Some(&b']') && ranges > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = class_char(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk[0] == b'-' {
                        let (h, rest) = class_char(&chunk[1..])?;
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= rune && rune <= hi {
                        matched = true;
                    }
                    ranges += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            b'?' => {
                if !failed {
                    if s[0] == b'/' {
                        failed = true;
                    }
                    let (_, width) = decode_rune(s);
                    s = &s[width..];
                }
                chunk = &chunk[1..];
            }
            first => {
                if first == b'\\' {
                    chunk = &chunk[1..];
                    if chunk.is_empty() {
                        return Err(BadPattern);
                    }
                }
                if !failed {
                    if chunk[0] != s[0] {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    Ok(if failed { None } else { Some(s) })
}

/// One character of a class (`getEsc`): possibly escaped, never a bare `-`
/// or `]`, and never the end of the pattern.
fn class_char(chunk: &[u8]) -> Result<(u32, &[u8]), BadPattern> {
    let mut chunk = chunk;
    match chunk.first() {
        None | Some(b'-' | b']') => return Err(BadPattern),
        Some(b'\\') => {
            chunk = &chunk[1..];
            if chunk.is_empty() {
                return Err(BadPattern);
            }
        }
        Some(_) => {}
    }
    let (rune, width) = decode_rune(chunk);
    if width == 1 && rune == 0xFFFD {
        return Err(BadPattern);
    }
    let rest = &chunk[width..];
    if rest.is_empty() {
        return Err(BadPattern);
    }
    Ok((rune, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_filepath_match() {
        // Go's own table (path/filepath/match_test.go): (pattern, name, Ok(bool) | Err).
        let cases: &[(&str, &str, Result<bool, BadPattern>)] = &[
            ("abc", "abc", Ok(true)),
            ("*", "abc", Ok(true)),
            ("*c", "abc", Ok(true)),
            ("a*", "a", Ok(true)),
            ("a*", "abc", Ok(true)),
            ("a*", "ab/c", Ok(false)),
            ("a*/b", "abc/b", Ok(true)),
            ("a*/b", "a/c/b", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", Ok(false)),
            ("a*b?c*x", "abxbbxdbxebxczzx", Ok(true)),
            ("a*b?c*x", "abxbbxdbxebxczzy", Ok(false)),
            ("ab[c]", "abc", Ok(true)),
            ("ab[b-d]", "abc", Ok(true)),
            ("ab[e-g]", "abc", Ok(false)),
            ("ab[^c]", "abc", Ok(false)),
            ("ab[^b-d]", "abc", Ok(false)),
            ("ab[^e-g]", "abc", Ok(true)),
            ("a\\*b", "a*b", Ok(true)),
            ("a\\*b", "ab", Ok(false)),
            ("a?b", "a☺b", Ok(true)),
            ("a[^a]b", "a☺b", Ok(true)),
            ("a???b", "a☺b", Ok(false)),
            ("a[^a][^a][^a]b", "a☺b", Ok(false)),
            ("[a-ζ]*", "α", Ok(true)),
            ("*[a-ζ]", "A", Ok(false)),
            ("a?b", "a/b", Ok(false)),
            ("a*b", "a/b", Ok(false)),
            ("[\\]a]", "]", Ok(true)),
            ("[\\-]", "-", Ok(true)),
            ("[x\\-]", "x", Ok(true)),
            ("[x\\-]", "-", Ok(true)),
            ("[x\\-]", "z", Ok(false)),
            ("[\\-x]", "x", Ok(true)),
            ("[\\-x]", "-", Ok(true)),
            ("[\\-x]", "a", Ok(false)),
            ("[]a]", "]", Err(BadPattern)),
            ("[-]", "-", Err(BadPattern)),
            ("[x-]", "x", Err(BadPattern)),
            ("[x-]", "-", Err(BadPattern)),
            ("[x-]", "z", Err(BadPattern)),
            ("[-x]", "x", Err(BadPattern)),
            ("[-x]", "-", Err(BadPattern)),
            ("[-x]", "a", Err(BadPattern)),
            ("\\", "a", Err(BadPattern)),
            ("[a-b-c]", "a", Err(BadPattern)),
            ("[", "a", Err(BadPattern)),
            ("[^", "a", Err(BadPattern)),
            ("[^bc", "a", Err(BadPattern)),
            ("a[", "a", Err(BadPattern)),
            ("a[", "ab", Err(BadPattern)),
            ("a[", "x", Err(BadPattern)),
            ("a/b[", "x", Err(BadPattern)),
            ("*x", "xxx", Ok(true)),
        ];
        for (pattern, name, want) in cases {
            assert_eq!(
                glob_match(pattern, name),
                *want,
                "Match({pattern:?}, {name:?})"
            );
        }
    }

    fn rules(text: &str) -> Rules {
        Rules::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    #[test]
    fn helm_ignore_rules() {
        // (rules, path, is_dir, ignored, rule). The first block is Helm's TestIgnore.
        let cases: &[(&str, &str, bool, bool, &str)] = &[
            ("helm.txt", "helm.txt", false, true, "literal"),
            ("helm.*", "helm.txt", false, true, "glob"),
            ("helm.*", "rudder.txt", false, false, "glob"),
            ("*.txt", "tiller.txt", false, true, "glob"),
            (
                "*.txt",
                "cargo/a.txt",
                false,
                true,
                "no slash: base name only",
            ),
            (
                "cargo/*.txt",
                "cargo/a.txt",
                false,
                true,
                "slash: whole path",
            ),
            ("cargo/*.*", "cargo/a.txt", false, true, "slash: whole path"),
            (
                "cargo/*.txt",
                "mast/a.txt",
                false,
                false,
                "slash: whole path",
            ),
            ("ru[c-e]?er.txt", "rudder.txt", false, true, "class and ?"),
            (
                "templates/.?*",
                "templates/.dotfile",
                false,
                true,
                "the default rule",
            ),
            (".*", ".", true, false, "`.` is never ignored"),
            (".*", "./", true, false, "`./` is never ignored"),
            (".*", ".joonix", false, true, "dot files"),
            (".*", "helm.txt", false, false, "dot files"),
            (".*", "", false, false, "the empty path is never ignored"),
            ("cargo/", "cargo", true, true, "trailing /: directories"),
            ("cargo/", "cargo/", true, true, "trailing /: directories"),
            ("cargo/", "mast/", true, false, "trailing /: directories"),
            (
                "helm.txt/",
                "helm.txt",
                false,
                false,
                "trailing /: not files",
            ),
            (
                "!helm.txt",
                "helm.txt",
                false,
                false,
                "negation: a match is kept",
            ),
            (
                "!helm.txt",
                "tiller.txt",
                false,
                true,
                "negation: a non-match is ignored",
            ),
            (
                "!*.txt",
                "cargo",
                true,
                true,
                "negation ignores non-matching directories",
            ),
            ("!cargo/", "mast/", true, true, "negation"),
            ("/a.txt", "a.txt", false, true, "leading /: root only"),
            (
                "/a.txt",
                "cargo/a.txt",
                false,
                false,
                "leading /: root only",
            ),
            (
                "/cargo/a.txt",
                "cargo/a.txt",
                false,
                true,
                "leading /: root only",
            ),
            // Beyond Helm's table.
            (
                "*.txt\n!a.txt",
                "a.txt",
                false,
                true,
                "first decision wins: no git-style re-include",
            ),
            (
                "*.txt\n!a.txt",
                "b.md",
                false,
                true,
                "a later ! rule ignores everything it misses",
            ),
            (
                "!docs/",
                "docs/a.md",
                false,
                true,
                "negated dir rule ignores every file",
            ),
            (
                "!docs/",
                "docs",
                true,
                false,
                "negated dir rule keeps the matching dir",
            ),
            ("/docs", "docs", true, true, "anchored without a slash"),
            ("/docs", "sub/docs", true, false, "anchored"),
            (
                "docs/*",
                "docs",
                true,
                false,
                "docs/* does not match docs itself",
            ),
            ("\\*.txt", "*.txt", false, true, "escaped star is literal"),
            ("\\*.txt", "a.txt", false, false, "escaped star is literal"),
            (
                "  *.md  ",
                "README.md",
                false,
                true,
                "surrounding space is trimmed",
            ),
            (
                "*.md # note",
                "README.md",
                false,
                false,
                "no inline comments",
            ),
            ("# *.md", "README.md", false, false, "comment line"),
            ("*.md\r", "README.md", false, true, "CRLF line ending"),
            ("templates/", "templates", true, true, "directory rule"),
            (
                "templates/.?*",
                "templates/sub/.x",
                false,
                false,
                "* does not cross /",
            ),
            ("a//", "a", true, false, "only one trailing / is removed"),
            (
                "\\/",
                "\\",
                true,
                false,
                "`\\` left after the / is bad: no match",
            ),
            ("!\\/", "x", true, true, "a bad negated pattern ignores all"),
            ("a*b", "ab", false, true, "prefix and suffix may meet"),
            (
                "ab*ba",
                "aba",
                false,
                false,
                "prefix and suffix cannot overlap",
            ),
            (
                "a?[b]c\\d",
                "axbcd",
                false,
                true,
                "literal ends around metas",
            ),
            (
                "a?[b]c\\d",
                "axbce",
                false,
                false,
                "literal ends around metas",
            ),
            ("[a]]", "a]", false, true, "`]` outside a class is literal"),
            (
                "*",
                "charts/x/Chart.yaml",
                false,
                true,
                "base name match at any depth",
            ),
        ];
        for (text, path, is_dir, want, rule) in cases {
            assert_eq!(
                rules(text).ignore(path, *is_dir),
                *want,
                "{text:?} on {path:?}: {rule}"
            );
        }
    }

    #[test]
    fn parse_errors_and_comments() {
        let r = rules("#ignore\n\n\t#ignore\nfoo\nbar/*\nbaz/bar/foo.txt\n\none/more\n");
        assert_eq!(r.len(), 4, "Helm's TestParse");
        let raws: Vec<&str> = r.raw_rules().collect();
        assert_eq!(raws, ["foo", "bar/*", "baz/bar/foo.txt", "one/more"]);

        assert_eq!(
            Rules::parse(b"ok\nfoo/**/bar\n").unwrap_err(),
            IgnoreError::DoubleStar {
                line: 2,
                rule: "foo/**/bar".into()
            }
        );
        assert_eq!(
            Rules::parse(b"[z-").unwrap_err(),
            IgnoreError::BadPattern {
                line: 1,
                rule: "[z-".into()
            }
        );
        assert!(matches!(
            Rules::parse(b"!["),
            Err(IgnoreError::BadPattern { .. })
        ));
        let long = vec![b'a'; MAX_LINE];
        assert_eq!(
            Rules::parse(&long).unwrap_err(),
            IgnoreError::LineTooLong { line: 1 }
        );
        assert!(
            Rules::parse(&long[1..]).is_ok(),
            "one byte shorter fits Go's buffer"
        );
        let message = IgnoreError::BadPattern {
            line: 3,
            rule: "a\nb".into(),
        }
        .to_string();
        assert!(message.starts_with("line 3: "), "{message}");

        let mut defaults = Rules::empty();
        defaults.add_defaults();
        assert_eq!(defaults.len(), 1, "Helm adds one default rule");
        assert!(defaults.ignore("templates/.helmignore", false));
        assert!(
            !defaults.ignore(".helmignore", false),
            ".helmignore itself is kept"
        );
    }

    #[test]
    fn go_helpers() {
        assert_eq!(go_base("a/b"), "b");
        assert_eq!(go_base("a/b/"), "b");
        assert_eq!(go_base(""), ".");
        assert_eq!(go_base("///"), "/");
        assert_eq!(trim_go_space(" \t\u{a0}x y\u{2003}\n".as_bytes()), b"x y");
        assert_eq!(
            trim_go_space(b"\xff "),
            b"\xff",
            "invalid UTF-8 is not space"
        );
        assert_eq!(decode_rune("é".as_bytes()), (0xE9, 2));
        assert_eq!(decode_rune(b"\xc3"), (0xFFFD, 1));
        assert_eq!(decode_rune(b""), (0xFFFD, 0));
        // A stray continuation byte in a pattern matches inside a character, as in Go.
        assert_eq!(glob_match_bytes(b"*\xa9", "é".as_bytes()), Ok(true));
    }
}
