#!/usr/bin/env bash
# Interleaved A/B of the flash sale on a shared machine: A, B, A, B, ... so that the machine's
# other load falls on both alike. Each tree must be a Cardflow checkout with node_modules.
#   bench/flash-sale/compare.sh <tree A> <tree B> <rounds> [bench:flash-sale options...]
#   e.g. bench/flash-sale/compare.sh /tmp/cf-before . 2 --no-ceilings
# Writes <out>/<A|B>-<round>.json and .txt (out: $COMPARE_OUT, default ./compare-<time>) and
# prints the accept, sold-out and risk-check lines of every run.
set -euo pipefail
a=$(cd "$1" && pwd); b=$(cd "$2" && pwd); rounds=$3; shift 3
out=${COMPARE_OUT:-$PWD/compare-$(date -u +%Y%m%dT%H%M%S)}
mkdir -p "$out"
for round in $(seq 1 "$rounds"); do
  for side in A B; do
    tree=$a; [ "$side" = B ] && tree=$b
    echo "== $side round $round ($tree) $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/summary.txt"
    (cd "$tree" && node --import tsx bench/flash-sale/main.ts --json "$out/$side-$round.json" "$@" > "$out/$side-$round.txt" 2> "$out/$side-$round.err") || echo "   (exit $?)" | tee -a "$out/summary.txt"
    grep -E '^\| (accept ms|sold-out ms|\(the api|risk check|delivered per second|CPU s|ceiling \(l\))' "$out/$side-$round.txt" | tee -a "$out/summary.txt" || true
  done
done
echo "results in $out"
