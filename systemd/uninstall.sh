#!/usr/bin/env bash
# Remove the fabwatch service installed by systemd/install.sh.
#
#   sudo systemd/uninstall.sh [--purge] [--prefix DIR] [--root DIR]
#
# Stops and disables fabwatch.service, removes the unit, its drop-ins and the bundle (/opt/fabwatch).
# Keeps /etc/fabwatch (configuration) and the state directory (outbox, history) unless --purge,
# which also removes them, the fabwatch user and its sysusers.d entry. The I2C setting, the device
# groups and Node.js are left alone: other software may use them.
set -euo pipefail

PREFIX=/opt/fabwatch
PURGE=0
ROOT=

log() { printf 'fabwatch-uninstall: %s\n' "$*"; }
die() {
	printf 'fabwatch-uninstall: ERROR: %s\n' "$*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
	--purge) PURGE=1; shift ;;
	--prefix) PREFIX=${2:?--prefix needs a directory}; shift 2 ;;
	--root) ROOT=${2:?--root needs a directory}; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option: $1" ;;
	esac
done
case "$PREFIX" in /?*) ;; *) die "--prefix must be an absolute path other than /" ;; esac
if [ -n "$ROOT" ]; then
	ROOT=$(cd "$ROOT" && pwd) || die "--root $ROOT does not exist"
	[ "$ROOT" != / ] || ROOT=
fi
[ "$(id -u)" -eq 0 ] || die "run as root (sudo $0)"

UNIT_DIR="$ROOT/etc/systemd/system"
if [ -n "$ROOT" ]; then
	[ ! -e "$UNIT_DIR/fabwatch.service" ] || systemctl --root="$ROOT" disable fabwatch.service || true
else
	# A failed or absent unit is fine: uninstall is idempotent.
	systemctl disable --now fabwatch.service 2>/dev/null || true
fi
rm -f "$UNIT_DIR/fabwatch.service"
rm -rf "$UNIT_DIR/fabwatch.service.d"
[ -n "$ROOT" ] || systemctl daemon-reload
[ -n "$ROOT" ] || systemctl reset-failed fabwatch.service 2>/dev/null || true
log "removed fabwatch.service"

rm -rf "$ROOT$PREFIX" "$ROOT$PREFIX.old"
log "removed $PREFIX"

if [ "$PURGE" -eq 1 ]; then
	# DynamicUser=yes keeps the state in /var/lib/private/fabwatch behind a /var/lib/fabwatch link.
	rm -rf "$ROOT/etc/fabwatch" "$ROOT/var/lib/fabwatch" "$ROOT/var/lib/private/fabwatch"
	rm -f "$ROOT/etc/modules-load.d/fabwatch-i2c.conf" "$ROOT/etc/systemd/journald.conf.d/fabwatch.conf"
	rm -f "$ROOT/etc/sysusers.d/fabwatch.conf"
	if [ -n "$ROOT" ]; then
		userdel --root "$ROOT" fabwatch 2>/dev/null || true
	else
		userdel fabwatch 2>/dev/null || true
	fi
	log "purged configuration, state (outbox, history) and the fabwatch user"
else
	log "kept /etc/fabwatch and the state directory (use --purge to remove them)"
fi
