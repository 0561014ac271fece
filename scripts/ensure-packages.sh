#!/usr/bin/env bash
# Installs the Debian packages given as arguments when any is missing.
# As root it uses apt-get; otherwise sudo if it works without a password;
# otherwise it prints the command to run and fails.
set -euo pipefail
missing=()
for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "infermon: installing missing packages: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
    apt_get=(apt-get)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    apt_get=(sudo -n apt-get)
else
    echo "infermon: missing packages: ${missing[*]}" >&2
    echo "infermon: run as root: apt-get install -y ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! "${apt_get[@]}" install -y -q "${missing[@]}" >/dev/null 2>&1; then
    "${apt_get[@]}" update -q >/dev/null
    "${apt_get[@]}" install -y -q "${missing[@]}"
fi
