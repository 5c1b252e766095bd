#!/usr/bin/env bash
# Benchmark: the same ROWS generated leads (20% near-duplicates, as bench/import.sh) read
# from each kind of source, each run into a fresh SQLite file.
#
#  1. CSV file vs XLSX workbook (written by `examples/csv_to_xlsx.rs`: numbers as number
#     cells, close dates as date cells), side by side; then the workbook is imported again
#     into the CSV run's store, where every lead must come out unchanged (same values).
#  2. HTTP: `examples/serve_leads.rs` serves the rows as JSON pages of 1000 on 127.0.0.1
#     (offset/limit). Imported unthrottled into a fresh SQLite file; then twice more into
#     that file, where every record is unchanged and the pipeline is fast: unthrottled, and
#     with `[sources.rate_limit]` set so that the listing takes about 10 s. The request rate
#     is measured from the server's log of request arrival times and compared with the
#     configured one: over the whole run (first to last request), and in the busiest
#     one-second window (which a request delayed on its way may push up by one).
#
#   bench/sources.sh [ROWS]           # default 100000
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-100000}
page=1000
out=target/bench
mkdir -p "$out"

cargo build --release --quiet --bin leadsync --bin leadsync-gen \
    --example csv_to_xlsx --example serve_leads
csv="$out/leads-$rows.csv"
xlsx="$out/leads-$rows.xlsx"
if [ ! -f "$csv" ]; then
    ./target/release/leadsync-gen --rows "$rows" --duplicates 0.2 --seed 42 --output "$csv.part"
    mv "$csv.part" "$csv"
fi
if [ ! -f "$xlsx" ] || [ "$csv" -nt "$xlsx" ]; then
    ./target/release/examples/csv_to_xlsx "$csv" "$xlsx.part"
    mv "$xlsx.part" "$xlsx"
fi

# The source is named `bench` in every job, so that one store can tell whether two sources
# gave the same records. The generic mapping reads ISO dates, which is what the sheet
# source makes of date cells.
job() { # file, source type, source-specific lines...
    local file=$1 type=$2; shift 2
    {
        echo "name = \"bench-$type\""
        echo 'max_errors = "1%"'
        echo '[dedup]'
        echo 'default_region = "US"'
        echo '[[sources]]'
        echo 'name = "bench"'
        echo "type = \"$type\""
        echo 'mapping = "../../mappings/generic.toml"'
        echo 'key = "lead_id"'
        printf '%s\n' "$@"
    } > "$file"
}

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

fresh_db() { # name; prints the URL of a new, empty SQLite file
    rm -f "$out/$1.db" "$out/$1.db-wal" "$out/$1.db-shm"
    echo "sqlite://$out/$1.db"
}

# Imports JOB into URL; prints one result line and leaves the summary in $out/LABEL.json.
import() { # label, job, database URL
    local label=$1 job=$2 url=$3
    measure "$out/$label.json" ./target/release/leadsync import "$job" \
        --database-url "$url" --rejects "$out/$label.rejects.csv" --json
    printf '%-18s %8s %8s %10s %9s %10s %6s MiB\n' "$label" \
        "$(field "$out/$label.json" rows_read)" "$(field "$out/$label.json" rows_rejected)" \
        "$(field "$out/$label.json" rows_per_second)" \
        "$(field "$out/$label.json" elapsed_seconds | awk '{ printf "%.2f s", $1 }')" \
        "$(wall) s" "$(peak_mib)"
}
header() {
    printf '%-18s %8s %8s %10s %9s %10s %10s\n' source rows rejected rows/s elapsed wall \
        "peak RSS"
}

echo "load before: $(uptime)"
echo "== CSV vs XLSX, $rows rows, fresh SQLite each"
job "$out/sources-csv.toml" csv "path = \"leads-$rows.csv\""
job "$out/sources-xlsx.toml" xlsx "path = \"leads-$rows.xlsx\""
header
import csv "$out/sources-csv.toml" "$(fresh_db sources-csv)"
import xlsx "$out/sources-xlsx.toml" "$(fresh_db sources-xlsx)"
import xlsx-again "$out/sources-xlsx.toml" "sqlite://$out/sources-csv.db" > /dev/null
created=$(field "$out/csv.json" leads_created)
unchanged=$(field "$out/xlsx-again.json" leads_unchanged)
if [ "$unchanged" != "$created" ] || [ "$(field "$out/xlsx.json" leads_created)" != "$created" ]; then
    echo "the workbook does not give the CSV's leads: $unchanged of $created unchanged" >&2
    exit 1
fi
echo "check: the workbook re-imported into the CSV's store leaves all $created leads unchanged"

server_pid=
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2> /dev/null || true
        wait "$server_pid" 2> /dev/null || true
        server_pid=
    fi
}
trap stop_server EXIT

# Serves the CSV on a new port (so that its log starts afresh); sets $url.
start_server() { # label
    : > "$out/$1.port"
    ./target/release/examples/serve_leads "$csv" > "$out/$1.port" 2> "$out/$1.server.log" &
    server_pid=$!
    for _ in $(seq 1 100); do
        [ -s "$out/$1.port" ] && break
        sleep 0.1
    done
    [ -s "$out/$1.port" ] || { echo "serve_leads did not start" >&2; exit 1; }
    url="http://$(head -n 1 "$out/$1.port")/leads"
}

# Prints the request count and rates seen by the server.
requests() { # label, configured rate or "none"
    awk -v configured="$2" -v elapsed="$(field "$out/$1.json" elapsed_seconds)" '
        $1 == "request" { t[++n] = $2 }
        END {
            rate = n > 1 ? (n - 1) / (t[n] - t[1]) : 0
            # The most requests in any window [t, t + 1 s).
            for (i = 1; i <= n; i++) {
                while (t[i] - t[j + 1] >= 1) j++
                if (i - j > busiest) busiest = i - j
            }
            printf "   %d requests: %.2f/s from the first to the last, %.2f/s over the run,", \
                n, rate, n / elapsed
            printf " busiest second %d", busiest
            if (configured != "none") {
                printf "; configured %d/s: %s", configured, rate <= configured ? "within" : "EXCEEDED"
            }
            printf "\n"
            exit (configured != "none" && rate > configured)
        }' "$out/$1.server.log"
}

# Serves the CSV afresh, imports it through a job with pages of $page (at most RATE
# requests a second when given), then prints the request rates the server saw.
http_run() { # label, database URL, [rate]
    local label=$1 db=$2 rate=${3:-}
    start_server "$label"
    local lines=('[sources.pagination]' 'type = "offset"' "limit = $page")
    [ -z "$rate" ] || lines+=('[sources.rate_limit]' "requests_per_second = $rate")
    job "$out/sources-$label.toml" http "url = \"$url\"" "${lines[@]}"
    import "$label" "$out/sources-$label.toml" "$db"
    stop_server
    requests "$label" "${rate:-none}"
}

requests_needed=$(((rows + page - 1) / page + 1)) # the last request reads an empty page
rate=$(((requests_needed + 5) / 10))
[ "$rate" -ge 1 ] || rate=1
echo "== HTTP, JSON pages of $page: $rows records into a fresh SQLite file, then again into"
echo "   the same file (every record unchanged, so the store is not what sets the pace),"
echo "   unthrottled and at $rate requests/s"
header
http_db=$(fresh_db sources-http)
http_run http "$http_db"
http_run http-again "$http_db"
http_run "http-again-${rate}rps" "$http_db" "$rate"
echo "load after: $(uptime)"
