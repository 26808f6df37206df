#!/usr/bin/env bash
# Set up .venv/ (once) and run policydesk on its embedded defaults at http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup-venv.sh
exec .venv/bin/policydesk serve "$@"
