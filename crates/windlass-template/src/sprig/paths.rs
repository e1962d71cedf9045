//! Sprig's path and URL functions: `base`, `dir`, `clean`, `ext`, `isAbs`
//! (Go's `path`) and their `os` twins (`path/filepath`, the same on Linux),
//! and `urlParse`/`urlJoin`, which go through Go's `net/url` parser and
//! printer (their escaping and errors included).

use std::collections::BTreeMap;

use super::conv::{NIL_DEREF, arg_map, arg_str};
use crate::funcs::{Call, Function, Signature, Type};
use crate::gofmt::quote;
use crate::value::{Map, Value};

pub(super) fn functions() -> Vec<Function> {
    let path = Signature::fixed(&[Type::String]);
    let mut table: Vec<(&'static str, Signature, Call)> = vec![
        ("urlParse", path, |a| url_parse(arg_str(a, 0))),
        ("urlJoin", Signature::fixed(&[Type::Map]), |a| {
            url_join(&arg_map(a, 0))
        }),
    ];
    for (names, call) in [
        (
            ["base", "osBase"],
            (|a| Ok(Value::str(base(arg_str(a, 0))))) as Call,
        ),
        (["dir", "osDir"], |a| Ok(Value::String(dir(arg_str(a, 0))))),
        (["clean", "osClean"], |a| {
            Ok(Value::String(clean(arg_str(a, 0))))
        }),
        (["ext", "osExt"], |a| Ok(Value::str(ext(arg_str(a, 0))))),
        (["isAbs", "osIsAbs"], |a| {
            Ok(Value::Bool(arg_str(a, 0).starts_with('/')))
        }),
    ] {
        for name in names {
            table.push((name, path, call));
        }
    }
    table
        .into_iter()
        .map(|(name, sig, call)| Function { name, sig, call })
        .collect()
}

// ---- Go's `path`.

