#!/usr/bin/env bash
# The rate limit tests put Debian's nginx, running deploy/nginx.conf, in front of the app
# (tests/deploy/test_behind_nginx.py). Installs it when missing; needs root (or sudo).
set -euo pipefail
[ -x /usr/sbin/nginx ] && exit 0
run=""
[ "$(id -u)" -eq 0 ] || run="sudo"
$run apt-get update -qq
DEBIAN_FRONTEND=noninteractive $run apt-get install -y -qq nginx
# The tests start their own nginx on loopback; the package's service (port 80) is not needed.
if [ -d /run/systemd/system ]; then
  $run systemctl disable --now nginx >/dev/null 2>&1 || true
fi
