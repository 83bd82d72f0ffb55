#!/bin/sh
# azd postdeploy hook: the Key Vault event subscription can only be created once keyVaultSecretEvents exists,
# which is after the first deploy; say how to switch it on until it is.
set -eu

if [ "${KEY_VAULT_EVENTS_ENABLED:-false}" != "true" ]; then
  echo "Key Vault secret events are not routed to the app yet. Now that the code is deployed, run:"
  echo "  azd env set KEY_VAULT_EVENTS_ENABLED true && azd provision"
fi
