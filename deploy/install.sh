#!/usr/bin/env bash
# Installs infermon as a systemd service on this machine (run as root from a
# checkout after `swift build -c release --product infermon`):
#   binary  -> /usr/local/bin/infermon
#   config  -> /etc/infermon/infermon.yaml (kept if it exists), rules/, dashboards/
#   unit    -> /etc/systemd/system/infermon.service (+ notify-reload drop-in on systemd >= 253)
# Logs go to the journal: `journalctl -u infermon -f`. No logrotate needed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root" >&2; exit 1; }
binary=.build/release/infermon
[ -x "$binary" ] || { echo "install.sh: build first: swift build -c release --product infermon" >&2; exit 1; }
install -m 0755 "$binary" /usr/local/bin/infermon
install -d -m 0755 /etc/infermon /etc/infermon/rules /etc/infermon/dashboards
[ -e /etc/infermon/infermon.yaml ] || install -m 0644 deploy/infermon.example.yaml /etc/infermon/infermon.yaml
cp -r rules/. /etc/infermon/rules/
cp -r dashboards/. /etc/infermon/dashboards/ 2>/dev/null || true
install -m 0644 deploy/infermon.service /etc/systemd/system/infermon.service
version=$(systemctl --version | awk 'NR==1 {print $2}')
if [ "${version:-0}" -ge 253 ]; then
    install -d /etc/systemd/system/infermon.service.d
    install -m 0644 deploy/infermon.service.d/notify-reload.conf /etc/systemd/system/infermon.service.d/
fi
/usr/local/bin/infermon config check /etc/infermon/infermon.yaml
systemctl daemon-reload
systemctl enable --now infermon
echo "installed; status: systemctl status infermon; logs: journalctl -u infermon -f"
