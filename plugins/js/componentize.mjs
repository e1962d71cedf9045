// Builds one JavaScript hook into a component with componentize-js's API (its
// CLI, through `jco componentize`, does not work with this toolchain).
// Usage: node componentize.mjs TOOLCHAIN_DIR SOURCE.js WIT_DIR OUT.wasm
import { writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [toolchain, sourcePath, witPath, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: node componentize.mjs TOOLCHAIN_DIR SOURCE.js WIT_DIR OUT.wasm');
  process.exit(2);
}
// The toolchain lives outside the clone, so it is imported by path, not by name.
const entry = join(toolchain, 'node_modules/@bytecodealliance/componentize-js/src/componentize.js');
const { componentize } = await import(pathToFileURL(entry).href);

const { component } = await componentize({
  sourcePath,
  witPath,
  worldName: 'hook',
  // The host provides no wasi:http; with these on, the component would import it.
  disableFeatures: ['http', 'fetch-event'],
});
// Written beside the target, then renamed: an interrupted build leaves no partial OUT.wasm.
await writeFile(`${out}.tmp`, component);
await rename(`${out}.tmp`, out);
