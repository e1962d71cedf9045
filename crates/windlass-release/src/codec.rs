//! Helm's Secret encoding of a release record, so records written by windlass
//! read back in Helm and the other way round.
//!
//! * [`encode`] / [`decode`]: `pkg/storage/driver/util.go` `encodeRelease` /
//!   `decodeRelease`: the release as JSON, gzipped at best compression, standard
//!   base64. Decoding gunzips only when the bytes start with the gzip magic, as
//!   Helm does for records stored before compression was introduced.
//! * [`ReleaseSecret`]: `secrets.go` `newSecretsObject`: the `v1` Secret named by
//!   the storage key, of type `helm.sh/release.v1`, with Helm's labels.
//!
//! Nothing here depends on a Kubernetes client; the cluster driver maps
//! [`ReleaseSecret`] onto its own Secret type.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{Read, Write};

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use flate2::read::MultiGzDecoder;
use flate2::{Compression, GzBuilder};
use serde_json::{Map, Value, json};

use crate::{Error, Release, Result};

/// The Secret `type` Helm 3 and 4 give release records.
pub const SECRET_TYPE: &str = "helm.sh/release.v1";

/// The `owner` label value of every Helm release record.
pub const OWNER: &str = "helm";

/// Labels Helm sets itself and strips from a record's user labels
/// (`util.go` `systemLabels`). `helm install --labels` refuses them.
pub const SYSTEM_LABELS: [&str; 6] = [
    "name",
    "owner",
    "status",
    "version",
    "createdAt",
    "modifiedAt",
];

/// Decompressed records larger than this are refused rather than inflated, so a
/// hostile gzip stream cannot exhaust memory. Helm has no such limit; a Secret
/// holds at most 1 MiB, which no real release inflates anywhere near this.
pub const MAX_DECODED_LEN: u64 = 256 * 1024 * 1024;

/// The first bytes of a gzip stream using deflate (`magicGzip` in Helm).
const GZIP_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

/// The gzip header's OS byte Go's `compress/gzip` writes: 255, "unknown".
const GO_GZIP_OS: u8 = 255;

/// Go's `base64.StdEncoding`: padded; decoding needs correct padding but, unlike
/// the `base64` crate's default, accepts non-zero trailing bits.
const GO_STD_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

/// Encodes a release the way Helm stores it in a Secret's `data.release`:
/// JSON, gzip at best compression, standard base64.
///
/// The gzip header is the one Go's `gzip.NewWriterLevel(w, BestCompression)`
/// writes (`1f 8b 08 00`, mtime 0, XFL 2, OS 255); the deflate stream itself
/// differs from Go's compressor, which no reader depends on.
///
/// # Errors
/// [`Error::Codec`] if the release cannot be serialised.
pub fn encode(release: &Release) -> Result<String> {
    let key = release.key();
    let json = serde_json::to_vec(release)
        .map_err(|e| codec_error(&key, format!("cannot serialise to JSON: {e}")))?;
    let mut gzip = GzBuilder::new()
        .mtime(0)
        .operating_system(GO_GZIP_OS)
        .write(Vec::with_capacity(json.len() / 4 + 64), Compression::best());
    gzip.write_all(&json)
        .map_err(|e| codec_error(&key, format!("cannot compress: {e}")))?;
    let compressed = gzip
        .finish()
        .map_err(|e| codec_error(&key, format!("cannot compress: {e}")))?;
    Ok(GO_STD_BASE64.encode(compressed))
}

