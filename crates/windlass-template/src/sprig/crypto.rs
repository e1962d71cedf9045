//! Sprig's crypto functions: keys and certificates (`genPrivateKey`,
//! `buildCustomCert`, `genCA`, `genCAWithKey`, `genSelfSignedCert`,
//! `genSelfSignedCertWithKey`, `genSignedCert`, `genSignedCertWithKey`),
//! password hashes (`bcrypt`, `htpasswd`, `derivePassword`), `encryptAES`,
//! `decryptAES` and `randBytes`.
//!
//! Certificates are built as Go's `x509.CreateCertificate` builds Sprig's
//! template: a random 128-bit serial, the common name as the only subject
//! attribute, validity from now for `days` × 24h (wrapping as Go's int64
//! durations do), key usage digital signature + key encipherment (+ cert sign
//! for a CA, which also gets basic constraints CA:TRUE and a subject key id),
//! extended key usage server + client auth, the CA's key id as authority key
//! id, DNS names then IPs as subject alternative names. New keys are 2048-bit
//! RSA; certificates are signed with SHA-256 (RSA, P-256), SHA-384 (P-384) or
//! Ed25519. Keys print in Go's PEM forms (`RSA PRIVATE KEY`, `EC PRIVATE KEY`,
//! PKCS#8 `PRIVATE KEY` for Ed25519, `DSA PRIVATE KEY`).

use std::any::Any;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use aes::Aes256;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit, generic_array::GenericArray};
use hmac::{Hmac, Mac};
use p256::ecdsa::signature::Signer as _;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use rand::RngCore as _;
use rand::rngs::OsRng;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest, Sha256};

use super::encoding::base64_decode;
use super::primes::rsa_key;
use crate::funcs::{Function, Signature, Type};
use crate::gofmt::quote;
use crate::value::{Map, Object, Value};

/// Go's type name for Sprig's `certificate` struct.
const CERTIFICATE_TYPE: &str = "sprig.certificate";

pub(super) fn functions() -> Vec<Function> {
    const CA: Type = Type::Object(CERTIFICATE_TYPE);
    let f = |name, params: &'static [Type], call| Function {
        name,
        sig: Signature::fixed(params),
        call,
    };
    vec![
        f("bcrypt", &[Type::String], |args| {
            Ok(Value::String(bcrypt(str_arg(args, 0))))
        }),
        f("htpasswd", &[Type::String, Type::String], |args| {
            let (user, password) = (str_arg(args, 0), str_arg(args, 1));
            Ok(Value::String(if user.contains(':') {
                format!("invalid username: {user}")
            } else {
                format!("{user}:{}", bcrypt(password))
            }))
        }),
        // Go's first parameter is a uint32, which Type cannot name.
        f(
            "derivePassword",
            &[
                Type::Int,
                Type::String,
                Type::String,
                Type::String,
                Type::String,
            ],
            |args| {
                let counter = match args.first() {
                    Some(Value::Int(n)) => u32::try_from(*n)
                        .map_err(|_| format!("expected unsigned integer; found {n}"))?,
                    _ => return Err("expected unsigned integer".into()),
                };
                Ok(Value::String(derive_password(
                    counter,
                    str_arg(args, 1),
                    str_arg(args, 2),
                    str_arg(args, 3),
                    str_arg(args, 4),
                )))
            },
        ),
        f("genPrivateKey", &[Type::String], |args| {
            Ok(Value::String(generate_private_key(str_arg(args, 0))))
        }),
        f("buildCustomCert", &[Type::String, Type::String], |args| {
            build_custom_cert(str_arg(args, 0), str_arg(args, 1))
        }),
        f("genCA", &[Type::String, Type::Int], |args| {
            let key = PrivateKey::new_rsa()?;
            ca(args, &key)
        }),
        f(
            "genCAWithKey",
            &[Type::String, Type::Int, Type::String],
            |args| {
                let key = parse_key_argument(str_arg(args, 2))?;
                ca(args, &key)
            },
        ),
        f(
            "genSelfSignedCert",
            &[Type::String, Type::List, Type::List, Type::Int],
            |args| {
                let key = PrivateKey::new_rsa()?;
                self_signed(args, &key)
            },
        ),
        f(
            "genSelfSignedCertWithKey",
            &[
                Type::String,
                Type::List,
                Type::List,
                Type::Int,
                Type::String,
            ],
            |args| {
                let key = parse_key_argument(str_arg(args, 4))?;
                self_signed(args, &key)
            },
        ),
        f(
            "genSignedCert",
            &[Type::String, Type::List, Type::List, Type::Int, CA],
            |args| {
                let key = PrivateKey::new_rsa()?;
                signed(args, &key)
            },
        ),
        f(
            "genSignedCertWithKey",
            &[
                Type::String,
                Type::List,
                Type::List,
                Type::Int,
                CA,
                Type::String,
            ],
            |args| {
                let key = parse_key_argument(str_arg(args, 5))?;
                signed(args, &key)
            },
        ),
        f("encryptAES", &[Type::String, Type::String], |args| {
            Ok(Value::String(encrypt_aes(
                str_arg(args, 0),
                str_arg(args, 1),
            )))
        }),
        f("decryptAES", &[Type::String, Type::String], |args| {
            decrypt_aes(str_arg(args, 0), str_arg(args, 1)).map(Value::String)
        }),
        f("randBytes", &[Type::Int], |args| {
            let count = match args.first() {
                Some(Value::Int(n)) => *n,
                _ => 0,
            };
            // Go's `make` refuses a negative length; a huge one is refused
            // here too rather than exhausting memory.
            let count = usize::try_from(count)
                .ok()
                .filter(|&n| n <= 1 << 30)
                .ok_or("runtime error: makeslice: len out of range")?;
            let mut bytes = vec![0u8; count];
            OsRng.fill_bytes(&mut bytes);
            Ok(Value::String(base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                &bytes,
            )))
        }),
    ]
}

fn str_arg(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or("")
}

fn int_arg(args: &[Value], i: usize) -> i64 {
    match args.get(i) {
        Some(Value::Int(n) | Value::Int64(n)) => *n,
        _ => 0,
    }
}

/// A `[]interface{}` argument; nil is an empty list.
fn list_arg(args: &[Value], i: usize) -> &[Value] {
    match args.get(i) {
        Some(Value::List(items)) => items,
        _ => &[],
    }
}

