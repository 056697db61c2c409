#!/usr/bin/env bash
# The federation and GraphQL-over-HTTP checks in one command:
#   REGISTRY_BIN=target/debug/standards-registry tests/federation/run.sh
# Builds nothing: REGISTRY_BIN must name the built server (absolute, or
# relative to the working directory or to the repo root). Installs the Node
# project with `npm ci` when node_modules is missing or older than the
# lockfile, then runs the composition check, the gateway end-to-end check and
# the graphql-http audit, each of which starts (and stops) what it needs.
# Prints each check, then a combined "N passed, M failed" as the last line;
# exits 1 if any check failed or any script did not finish.
set -uo pipefail

if [ -z "${REGISTRY_BIN:-}" ]; then
  echo "REGISTRY_BIN is not set: build the server (cargo build) and point REGISTRY_BIN at it" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
# Relative to where we were called from, if it is there.
case "$REGISTRY_BIN" in
  /*) ;;
  *) if [ -e "$REGISTRY_BIN" ]; then REGISTRY_BIN="$PWD/$REGISTRY_BIN"; fi ;;
esac
export REGISTRY_BIN

cd "$(dirname "${BASH_SOURCE[0]}")" || exit 1

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if ! npm ci --no-audit --no-fund; then
    echo "npm ci failed"
    echo "0 passed, 1 failed"
    exit 1
  fi
fi

passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for script in compose.mjs cost.mjs gateway.mjs audit.mjs; do
  echo "== ${script%.mjs}"
  node "$script" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  summary=$(tail -n 1 "$log")
  if [[ "$summary" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
    # A script that counted no failure but exited non-zero still failed.
    if [ "$status" -ne 0 ] && [ "${BASH_REMATCH[2]}" -eq 0 ]; then
      failed=$((failed + 1))
    fi
  else
    echo "${script} ended without its summary line (exit ${status})"
    failed=$((failed + 1))
  fi
  echo
done

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
