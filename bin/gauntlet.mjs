#!/usr/bin/env node
// Entry point. An installed package runs its compiled JavaScript (dist/, built at pack time) with plain node.
// A checkout (the .ts sources are here) runs them through tsx, and the bare specifier 'gauntlet' in a config or an
// example means this checkout's own harness/index.ts, as it means the installed package's dist/ for a user.
import { existsSync } from 'node:fs';

const source = new URL('../harness/cli/main.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const { default: Module, register } = await import('node:module');
  const index = new URL('../harness/index.ts', import.meta.url);
  // ESM imports (a config in a "type": "module" folder) ...
  const hook = `export async function resolve(s, c, next) { return s === 'gauntlet' ? { url: ${JSON.stringify(index.href)}, shortCircuit: true } : next(s, c); }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  // ... and require() (tsx compiles a .ts config in a CommonJS folder to CommonJS).
  const resolveFilename = Module._resolveFilename;
  const indexPath = decodeURIComponent(index.pathname);
  Module._resolveFilename = function (request, ...rest) {
    return resolveFilename.call(this, request === 'gauntlet' ? indexPath : request, ...rest);
  };
  (await import('tsx/esm/api')).register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import('../dist/harness/cli/main.js'));
}
process.exitCode = await main(process.argv.slice(2));