/// `path.Base`: the last element, trailing slashes ignored; "." for "", "/"
/// for slashes only.
fn base(path: &str) -> &str {
    if path.is_empty() {
        return ".";
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// `path.Dir`: everything up to the last slash, cleaned.
fn dir(path: &str) -> String {
    let end = path.rfind('/').map_or(0, |i| i + 1);
    clean(&path[..end])
}

/// `path.Ext`: from the last dot of the last element, or "".
fn ext(path: &str) -> &str {
    for (i, b) in path.bytes().enumerate().rev() {
        match b {
            b'/' => break,
            b'.' => return &path[i..],
            _ => {}
        }
    }
    ""
}

/// `path.Clean`: the shortest equivalent path, by lexical processing only.
fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    // Leading `..` elements of a relative path cannot be removed.
    let mut fixed = 0;
    for element in path.split('/') {
        match element {
            "" | "." => {}
            ".." if out.len() > fixed => {
                out.pop();
            }
            ".." if !rooted => {
                out.push("..");
                fixed = out.len();
            }
            ".." => {}
            name => out.push(name),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

// ---- Go's `net/url`, as far as `urlParse` and `urlJoin` reach it.

/// A parsed URL (`net/url.URL`).
#[derive(Debug, Default)]
struct Url {
    scheme: String,
    opaque: String,
    /// The user name and the password, if one was given.
    user: Option<(String, Option<String>)>,
    host: String,
    path: String,
    raw_query: String,
    fragment: String,
    force_query: bool,
    omit_host: bool,
}

/// Which part of a URL a string is escaped for (`net/url`'s `encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Path,
    Host,
    Zone,
    UserPassword,
    Fragment,
}

/// `urlParse`: the URL's parts as a dict; a malformed URL panics.
fn url_parse(raw: &str) -> Result<Value, String> {
    let url = parse(raw).map_err(|e| format!("unable to parse url: {e}"))?;
    let userinfo = url.user.as_ref().map(user_string).unwrap_or_default();
    let fields = [
        ("scheme", url.scheme.clone()),
        ("host", url.host.clone()),
        ("hostname", hostname(&url.host).to_string()),
        ("path", url.path.clone()),
        ("query", url.raw_query.clone()),
        ("opaque", url.opaque.clone()),
        ("fragment", url.fragment.clone()),
        ("userinfo", userinfo),
    ];
    Ok(Value::map(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::String(v)))
            .collect::<BTreeMap<_, _>>(),
    ))
}

/// `urlJoin`: a URL from a dict of its parts (each a string, or absent).
fn url_join(parts: &Map) -> Result<Value, String> {
    let get = |key: &str| -> Result<String, String> {
        match parts.get(key) {
            None => Ok(String::new()),
            Some(Value::Nil) => Err(NIL_DEREF.into()),
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(format!(
                "unable to parse {key} key, must be of type string, but {} found",
                other.kind()
            )),
        }
    };
    let mut url = Url {
        scheme: get("scheme")?,
        host: get("host")?,
        path: get("path")?,
        raw_query: get("query")?,
        opaque: get("opaque")?,
        fragment: get("fragment")?,
        ..Url::default()
    };
    let userinfo = get("userinfo")?;
    if !userinfo.is_empty() {
        let probe = parse(&format!("proto://{userinfo}@host"))
            .map_err(|e| format!("unable to parse userinfo in dict: {e}"))?;
        url.user = probe.user;
    }
    Ok(Value::String(url_string(&url)))
}

/// `url.Parse`, with its error text (`parse "x": reason`).
fn parse(raw: &str) -> Result<Url, String> {
    let (rest, fragment) = raw.split_once('#').unwrap_or((raw, ""));
    let mut url = parse_reference(rest).map_err(|e| format!("parse {}: {e}", quote(rest)))?;
    if !fragment.is_empty() {
        url.fragment =
            unescape(fragment, Part::Fragment).map_err(|e| format!("parse {}: {e}", quote(raw)))?;
    }
    Ok(url)
}

/// `net/url`'s `parse` for a URL without its fragment.
fn parse_reference(raw: &str) -> Result<Url, String> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7F) {
        return Err("net/url: invalid control character in URL".into());
    }
    let mut url = Url::default();
    if raw == "*" {
        url.path = "*".into();
        return Ok(url);
    }
    let (scheme, mut rest) = split_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        url.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some((before, query)) = rest.split_once('?') {
        url.raw_query = query.to_string();
        rest = before;
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            // A rootless path is opaque (`mailto:joe@example.com`).
            url.opaque = rest.to_string();
            return Ok(url);
        }
        if rest
            .split('/')
            .next()
            .is_some_and(|segment| segment.contains(':'))
        {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let authority = &rest[2..];
        let (authority, path) = authority
            .find('/')
            .map_or((authority, ""), |i| authority.split_at(i));
        (url.user, url.host) = parse_authority(authority)?;
        rest = path;
    } else if !url.scheme.is_empty() && rest.starts_with('/') {
        url.omit_host = true;
    }
    url.path = unescape(rest, Part::Path)?;
    Ok(url)
}

/// `getScheme`: letters, then letters, digits, `+`, `-` or `.`, then `:`.
fn split_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, b) in raw.bytes().enumerate() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err("missing protocol scheme".into()),
            b':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

type UserInfo = Option<(String, Option<String>)>;

/// `parseAuthority`: `[user[:password]@]host[:port]`.
fn parse_authority(authority: &str) -> Result<(UserInfo, String), String> {
    let (userinfo, host) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let host = parse_host(host)?;
    let Some(userinfo) = userinfo else {
        return Ok((None, host));
    };
    let valid = userinfo
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(c));
    if !valid {
        return Err("net/url: invalid userinfo".into());
    }
    let user = match userinfo.split_once(':') {
        None => (unescape(userinfo, Part::UserPassword)?, None),
        Some((name, password)) => (
            unescape(name, Part::UserPassword)?,
            Some(unescape(password, Part::UserPassword)?),
        ),
    };
    Ok((Some(user), host))
}

