//! The stored manifest and notes of an install, byte for byte against real Helm
//! v4's client-side dry-run install of the same plain-YAML chart: document
//! splitting, partials, hooks and unknown hook events left out, kind order,
//! `# Source:` lines, subcharts, NOTES.txt.

use serde_json::json;

use crate::support::{Sandbox, demo_chart};

/// A chart exercising Helm's splitting and ordering rules.
fn tricky_chart(sb: &Sandbox) -> String {
    let files: &[(&str, &str)] = &[
        (
            "Chart.yaml",
            "apiVersion: v2\nname: tricky\nversion: 0.3.0\n",
        ),
        (
            "templates/a-many.yaml",
            "\n\n  # leading blank lines and indentation are trimmed\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n---   \napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n---\n---\napiVersion: example.com/v1\nkind: Zebra\nmetadata:\n  name: z\n---\napiVersion: example.com/v1\nkind: Aardvark\nmetadata:\n  name: a\n",
        ),
        (
            "templates/b-hooks.yaml",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\n  annotations:\n    helm.sh/hook: pre-instal\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n  annotations:\n    helm.sh/resource-policy: keep\n",
        ),
        ("templates/c-comment.yaml", "# only a comment\n"),
        ("templates/d-blank.yaml", "\n   \n"),
        ("templates/_helpers.tpl", "kind: NotEmitted\n"),
        (
            "templates/e-namespace.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: extra\n",
        ),
        ("templates/NOTES.txt", "Thanks for installing tricky.\n"),
        (
            "charts/sub/Chart.yaml",
            "apiVersion: v2\nname: sub\nversion: 1.0.0\n",
        ),
        (
            "charts/sub/templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sub-config\n",
        ),
        (
            "charts/sub/templates/NOTES.txt",
            "subchart notes are not shown\n",
        ),
    ];
    for (path, body) in files {
        sb.write(&format!("tricky/{path}"), body);
    }
    sb.path().join("tricky").display().to_string()
}

#[test]
fn install_manifests_match_helm_byte_for_byte() {
    let Some(peer) = windlass_testsupport::helm_peer() else {
        return;
    };
    let sb = Sandbox::new();
    let cases = [
        (demo_chart(), json!({"replicaCount": 3})),
        (tricky_chart(&sb), json!({})),
    ];
    for (chart, values) in cases {
        let set: Vec<String> = values
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut args = vec![
            "install",
            "rel",
            chart.as_str(),
            "--dry-run",
            "-o",
            "json",
            "-n",
            "team-a",
        ];
        for s in &set {
            args.extend(["--set", s.as_str()]);
        }
        let ours = sb.run(&args).json();
        let helm = peer
            .call(
                "install-dry-run",
                std::path::Path::new(&chart),
                &json!({"name": "rel", "namespace": "team-a", "values": values}),
            )
            .expect("Helm installs the chart");
        assert_eq!(ours["manifest"], helm["manifest"], "manifest of {chart}");
        assert_eq!(ours["info"]["notes"], helm["notes"], "notes of {chart}");
    }
}
