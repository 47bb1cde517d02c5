#!/usr/bin/env bash
# RnnGen's streaming Step against RTNeural's compile-time models (ModelT), same models, same statistic, same sitting:
# LSTM 16->16, GRU 16->16, LSTM 1->24 and RTNeural's 4x8 LSTM and GRU stacks, each + Dense to 1 output, float, one
# sample at a time. RTNeural is built from a checkout (with its xsimd submodule) in both of its backends, Eigen and
# xsimd, -O3 -march=native; RnnGen runs with default runtime settings. One process per measurement, the three
# alternating; the ratio is RnnGen over the better RTNeural backend, per round, then the median.
#   tools/bench/rtneural.sh RTNEURAL_CHECKOUT [ROUNDS]     ROUNDS defaults to 5
# Get RTNeural: git clone https://github.com/jatinchowdhury18/RTNeural, then in it git submodule update --init
# (modules/xsimd); keep the checkout outside this repository. Needs g++ (C++20).
set -euo pipefail
src="$(cd "$1" && pwd)"
rounds="${2:-5}"
cd "$(dirname "$0")/../.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

common=(-O3 -march=native -std=c++20 -DNDEBUG -I"$src" -I"$src/RTNeural" -I"$src/modules/json")
g++ "${common[@]}" -DRTNEURAL_DEFAULT_ALIGNMENT=64 -DRTNEURAL_USE_XSIMD=1 -I"$src/modules/xsimd/include" tools/bench/rtneural/bench.cpp -o "$work/xsimd"
g++ "${common[@]}" -DRTNEURAL_DEFAULT_ALIGNMENT=32 -DRTNEURAL_USE_EIGEN=1 -I"$src/modules/Eigen" tools/bench/rtneural/bench.cpp -o "$work/eigen"
cp tools/bench/streaming/Streaming.csproj tools/bench/streaming/Program.cs "$work/"
dotnet build "$work/Streaming.csproj" -c Release -v q -nologo -p:RnnGenRoot="$PWD/" -o "$work/rnngen" >/dev/null

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
echo "== RnnGen $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo '+changes'), RTNeural $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "== $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(date -u +%F); ns per sample"
echo "model     RnnGen  RTNeural-xsimd  RTNeural-Eigen  RnnGen/better (median of rounds; each round)"
for model in lstm16 gru16 lstm1x24 lstm4x8 gru4x8; do
  : >"$work/$model"
  for ((i = 1; i <= rounds; i++)); do
    r=$(dotnet "$work/rnngen/Streaming.dll" "$model" | awk '{print $2}')
    x=$("$work/xsimd" "$model" | awk '{print $2}')
    e=$("$work/eigen" "$model" | awk '{print $2}')
    echo "$r $x $e" >>"$work/$model"
  done
  printf '%-9s %6s  %14s  %14s  %s (%s)\n' "$model" \
    "$(awk '{print $1}' "$work/$model" | median)" "$(awk '{print $2}' "$work/$model" | median)" "$(awk '{print $3}' "$work/$model" | median)" \
    "$(awk '{b = $2 < $3 ? $2 : $3; printf "%.3f\n", $1 / b}' "$work/$model" | median)" \
    "$(awk '{b = $2 < $3 ? $2 : $3; printf "%.2f ", $1 / b}' "$work/$model" | xargs)"
done
