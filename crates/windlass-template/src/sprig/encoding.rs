//! Sprig's encodings and checksums: `b64enc`, `b64dec`, `b32enc`, `b32dec`,
//! `sha1sum`, `sha256sum`, `sha512sum`, `adler32sum`.
//!
//! The decoders follow Go's `encoding/base64` and `encoding/base32` (standard
//! alphabets, padding required, `\r` and `\n` ignored) down to the byte offset
//! in their errors, because Sprig returns the error's text as the decoded
//! string: `b64dec "!"` renders `illegal base64 data at input byte 0`.

use base64::Engine as _;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use crate::funcs::{Function, Signature, Type};
use crate::value::Value;

const STRING: Signature = Signature::fixed(&[Type::String]);

pub(super) fn functions() -> Vec<Function> {
    let f = |name, call| Function {
        name,
        sig: STRING,
        call,
    };
    vec![
        f("b64enc", |args| Ok(Value::String(b64enc(text(args)?)))),
        f("b64dec", |args| {
            Ok(Value::String(decoded_or_error(base64_decode(text(args)?))))
        }),
        f("b32enc", |args| Ok(Value::String(b32enc(text(args)?)))),
        f("b32dec", |args| {
            Ok(Value::String(decoded_or_error(base32_decode(text(args)?))))
        }),
        f("sha1sum", |args| {
            Ok(Value::String(hex(&Sha1::digest(text(args)?))))
        }),
        f("sha256sum", |args| {
            Ok(Value::String(hex(&Sha256::digest(text(args)?))))
        }),
        f("sha512sum", |args| {
            Ok(Value::String(hex(&Sha512::digest(text(args)?))))
        }),
        f("adler32sum", |args| {
            Ok(Value::String(adler32(text(args)?.as_bytes()).to_string()))
        }),
    ]
}

/// The single string argument.
fn text(args: &[Value]) -> Result<&str, String> {
    args.first()
        .and_then(Value::as_str)
        .ok_or_else(|| "expected a string argument".to_string())
}

/// Sprig's decoders return the error text in place of the data. Decoded bytes
/// that are not UTF-8 (Go would keep them raw) become U+FFFD, as a template
/// string must be text here.
fn decoded_or_error(decoded: Result<Vec<u8>, String>) -> String {
    match decoded {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) => error,
    }
}

pub(crate) fn b64enc(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Lower-case hex, as Go's `hex.EncodeToString`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Go's `hash/adler32.Checksum`.
fn adler32(bytes: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the most that can be summed before `b` could overflow.
    for chunk in bytes.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_value(byte: u8) -> Option<u8> {
    BASE64_ALPHABET
        .iter()
        .position(|&c| c == byte)
        .and_then(|i| u8::try_from(i).ok())
}

fn base64_error(offset: usize) -> String {
    format!("illegal base64 data at input byte {offset}")
}

/// Go's `base64.StdEncoding.DecodeString`: four characters at a time, `=`
/// padding only at the end, newlines skipped anywhere, the error naming the
/// offending byte as Go's `decodeQuantum` does.
pub(crate) fn base64_decode(input: &str) -> Result<Vec<u8>, String> {
    let src = input.as_bytes();
    let is_newline = |b: u8| b == b'\n' || b == b'\r';
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    while si < src.len() {
        let mut quantum = [0u8; 4];
        let mut len = 4;
        let mut trailing_error = None;
        let mut j = 0;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                // Padding is required: a short final quantum is an error.
                return Err(base64_error(si - j));
            }
            let byte = src[si];
            si += 1;
            if let Some(value) = base64_value(byte) {
                quantum[j] = value;
                j += 1;
                continue;
            }
            if is_newline(byte) {
                continue;
            }
            if byte != b'=' || j < 2 {
                return Err(base64_error(si - 1));
            }
            if j == 2 {
                // A second `=` must follow the first.
                while si < src.len() && is_newline(src[si]) {
                    si += 1;
                }
                if si == src.len() {
                    return Err(base64_error(src.len()));
                }
                if src[si] != b'=' {
                    return Err(base64_error(si - 1));
                }
                si += 1;
            }
            while si < src.len() && is_newline(src[si]) {
                si += 1;
            }
            if si < src.len() {
                trailing_error = Some(si);
            }
            len = j;
            break;
        }
        let bits = (u32::from(quantum[0]) << 18)
            | (u32::from(quantum[1]) << 12)
            | (u32::from(quantum[2]) << 6)
            | u32::from(quantum[3]);
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..len]);
        if let Some(offset) = trailing_error {
            return Err(base64_error(offset));
        }
    }
    Ok(out)
}

