#!/usr/bin/env bash
# Worst-case latency of a streaming Step (LSTM 16->16 and GRU 16->16, 10 million calls each) while another thread
# allocates, in three configurations of this tree: the JIT with default settings, the JIT with
# DOTNET_TieredCompilation=0, and NativeAOT (needs clang and lld: apt-get install clang lld).
#   tools/bench/latency.sh [CALLS] [ROUNDS]     CALLS defaults to 10000000, ROUNDS to 3 (configurations alternate)
# Prints one line per run: the first call alone, p50, p99, p99.99 and the maximum, and the collections that ran; each
# round ends with the LSTM without the allocating thread ("quiet"), for Step's own spread.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
calls="${1:-10000000}"
rounds="${2:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp tools/bench/latency/Latency.csproj tools/bench/latency/Program.cs "$work/"
dotnet build "$work/Latency.csproj" -c Release -v q -nologo -p:RnnGenRoot="$PWD/" -o "$work/jit" >/dev/null
dotnet publish "$work/Latency.csproj" -c Release -v q -nologo -p:RnnGenRoot="$PWD/" -p:Aot=true -o "$work/aot" >/dev/null
echo "== $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(date -u +%F)"
for ((r = 1; r <= rounds; r++)); do
  for model in lstm16 gru16; do
    echo "default   $(dotnet "$work/jit/Latency.dll" "$model" "$calls")"
    echo "TC=0      $(DOTNET_TieredCompilation=0 dotnet "$work/jit/Latency.dll" "$model" "$calls")"
    echo "NativeAOT $("$work/aot/Latency" "$model" "$calls")"
  done
  echo "default   $(dotnet "$work/jit/Latency.dll" lstm16 "$calls" quiet)"
  echo "NativeAOT $("$work/aot/Latency" lstm16 "$calls" quiet)"
done
