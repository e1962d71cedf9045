"""generate-password: makes sure a Secret holding a random password exists.

The logic, free of the Wasm bindings so it runs (and is tested) on plain CPython:
`app.py` adapts it to the `windlass:hook` world. Outcomes are plain dicts:
`{"allowed", "findings": [{"severity", "message", "resource", "field_path"}], "create"}`.
"""

import base64
import json
import re
import secrets
import string
from dataclasses import dataclass
from typing import Callable, Optional

DEFAULT_KEY = "password"
DEFAULT_LENGTH = 32
# Below 8 characters a generated password is too weak to be worth generating;
# above 4096 it is surely a typo.
MIN_LENGTH = 8
MAX_LENGTH = 4096
# Letters and digits: safe in URLs, shells, connection strings and YAML unquoted.
DEFAULT_ALPHABET = string.ascii_letters + string.digits
# The Secret must exist before the release's workloads start, so only these.
EVENTS = ("pre-install", "pre-upgrade")

# Kubernetes object names (RFC 1123 subdomains) and Secret data keys.
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]+")
_FIELDS = ("secretName", "key", "length", "alphabet")


class HookError(Exception):
    """The hook cannot do its job (bad config, failed lookup): it answers `err`."""


@dataclass(frozen=True)
class Config:
    secret_name: str
    key: str
    length: int
    alphabet: str


def parse_config(text: str) -> Config:
    """The WasmHook's `spec.config` (JSON text), checked; `HookError` says what is wrong."""
    try:
        raw = json.loads(text)
    except ValueError as e:
        raise HookError(f"config is not JSON: {e}") from None
    if not isinstance(raw, dict):
        raise HookError("config must be an object with at least `secretName`")
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise HookError(
            f"unknown config field(s) {', '.join(unknown)}; known: {', '.join(_FIELDS)}"
        )

    name = raw.get("secretName")
    if not isinstance(name, str) or not name:
        raise HookError("config.secretName is required: the name of the Secret to ensure")
    if len(name) > 253 or not _DNS_SUBDOMAIN.fullmatch(name):
        raise HookError(
            f"config.secretName {name!r} is not a valid object name "
            "(lowercase letters, digits, '-' and '.', at most 253 characters)"
        )

    key = raw.get("key", DEFAULT_KEY)
    if (
        not isinstance(key, str)
        or len(key) > 253
        or not _SECRET_KEY.fullmatch(key)
        or key in (".", "..")
        or key.startswith("..")
    ):
        raise HookError(
            f"config.key {key!r} is not a valid Secret key "
            "(letters, digits, '-', '_' and '.', at most 253 characters)"
        )

    length = raw.get("length", DEFAULT_LENGTH)
    # bool is an int in Python; `length: true` is a mistake, not 1.
    if not isinstance(length, int) or isinstance(length, bool) or not MIN_LENGTH <= length <= MAX_LENGTH:
        raise HookError(f"config.length must be a whole number from {MIN_LENGTH} to {MAX_LENGTH}, not {length!r}")

    alphabet = raw.get("alphabet", DEFAULT_ALPHABET)
    if not isinstance(alphabet, str):
        raise HookError(f"config.alphabet must be a string of characters, not {alphabet!r}")
    # A repeated character would be drawn more often than the others.
    alphabet = "".join(dict.fromkeys(alphabet))
    if len(alphabet) < 2:
        raise HookError("config.alphabet needs at least 2 different characters")
    if not alphabet.isprintable():
        raise HookError("config.alphabet may hold printable characters only")

    return Config(secret_name=name, key=key, length=length, alphabet=alphabet)


def generate_password(length: int, alphabet: str, choice: Callable[[str], str] = secrets.choice) -> str:
    """`length` characters drawn uniformly and independently from `alphabet`.

    `secrets.choice` reads the OS's CSPRNG (`wasi:random` in the component); it
    must only be called while the hook runs, never at import, because the
    component is snapshotted after import at build time.
    """
    return "".join(choice(alphabet) for _ in range(length))


def secret_object(config: Config, password: str, release: str, namespace: str) -> dict:
    """The v1 Secret to create: the password base64-encoded under `config.key`,
    labelled with the release it belongs to."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": config.secret_name,
            "namespace": namespace,
            "labels": {
                "app.kubernetes.io/instance": release,
                "app.kubernetes.io/managed-by": "windlass",
            },
        },
        "type": "Opaque",
        "data": {config.key: base64.b64encode(password.encode("utf-8")).decode("ascii")},
    }


def _finding(severity: str, message: str, name: str, namespace: str, field_path: Optional[str] = None) -> dict:
    return {
        "severity": severity,
        "message": message,
        "resource": {"api_version": "v1", "kind": "Secret", "name": name, "namespace": namespace},
        "field_path": field_path,
    }


def ensure_secret(
    event: str,
    release: str,
    namespace: str,
    config_text: str,
    get_secret: Callable[[str, str], Optional[dict]],
    password: Callable[[int, str], str] = generate_password,
) -> dict:
    """The outcome for one call.

    `get_secret(namespace, name)` returns the existing Secret (a dict) or None,
    and raises `HookError` when the lookup cannot be answered: without knowing,
    creating could collide with a Secret that exists, so the hook fails instead.
    """
    if event not in EVENTS:
        raise HookError(f"generate-password runs at {' or '.join(EVENTS)}, not at {event}")
    config = parse_config(config_text)
    name = config.secret_name

    existing = get_secret(namespace, name)
    if existing is not None:
        findings = [_finding("info", f"Secret `{name}` already exists; its password is kept", name, namespace)]
        stored = {**(existing.get("data") or {}), **(existing.get("stringData") or {})}
        if config.key not in stored:
            # Creating cannot add a key to an existing Secret: say so, and leave it to the user.
            findings.append(
                _finding(
                    "warning",
                    f"Secret `{name}` has no key `{config.key}`; it is left unchanged",
                    name,
                    namespace,
                    f"data.{config.key}",
                )
            )
        return {"allowed": True, "findings": findings, "create": []}

    secret = secret_object(config, password(config.length, config.alphabet), release, namespace)
    return {
        "allowed": True,
        "findings": [
            _finding(
                "info",
                f"Secret `{name}` does not exist: creating it with a {config.length}-character "
                f"random password under key `{config.key}`",
                name,
                namespace,
            )
        ],
        "create": [json.dumps(secret, separators=(",", ":"))],
    }
