#!/usr/bin/env bash
# Headless browser tests drive Debian's chromium (never a browser build downloaded by a
# test tool). Installs it when missing; needs root (or sudo).
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
run=""
[ "$(id -u)" -eq 0 ] || run="sudo"
$run apt-get update -qq
DEBIAN_FRONTEND=noninteractive $run apt-get install -y -qq chromium
