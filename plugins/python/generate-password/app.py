"""The component's entry point: adapts `password.ensure_secret` to the
`windlass:hook` world through the bindings componentize-py generates
(`wit_world`, present only when the component is built)."""

import json
from typing import Optional

import wit_world
from componentize_py_types import Err
from wit_world.imports import cluster, log, types

import password


def _lookup_secret(namespace: str, name: str) -> Optional[dict]:
    try:
        found = cluster.get_object("v1", "Secret", namespace, name)
    except Err as e:
        # e.value is a LookupError_Denied / _Invalid / _Unavailable carrying the host's message.
        why = type(e.value).__name__.removeprefix("LookupError_").lower()
        raise password.HookError(f"cannot look up Secret `{name}` in `{namespace}` ({why}): {e.value.value}") from None
    log.log(
        log.Level.DEBUG,
        "looked up the Secret",
        [("name", name), ("namespace", namespace), ("found", "yes" if found is not None else "no")],
    )
    return None if found is None else json.loads(found)


def _finding(f: dict) -> types.Finding:
    r = f["resource"]
    return types.Finding(
        severity=types.Severity[f["severity"].upper()],
        message=f["message"],
        resource=None if r is None else types.ResourceRef(r["api_version"], r["kind"], r["name"], r["namespace"]),
        field_path=f["field_path"],
    )


class WitWorld(wit_world.WitWorld):
    def run(self, context: types.Context) -> types.Outcome:
        event = context.event.name.lower().replace("_", "-")
        release = context.release
        try:
            outcome = password.ensure_secret(
                event, release.name, release.namespace, context.config, _lookup_secret
            )
        except password.HookError as e:
            raise Err(str(e)) from None
        return types.Outcome(
            allowed=outcome["allowed"],
            findings=[_finding(f) for f in outcome["findings"]],
            create=outcome["create"],
        )
