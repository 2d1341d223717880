#!/usr/bin/env bash
# The Secrets deploy/ reads and does not carry (no password belongs in Git): Redis's password and the
# runtime's session key, random, created once in chatbot-system (kept when they exist). With a secret
# manager (sealed-secrets, external-secrets), create the same two instead:
#   chatbot-redis   key password     (Redis requirepass; the runtime's REDIS_URL)
#   chatbot-runtime key sessionKey   (SESSION_KEY: conversation keys and Http conversation tokens)
set -euo pipefail
ns=chatbot-system
kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl apply -f "$(dirname "$0")/../deploy/00-namespace.yaml"
rand() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
for pair in chatbot-redis:password chatbot-runtime:sessionKey; do
  name=${pair%%:*}
  key=${pair#*:}
  if kubectl get secret "$name" -n "$ns" >/dev/null 2>&1; then
    echo "secret $ns/$name exists: kept"
  else
    kubectl create secret generic "$name" -n "$ns" --from-literal="$key=$(rand)" >/dev/null
    echo "secret $ns/$name created ($key)"
  fi
done
