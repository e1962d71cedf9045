//! Sprig's random values: `randAlphaNum`, `randAlpha`, `randNumeric`,
//! `randAscii` (Masterminds/goutils' crypto-random strings), `randInt` and
//! `uuidv4`. Only their shape is fixed: length, alphabet, range, UUID layout.

use rand::Rng as _;
use rand::rngs::OsRng;

use crate::funcs::{Function, Signature, Type};
use crate::value::Value;

const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const NUMERIC: &[u8] = b"0123456789";
const ALPHA_NUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

pub(super) fn functions() -> Vec<Function> {
    const COUNT: Signature = Signature::fixed(&[Type::Int]);
    let string_of = |name, call| Function {
        name,
        sig: COUNT,
        call,
    };
    vec![
        string_of("randAlphaNum", |args| {
            random_string(count(args), ALPHA_NUMERIC)
        }),
        string_of("randAlpha", |args| random_string(count(args), ALPHA)),
        string_of("randNumeric", |args| random_string(count(args), NUMERIC)),
        string_of("randAscii", |args| {
            // goutils' CryptoRandomAscii: code points 32 (space) to 126.
            let printable: Vec<u8> = (b' '..=b'~').collect();
            random_string(count(args), &printable)
        }),
        Function {
            name: "randInt",
            sig: Signature::fixed(&[Type::Int, Type::Int]),
            call: |args| match args {
                [Value::Int(min), Value::Int(max)] => rand_int(*min, *max).map(Value::Int),
                _ => Err("randInt takes two ints".into()),
            },
        },
        Function {
            name: "uuidv4",
            sig: Signature::fixed(&[]),
            call: |_| Ok(Value::String(uuidv4())),
        },
    ]
}

/// The count argument; goutils refuses a negative count, and Sprig turns that
/// error into `""`, as it does for zero.
fn count(args: &[Value]) -> usize {
    match args.first() {
        Some(Value::Int(n)) => usize::try_from(*n).unwrap_or(0),
        _ => 0,
    }
}

/// `count` characters of `alphabet`. Go would try to allocate any count; past
/// 2^30 this fails as Go's `make` does for sizes it cannot allocate.
fn random_string(count: usize, alphabet: &[u8]) -> Result<Value, String> {
    if count > 1 << 30 {
        return Err("runtime error: makeslice: len out of range".into());
    }
    Ok(Value::String(
        (0..count)
            .map(|_| char::from(alphabet[OsRng.gen_range(0..alphabet.len())]))
            .collect(),
    ))
}

/// `rand.Intn(max-min) + min`, with Go's wrapping int arithmetic and the
/// panic Go's `Intn` raises for a non-positive bound.
fn rand_int(min: i64, max: i64) -> Result<i64, String> {
    let span = max.wrapping_sub(min);
    if span <= 0 {
        return Err("invalid argument to Intn".into());
    }
    Ok(rand::thread_rng().gen_range(0..span).wrapping_add(min))
}

/// A random (version 4, RFC 4122 variant) UUID in its hyphenated lower-case
/// form, as google/uuid's `New().String()`.
fn uuidv4() -> String {
    let mut bytes: [u8; 16] = OsRng.r#gen();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = super::encoding::hex(&bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sprig::testing::call;

    fn string(name: &str, n: i64) -> String {
        match call(name, &[Value::Int(n)]) {
            Ok(Value::String(s)) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn strings_have_the_asked_length_and_alphabet() {
        let s = string("randAlphaNum", 64);
        assert_eq!(s.len(), 64);
        assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(
            string("randAlpha", 40)
                .bytes()
                .all(|b| b.is_ascii_alphabetic())
        );
        assert!(
            string("randNumeric", 40)
                .bytes()
                .all(|b| b.is_ascii_digit())
        );
        let ascii = string("randAscii", 40);
        assert!(ascii.bytes().all(|b| (b' '..=b'~').contains(&b)));
        assert_eq!(string("randAlpha", 0), "");
        assert_eq!(string("randAlphaNum", -1), "");
    }

    #[test]
    fn rand_int_stays_in_range_and_panics_as_go() {
        for _ in 0..100 {
            let Ok(Value::Int(n)) = call("randInt", &[Value::Int(-5), Value::Int(-3)]) else {
                panic!("an int")
            };
            assert!((-5..-3).contains(&n));
        }
        assert_eq!(
            call("randInt", &[Value::Int(1), Value::Int(1)]),
            Err("invalid argument to Intn".into())
        );
    }

    #[test]
    fn uuids_are_version_4() {
        let id = uuidv4();
        assert_eq!(id.len(), 36);
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"));
        assert_ne!(uuidv4(), id);
    }
}
