"""Records what real Helm v4 renders for template cases, as expectations for
windlass-template's tests (see docs/testing.md).

Usage (with the peer's interpreter, which scripts/setup-test-env installs):
  record_templates.py CASES.json [CASES.json ...]

A cases file is a JSON list of {"name", "template", "values" (optional),
"files" (optional: {path in the chart: text})}. Each case becomes a chart named
`t` whose `templates/t.txt` is the template, rendered by Helm with the values.
Next to each cases file it writes CASES.expected.json: {name: {"output": text}}
or {name: {"error": Helm's message}}, keys sorted, so a re-recording shows as a
plain diff.
"""

import json
import pathlib
import sys
import tempfile

import helm_python


def record(case):
    with tempfile.TemporaryDirectory() as directory:
        chart = pathlib.Path(directory) / "t"
        (chart / "templates").mkdir(parents=True)
        (chart / "Chart.yaml").write_text("apiVersion: v2\nname: t\nversion: 0.1.0\n")
        (chart / "templates" / "t.txt").write_text(case["template"])
        for path, text in (case.get("files") or {}).items():
            target = chart / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        try:
            rendered = helm_python.Chart.load(str(chart)).render(case.get("values") or {})
        except Exception as error:  # Helm's error, whatever its class
            return {"error": str(error)}
        return {"output": rendered.get("t/templates/t.txt", "")}


def main(paths):
    # A shell glob such as cases/*.json also names the expectation files.
    paths = [p for p in paths if not p.endswith(".expected.json")]
    for path in map(pathlib.Path, paths):
        cases = json.loads(path.read_text())
        names = [case["name"] for case in cases]
        if len(set(names)) != len(names):
            sys.exit(f"{path}: case names repeat")
        expected = {case["name"]: record(case) for case in cases}
        out = path.with_suffix(".expected.json")
        out.write_text(json.dumps(expected, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        print(f"{out}: {len(expected)} cases")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
