#!/usr/bin/env bash
# Install fabwatch as a systemd service on Raspberry Pi OS (Bookworm) or another Debian-based
# gateway. Run as root from an unpacked fabwatch tree that holds a built bundle (`npm run build`):
#
#   sudo systemd/install.sh [options]
#
# What it does (docs/deploy.md explains each step):
#   1. checks Node.js >= 20 (outside /home and /root, which ProtectHome= hides from the service)
#   2. enables I2C: `raspi-config nonint do_i2c 0`, or dtparam=i2c_arm=on in config.txt
#   3. creates the system user `fabwatch` and any missing device group (systemd-sysusers)
#   4. copies the bundle to /opt/fabwatch (root-owned, read-only for the service)
#   5. installs /etc/fabwatch/config.yaml from config/gateway.example.yaml if it does not exist
#   6. installs and enables fabwatch.service, then starts it (logs: journalctl -u fabwatch)
#
# Options:
#   --prefix DIR          install the bundle here (default /opt/fabwatch)
#   --deps MODE           runtime npm dependencies: "ci" = npm ci --omit=dev in the prefix (default,
#                         needs the registry), "copy" = copy ./node_modules (built on this arch),
#                         "none" = the bundle needs none
#   --no-i2c              do not touch the I2C configuration
#   --no-start            install and enable, but do not (re)start the service
#   --persistent-journal  keep the journal across reboots (Storage=persistent, 64 MB cap)
#   --root DIR            install into an image rooted at DIR (pi-gen, tests): no raspi-config,
#                         no daemon-reload, no start; `systemctl --root` enables the unit
#   -h, --help            this text
set -euo pipefail
trap 'echo "fabwatch-install: ERROR: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

PREFIX=/opt/fabwatch
DEPS=ci
DO_I2C=1
DO_START=1
PERSISTENT_JOURNAL=0
ROOT=
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MIN_NODE_MAJOR=20

log() { printf 'fabwatch-install: %s\n' "$*"; }
warn() { printf 'fabwatch-install: WARNING: %s\n' "$*" >&2; }
die() {
	printf 'fabwatch-install: ERROR: %s\n' "$*" >&2
	exit 1
}
usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case "$1" in
	--prefix) PREFIX=${2:?--prefix needs a directory}; shift 2 ;;
	--deps) DEPS=${2:?--deps needs ci, copy or none}; shift 2 ;;
	--no-i2c) DO_I2C=0; shift ;;
	--no-start) DO_START=0; shift ;;
	--persistent-journal) PERSISTENT_JOURNAL=1; shift ;;
	--root) ROOT=${2:?--root needs a directory}; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) die "unknown option: $1 (see --help)" ;;
	esac
