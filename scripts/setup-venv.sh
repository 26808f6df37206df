#!/usr/bin/env bash
# Create .venv/ and install policydesk into it. Pass "test" to add the test tools.
# torch is installed first, pinned, so that pip takes the CPU build.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"
stamp=".venv/.installed-${extra:-run}-$(sha256sum pyproject.toml | cut -c1-16)"
[ -f "$stamp" ] && exit 0
[ -x .venv/bin/python ] || python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q "torch==2.13.0"
if [ -n "$extra" ]; then
  .venv/bin/python -m pip install -q -e ".[$extra]"
else
  .venv/bin/python -m pip install -q -e .
fi
touch "$stamp"
