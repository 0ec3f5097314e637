/**
 * Loads a bundled post-login Action (CommonJS `code.js`) into a `node:vm` context, the way the
 * tenant runs the deployed file: `module`/`exports`, a `require` limited to Node built-ins (the
 * Action has no npm dependencies), and the globals of Auth0's Node runtime that Actions use.
 * A vm context is not a security boundary; it only keeps the Action from reaching the
 * tenant's own modules by accident.
 */
import { builtinModules, createRequire } from 'node:module';
import vm from 'node:vm';

/** A post-login handler: `(event, api) => Promise<void>`. */
export type PostLoginHandler = (event: unknown, api: unknown) => unknown;

export interface LoadedAction {
  onExecutePostLogin?: PostLoginHandler;
  onContinuePostLogin?: PostLoginHandler;
}

/** The Action file could not be loaded (syntax error, forbidden require, no handler). */
export class ActionLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionLoadError';
  }
}

const BUILTINS = new Set(builtinModules);

function isBuiltin(name: string): boolean {
  const bare = name.startsWith('node:') ? name.slice(5) : name;
  return BUILTINS.has(bare) || BUILTINS.has(bare.split('/')[0] ?? bare);
}

/** Runs `code` (the text of code.js) and returns its exported handlers. */
export function loadAction(code: string, filename: string): LoadedAction {
  const hostRequire = createRequire(__filename);
  // The Action may call require() with anything, not only a string.
  const sandboxRequire = (name: unknown): unknown => {
    if (typeof name !== 'string' || !isBuiltin(name)) {
      // Same wording as Node, which is what an Action sees for a dependency that is not declared.
      const error = new Error(`Cannot find module '${String(name)}'`) as Error & { code?: string };
      error.code = 'MODULE_NOT_FOUND';
      throw error;
    }
    return hostRequire(name);
  };

  const module = { exports: {} as Record<string, unknown> };
  const context = vm.createContext({
    module,
    exports: module.exports,
    require: sandboxRequire,
    console,
    fetch,
    AbortController,
    AbortSignal,
    URL,
    URLSearchParams,
    TextEncoder,
    TextDecoder,
    Buffer,
    crypto: globalThis.crypto,
    structuredClone,
    queueMicrotask,
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    __filename: filename,
    __dirname: '/',
  });

  let script: vm.Script;
  try {
    script = new vm.Script(code, { filename });
  } catch (error) {
    throw new ActionLoadError(`${filename}: ${(error as Error).message}`);
  }
  try {
    script.runInContext(context, { timeout: 5000 });
  } catch (error) {
    throw new ActionLoadError(`${filename} failed while loading: ${(error as Error).message}`);
  }

  const exported = module.exports;
  const pick = (name: string): PostLoginHandler | undefined => {
    const value = exported[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'function') throw new ActionLoadError(`${filename}: ${name} is not a function`);
    return value as PostLoginHandler;
  };
  const loaded: LoadedAction = {};
  const onExecute = pick('onExecutePostLogin');
  const onContinue = pick('onContinuePostLogin');
  if (onExecute) loaded.onExecutePostLogin = onExecute;
  if (onContinue) loaded.onContinuePostLogin = onContinue;
  if (!onExecute && !onContinue) {
    throw new ActionLoadError(`${filename} exports neither onExecutePostLogin nor onContinuePostLogin`);
  }
  return loaded;
}
