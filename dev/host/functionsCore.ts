/**
 * Stands in for `@azure/functions-core`, the module the Azure Functions Node worker injects at run time. The
 * `@azure/functions` library calls `registerFunction` from `app.http(...)`, `app.storageQueue(...)`, ...; recording
 * those calls gives the stand-in host the app's real registrations: names, bindings and handlers.
 */

export interface RegisteredBinding {
  type: string;
  direction: 'in' | 'out';
  [property: string]: unknown;
}

export interface RegisteredFunction {
  name: string;
  bindings: Record<string, RegisteredBinding>;
  handler: (...args: unknown[]) => unknown;
}

const REGISTRY = Symbol.for('ado-reviewer.functions-core.registry');
type GlobalWithRegistry = typeof globalThis & { [REGISTRY]?: RegisteredFunction[] };

export function registeredFunctions(): RegisteredFunction[] {
  const holder = globalThis as GlobalWithRegistry;
  return (holder[REGISTRY] ??= []);
}

export function registerFunction(
  metadata: { name: string; bindings: Record<string, RegisteredBinding> },
  handler: (...args: unknown[]) => unknown,
): { dispose(): void } {
  const functions = registeredFunctions();
  if (functions.some((fn) => fn.name === metadata.name)) {
    throw new Error(`A function named "${metadata.name}" is already registered`);
  }
  const entry = { name: metadata.name, bindings: metadata.bindings, handler };
  functions.push(entry);
  return { dispose: () => functions.splice(functions.indexOf(entry), 1) };
}

export function setProgrammingModel(): void {}

export function registerHook(): { dispose(): void } {
  return { dispose() {} };
}

const HTTP_STREAM = Symbol.for('ado-reviewer.functions-core.http-stream');
type GlobalWithHttpStream = typeof globalThis & { [HTTP_STREAM]?: boolean };

/**
 * The worker's log. Its presence tells `@azure/functions` that the host supports HTTP streams (it refuses
 * `app.setup({ enableHttpStream: true })` otherwise), and `setup` reports enabling them here: the real host learns it
 * from the worker's capabilities, which the library only computes while starting its own proxy server.
 */
export function log(_level: string, category: string, message: string): void {
  if (category === 'system' && message === 'HTTP streaming enabled.') {
    (globalThis as GlobalWithHttpStream)[HTTP_STREAM] = true;
  }
}

/** Whether the app called `app.setup({ enableHttpStream: true })`. */
export function httpStreamEnabled(): boolean {
  return (globalThis as GlobalWithHttpStream)[HTTP_STREAM] === true;
}