/// Sprig's `bcrypt`: cost 10, `$2a$` hashes, errors as text.
fn bcrypt(password: &str) -> String {
    // golang.org/x/crypto refuses what bcrypt would silently truncate.
    if password.len() > 72 {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
            .into();
    }
    match bcrypt::hash_with_result(password, 10) {
        Ok(parts) => parts.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

/// The character classes of Master Password's templates.
fn template_characters(class: u8) -> &'static [u8] {
    match class {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// The templates of each password type.
fn password_templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

/// Sprig's `derivePassword`: the Master Password algorithm (scrypt of the
/// password salted with the user, then HMAC-SHA256 of the site and counter
/// choosing a template and its characters).
fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    const SEED: &[u8] = b"com.lyndir.masterpassword";
    let Some(templates) = password_templates(kind) else {
        return format!("cannot find password template {kind}");
    };
    let length = |s: &str| go_uint32_len(s).to_be_bytes();
    let salt = [SEED, &length(user), user.as_bytes()].concat();
    let mut key = [0u8; 64];
    let params = scrypt::Params::new(15, 8, 2, 64);
    if let Err(e) = params.map_err(|e| e.to_string()).and_then(|p| {
        scrypt::scrypt(password.as_bytes(), &salt, &p, &mut key).map_err(|e| e.to_string())
    }) {
        return format!("failed to derive password: {e}");
    }
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&key) else {
        return "failed to derive password".into();
    };
    mac.update(&[SEED, &length(site), site.as_bytes(), &counter.to_be_bytes()].concat());
    let seed = mac.finalize().into_bytes();
    let template = templates[usize::from(seed[0]) % templates.len()];
    template
        .bytes()
        .zip(seed.iter().skip(1))
        .map(|(class, &n)| {
            let chars = template_characters(class);
            char::from(chars[usize::from(n) % chars.len()])
        })
        .collect()
}

/// Go's `uint32(len(s))`, which wraps.
#[expect(clippy::cast_possible_truncation, reason = "Go's conversion wraps")]
fn go_uint32_len(s: &str) -> u32 {
    s.len() as u32
}

/// Sprig's `encryptAES`: AES-256-CBC under the password (zero-padded or cut to
/// 32 bytes), PKCS#7 padding, a random IV in front, base64.
fn encrypt_aes(password: &str, plaintext: &str) -> String {
    if plaintext.is_empty() {
        return String::new();
    }
    let cipher = aes_cipher(password);
    let mut content = plaintext.as_bytes().to_vec();
    let padding = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(
        u8::try_from(padding).unwrap_or(16),
        padding,
    ));
    let mut out = vec![0u8; 16];
    OsRng.fill_bytes(&mut out);
    let mut previous = AesBlock::clone_from_slice(&out);
    for chunk in content.chunks(16) {
        let mut block = AesBlock::clone_from_slice(chunk);
        block
            .iter_mut()
            .zip(previous.iter())
            .for_each(|(b, p)| *b ^= p);
        cipher.encrypt_block(&mut block);
        out.extend_from_slice(&block);
        previous = block;
    }
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &out)
}

/// Sprig's `decryptAES`, failing where Go's would panic, with Go's texts.
fn decrypt_aes(password: &str, encrypted: &str) -> Result<String, String> {
    if encrypted.is_empty() {
        return Ok(String::new());
    }
    let data = base64_decode(encrypted)?;
    if data.len() < 16 {
        // The capacity of the buffer Go decoded into.
        return Err(format!(
            "runtime error: slice bounds out of range [:16] with capacity {}",
            encrypted.len() / 4 * 3
        ));
    }
    let (iv, blocks) = data.split_at(16);
    if blocks.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    let cipher = aes_cipher(password);
    let mut previous = AesBlock::clone_from_slice(iv);
    let mut plain = Vec::with_capacity(blocks.len());
    for chunk in blocks.chunks(16) {
        let mut block = AesBlock::clone_from_slice(chunk);
        cipher.decrypt_block(&mut block);
        block
            .iter_mut()
            .zip(previous.iter())
            .for_each(|(b, p)| *b ^= p);
        plain.extend_from_slice(&block);
        previous = AesBlock::clone_from_slice(chunk);
    }
    let Some(&padding) = plain.last() else {
        return Err("runtime error: index out of range [-1]".into());
    };
    let end = plain
        .len()
        .checked_sub(usize::from(padding))
        .ok_or_else(|| {
            format!(
                "runtime error: slice bounds out of range [:{}]",
                plain.len() as i64 - i64::from(padding)
            )
        })?;
    Ok(String::from_utf8_lossy(&plain[..end]).into_owned())
}

/// One AES block.
type AesBlock = GenericArray<u8, aes::cipher::consts::U16>;

fn aes_cipher(password: &str) -> Aes256 {
    let mut key = [0u8; 32];
    let bytes = password.as_bytes();
    let n = bytes.len().min(32);
    key[..n].copy_from_slice(&bytes[..n]);
    Aes256::new(&GenericArray::from(key))
}

/// Sprig's `genPrivateKey`: a PEM key of the type, or an error text.
fn generate_private_key(kind: &str) -> String {
    let key = match kind {
        "" | "rsa" => rsa_key(4096).map(|k| PrivateKey::Rsa(Box::new(k))),
        "dsa" => return generate_dsa_key(),
        "ecdsa" => Ok(PrivateKey::P256(p256::SecretKey::random(&mut OsRng))),
        "ed25519" => Ok(PrivateKey::Ed25519(Box::new(
            ed25519_dalek::SigningKey::generate(&mut OsRng),
        ))),
        _ => return format!("Unknown type {kind}"),
    };
    match key.map_err(|e| e.to_string()).and_then(|k| k.pem()) {
        Ok(pem) => pem,
        Err(e) => format!("failed to generate private key: {e}"),
    }
}

/// A DSA key (L=2048, N=256) as Sprig writes it: `DSA PRIVATE KEY` holding
/// SEQUENCE { version 0, P, Q, G, Y, X }.
fn generate_dsa_key() -> String {
    let components = dsa::Components::generate(&mut OsRng, dsa::KeySize::DSA_2048_256);
    let key = dsa::SigningKey::generate(&mut OsRng, components);
    let public = key.verifying_key();
    let c = public.components();
    let der = der::sequence(&[
        der::integer(&[0]),
        der::integer(&c.p().to_bytes_be()),
        der::integer(&c.q().to_bytes_be()),
        der::integer(&c.g().to_bytes_be()),
        der::integer(&public.y().to_bytes_be()),
        der::integer(&key.x().to_bytes_be()),
    ]);
    pem_encode("DSA PRIVATE KEY", &der)
}

/// A private key certificates can be made for.
enum PrivateKey {
    Rsa(Box<RsaPrivateKey>),
    P256(p256::SecretKey),
    P384(p384::SecretKey),
    Ed25519(Box<ed25519_dalek::SigningKey>),
    /// Go reads DSA keys but cannot sign with them or put them in a
    /// certificate.
    Dsa,
}

impl PrivateKey {
    /// A new 2048-bit RSA key, as Sprig's certificate functions make.
    fn new_rsa() -> Result<PrivateKey, String> {
        rsa_key(2048)
            .map(|k| PrivateKey::Rsa(Box::new(k)))
            .map_err(|e| format!("error generating rsa key: {e}"))
    }

    /// Sprig's `pemBlockForKey`.
    fn pem(&self) -> Result<String, String> {
        let fail = |e: &dyn std::fmt::Display| format!("error pem-encoding key: {e}");
        Ok(match self {
            PrivateKey::Rsa(key) => pem_encode(
                "RSA PRIVATE KEY",
                key.to_pkcs1_der().map_err(|e| fail(&e))?.as_bytes(),
            ),
            PrivateKey::P256(key) => pem_encode(
                "EC PRIVATE KEY",
                &sec1_der(
                    &key.to_bytes(),
                    oid::P256,
                    key.public_key().to_encoded_point(false).as_bytes(),
                ),
            ),
            PrivateKey::P384(key) => pem_encode(
                "EC PRIVATE KEY",
                &sec1_der(
                    &key.to_bytes(),
                    oid::P384,
                    key.public_key().to_encoded_point(false).as_bytes(),
                ),
            ),
            // Go's PKCS#8 for Ed25519: version 0, the algorithm, the seed.
            PrivateKey::Ed25519(key) => pem_encode(
                "PRIVATE KEY",
                &der::sequence(&[
                    der::integer(&[0]),
                    der::sequence(&[der::oid(oid::ED25519)]),
                    der::octet_string(&der::octet_string(&key.to_bytes())),
                ]),
            ),
            PrivateKey::Dsa => return Err(fail(&"DSA keys are read-only")),
        })
    }

