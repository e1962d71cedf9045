"""Times real Helm v4 rendering one chart, for
crates/windlass-template/benches/render.rs (see docs/benchmarks.md).

Usage (with the peer's interpreter, which scripts/setup-test-env installs):
  time_render.py ITERATIONS CHART [VALUES_JSON]

The chart is rendered in this one process with the user values VALUES_JSON
(default {}): once to warm up, then ITERATIONS times, each iteration timed
alone. An iteration is `Chart.load(path)` and `render(values)`: loading the
directory, dependencies, values, schema and templates, the same work the Rust
side times. Timing inside the interpreter leaves out its start and the loading
of Helm's library.

Prints JSON {"seconds": [one per iteration]}, or {"error": Helm's message}.
"""

import json
import sys
import time

import helm_python


def time_chart(path, values, iterations):
    helm_python.Chart.load(path).render(values)  # warm-up; raises Helm's error
    seconds = []
    for _ in range(iterations):
        start = time.perf_counter()
        helm_python.Chart.load(path).render(values)
        seconds.append(time.perf_counter() - start)
    return {"seconds": seconds}


def main(args):
    if len(args) not in (2, 3) or not args[0].isdigit():
        sys.exit(__doc__)
    values = json.loads(args[2]) if len(args) == 3 else {}
    try:
        result = time_chart(args[1], values, int(args[0]))
    except Exception as error:  # Helm's error, whatever its class
        result = {"error": str(error)}
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
