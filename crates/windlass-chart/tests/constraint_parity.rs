//! Parity of `constraint.rs` with the Masterminds semver library inside real
//! Helm, observed through the template functions `semverCompare` and
//! `semver` rendered by the Helm peer: the same versions and constraints
//! must parse, canonicalise, order and match identically.

mod common;

use std::fmt::Write as _;

use serde_json::json;
use windlass_chart::constraint::{Version, semver_compare};
use windlass_testsupport::{HelmPeer, helm_peer};

use common::chart_dir;

const CONSTRAINTS: &[&str] = &[
    "1.2.3",
    "=1.2.3",
    "!=1.2.3",
    ">1.2.3",
    "<1.2.3",
    ">=1.2.3",
    "=>1.2.3",
    "<=1.2.3",
    "=<1.2.3",
    "~1.2.3",
    "~>1.2.3",
    "^1.2.3",
    "1.2.x",
    "1.x",
    "*",
    "x",
    "X",
    "1.2",
    "1",
    "~1",
    "~0",
    "~0.0.0",
    "~0.0",
    "^0",
    "^0.0",
    "^0.0.3",
    "^0.2.3",
    "^0.2",
    "^1",
    ">1",
    ">1.2",
    ">1.x",
    "<=1.2",
    "<=1",
    "<1.2",
    "<1.x",
    "!=1.2.x",
    "!=1.x",
    "!=*",
    ">*",
    "<*",
    "<=*",
    ">=*",
    "1.2 - 1.4.5",
    "1.2.3 - 2",
    "1.x - 2.x",
    ">=1.2.3, <2",
    ">=1.2.3 <2",
    ">= 1.2.3 , < 2",
    "<1.0 || >=2.0",
    ">=1.20.0-0",
    ">=1.20.0-0 <1.30.0-0",
    ">= 1.19.0-0 < 1.30.0-0",
    "1.2.3-beta",
    ">=1.2.3-beta.2",
    "^1.2.3-beta",
    "~1.2.3-beta",
    "v1.2.x",
    "1.2.3+meta",
    ">1.2.3-alpha",
    "<1.2.3-rc.1",
    "1.2.x-beta",
    ">=0.0.0-0",
    ">0.0.0",
    "x.2.3",
    "1.x.3",
    "~2.x",
    "^2.x",
    "^0.x",
    "*.*.*",
    "1.*",
    "2.1.x || 3.x",
    "=1.2.x",
    "!=1.2.3-beta",
    "<=1.2.3-beta",
    "<=1.2.x-0",
    "!=1.2.x-0",
    ">1.2.x-0",
    "~1.2.x-0",
    "^0.0.x",
    "^0.0.x-0",
    "1.2.3-1.4.5",
    "~ 1.2 x",
    "01.2.3",
    "<1.2.3 || >1.2.3-0",
    ">=2.0.0-0 || <1.0.0",
    "\t>=1.2.3\n",
    "=v1.2.3",
    "~v1.2",
    "^v0.2",
];

const VERSIONS: &[&str] = &[
    "0.0.0",
    "0.0.1",
    "0.0.3",
    "0.0.4",
    "0.1.0",
    "0.2.3",
    "0.2.9",
    "0.3.0",
    "1.0.0",
    "1.0.0-alpha",
    "1.1.0",
    "1.2.0",
    "1.2.2",
    "1.2.3",
    "1.2.3-alpha",
    "1.2.3-beta",
    "1.2.3-beta.2",
    "1.2.3-beta.11",
    "1.2.3-rc.1",
    "1.2.3+build",
    "1.2.4",
    "1.2.9",
    "1.3.0",
    "1.3.0-beta",
    "1.4.5",
    "1.4.6",
    "1.9.9",
    "2.0.0",
    "2.0.0-rc.1",
    "2.1.0",
    "3.0.0",
    "10.0.0",
    "v1.2.3",
    "1.2",
    "v1",
    "01.02.03",
    "1.27.3-gke.100",
    "1.20.0",
    "1.19.5",
    "1.30.0",
    "0.0.0-0",
    "1.2.3-0",
    "1.2.3-a-b.c--d",
    "1.2.3-99999999999999999999",
];

const BAD_CONSTRAINTS: &[&str] = &[
    "",
    " ",
    "1.2.3 ||",
    "|| 1",
    ">=",
    "foo",
    "1.0,",
    "1.0,,2.0",
    "> = 1.2",
    "==1.2.3",
    "1|2",
    "1.2.3-01",
    "1.2.3.4",
    "1.x1",
    "1.2.3-",
    "1.2.3 -1.4.5",
];

const BAD_VERSIONS: &[&str] = &[
    "",
    "x",
    "1.2.3.4",
    "1.2.3-01",
    " 1.2.3",
    "V1.2.3",
    "1.2.3-",
    "18446744073709551616.0.0",
    "1.2.x",
];

