"""Tests of generate-password's logic on plain CPython (no Wasm):
`python3 -m unittest` in this directory.

`test_cases` also runs every `tests/*.yaml` case through the logic, as the host
would run it through the component (release `test` in namespace `default`,
lookups answered from the case's fixtures and refused without a grant), so a
case that does not match the code fails here already. It reads the cases with
PyYAML.
"""

import base64
import json
import pathlib
import string
import unittest

import password
from password import HookError, ensure_secret, generate_password, parse_config


def no_secret(namespace, name):
    return None


def config(**fields):
    return json.dumps(fields)


class ParseConfig(unittest.TestCase):
    def test_defaults(self):
        c = parse_config(config(secretName="db"))
        self.assertEqual((c.secret_name, c.key, c.length), ("db", "password", 32))
        self.assertEqual(c.alphabet, string.ascii_letters + string.digits)

    def test_all_fields(self):
        c = parse_config(config(secretName="a.b-c", key="ROOT_pw.1", length=8, alphabet="xyz"))
        self.assertEqual((c.secret_name, c.key, c.length, c.alphabet), ("a.b-c", "ROOT_pw.1", 8, "xyz"))

    def test_repeated_alphabet_characters_count_once(self):
        self.assertEqual(parse_config(config(secretName="db", alphabet="aabba")).alphabet, "ab")

    def test_invalid(self):
        cases = {
            "null": "must be an object",
            "[1]": "must be an object",
            "{": "not JSON",
            config(): "secretName is required",
            config(secretName=""): "secretName is required",
            config(secretName="Db"): "not a valid object name",
            config(secretName="db-"): "not a valid object name",
            config(secretName="x" * 254): "not a valid object name",
            config(secretName="db", key="a/b"): "not a valid Secret key",
            config(secretName="db", key=".."): "not a valid Secret key",
            config(secretName="db", key=5): "not a valid Secret key",
            config(secretName="db", length=7): "from 8 to 4096, not 7",
            config(secretName="db", length=4097): "from 8 to 4096",
            config(secretName="db", length="32"): "from 8 to 4096",
            config(secretName="db", length=True): "from 8 to 4096",
            config(secretName="db", length=12.5): "from 8 to 4096",
            config(secretName="db", alphabet="aaaa"): "at least 2 different characters",
            config(secretName="db", alphabet=["a", "b"]): "must be a string",
            config(secretName="db", alphabet="ab\n"): "printable characters only",
            config(secretName="db", secretname="x"): "unknown config field(s) secretname",
        }
        for text, wanted in cases.items():
            with self.subTest(config=text):
                with self.assertRaises(HookError) as caught:
                    parse_config(text)
                self.assertIn(wanted, str(caught.exception))


class GeneratePassword(unittest.TestCase):
    def test_length_and_alphabet(self):
        for length, alphabet in ((8, "ab"), (32, password.DEFAULT_ALPHABET), (4096, "0123456789")):
            p = generate_password(length, alphabet)
            self.assertEqual(len(p), length)
            self.assertLessEqual(set(p), set(alphabet))

    def test_draws_are_independent(self):
        # 62^32 possibilities: two equal draws would mean the randomness is broken.
        self.assertNotEqual(generate_password(32, password.DEFAULT_ALPHABET), generate_password(32, password.DEFAULT_ALPHABET))

    def test_every_character_is_drawn(self):
        # 2000 draws from 4 characters miss one with probability ~4 * 0.75^2000.
        self.assertEqual(set(generate_password(2000, "abcd")), set("abcd"))


