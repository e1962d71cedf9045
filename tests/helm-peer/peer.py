"""Bridge from the Rust tests to real Helm v4 (helm-python-sdk, see docs/testing.md).

Usage: peer.py COMMAND CHART < request.json > response.json
  load            chart as Helm loads it: metadata, values, schema, template and file names,
                  and the names of its loaded subcharts
  merge-values    Helm's coalesced values for the user values on stdin
  validate-schema {"ok": true} or {"ok": false, "error": "..."} for the values on stdin
  render          {template path: rendered text}; stdin {"values": {...}, "options": {...}}
  install-dry-run Helm's client-side dry-run install (no cluster); stdin {"name", "namespace",
                  "values"}; returns Helm's release summary, whose "manifest" is the stored one
Errors from Helm come back as {"error": "..."} with exit code 0; a broken bridge exits 2.
"""

import json
import sys

import helm_python
import helm_python.errors


def load(chart_path, _request):
    chart = helm_python.Chart.load(chart_path)
    return {
        "metadata": chart.metadata,
        "values": chart.values,
        "schema": chart.schema,
        "templates": sorted(t["name"] for t in chart.templates),
        "files": sorted(f["name"] for f in chart.files),
        "dependencies": sorted(d.get("name", "") for d in chart.dependencies),
    }


def merge_values(chart_path, request):
    return helm_python.Chart.load(chart_path).merge_values(request)


def validate_schema(chart_path, request):
    try:
        helm_python.Chart.load(chart_path).validate_schema(request)
        return {"ok": True}
    except helm_python.errors.HelmError as err:  # the message names key and constraint
        return {"ok": False, "error": str(err)}


def render(chart_path, request):
    chart = helm_python.Chart.load(chart_path)
    return chart.render(request.get("values"), **request.get("options", {}))


def install_dry_run(chart_path, request):
    config = helm_python.Config(storage_driver="memory", namespace=request["namespace"])
    return config.install(
        chart_path,
        request["name"],
        request.get("values") or {},
        namespace=request["namespace"],
        dry_run="client",
    )


COMMANDS = {
    "load": load,
    "merge-values": merge_values,
    "validate-schema": validate_schema,
    "render": render,
    "install-dry-run": install_dry_run,
}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    raw = sys.stdin.read()
    request = json.loads(raw) if raw.strip() else None
    try:
        response = COMMANDS[sys.argv[1]](sys.argv[2], request)
    except helm_python.errors.HelmError as err:
        response = {"error": str(err)}
    json.dump(response, sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
