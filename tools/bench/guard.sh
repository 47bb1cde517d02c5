#!/usr/bin/env bash
# The call guard's cost on the single-stream Step of an LSTM 16 -> 16 -> 1: this tree's generated model, and copies
# of it without the guard, with a locked compare-exchange and with the owning thread's id, all timed in one process,
# taking turns (tools/bench/guard/Program.cs):   tools/bench/guard.sh [ROUNDS] [PROCESSES]
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
rounds="${1:-31}"
processes="${2:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dotnet build tools/bench/guard/emit/Emit.csproj -c Release -v q -nologo >/dev/null
source=$(find tools/bench/guard/emit/obj/generated -name 'Guarded.RnnModel.g.cs')
grep -q 'using var call = _calls.Enter(this);' "$source" || { echo "the generated model has no call guard" >&2; exit 1; }
# Each variant is the generated class renamed; its file-local network class needs no new name.
variant() { sed -e "s/\bGuarded\b/$1/g" "${@:2}" "$source" >"$work/$1.g.cs"; }
variant Guarded
variant Plain -e '/using var call = _calls.Enter(this);/d' -e '/CallGuard _calls;/d'
variant Plain2 -e '/using var call = _calls.Enter(this);/d' -e '/CallGuard _calls;/d'
variant Atomic -e 's/global::RnnGen.Runtime.CallGuard/global::AtomicGuard/'
variant Owner -e 's/global::RnnGen.Runtime.CallGuard/global::OwnerGuard/'
dotnet build tools/bench/guard/Guard.csproj -c Release -v q -nologo -p:Variants="$work" | grep -E " error " && exit 1 || true
echo "== $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(dotnet --version)"
for ((p = 1; p <= processes; p++)); do
  dotnet tools/bench/guard/bin/Release/net10.0/Guard.dll "$rounds"
done
