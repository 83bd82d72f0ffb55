/**
 * A package loaded the first time it is used rather than when the file naming it is: what keeps a large one
 * (@azure/identity, @azure/keyvault-secrets, a tokenizer's tables) out of the webhook's and health's cold start
 * (test/functions/coldStart.test.ts) and out of every run that never needs it.
 *
 * Two ways to load late, one per kind of caller. A synchronous caller (one that returns a credential, a client or a
 * count at once) uses this, and so `require` stays here alone. An async caller uses `await import()`: the entry
 * points' handlers (functions/), the commands (cli/main.ts), the Bedrock client and its HTTP handler
 * (createChatModel.ts). There TypeScript checks the path and the module's type, and a file of this project is named
 * relative to its caller; here `Module` is stated (`typeof import('<id>')`) and `id` must be a package name, since a
 * relative path would resolve from this folder. Node caches the module either way.
 */
export function loadOnFirstUse<Module>(id: string): () => Module {
  let loaded: { module: Module } | undefined;
  return () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded ??= { module: require(id) as Module };
    return loaded.module;
  };
}
