#!/usr/bin/env bash
# Set up .venv/ with test tools (once) and run lint, type checks and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup-venv.sh test
bash scripts/setup-browser.sh
bash scripts/setup-nginx.sh
bash scripts/services.sh
export POLICYDESK_REQUIRE_PG="${POLICYDESK_REQUIRE_PG:-1}"
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/lint-imports --no-cache
exec .venv/bin/python -m pytest "$@"