/// Decodes a Secret's `data.release` text (after Kubernetes' own base64 layer
/// is removed) back into a release. `key` names the record in errors.
///
/// Like Helm: base64 (line breaks ignored, as Go does), gunzip only if the
/// bytes start with the gzip magic, then JSON. Never panics on any input.
///
/// # Errors
/// [`Error::Codec`] naming `key` when the text is not base64, the gzip stream is
/// damaged or too large ([`MAX_DECODED_LEN`]), or the JSON is not a release.
pub fn decode(data: &str, key: &str) -> Result<Release> {
    let text: Cow<'_, str> = if data.contains(['\r', '\n']) {
        Cow::Owned(data.chars().filter(|c| !matches!(c, '\r' | '\n')).collect())
    } else {
        Cow::Borrowed(data)
    };
    let bytes = GO_STD_BASE64
        .decode(text.as_bytes())
        .map_err(|e| codec_error(key, format!("invalid base64: {e}")))?;
    // Helm checks `len(b) > 3` before comparing the magic.
    let json = if bytes.len() > GZIP_MAGIC.len() && bytes.starts_with(&GZIP_MAGIC) {
        gunzip(&bytes, key)?
    } else {
        bytes
    };
    serde_json::from_slice(&json)
        .map_err(|e| codec_error(key, format!("invalid release JSON: {e}")))
}

/// Inflates a (possibly multi-member, as Go reads it) gzip stream, refusing
/// anything larger than [`MAX_DECODED_LEN`].
fn gunzip(bytes: &[u8], key: &str) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(4));
    MultiGzDecoder::new(bytes)
        .take(MAX_DECODED_LEN + 1)
        .read_to_end(&mut out)
        .map_err(|e| codec_error(key, format!("invalid gzip data: {e}")))?;
    if u64::try_from(out.len()).unwrap_or(u64::MAX) > MAX_DECODED_LEN {
        return Err(codec_error(
            key,
            format!("decompressed record exceeds {MAX_DECODED_LEN} bytes"),
        ));
    }
    Ok(out)
}

fn codec_error(key: &str, message: String) -> Error {
    Error::Codec {
        key: key.to_string(),
        message,
    }
}

/// Whether Helm sets this label itself ([`SYSTEM_LABELS`]).
pub fn is_system_label(key: &str) -> bool {
    SYSTEM_LABELS.contains(&key)
}

/// Helm's `ContainsSystemLabels`: whether user-supplied labels use a name Helm
/// reserves (install and upgrade refuse them).
pub fn contains_system_labels(labels: &BTreeMap<String, String>) -> bool {
    labels.keys().any(|k| is_system_label(k))
}

