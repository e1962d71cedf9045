// Tests of service-selectors' logic on plain Node (no Wasm): `node --test` here.
//
// The last test also runs every tests/*.yaml case through the logic, as the
// host would run it through the component (release `test` in namespace
// `default`), so a case that does not match the code fails here already. Node
// has no YAML parser, so the cases are read with python3's PyYAML (as the
// Python hooks' tests read theirs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkServices, ConfigError, parseConfig, selects } from './selectors.js';

const resource = (object) => ({
  apiVersion: object.apiVersion,
  kind: object.kind,
  name: object.metadata.name,
  namespace: object.metadata.namespace,
  object,
});
const service = (name, spec, namespace) =>
  resource({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec });
const workload = (kind, name, labels, namespace) =>
  resource({
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace },
    spec: { template: { metadata: { labels } } },
  });
const pod = (name, labels, namespace) =>
  resource({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels } });
const errors = (outcome) => outcome.findings.filter((f) => f.severity === 'error');

test('selects: every selector label must be among the labels', () => {
  assert.equal(selects({ app: 'web' }, { app: 'web', tier: 'fe' }), true);
  assert.equal(selects({ app: 'web', tier: 'be' }, { app: 'web', tier: 'fe' }), false);
  assert.equal(selects({ app: 'web' }, { name: 'web' }), false);
  assert.equal(selects({ app: 'web' }, undefined), false);
  assert.equal(selects({ enabled: true, n: 1 }, { enabled: 'true', n: '1' }), true);
});

test('parseConfig: defaults, allow-list entries, and errors', () => {
  assert.deepEqual(parseConfig('null'), { allowWithoutSelector: [] });
  assert.deepEqual(parseConfig('{}'), { allowWithoutSelector: [] });
  assert.deepEqual(parseConfig('{"allowWithoutSelector":["a","ns/b"]}'), { allowWithoutSelector: ['a', 'ns/b'] });
  for (const [text, wanted] of [
    ['[]', 'must be an object'],
    ['"x"', 'must be an object'],
    ['{', 'not JSON'],
    ['{"allowWithoutSelector":"a"}', 'must be a list'],
    ['{"allowWithoutSelector":[""]}', 'allowWithoutSelector[0]'],
    ['{"allowWithoutSelector":["a","x/y/z"]}', 'allowWithoutSelector[1]'],
    ['{"allowWithoutSelector":[3]}', 'allowWithoutSelector[0]'],
    ['{"allow":[]}', 'unknown config field(s) allow'],
  ]) {
    assert.throws(() => parseConfig(text), (e) => e instanceof ConfigError && e.message.includes(wanted), text);
  }
});

test('every workload kind backs a Service through its pod labels', () => {
  for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']) {
    const out = checkServices([service('s', { selector: { app: 'x' } }), workload(kind, 'w', { app: 'x' })], 'ns', 'null');
    assert.equal(out.allowed, true, kind);
  }
  assert.equal(checkServices([service('s', { selector: { app: 'x' } }), pod('p', { app: 'x' })], 'ns', 'null').allowed, true);
  // A Job's pods are not counted, nor a workload's own metadata labels.
  const job = resource({
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' },
    spec: { template: { metadata: { labels: { app: 'x' } } } },
  });
  assert.equal(checkServices([service('s', { selector: { app: 'x' } }), job], 'ns', 'null').allowed, false);
  const labelledDeployment = resource({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', labels: { app: 'x' } },
    spec: { template: { metadata: { labels: { app: 'y' } } } },
  });
  assert.equal(checkServices([service('s', { selector: { app: 'x' } }), labelledDeployment], 'ns', 'null').allowed, false);
});

test('one finding per orphan Service, on spec.selector, naming the Service', () => {
  const out = checkServices(
    [
      service('ok', { selector: { app: 'web' } }),
      service('orphan', { selector: { app: 'gone' } }),
      service('bare', { ports: [{ port: 80 }] }),
      service('empty', { selector: {} }),
      workload('Deployment', 'web', { app: 'web' }),
    ],
    'shop',
    'null',
  );
  assert.equal(out.allowed, false);
  assert.deepEqual(out.create, []);
  const found = errors(out);
  assert.deepEqual(found.map((f) => f.resource.name), ['orphan', 'bare', 'empty']);
  for (const f of found) {
    assert.equal(f.fieldPath, 'spec.selector');
    assert.deepEqual({ ...f.resource, name: undefined }, { apiVersion: 'v1', kind: 'Service', name: undefined, namespace: 'shop' });
  }
  assert.match(found[0].message, /selects app=gone, but no rendered .* in namespace `shop`/);
  assert.match(found[1].message, /has no selector/);
});

