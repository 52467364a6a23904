#!/usr/bin/env bash
# Times Legion's circuit example under the mage mapper with each program in examples/legion/ and, if
# given, the example's own build: ROUNDS rounds, each running every variant once in turn (so that load
# on the machine hits all alike), then the median and range of the ELAPSED TIME each printed, as a
# markdown table. The figures in docs/legion.md come from this script.
# Usage: bench/legion_circuit.sh BUILD_DIR [STOCK_CIRCUIT] [-- extra circuit flags]
#   BUILD_DIR      a build with mage_circuit (configured with -DMAGE_LEGION_CIRCUIT_SOURCE=...)
#   STOCK_CIRCUIT  Legion's own circuit binary, for comparison
# Environment: ROUNDS (default 5), LAUNCH (a prefix such as "mpirun -n 2" for several nodes),
#              PROGRAMS (default: default cyclic blocked; names of examples/legion/circuit_NAME.mpl)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: bench/legion_circuit.sh BUILD_DIR [STOCK_CIRCUIT] [-- extra circuit flags]}
shift
stock=""
if [[ $# -gt 0 && $1 != "--" ]]; then stock=$1; shift; fi
[[ ${1:-} == "--" ]] && shift
args=(-ll:cpu 2 -ll:util 1 -ll:csize 1024 -p 4 -npp 1000 -wpp 2000 -l 5 "$@")
mage_circuit=$build/src/legion/mage_circuit
[[ -x $mage_circuit ]] || { echo "no $mage_circuit: configure $build with -DMAGE_LEGION_CIRCUIT_SOURCE=<legion source>/examples/circuit" >&2; exit 2; }
read -r -a launch <<< "${LAUNCH:-}"
read -r -a programs <<< "${PROGRAMS:-default cyclic blocked}"

declare -A times
elapsed() {  # runs the command, prints the ELAPSED TIME it reported (or "failed")
  local out
  if out=$("${launch[@]}" "$@" 2>&1) && [[ $out =~ ELAPSED\ TIME\ =\ +([0-9.]+) ]]; then
    echo "${BASH_REMATCH[1]}"
  else
    echo failed
  fi
}
for ((round = 1; round <= ${ROUNDS:-5}; round++)); do
  for p in "${programs[@]}"; do
    times[$p]+="$(elapsed "$mage_circuit" -mapping "examples/legion/circuit_$p.mpl" "${args[@]}") "
  done
  [[ -n $stock ]] && times[stock]+="$(elapsed "$stock" "${args[@]}") "
done

echo "| mapper | median (s) | range (s) | runs |"
echo "|---|---:|---|---:|"
names=("${programs[@]}")
[[ -n $stock ]] && names+=(stock)
for name in "${names[@]}"; do
  label="mage, \`circuit_$name.mpl\`"
  [[ $name == stock ]] && label="the example's own mapper"
  read -r -a runs <<< "${times[$name]}"
  ok=$(printf '%s\n' "${runs[@]}" | grep -v failed | sort -n || true)
  n=$(printf '%s' "$ok" | grep -c . || true)
  if [[ $n -eq 0 ]]; then echo "| $label | failed | | 0 |"; continue; fi
  median=$(printf '%s\n' "$ok" | sed -n "$(((n + 1) / 2))p")
  echo "| $label | $median | $(printf '%s\n' "$ok" | head -1)–$(printf '%s\n' "$ok" | tail -1) | $n of ${#runs[@]} |"
done