/// `parseHost`: a name or `[IPv6]` with an optional numeric port.
fn parse_host(host: &str) -> Result<String, String> {
    let invalid_port = |port: &str| Err(format!("invalid port {} after host", quote(port)));
    if host.starts_with('[') {
        let Some(close) = host.rfind(']') else {
            return Err("missing ']' in host".into());
        };
        if !valid_optional_port(&host[close + 1..]) {
            return invalid_port(&host[close + 1..]);
        }
        if let Some(zone) = host[..close].find("%25") {
            return Ok(unescape(&host[..zone], Part::Host)?
                + &unescape(&host[zone..close], Part::Zone)?
                + &unescape(&host[close..], Part::Host)?);
        }
    } else if let Some(colon) = host.rfind(':')
        && !valid_optional_port(&host[colon..])
    {
        return invalid_port(&host[colon..]);
    }
    unescape(host, Part::Host)
}

fn valid_optional_port(port: &str) -> bool {
    port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
}

/// `URL.Hostname`: the host without its port and IPv6 brackets.
fn hostname(host: &str) -> &str {
    let mut name = host;
    if let Some(colon) = host.rfind(':')
        && valid_optional_port(&host[colon..])
    {
        name = &host[..colon];
    }
    name.strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name)
}

/// `net/url`'s `shouldEscape`.
fn should_escape(c: u8, part: Part) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(part, Part::Host | Part::Zone) && b"!$&'()*+,;=:[]<>\"".contains(&c) {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match part {
            Part::Path => c == b'?',
            Part::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
            Part::Fragment => false,
            Part::Host | Part::Zone => true,
        },
        b'!' | b'(' | b')' | b'*' if part == Part::Fragment => false,
        _ => true,
    }
}

/// `net/url`'s `unescape`: `%XX` sequences decoded, with the checks Go makes
/// for hosts.
fn unescape(s: &str, part: Part) -> Result<String, String> {
    let bytes = s.as_bytes();
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let escape = &s[i..(i + 3).min(s.len())];
            let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) else {
                return Err(format!("invalid URL escape {}", quote(escape)));
            };
            // Both hex digits are below 16, so the byte fits.
            let value = u8::try_from(hi * 16 + lo).unwrap_or(0);
            let bad = match part {
                Part::Host => hi < 8 && escape != "%25",
                Part::Zone => escape != "%25" && value != b' ' && should_escape(value, Part::Host),
                _ => false,
            };
            if bad {
                return Err(format!("invalid URL escape {}", quote(escape)));
            }
            out.push(value);
            i += 3;
            continue;
        }
        if matches!(part, Part::Host | Part::Zone) && b < 0x80 && should_escape(b, part) {
            let c = char::from(b).to_string();
            return Err(format!("invalid character {} in host name", quote(&c)));
        }
        out.push(b);
        i += 1;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `net/url`'s `escape`.
fn escape(s: &str, part: Part) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if should_escape(b, part) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

/// `Userinfo.String`.
fn user_string((name, password): &(String, Option<String>)) -> String {
    let mut out = escape(name, Part::UserPassword);
    if let Some(password) = password {
        out.push(':');
        out.push_str(&escape(password, Part::UserPassword));
    }
    out
}

