#!/bin/sh
# azd postprovision hook: stores the ado-reviewer secrets in Key Vault without ever printing them.
#
# For every secret-backed setting the deployment uses (KEY_VAULT_SECRET_NAMES, an output of infra/main.bicep:
# "SETTING=secret-name" pairs), the value comes from the environment variable named like the setting
# (AZURE_DEVOPS_BOT_TOKEN, OPENAI_API_KEYS, WEBHOOK_PASSWORD, ...) or, for a required secret (KEY_VAULT_REQUIRED_SECRETS)
# that Key Vault does not hold yet, from a hidden prompt when a terminal is attached. The webhook password is never
# asked for: without one, a random one is generated. A secret already in Key Vault is left alone unless a new value
# is supplied, so later `azd provision` runs ask nothing.
# Values reach `az` through a file only the current user can read, never through the command line or the output.
set -eu

: "${AZURE_KEY_VAULT_NAME:?is not set: run this through azd (postprovision hook) after provisioning}"
: "${KEY_VAULT_SECRET_NAMES:?is not set: run this through azd (postprovision hook) after provisioning}"
: "${KEY_VAULT_REQUIRED_SECRETS:?is not set: run this through azd (postprovision hook) after provisioning}"

required_settings="$KEY_VAULT_REQUIRED_SECRETS"
# Anyone who can reach the webhook may guess at its basic-auth password.
min_webhook_password_length=16
# A fresh role assignment can take minutes to reach Key Vault.
attempts="${SET_SECRETS_ATTEMPTS:-12}"
retry_seconds="${SET_SECRETS_RETRY_SECONDS:-15}"

if [ -n "${WEBHOOK_PASSWORD:-}" ] && [ "${#WEBHOOK_PASSWORD}" -lt "$min_webhook_password_length" ]; then
  echo "WEBHOOK_PASSWORD: refused, shorter than $min_webhook_password_length characters." >&2
  echo "Supply a longer one, or unset it to have a random one generated." >&2
  exit 1
fi

umask 077
workdir=$(mktemp -d)
restore_terminal() {
  if [ -t 0 ]; then stty echo 2>/dev/null || true; fi
}
trap 'restore_terminal; rm -rf "$workdir"' EXIT
trap 'exit 130' INT TERM

is_required() {
  case " $required_settings " in
    *" $1 "*) return 0 ;;
    *) return 1 ;;
  esac
}

# With private networking (output PRIVATE_NETWORKING) the vault refuses every request that does not come through its
# private endpoint: no retry helps, so the hook stops at the first such refusal and says where to run it from.
refused_by_network() {
  grep -q -e 'ForbiddenByConnection' -e 'Public network access is disabled' -e 'not an approved private link' "$1"
}

stop_unreachable_vault() {
  echo "Key Vault $AZURE_KEY_VAULT_NAME refused the request: it accepts connections only through its private endpoint" >&2
  echo "(PRIVATE_NETWORKING=${PRIVATE_NETWORKING:-true}). Run this hook (azd hooks run postprovision) from a machine in" >&2
  echo "or connected to its virtual network (VPN, peering, a jump host), or store the secrets while private networking" >&2
  echo "is off and turn it on afterwards; see docs/deployment.md#private-networking." >&2
  exit 1
}

secret_exists() {
  if az keyvault secret show --vault-name "$AZURE_KEY_VAULT_NAME" --name "$1" --query id --output none \
    >/dev/null 2>"$workdir/error"; then
    return 0
  fi
  # Anything else (not found, not yet authorized) counts as absent, as before.
  if refused_by_network "$workdir/error"; then stop_unreachable_vault; fi
  return 1
}

# Reads one line without echoing it; the prompt goes to stderr, the value into the named file.
prompt_hidden() {
  printf '%s (input hidden, empty to skip): ' "$1" >&2
  stty -echo
  IFS= read -r answer || answer=""
  stty echo
  printf '\n' >&2
  printf '%s' "$answer" >"$2"
  answer=""
}

# 32 random bytes as 64 hexadecimal characters: safe in basic auth and in any service hook form.
generate_password() {
  od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$1"
}

store_secret() {
  attempt=1
  until az keyvault secret set --vault-name "$AZURE_KEY_VAULT_NAME" --name "$1" --file "$2" --encoding utf-8 \
    --output none 2>"$workdir/error"; do
    if refused_by_network "$workdir/error"; then stop_unreachable_vault; fi
    if [ "$attempt" -ge "$attempts" ]; then
      cat "$workdir/error" >&2
      return 1
    fi
    echo "  Key Vault refused the write; waiting ${retry_seconds}s for the role assignment to take effect..." >&2
    sleep "$retry_seconds"
    attempt=$((attempt + 1))
  done
}

missing=""
for pair in $KEY_VAULT_SECRET_NAMES; do
  setting=${pair%%=*}
  secret_name=${pair#*=}
  case "$setting" in
    '' | *[!A-Z0-9_]*)
      echo "KEY_VAULT_SECRET_NAMES: unexpected entry '$pair'" >&2
      exit 1
      ;;
  esac
  value_file="$workdir/value"
  generated=false
  # Indirect expansion of the variable named like the setting; setting names come from our own template.
  eval "value=\${$setting:-}"
  if [ -n "$value" ]; then
    printf '%s' "$value" >"$value_file"
  elif secret_exists "$secret_name"; then
    echo "$setting: kept the value already in Key Vault ($secret_name)."
    continue
  elif [ "$setting" = WEBHOOK_PASSWORD ]; then
    generate_password "$value_file"
    generated=true
  elif ! is_required "$setting"; then
    continue
  elif [ -t 0 ]; then
    prompt_hidden "$setting" "$value_file"
  else
    : >"$value_file"
  fi
  value=""

  if [ ! -s "$value_file" ]; then
    if is_required "$setting"; then missing="$missing $setting"; fi
    continue
  fi
  store_secret "$secret_name" "$value_file"
  rm -f "$value_file"
  if [ "$generated" = true ]; then
    echo "$setting: generated and stored in Key Vault as $secret_name. The service hooks need it; read it with"
    echo "  az keyvault secret show --vault-name $AZURE_KEY_VAULT_NAME --name $secret_name --query value --output tsv"
  else
    echo "$setting: stored in Key Vault as $secret_name."
  fi
done

if [ -n "$missing" ]; then
  echo "Missing required secrets:$missing" >&2
  echo "Export them (or run interactively) and re-run: azd hooks run postprovision" >&2
  exit 1
fi