    /// The public key as a certificate holds it: the algorithm identifier and
    /// the key's bytes (what Go's `marshalPublicKey` returns).
    fn public_key(&self) -> Result<(Vec<u8>, Vec<u8>), String> {
        let ec = |curve: &[u8], point: &[u8]| {
            (
                der::sequence(&[der::oid(oid::EC_PUBLIC_KEY), der::oid(curve)]),
                point.to_vec(),
            )
        };
        Ok(match self {
            PrivateKey::Rsa(key) => {
                let public = key
                    .to_public_key()
                    .to_pkcs1_der()
                    .map_err(|e| format!("x509: {e}"))?;
                (
                    der::sequence(&[der::oid(oid::RSA_ENCRYPTION), der::null()]),
                    public.as_bytes().to_vec(),
                )
            }
            PrivateKey::P256(key) => ec(
                oid::P256,
                key.public_key().to_encoded_point(false).as_bytes(),
            ),
            PrivateKey::P384(key) => ec(
                oid::P384,
                key.public_key().to_encoded_point(false).as_bytes(),
            ),
            PrivateKey::Ed25519(key) => (
                der::sequence(&[der::oid(oid::ED25519)]),
                key.verifying_key().to_bytes().to_vec(),
            ),
            PrivateKey::Dsa => {
                return Err("x509: unsupported public key type: *dsa.PublicKey".into());
            }
        })
    }

    /// The SubjectPublicKeyInfo.
    fn spki(&self) -> Result<Vec<u8>, String> {
        let (algorithm, key) = self.public_key()?;
        Ok(der::sequence(&[algorithm, der::bit_string(&key)]))
    }

    /// The signature algorithm Go picks for this key.
    fn signature_algorithm(&self) -> Result<Vec<u8>, String> {
        Ok(match self {
            PrivateKey::Rsa(_) => der::sequence(&[der::oid(oid::SHA256_WITH_RSA), der::null()]),
            PrivateKey::P256(_) => der::sequence(&[der::oid(oid::ECDSA_WITH_SHA256)]),
            PrivateKey::P384(_) => der::sequence(&[der::oid(oid::ECDSA_WITH_SHA384)]),
            PrivateKey::Ed25519(_) => der::sequence(&[der::oid(oid::ED25519)]),
            PrivateKey::Dsa => {
                return Err(
                    "x509: certificate private key does not implement crypto.Signer".into(),
                );
            }
        })
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        Ok(match self {
            PrivateKey::Rsa(key) => key
                .sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message))
                .map_err(|e| e.to_string())?,
            PrivateKey::P256(key) => {
                let signature: p256::ecdsa::Signature =
                    p256::ecdsa::SigningKey::from(key).sign(message);
                signature.to_der().as_bytes().to_vec()
            }
            PrivateKey::P384(key) => {
                let signature: p384::ecdsa::Signature =
                    p384::ecdsa::SigningKey::from(key).sign(message);
                signature.to_der().as_bytes().to_vec()
            }
            PrivateKey::Ed25519(key) => key.sign(message).to_bytes().to_vec(),
            PrivateKey::Dsa => {
                return Err(
                    "x509: certificate private key does not implement crypto.Signer".into(),
                );
            }
        })
    }
}

/// Go's `MarshalECPrivateKey`: SEQUENCE { version 1, the private scalar, [0]
/// the curve, [1] the uncompressed public point }.
fn sec1_der(private: &[u8], curve: &[u8], point: &[u8]) -> Vec<u8> {
    der::sequence(&[
        der::integer(&[1]),
        der::octet_string(private),
        der::explicit(0, &der::oid(curve)),
        der::explicit(1, &der::bit_string(point)),
    ])
}

/// A key from a `...WithKey` function's PEM argument.
fn parse_key_argument(pem: &str) -> Result<PrivateKey, String> {
    parse_private_key_pem(pem).map_err(|e| format!("parsing private key: {e}"))
}

/// Sprig's `parsePrivateKeyPEM`: the first PEM block, by its type.
fn parse_private_key_pem(text: &str) -> Result<PrivateKey, String> {
    let block = pem_decode(text.as_bytes()).ok_or("no PEM data in input")?;
    if block.kind == "PRIVATE KEY" {
        return parse_pkcs8(&block.bytes).map_err(|e| format!("decoding PEM as PKCS#8: {e}"));
    }
    let Some(kind) = block.kind.strip_suffix(" PRIVATE KEY") else {
        return Err(format!(
            "no private key data in PEM block of type {}",
            block.kind
        ));
    };
    match kind {
        "RSA" => {
            parse_pkcs1(&block.bytes).map_err(|e| format!("parsing RSA private key from PEM: {e}"))
        }
        "EC" => {
            parse_sec1(&block.bytes).map_err(|e| format!("parsing EC private key from PEM: {e}"))
        }
        "DSA" => {
            parse_dsa(&block.bytes).map_err(|e| format!("parsing DSA private key from PEM: {e}"))
        }
        _ => Err(format!("invalid private key type {}", block.kind)),
    }
}

fn parse_pkcs1(bytes: &[u8]) -> Result<PrivateKey, String> {
    if let Some(error) = der::not_a_sequence(bytes, "pkcs1PrivateKey") {
        return Err(error);
    }
    RsaPrivateKey::from_pkcs1_der(bytes)
        .map(|k| PrivateKey::Rsa(Box::new(k)))
        .map_err(|_| "x509: failed to parse private key".into())
}

fn parse_sec1(bytes: &[u8]) -> Result<PrivateKey, String> {
    if let Some(error) = der::not_a_sequence(bytes, "ecPrivateKey") {
        return Err(format!("x509: failed to parse EC private key: {error}"));
    }
    // SEQUENCE { version, privateKey, [0] curve OID, [1] public key }.
    let curve = der::elements(der::contents(bytes).unwrap_or_default())
        .into_iter()
        .find(|e| e.tag == 0xa0)
        .and_then(|e| der::elements(e.content).first().map(|o| o.content.to_vec()));
    ec_key(curve.as_deref(), bytes).map_err(|e| format!("x509: {e}"))
}

/// An EC private key (SEC 1) on a curve named by its OID.
fn ec_key(curve: Option<&[u8]>, sec1: &[u8]) -> Result<PrivateKey, String> {
    let malformed = |_| "failed to parse EC private key".to_string();
    match curve {
        Some(oid::P256) => p256::SecretKey::from_sec1_der(sec1)
            .map(PrivateKey::P256)
            .map_err(malformed),
        Some(oid::P384) => p384::SecretKey::from_sec1_der(sec1)
            .map(PrivateKey::P384)
            .map_err(malformed),
        _ => Err("unknown elliptic curve".into()),
    }
}

