// The component's entry point: adapts checkServices (selectors.js) to the
// `windlass:hook` world. componentize-js maps the WIT names to camelCase, enums
// to their names as strings and `option` to a value or `undefined`; a thrown
// string is the `err` of `run`'s result.
import { log } from 'windlass:hook/log@0.1.0';
import { checkServices, ConfigError } from './selectors.js';

export function run(context) {
  const resources = context.resources.map((r) => ({
    apiVersion: r.apiVersion,
    kind: r.kind,
    name: r.name,
    namespace: r.namespace,
    object: JSON.parse(r.object),
  }));
  let outcome;
  try {
    outcome = checkServices(resources, context.release.namespace, context.config);
  } catch (e) {
    if (e instanceof ConfigError) throw e.message;
    throw e;
  }
  log('debug', 'checked the rendered Services', [
    ['resources', String(resources.length)],
    ['orphans', String(outcome.findings.filter((f) => f.severity === 'error').length)],
  ]);
  return outcome;
}