class EnsureSecret(unittest.TestCase):
    def test_creates_a_missing_secret(self):
        looked_up = []

        def lookup(namespace, name):
            looked_up.append((namespace, name))
            return None

        out = ensure_secret(
            "pre-install", "shop", "prod", config(secretName="db", key="pw", length=10), lookup,
            password=lambda length, alphabet: "s3cret!" + "x" * (length - 7),
        )
        self.assertEqual(looked_up, [("prod", "db")])
        self.assertTrue(out["allowed"])
        self.assertEqual(len(out["create"]), 1)
        secret = json.loads(out["create"][0])
        self.assertEqual((secret["apiVersion"], secret["kind"], secret["type"]), ("v1", "Secret", "Opaque"))
        self.assertEqual(secret["metadata"]["name"], "db")
        self.assertEqual(secret["metadata"]["namespace"], "prod")
        self.assertEqual(secret["metadata"]["labels"]["app.kubernetes.io/instance"], "shop")
        self.assertEqual(base64.b64decode(secret["data"]["pw"]).decode(), "s3cret!xxx")
        [finding] = out["findings"]
        self.assertEqual(finding["severity"], "info")
        self.assertEqual(finding["resource"], {"api_version": "v1", "kind": "Secret", "name": "db", "namespace": "prod"})
        self.assertNotIn("s3cret", finding["message"])

    def test_the_generated_password_is_used(self):
        out = ensure_secret("pre-upgrade", "r", "ns", config(secretName="db", alphabet="01", length=64), no_secret)
        value = base64.b64decode(json.loads(out["create"][0])["data"]["password"]).decode()
        self.assertEqual(len(value), 64)
        self.assertLessEqual(set(value), {"0", "1"})

    def test_keeps_an_existing_secret(self):
        existing = {"metadata": {"name": "db"}, "data": {"password": "eA=="}}
        out = ensure_secret("pre-install", "r", "ns", config(secretName="db"), lambda ns, n: existing)
        self.assertEqual(out["create"], [])
        self.assertTrue(out["allowed"])
        self.assertEqual([f["severity"] for f in out["findings"]], ["info"])
        self.assertIn("already exists", out["findings"][0]["message"])

    def test_a_key_in_string_data_counts(self):
        existing = {"stringData": {"password": "x"}}
        out = ensure_secret("pre-install", "r", "ns", config(secretName="db"), lambda ns, n: existing)
        self.assertEqual([f["severity"] for f in out["findings"]], ["info"])

    def test_warns_when_an_existing_secret_lacks_the_key(self):
        existing = {"data": {"other": "eA=="}}
        out = ensure_secret("pre-install", "r", "ns", config(secretName="db"), lambda ns, n: existing)
        self.assertTrue(out["allowed"])
        self.assertEqual(out["create"], [])
        self.assertEqual([f["severity"] for f in out["findings"]], ["info", "warning"])
        self.assertEqual(out["findings"][1]["field_path"], "data.password")

    def test_other_events_fail(self):
        for event in ("post-install", "pre-delete", "test", "pre-rollback"):
            with self.subTest(event=event), self.assertRaises(HookError):
                ensure_secret(event, "r", "ns", config(secretName="db"), no_secret)

    def test_a_failed_lookup_fails_without_creating(self):
        def unavailable(namespace, name):
            raise HookError("cannot look up Secret `db` in `ns` (unavailable): timeout")

        with self.assertRaises(HookError) as caught:
            ensure_secret("pre-install", "r", "ns", config(secretName="db"), unavailable)
        self.assertIn("unavailable", str(caught.exception))


class Cases(unittest.TestCase):
    """Each `tests/*.yaml` through `ensure_secret`, compared with its `expect`."""

    def test_cases(self):
        import yaml  # PyYAML; imported here so the other tests run without it

        files = sorted((pathlib.Path(__file__).parent / "tests").glob("*.yaml"))
        self.assertTrue(files, "no tests/*.yaml")
        for path in files:
            with self.subTest(case=path.name):
                case = yaml.safe_load(path.read_text())
                self.check(case)

    def check(self, case):
        grants = case.get("grants") or {}
        readable = {(g["apiVersion"], g["kind"]) for g in grants.get("cluster") or []}
        creatable = {(g["apiVersion"], g["kind"]) for g in grants.get("create") or []}

        def lookup(namespace, name):
            if ("v1", "Secret") not in readable:
                raise HookError(f"cannot look up Secret `{name}` in `{namespace}` (denied): not granted")
            for o in case.get("fixtures") or []:
                meta = o.get("metadata") or {}
                if (o.get("apiVersion"), o.get("kind"), meta.get("name"), meta.get("namespace")) == ("v1", "Secret", name, namespace):
                    return o
            return None

        expect = case["expect"]
        try:
            out = ensure_secret(case.get("event", "pre-install"), "test", "default", json.dumps(case.get("config")), lookup)
        except HookError as e:
            self.assertIn("error", expect, f"the hook failed: {e}")
            self.assertIn(expect["error"], str(e))
            return
        self.assertNotIn("error", expect, f"expected an error, got {out}")
        self.assertEqual(out["allowed"], expect["allowed"])
        for wanted in expect.get("findings") or []:
            self.assertTrue(any(wanted in f["message"] for f in out["findings"]), f"no finding contains {wanted!r}: {out['findings']}")
        if "create" in expect:
            self.assertEqual(len(out["create"]), expect["create"])
        # The host refuses objects of kinds not granted under grants.create.
        for text in out["create"]:
            o = json.loads(text)
            self.assertIn((o["apiVersion"], o["kind"]), creatable)


if __name__ == "__main__":
    unittest.main()