fn parse_pkcs8(bytes: &[u8]) -> Result<PrivateKey, String> {
    if let Some(error) = der::not_a_sequence(bytes, "pkcs8") {
        return Err(error);
    }
    let parts = der::elements(der::contents(bytes).unwrap_or_default());
    let (Some(algorithm), Some(key)) = (parts.get(1), parts.get(2)) else {
        return Err("asn1: syntax error: sequence truncated".into());
    };
    let algorithm = der::elements(algorithm.content);
    let algorithm_oid = algorithm.first().map(|e| e.content).unwrap_or_default();
    match algorithm_oid {
        oid::RSA_ENCRYPTION => RsaPrivateKey::from_pkcs1_der(key.content)
            .map(|k| PrivateKey::Rsa(Box::new(k)))
            .map_err(|e| format!("x509: failed to parse RSA private key embedded in PKCS#8: {e}")),
        oid::EC_PUBLIC_KEY => {
            let curve = algorithm.get(1).map(|e| e.content);
            ec_key(curve, key.content).map_err(|e| {
                format!("x509: failed to parse EC private key embedded in PKCS#8: x509: {e}")
            })
        }
        oid::ED25519 => {
            let seed = der::elements(key.content)
                .first()
                .map(|e| e.content.to_vec())
                .unwrap_or_default();
            let seed: [u8; 32] = seed
                .as_slice()
                .try_into()
                .map_err(|_| format!("x509: invalid Ed25519 private key length: {}", seed.len()))?;
            Ok(PrivateKey::Ed25519(Box::new(
                ed25519_dalek::SigningKey::from_bytes(&seed),
            )))
        }
        other => Err(format!(
            "x509: PKCS#8 wrapping contained private key with unknown algorithm: {}",
            der::oid_text(other)
        )),
    }
}

/// Go reads a DSA key as SEQUENCE { version, P, Q, G, Y, X }.
fn parse_dsa(bytes: &[u8]) -> Result<PrivateKey, String> {
    if let Some(error) = der::not_a_sequence(bytes, "DSAKeyFormat") {
        return Err(error);
    }
    let fields = der::elements(der::contents(bytes).unwrap_or_default());
    if fields.len() < 6 || fields.iter().take(6).any(|f| f.tag != 0x02) {
        return Err("asn1: syntax error: sequence truncated".into());
    }
    Ok(PrivateKey::Dsa)
}

/// A PEM block's type and bytes.
struct PemBlock {
    kind: String,
    bytes: Vec<u8>,
}

/// Go's `pem.Decode`: the first well-formed block (malformed candidates are
/// skipped), or `None`.
fn pem_decode(data: &[u8]) -> Option<PemBlock> {
    const BEGIN: &[u8] = b"\n-----BEGIN ";
    const END: &[u8] = b"\n-----END ";
    const DASHES: &[u8] = b"-----";
    let mut rest = data;
    loop {
        if rest.starts_with(&BEGIN[1..]) {
            rest = &rest[BEGIN.len() - 1..];
        } else {
            let at = find(rest, BEGIN)?;
            rest = &rest[at + BEGIN.len()..];
        }
        let (type_line, after_type) = get_line(rest);
        rest = after_type;
        let Some(kind) = type_line.strip_suffix(DASHES) else {
            continue;
        };
        // Headers (`Key: value` lines) come before the data.
        let mut has_headers = false;
        let mut body = rest;
        loop {
            if body.is_empty() {
                return None;
            }
            let (line, next) = get_line(body);
            if !line.contains(&b':') {
                break;
            }
            has_headers = true;
            body = next;
        }
        let (end_index, trailer_index) = if !has_headers && body.starts_with(&END[1..]) {
            (0, END.len() - 1)
        } else {
            match find(body, END) {
                Some(i) => (i, i + END.len()),
                None => continue,
            }
        };
        let trailer = &body[trailer_index..];
        let trailer_len = kind.len() + DASHES.len();
        if trailer.len() < trailer_len {
            continue;
        }
        let (end_trailer, rest_of_line) = trailer.split_at(trailer_len);
        if !end_trailer.starts_with(kind) || !end_trailer.ends_with(DASHES) {
            continue;
        }
        if !get_line(rest_of_line).0.is_empty() {
            continue;
        }
        let base64: Vec<u8> = body[..end_index]
            .iter()
            .copied()
            .filter(|&b| b != b' ' && b != b'\t')
            .collect();
        let Ok(bytes) = base64_decode(&String::from_utf8_lossy(&base64)) else {
            continue;
        };
        return Some(PemBlock {
            kind: String::from_utf8_lossy(kind).into_owned(),
            bytes,
        });
    }
}

/// Go's `pem` `getLine`: the line without trailing spaces, tabs and `\r`, and
/// what follows its newline.
fn get_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (line, rest) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[data.len()..]),
    };
    let end = line
        .iter()
        .rposition(|&b| !matches!(b, b' ' | b'\t' | b'\r'))
        .map_or(0, |i| i + 1);
    (&line[..end], rest)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Go's `pem.Encode`: base64 in lines of 64.
fn pem_encode(kind: &str, der: &[u8]) -> String {
    let body = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der);
    let mut out = format!("-----BEGIN {kind}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {kind}-----\n"));
    out
}

/// Sprig's `certificate{Cert, Key string}`.
#[derive(Debug)]
pub(crate) struct Certificate {
    cert: String,
    key: String,
}

impl Certificate {
    fn into_value(self) -> Value {
        Value::Object(Rc::new(self))
    }
}

impl Object for Certificate {
    fn type_name(&self) -> String {
        CERTIFICATE_TYPE.into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(Value::str(&self.cert)),
            "Key" => Some(Value::str(&self.key)),
            _ => None,
        }
    }

    /// `%v` of a struct: its fields in braces.
    fn go_string(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }

    fn to_data(&self) -> Value {
        let map = Map::from(BTreeMap::from([
            ("Cert".to_string(), Value::str(&self.cert)),
            ("Key".to_string(), Value::str(&self.key)),
        ]));
        Value::Map(map)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Sprig's `buildCustomCertificate`: a certificate from base64 PEM texts,
/// checked to parse.
fn build_custom_cert(cert_b64: &str, key_b64: &str) -> Result<Value, String> {
    let cert = base64_decode(cert_b64).map_err(|_| "unable to decode base64 certificate")?;
    let key = base64_decode(key_b64).map_err(|_| "unable to decode base64 private key")?;
    let block = pem_decode(&cert).ok_or("unable to decode certificate")?;
    parse_certificate(&block.bytes)
        .map_err(|e| format!("error parsing certificate: decodedCert.Bytes: {e}"))?;
    let key = String::from_utf8_lossy(&key).into_owned();
    parse_private_key_pem(&key).map_err(|e| format!("error parsing private key: {e}"))?;
    Ok(Certificate {
        cert: String::from_utf8_lossy(&cert).into_owned(),
        key,
    }
    .into_value())
}

/// What certificate creation needs of an issuer certificate.
struct Issuer {
    /// The DER of its subject name.
    subject: Vec<u8>,
    /// Its SubjectPublicKeyInfo, to check the signing key against.
    spki: Vec<u8>,
    /// Its subject key identifier, if it has one.
    key_id: Option<Vec<u8>>,
}

/// Reads a DER certificate as Go's `x509.ParseCertificate` would accept it.
fn parse_certificate(bytes: &[u8]) -> Result<Issuer, String> {
    use x509_cert::der::{Decode as _, Encode as _};
    let cert =
        x509_cert::Certificate::from_der(bytes).map_err(|_| "x509: malformed certificate")?;
    let tbs = &cert.tbs_certificate;
    let subject = tbs
        .subject
        .to_der()
        .map_err(|_| "x509: malformed certificate")?;
    let spki = tbs
        .subject_public_key_info
        .to_der()
        .map_err(|_| "x509: malformed certificate")?;
    let key_id = tbs.extensions.iter().flatten().find_map(|ext| {
        (ext.extn_id.as_bytes() == oid::SUBJECT_KEY_ID)
            .then(|| {
                der::elements(ext.extn_value.as_bytes())
                    .first()
                    .map(|e| e.content.to_vec())
            })
            .flatten()
    });
    Ok(Issuer {
        subject,
        spki,
        key_id,
    })
}

/// `genCA` and `genCAWithKey`: a self-signed CA.
fn ca(args: &[Value], key: &PrivateKey) -> Result<Value, String> {
    let request = Request {
        common_name: str_arg(args, 0),
        ips: &[],
        dns_names: &[],
        days: int_arg(args, 1),
        is_ca: true,
    };
    request.create(key, None).map(Certificate::into_value)
}

/// `genSelfSignedCert` and `genSelfSignedCertWithKey`.
fn self_signed(args: &[Value], key: &PrivateKey) -> Result<Value, String> {
    let request = Request {
        common_name: str_arg(args, 0),
        ips: list_arg(args, 1),
        dns_names: list_arg(args, 2),
        days: int_arg(args, 3),
        is_ca: false,
    };
    request.create(key, None).map(Certificate::into_value)
}

/// `genSignedCert` and `genSignedCertWithKey`: signed by the CA argument.
fn signed(args: &[Value], key: &PrivateKey) -> Result<Value, String> {
    let ca = match args.get(4) {
        Some(Value::Object(o)) => o.as_any().downcast_ref::<Certificate>(),
        _ => None,
    }
    .ok_or_else(|| format!("expected {CERTIFICATE_TYPE}"))?;
    let block = pem_decode(ca.cert.as_bytes()).ok_or("unable to decode certificate")?;
    let issuer = parse_certificate(&block.bytes)
        .map_err(|e| format!("error parsing certificate: decodedSignerCert.Bytes: {e}"))?;
    let ca_key =
        parse_private_key_pem(&ca.key).map_err(|e| format!("error parsing private key: {e}"))?;
    let request = Request {
        common_name: str_arg(args, 0),
        ips: list_arg(args, 1),
        dns_names: list_arg(args, 2),
        days: int_arg(args, 3),
        is_ca: false,
    };
    request
        .create(key, Some((&issuer, &ca_key)))
        .map(Certificate::into_value)
}

/// What Sprig's `getBaseCertTemplate` puts in a certificate.
struct Request<'a> {
    common_name: &'a str,
    ips: &'a [Value],
    dns_names: &'a [Value],
    days: i64,
    is_ca: bool,
}

