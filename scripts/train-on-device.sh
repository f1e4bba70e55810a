#!/usr/bin/env bash
# A lent GPU's training as one device call, so that no idle gap between two calls can lose the run:
#
#   bash scripts/train-on-device.sh [models.train_tiny arguments...]    (the call's timeout_s: 600)
#
# Trains UFO-Tiny's gpu schedule for as long as the call allows and leaves under $OUT what comes
# back: train.log (both runs' output), the GPU's name, and each run's checkpoint and log.jsonl in
# $OUT/<run>/. last.pt, which holds the optimiser state too, is larger than a returned file may be.
#
# The stacked forward pass (Schedule.stack_tasks) is checked against task by task on the CPU but
# has never run on CUDA. Should that run fail, the time left trains task by task instead, so that
# a scarce GPU session does not come back empty.
set -uo pipefail
cd "$(dirname "$0")/.."
: "${OUT:?set OUT to the folder whose files come back}"
export PYTHONUNBUFFERED=1 PYTHONPATH=.
PYTHON="${PYTHON:-python3}"
RUNS="${RUNS:-runs}"
LIMIT_S="${LIMIT_S:-585}" # this script's seconds: the call's limit less the copy back
RESERVE_S=75              # imports and CUDA's start come before train()'s budget counts, the save after
MIN_RUN_S=150             # a fallback with less would barely pass its first probe

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv >"$OUT/gpu.csv" 2>&1 || true

# run NAME ARGS...: trains into $RUNS/NAME with the time left, copies its results to $OUT/NAME.
run() {
  local name=$1
  shift
  local left=$((LIMIT_S - SECONDS))
  if ((left - RESERVE_S < MIN_RUN_S)); then
    echo "== $name: not started, only $left s left" >>"$OUT/train.log"
    return 1
  fi
  local minutes
  minutes=$(awk -v s=$((left - RESERVE_S)) 'BEGIN { printf "%.2f", s / 60 }')
  echo "== $name: --time-budget $minutes $*" >>"$OUT/train.log"
  timeout "$left" "$PYTHON" -m models.train_tiny --out "$RUNS/$name" --time-budget "$minutes" \
    --val-every 250 "$@" >>"$OUT/train.log" 2>&1
  local rc=$?
  echo "== $name: exit $rc after $SECONDS s" >>"$OUT/train.log"
  mkdir -p "$OUT/$name"
  cp "$RUNS/$name/ufo-tiny.pth" "$RUNS/$name/log.jsonl" "$OUT/$name/" 2>/dev/null
  return $rc
}

run tiny --stack-tasks "$@" || run tiny-by-task --no-stack-tasks "$@"
rc=$?
tail -n 3 "$OUT/train.log"
exit $rc
