/**
 * The bundled Action (actions/authy-2fa/code.js, scripts/build-action.mjs) run as a script in a
 * `node:vm` context, as the sandbox's runtime loads it: the whole bundle is one function, so its
 * functions and constants are locals of that function, not properties of the context's global
 * object (where every read of one would go through the global's property interceptor).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import vm from 'node:vm';

const ROOT = join(__dirname, '..', '..');
const CODE_PATH = join(ROOT, 'actions', 'authy-2fa', 'code.js');

function bundle(): string {
  if (!existsSync(CODE_PATH)) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-action.mjs')], { stdio: 'ignore' });
  return readFileSync(CODE_PATH, 'utf8');
}

test('code.js leaves nothing on the global object but what it was given, and exports both handlers', () => {
  const module = { exports: {} as Record<string, unknown> };
  const given = { module, exports: module.exports, require: createRequire(__filename), console, Buffer, URL };
  const context = vm.createContext({ ...given });
  new vm.Script(bundle(), { filename: 'code.js' }).runInContext(context);
  expect(Object.keys(context).sort()).toEqual(Object.keys(given).sort());
  expect(typeof module.exports.onExecutePostLogin).toBe('function');
  expect(typeof module.exports.onContinuePostLogin).toBe('function');
});

test('code.js still loads where it is the body of a CommonJS module (as Node wraps it)', () => {
  const module = { exports: {} as Record<string, unknown> };
  const load = vm.runInThisContext(`(function (exports, require, module) {${bundle()}\n})`) as (
    exports: unknown,
    require: NodeJS.Require,
    module: unknown,
  ) => void;
  load(module.exports, createRequire(__filename), module);
  expect(typeof module.exports.onExecutePostLogin).toBe('function');
});
