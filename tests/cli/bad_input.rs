//! Every bad input: exit code 1, one `Error:` line naming the culprit, and the
//! state directory exactly as it was.

use crate::support::{Sandbox, demo_chart, write_chart};

/// Runs `args` after `setup` and checks the failure contract.
#[track_caller]
fn refused(sb: &Sandbox, args: &[&str], culprit: &str) -> String {
    let before = sb.state();
    let run = sb.run(args);
    let line = run.error_line().to_string();
    assert!(
        line.contains(culprit),
        "error should name {culprit:?}: {line}"
    );
    crate::support::assert_same_state(&before, &sb.state(), args);
    line
}

fn installed() -> Sandbox {
    let sb = Sandbox::new();
    sb.run(&["install", "demo", &demo_chart()]).ok();
    sb
}

#[test]
fn malformed_values_yaml_names_file_and_line() {
    let sb = Sandbox::new();
    let bad = sb.write("bad.yaml", "replicaCount: 2\nimage: [unclosed\nother: 1\n");
    let line = refused(
        &sb,
        &[
            "install",
            "demo",
            &demo_chart(),
            "-f",
            &bad.display().to_string(),
        ],
        "bad.yaml",
    );
    assert!(line.contains(" line "), "{line}");
}

#[test]
fn duplicate_keys_in_values() {
    let sb = Sandbox::new();
    let dup = sb.write("dup.yaml", "replicaCount: 2\nreplicaCount: 3\n");
    let line = refused(
        &sb,
        &[
            "install",
            "demo",
            &demo_chart(),
            "-f",
            &dup.display().to_string(),
        ],
        "dup.yaml",
    );
    assert!(line.contains("duplicate"), "{line}");
}

#[test]
fn yaml_alias_bomb() {
    let sb = Sandbox::new();
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in names.windows(2) {
        let refs = vec![format!("*{}", pair[0]); 9].join(", ");
        bomb.push_str(&format!("{}: &{} [{refs}]\n", pair[1], pair[1]));
    }
    let file = sb.write("bomb.yaml", bomb);
    refused(
        &sb,
        &[
            "install",
            "demo",
            &demo_chart(),
            "-f",
            &file.display().to_string(),
        ],
        "bomb.yaml",
    );
}

#[test]
fn invalid_utf8_values() {
    let sb = Sandbox::new();
    let file = sb.write("latin1.yaml", b"greeting: caf\xe9\n");
    let line = refused(
        &sb,
        &[
            "install",
            "demo",
            &demo_chart(),
            "-f",
            &file.display().to_string(),
        ],
        "latin1.yaml",
    );
    assert!(line.contains("UTF-8"), "{line}");
}

#[test]
fn invalid_release_names() {
    let sb = Sandbox::new();
    let long = "a".repeat(54);
    for name in ["Demo", "demo_app", "demo-", long.as_str()] {
        refused(&sb, &["install", name, &demo_chart()], name);
    }
    // Exactly 53 is fine.
    sb.run(&["install", &"a".repeat(53), &demo_chart(), "--dry-run"])
        .ok();
}

#[test]
fn invalid_namespace() {
    let sb = Sandbox::new();
    refused(
        &sb,
        &["install", "demo", &demo_chart(), "-n", "../escape"],
        "../escape",
    );
}

#[test]
fn missing_chart_yaml() {
    let sb = Sandbox::new();
    sb.write("nochart/templates/cm.yaml", "kind: ConfigMap\n");
    refused(
        &sb,
        &[
            "install",
            "demo",
            &sb.path().join("nochart").display().to_string(),
        ],
        "Chart.yaml",
    );
}

#[test]
fn library_chart() {
    let sb = Sandbox::new();
    let chart = write_chart(
        &sb,
        "lib",
        "apiVersion: v2\nname: lib\nversion: 1.0.0\ntype: library\n",
        &[],
    );
    let line = refused(&sb, &["install", "demo", &chart], "`lib`");
    assert!(line.contains("library"), "{line}");
}

#[test]
fn kube_version_mismatch() {
    let sb = Sandbox::new();
    // The demo chart wants >=1.25.0-0.
    let line = refused(
        &sb,
        &[
            "install",
            "demo",
            &demo_chart(),
            "--kube-version",
            "v1.20.2",
        ],
        ">=1.25.0-0",
    );
    assert!(line.contains("v1.20.2"), "{line}");
}

