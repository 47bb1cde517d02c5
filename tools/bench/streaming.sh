#!/usr/bin/env bash
# Streaming Step (LSTM 16->16, GRU 16->16, LSTM 1->24, ns per sample) of this tree against another revision, one
# process per measurement, the two alternating:
#   tools/bench/streaming.sh [REV] [PAIRS]     REV defaults to HEAD~1, PAIRS to 12
# Prints each pair and, per model, both medians and the median of the pairs' ratios. On a shared host either build
# moves by 20 % or more from one process to the next: quote the medians of many pairs, never one pair.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
rev="${1:-HEAD~1}"
pairs="${2:-12}"
work="$(mktemp -d)"
trap 'git worktree remove --force "$work/b-tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add -q --detach "$work/b-tree" "$rev"

# One copy of the consumer per side, so their builds never share obj/ or bin/.
for side in a b; do
  mkdir -p "$work/$side"
  cp tools/bench/streaming/Streaming.csproj tools/bench/streaming/Program.cs "$work/$side/"
done
dotnet build "$work/a/Streaming.csproj" -c Release -v q -nologo -p:RnnGenRoot="$PWD/" >/dev/null
dotnet build "$work/b/Streaming.csproj" -c Release -v q -nologo -p:RnnGenRoot="$work/b-tree/" >/dev/null

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
echo "== a = this tree, b = $rev ($(git rev-parse --short "$rev")); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
for model in lstm16 gru16 lstm1x24; do
  : >"$work/$model"
  for ((i = 1; i <= pairs; i++)); do
    a=$(dotnet "$work/a/bin/Release/net10.0/Streaming.dll" "$model" | awk '{print $2}')
    b=$(dotnet "$work/b/bin/Release/net10.0/Streaming.dll" "$model" | awk '{print $2}')
    echo "$a $b" >>"$work/$model"
  done
  echo "$model: pairs a/b $(awk '{printf "%.3f ", $1 / $2}' "$work/$model")"
  echo "$model: median a $(awk '{print $1}' "$work/$model" | median) ns, b $(awk '{print $2}' "$work/$model" | median) ns, median of the ratios $(awk '{printf "%.4f\n", $1 / $2}' "$work/$model" | median)"
done
