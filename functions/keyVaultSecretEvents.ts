import { app, type EventGridEvent, type InvocationContext } from '@azure/functions';
import { handleSecretEvents } from '../shared/secrets/secretEvents';
import { secretStore } from '../shared/composition/processRoot';
import type { SecretStore } from '../shared/secrets/secretStore';

/**
 * Key Vault secret events delivered by Event Grid (infra/app/key-vault-events.bicep). The store is the one this
 * worker process reads secrets through, so a new version is picked up at once here; other instances of a scaled-out
 * app pick it up when their cached value expires. Throwing on an invalid event makes Event Grid retry it.
 */
export function createKeyVaultSecretEventsHandler(getStore: () => SecretStore | undefined) {
  return (event: EventGridEvent, context: InvocationContext): void => {
    const store = getStore();
    if (store === undefined) {
      context.info(
        `Key Vault event ${event.eventType} for "${event.subject}" ignored: KEY_VAULT_URI is not set.`,
      );
      return;
    }
    handleSecretEvents(event, { store, log: context });
  };
}

export const handleKeyVaultSecretEvents = createKeyVaultSecretEventsHandler(secretStore);

app.eventGrid('keyVaultSecretEvents', { handler: handleKeyVaultSecretEvents });
