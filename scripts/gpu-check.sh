#!/usr/bin/env bash
# gpu-check.sh — side-by-side GPU speed check of galforge's emulator CNN
# (GoMLX, `galforge bench cnn --backend cuda`) against the PyTorch reference
# (bench/torch_cnn.py --device cuda). Meant for an NVIDIA H100/H200 machine
# with a Python that has JAX with CUDA (jax_plugins/xla_cuda*/xla_cuda_plugin.so)
# and torch with CUDA; it downloads nothing and changes no GPU setting.
#
# Usage: scripts/gpu-check.sh [--quick] [--no-build] [--batch N] [--steps N] [--from-host]
#   --quick      10 timed steps instead of 50
#   --no-build   do not run `make build`; use an existing bin/galforge
#   --batch N    training batch (default 256)
#   --steps N    timed training steps (default 50)
#   --from-host  both halves copy every batch from host memory (as real
#                training does); by default the batches stay on the GPU
# Environment: OUT (where gpu-check.json and the logs go; default .),
#   PYTHON (default: the first python3 that imports torch), GALFORGE (a
#   prebuilt binary to use instead of building bin/galforge),
#   GALFORGE_SITE_PACKAGES (default: where the plugin was found),
#   HALF_TIMEOUT (seconds per half, default 300), BUILD_TIMEOUT (default 300),
#   GALFORGE_FEED_DEPTH (passed to galforge: batches copied to the GPU ahead of
#   the step with --from-host, default 2; 0 copies inside the step),
#   GOPROXY (default off: a missing toolchain/module fails at once instead of
#   hanging on the network; set GOPROXY=https://proxy.golang.org to allow it).
#
# Each half (galforge, PyTorch) may fail on its own; the script says what
# failed and exits non-zero only if both fail.
set -euo pipefail
shopt -s nullglob

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

STEPS=50
BATCH=256
BUILD=1
FROM_HOST=()
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) STEPS=10 ;;
	--no-build) BUILD=0 ;;
	--batch) BATCH=${2:?--batch needs a value}; shift ;;
	--steps) STEPS=${2:?--steps needs a value}; shift ;;
	--from-host) FROM_HOST=(--from-host) ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "gpu-check: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
	shift
done

OUT_DIR=${OUT:-.}
mkdir -p "$OUT_DIR"
# The Python for the PyTorch half: $PYTHON, else the first python3 on PATH (or
# a system one) that imports torch and numpy.
if [ -n "${PYTHON:-}" ]; then
	PY=$PYTHON
else
	PY=python3
	for c in python3 /usr/bin/python3 /usr/local/bin/python3; do
		if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import torch, numpy' >/dev/null 2>&1; then PY=$c; break; fi
	done
fi
GALFORGE_BIN=${GALFORGE:-$ROOT/bin/galforge}
[ -n "${GALFORGE:-}" ] && BUILD=0 # a given binary is used as it is
HALF_TIMEOUT=${HALF_TIMEOUT:-300}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-300}
export GOMLX_NO_AUTO_INSTALL=1
export GOPROXY=${GOPROXY:-off}

GF_LOG=$OUT_DIR/gpu-check-galforge.log
PT_LOG=$OUT_DIR/gpu-check-pytorch.log
BUILD_LOG=$OUT_DIR/gpu-check-build.log
GF_JSON=$(mktemp)
PT_JSON=$(mktemp)
trap 'rm -f "$GF_JSON" "$PT_JSON"' EXIT

section() { printf '\n=== %s\n' "$*"; }
note() { printf 'gpu-check: %s\n' "$*"; }
# with_timeout SECONDS CMD...: run CMD under timeout(1) when it exists.
with_timeout() {
	local s=$1; shift
	if command -v timeout >/dev/null 2>&1; then timeout "$s" "$@"; else "$@"; fi
}
# last_json FILE: the last line of FILE that starts with '{'.
last_json() { grep -E '^[[:space:]]*\{' "$1" | tail -n 1 || true; }

HAVE_PY=0
if command -v "$PY" >/dev/null 2>&1; then HAVE_PY=1; fi

