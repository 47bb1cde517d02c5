#!/usr/bin/env bash
# Build time of a consumer with five models, and the first calls of their SgdStep and Step in a fresh process (the
# JIT compiling the generated code and the kernels it calls), for this tree against another revision, alternating.
#   tools/bench/coldstart.sh [REV] [ROUNDS]     REV defaults to HEAD~1's first parent, ROUNDS to 7
# Prints each round's figures and the medians. Timings vary with the host: compare A and B of the same run only.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
rev="${1:-HEAD~1}"
rounds="${2:-7}"
work="$(mktemp -d)"
trap 'git worktree remove --force "$work/b-tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add -q --detach "$work/b-tree" "$rev"

# One copy of the consumer per side, so their builds never share obj/ or bin/.
for side in a b; do
  mkdir -p "$work/$side"
  cp tools/bench/coldstart/ColdStart.csproj tools/bench/coldstart/Program.cs "$work/$side/"
done
root_a="$PWD/"
root_b="$work/b-tree/"
build() { dotnet build "$work/$1/ColdStart.csproj" -c Release -v q -nologo -p:RnnGenRoot="$2" "${@:3}"; }
build a "$root_a" >/dev/null
build b "$root_b" >/dev/null

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
: >"$work/build-a"; : >"$work/build-b"; : >"$work/first-a"; : >"$work/first-b"; : >"$work/calls-a"; : >"$work/calls-b"
for ((i = 1; i <= rounds; i++)); do
  for side in a b; do
    root=$([ "$side" = a ] && echo "$root_a" || echo "$root_b")
    start=$(date +%s%N)
    build "$side" "$root" --no-dependencies --no-incremental >/dev/null
    ms "$start" >>"$work/build-$side"
    dotnet "$work/$side/bin/Release/net10.0/ColdStart.dll" >"$work/run-$side-$i"
    awk '/^total/ {print $2}' "$work/run-$side-$i" >>"$work/first-$side"
    awk '/^calls/ {print $2}' "$work/run-$side-$i" >>"$work/calls-$side"
  done
  echo "round $i: build a $(tail -1 "$work/build-a") ms, b $(tail -1 "$work/build-b") ms; first calls a $(tail -1 "$work/first-a") ms, b $(tail -1 "$work/first-b") ms; SgdStep and Step only a $(tail -1 "$work/calls-a") ms, b $(tail -1 "$work/calls-b") ms"
done
echo "== a = this tree, b = $rev ($(git rev-parse --short "$rev")); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
echo "consumer build (5 models, no incremental), median: a $(median <"$work/build-a") ms, b $(median <"$work/build-b") ms"
echo "first calls (5 constructors, SgdStep and Step), median: a $(median <"$work/first-a") ms, b $(median <"$work/first-b") ms"
# Each round's a / b: a busy host slows whole rounds, so the median of the rounds' ratios moves less than either median.
echo "first calls a / b, each round: $(paste "$work/first-a" "$work/first-b" | awk '{printf "%.2f ", $1 / $2}')"
echo "first calls a / b, median of the rounds: $(paste "$work/first-a" "$work/first-b" | awk '{printf "%.4f\n", $1 / $2}' | median)"
echo "first SgdStep and Step only (no constructors), median: a $(median <"$work/calls-a") ms, b $(median <"$work/calls-b") ms"
echo "first SgdStep and Step only a / b, each round: $(paste "$work/calls-a" "$work/calls-b" | awk '{printf "%.2f ", $1 / $2}')"
echo "first SgdStep and Step only a / b, median of the rounds: $(paste "$work/calls-a" "$work/calls-b" | awk '{printf "%.4f\n", $1 / $2}' | median)"
echo "build a / b, median of the rounds: $(paste "$work/build-a" "$work/build-b" | awk '{printf "%.4f\n", $1 / $2}' | median)"
echo "== a, last round"
cat "$work/run-a-$rounds"
echo "== b, last round"
cat "$work/run-b-$rounds"