test('namespaces: unset means the release namespace; others must match exactly', () => {
  const sel = { selector: { app: 'x' } };
  assert.equal(checkServices([service('s', sel, 'rel'), workload('Deployment', 'd', { app: 'x' })], 'rel', 'null').allowed, true);
  assert.equal(checkServices([service('s', sel), workload('Deployment', 'd', { app: 'x' }, 'rel')], 'rel', 'null').allowed, true);
  const out = checkServices([service('s', sel, 'a'), workload('Deployment', 'd', { app: 'x' }, 'b')], 'rel', 'null');
  assert.equal(out.allowed, false);
  assert.equal(errors(out)[0].resource.namespace, 'a');
});

test('ExternalName and allow-listed selectorless Services are skipped; allow-listing does not excuse a bad selector', () => {
  const resources = [
    service('ext', { type: 'ExternalName', externalName: 'example.com' }),
    service('manual', { ports: [{ port: 1 }] }, 'a'),
    service('manual2', { ports: [{ port: 1 }] }, 'b'),
  ];
  const out = checkServices(resources, 'rel', '{"allowWithoutSelector":["manual","b/manual2"]}');
  assert.equal(out.allowed, true);
  assert.match(out.findings[0].message, /0 Service\(s\) .*; 3 skipped/);
  // `ns/name` entries only cover that namespace.
  assert.equal(checkServices(resources, 'rel', '{"allowWithoutSelector":["manual","a/manual2"]}').allowed, false);
  // A listed Service that has a selector is still checked.
  const listed = checkServices([service('manual', { selector: { app: 'none' } })], 'rel', '{"allowWithoutSelector":["manual"]}');
  assert.equal(listed.allowed, false);
});

test('a selector that is not a map is an orphan; non-Service resources are ignored', () => {
  const out = checkServices([service('s', { selector: 'app=x' }), pod('p', { app: 'x' })], 'rel', 'null');
  assert.equal(out.allowed, false);
  assert.match(errors(out)[0].message, /not a map of labels/);
  // Only core v1 Services are Services; a kind named like an Object property is no workload.
  const odd = resource({ apiVersion: 'example.com/v1', kind: 'Service', metadata: { name: 'x' }, spec: {} });
  const proto = resource({ apiVersion: 'v1', kind: 'constructor', metadata: { name: 'c' } });
  const none = checkServices([odd, proto], 'rel', 'null');
  assert.equal(none.allowed, true);
  assert.match(none.findings[0].message, /^0 Service\(s\)/);
});

test('config errors are thrown as ConfigError before anything is checked', () => {
  assert.throws(() => checkServices([], 'rel', '{"allowWithoutSelector":{}}'), ConfigError);
});

test('the tests/*.yaml cases', () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'tests');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  assert.ok(files.length > 0, 'no tests/*.yaml');
  const read = `
import json, sys, yaml
out = []
for path in sys.argv[1:]:
    case = yaml.safe_load(open(path))
    case["resources"] = [d for d in yaml.safe_load_all(case.get("manifests") or "") if d is not None]
    out.append(case)
json.dump(out, sys.stdout)
`;
  const cases = JSON.parse(execFileSync('python3', ['-c', read, ...files.map((f) => join(dir, f))], { encoding: 'utf8' }));
  cases.forEach((c, i) => {
    const name = files[i];
    const expect = c.expect;
    let out;
    try {
      out = checkServices(c.resources.map(resource), 'default', JSON.stringify(c.config ?? null));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      assert.ok(expect.error !== undefined, `${name}: the hook failed: ${e.message}`);
      assert.ok(e.message.includes(expect.error), `${name}: error ${JSON.stringify(e.message)} lacks ${JSON.stringify(expect.error)}`);
      return;
    }
    assert.equal(expect.error, undefined, `${name}: expected an error, got ${JSON.stringify(out)}`);
    assert.equal(out.allowed, expect.allowed, `${name}: allowed`);
    for (const wanted of expect.findings ?? []) {
      assert.ok(out.findings.some((f) => f.message.includes(wanted)), `${name}: no finding contains ${JSON.stringify(wanted)}: ${JSON.stringify(out.findings)}`);
    }
    if (expect.create !== undefined) assert.equal(out.create.length, expect.create, `${name}: create`);
  });
});
