#!/usr/bin/env bash
# Does the hybrid beat both the LLM optimizer and the classic ensemble? For each built-in application
# and seed (simulated, p100x4) it runs `mage tune` three ways with one LLM:
#   llm       --iterations I                 I evaluations
#   hybrid    --iterations I --budget B      I + 2B: the LLM, then ensemble and CCD phases of B each
#   ensemble  --budget I+2B                  as many evaluations as the hybrid, no LLM
# and tabulates the best mapper found, relative to the expert mapper (median over seeds). A finished
# run is not run again, so an interrupted benchmark continues where it stopped; a run whose LLM stopped
# early (unreachable, refused) counts as not finished and is left out of the table.
# Writes OUT/llm_table.csv and OUT/llm_table.md; every run directory stays under OUT/runs.
# Usage: bench/llm_table.sh --llm openai:MODEL|anthropic:MODEL [--llm-url URL] [--llm-key-env NAME]
#          [--apps a,b] [--seeds N] [--iterations I] [--budget B] [--out DIR]
# It costs tokens: two LLM sessions per application and seed, each about 60,000 prompt tokens for
# 10 iterations on `stencil` (docs/llm.md). MAGE names the mage binary (default: build it in build/).
set -euo pipefail
cd "$(dirname "$0")/.."

llm="" llm_url="" key_env="" apps="" seeds=3 iterations=10 budget=100 out="bench/results/llm"
while [[ $# -gt 0 ]]; do
  case $1 in
    --llm) llm=$2 ;;
    --llm-url) llm_url=$2 ;;
    --llm-key-env) key_env=$2 ;;
    --apps) apps=$2 ;;
    --seeds) seeds=$2 ;;
    --iterations) iterations=$2 ;;
    --budget) budget=$2 ;;
    --out) out=$2 ;;
    *) echo "llm_table: unknown option $1 (see the usage at the top of $0)" >&2; exit 2 ;;
  esac
  shift 2
done
[[ -n $llm ]] || { echo "llm_table: give the LLM with --llm openai:MODEL or --llm anthropic:MODEL" >&2; exit 2; }
command -v jq >/dev/null || { echo "llm_table: needs jq (apt-get install jq)" >&2; exit 2; }
if [[ -z ${MAGE:-} ]]; then
  scripts/setup.sh build >/dev/null
  MAGE=build/mage
fi
if [[ -z $apps ]]; then apps=$("$MAGE" apps | awk 'NF == 0 { exit } { print $1 }' | paste -sd, -); fi

llm_flags=(--llm "$llm")
[[ -n $llm_url ]] && llm_flags+=(--llm-url "$llm_url")
[[ -n $key_env ]] && llm_flags+=(--llm-key-env "$key_env")
total=$((iterations + 2 * budget))

# A run is finished when it wrote its summary and was neither interrupted nor left by its LLM.
finished() { [[ -f $1/summary.json ]] && jq -e '(.stopped // false) == false' "$1/summary.json" >/dev/null; }

# Runs one configuration unless it is finished already; prints its best mapper relative to the expert.
run() {
  local dir=$1
  shift
  if ! finished "$dir"; then
    rm -rf "$dir"
    "$MAGE" tune "$@" --quiet --out "$dir" >"$dir.log" 2>&1 || true
    if ! finished "$dir"; then
      echo "llm_table: \`mage tune $*\` did not finish (see $dir.log); it runs again next time" >&2
      echo nan
      return
    fi
  fi
  jq -r '.best.vs_expert // "nan"' "$dir/summary.json"
}

mkdir -p "$out/runs"
csv=$out/llm_table.csv
echo "app,seed,llm,ensemble,hybrid,llm_evaluations,classic_evaluations" >"$csv"
IFS=, read -r -a app_list <<<"$apps"
for app in "${app_list[@]}"; do
  for ((seed = 1; seed <= seeds; seed++)); do
    base=$out/runs/$app-seed$seed
    l=$(run "$base-llm" "$app" --optimizer llm --iterations "$iterations" --seed "$seed" "${llm_flags[@]}")
    h=$(run "$base-hybrid" "$app" --optimizer hybrid --iterations "$iterations" --budget "$budget" --seed "$seed" \
      "${llm_flags[@]}")
    e=$(run "$base-ensemble" "$app" --optimizer ensemble --budget "$total" --seed "$seed")
    echo "$app,$seed,$l,$e,$h,$iterations,$total" >>"$csv"
  done
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
{
  echo "# The hybrid against the LLM optimizer and the ensemble"
  echo
  echo "Produced by \`bench/llm_table.sh --llm $llm --seeds $seeds --iterations $iterations --budget $budget\`"
  echo "($(date -u +%Y-%m-%d)); rows in \`llm_table.csv\`. Best mapper found relative to the expert mapper, median"
  echo "over seeds; figures are **simulated** on the p100x4 machine model. The LLM runs $iterations iterations; the"
  echo "hybrid adds two classic phases of $budget evaluations; the ensemble gets the hybrid's $total evaluations."
  echo
  echo "| application | LLM | ensemble | hybrid | seeds where the hybrid beats both |"
  echo "|---|---:|---:|---:|---:|"
  for app in "${app_list[@]}"; do
    rows=$(grep "^$app," "$csv")
    col() { cut -d, -f"$1" <<<"$rows" | grep -v nan | median; }
    wins=$(awk -F, '$5 != "nan" && $3 != "nan" && $4 != "nan" && $5 > $3 && $5 > $4' <<<"$rows" | wc -l)
    echo "| $app | $(col 3) | $(col 4) | $(col 5) | $wins of $(wc -l <<<"$rows") |"
  done
} >"$out/llm_table.md"
cat "$out/llm_table.md"
