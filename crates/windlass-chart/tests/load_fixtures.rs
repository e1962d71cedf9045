//! Chart loading on small fixtures: directories built in temp dirs and
//! archives built in the test. Each test names the Helm rule it checks; the
//! same situations are compared with real Helm in `load_parity.rs`.

mod common;

use serde_json::json;
use windlass_chart::load::{
    LoadError, MAX_DECOMPRESSED_CHART_SIZE, MAX_DECOMPRESSED_FILE_SIZE, load_files, read_archive,
};
use windlass_chart::{Chart, load, load_archive, load_dir};

use common::{chart_dir, header, pack_dir, tgz, without_modtimes, write_tree};

const CHART: &[u8] = b"apiVersion: v2\nname: demo\nversion: 1.2.3\n";
const SUB: &[u8] = b"apiVersion: v2\nname: sub\nversion: 0.1.0\n";

fn names(files: &[windlass_chart::File]) -> Vec<&str> {
    let mut out: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    out.sort_unstable();
    out
}

fn sub_names(chart: &Chart) -> Vec<&str> {
    chart.dependencies.iter().map(Chart::name).collect()
}

fn error_text(result: Result<Chart, LoadError>) -> String {
    let message = result.expect_err("loading should fail").to_string();
    assert!(!message.contains('\n'), "one line: {message}");
    message
}