#[test]
fn values_schema_violation() {
    let sb = Sandbox::new();
    let line = refused(
        &sb,
        &["install", "demo", &demo_chart(), "--set", "replicaCount=0"],
        "replicaCount",
    );
    assert!(line.contains("demo"), "{line}");
}

#[test]
fn set_syntax_errors() {
    let sb = Sandbox::new();
    // Each is refused by Helm too (`a[=1`, say, is not: Helm reads it as nothing).
    for expr in [
        "a=1,a.b=2",
        "a[0].b[x]=1",
        "replicas",
        "a[-1]=1",
        "a[99999999]=1",
        "a[0]x=1",
    ] {
        refused(
            &sb,
            &["install", "demo", &demo_chart(), "--set", expr],
            expr,
        );
    }
}

#[test]
fn release_that_does_not_exist() {
    let sb = installed();
    for args in [
        vec!["status", "ghost"],
        vec!["history", "ghost"],
        vec!["rollback", "ghost"],
        vec!["uninstall", "ghost"],
        vec!["test", "ghost"],
    ] {
        refused(&sb, &args, "`ghost`");
    }
    let chart = demo_chart();
    refused(&sb, &["upgrade", "ghost", &chart], "`ghost`");
}

#[test]
fn rollback_to_a_revision_that_does_not_exist() {
    let sb = installed();
    refused(&sb, &["rollback", "demo", "7"], "revision 7");
    // Revision 1 has no previous revision.
    refused(&sb, &["rollback", "demo"], "revision 0");
}

#[test]
fn bad_timeout_is_a_usage_error() {
    let sb = Sandbox::new();
    let run = sb.run(&["install", "demo", &demo_chart(), "--timeout", "300"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("invalid duration `300`"),
        "{}",
        run.stderr
    );
    assert!(sb.state().is_empty());
}

#[test]
fn a_template_that_does_not_parse_names_the_file_and_line() {
    let sb = Sandbox::new();
    let chart = write_chart(
        &sb,
        "tpl",
        "apiVersion: v2\nname: tpl\nversion: 0.1.0\n",
        &[(
            "cm.yaml",
            "kind: ConfigMap\nmetadata:\n  name: {{ .Release.Name\n",
        )],
    );
    // Helm's words: Go reports the end of the text (line 4) and where the
    // action started.
    refused(
        &sb,
        &["install", "demo", &chart],
        "parse error at (tpl/templates/cm.yaml:4): unclosed action started at tpl/templates/cm.yaml:3",
    );
}

#[test]
fn unparseable_rendered_manifest_names_the_template() {
    let sb = Sandbox::new();
    let chart = write_chart(
        &sb,
        "broken",
        "apiVersion: v2\nname: broken\nversion: 0.1.0\n",
        &[(
            "cm.yaml",
            // A list cannot become an annotation string (a number could: Helm
            // reads `helm.sh/hook-weight: 5` as "5").
            "kind: ConfigMap\nmetadata:\n  name: x\n  annotations:\n    helm.sh/hook-weight: [5]\n",
        )],
    );
    refused(
        &sb,
        &["install", "demo", &chart],
        "broken/templates/cm.yaml",
    );
}

#[test]
fn unknown_test_filter() {
    let sb = installed();
    refused(&sb, &["test", "demo", "--filter", "kind=Pod"], "kind=Pod");
}

#[test]
fn missing_files_are_named_once() {
    let sb = Sandbox::new();
    let line = refused(
        &sb,
        &["install", "demo", &demo_chart(), "-f", "nope.yaml"],
        "`nope.yaml`",
    );
    assert_eq!(line.matches("No such file").count(), 1, "{line}");
    refused(
        &sb,
        &["install", "demo", "no-such-chart"],
        "`no-such-chart`",
    );
}

#[test]
fn a_corrupt_record_is_reported_and_never_overwritten() {
    let sb = installed();
    let record = sb
        .state_dir()
        .join("releases/default/demo/sh.helm.release.v1.demo.v1.json");
    std::fs::write(&record, b"{\"release\": {\"name\": \"demo\", \"vers").expect("corrupt it");
    for args in [
        vec!["status", "demo"],
        vec!["history", "demo"],
        vec!["uninstall", "demo"],
    ] {
        refused(&sb, &args, "sh.helm.release.v1.demo.v1.json");
    }
    let chart = demo_chart();
    refused(
        &sb,
        &["upgrade", "demo", &chart],
        "sh.helm.release.v1.demo.v1.json",
    );
    assert_eq!(
        std::fs::read(&record).unwrap(),
        b"{\"release\": {\"name\": \"demo\", \"vers"
    );
}
