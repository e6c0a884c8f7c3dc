#!/usr/bin/env bash
# System packages the test suite needs beyond the machine's own services; installed only if missing,
# so a second run only checks and returns at once.
#   docker-compose   validates docker-compose.yml (tests/integration/test_compose_file.py)
#   chromium         drives the RabbitMQ management UI (tests/e2e/test_management_ui.py,
#                    make ui-screenshot) through Playwright, which is told to use it: no browser download
# --no-install-recommends: no Docker engine, udev or desktop services come along.
set -euo pipefail
need=()
command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 || need+=(docker-compose)
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || need+=(chromium)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
installed fonts-liberation || need+=(fonts-liberation)  # legible screenshots; only a Recommends of chromium
if [ ${#need[@]} -gt 0 ] && { [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; }; then
  # a developer's laptop: say what is missing rather than fail here; the tests that need it say so too
  echo "[deps] not installed: ${need[*]} (installing needs root and apt-get); the tests that use them will fail"
elif [ ${#need[@]} -gt 0 ]; then
  echo "[deps] installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
