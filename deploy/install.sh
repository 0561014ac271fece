#!/usr/bin/env bash
# Installs infermon as a systemd service (run as root from a checkout after
# `swift build -c release --product infermon`):
#   binary      -> /usr/local/bin/infermon
#   config      -> /etc/infermon/infermon.yaml, rules/, dashboards/ (the example: starts unedited)
#   secrets     -> /etc/infermon/token (created once: random, 0600, handed over by LoadCredential=)
#                  /etc/default/infermon (created once: a commented template, 0600)
#   unit        -> /etc/systemd/system/infermon.service (+ notify-reload drop-in on systemd >= 253)
#   completions -> /usr/local/share/{bash-completion/completions,zsh/site-functions,fish/vendor_completions.d}
#   manual      -> /usr/local/share/man/man1/infermon.1
# A file you changed is never overwritten: the new version goes beside it as
# NAME.dist (and the script says so). A file you did not change since the last
# install is updated. Then the configuration is checked and the service
# (re)started. Logs go to the journal: `journalctl -u infermon -f`.
#
# Usage: deploy/install.sh [--root DIR] [--prefix DIR] [--binary FILE] [--no-start]
#   --root DIR     install below DIR instead of / (also DESTDIR=DIR); nothing is
#                  started and systemctl is not called, for packaging and tests
#   --prefix DIR   where bin/ and share/ go (default /usr/local; also PREFIX=DIR)
#   --binary FILE  the infermon binary to install (default .build/release/infermon)
#   --no-start     install and check, but do not enable or (re)start the service
set -euo pipefail

root=${DESTDIR:-}
prefix=${PREFIX:-/usr/local}
binary=
start=yes
while [ $# -gt 0 ]; do
    case "$1" in
        --root) root=$2; shift 2 ;;
        --root=*) root=${1#--root=}; shift ;;
        --prefix) prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --binary) binary=$2; shift 2 ;;
        --binary=*) binary=${1#--binary=}; shift ;;
        --no-start) start=no; shift ;;
        -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