/// `URL.String`.
fn url_string(url: &Url) -> String {
    let mut out = String::new();
    if !url.scheme.is_empty() {
        out.push_str(&url.scheme);
        out.push(':');
    }
    if url.opaque.is_empty() {
        let has_authority = !url.scheme.is_empty() || !url.host.is_empty() || url.user.is_some();
        if has_authority && !(url.omit_host && url.host.is_empty() && url.user.is_none()) {
            if !url.host.is_empty() || !url.path.is_empty() || url.user.is_some() {
                out.push_str("//");
            }
            if let Some(user) = &url.user {
                out.push_str(&user_string(user));
                out.push('@');
            }
            out.push_str(&escape(&url.host, Part::Host));
        }
        let path = if url.path == "*" {
            "*".to_string()
        } else {
            escape(&url.path, Part::Path)
        };
        if !path.is_empty() && !path.starts_with('/') && !url.host.is_empty() {
            out.push('/');
        }
        // A first segment with a colon would read as a scheme.
        if out.is_empty() && path.split('/').next().is_some_and(|s| s.contains(':')) {
            out.push_str("./");
        }
        out.push_str(&path);
    } else {
        out.push_str(&url.opaque);
    }
    if url.force_query || !url.raw_query.is_empty() {
        out.push('?');
        out.push_str(&url.raw_query);
    }
    if !url.fragment.is_empty() {
        out.push('#');
        out.push_str(&escape(&url.fragment, Part::Fragment));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sprig::testing::{call, out, s};

    fn d(pairs: &[(&str, &str)]) -> Value {
        Value::map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::str(*v)))
                .collect(),
        )
    }

    // Expectations from tests/cases/sprig_core.expected.json ("paths").
    #[test]
    fn paths_are_lexical() {
        for (f, input, want) in [
            ("base", "/a/b.txt", "b.txt"),
            ("base", "", "."),
            ("base", "/", "/"),
            ("base", "a/b/", "b"),
            ("dir", "/a/b/c", "/a/b"),
            ("dir", "a", "."),
            ("dir", "/", "/"),
            ("dir", "", "."),
            ("clean", "a//b/../c/.", "a/c"),
            ("clean", "", "."),
            ("clean", "/../x", "/x"),
            ("clean", "../../a/", "../../a"),
            ("clean", "a/../..", ".."),
            ("clean", "/a/b/../../..", "/"),
            ("ext", "a/b.tar.gz", ".gz"),
            ("ext", "a.b/c", ""),
            ("ext", "x.", "."),
            ("isAbs", "/a", "true"),
            ("osIsAbs", "a", "false"),
        ] {
            assert_eq!(out(f, &[s(input)]), want, "{f} {input:?}");
        }
    }

    #[test]
    fn url_parse_and_join() {
        assert_eq!(
            out(
                "urlParse",
                &[s(
                    "https://user:p%40ss@example.com:8443/a%20b/c?x=1&y=2#frag%21"
                )]
            ),
            "map[fragment:frag! host:example.com:8443 hostname:example.com opaque: path:/a b/c query:x=1&y=2 scheme:https userinfo:user:p%40ss]"
        );
        let ipv6 = call("urlParse", &[s("http://[::1]:80/p")]).unwrap();
        let Value::Map(ipv6) = ipv6 else {
            unreachable!()
        };
        assert_eq!(ipv6.get("hostname"), Some(s("::1")));
        assert_eq!(
            out("urlParse", &[s("http://a b.com/")]),
            r#"error: unable to parse url: parse "http://a b.com/": invalid character " " in host name"#
        );
        assert_eq!(
            out("urlParse", &[s("/a%zzb")]),
            r#"error: unable to parse url: parse "/a%zzb": invalid URL escape "%zz""#
        );
        assert_eq!(
            out("urlParse", &[s("1a:b")]),
            r#"error: unable to parse url: parse "1a:b": first path segment in URL cannot contain colon"#
        );
        let full = d(&[
            ("scheme", "https"),
            ("host", "ex.com:80"),
            ("path", "/a b/c?"),
            ("query", "x=1"),
            ("fragment", "f g!"),
            ("userinfo", "u:p@ss"),
        ]);
        assert_eq!(
            out("urlJoin", &[full]),
            "https://u:p%40ss@ex.com:80/a%20b/c%3F?x=1#f%20g!"
        );
        assert_eq!(out("urlJoin", &[d(&[("path", "a:b")])]), "./a:b");
        assert_eq!(
            out(
                "urlJoin",
                &[d(&[("scheme", "mailto"), ("opaque", "joe@x")])]
            ),
            "mailto:joe@x"
        );
        assert_eq!(out("urlJoin", &[d(&[])]), "");
        assert_eq!(
            out("urlJoin", &[d(&[("host", "h"), ("path", "p")])]),
            "//h/p"
        );
        let wrong = Value::map([("host".to_string(), Value::Int(1))].into());
        assert_eq!(
            out("urlJoin", &[wrong]),
            "error: unable to parse host key, must be of type string, but int found"
        );
        let nil = Value::map([("host".to_string(), Value::Nil)].into());
        assert_eq!(out("urlJoin", &[nil]), format!("error: {NIL_DEREF}"));
    }
}
