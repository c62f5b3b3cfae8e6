#!/usr/bin/env bash
# Run one galforge step over a SLURM array: each array task makes one shard (--shard i/N) of the
# config's output; a last job joins the training shards. Every random draw is seeded per object,
# so the joined result equals a single-machine run bit for bit.
#
#   sbatch --array=0-15 deploy/slurm-array.sh mock configs/candels-f160w-sersic.yaml /scratch/$USER/f160w
#   # when all tasks are done (or chain with --dependency=afterok:<jobid>):
#   bin/galforge shards join /scratch/$USER/f160w/shards/mock.gfs /scratch/$USER/f160w/shards/mock.shard-*.gfs
#
# STEP is simulate, render or mock. galforge must be built (make build) on a path all nodes see.
#SBATCH --job-name=galforge
#SBATCH --cpus-per-task=8
#SBATCH --mem-per-cpu=2G
#SBATCH --time=04:00:00
#SBATCH --output=galforge-%A_%a.log
set -euo pipefail
STEP=${1:?usage: sbatch --array=0-(N-1) deploy/slurm-array.sh STEP CONFIG OUT}
CONFIG=${2:?config file}
OUT=${3:?output directory}
GALFORGE=${GALFORGE:-$(dirname "$0")/../bin/galforge}
: "${SLURM_ARRAY_TASK_ID:?run me with sbatch --array=0-(N-1)}"
N=${SLURM_ARRAY_TASK_COUNT:-$((SLURM_ARRAY_TASK_MAX + 1))}
exec "$GALFORGE" "$STEP" -c "$CONFIG" --out "$OUT" --shard "${SLURM_ARRAY_TASK_ID}/${N}" --workers "${SLURM_CPUS_PER_TASK:-0}"