# ---------------------------------------------------------------- GPU
section "GPU"
CARD=unknown
NVSMI=""
if command -v nvidia-smi >/dev/null 2>&1; then
	if NVSMI=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1); then
		printf '%s\n' "$NVSMI"
		CARD=$(printf '%s\n' "$NVSMI" | sed -n 2p | cut -d, -f1)
	else
		printf '%s\n' "$NVSMI"
		note "nvidia-smi failed: no usable NVIDIA driver/GPU?"
	fi
else
	note "no nvidia-smi on PATH: this does not look like an NVIDIA GPU machine"
fi

# ---------------------------------------------------------------- JAX CUDA plugin
section "JAX CUDA plugin (jax_plugins/xla_cuda*/xla_cuda_plugin.so)"
dirs=()
pys=()
for c in "$PY" python3 /usr/bin/python3 /usr/local/bin/python3; do
	command -v "$c" >/dev/null 2>&1 && pys+=("$c")
done
for c in "${pys[@]}"; do
	while IFS= read -r d; do [ -n "$d" ] && dirs+=("$d"); done < <("$c" -c '
import site, sys
ps = []
try: ps += site.getsitepackages()
except Exception: pass
try: ps.append(site.getusersitepackages())
except Exception: pass
ps += [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]
print("\n".join(ps))' 2>/dev/null || true)
done
[ ${#pys[@]} -gt 0 ] || note "no python3 on PATH: searching the usual places only"
for d in /usr/local/lib/python3*/dist-packages /usr/local/lib/python3*/site-packages \
	/usr/lib/python3/dist-packages "$HOME"/.local/lib/python3*/site-packages \
	/opt/conda/lib/python3*/site-packages "${VIRTUAL_ENV:-/nonexistent}"/lib/python3*/site-packages; do
	dirs+=("$d")
done
# Any virtual environment under the repository (e.g. .venv/, venv/, shared/*/).
while IFS= read -r d; do dirs+=("$d"); done < <(find "$ROOT" -maxdepth 5 -type d -name site-packages -path '*/lib/python3*' 2>/dev/null || true)

PLUGINS=()
SEARCHED=()
for d in "${dirs[@]}"; do
	[ -d "$d" ] || continue
	d=$(cd "$d" && pwd -P)
	case " ${SEARCHED[*]-} " in *" $d "*) continue ;; esac
	SEARCHED+=("$d")
	for so in "$d"/jax_plugins/xla_cuda*/xla_cuda_plugin.so; do PLUGINS+=("$so"); done
done
if [ ${#PLUGINS[@]} -gt 0 ]; then
	for so in "${PLUGINS[@]}"; do
		sp=${so%/jax_plugins/*}
		libs=$(cd "$sp" && ls -d nvidia/*/lib 2>/dev/null | tr '\n' ' ' || true)
		echo "found: $so"
		echo "  NVIDIA wheels beside it: ${libs:-none (CUDA/cuDNN libraries must come from the system)}"
	done
else
	note "MISSING: no xla_cuda_plugin.so in any of these site-packages:"
	if [ ${#SEARCHED[@]} -gt 0 ]; then printf '  %s\n' "${SEARCHED[@]}"; else echo "  (none exist)"; fi
	note "the galforge CUDA half will probably fail (needs JAX's CUDA PJRT plugin, e.g. pip's jax[cuda12])"
fi
# Tell galforge where the plugin is (it searches the usual places itself, but
# not, e.g., a virtual environment inside the repository).
if [ -z "${GALFORGE_SITE_PACKAGES:-}" ] && [ ${#PLUGINS[@]} -gt 0 ]; then
	gsp=""
	for so in "${PLUGINS[@]}"; do
		sp=${so%/jax_plugins/*}
		case ":$gsp:" in *":$sp:"*) ;; *) gsp=${gsp:+$gsp:}$sp ;; esac
	done
	export GALFORGE_SITE_PACKAGES=$gsp
	echo "GALFORGE_SITE_PACKAGES=$GALFORGE_SITE_PACKAGES"
fi

# ---------------------------------------------------------------- build
section "build galforge"
if [ "$BUILD" = 1 ]; then
	if ! command -v go >/dev/null 2>&1; then
		note "no 'go' on PATH: cannot build galforge"
		[ -x "$GALFORGE_BIN" ] && note "using the existing (possibly stale) $GALFORGE_BIN"
	elif ! { pkg-config --exists hdf5-serial || pkg-config --exists hdf5; } 2>/dev/null; then
		# `make build` would try to apt-get libhdf5-dev; this script installs nothing.
		note "no HDF5 C library (pkg-config hdf5-serial/hdf5; Debian: libhdf5-dev): cannot build galforge here"
		[ -x "$GALFORGE_BIN" ] && note "using the existing (possibly stale) $GALFORGE_BIN"
	else
		echo "go: $(go version 2>&1)  (GOPROXY=$GOPROXY); log: $BUILD_LOG"
		if with_timeout "$BUILD_TIMEOUT" make build >"$BUILD_LOG" 2>&1; then
			echo "make build: ok"
		else
			note "make build FAILED (last lines of $BUILD_LOG):"
			tail -n 15 "$BUILD_LOG" | sed 's/^/  | /'
			[ -x "$GALFORGE_BIN" ] && note "falling back to the existing (possibly stale) $GALFORGE_BIN"
		fi
	fi
else
	echo "not building (--no-build or GALFORGE set): using $GALFORGE_BIN as it is"
fi

# ---------------------------------------------------------------- galforge half
section "galforge bench cnn --backend cuda --batch $BATCH --steps $STEPS ${FROM_HOST[*]-} --json"
GF_OK=0
GF_ERR=""
if [ ! -x "$GALFORGE_BIN" ]; then
	GF_ERR="no galforge binary at $GALFORGE_BIN (build failed or skipped, and none carried along)"
else
	set +e
	with_timeout "$HALF_TIMEOUT" "$GALFORGE_BIN" bench cnn --backend cuda --batch "$BATCH" --steps "$STEPS" ${FROM_HOST[@]+"${FROM_HOST[@]}"} --json >"$GF_LOG" 2>&1
	rc=$?
	set -e
	sed 's/^/  | /' "$GF_LOG" | tail -n 40
	last_json "$GF_LOG" >"$GF_JSON"
	if [ "$rc" -ne 0 ]; then
		if grep -qiE 'unknown (command|flag)|unknown shorthand|accepts .* arg' "$GF_LOG"; then
			GF_ERR="this galforge has no 'bench cnn' command with these flags (yet): rc $rc"
		elif grep -qi 'no CUDA PJRT plugin' "$GF_LOG"; then
			GF_ERR="galforge found no CUDA PJRT plugin (JAX with CUDA): rc $rc"
		elif grep -q 'error while loading shared libraries' "$GF_LOG"; then
			GF_ERR="the galforge binary cannot load its shared libraries (HDF5?): rc $rc"
		elif [ "$rc" -eq 124 ]; then
			GF_ERR="timed out after ${HALF_TIMEOUT}s"
		else
			GF_ERR="exit status $rc (see $GF_LOG)"
		fi
	elif [ ! -s "$GF_JSON" ]; then
		GF_ERR="exited 0 but printed no JSON line"
	else
		GF_OK=1
	fi
fi
if [ "$GF_OK" = 1 ]; then echo "galforge half: ok"; else note "galforge half FAILED: $GF_ERR"; : >"$GF_JSON"; fi

# ---------------------------------------------------------------- PyTorch half
section "$PY bench/torch_cnn.py --device cuda --batch $BATCH --steps $STEPS ${FROM_HOST[*]-} --json"
PT_OK=0
PT_ERR=""
if [ "$HAVE_PY" = 0 ]; then
	PT_ERR="no '$PY' on PATH (set PYTHON=...)"
else
	set +e
	with_timeout "$HALF_TIMEOUT" "$PY" bench/torch_cnn.py --device cuda --batch "$BATCH" --steps "$STEPS" ${FROM_HOST[@]+"${FROM_HOST[@]}"} --json >"$PT_LOG" 2>&1
	rc=$?
	set -e
	sed 's/^/  | /' "$PT_LOG" | tail -n 40
	last_json "$PT_LOG" >"$PT_JSON"
	case "$rc" in
	0) if [ -s "$PT_JSON" ]; then PT_OK=1; else PT_ERR="exited 0 but printed no JSON line"; fi ;;
	2) PT_ERR="bad arguments to bench/torch_cnn.py (see above)" ;;
	4) PT_ERR="torch sees no CUDA device (see above)" ;;
	3) PT_ERR="torch is not installed for $PY" ;;
	124) PT_ERR="timed out after ${HALF_TIMEOUT}s" ;;
	*) PT_ERR="exit status $rc (see $PT_LOG)" ;;
	esac
fi
if [ "$PT_OK" = 1 ]; then echo "PyTorch half: ok"; else note "PyTorch half FAILED: $PT_ERR"; : >"$PT_JSON"; fi

# ---------------------------------------------------------------- summary
section "summary"
RESULT=$OUT_DIR/gpu-check.json
if [ "$HAVE_PY" = 1 ]; then
	"$PY" - "$CARD" "$GF_JSON" "$PT_JSON" "$GF_ERR" "$PT_ERR" "$RESULT" "$BATCH" "$STEPS" "${#FROM_HOST[@]}" ${PLUGINS[@]+"${PLUGINS[@]}"} <<'EOF'
import json, sys
card, gf_path, pt_path, gf_err, pt_err, result, batch, steps, from_host = sys.argv[1:10]
from_host = from_host != "0"
plugins = sys.argv[10:]
def load(p):
    try:
        with open(p) as f:
            s = f.read().strip()
        return json.loads(s) if s else None
    except (OSError, ValueError) as e:
        return {"unparsable": str(e)}
gf, pt = load(gf_path), load(pt_path)
def val(d, k):
    v = (d or {}).get(k)
    return float(v) if isinstance(v, (int, float)) else None
rows = []
for what, key in (("train", "train_images_per_s"), ("infer", "infer_images_per_s")):
    g, p = val(gf, key), val(pt, key)
    rows.append({"what": what, "galforge_images_per_s": g, "pytorch_images_per_s": p,
                 "ratio_galforge_over_pytorch": (g / p) if g and p else None})
def f(v, spec):
    width = int(spec.split(".")[0])
    return format(v, spec) if v is not None else "-".rjust(width)
print(f"card: {card}   batch {batch}, {steps} steps, batches {'copied from the host' if from_host else 'resident on the GPU'}")
print(f"{'':6} {'galforge img/s':>15} {'PyTorch img/s':>15} {'galforge/PyTorch':>17}")
for r in rows:
    print(f"{r['what']:6} {f(r['galforge_images_per_s'], '15.1f')} {f(r['pytorch_images_per_s'], '15.1f')} "
          f"{f(r['ratio_galforge_over_pytorch'], '17.3f')}")
out = {"card": card, "batch": int(batch), "steps": int(steps), "from_host": from_host, "jax_cuda_plugins": plugins,
       "galforge": gf, "galforge_error": gf_err or None,
       "pytorch": pt, "pytorch_error": pt_err or None, "table": rows}
with open(result, "w") as fh:
    json.dump(out, fh, indent=2)
    fh.write("\n")
print(f"written: {result}")
EOF
else
	printf 'card: %s\ngalforge: %s\npytorch: %s\n' "$CARD" "${GF_ERR:-$(cat "$GF_JSON")}" "${PT_ERR:-$(cat "$PT_JSON")}"
	printf '{"card":"%s","error":"no python to write the table"}\n' "$CARD" >"$RESULT"
	echo "written: $RESULT (minimal: no python)"
fi

if [ "$GF_OK" = 0 ] && [ "$PT_OK" = 0 ]; then
	note "both halves failed (galforge: $GF_ERR; PyTorch: $PT_ERR)"
	exit 1
fi
[ "$GF_OK" = 0 ] && note "galforge half failed: $GF_ERR"
[ "$PT_OK" = 0 ] && note "PyTorch half failed: $PT_ERR"
exit 0
