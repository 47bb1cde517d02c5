#!/usr/bin/env bash
# The speed figures of docs/performance.md, both sides in one run: PyTorch first (tools/pytorch/bench.py,
# one thread), then the .NET benchmarks (tests/RnnGen.Benchmarks: peak GEMM kernel, RnnGen, plain C#,
# ONNX Runtime, the generator), then one side-by-side table with ratios and targets.
#   tools/bench/run.sh            full run (about 10 minutes on 2 cores)
#   tools/bench/run.sh --quick    short iterations, for checking that everything runs
# Output in artifacts/bench/: table.md, figures.json, pytorch.json, dotnet.log. Never run by CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
quick=()
[ "${1:-}" = "--quick" ] && quick=(--quick)
out=artifacts/bench
mkdir -p "$out"

# PyTorch 1.13 from Debian; the python3 first on PATH may be another one without torch.
python=/usr/bin/python3
if ! "$python" -c "import torch" 2>/dev/null; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "installing python3-torch"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >/dev/null
fi

echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores shared: figures are medians, ratios are within this run)"
echo "== build"
dotnet build tests/RnnGen.Benchmarks -c Release -v q -nologo
dotnet build samples/Streaming -c Release -v q -nologo >/dev/null

# Compile time of a consumer: samples/Streaming alone (its references already built), rebuilt from scratch, median of 3.
times=()
for _ in 1 2 3; do
  start=$(date +%s%N)
  dotnet build samples/Streaming -c Release --no-dependencies --no-incremental -v q -nologo >/dev/null
  times+=($(( ($(date +%s%N) - start) / 1000000 )))
done
build_ms=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
echo "== dotnet build samples/Streaming: ${times[*]} ms (median ${build_ms} ms)"

echo "== PyTorch $("$python" -c 'import torch; print(torch.__version__)'), one thread"
"$python" tools/pytorch/bench.py "$out/pytorch.json" "${quick[@]}"

echo "== .NET benchmarks (BenchmarkDotNet; log in $out/dotnet.log)"
dotnet tests/RnnGen.Benchmarks/bin/Release/net10.0/RnnGen.Benchmarks.dll "${quick[@]}" \
  --pytorch "$out/pytorch.json" --build-ms "$build_ms" --json "$out/figures.json" --table "$out/table.md" \
  --artifacts "$out/BenchmarkDotNet" > "$out/dotnet.log" 2>&1 || { tail -40 "$out/dotnet.log"; exit 1; }
grep '^// check' "$out/dotnet.log" || true
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
cat "$out/table.md"