#[test]
fn directory_and_archive_give_the_same_chart() {
    let sub_tgz = tgz(&[
        (
            "other/Chart.yaml",
            b"apiVersion: v2\nname: other\nversion: 2.0.0\n",
        ),
        ("other/values.yaml", b"o: 1\n"),
    ]);
    let (_temp, root) = chart_dir(
        "demo",
        &[
            ("Chart.yaml", CHART),
            ("Chart.lock", b"generated: \"2024-05-01T10:00:00.500+02:00\"\ndigest: sha256:abc\ndependencies:\n- name: sub\n  version: 0.1.0\n  repository: file://charts/sub\n"),
            ("values.yaml", b"replicas: 2\nimage: {tag: \"1.0\"}\n"),
            ("values.schema.json", br#"{"type": "object"}"#),
            ("templates/deploy.yaml", b"kind: Deployment\n"),
            ("templates/_helpers.tpl", b"{{/* x */}}\n"),
            ("crds/crd.yaml", b"kind: CustomResourceDefinition\n"),
            ("README.md", b"# demo\n"),
            ("charts/sub/Chart.yaml", SUB),
            ("charts/sub/templates/cm.yaml", b"kind: ConfigMap\n"),
            ("charts/other-2.0.0.tgz", &sub_tgz),
        ],
    );
    let from_dir = load_dir(&root).expect("directory loads");
    let archive = pack_dir(&root, "demo");
    let from_tgz = load_archive(&archive, "demo-1.2.3.tgz").expect("archive loads");
    assert_eq!(
        without_modtimes(from_dir.clone()),
        without_modtimes(from_tgz)
    );

    // What went where (Helm's LoadFiles).
    assert_eq!(from_dir.name(), "demo");
    assert_eq!(
        names(&from_dir.templates),
        ["templates/_helpers.tpl", "templates/deploy.yaml"]
    );
    assert_eq!(names(&from_dir.files), ["README.md", "crds/crd.yaml"]);
    assert_eq!(from_dir.values["image"], json!({"tag": "1.0"}));
    assert_eq!(
        from_dir.schema.as_deref(),
        Some(&br#"{"type": "object"}"#[..])
    );
    let lock = from_dir.lock.as_ref().expect("Chart.lock");
    assert_eq!(
        lock.generated,
        json!("2024-05-01T10:00:00.5+02:00"),
        "Go re-encodes the time"
    );
    assert_eq!(lock.dependencies[0].name, "sub");
    assert_eq!(
        sub_names(&from_dir),
        ["other", "sub"],
        "subcharts in name order"
    );
    assert_eq!(from_dir.dependencies[0].values["o"], json!(1));
    assert_eq!(
        names(&from_dir.dependencies[1].templates),
        ["templates/cm.yaml"]
    );
    // Helm records modification times on every file.
    assert!(from_dir.templates.iter().all(|f| f.modtime.is_some()));
    assert_eq!(load(&root).expect("load() on a directory"), from_dir);
}

#[test]
fn helmignore_applies_to_directories_only() {
    let files: &[(&str, &[u8])] = &[
        ("Chart.yaml", CHART),
        (".helmignore", b"# comment\n*.md\nsecret/\n/top.txt\n"),
        ("README.md", b"x"),
        ("docs/guide.md", b"x"),
        ("secret/key", b"x"),
        ("top.txt", b"x"),
        ("sub/top.txt", b"x"),
        ("templates/.hidden", b"x"),
        ("templates/nested/.hidden", b"x"),
        ("templates/a.yaml", b"x"),
    ];
    let (_temp, root) = chart_dir("demo", files);
    let chart = load_dir(&root).expect("loads");
    // .helmignore itself is a chart file; *.md matches base names at any depth;
    // a trailing / matches directories; a leading / anchors to the root; the
    // default rule drops dot files directly in templates/ only.
    assert_eq!(names(&chart.files), [".helmignore", "sub/top.txt"]);
    assert_eq!(
        names(&chart.templates),
        ["templates/a.yaml", "templates/nested/.hidden"]
    );

    // Helm never applies .helmignore (nor its default rule) to archives.
    let archived = load_archive(&pack_dir(&root, "demo"), "demo.tgz").expect("loads");
    assert_eq!(names(&archived.files).len(), 6);
    assert!(names(&archived.templates).contains(&"templates/.hidden"));
}

#[test]
fn helmignore_negation_is_helms_not_gits() {
    let (_temp, root) = chart_dir(
        "demo",
        &[
            ("Chart.yaml", CHART),
            (".helmignore", b"!*.yaml\n"),
            ("values.yaml", b"a: 1\n"),
            ("README.md", b"x"),
            ("templates/a.yaml", b"x"),
        ],
    );
    // A ! rule ignores whatever does not match it: README.md, .helmignore and
    // the templates directory itself (which is not *.yaml) all go.
    let chart = load_dir(&root).expect("loads");
    assert!(chart.files.is_empty() && chart.templates.is_empty());
    assert_eq!(chart.values["a"], json!(1));

    std::fs::write(root.join(".helmignore"), "*.txt\n!a.txt\n").expect("write");
    // No git-style re-include: after `*.txt`, the ! rule ignores every path
    // that does not match a.txt, Chart.yaml included.
    let message = error_text(load_dir(&root));
    assert!(message.ends_with("Chart.yaml file is missing"), "{message}");

    std::fs::write(root.join(".helmignore"), "foo/**/bar\n").expect("write");
    let message = error_text(load_dir(&root));
    assert!(
        message.contains("/.helmignore`: line 1: `foo/**/bar`: double-star"),
        "{message}"
    );
}

#[test]
fn subcharts_in_both_forms_and_charts_dir_rules() {
    let nested = tgz(&[(
        "deep/Chart.yaml",
        b"apiVersion: v2\nname: deep\nversion: 1.0.0\n",
    )]);
    let (_temp, root) = chart_dir(
        "demo",
        &[
            ("Chart.yaml", CHART),
            ("charts/sub/Chart.yaml", SUB),
            ("charts/sub/charts/deep-1.0.0.tgz", &nested),
            ("charts/sub/values.yaml", b"s: 1\n"),
            ("charts/_skipped/Chart.yaml", b"not: [valid"),
            ("charts/.hidden/anything", b"x"),
            ("charts/_notes.txt", b"x"),
            ("charts/sub-0.1.0.tgz.prov", b"signature"),
        ],
    );
    let chart = load_dir(&root).expect("loads");
    assert_eq!(
        sub_names(&chart),
        ["sub"],
        "names starting with _ or . are skipped"
    );
    assert_eq!(
        names(&chart.files),
        ["charts/sub-0.1.0.tgz.prov"],
        ".prov stays a file"
    );
    assert_eq!(
        sub_names(&chart.dependencies[0]),
        ["deep"],
        "archives inside subcharts"
    );

    // A plain file in charts/ is loaded as a (broken) subchart, as in Helm.
    write_tree(&root, &[("charts/README.md", b"x")]);
    let message = error_text(load_dir(&root));
    assert!(message.starts_with(&format!(
        "`{}/charts/README.md`: not a chart",
        root.display()
    )));

    // Errors inside subcharts name the subchart's file.
    std::fs::remove_file(root.join("charts/README.md")).expect("rm");
    write_tree(&root, &[("charts/sub/values.yaml", b"a: 1\nb: [\n")]);
    let message = error_text(load_dir(&root));
    assert!(
        message.starts_with(&format!(
            "`{}/charts/sub/values.yaml` line ",
            root.display()
        )),
        "{message}"
    );
}

#[test]
fn v1_requirements_yaml() {
    let (_temp, root) = chart_dir(
        "old",
        &[
            ("Chart.yaml", b"name: old\nversion: 1.0.0\n"),
            ("requirements.yaml", b"dependencies:\n- name: db\n  version: ~1.2\n  repository: https://example.com\n  alias: main-db\n"),
            ("requirements.lock", b"digest: sha256:1\ndependencies:\n- name: db\n  version: 1.2.3\n"),
        ],
    );
    let chart = load_dir(&root).expect("loads");
    assert_eq!(
        chart.metadata.api_version, "v1",
        "a missing apiVersion means v1"
    );
    assert_eq!(chart.metadata.dependencies[0].alias, "main-db");
    assert_eq!(
        chart.lock.as_ref().map(|l| l.digest.as_str()),
        Some("sha256:1")
    );
    assert_eq!(
        chart.lock.as_ref().map(|l| &l.generated),
        Some(&json!("0001-01-01T00:00:00Z"))
    );
    assert_eq!(
        names(&chart.files),
        ["requirements.lock", "requirements.yaml"],
        "v1 keeps them as files"
    );

    // A v2 chart still reads requirements.yaml into its metadata, but does not keep the files.
    std::fs::write(
        root.join("Chart.yaml"),
        "apiVersion: v2\nname: old\nversion: 1.0.0\n",
    )
    .expect("write");
    let chart = load_dir(&root).expect("loads");
    assert_eq!(chart.metadata.dependencies.len(), 1);
    assert!(chart.files.is_empty());
}

#[test]
fn missing_chart_yaml() {
    let (_temp, root) = chart_dir("empty", &[("values.yaml", b"a: 1\n")]);
    assert_eq!(
        error_text(load_dir(&root)),
        format!("`{}`: Chart.yaml file is missing", root.display())
    );
    let message = error_text(load_archive(&tgz(&[("x/values.yaml", b"a: 1\n")]), "x.tgz"));
    assert_eq!(message, "`x.tgz`: Chart.yaml file is missing");
}

#[test]
fn metadata_validation() {
    // (Chart.yaml, Ok(field check) via closure | Err(message suffix)) — Helm's Metadata.Validate.
    let rejected: &[(&str, &str)] = &[
        (
            "apiVersion: v2\nname: demo\nversion: 1.2.3.4\n",
            "chart.metadata.version `1.2.3.4` is not valid SemVer",
        ),
        (
            "apiVersion: v2\nname: demo\nversion: 1.2.3-01\n",
            "chart.metadata.version `1.2.3-01` is not valid SemVer",
        ),
        (
            "apiVersion: v2\nname: demo\n",
            "chart.metadata.version is required",
        ),
        (
            "apiVersion: v2\nversion: 1.0.0\n",
            "chart.metadata.name is required",
        ),
        ("", "chart.metadata.name is required"),
        (
            "apiVersion: v2\nname: ..\nversion: 1.0.0\n",
            "chart.metadata.name `..` is not allowed",
        ),
        (
            "apiVersion: v2\nname: a/b\nversion: 1.0.0\n",
            "chart.metadata.name `a/b` is invalid",
        ),
        (
            "apiVersion: v2\nname: demo\nversion: 1.0.0\ntype: plugin\n",
            "chart.metadata.type must be application or library, found `plugin`",
        ),
        (
            "apiVersion: v2\nname: demo\nversion: 1.0.0\nmaintainers: [~]\n",
            "maintainers must not contain empty or null nodes",
        ),
        (
            "apiVersion: v2\nname: demo\nversion: 1.0.0\ndependencies: [~]\n",
            "dependencies must not contain empty or null nodes",
        ),
        (
            "apiVersion: v2\nname: demo\nversion: 1.0.0\ndependencies: [{name: db, alias: 'my db'}]\n",
            "dependency `db` has disallowed characters in the alias `my db`",
        ),
        (
            "apiVersion: v2\nname: demo\nversion: 1.0.0\ndependencies: [{name: a}, {name: b, alias: a}]\n",
            "more than one dependency with name or alias `a`",
        ),
        (
            "apiVersion: v2\nname: [demo]\nversion: 1.0.0\n",
            "field `name` must be a string, found a list",
        ),
        (
            "apiVersion: v2\nname: demo\nversion: 1.0.0\ndeprecated: 'true'\n",
            "field `deprecated` must be a boolean, found a string",
        ),
        ("- a\n", "expected a map, found a list"),
    ];
    for (yaml, suffix) in rejected {
        let (_temp, root) = chart_dir("demo", &[("Chart.yaml", yaml.as_bytes())]);
        let message = error_text(load_dir(&root));
        let want = format!("`{}/Chart.yaml`: {suffix}", root.display());
        assert_eq!(message, want, "{yaml:?}");
    }

    // Accepted, with Go's conversions: lenient SemVer, YAML numbers bound for
    // string fields formatted like Go (float32 'g'), case-insensitive keys,
    // unknown keys ignored, strings sanitised.
    let (_temp, root) = chart_dir(
        "demo",
        &[(
            "Chart.yaml",
            b"apiVersion: v2\nname: demo\nversion: 1.0\nAppVersion: 1.10\nkeywords: [1, 2.5, true]\nannotations: {a: 1}\nunknown: [1]\ndescription: \"a\\tb\\x01c\"\ntype: library\n",
        )],
    );
    let chart = load_dir(&root).expect("loads");
    let m = &chart.metadata;
    assert_eq!((m.version.as_str(), m.app_version.as_str()), ("1", "1.1"));
    assert_eq!(m.keywords, ["1", "2.5", "true"]);
    assert_eq!(m.annotations["a"], "1");
    assert_eq!(m.description, "a bc");
    assert!(
        chart.is_library(),
        "a library chart loads; installing it is refused elsewhere"
    );
}

#[test]
fn archive_entry_names_are_checked() {
    // (entries, Some(error fragment) | None for success) — Helm's LoadArchiveFiles.
    let cases: &[(&[common::Entry<'_>], Option<&str>)] = &[
        (
            &[("demo/Chart.yaml", CHART), ("demo/../../etc/passwd", b"x")],
            Some("entry `demo/../../etc/passwd` references the parent directory"),
        ),
        (
            &[("demo/Chart.yaml", CHART), ("demo//etc/passwd", b"x")],
            Some("entry `demo//etc/passwd` is an absolute path"),
        ),
        (
            &[("demo/Chart.yaml", CHART), ("demo/c:/windows", b"x")],
            Some("is a Windows drive path"),
        ),
        (
            &[("demo/Chart.yaml", CHART), ("demo\\..\\..\\x", b"x")],
            Some("references the parent directory"),
        ),
        (
            &[("Chart.yaml", CHART)],
            Some("entry `Chart.yaml` is outside the chart's top directory"),
        ),
        (
            &[("Chart.yaml/x", CHART)],
            Some("entry `Chart.yaml/x` starts with `Chart.yaml` instead of the chart's directory"),
        ),
        (
            &[("demo/Chart.yaml", CHART), ("demo", b"x")],
            Some("entry `demo` is outside the chart's top directory"),
        ),
        (
            &[("demo/Chart.yaml", CHART), ("demo/..hidden", b"x")],
            Some("references the parent directory"),
        ),
        (&[], Some("no files in chart archive")),
        (
            &[
                ("demo/", b""),
                ("demo/Chart.yaml", CHART),
                ("demo\\templates\\a.yaml", b"x"),
            ],
            None,
        ),
        (&[("/Chart.yaml", CHART)], None),
    ];
    for (entries, want) in cases {
        let result = load_archive(&tgz(entries), "demo.tgz");
        match want {
            Some(fragment) => {
                let message = error_text(result);
                assert!(
                    message.starts_with("`demo.tgz`") && message.contains(fragment),
                    "{message}"
                );
            }
            None => {
                let chart = result.unwrap_or_else(|e| panic!("{entries:?}: {e}"));
                assert_eq!(chart.name(), "demo");
            }
        }
    }
    // Backslash-separated names are normalised.
    let chart = load_archive(
        &tgz(&[
            ("demo\\Chart.yaml", CHART),
            ("demo\\templates\\a.yaml", b"x"),
        ]),
        "d.tgz",
    )
    .expect("loads");
    assert_eq!(names(&chart.templates), ["templates/a.yaml"]);
}

#[test]
fn archive_size_limits() {
    // An entry claiming more than the whole budget is refused before reading.
    // Raw tar: Chart.yaml, then a header whose data never comes.
    let mut tar_bytes = header("demo/Chart.yaml", CHART.len() as u64)
        .as_bytes()
        .to_vec();
    tar_bytes.extend_from_slice(CHART);
    tar_bytes.resize(1024, 0);
    tar_bytes.extend_from_slice(header("demo/big.bin", MAX_DECOMPRESSED_CHART_SIZE + 1).as_bytes());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &tar_bytes).expect("gzip");
    let message = error_text(load_archive(&gz.finish().expect("gzip"), "bomb.tgz"));
    assert_eq!(
        message,
        format!(
            "`bomb.tgz`: chart is larger than the maximum decompressed size of {MAX_DECOMPRESSED_CHART_SIZE} bytes"
        )
    );

    // One file over 5 MiB.
    let big = vec![b'a'; usize::try_from(MAX_DECOMPRESSED_FILE_SIZE).expect("fits") + 1];
    let message = error_text(load_archive(
        &tgz(&[("demo/Chart.yaml", CHART), ("demo/big.txt", &big)]),
        "big.tgz",
    ));
    assert_eq!(
        message,
        format!(
            "`big.tgz/big.txt`: file is larger than the maximum file size of {MAX_DECOMPRESSED_FILE_SIZE} bytes"
        )
    );
    // The same in a directory.
    let (_temp, root) = chart_dir("demo", &[("Chart.yaml", CHART), ("big.txt", &big)]);
    let message = error_text(load_dir(&root));
    assert!(
        message.starts_with(&format!("`{}/big.txt`: file is larger", root.display())),
        "{message}"
    );
    // Exactly at the limit is fine.
    let (_temp, root) = chart_dir("demo", &[("Chart.yaml", CHART), ("big.txt", &big[1..])]);
    assert!(load_dir(&root).is_ok());
}

#[test]
fn values_errors_name_the_file_and_line() {
    let cases: &[(&[u8], &str)] = &[
        (b"a: 1\nb: \xff\xfe\n", "line 2: invalid UTF-8"),
        (b"a: 1\nb: [1, 2\nc: 3\n", "line "),
        (b"a: 1\nb: 2\na: 3\n", "duplicate entry with key \"a\""),
        (b"a: 1\n---\n- x\n", "values must be a map, found a list"),
        (
            b"a: 1\n--- nope\n",
            "line 2: invalid YAML document separator",
        ),
    ];
    for (values, fragment) in cases {
        let (_temp, root) = chart_dir("demo", &[("Chart.yaml", CHART), ("values.yaml", values)]);
        let message = error_text(load_dir(&root));
        let file = format!("`{}/values.yaml`", root.display());
        assert!(
            message.starts_with(&file) && message.contains(fragment),
            "{message}"
        );
    }
    // Inside an archive the archive name leads.
    let message = error_text(load_archive(
        &tgz(&[("demo/Chart.yaml", CHART), ("demo/values.yaml", b"a: [\n")]),
        "demo.tgz",
    ));
    assert!(
        message.starts_with("`demo.tgz/values.yaml` line "),
        "{message}"
    );
}

#[test]
fn values_documents_merge_and_byte_order_marks_go() {
    let (_temp, root) = chart_dir(
        "demo",
        &[
            (
                "Chart.yaml",
                b"\xEF\xBB\xBFapiVersion: v2\nname: demo\nversion: 1.2.3\n",
            ),
            (
                "values.yaml",
                b"\xEF\xBB\xBFa: {x: 1}\n---\na: {z: 2}\nb: [1]\n---\nb: [2]\n",
            ),
            ("templates/a.yaml", b"\xEF\xBB\xBFkind: A\n"),
        ],
    );
    let chart = load_dir(&root).expect("loads");
    assert_eq!(
        serde_json::Value::Object(chart.values),
        json!({"a": {"x": 1, "z": 2}, "b": [2]})
    );
    assert_eq!(
        chart.templates[0].data, b"kind: A\n",
        "the BOM is dropped from every file"
    );
}

#[cfg(unix)]
#[test]
fn symlinks_are_followed_and_checked() {
    use std::os::unix::fs::symlink;
    let (temp, root) = chart_dir(
        "demo",
        &[("Chart.yaml", CHART), ("real/a.txt", b"a"), ("b.txt", b"b")],
    );
    write_tree(temp.path(), &[("outside/o.txt", b"o")]);
    symlink("b.txt", root.join("link.txt")).expect("symlink");
    symlink("real", root.join("linkdir")).expect("symlink");
    symlink(temp.path().join("outside"), root.join("ext")).expect("symlink");
    let chart = load_dir(&root).expect("loads");
    assert_eq!(
        names(&chart.files),
        [
            "b.txt",
            "ext/o.txt",
            "link.txt",
            "linkdir/a.txt",
            "real/a.txt"
        ]
    );

    // A symlinked chart root works too.
    let alias = temp.path().join("alias");
    symlink(&root, &alias).expect("symlink");
    assert_eq!(load(&alias).expect("loads").files.len(), 5);

    symlink(".", root.join("loop")).expect("symlink");
    let message = error_text(load_dir(&root));
    assert_eq!(
        message,
        format!(
            "`{}/loop`: symbolic link loops back to an enclosing directory",
            root.display()
        )
    );
    std::fs::remove_file(root.join("loop")).expect("rm");

    symlink("nowhere", root.join("dangling")).expect("symlink");
    let message = error_text(load_dir(&root));
    assert!(message.starts_with(&format!(
        "`{}/dangling`: cannot resolve symbolic link",
        root.display()
    )));
}

#[cfg(unix)]
#[test]
fn a_loop_is_caught_at_a_plain_directory_below_a_symlink() {
    use std::os::unix::fs::symlink;
    // `up` leads to the chart's parent, whose `demo` is the chart again.
    let (temp, root) = chart_dir("demo", &[("Chart.yaml", CHART), ("a/b.txt", b"b")]);
    symlink(temp.path(), root.join("up")).expect("symlink");
    let message = error_text(load_dir(&root));
    assert_eq!(
        message,
        format!(
            "`{}/up/demo`: symbolic link loops back to an enclosing directory",
            root.display()
        )
    );
}

#[cfg(unix)]
#[test]
fn irregular_files_are_refused() {
    let (_temp, root) = chart_dir("demo", &[("Chart.yaml", CHART)]);
    let _socket = std::os::unix::net::UnixListener::bind(root.join("sock")).expect("bind socket");
    let message = error_text(load_dir(&root));
    assert_eq!(
        message,
        format!(
            "`{}/sock`: cannot load irregular file (a device, socket or pipe)",
            root.display()
        )
    );
}

#[test]
fn locks() {
    let lock_of = |text: &[u8]| {
        let (_temp, root) = chart_dir("demo", &[("Chart.yaml", CHART), ("Chart.lock", text)]);
        load_dir(&root).map(|c| c.lock)
    };
    assert!(
        lock_of(b"").expect("loads").is_none(),
        "an empty lock is no lock"
    );
    let message = lock_of(b"generated: 2024-01-01\n")
        .expect_err("a date is not a time")
        .to_string();
    assert!(
        message.ends_with("/Chart.lock`: field `generated`: `2024-01-01` is not an RFC 3339 time"),
        "{message}"
    );
    let message = lock_of(b"generated: 5\n")
        .expect_err("not a string")
        .to_string();
    assert!(
        message.contains("field `generated` must be an RFC 3339 time string"),
        "{message}"
    );
}

#[test]
fn not_an_archive() {
    let temp = tempfile::tempdir().expect("temp");
    let values = temp.path().join("values.yaml");
    std::fs::write(&values, "a: 1\n").expect("write");
    let message = error_text(load(&values));
    assert_eq!(
        message,
        format!(
            "`{}`: seems to be a YAML file, but expected a gzipped chart archive",
            values.display()
        )
    );
    let message = error_text(load_archive(b"PK\x03\x04", "chart.zip"));
    assert_eq!(
        message,
        "`chart.zip`: does not appear to be a gzipped chart archive"
    );
    let message = error_text(load_archive(b"\x1F\x8B\x08\x00garbage", "bad.tgz"));
    assert!(
        message.starts_with("`bad.tgz`: cannot read the archive: "),
        "{message}"
    );
    let message = error_text(load(&temp.path().join("absent")));
    assert!(
        message.starts_with(&format!("`{}/absent`: ", temp.path().display())),
        "{message}"
    );
}

#[test]
fn in_memory_files() {
    let files = read_archive(
        tgz(&[("demo/Chart.yaml", CHART), ("demo/templates/a.yaml", b"a")]).as_slice(),
        "x",
    )
    .expect("reads");
    assert_eq!(files[1].name, "templates/a.yaml");
    assert!(files[1].modtime.is_some(), "the entry's mtime is kept");
    let chart = load_files(files, "x").expect("loads");
    assert_eq!(chart.templates[0].data, b"a");
}

/// No input makes the loader panic: every truncation of a valid archive and
/// many corruptions of it give `Ok` or `Err`.
#[test]
fn hostile_archives_never_panic() {
    let archive = tgz(&[
        ("demo/Chart.yaml", CHART),
        ("demo/values.yaml", b"a: 1\n"),
        ("demo/charts/sub/Chart.yaml", SUB),
        ("demo/templates/a.yaml", b"x"),
    ]);
    for end in 0..archive.len() {
        let _ = load_archive(&archive[..end], "cut.tgz");
    }
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..2000 {
        let mut bytes = archive.clone();
        for _ in 0..3 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let at = usize::try_from(state >> 33).expect("fits") % bytes.len();
            bytes[at] = bytes[at].wrapping_add(u8::try_from(state & 0xFF).expect("fits") | 1);
        }
        let _ = load_archive(&bytes, "mutated.tgz");
    }
    // And hostile text in every chart file.
    for text in [
        &b"{{{{"[..],
        b"\x00\xff",
        b"&a [*a]",
        b"a: !!binary x",
        b"--- !x\n",
    ] {
        for name in [
            "Chart.yaml",
            "values.yaml",
            "Chart.lock",
            "requirements.yaml",
            ".helmignore",
        ] {
            let (_temp, root) = chart_dir("demo", &[("Chart.yaml", CHART), (name, text)]);
            let _ = load_dir(&root);
        }
    }
}
