//! Go's `fmt` as templates reach it (`print`, `println`, `printf`): verbs,
//! flags, width and precision, and Go's in-band errors (`%!d(string=abc)`,
//! `%!s(MISSING)`, `%!(EXTRA string=b)`), since charts print whatever they
//! produce. Not supported: argument indexes (`%[1]d`) and `*` widths, which
//! the chart corpus never uses; such a format prints a bad-verb error where
//! Go would print the value.

use crate::value::{Value, format_float};

/// `fmt.Sprint`: operands joined, with a space between two operands when
/// neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 && !matches!(arg, Value::String(_)) && !matches!(args[i - 1], Value::String(_)) {
            out.push(' ');
        }
        out.push_str(&arg.to_string());
    }
    out
}

/// `fmt.Sprintln`: operands joined by spaces, then a newline.
pub fn sprintln(args: &[Value]) -> String {
    let parts: Vec<String> = args.iter().map(ToString::to_string).collect();
    format!("{}\n", parts.join(" "))
}

/// Flags, width and precision of one verb.
#[derive(Debug, Default, Clone, Copy)]
struct Spec {
    plus: bool,
    minus: bool,
    sharp: bool,
    zero: bool,
    space: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

/// `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut next = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&flag) = chars.peek() {
            match flag {
                '+' => spec.plus = true,
                '-' => spec.minus = true,
                '#' => spec.sharp = true,
                '0' => spec.zero = true,
                ' ' => spec.space = true,
                _ => break,
            }
            chars.next();
        }
        spec.width = number(&mut chars);
        if chars.peek() == Some(&'.') {
            chars.next();
            spec.precision = Some(number(&mut chars).unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        match args.get(next) {
            None => out.push_str(&format!("%!{verb}(MISSING)")),
            Some(arg) => out.push_str(&format_arg(arg, verb, spec)),
        }
        next += 1;
    }
    if next < args.len() {
        let extra: Vec<String> = args[next..]
            .iter()
            .map(|a| match a {
                Value::Nil => "<nil>".to_string(),
                a => format!("{}={a}", a.type_name()),
            })
            .collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
}

fn number(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<usize> {
    let mut value: Option<usize> = None;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        value = Some(
            value
                .unwrap_or(0)
                .saturating_mul(10)
                .saturating_add(d as usize),
        );
        chars.next();
    }
    value
}

fn bad_verb(arg: &Value, verb: char) -> String {
    match arg {
        Value::Nil => format!("%!{verb}(<nil>)"),
        arg => format!("%!{verb}({}={arg})", arg.type_name()),
    }
}

fn format_arg(arg: &Value, verb: char, spec: Spec) -> String {
    match arg {
        Value::Nil => match verb {
            'v' => pad("<nil>", spec, false),
            _ => bad_verb(arg, verb),
        },
        Value::Bool(b) => match verb {
            'v' | 't' => pad(&b.to_string(), spec, false),
            _ => bad_verb(arg, verb),
        },
        Value::Int(n) | Value::Int64(n) => {
            format_int(*n, verb, spec).unwrap_or_else(|| bad_verb(arg, verb))
        }
        Value::Float(x) => format_float_verb(*x, verb, spec).unwrap_or_else(|| bad_verb(arg, verb)),
        Value::String(s) => match verb {
            'v' | 's' => {
                let text = match spec.precision {
                    Some(p) => s.chars().take(p).collect(),
                    None => s.clone(),
                };
                if verb == 'v' && spec.sharp {
                    pad(&quote(s), spec, false)
                } else {
                    pad(&text, spec, false)
                }
            }
            'q' => pad(&quote(s), spec, false),
            'x' | 'X' => {
                let hex: String = s.bytes().map(|b| format!("{b:02x}")).collect();
                let hex = if verb == 'X' { hex.to_uppercase() } else { hex };
                pad(&hex, spec, false)
            }
            _ => bad_verb(arg, verb),
        },
        Value::Bytes(bytes) => match verb {
            's' => pad(&String::from_utf8_lossy(bytes), spec, false),
            'q' => pad(&quote(&String::from_utf8_lossy(bytes)), spec, false),
            'x' | 'X' => {
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                let hex = if verb == 'X' { hex.to_uppercase() } else { hex };
                pad(&hex, spec, false)
            }
            _ => {
                let parts: Vec<String> = bytes
                    .iter()
                    .map(|b| format_arg(&Value::Int(i64::from(*b)), verb, Spec::default()))
                    .collect();
                format!("[{}]", parts.join(" "))
            }
        },
        // A Stringer (what Helm's objects and Sprig's structs are, as far as
        // charts print them).
        Value::Object(o) => match verb {
            'v' | 's' => pad(&o.go_string(), spec, false),
            'q' => pad(&quote(&o.go_string()), spec, false),
            _ => bad_verb(arg, verb),
        },
        // Go formats each element with the same verb.
        Value::List(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(|item| format_arg(item, verb, Spec::default()))
                .collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Map(map) => {
            let parts: Vec<String> = map
                .borrow()
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}:{}",
                        format_arg(&Value::String(k.clone()), verb, Spec::default()),
                        format_arg(v, verb, Spec::default())
                    )
                })
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// Pads to the width: spaces on the left (on the right with `-`), zeros after
/// the sign with `0` for numbers.
fn pad(text: &str, spec: Spec, numeric: bool) -> String {
    let len = text.chars().count();
    let Some(width) = spec.width.filter(|w| *w > len) else {
        return text.to_string();
    };
    let fill = width - len;
    if spec.minus {
        format!("{text}{}", " ".repeat(fill))
    } else if spec.zero && numeric {
        let (sign, digits) = match text.chars().next() {
            Some(c @ ('-' | '+' | ' ')) => (c.to_string(), &text[1..]),
            _ => (String::new(), text),
        };
        format!("{sign}{}{digits}", "0".repeat(fill))
    } else {
        format!("{}{text}", " ".repeat(fill))
    }
}

fn sign(negative: bool, spec: Spec) -> &'static str {
    if negative {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    }
}

