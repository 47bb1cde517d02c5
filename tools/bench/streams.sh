#!/usr/bin/env bash
# Many streams, one step each: one batched Step over all of them against one Step per stream, in the same process
# (tools/bench/streams/Program.cs), for LSTM 16->16 over 16 and 256 streams and GRU 64->64 over 16, each 1 output:
#   tools/bench/streams.sh [PROCESSES]     PROCESSES defaults to 5
# Each process prints its medians; this prints every line and, per model, the median of the processes' ratios, then
# a tagger's Predict over a padded batch of 32 sentences against 32 single calls, a minibatch's Backward (tagger and
# tutorial configurations) in one padded batch against single calls, then the machine's floor for throughput-bound code (512-bit multiply-adds, VectorMath.Exp).
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
processes="${1:-5}"
dotnet build tools/bench/streams/Streams.csproj -c Release -v q -nologo >/dev/null
app=tools/bench/streams/bin/Release/net10.0/Streams.dll
echo "== $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
for model in lstm16x16 gru64x16 lstm16x256; do
  ratios=()
  for ((i = 1; i <= processes; i++)); do
    line=$(dotnet "$app" "$model")
    echo "$line"
    ratios+=("$(sed -E 's/.*throughput ([0-9.]+)x/\1/' <<<"$line")")
  done
  echo "$model: median of the processes' throughput ratios $(printf '%s\n' "${ratios[@]}" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')x"
done
for ((i = 1; i <= processes; i++)); do dotnet "$app" tagger; done
for ((i = 1; i <= processes; i++)); do dotnet "$app" training; done
dotnet "$app" floor
