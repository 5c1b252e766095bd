#!/usr/bin/env bash
# Benchmark: ROWS generated leads (20% near-duplicates) through the whole pipeline into a
# fresh SQLite file, and into PostgreSQL when LEADSYNC_BENCH_POSTGRES_URL is set; the same
# file loaded by `sqlite3 .import` is the raw-load reference.
#
#   bench/import.sh [ROWS]            # default 1000000
#   LEADSYNC_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1/test bench/import.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
out=target/bench
mkdir -p "$out"

cargo build --release --quiet --bin leadsync --bin leadsync-gen
csv="$out/leads-$rows.csv"
[ -f "$csv" ] || ./target/release/leadsync-gen --rows "$rows" --duplicates 0.2 --seed 42 --output "$csv"
cat > "$out/job.toml" <<JOB
name = "bench"
max_errors = "1%"
[dedup]
default_region = "US"
[[sources]]
name = "bench"
type = "csv"
path = "leads-$rows.csv"
mapping = "../../mappings/generic.toml"
key = "lead_id"
JOB

measure() { # label, command...
    local label=$1; shift
    /usr/bin/time -f "$label: %e s wall, %M KiB peak RSS" "$@"
}

rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
echo "== leadsync import, $rows rows, fresh SQLite"
measure "sqlite" ./target/release/leadsync import "$out/job.toml" \
    --database-url "sqlite://$out/bench.db" --rejects "$out/rejects.csv" --json \
    | grep -E '"(rows_read|leads_created|rows_merged_duplicates|rows_rejected|persons_created|persons_matched|organizations_created|elapsed_seconds|rows_per_second)"'

if [ -n "${LEADSYNC_BENCH_POSTGRES_URL:-}" ]; then
    schema="bench_$$"
    psql "$LEADSYNC_BENCH_POSTGRES_URL" -q -c "CREATE SCHEMA $schema"
    echo "== leadsync import, $rows rows, fresh PostgreSQL schema"
    measure "postgres" ./target/release/leadsync import "$out/job.toml" \
        --database-url "$LEADSYNC_BENCH_POSTGRES_URL?options=-c%20search_path%3D$schema" \
        --rejects "$out/rejects-pg.csv" --json \
        | grep -E '"(rows_read|leads_created|rows_rejected|elapsed_seconds|rows_per_second)"'
    PGOPTIONS="--client-min-messages=warning" psql "$LEADSYNC_BENCH_POSTGRES_URL" -q -c "DROP SCHEMA $schema CASCADE"
fi

if command -v sqlite3 >/dev/null; then
    rm -f "$out/raw.db"
    echo "== reference: sqlite3 .import of the same file (no mapping, no dedup, no indexes)"
    measure "sqlite3 .import" sqlite3 "$out/raw.db" ".mode csv" ".import $csv leads"
fi