const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn b32enc(text: &str) -> String {
    let mut out = String::with_capacity(text.len().div_ceil(5) * 8);
    for chunk in text.as_bytes().chunks(5) {
        let mut block = [0u8; 5];
        block[..chunk.len()].copy_from_slice(chunk);
        let bits = block.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        // Characters carrying at least one input bit; the rest is padding.
        let used = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < used {
                let index = (bits >> (35 - 5 * i)) & 0x1f;
                out.push(char::from(
                    BASE32_ALPHABET[usize::try_from(index).unwrap_or(0)],
                ));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base32_error(offset: usize) -> String {
    format!("illegal base32 data at input byte {offset}")
}

/// Go's `base32.StdEncoding.DecodeString`: newlines removed first, then
/// eight characters at a time with `=` padding only at the end (and only of
/// the lengths RFC 4648 allows), offsets counted in the newline-free input.
fn base32_decode(input: &str) -> Result<Vec<u8>, String> {
    let src: Vec<u8> = input
        .bytes()
        .filter(|&b| b != b'\n' && b != b'\r')
        .collect();
    let total = src.len();
    let mut out = Vec::with_capacity(total / 8 * 5);
    let mut rest: &[u8] = &src;
    let mut end = false;
    while !rest.is_empty() && !end {
        let mut quantum = [0u8; 8];
        let mut len = 8;
        let mut j = 0;
        while j < 8 {
            let Some((&byte, tail)) = rest.split_first() else {
                return Err(base32_error(total - j));
            };
            rest = tail;
            if byte == b'=' && j >= 2 && rest.len() < 8 {
                if rest.len() + j < 7 {
                    return Err(base32_error(total));
                }
                for k in 0..7 - j {
                    if rest.len() > k && rest[k] != b'=' {
                        return Err(base32_error(total - rest.len() + k - 1));
                    }
                }
                len = j;
                end = true;
                if matches!(len, 1 | 3 | 6) {
                    return Err(base32_error(total - rest.len() - 1));
                }
                break;
            }
            let Some(value) = BASE32_ALPHABET.iter().position(|&c| c == byte) else {
                return Err(base32_error(total - rest.len() - 1));
            };
            quantum[j] = u8::try_from(value).unwrap_or(0);
            j += 1;
        }
        let bits = quantum
            .iter()
            .fold(0u64, |acc, &v| (acc << 5) | u64::from(v));
        let bytes = bits.to_be_bytes();
        // Characters to whole bytes: 2→1, 4→2, 5→3, 7→4, 8→5.
        let produced = len * 5 / 8;
        out.extend_from_slice(&bytes[3..3 + produced]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected texts from Go (and recorded from Helm 4 in
    // tests/cases/sprig_extra.json).
    #[test]
    fn base64_round_trips_and_reports_go_offsets() {
        assert_eq!(b64enc("hello"), "aGVsbG8=");
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVs\nbG8=\n").unwrap(), b"hello");
        assert_eq!(base64_decode("").unwrap(), b"");
        // Go's StdEncoding is not strict: unused bits may be set.
        assert_eq!(base64_decode("aGVsbG==").unwrap(), b"hell");
        for (input, offset) in [
            ("!", 0),
            ("aGVsbG8", 4),
            ("aGVsbG8=x", 8),
            ("aGVsbA=", 7),
            ("aGVsbA=x", 6),
            ("QQ", 0),
            ("Q===", 1),
        ] {
            assert_eq!(base64_decode(input), Err(base64_error(offset)), "{input:?}");
        }
    }

    #[test]
    fn base32_round_trips_and_reports_go_offsets() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "MY======"),
            ("fo", "MZXQ===="),
            ("foo", "MZXW6==="),
            ("foob", "MZXW6YQ="),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI======"),
        ] {
            assert_eq!(b32enc(plain), encoded);
            assert_eq!(base32_decode(encoded).unwrap(), plain.as_bytes());
        }
        for (input, offset) in [("!", 0), ("MZXW6", 0), ("MY=====", 7), ("M=======", 1)] {
            assert_eq!(base32_decode(input), Err(base32_error(offset)), "{input:?}");
        }
    }

    #[test]
    fn checksums_match_go() {
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(b""), 1);
        assert_eq!(
            hex(&Sha256::digest("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
