#!/usr/bin/env bash
# cpu-side-by-side.sh — the emulator network's training and inference speed on
# this machine's CPU: galforge (GoMLX pure-Go backend, `galforge bench cnn`)
# and PyTorch (bench/torch_cnn.py), alternated ROUNDS times so that both see
# the same machine state, then the medians and their ratio as a Markdown row.
# Usage: bench/cpu-side-by-side.sh [ROUNDS [NETWORK FLAGS…]] (default 3
# rounds of the library-default network). Network flags go to both sides
# (both take --bands, --widths, --dense, --dense-layers); DeepLeGATo's
# network (configs/deeplegato.yaml: two input channels, asinh and linear,
# two hidden layers of 1024):
#   bench/cpu-side-by-side.sh 3 --bands 2 --dense 1024 --dense-layers 2
# Needs bin/galforge (make build) and a python3 with torch (Debian:
# python3-torch).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${1:-3}
shift || true
NET=("$@")
THREADS=$(nproc)
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import torch' >/dev/null 2>&1; then PY=$p; break; fi
done
[ -n "$PY" ] || { echo "cpu-side-by-side: no python3 with torch (apt-get install python3-torch)" >&2; exit 1; }
[ -x bin/galforge ] || { echo "cpu-side-by-side: no bin/galforge (make build)" >&2; exit 1; }
G=(); T=()
for r in $(seq "$ROUNDS"); do
	G+=("$(bin/galforge bench cnn --steps 20 --batch 64 --infer-batch 256 ${NET[@]+"${NET[@]}"} --json)")
	T+=("$("$PY" bench/torch_cnn.py --outputs 12 --steps 20 --batch 64 --infer-batch 256 --threads "$THREADS" ${NET[@]+"${NET[@]}"} --json | tail -n 1)")
	echo "round $r: galforge ${G[-1]}" >&2
	echo "round $r: pytorch  ${T[-1]}" >&2
done
printf '%s\n' "${G[@]}" > /tmp/cpu-sbs-galforge.jsonl
printf '%s\n' "${T[@]}" > /tmp/cpu-sbs-torch.jsonl
"$PY" - "$THREADS" <<'PY'
import json, statistics, sys, platform, subprocess
g = [json.loads(l) for l in open('/tmp/cpu-sbs-galforge.jsonl')]
t = [json.loads(l) for l in open('/tmp/cpu-sbs-torch.jsonl')]
med = lambda xs, k: statistics.median(x[k] for x in xs)
cpu = subprocess.run(['sh', '-c', "lscpu | sed -n 's/^Model name: *//p'"], capture_output=True, text=True).stdout.strip()
gt, tt = med(g, 'train_images_per_s'), med(t, 'train_images_per_s')
gi, ti = med(g, 'infer_images_per_s'), med(t, 'infer_images_per_s')
gp, tp = g[0]['parameters'], t[0]['params']
if gp != tp:
    sys.exit(f"cpu-side-by-side: the networks differ: galforge {gp} parameters, PyTorch {tp}")
print(f"| {cpu}, {sys.argv[1]} threads, {gp:,} parameters | torch {t[0].get('torch', '?')} | {len(g)} rounds | "
      f"train {gt:.1f} vs {tt:.1f} images/s (ratio {gt/tt:.2f}) | inference {gi:.1f} vs {ti:.1f} images/s (ratio {gi/ti:.2f}) |")
PY
