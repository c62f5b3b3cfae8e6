#!/bin/sh
# Side-by-side timing of galforge's render/sph projection and yt's, on this
# machine, interleaved so that both see the same load. See README.md.
#
#   sh render/sph/bench/side_by_side.sh [rounds]
#
# BASE_TEST=path/to/sph.test adds a second galforge test binary (e.g. one
# built from an earlier commit) to every round, right after the current one.
set -e
cd "$(dirname "$0")/../../.."
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd
OUT=${OUT:-/tmp/sphbench}
ROUNDS=${1:-2}
mkdir -p "$OUT"
for n in 100000 1000000; do
	go run ./render/sph/bench/gen -n $n -out "$OUT"
done
go test -c -o "$OUT/sph.test" ./render/sph/
i=1
while [ $i -le "$ROUNDS" ]; do
	echo "== round $i: $(uptime)"
	"$OUT/sph.test" -test.run '^$' -test.bench 'Project1e[56]x10Views256$' -test.benchtime 3x
	if [ -n "$BASE_TEST" ]; then
		echo "-- baseline $BASE_TEST: $(uptime)"
		"$BASE_TEST" -test.run '^$' -test.bench 'Project1e[56]x10Views256$' -test.benchtime 3x
	fi
	for n in 100000 1000000; do
		echo "-- yt n=$n: $(uptime)"
		OMP_NUM_THREADS=2 /usr/bin/python3 render/sph/bench/yt_projection.py --dir "$OUT" --n $n
	done
	i=$((i + 1))
done
"$OUT/sph.test" -test.run '^$' -test.bench 'SmoothingLengths' -test.benchtime 3x