fn format_int(n: i64, verb: char, spec: Spec) -> Option<String> {
    let magnitude = n.unsigned_abs();
    let digits = match verb {
        'v' | 'd' => magnitude.to_string(),
        'b' => format!("{magnitude:b}"),
        'o' | 'O' => format!("{magnitude:o}"),
        'x' => format!("{magnitude:x}"),
        'X' => format!("{magnitude:X}"),
        'c' => {
            return Some(pad(
                &u32::try_from(n)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('\u{fffd}')
                    .to_string(),
                spec,
                false,
            ));
        }
        'q' => {
            let c = u32::try_from(n)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}');
            return Some(pad(&quote_rune(c), spec, false));
        }
        'U' => return Some(pad(&format!("U+{magnitude:04X}"), spec, false)),
        _ => return None,
    };
    let prefix = match (verb, spec.sharp) {
        ('x', true) => "0x",
        ('X', true) => "0X",
        ('o', true) => "0",
        ('O', _) => "0o",
        _ => "",
    };
    let digits = match spec.precision {
        Some(p) if digits.len() < p => format!("{}{digits}", "0".repeat(p - digits.len())),
        _ => digits,
    };
    Some(pad(
        &format!("{}{prefix}{digits}", sign(n < 0, spec)),
        spec,
        spec.precision.is_none(),
    ))
}

fn format_float_verb(x: f64, verb: char, spec: Spec) -> Option<String> {
    let negative = x.is_sign_negative() && !x.is_nan();
    let magnitude = x.abs();
    let body = match verb {
        'v' | 'g' | 'G' => {
            let text = match spec.precision {
                None => format_float(magnitude),
                Some(p) => general(magnitude, p.max(1)),
            };
            if verb == 'G' {
                text.to_uppercase()
            } else {
                text
            }
        }
        'f' | 'F' => format!("{:.*}", spec.precision.unwrap_or(6), magnitude),
        'e' | 'E' => {
            let text = exponent(magnitude, spec.precision.unwrap_or(6));
            if verb == 'E' {
                text.to_uppercase()
            } else {
                text
            }
        }
        _ => return None,
    };
    // Zero padding only for finite numbers: `Inf` pads with spaces.
    Some(pad(
        &format!("{}{body}", sign(negative, spec)),
        spec,
        magnitude.is_finite(),
    ))
}

/// `%.Ne`: `d.ddddde±XX`.
fn exponent(x: f64, precision: usize) -> String {
    let text = format!("{x:.precision$e}");
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

/// `%.Pg`: `P` significant digits, trailing zeros dropped, exponent form when
/// the exponent is below -4 or at least the precision.
fn general(x: f64, precision: usize) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let text = format!("{:.*e}", precision - 1, x);
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let nd = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let dp = exp + 1;
    let mut eprec = i32::try_from(precision).unwrap_or(i32::MAX);
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    if exp < -4 || exp >= eprec {
        let mantissa = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits.to_string()
        };
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    // Within range: the shortest-form printer places the point the same way.
    let value: f64 = format!("{}e{}", digits, exp + 1 - nd).parse().unwrap_or(x);
    format_float(value)
}

/// Go's `strconv.Quote`: double quotes, Go escapes, non-printable characters
/// as `\x`/`\u` escapes.
pub fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        push_escaped(&mut out, c, '"');
    }
    out.push('"');
    out
}

fn quote_rune(c: char) -> String {
    let mut out = String::from("'");
    push_escaped(&mut out, c, '\'');
    out.push('\'');
    out
}