impl Request<'_> {
    /// The certificate and key PEM texts for `key`, signed by `issuer` (or
    /// self-signed).
    fn create(
        &self,
        key: &PrivateKey,
        issuer: Option<(&Issuer, &PrivateKey)>,
    ) -> Result<Certificate, String> {
        let ips = self
            .ips
            .iter()
            .map(|ip| match ip {
                Value::String(text) => {
                    parse_ip(text).ok_or_else(|| format!("error parsing ip: {text}"))
                }
                other => Err(format!("error parsing ip: {other} is not a string")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let dns_names = self
            .dns_names
            .iter()
            .map(|name| match name {
                Value::String(text) => Ok(text.as_str()),
                other => Err(format!(
                    "error processing alternate dns name: {other} is not a string"
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let der = self
            .certificate_der(key, issuer, &ips, &dns_names)
            .map_err(|e| format!("error creating certificate: {e}"))?;
        Ok(Certificate {
            cert: pem_encode("CERTIFICATE", &der),
            key: key.pem()?,
        })
    }

    /// Go's `x509.CreateCertificate`, checks in its order.
    fn certificate_der(
        &self,
        key: &PrivateKey,
        issuer: Option<(&Issuer, &PrivateKey)>,
        ips: &[Vec<u8>],
        dns_names: &[&str],
    ) -> Result<Vec<u8>, String> {
        let signer = issuer.map_or(key, |(_, ca_key)| ca_key);
        let algorithm = signer.signature_algorithm()?;
        let (public_algorithm, public_key) = key.public_key()?;
        let subject = name(self.common_name);
        let issuer_name = issuer.map_or_else(|| subject.clone(), |(i, _)| i.subject.clone());
        // Only a certificate issued by another name points at its key.
        let authority_key_id = issuer
            .filter(|(i, _)| i.subject != subject)
            .and_then(|(i, _)| i.key_id.clone());
        // Go 1.25 makes a CA's key id from SHA-256 of the key, cut to 160 bits.
        let subject_key_id = self
            .is_ca
            .then(|| Sha256::digest(&public_key)[..20].to_vec());
        if let Some((i, ca_key)) = issuer
            && ca_key.spki()? != i.spki
        {
            return Err("x509: provided PrivateKey doesn't match parent's PublicKey".into());
        }
        let extensions = self.extensions(
            subject == der::sequence(&[]),
            authority_key_id.as_deref(),
            subject_key_id.as_deref(),
            ips,
            dns_names,
        )?;
        let (not_before, not_after) = validity(self.days);
        let mut serial = [0u8; 16];
        OsRng.fill_bytes(&mut serial);
        let tbs = der::sequence(&[
            der::explicit(0, &der::integer(&[2])),
            der::integer(&serial),
            algorithm.clone(),
            issuer_name,
            der::sequence(&[asn1_time(not_before)?, asn1_time(not_after)?]),
            subject,
            der::sequence(&[public_algorithm, der::bit_string(&public_key)]),
            der::explicit(3, &der::sequence(&extensions)),
        ]);
        let signature = signer.sign(&tbs)?;
        Ok(der::sequence(&[
            tbs,
            algorithm,
            der::bit_string(&signature),
        ]))
    }

    /// Go's `buildCertExtensions`, in its order.
    fn extensions(
        &self,
        subject_is_empty: bool,
        authority_key_id: Option<&[u8]>,
        subject_key_id: Option<&[u8]>,
        ips: &[Vec<u8>],
        dns_names: &[&str],
    ) -> Result<Vec<Vec<u8>>, String> {
        // digitalSignature | keyEncipherment (| keyCertSign), bits from the left.
        let key_usage: &[u8] = if self.is_ca {
            &[0x02, 0xa4]
        } else {
            &[0x05, 0xa0]
        };
        let mut out = vec![
            extension(oid::KEY_USAGE, true, &der::tlv(0x03, key_usage)),
            extension(
                oid::EXT_KEY_USAGE,
                false,
                &der::sequence(&[der::oid(oid::SERVER_AUTH), der::oid(oid::CLIENT_AUTH)]),
            ),
            extension(
                oid::BASIC_CONSTRAINTS,
                true,
                &der::sequence(&if self.is_ca {
                    vec![der::tlv(0x01, &[0xff])]
                } else {
                    vec![]
                }),
            ),
        ];
        if let Some(id) = subject_key_id {
            out.push(extension(
                oid::SUBJECT_KEY_ID,
                false,
                &der::octet_string(id),
            ));
        }
        if let Some(id) = authority_key_id {
            out.push(extension(
                oid::AUTHORITY_KEY_ID,
                false,
                &der::sequence(&[der::tlv(0x80, id)]),
            ));
        }
        if !ips.is_empty() || !dns_names.is_empty() {
            let mut names = Vec::new();
            for name in dns_names {
                if !name.is_ascii() {
                    return Err(format!(
                        "x509: {} cannot be encoded as an IA5String",
                        quote(name)
                    ));
                }
                names.push(der::tlv(0x82, name.as_bytes()));
            }
            names.extend(ips.iter().map(|ip| der::tlv(0x87, ip)));
            // RFC 5280: the names are critical when the subject is empty.
            out.push(extension(
                oid::SUBJECT_ALT_NAME,
                subject_is_empty,
                &der::sequence(&names),
            ));
        }
        Ok(out)
    }
}

fn extension(id: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let mut parts = vec![der::oid(id)];
    if critical {
        parts.push(der::tlv(0x01, &[0xff]));
    }
    parts.push(der::octet_string(value));
    der::sequence(&parts)
}

/// A name with only a common name (none when empty), as Go writes it: a
/// PrintableString when the text allows, else UTF8String.
fn name(common_name: &str) -> Vec<u8> {
    if common_name.is_empty() {
        return der::sequence(&[]);
    }
    let printable = common_name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b));
    let value = der::tlv(if printable { 0x13 } else { 0x0c }, common_name.as_bytes());
    let attribute = der::sequence(&[der::oid(oid::COMMON_NAME), value]);
    der::sequence(&[der::tlv(0x31, &attribute)])
}

/// Go's `net.ParseIP`, as a certificate stores it: 4 bytes for IPv4 (also
/// when written as an IPv4-mapped IPv6 address), else 16.
fn parse_ip(text: &str) -> Option<Vec<u8>> {
    if let Ok(v4) = text.parse::<std::net::Ipv4Addr>() {
        return Some(v4.octets().to_vec());
    }
    let v6 = text.parse::<std::net::Ipv6Addr>().ok()?;
    Some(match v6.to_ipv4_mapped() {
        Some(v4) => v4.octets().to_vec(),
        None => v6.octets().to_vec(),
    })
}

/// Not-before (now) and not-after (now plus `days` × 24h, in Go's wrapping
/// int64 nanoseconds), as Unix seconds.
fn validity(days: i64) -> (i64, i64) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let now_nanos = i128::from(now.as_secs()) * 1_000_000_000 + i128::from(now.subsec_nanos());
    let valid_for = 86_400_000_000_000_i64.wrapping_mul(days);
    let end = (now_nanos + i128::from(valid_for)).div_euclid(1_000_000_000);
    let start = now_nanos.div_euclid(1_000_000_000);
    let seconds = |n: i128| i64::try_from(n).unwrap_or(i64::MAX);
    (seconds(start), seconds(end))
}

/// A certificate time: UTCTime from 1950 to 2049, GeneralizedTime otherwise.
fn asn1_time(unix: i64) -> Result<Vec<u8>, String> {
    let (year, month, day) = super::dates::civil_from_days(unix.div_euclid(86_400));
    let clock = unix.rem_euclid(86_400);
    let rest = format!(
        "{month:02}{day:02}{:02}{:02}{:02}Z",
        clock / 3600,
        clock / 60 % 60,
        clock % 60
    );
    Ok(match year {
        1950..=2049 => der::tlv(0x17, format!("{:02}{rest}", year % 100).as_bytes()),
        0..=9999 => der::tlv(0x18, format!("{year:04}{rest}").as_bytes()),
        _ => return Err("asn1: structure error: cannot represent time as GeneralizedTime".into()),
    })
}

/// Object identifiers, as their DER contents.
mod oid {
    pub(super) const RSA_ENCRYPTION: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    pub(super) const SHA256_WITH_RSA: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    pub(super) const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    pub(super) const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    pub(super) const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    pub(super) const ECDSA_WITH_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    pub(super) const ECDSA_WITH_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
    pub(super) const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
    pub(super) const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
    pub(super) const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
    pub(super) const EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
    pub(super) const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
    pub(super) const SUBJECT_KEY_ID: &[u8] = &[0x55, 0x1d, 0x0e];
    pub(super) const AUTHORITY_KEY_ID: &[u8] = &[0x55, 0x1d, 0x23];
    pub(super) const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
    pub(super) const SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
    pub(super) const CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
}

/// Just enough DER to write certificates and keys and to find fields in them.
mod der {
    /// A tag, a definite length and the contents.
    pub(super) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        match u8::try_from(len) {
            Ok(short) if short < 0x80 => out.push(short),
            _ => {
                let bytes: Vec<u8> = len
                    .to_be_bytes()
                    .into_iter()
                    .skip_while(|&b| b == 0)
                    .collect();
                // At most eight length bytes.
                out.push(0x80 | u8::try_from(bytes.len()).unwrap_or(8));
                out.extend(bytes);
            }
        }
        out.extend_from_slice(content);
        out
    }

    pub(super) fn sequence(parts: &[Vec<u8>]) -> Vec<u8> {
        tlv(0x30, &parts.concat())
    }

    /// A non-negative INTEGER from big-endian bytes.
    pub(super) fn integer(be: &[u8]) -> Vec<u8> {
        let start = be.iter().position(|&b| b != 0).unwrap_or(be.len());
        let mut content = be[start..].to_vec();
        if content.first().is_none_or(|&b| b & 0x80 != 0) {
            content.insert(0, 0);
        }
        tlv(0x02, &content)
    }

    pub(super) fn oid(contents: &[u8]) -> Vec<u8> {
        tlv(0x06, contents)
    }

    pub(super) fn null() -> Vec<u8> {
        vec![0x05, 0x00]
    }

    pub(super) fn octet_string(bytes: &[u8]) -> Vec<u8> {
        tlv(0x04, bytes)
    }

    pub(super) fn bit_string(bytes: &[u8]) -> Vec<u8> {
        tlv(0x03, &[&[0], bytes].concat())
    }

    pub(super) fn explicit(number: u8, content: &[u8]) -> Vec<u8> {
        tlv(0xa0 | number, content)
    }

    /// One element read from DER.
    pub(super) struct Element<'a> {
        pub(super) tag: u8,
        pub(super) content: &'a [u8],
    }

    /// The tag, length and header size at the start of `input`.
    fn header(input: &[u8]) -> Option<(u8, usize, usize)> {
        let (&tag, rest) = input.split_first()?;
        let (&first, rest) = rest.split_first()?;
        if first < 0x80 {
            return Some((tag, usize::from(first), 2));
        }
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 8 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |n, &b| (n << 8) | usize::from(b));
        Some((tag, len, 2 + count))
    }

    fn read(input: &[u8]) -> Option<(Element<'_>, &[u8])> {
        let (tag, len, header_len) = header(input)?;
        let end = header_len.checked_add(len)?;
        let content = input.get(header_len..end)?;
        Some((Element { tag, content }, &input[end..]))
    }

    /// The elements of a constructed value's contents, up to the first that
    /// does not parse.
    pub(super) fn elements(mut input: &[u8]) -> Vec<Element<'_>> {
        let mut out = Vec::new();
        while let Some((element, rest)) = read(input) {
            out.push(element);
            input = rest;
        }
        out
    }

    /// The contents of the value `input` starts with.
    pub(super) fn contents(input: &[u8]) -> Option<&[u8]> {
        read(input).map(|(e, _)| e.content)
    }

    /// Go's `encoding/asn1` error when a structure named `name` is read from
    /// something other than a SEQUENCE, `None` if it is one.
    pub(super) fn not_a_sequence(input: &[u8], name: &str) -> Option<String> {
        let Some((tag, len, header_len)) = header(input) else {
            return Some("asn1: syntax error: data truncated".into());
        };
        if header_len
            .checked_add(len)
            .is_none_or(|end| end > input.len())
        {
            return Some("asn1: syntax error: data truncated".into());
        }
        if tag == 0x30 {
            return None;
        }
        Some(format!(
            "asn1: structure error: tags don't match (16 vs {{class:{} tag:{} length:{len} isCompound:{}}}) \
             {{optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> \
             stringType:0 timeType:0 set:false omitEmpty:false}} {name} @{header_len}",
            tag >> 6,
            tag & 0x1f,
            tag & 0x20 != 0
        ))
    }

    /// An object identifier's dotted text.
    pub(super) fn oid_text(contents: &[u8]) -> String {
        let mut arcs: Vec<u64> = Vec::new();
        let mut value: u64 = 0;
        for &b in contents {
            value = (value << 7) | u64::from(b & 0x7f);
            if b & 0x80 == 0 {
                if arcs.is_empty() {
                    let first = (value / 40).min(2);
                    arcs.push(first);
                    arcs.push(value - first * 40);
                } else {
                    arcs.push(value);
                }
                value = 0;
            }
        }
        arcs.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(".")
    }
}

