"""Bridge from the Rust tests to real Helm v4 (helm-python-sdk, see docs/testing.md).

Usage: peer.py COMMAND CHART < request.json > response.json
  load            chart as Helm loads it: metadata, values, schema, template and file names,
                  and the names of its loaded subcharts
  merge-values    Helm's coalesced values for the user values on stdin
  validate-schema {"ok": true} or {"ok": false, "error": "..."} for the values on stdin
  render          {template path: rendered text}; stdin {"values": {...}, "options": {...}}
  install-dry-run Helm's client-side dry-run install (no cluster); stdin {"name", "namespace",
                  "values"}; returns Helm's release summary, whose "manifest" is the stored one

Cluster commands act on a real cluster with the "secret" storage driver. Their request
carries "kubeconfig" (a path) and "namespace"; CHART is the chart directory for install and
upgrade and "-" (or omitted) for the others. Every answer has "elapsed_seconds": the time of
the Helm call alone (no interpreter start, no config set-up), for benchmarks.
  install      {"name", "values", "timeout" (s), "wait", "rollback_on_failure"} -> {"release"}
  upgrade      same as install -> {"release"}
  rollback     {"name", "revision" (0 or absent: the previous one), "timeout", "wait"}
               -> {"release": status after the rollback}
  uninstall    {"name", "keep_history", "timeout"} -> Helm's {"info", "release"}
  test         {"name", "timeout", "logs"} -> Helm's {"release", "logs"}
  list         {"all" (every state, not only deployed)} -> {"releases": [...]}
  history      {"name"} -> {"history": [...]}, oldest first
  status       {"name", "revision"} -> {"release"}
  get-values   {"name", "all"} -> {"values"}
"wait" is a Helm 4 wait strategy ("watcher", "hookOnly", "legacy"), true for "watcher", or
false/absent for Helm's default.

Errors from Helm come back as {"error": "..."} with exit code 0; a broken bridge exits 2.
"""

import json
import sys
import time

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


def _cluster_config(request):
    return helm_python.Config(
        kubeconfig_path=request["kubeconfig"],
        namespace=request["namespace"],
        storage_driver="secret",
    )


def _wait(request):
    wait = request.get("wait")
    if wait is True:
        return "watcher"
    return wait or None


def _timed(call):
    """Runs one Helm call; returns its result and the seconds it took."""
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def _with_elapsed(response, elapsed):
    response["elapsed_seconds"] = elapsed
    return response


def _install_or_upgrade(action, chart_path, request):
    """Helm's install or upgrade (same arguments), timed."""
    config = _cluster_config(request)
    call = getattr(config, action)
    release, elapsed = _timed(
        lambda: call(
            chart_path,
            request["name"],
            request.get("values") or {},
            namespace=request["namespace"],
            timeout=request.get("timeout"),
            wait=_wait(request),
            rollback_on_failure=bool(request.get("rollback_on_failure")),
        )
    )
    return _with_elapsed({"release": release}, elapsed)


def cluster_install(chart_path, request):
    return _install_or_upgrade("install", chart_path, request)


def cluster_upgrade(chart_path, request):
    return _install_or_upgrade("upgrade", chart_path, request)


def cluster_rollback(_chart_path, request):
    config = _cluster_config(request)
    _, elapsed = _timed(
        lambda: config.rollback(
            request["name"],
            version=request.get("revision") or None,
            timeout=request.get("timeout"),
            wait=_wait(request),
        )
    )
    # Helm's rollback returns nothing; its status is what a caller wants to see.
    return _with_elapsed({"release": config.status(request["name"])}, elapsed)


def cluster_uninstall(_chart_path, request):
    config = _cluster_config(request)
    result, elapsed = _timed(
        lambda: config.uninstall(
            request["name"],
            keep_history=bool(request.get("keep_history")),
            timeout=request.get("timeout"),
        )
    )
    return _with_elapsed(result, elapsed)


def cluster_test(_chart_path, request):
    config = _cluster_config(request)
    result, elapsed = _timed(
        lambda: config.test(
            request["name"],
            timeout=request.get("timeout"),
            logs=bool(request.get("logs")),
        )
    )
    return _with_elapsed(result, elapsed)


def cluster_list(_chart_path, request):
    config = _cluster_config(request)
    releases, elapsed = _timed(lambda: config.list(all_states=bool(request.get("all"))))
    return _with_elapsed({"releases": releases}, elapsed)


def cluster_history(_chart_path, request):
    config = _cluster_config(request)
    history, elapsed = _timed(lambda: config.history(request["name"]))
    return _with_elapsed({"history": history}, elapsed)


def cluster_status(_chart_path, request):
    config = _cluster_config(request)
    release, elapsed = _timed(
        lambda: config.status(request["name"], revision=request.get("revision") or None)
    )
    return _with_elapsed({"release": release}, elapsed)


def cluster_get_values(_chart_path, request):
    config = _cluster_config(request)
    values, elapsed = _timed(
        lambda: config.get_values(request["name"], all_values=bool(request.get("all")))
    )
    return _with_elapsed({"values": values}, elapsed)


COMMANDS = {
    "load": load,
    "merge-values": merge_values,
    "validate-schema": validate_schema,
    "render": render,
    "install-dry-run": install_dry_run,
    "install": cluster_install,
    "upgrade": cluster_upgrade,
    "rollback": cluster_rollback,
    "uninstall": cluster_uninstall,
    "test": cluster_test,
    "list": cluster_list,
    "history": cluster_history,
    "status": cluster_status,
    "get-values": cluster_get_values,
}

#: Commands that need no chart: CHART may be "-" or left out.
CHARTLESS = {"rollback", "uninstall", "test", "list", "history", "status", "get-values"}


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else None
    arity_ok = len(sys.argv) == 3 or (len(sys.argv) == 2 and command in CHARTLESS)
    if command not in COMMANDS or not arity_ok:
        print(__doc__, file=sys.stderr)
        return 2
    chart_path = sys.argv[2] if len(sys.argv) == 3 else "-"
    raw = sys.stdin.read()
    request = json.loads(raw) if raw.strip() else None
    try:
        response = COMMANDS[command](chart_path, request)
    except helm_python.errors.HelmError as err:
        response = {"error": str(err)}
    json.dump(response, sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