fn push_escaped(out: &mut String, c: char, quote: char) {
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        '\\' => out.push_str("\\\\"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        c if c.is_control() => {
            let code = u32::from(c);
            if code < 0x80 {
                out.push_str(&format!("\\x{code:02x}"));
            } else if code <= 0xFFFF {
                out.push_str(&format!("\\u{code:04x}"));
            } else {
                out.push_str(&format!("\\U{code:08x}"));
            }
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn s(text: &str) -> Value {
        Value::String(text.into())
    }

    /// Each case of tests/cases/printf.json with its operands as the template
    /// gives them (literals are int, values float64), checked against what
    /// Helm 4 printed (printf.expected.json).
    #[test]
    fn printf_prints_what_helm_printed() {
        let expected: serde_json::Value =
            serde_json::from_str(include_str!("../tests/cases/printf.expected.json")).unwrap();
        let f = Value::Float;
        let map = |pairs: &[(&str, Value)]| {
            Value::map(
                pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), v.clone()))
                    .collect::<BTreeMap<_, _>>(),
            )
        };
        let cases: Vec<(&str, String)> = vec![
            ("s-string", sprintf("%s", &[s("abc")])),
            ("s-int", sprintf("%s", &[Value::Int(3)])),
            ("s-float", sprintf("%s", &[f(1.5)])),
            ("s-nil", sprintf("%s", &[Value::Nil])),
            ("s-bool", sprintf("%s", &[Value::Bool(true)])),
            (
                "s-list",
                sprintf("%s", &[Value::list(vec![s("a"), f(1.0), s("b")])]),
            ),
            (
                "s-map",
                sprintf("%s", &[map(&[("a", s("x")), ("b", f(2.0))])]),
            ),
            ("d-int", sprintf("%d", &[Value::Int(42)])),
            ("d-float", sprintf("%d", &[f(3.0)])),
            ("d-string", sprintf("%d", &[s("abc")])),
            (
                "d-list",
                sprintf("%d", &[Value::list(vec![f(1.0), f(2.0)])]),
            ),
            (
                "v-all",
                sprintf(
                    "%v|%v|%v|%v|%v",
                    &[
                        Value::Int(1),
                        s("s"),
                        Value::Nil,
                        f(1_000_000.0),
                        map(&[("k", Value::list(vec![f(1.0), s("x")]))]),
                    ],
                ),
            ),
            (
                "q",
                sprintf("%q|%q|%q", &[s("a\"b"), Value::Int(3), f(2.5)]),
            ),
            ("t", sprintf("%t|%t", &[Value::Bool(true), Value::Int(3)])),
            (
                "x",
                sprintf(
                    "%x|%X|%x|%o|%b",
                    &[
                        Value::Int(255),
                        Value::Int(255),
                        s("hi"),
                        Value::Int(8),
                        Value::Int(5),
                    ],
                ),
            ),
            (
                "f-precision",
                sprintf("%.0f|%.2f|%f|%5.1f|%-6.1f|", &vec![f(1.23456); 5]),
            ),
            (
                "g-e",
                sprintf(
                    "%g|%e|%E|%g|%.3g",
                    &[
                        f(1_234_567.0),
                        f(1_234_567.0),
                        f(1_234_567.0),
                        f(0.00001),
                        f(1_234_567.0),
                    ],
                ),
            ),
            (
                "width-flags",
                sprintf(
                    "[%5d][%-5d][%05d][%+d][% d][%5s][%-5s]",
                    &[
                        Value::Int(42),
                        Value::Int(42),
                        Value::Int(42),
                        Value::Int(42),
                        Value::Int(42),
                        s("ab"),
                        s("ab"),
                    ],
                ),
            ),
            (
                "missing-extra",
                format!(
                    "{}|{}",
                    sprintf("%s %s", &[s("a")]),
                    sprintf("%s", &[s("a"), s("b")])
                ),
            ),
            ("percent", sprintf("100%%", &[])),
            ("bad-verb", sprintf("%z", &[Value::Int(1)])),
            (
                "print-spacing",
                sprint(&[
                    Value::Int(1),
                    Value::Int(2),
                    s("a"),
                    Value::Int(3),
                    s("b"),
                    s("c"),
                    Value::Nil,
                    Value::Int(4),
                ]),
            ),
            ("println", sprintln(&[Value::Int(1), s("a"), Value::Int(2)])),
            ("c-U", sprintf("%c|%U", &[Value::Int(65), Value::Int(65)])),
            (
                "v-plus-sharp",
                sprintf("%+v|%#v", &[map(&[("a", f(1.0))]), s("s")]),
            ),
        ];
        let mut failures = Vec::new();
        for (name, got) in &cases {
            let want = expected[name]["output"].as_str().expect(name);
            if got != want {
                failures.push(format!("{name}: {got:?}, Helm: {want:?}"));
            }
        }
        assert_eq!(
            cases.len(),
            expected.as_object().unwrap().len(),
            "every recorded case is checked"
        );
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