#[cfg(test)]
mod tests {
    use rsa::pkcs1::DecodeRsaPublicKey as _;
    use x509_cert::der::{Decode as _, Encode as _};

    use super::super::encoding::b64enc;
    use super::*;
    use crate::sprig::testing::{call, s};

    fn field(v: &Value, name: &str) -> String {
        let Value::Object(o) = v else {
            panic!("an object")
        };
        o.field(name)
            .and_then(|f| f.as_str().map(str::to_string))
            .expect("field")
    }

    fn der_of(pem: &str) -> Vec<u8> {
        pem_decode(pem.as_bytes()).expect("PEM").bytes
    }

    /// Checks `cert` is signed by the RSA key in `issuer_cert`.
    fn verify(cert: &x509_cert::Certificate, issuer_cert: &x509_cert::Certificate) {
        let spki = &issuer_cert.tbs_certificate.subject_public_key_info;
        let public =
            rsa::RsaPublicKey::from_pkcs1_der(spki.subject_public_key.raw_bytes()).unwrap();
        let tbs = cert.tbs_certificate.to_der().unwrap();
        public
            .verify(
                Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(&tbs),
                cert.signature.raw_bytes(),
            )
            .expect("signature verifies");
    }

    fn extension_ids(cert: &x509_cert::Certificate) -> Vec<(String, bool)> {
        cert.tbs_certificate
            .extensions
            .iter()
            .flatten()
            .map(|e| (e.extn_id.to_string(), e.critical))
            .collect()
    }

