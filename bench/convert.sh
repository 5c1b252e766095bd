#!/usr/bin/env bash
# Benchmark: conversion rules over LEADS imported leads. LEADS generated leads (no
# near-duplicates) are imported by a job without [[rules]]; then `leadsync convert` runs a job
# whose rule (a value of 1000 or more, about 80% of the leads) converts them into a pipeline
# with a formula field. Into a fresh SQLite file, and into a fresh PostgreSQL schema when
# LEADSYNC_BENCH_POSTGRES_URL is set (needs `psql` to create and drop the schema).
#
#   bench/convert.sh [LEADS]          # default 100000
#   LEADSYNC_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test bench/convert.sh
set -euo pipefail
cd "$(dirname "$0")/.."
leads=${1:-100000}
out=target/bench
mkdir -p "$out"

cargo build --release --quiet --bin leadsync --bin leadsync-gen
csv="$out/convert-leads-$leads.csv"
if [ ! -f "$csv" ]; then
    ./target/release/leadsync-gen --rows "$leads" --duplicates 0 --seed 42 --output "$csv.part"
    mv "$csv.part" "$csv"
fi

# The same source in both jobs: `convert` reads the inbox, not the file.
source_toml="name = \"bench-convert\"
max_errors = \"1%\"
[dedup]
default_region = \"US\"
[[sources]]
name = \"bench\"
type = \"csv\"
path = \"convert-leads-$leads.csv\"
mapping = \"../../mappings/generic.toml\"
key = \"lead_id\""
echo "$source_toml" > "$out/convert-import.toml"
cat > "$out/convert-rules.toml" <<JOB
$source_toml

[[pipelines]]
name = "Sales"
default = true
stages = [
  { name = "Qualified", probability = 20 },
  { name = "Contact made", probability = 40 },
  { name = "Proposal", probability = 60 },
]

[[rules]]
name = "valued"
when = 'lead.value != null && lead.value >= 1000.0'
stage = "Contact made"
labels = ["auto-converted"]

[[formulas]]
name = "weighted_value"
expression = 'deal.value != null ? deal.value * double(deal.probability) / 100.0 : 0.0'
JOB

# Runs a command with stdout to FILE; leaves "WALL_SECONDS PEAK_KIB" in $out/time.txt.
measure() { # file, command...
    local file=$1; shift
    /usr/bin/time -o "$out/time.txt" -f "%e %M" "$@" > "$file"
}
# A number from a pretty-printed JSON summary.
field() { # file, key
    sed -n "s/^ *\"$2\": *\([0-9.eE+-]*\),\{0,1\}$/\1/p" "$1" | head -n 1
}
wall() { cut -d' ' -f1 "$out/time.txt"; }
peak_mib() { awk '{ printf "%.0f", $2 / 1024 }' "$out/time.txt"; }

bench() { # label, database URL
    local label=$1 url=$2
    local imported="$out/convert-import-$label.json" converted="$out/convert-$label.json"
    echo "== $label: import $leads leads (job without rules)"
    measure "$imported" ./target/release/leadsync import "$out/convert-import.toml" \
        --database-url "$url" --rejects "$out/convert-rejects-$label.csv" --json
    echo "   $(field "$imported" leads_created) leads created, $(field "$imported" rows_rejected)" \
        "rejected, $(field "$imported" rows_per_second) rows/s, $(wall) s wall," \
        "$(peak_mib) MiB peak RSS"

    echo "== $label: leadsync convert (rule \`valued\`, formula \`weighted_value\`)"
    measure "$converted" ./target/release/leadsync convert "$out/convert-rules.toml" \
        --database-url "$url" --json
    local considered converted_n elapsed errors
    considered=$(field "$converted" leads_considered)
    converted_n=$(field "$converted" leads_converted)
    elapsed=$(field "$converted" elapsed_seconds)
    errors=$(field "$converted" rule_errors)
    if [ $((converted_n * 2)) -le "$considered" ]; then
        echo "convert: only $converted_n of $considered leads converted; expected most" >&2
        exit 1
    fi
    awk -v label="$label" -v c="$converted_n" -v n="$considered" -v e="$elapsed" \
        -v r="$errors" -v w="$(wall)" -v m="$(peak_mib)" 'BEGIN {
        printf "   %s: %d of %d leads converted (%d rule errors) in %.2f s: %.0f leads/s;", \
            label, c, n, r, e, c / e
        printf " %.2f s wall (%.0f leads/s), %d MiB peak RSS\n", w, c / w, m
    }'
}

echo "load before: $(uptime)"
rm -f "$out/convert.db" "$out/convert.db-wal" "$out/convert.db-shm"
bench sqlite "sqlite://$out/convert.db"

if [ -n "${LEADSYNC_BENCH_POSTGRES_URL:-}" ]; then
    schema="bench_convert_$$"
    psql "$LEADSYNC_BENCH_POSTGRES_URL" -q -c "CREATE SCHEMA $schema"
    trap 'PGOPTIONS="--client-min-messages=warning" psql "$LEADSYNC_BENCH_POSTGRES_URL" -q \
        -c "DROP SCHEMA IF EXISTS $schema CASCADE"' EXIT
    bench postgres "$LEADSYNC_BENCH_POSTGRES_URL?options=-c%20search_path%3D$schema"
fi
echo "load after: $(uptime)"