done
case "$DEPS" in ci | copy | none) ;; *) die "--deps must be ci, copy or none" ;; esac
case "$PREFIX" in /*) ;; *) die "--prefix must be absolute" ;; esac
if [ -n "$ROOT" ]; then
	ROOT=$(cd "$ROOT" && pwd) || die "--root $ROOT does not exist"
	[ "$ROOT" != / ] || ROOT=
fi

[ "$(id -u)" -eq 0 ] || die "run as root (sudo $0)"

# --- 1. Node.js -------------------------------------------------------------------------------
NODE=$(command -v node || true)
[ -n "$NODE" ] || die "node not found; install Node.js ${MIN_NODE_MAJOR}+ (e.g. NodeSource's nodejs package)"
NODE=$(readlink -f "$NODE")
NODE_VERSION=$("$NODE" -p 'process.versions.node')
NODE_MAJOR=${NODE_VERSION%%.*}
[ "$NODE_MAJOR" -ge "$MIN_NODE_MAJOR" ] || die "Node.js $NODE_VERSION is too old; fabwatch needs ${MIN_NODE_MAJOR}+"
case "$NODE" in
/home/* | /root/* | /run/user/*) die "node is at $NODE; the service cannot see home directories (ProtectHome=yes). Install Node.js system-wide." ;;
esac
log "Node.js $NODE_VERSION at $NODE"

# --- sanity of the source tree ---------------------------------------------------------------
[ -f "$SRC/dist/fabwatch.mjs" ] || die "$SRC/dist/fabwatch.mjs not found: run 'npm run build' first"
[ -f "$SRC/dist/acquisition-worker.mjs" ] || die "$SRC/dist/acquisition-worker.mjs not found (the acquisition worker, built beside fabwatch.mjs): run 'npm run build' again"
[ -f "$SRC/systemd/fabwatch.service" ] || die "$SRC/systemd/fabwatch.service not found"
if [ -z "$ROOT" ] && [ ! -d /run/systemd/system ]; then
	die "this system is not running systemd; use --root DIR to prepare an image instead"
fi

# --- 2. I2C ----------------------------------------------------------------------------------
REBOOT_NEEDED=0
enable_i2c_config_txt() {
	local cfg=
	for c in "$ROOT/boot/firmware/config.txt" "$ROOT/boot/config.txt"; do
		if [ -f "$c" ]; then cfg=$c; break; fi
	done
	if [ -z "$cfg" ]; then
		warn "no config.txt found (not a Raspberry Pi?); make sure the I2C adapter is enabled"
		return
	fi
	if grep -Eq '^[[:space:]]*dtparam=i2c_arm=on' "$cfg"; then
		log "I2C already enabled in $cfg"
	else
		# Raspberry Pi OS ships the line commented out; enable it, else append.
		if grep -Eq '^[[:space:]]*#[[:space:]]*dtparam=i2c_arm=on' "$cfg"; then
			sed -i -E 's/^[[:space:]]*#[[:space:]]*(dtparam=i2c_arm=on)/\1/' "$cfg"
		else
			printf '\n# fabwatch: I2C for the accelerometers\ndtparam=i2c_arm=on\n' >>"$cfg"
		fi
		log "enabled dtparam=i2c_arm=on in $cfg"
		REBOOT_NEEDED=1
	fi
	mkdir -p "$ROOT/etc/modules-load.d"
	printf 'i2c-dev\n' >"$ROOT/etc/modules-load.d/fabwatch-i2c.conf"
}
if [ "$DO_I2C" -eq 1 ]; then
	if [ -z "$ROOT" ] && command -v raspi-config >/dev/null 2>&1; then
		# raspi-config: get_i2c prints 0 when enabled; do_i2c 0 enables (and loads i2c-dev now).
		if [ "$(raspi-config nonint get_i2c)" = 0 ]; then
			log "I2C already enabled (raspi-config)"
		else
			raspi-config nonint do_i2c 0
			log "enabled I2C with raspi-config"
			REBOOT_NEEDED=1
		fi
	else
		enable_i2c_config_txt
	fi
fi

# --- 3. user and groups ----------------------------------------------------------------------
install -D -m 0644 "$SRC/systemd/fabwatch.sysusers" "$ROOT/etc/sysusers.d/fabwatch.conf"
if command -v systemd-sysusers >/dev/null 2>&1; then
	# With --root the file argument is still a host path.
	systemd-sysusers ${ROOT:+--root="$ROOT"} "$ROOT/etc/sysusers.d/fabwatch.conf"
else
	[ -z "$ROOT" ] || die "systemd-sysusers is needed for --root"
	for g in i2c gpio dialout; do getent group "$g" >/dev/null || groupadd --system "$g"; done
	getent passwd fabwatch >/dev/null ||
		useradd --system --user-group --no-create-home --home-dir / --shell /usr/sbin/nologin fabwatch
fi
log "user fabwatch and groups i2c, gpio, dialout present"

# --- 4. the bundle ---------------------------------------------------------------------------
DEST="$ROOT$PREFIX"
STAGE="$DEST.new.$$"
rm -rf "$STAGE"
mkdir -p "$STAGE"
trap 'rm -rf "$STAGE"' EXIT
for item in dist bin config models package.json package-lock.json .npmrc README.md LICENSE docs/deploy.md; do
	[ -e "$SRC/$item" ] || continue
	mkdir -p "$STAGE/$(dirname "$item")"
	cp -a "$SRC/$item" "$STAGE/$item"
done
case "$DEPS" in
ci)
	[ -f "$STAGE/package-lock.json" ] || die "--deps ci needs package-lock.json"
	command -v npm >/dev/null 2>&1 || die "npm not found (it comes with Node.js)"
	# i2c-bus, epoll (onoff) have no prebuilt binaries: npm compiles them, and silently leaves an
	# optional dependency out when that fails -- the gateway would then miss its I2C driver.
	for tool in make g++ python3; do
		command -v "$tool" >/dev/null 2>&1 || die "$tool not found: apt-get install build-essential python3 (needed to build i2c-bus and epoll)"
	done
	log "installing runtime dependencies (npm ci --omit=dev) ..."
	(cd "$STAGE" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --no-audit --no-fund --loglevel=warn)
	;;
copy)
	[ -d "$SRC/node_modules" ] || die "--deps copy: $SRC/node_modules not found"
	cp -a "$SRC/node_modules" "$STAGE/node_modules"
	;;
none) ;;
esac
# Smoke test: the bundle starts and finds its modules (runs as root here, before the sandbox).
(cd "$STAGE" && "$NODE" dist/fabwatch.mjs --version) >/dev/null || die "the installed bundle does not run: $NODE $STAGE/dist/fabwatch.mjs --version failed"
chown -R root:root "$STAGE"
chmod -R u=rwX,go=rX "$STAGE"
if [ -e "$DEST" ]; then
	rm -rf "$DEST.old"
	mv "$DEST" "$DEST.old"
fi
mv "$STAGE" "$DEST"
trap - EXIT
rm -rf "$DEST.old"
log "bundle installed in $DEST ($(du -sh "$DEST" | cut -f1))"

# --- 5. configuration ------------------------------------------------------------------------
CONF_DIR="$ROOT/etc/fabwatch"
# The numeric gid from the target's group file (with --root the host may not have the group).
FABWATCH_GID=$(awk -F: '$1 == "fabwatch" { print $3 }' "$ROOT/etc/group")
[ -n "$FABWATCH_GID" ] || die "group fabwatch missing from $ROOT/etc/group"
install -d -m 0750 -o root -g "$FABWATCH_GID" "$CONF_DIR"
if [ -f "$CONF_DIR/config.yaml" ]; then
	log "keeping existing $CONF_DIR/config.yaml"
else
	EXAMPLE="$SRC/config/gateway.example.yaml"
	[ -f "$EXAMPLE" ] || die "$EXAMPLE not found"
	# root:fabwatch 0640: it may hold MQTT credentials.
	install -m 0640 -o root -g "$FABWATCH_GID" "$EXAMPLE" "$CONF_DIR/config.yaml"
	log "installed $CONF_DIR/config.yaml from config/gateway.example.yaml: edit it (gateway id, MQTT, devices)"
fi

# --- 6. the unit -----------------------------------------------------------------------------
UNIT_DIR="$ROOT/etc/systemd/system"
install -D -m 0644 "$SRC/systemd/fabwatch.service" "$UNIT_DIR/fabwatch.service"
DROPIN_DIR="$UNIT_DIR/fabwatch.service.d"
rm -f "$DROPIN_DIR/10-install.conf"
if [ "$NODE" != /usr/bin/node ] || [ "$PREFIX" != /opt/fabwatch ]; then
	# Keep the unit's node flags (memory tuning) in the rewritten ExecStart.
	NODE_FLAGS=$(sed -n 's|^ExecStart=/usr/bin/node \(.*\)/opt/fabwatch/dist/fabwatch\.mjs .*|\1|p' "$SRC/systemd/fabwatch.service")
	mkdir -p "$DROPIN_DIR"
	cat >"$DROPIN_DIR/10-install.conf" <<EOF
# Written by fabwatch systemd/install.sh: node or the bundle are not at the unit's default paths.
[Service]
ExecStart=
ExecStart=$NODE $NODE_FLAGS$PREFIX/dist/fabwatch.mjs run --config /etc/fabwatch/config.yaml
WorkingDirectory=$PREFIX
EOF
	log "wrote $DROPIN_DIR/10-install.conf (node $NODE, prefix $PREFIX)"
fi
rmdir "$DROPIN_DIR" 2>/dev/null || true

if [ "$PERSISTENT_JOURNAL" -eq 1 ]; then
	mkdir -p "$ROOT/etc/systemd/journald.conf.d"
	printf '[Journal]\nStorage=persistent\nSystemMaxUse=64M\n' >"$ROOT/etc/systemd/journald.conf.d/fabwatch.conf"
	[ -n "$ROOT" ] || systemctl restart systemd-journald
	log "journal is persistent (64 MB cap)"
fi

if [ -n "$ROOT" ]; then
	systemctl --root="$ROOT" enable fabwatch.service
	log "enabled fabwatch.service in $ROOT; it starts on first boot"
	exit 0
fi
systemctl daemon-reload
systemctl enable fabwatch.service
if [ "$REBOOT_NEEDED" -eq 1 ]; then
	warn "I2C was just enabled: reboot so the I2C adapter appears; fabwatch starts at boot"
elif [ "$DO_START" -eq 1 ]; then
	systemctl restart fabwatch.service
	log "started: systemctl status fabwatch; journalctl -u fabwatch -f"
fi
log "done"