/// Renders one template with `body` through Helm and returns its text.
fn render(peer: &HelmPeer, body: &str) -> Result<String, String> {
    let chart = b"apiVersion: v2\nname: semver\nversion: 1.0.0\n";
    let (_temp, root) = chart_dir(
        "semver",
        &[
            ("Chart.yaml", chart),
            ("templates/cases.txt", body.as_bytes()),
        ],
    );
    let out = peer.call("render", &root, &json!({}))?;
    Ok(out["semver/templates/cases.txt"]
        .as_str()
        .expect("rendered text")
        .to_string())
}

/// A Go template string literal (raw strings cannot hold a backtick, and
/// none of the inputs do).
fn lit(text: &str) -> String {
    assert!(!text.contains('`'));
    format!("`{text}`")
}

#[test]
fn constraints_match_masterminds() {
    let Some(peer) = helm_peer() else { return };
    let mut body = String::new();
    let mut expected = String::new();
    for c in CONSTRAINTS {
        for v in VERSIONS {
            let ours = semver_compare(c, v).unwrap_or_else(|e| panic!("{c:?} vs {v:?}: {e}"));
            writeln!(
                body,
                "{c:?} {v:?} {{{{ semverCompare {} {} }}}}",
                lit(c),
                lit(v)
            )
            .expect("write");
            writeln!(expected, "{c:?} {v:?} {ours}").expect("write");
        }
    }
    let helm =
        render(&peer, &body).unwrap_or_else(|e| panic!("Helm refused a case we accept: {e}"));
    for (ours, helm) in expected.lines().zip(helm.lines()) {
        assert_eq!(ours, helm, "semverCompare (left: windlass, right: Helm)");
    }
    assert_eq!(expected.lines().count(), helm.lines().count());
}

#[test]
fn versions_canonicalise_and_order_like_masterminds() {
    let Some(peer) = helm_peer() else { return };
    let mut body = String::new();
    let mut expected = String::new();
    for a in VERSIONS {
        let va = Version::parse(a).unwrap_or_else(|e| panic!("{e}"));
        writeln!(body, "{a:?} {{{{ (semver {}).String }}}}", lit(a)).expect("write");
        writeln!(expected, "{a:?} {va}").expect("write");
        for b in VERSIONS {
            let vb = Version::parse(b).unwrap_or_else(|e| panic!("{e}"));
            let ordering = va.compare(&vb) as i8;
            writeln!(
                body,
                "{a:?} {b:?} {{{{ (semver {}).Compare (semver {}) }}}}",
                lit(a),
                lit(b)
            )
            .expect("write");
            writeln!(expected, "{a:?} {b:?} {ordering}").expect("write");
        }
    }
    let helm =
        render(&peer, &body).unwrap_or_else(|e| panic!("Helm refused a version we accept: {e}"));
    for (ours, helm) in expected.lines().zip(helm.lines()) {
        assert_eq!(ours, helm, "semver (left: windlass, right: Helm)");
    }
    assert_eq!(expected.lines().count(), helm.lines().count());
}

#[test]
fn malformed_input_is_refused_by_both() {
    let Some(peer) = helm_peer() else { return };
    for c in BAD_CONSTRAINTS {
        assert!(
            semver_compare(c, "1.0.0").is_err(),
            "windlass accepts constraint {c:?}"
        );
        let helm = render(
            &peer,
            &format!("{{{{ semverCompare {} `1.0.0` }}}}", lit(c)),
        );
        assert!(helm.is_err(), "Helm accepts constraint {c:?}: {helm:?}");
    }
    for v in BAD_VERSIONS {
        assert!(Version::parse(v).is_err(), "windlass accepts version {v:?}");
        let helm = render(&peer, &format!("{{{{ semver {} }}}}", lit(v)));
        assert!(helm.is_err(), "Helm accepts version {v:?}: {helm:?}");
    }
    // Masterminds' size limits, on both sides of each boundary.
    let version = |len: usize| format!("1.2.3-{}", "a".repeat(len - 6));
    let constraint = |len: usize| format!(">=1.0.0{}", " ".repeat(len - 7));
    let groups = |n: usize| vec!["1"; n].join(" || ");
    for (input, is_version, accepted) in [
        (version(256), true, true),
        (version(257), true, false),
        (constraint(512), false, true),
        (constraint(513), false, false),
        (groups(32), false, true),
        (groups(33), false, false),
    ] {
        let (ours, body) = if is_version {
            (
                Version::parse(&input).is_ok(),
                format!("{{{{ semver {} }}}}", lit(&input)),
            )
        } else {
            (
                semver_compare(&input, "1.0.0").is_ok(),
                format!("{{{{ semverCompare {} `1.0.0` }}}}", lit(&input)),
            )
        };
        assert_eq!(ours, accepted, "windlass on {} bytes", input.len());
        assert_eq!(
            render(&peer, &body).is_ok(),
            accepted,
            "Helm on {} bytes",
            input.len()
        );
    }
    // The prerelease opt-in is per group, and `-0` is the idiom that opts in.
    assert_eq!(semver_compare(">=1.25.0", "v1.27.3-gke.100"), Ok(false));
    assert_eq!(semver_compare(">=1.25.0-0", "v1.27.3-gke.100"), Ok(true));
}