# Paths given relative to the caller's directory stay so after the cd below.
case "$root" in ""|/*) ;; *) root=$PWD/$root ;; esac
root=${root%/}
case "${binary:-}" in ""|/*) ;; *) binary=$PWD/$binary ;; esac
cd "$(dirname "$0")/.."
binary=${binary:-$PWD/.build/release/infermon}

if [ -z "$root" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root (or install below a directory with --root DIR)" >&2; exit 1; }
fi
[ -x "$binary" ] || { echo "install.sh: $binary is missing: build first: swift build -c release --product infermon" >&2; exit 1; }

etc=$root/etc/infermon
manifest=$etc/.installed.sha256   # what install.sh last installed, to tell your edits from ours
notes=()

sum() { sha256sum <"$1" | cut -d' ' -f1; }

# Installs SRC as DEST (a path below the root) with MODE, unless DEST was changed
# since install.sh last wrote it: then SRC goes to DEST.dist.
install_file() {
    local src=$1 dest=$2 mode=$3 target=$root$2 new current recorded
    new=$(sum "$src")
    install -d -m 0755 "$(dirname "$target")"
    if [ -e "$target" ]; then
        current=$(sum "$target")
        if [ "$current" = "$new" ]; then
            record "$dest" "$new"
            return
        fi
        recorded=$(awk -v path="$dest" '$2 == path {print $1}' "$manifest" 2>/dev/null || true)
        if [ "$current" != "$recorded" ]; then
            install -m "$mode" "$src" "$target.dist"
            notes+=("kept $dest (changed here); the new version is $dest.dist: diff -u $dest $dest.dist")
            return
        fi
        notes+=("updated $dest")
    fi
    install -m "$mode" "$src" "$target"
    record "$dest" "$new"
}

record() {
    local entries
    entries=$(awk -v path="$1" '$2 != path' "$manifest" 2>/dev/null || true)
    { [ -z "$entries" ] || printf '%s\n' "$entries"; printf '%s %s\n' "$2" "$1"; } >"$manifest.new"
    mv "$manifest.new" "$manifest"
}

# Every regular file below DIR of the checkout, into DEST below /etc/infermon.
install_tree() {
    local dir=$1 dest=$2 file
    [ -d "$dir" ] || return 0
    while IFS= read -r -d '' file; do
        install_file "$file" "$dest/${file#"$dir"/}" 0644
    done < <(find "$dir" -type f -print0 | sort -z)
}

install -d -m 0755 "$root$prefix/bin" "$etc"
install -m 0755 "$binary" "$root$prefix/bin/infermon"
installed=$root$prefix/bin/infermon

install_file deploy/infermon.example.yaml /etc/infermon/infermon.yaml 0644
install_tree rules /etc/infermon/rules
install_tree dashboards /etc/infermon/dashboards

# The bearer token: root-only; the unit's LoadCredential= hands the service its own copy.
if [ ! -e "$etc/token" ]; then
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$etc/token")
    chmod 0600 "$etc/token"
    notes+=("created /etc/infermon/token (random, 64 characters, mode 0600)")
elif [ -n "$(find "$etc/token" -perm /077)" ]; then
    notes+=("warning: /etc/infermon/token is readable by others: chmod 0600 /etc/infermon/token")
fi
if [ ! -e "$root/etc/default/infermon" ]; then
    install -d -m 0755 "$root/etc/default"
    install -m 0600 deploy/infermon.default "$root/etc/default/infermon"
    notes+=("created /etc/default/infermon (a commented template for the secrets *_env names)")
fi

# The unit, with ExecStart pointing at the binary under this prefix.
unit=$(mktemp)
trap 'rm -f "$unit"' EXIT
sed "s|/usr/local/bin/infermon|$prefix/bin/infermon|g" deploy/infermon.service >"$unit"
install_file "$unit" /etc/systemd/system/infermon.service 0644
version=$(systemctl --version 2>/dev/null | awk 'NR==1 {print $2}' || true)
if [ "${version:-0}" -ge 253 ] 2>/dev/null; then
    install_file deploy/infermon.service.d/notify-reload.conf \
        /etc/systemd/system/infermon.service.d/notify-reload.conf 0644
fi

# Shell completions and the manual page, generated by the binary from its own argument parser.
completions=$(mktemp -d)
trap 'rm -f "$unit"; rm -rf "$completions"' EXIT
"$installed" --generate-completion-script bash >"$completions/infermon"
"$installed" --generate-completion-script zsh >"$completions/_infermon"
"$installed" --generate-completion-script fish >"$completions/infermon.fish"
"$installed" manual >"$completions/infermon.1"
install -D -m 0644 "$completions/infermon" "$root$prefix/share/bash-completion/completions/infermon"
install -D -m 0644 "$completions/_infermon" "$root$prefix/share/zsh/site-functions/_infermon"
install -D -m 0644 "$completions/infermon.fish" "$root$prefix/share/fish/vendor_completions.d/infermon.fish"
install -D -m 0644 "$completions/infermon.1" "$root$prefix/share/man/man1/infermon.1"

for note in "${notes[@]}"; do echo "install.sh: $note"; done

# Checked as the service reads it: outside systemd the token is the file beside the configuration.
env -u CREDENTIALS_DIRECTORY "$installed" config check "$etc/infermon.yaml"

if [ -n "$root" ]; then
    echo "installed below $root (not started)"
    exit 0
fi
systemctl daemon-reload
if [ "$start" = yes ]; then
    systemctl enable infermon
    systemctl restart infermon
    echo "installed and started; status: systemctl status infermon; logs: journalctl -u infermon -f"
else
    echo "installed; start with: systemctl enable --now infermon"
fi
echo "check this host with: infermon doctor --config /etc/infermon/infermon.yaml"
