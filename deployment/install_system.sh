#!/usr/bin/env bash
# System packages anomalia needs on Debian 12, installed only when missing.
# Used by the Makefile and the Dockerfile alike; safe to run again.
set -euo pipefail

need=()
# Debian's python3 ships venv without ensurepip until python3-venv is installed,
# so the only reliable check is to make a throwaway environment.
probe=$(mktemp -d)
python3 -m venv "$probe/venv" >/dev/null 2>&1 || need+=(python3-venv)
rm -rf "$probe"

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install_system.sh: missing Debian packages: ${need[*]}; run as root or: sudo apt-get install -y ${need[*]}" >&2
    exit 1
fi
echo "installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${need[@]}"