/// Helm's `filterSystemLabels`: the labels a user set, without Helm's own.
pub fn user_labels(labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    labels
        .iter()
        .filter(|(k, _)| !is_system_label(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The Secret holding one release record, as Helm's Secret driver writes it.
///
/// Kubernetes-free: the cluster driver maps it to its Secret type
/// (`data["release"]` holds the bytes of [`ReleaseSecret::release_data`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseSecret {
    /// `metadata.name`: the storage key, `sh.helm.release.v1.<name>.v<version>`.
    pub name: String,
    /// `metadata.namespace`: the release's namespace.
    pub namespace: String,
    /// `metadata.labels`: Helm's labels over the user's.
    pub labels: BTreeMap<String, String>,
    /// [`encode`]'s output; Kubernetes base64-encodes it once more in `data.release`.
    pub release_data: String,
}

impl ReleaseSecret {
    /// The Secret Helm's driver `Create` writes, labelled `createdAt` = now.
    ///
    /// # Errors
    /// [`Error::Codec`] if the release cannot be encoded.
    pub fn for_create(release: &Release) -> Result<Self> {
        Self::for_create_at(release, chrono::Utc::now().timestamp())
    }

    /// The Secret Helm's driver `Update` writes, labelled `modifiedAt` = now.
    ///
    /// # Errors
    /// [`Error::Codec`] if the release cannot be encoded.
    pub fn for_update(release: &Release) -> Result<Self> {
        Self::for_update_at(release, chrono::Utc::now().timestamp())
    }

    /// [`ReleaseSecret::for_create`] with an explicit `createdAt` (Unix seconds).
    ///
    /// # Errors
    /// [`Error::Codec`] if the release cannot be encoded.
    pub fn for_create_at(release: &Release, unix_seconds: i64) -> Result<Self> {
        Self::build(release, "createdAt", unix_seconds)
    }

    /// [`ReleaseSecret::for_update`] with an explicit `modifiedAt` (Unix seconds).
    ///
    /// # Errors
    /// [`Error::Codec`] if the release cannot be encoded.
    pub fn for_update_at(release: &Release, unix_seconds: i64) -> Result<Self> {
        Self::build(release, "modifiedAt", unix_seconds)
    }

    /// Labels in Helm's order of application: the time stamp, then the user's
    /// labels (which Helm lets override the stamp), then `name`, `owner`,
    /// `status` and `version`, which always win.
    fn build(release: &Release, stamp_label: &str, unix_seconds: i64) -> Result<Self> {
        let mut labels = BTreeMap::from([(stamp_label.to_string(), unix_seconds.to_string())]);
        labels.extend(release.labels.clone());
        labels.insert("name".into(), release.name.clone());
        labels.insert("owner".into(), OWNER.into());
        labels.insert("status".into(), release.info.status.as_str().into());
        labels.insert("version".into(), release.version.to_string());
        Ok(ReleaseSecret {
            name: release.key(),
            namespace: release.namespace.clone(),
            labels,
            release_data: encode(release)?,
        })
    }

    /// The full `v1` Secret object, as `kubectl get secret -o json` shows it:
    /// `data.release` is base64 of [`ReleaseSecret::release_data`], so the
    /// release is base64-encoded twice.
    pub fn to_manifest(&self) -> Value {
        let mut metadata = Map::new();
        metadata.insert("name".into(), Value::String(self.name.clone()));
        if !self.namespace.is_empty() {
            metadata.insert("namespace".into(), Value::String(self.namespace.clone()));
        }
        metadata.insert("labels".into(), json!(self.labels));
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": metadata,
            "type": SECRET_TYPE,
            "data": {"release": GO_STD_BASE64.encode(self.release_data.as_bytes())},
        })
    }

    /// Reads a Secret object (as [`ReleaseSecret::to_manifest`] writes it, or as
    /// the API server returns it) into its parts, without decoding the release.
    ///
    /// # Errors
    /// [`Error::Codec`] naming the Secret when `data.release` is missing or not
    /// base64 text, or a label is not a string.
    pub fn parse_manifest(manifest: &Value) -> Result<Self> {
        let name = manifest
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let key = if name.is_empty() {
            "<unnamed Secret>"
        } else {
            name.as_str()
        };
        let namespace = manifest
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut labels = BTreeMap::new();
        match manifest.pointer("/metadata/labels") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (k, v) in map {
                    let v = v
                        .as_str()
                        .ok_or_else(|| codec_error(key, format!("label `{k}` is not a string")))?;
                    labels.insert(k.clone(), v.to_string());
                }
            }
            Some(_) => return Err(codec_error(key, "`metadata.labels` is not a map".into())),
        }
        let data = manifest
            .pointer("/data/release")
            .and_then(Value::as_str)
            .ok_or_else(|| codec_error(key, "the Secret has no `data.release` text".into()))?;
        let bytes = GO_STD_BASE64
            .decode(data.as_bytes())
            .map_err(|e| codec_error(key, format!("`data.release` is not base64: {e}")))?;
        let release_data = String::from_utf8(bytes)
            .map_err(|_| codec_error(key, "`data.release` is not text".into()))?;
        Ok(ReleaseSecret {
            name,
            namespace,
            labels,
            release_data,
        })
    }

    /// Restores the release a Secret object holds, with its user labels (those
    /// not in [`SYSTEM_LABELS`]) in [`Release::labels`].
    ///
    /// # Errors
    /// [`Error::Codec`] naming the Secret when it does not hold a readable record.
    pub fn from_manifest(manifest: &Value) -> Result<Release> {
        Self::parse_manifest(manifest)?.to_release()
    }

    /// Decodes the release this Secret holds, with its user labels restored,
    /// as Helm's Secret driver `Get` does. A record without a namespace takes
    /// the Secret's.
    ///
    /// # Errors
    /// [`Error::Codec`] naming the Secret when the record cannot be decoded.
    pub fn to_release(&self) -> Result<Release> {
        let mut release = decode(&self.release_data, &self.name)?;
        release.labels = user_labels(&self.labels);
        if release.namespace.is_empty() {
            release.namespace.clone_from(&self.namespace);
        }
        Ok(release)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;
    use crate::test_support::sample_release;

    /// Gzip with exactly the header Go writes, to stand in for a Helm-written record.
    fn go_gzip(bytes: &[u8]) -> Vec<u8> {
        let mut w = GzBuilder::new()
            .mtime(0)
            .operating_system(255)
            .write(Vec::new(), Compression::best());
        w.write_all(bytes).unwrap();
        w.finish().unwrap()
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn gzip_header_matches_go_best_compression() {
        // Go's compress/gzip for BestCompression: ID1 ID2 CM=8 FLG=0, MTIME=0,
        // XFL=2 (best), OS=255 (unknown).
        let encoded = encode(&sample_release("apps", "demo", 1, Status::Deployed)).unwrap();
        let bytes = GO_STD_BASE64.decode(encoded).unwrap();
        assert_eq!(
            bytes[..10],
            [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x02, 0xff]
        );
    }

    #[test]
    fn encode_decode_round_trip() {
        let release = sample_release("apps", "demo", 3, Status::Superseded);
        let back = decode(&encode(&release).unwrap(), "k").unwrap();
        // Labels are not part of the JSON; everything else is.
        let mut expected = release.clone();
        expected.labels.clear();
        assert_eq!(back, expected);
    }

    #[test]
    fn secret_manifest_round_trip_keeps_release_and_user_labels() {
        let mut release = sample_release("apps", "demo", 4, Status::Deployed);
        release.labels = BTreeMap::from([
            ("team".to_string(), "payments".to_string()),
            ("tier".to_string(), "backend".to_string()),
        ]);
        for secret in [
            ReleaseSecret::for_create(&release).unwrap(),
            ReleaseSecret::for_update(&release).unwrap(),
        ] {
            let manifest = secret.to_manifest();
            assert_eq!(ReleaseSecret::from_manifest(&manifest).unwrap(), release);
            assert_eq!(ReleaseSecret::parse_manifest(&manifest).unwrap(), secret);
        }
    }

    #[test]
    fn manifest_shape_is_helms() {
        let release = sample_release("apps", "demo", 2, Status::Deployed);
        let secret = ReleaseSecret::for_create_at(&release, 1_700_000_000).unwrap();
        let m = secret.to_manifest();
        assert_eq!(m["apiVersion"], "v1");
        assert_eq!(m["kind"], "Secret");
        assert_eq!(m["type"], "helm.sh/release.v1");
        assert_eq!(m["metadata"]["name"], "sh.helm.release.v1.demo.v2");
        assert_eq!(m["metadata"]["namespace"], "apps");
        // data.release is base64 of the encoded text, which starts `H4sIAAAAAAAC/`
        // (Go's header) like every Helm record; kubectl shows it as `SDRzSUFBQUFBQUFD...`.
        let data = m["data"]["release"].as_str().unwrap();
        assert!(data.starts_with("SDRzSUFBQUFBQUFD"), "{data}");
        let inner = GO_STD_BASE64.decode(data).unwrap();
        assert_eq!(inner, secret.release_data.as_bytes());
        assert!(secret.release_data.starts_with("H4sIAAAAAAAC/"));
    }

    #[test]
    fn labels_are_set_as_helm_sets_them() {
        let mut release = sample_release("apps", "demo", 7, Status::PendingUpgrade);
        release.labels = BTreeMap::from([
            ("team".to_string(), "a".to_string()),
            // Reserved names: Helm's own four always win over a user's.
            ("status".to_string(), "fake".to_string()),
            ("owner".to_string(), "me".to_string()),
        ]);
        let created = ReleaseSecret::for_create_at(&release, 1_700_000_000).unwrap();
        assert_eq!(
            created.labels,
            BTreeMap::from([
                ("createdAt".to_string(), "1700000000".to_string()),
                ("name".to_string(), "demo".to_string()),
                ("owner".to_string(), "helm".to_string()),
                ("status".to_string(), "pending-upgrade".to_string()),
                ("team".to_string(), "a".to_string()),
                ("version".to_string(), "7".to_string()),
            ])
        );
        let updated = ReleaseSecret::for_update_at(&release, 1_700_000_123).unwrap();
        assert_eq!(updated.labels["modifiedAt"], "1700000123");
        assert!(!updated.labels.contains_key("createdAt"));
        assert_eq!(updated.labels["status"], "pending-upgrade");

        // Reading back keeps only user labels.
        let back = ReleaseSecret::from_manifest(&created.to_manifest()).unwrap();
        assert_eq!(
            back.labels,
            BTreeMap::from([("team".to_string(), "a".to_string())])
        );
    }

    #[test]
    fn user_label_overrides_the_stamp_like_helm() {
        // secrets.go applies user labels after the stamp (newSecretsObject's
        // second fromMap), so a user `createdAt` survives; install refuses it
        // earlier through ContainsSystemLabels.
        let mut release = sample_release("apps", "demo", 1, Status::Deployed);
        release.labels = BTreeMap::from([("createdAt".to_string(), "42".to_string())]);
        let s = ReleaseSecret::for_create_at(&release, 1_700_000_000).unwrap();
        assert_eq!(s.labels["createdAt"], "42");
        assert!(contains_system_labels(&release.labels));
        assert!(!contains_system_labels(&BTreeMap::from([(
            "team".to_string(),
            "a".to_string()
        )])));
    }

    /// A record in the JSON Helm v3 writes: Go zero times (`""` in v3's own time
    /// type, `0001-01-01T00:00:00Z` in hook runs), status strings, null chart fields.
    const HELM_V3_JSON: &str = r#"{"name":"web","info":{"first_deployed":"2022-04-25T18:15:25.42684393Z","last_deployed":"2022-04-25T18:20:21.707645677Z","deleted":"","description":"Upgrade complete","status":"deployed","notes":"Visit http://web.local\n"},"chart":{"metadata":{"name":"web","version":"0.1.0","description":"A Helm chart for Kubernetes","apiVersion":"v2","appVersion":"1.16.0","type":"application"},"lock":null,"templates":[{"name":"templates/cm.yaml","data":"a2luZDogQ29uZmlnTWFwCg=="}],"values":{"replicaCount":1,"image":{"repository":"nginx","tag":""}},"schema":null,"files":[{"name":".helmignore","data":"LkRTX1N0b3JlCg=="}]},"config":{"replicaCount":2},"manifest":"---\n# Source: web/templates/cm.yaml\nkind: ConfigMap\n","hooks":[{"name":"web-test","kind":"Pod","path":"web/templates/tests/test.yaml","manifest":"kind: Pod\n","events":["test"],"last_run":{"started_at":"0001-01-01T00:00:00Z","completed_at":"0001-01-01T00:00:00Z","phase":""},"delete_policies":["before-hook-creation"]}],"version":3,"namespace":"default"}"#;

    #[test]
    fn decodes_a_record_helm_v3_wrote() {
        // Older Helm 3 wrote Go's zero time where later ones write "".
        let zero_time =
            HELM_V3_JSON.replace(r#""deleted":"""#, r#""deleted":"0001-01-01T00:00:00Z""#);
        assert_ne!(zero_time, HELM_V3_JSON);
        for json in [HELM_V3_JSON, zero_time.as_str()] {
            decodes_helm_v3_secret(json);
        }
    }

    fn decodes_helm_v3_secret(json: &str) {
        let release_data = b64(&go_gzip(json.as_bytes()));
        let manifest = json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": "sh.helm.release.v1.web.v3",
                "namespace": "default",
                "labels": {"name": "web", "owner": "helm", "status": "deployed",
                           "version": "3", "modifiedAt": "1650910821", "team": "edge"}
            },
            "type": "helm.sh/release.v1",
            "data": {"release": b64(release_data.as_bytes())}
        });
        let r = ReleaseSecret::from_manifest(&manifest).unwrap();
        assert_eq!((r.name.as_str(), r.version), ("web", 3));
        assert_eq!(r.namespace, "default");
        assert_eq!(r.info.status, Status::Deployed);
        assert!(r.info.deleted.is_none());
        assert_eq!(
            r.info.first_deployed.unwrap().to_string(),
            "2022-04-25T18:15:25.42684393Z"
        );
        assert_eq!(r.info.description, "Upgrade complete");
        assert_eq!(r.chart.metadata.app_version, "1.16.0");
        assert_eq!(r.chart.templates[0].data, b"kind: ConfigMap\n");
        assert_eq!(r.config["replicaCount"], 2);
        assert!(r.hooks[0].last_run.started_at.is_none());
        assert_eq!(
            r.labels,
            BTreeMap::from([("team".to_string(), "edge".to_string())])
        );
    }

    #[test]
    fn decodes_an_uncompressed_legacy_record() {
        // Helm skips gunzip when the magic is absent.
        let r = decode(&b64(HELM_V3_JSON.as_bytes()), "legacy").unwrap();
        assert_eq!(r.version, 3);
        // Go ignores line breaks in base64.
        let wrapped: String = b64(HELM_V3_JSON.as_bytes())
            .as_bytes()
            .chunks(76)
            .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
            .collect();
        assert_eq!(decode(&wrapped, "legacy").unwrap(), r);
    }

    #[test]
    fn bad_input_is_an_error_naming_the_key_never_a_panic() {
        let good = GO_STD_BASE64
            .decode(encode(&sample_release("apps", "demo", 1, Status::Deployed)).unwrap())
            .unwrap();
        let mut cases: Vec<String> = vec![
            String::new(),
            "!!!not base64!!!".into(),
            "H4sI".into(),
            b64(&GZIP_MAGIC),
            b64(&[0x1f, 0x8b, 0x08, 0x00]),
            b64(b"not json"),
            b64(&go_gzip(b"not json")),
            b64(&go_gzip(br#"{"version":"three"}"#)),
            b64(&go_gzip(br#"{"info":{"status":"exploded"}}"#)),
            b64(&go_gzip(b"null")),
            b64(&good[..good.len() / 2]),
            b64(&good[..good.len() - 4]),
        ];
        // Corrupt one byte of the deflate body: the CRC or inflate must catch it.
        let mut flipped = good.clone();
        flipped[20] ^= 0xff;
        cases.push(b64(&flipped));
        for (i, case) in cases.iter().enumerate() {
            let err = decode(case, "sh.helm.release.v1.demo.v1").unwrap_err();
            assert!(
                err.to_string().contains("`sh.helm.release.v1.demo.v1`"),
                "case {i}: {err}"
            );
        }
        // Every truncation and pseudo-random bytes: errors or a release, never a panic.
        for n in 0..good.len() {
            let _ = decode(&b64(&good[..n]), "k");
        }
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for len in 0..300 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state.to_le_bytes()[0]
                })
                .collect();
            let _ = decode(&b64(&bytes), "k");
            let mut gz = GZIP_MAGIC.to_vec();
            gz.extend(&bytes);
            let _ = decode(&b64(&gz), "k");
        }
    }

    #[test]
    fn malformed_secrets_are_errors() {
        let cases = [
            json!({}),
            json!({"metadata": {"name": "s"}, "data": {}}),
            json!({"metadata": {"name": "s"}, "data": {"release": 5}}),
            json!({"metadata": {"name": "s"}, "data": {"release": "%%%"}}),
            json!({"metadata": {"name": "s"}, "data": {"release": b64(&[0xff, 0xfe])}}),
            json!({"metadata": {"name": "s", "labels": {"a": 1}}, "data": {"release": ""}}),
            json!({"metadata": {"name": "s", "labels": []}, "data": {"release": ""}}),
            json!({"metadata": {"name": "s"}, "data": {"release": b64(b"!!")}}),
        ];
        for case in cases {
            assert!(
                matches!(
                    ReleaseSecret::from_manifest(&case),
                    Err(Error::Codec { .. })
                ),
                "{case}"
            );
        }
    }
}
