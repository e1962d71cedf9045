// service-selectors: every rendered Service must select the pods of a rendered
// workload. The logic, free of the Wasm bindings so it runs (and is tested) on
// plain Node: hook.js adapts it to the `windlass:hook` world.

/** The hook cannot do its job (bad config): it answers `err` with the message. */
export class ConfigError extends Error {}

/** Kinds whose pods a Service can select, and where their pod labels are. */
const WORKLOAD_LABELS = {
  Deployment: (o) => o?.spec?.template?.metadata?.labels,
  StatefulSet: (o) => o?.spec?.template?.metadata?.labels,
  DaemonSet: (o) => o?.spec?.template?.metadata?.labels,
  ReplicaSet: (o) => o?.spec?.template?.metadata?.labels,
  Pod: (o) => o?.metadata?.labels,
};
export const WORKLOAD_KINDS = Object.keys(WORKLOAD_LABELS);

const CONFIG_FIELDS = ['allowWithoutSelector'];

const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The WasmHook's `spec.config` (JSON text; `null` when absent), checked.
 * `allowWithoutSelector` lists Services (`name`, any namespace, or
 * `namespace/name`) that may have no selector: their endpoints are managed
 * some other way (EndpointSlices written by hand or by a controller).
 */
export function parseConfig(text) {
  let raw;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config is not JSON: ${e.message}`);
  }
  if (raw === null) return { allowWithoutSelector: [] };
  if (!isMap(raw)) throw new ConfigError('config must be an object (or absent)');
  const unknown = Object.keys(raw).filter((k) => !CONFIG_FIELDS.includes(k)).sort();
  if (unknown.length) {
    throw new ConfigError(`unknown config field(s) ${unknown.join(', ')}; known: ${CONFIG_FIELDS.join(', ')}`);
  }
  const allow = raw.allowWithoutSelector ?? [];
  if (!Array.isArray(allow)) {
    throw new ConfigError('config.allowWithoutSelector must be a list of Service names');
  }
  allow.forEach((entry, i) => {
    if (typeof entry !== 'string' || !/^([^/\s]+\/)?[^/\s]+$/.test(entry)) {
      throw new ConfigError(
        `config.allowWithoutSelector[${i}] must be a Service name or namespace/name, not ${JSON.stringify(entry)}`,
      );
    }
  });
  return { allowWithoutSelector: allow };
}

/** Whether every `key: value` of `selector` is among `labels` (Kubernetes' map selector). */
export function selects(selector, labels) {
  if (!isMap(labels)) return false;
  // Compared as text: label values are strings, whatever YAML made of `true` or `1`.
  return Object.entries(selector).every(([k, v]) => k in labels && String(labels[k]) === String(v));
}

function allowListed(allow, namespace, name) {
  return allow.some((entry) => entry === name || entry === `${namespace}/${name}`);
}

const describe = (selector) => Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');

/**
 * The outcome for the release's rendered resources.
 *
 * `resources` are `{apiVersion, kind, name, namespace, object}` with `object`
 * parsed; a resource without a namespace is in `releaseNamespace`. Returns
 * `{allowed, findings: [{severity, message, resource, fieldPath}], create: []}`;
 * throws ConfigError for a bad config.
 */
export function checkServices(resources, releaseNamespace, configText) {
  const config = parseConfig(configText);
  const inNamespace = (r) => r.namespace || releaseNamespace;
  const workloads = resources.filter((r) => Object.hasOwn(WORKLOAD_LABELS, r.kind));

  const findings = [];
  let checked = 0;
  let skipped = 0;
  for (const r of resources) {
    if (r.apiVersion !== 'v1' || r.kind !== 'Service') continue;
    const namespace = inNamespace(r);
    const spec = r.object?.spec ?? {};
    const selector = spec.selector;
    const orphan = (message) =>
      findings.push({
        severity: 'error',
        message,
        resource: { apiVersion: 'v1', kind: 'Service', name: r.name, namespace },
        fieldPath: 'spec.selector',
      });

    // An ExternalName Service is a DNS alias: it selects no pods by design.
    if (spec.type === 'ExternalName') {
      skipped++;
      continue;
    }
    if (selector !== undefined && selector !== null && !isMap(selector)) {
      checked++;
      orphan(`Service \`${r.name}\` has a spec.selector that is not a map of labels`);
      continue;
    }
    if (!selector || Object.keys(selector).length === 0) {
      if (allowListed(config.allowWithoutSelector, namespace, r.name)) {
        skipped++;
        continue;
      }
      checked++;
      orphan(
        `Service \`${r.name}\` has no selector, so it selects no pods ` +
          '(list it in config.allowWithoutSelector if its endpoints are managed another way)',
      );
      continue;
    }
    checked++;
    const match = workloads.some(
      (w) => inNamespace(w) === namespace && selects(selector, WORKLOAD_LABELS[w.kind](w.object)),
    );
    if (!match) {
      orphan(
        `Service \`${r.name}\` selects ${describe(selector)}, but no rendered ` +
          `${WORKLOAD_KINDS.slice(0, -1).join(', ')} or ${WORKLOAD_KINDS.at(-1)} in namespace \`${namespace}\` has those pod labels`,
      );
    }
  }

  if (findings.length === 0) {
    findings.push({
      severity: 'info',
      message: `${checked} Service(s) select the pods of a rendered workload; ${skipped} skipped (ExternalName or allowed without a selector)`,
      resource: undefined,
      fieldPath: undefined,
    });
  }
  return { allowed: !findings.some((f) => f.severity === 'error'), findings, create: [] };
}