    #[test]
    fn a_signed_certificate_verifies_against_its_ca() {
        let ca = call("genCA", &[s("my-ca"), Value::Int(365)]).unwrap();
        assert_eq!(ca.type_name(), "sprig.certificate");
        let ca_cert = x509_cert::Certificate::from_der(&der_of(&field(&ca, "Cert"))).unwrap();
        verify(&ca_cert, &ca_cert);
        assert_eq!(ca_cert.tbs_certificate.subject.to_string(), "CN=my-ca");
        assert_eq!(
            extension_ids(&ca_cert),
            [
                ("2.5.29.15".to_string(), true),
                ("2.5.29.37".to_string(), false),
                ("2.5.29.19".to_string(), true),
                ("2.5.29.14".to_string(), false),
            ]
        );
        assert!(field(&ca, "Key").starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));

        let ips = Value::list(vec![s("10.0.0.1"), s("::1"), s("::ffff:1.2.3.4")]);
        let names = Value::list(vec![s("a.example.com"), s("b")]);
        let leaf = call(
            "genSignedCert",
            &[s(""), ips, names, Value::Int(30), ca.clone()],
        )
        .unwrap();
        let leaf_cert = x509_cert::Certificate::from_der(&der_of(&field(&leaf, "Cert"))).unwrap();
        verify(&leaf_cert, &ca_cert);
        let tbs = &leaf_cert.tbs_certificate;
        assert_eq!(tbs.issuer, ca_cert.tbs_certificate.subject);
        assert_eq!(tbs.subject.to_der().unwrap(), [0x30, 0x00]);
        assert_eq!(
            extension_ids(&leaf_cert),
            [
                ("2.5.29.15".to_string(), true),
                ("2.5.29.37".to_string(), false),
                ("2.5.29.19".to_string(), true),
                ("2.5.29.35".to_string(), false),
                ("2.5.29.17".to_string(), true),
            ]
        );
        let san = tbs.extensions.iter().flatten().last().unwrap();
        let expected_san = "3030820d612e6578616d706c652e636f6d82016287040a000001871000000000000000000000000000000001870401020304";
        assert_eq!(
            super::super::encoding::hex(san.extn_value.as_bytes()),
            expected_san
        );
        let days =
            tbs.validity.not_after.to_unix_duration() - tbs.validity.not_before.to_unix_duration();
        assert_eq!(days.as_secs(), 30 * 86_400);
        let rsa_key = RsaPrivateKey::from_pkcs1_pem(&field(&leaf, "Key")).unwrap();
        assert_eq!(rsa::traits::PublicKeyParts::size(&rsa_key), 256);
    }

    #[test]
    fn certificates_can_use_other_keys() {
        for kind in ["ecdsa", "ed25519"] {
            let key = call("genPrivateKey", &[s(kind)]).unwrap();
            let ca = call("genCAWithKey", &[s("ca"), Value::Int(1), key.clone()]).unwrap();
            assert_eq!(field(&ca, "Key"), key.as_str().unwrap(), "{kind}");
            let cert = x509_cert::Certificate::from_der(&der_of(&field(&ca, "Cert"))).unwrap();
            assert_eq!(cert.tbs_certificate.subject.to_string(), "CN=ca");
            // An RSA CA signs a certificate for this key.
            let rsa_ca = call("genCA", &[s("root"), Value::Int(1)]).unwrap();
            let leaf = call(
                "genSignedCertWithKey",
                &[
                    s("leaf"),
                    Value::Nil,
                    Value::Nil,
                    Value::Int(1),
                    rsa_ca.clone(),
                    key,
                ],
            )
            .unwrap();
            let leaf = x509_cert::Certificate::from_der(&der_of(&field(&leaf, "Cert"))).unwrap();
            let root = x509_cert::Certificate::from_der(&der_of(&field(&rsa_ca, "Cert"))).unwrap();
            verify(&leaf, &root);
        }
        let ed = call("genPrivateKey", &[s("ed25519")]).unwrap();
        assert_eq!(der_of(ed.as_str().unwrap()).len(), 48);
        assert_eq!(
            call("genPrivateKey", &[s("foo")]),
            Ok(s("Unknown type foo"))
        );
    }

    /// Keys Helm's genPrivateKey wrote come back unchanged, and new keys have
    /// the size and layout of Go's.
    #[test]
    fn keys_match_go_formats() {
        let ec = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIKcfGcZ6VJRmD9PRaE1WyN2s65EiO4vR4hFmhieP/5tEoAoGCCqGSM49\nAwEHoUQDQgAE1ILoZghPyOizPNuHdCflVnsxHmnafX/5zXcn+VFMInktHso5PQ65\nGm99QUrnK0idXer06m2IHWLj03XcvZM+Zg==\n-----END EC PRIVATE KEY-----\n";
        let ed = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIMybtKYDjucm+JCVTU2EhpS4uLf+I8DZcisdR8APosxc\n-----END PRIVATE KEY-----\n";
        for key in [ec, ed] {
            let ca = call("genCAWithKey", &[s("x"), Value::Int(1), s(key)]).unwrap();
            assert_eq!(field(&ca, "Key"), key);
        }
        let generated = call("genPrivateKey", &[s("ecdsa")]).unwrap();
        let der = der_of(generated.as_str().unwrap());
        assert_eq!(der.len(), 121);
        assert_eq!(der[..7], [0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20]);
        let dsa = call("genPrivateKey", &[s("dsa")]).unwrap();
        let dsa = dsa.as_str().unwrap();
        assert!(
            dsa.starts_with("-----BEGIN DSA PRIVATE KEY-----\nMIID"),
            "{dsa}"
        );
        assert!(matches!(parse_private_key_pem(dsa), Ok(PrivateKey::Dsa)));
    }

    #[test]
    fn custom_certificates_are_checked() {
        let ca = call("genCA", &[s("x"), Value::Int(1)]).unwrap();
        let (cert, key) = (field(&ca, "Cert"), field(&ca, "Key"));
        let built = call("buildCustomCert", &[s(&b64enc(&cert)), s(&b64enc(&key))]).unwrap();
        assert_eq!(field(&built, "Cert"), cert);
        assert!(
            built
                .to_string()
                .starts_with("{-----BEGIN CERTIFICATE-----\n")
        );
        assert!(
            built
                .to_string()
                .contains("-----END CERTIFICATE-----\n -----BEGIN RSA")
        );
        let err = |c: &str, k: &str| call("buildCustomCert", &[s(c), s(k)]).unwrap_err();
        assert_eq!(err("!!", ""), "unable to decode base64 certificate");
        assert_eq!(err("", "!!"), "unable to decode base64 private key");
        assert_eq!(err("", ""), "unable to decode certificate");
        let bad_cert = b64enc("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assert_eq!(
            err(&bad_cert, ""),
            "error parsing certificate: decodedCert.Bytes: x509: malformed certificate"
        );
        let cert64 = b64enc(&cert);
        let with_key = |block: &str| {
            err(
                &cert64,
                &b64enc(&format!(
                    "-----BEGIN {block}-----\nAAAA\n-----END {block}-----\n"
                )),
            )
        };
        assert_eq!(
            with_key("FOO"),
            "error parsing private key: no private key data in PEM block of type FOO"
        );
        assert_eq!(
            with_key("X PRIVATE KEY"),
            "error parsing private key: invalid private key type X PRIVATE KEY"
        );
        let mismatch = "asn1: structure error: tags don't match (16 vs {class:0 tag:0 length:0 isCompound:false}) {optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false}";
        assert_eq!(
            with_key("RSA PRIVATE KEY"),
            format!(
                "error parsing private key: parsing RSA private key from PEM: {mismatch} pkcs1PrivateKey @2"
            )
        );
        assert_eq!(
            with_key("EC PRIVATE KEY"),
            format!(
                "error parsing private key: parsing EC private key from PEM: x509: failed to parse EC private key: {mismatch} ecPrivateKey @2"
            )
        );
        assert_eq!(
            with_key("PRIVATE KEY"),
            format!("error parsing private key: decoding PEM as PKCS#8: {mismatch} pkcs8 @2")
        );
    }

    #[test]
    fn certificate_errors_follow_go() {
        let err = |args: &[Value]| call("genSelfSignedCert", args).unwrap_err();
        let list = |items: Vec<Value>| Value::list(items);
        assert_eq!(
            err(&[s("x"), list(vec![Value::Int(1)]), Value::Nil, Value::Int(1)]),
            "error parsing ip: 1 is not a string"
        );
        assert_eq!(
            err(&[s("x"), list(vec![s("1.2.3")]), Value::Nil, Value::Int(1)]),
            "error parsing ip: 1.2.3"
        );
        assert_eq!(
            err(&[
                s("x"),
                Value::Nil,
                list(vec![Value::Float(1.5)]),
                Value::Int(1)
            ]),
            "error processing alternate dns name: 1.5 is not a string"
        );
        assert_eq!(
            err(&[s(""), Value::Nil, list(vec![s("é")]), Value::Int(1)]),
            "error creating certificate: x509: \"é\" cannot be encoded as an IA5String"
        );
        let dsa = "-----BEGIN DSA PRIVATE KEY-----\nMBICAQACAQECAQECAQECAQECAQE=\n-----END DSA PRIVATE KEY-----\n";
        assert_eq!(
            call("genCAWithKey", &[s("x"), Value::Int(1), s(dsa)]).unwrap_err(),
            "error creating certificate: x509: certificate private key does not implement crypto.Signer"
        );
        let ca = call("genCA", &[s("x"), Value::Int(1)]).unwrap();
        assert_eq!(
            call(
                "genSignedCertWithKey",
                &[s("y"), Value::Nil, Value::Nil, Value::Int(1), ca, s(dsa)]
            )
            .unwrap_err(),
            "error creating certificate: x509: unsupported public key type: *dsa.PublicKey"
        );
        assert_eq!(
            call("genCAWithKey", &[s("x"), Value::Int(1), s("")]).unwrap_err(),
            "parsing private key: no PEM data in input"
        );
    }

    #[test]
    fn validity_wraps_as_go_durations() {
        let (start, end) = validity(200_000);
        // 200,000 days overflow int64 nanoseconds and wrap to about -213 years.
        assert!(end < start);
        let (start, end) = validity(-1);
        assert_eq!(start - end, 86_400);
        assert_eq!(asn1_time(0).unwrap(), der::tlv(0x17, b"700101000000Z"));
        assert_eq!(
            asn1_time(2_524_608_000).unwrap(),
            der::tlv(0x18, b"20500101000000Z")
        );
    }

    #[test]
    fn passwords_and_aes() {
        // Recorded from Helm 4.
        assert_eq!(
            derive_password(1, "long", "password", "user", "example.com"),
            "ZedaFaxcZaso9*"
        );
        assert_eq!(
            derive_password(1, "nope", "p", "u", "s"),
            "cannot find password template nope"
        );
        let hash = bcrypt("secret");
        assert!(hash.starts_with("$2a$10$") && hash.len() == 60, "{hash}");
        assert!(bcrypt::verify("secret", &hash).unwrap());
        assert_eq!(
            bcrypt(&"a".repeat(73)),
            "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
        );
        assert_eq!(
            call("htpasswd", &[s("a:b"), s("c")]),
            Ok(s("invalid username: a:b"))
        );

        let secret = encrypt_aes("k", "hello");
        assert_eq!(decrypt_aes("k", &secret), Ok("hello".into()));
        let long_key = encrypt_aes("0123456789abcdef0123456789abcdef0123", "hello");
        assert_eq!(
            decrypt_aes("0123456789abcdef0123456789abcdef", &long_key),
            Ok("hello".into())
        );
        assert_eq!(encrypt_aes("k", ""), "");
        assert_eq!(decrypt_aes("k", ""), Ok(String::new()));
        for (input, error) in [
            (
                "AAAA",
                "runtime error: slice bounds out of range [:16] with capacity 3",
            ),
            ("!!", "illegal base64 data at input byte 0"),
            (
                &b64enc("0123456789abcdef"),
                "runtime error: index out of range [-1]",
            ),
            (
                &b64enc("0123456789abcdef0"),
                "crypto/cipher: input not full blocks",
            ),
            (
                &b64enc("0123456789abcdef0123456789abcdef"),
                "runtime error: slice bounds out of range [:-233]",
            ),
        ] {
            assert_eq!(decrypt_aes("k", input), Err(error.into()), "{input}");
        }
        assert_eq!(
            call("randBytes", &[Value::Int(-1)]),
            Err("runtime error: makeslice: len out of range".into())
        );
        let Ok(Value::String(bytes)) = call("randBytes", &[Value::Int(16)]) else {
            panic!()
        };
        assert_eq!(base64_decode(&bytes).unwrap().len(), 16);
    }
}
