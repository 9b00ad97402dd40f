#!/usr/bin/env bash
# Follow-up web benchmark on the county demo with 12 months of visits
# (SQLite, built and cached by `cargo bench -p hearth --bench followup`):
# API tokens for 50 follow-up workers, then wrk with 50 connections on
# loopback for a bounded time against GET /api/v1/work-list (tokens rotated)
# and POST /api/v1/visits (each a new client id, for a woman assigned to the
# token's worker); p50/p99, requests/s, and the server's peak memory.
# Needs wrk and sqlite3. Usage: bench/followup.sh [DURATION_SECONDS]
# (BENCH_DB: another database file; HEARTH_BIN: a prebuilt binary.)
set -euo pipefail
cd "$(dirname "$0")/.."
DUR="${1:-20}"
PERSONS="${BENCH_PERSONS:-1000000}"
OUT=bench/out
DB="${BENCH_DB:-$OUT/followup-county-$PERSONS-12m.db}"
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed: apt-get install sqlite3" >&2; exit 1; }

BIN="${HEARTH_BIN:-target/release/hearth}"
[ -n "${HEARTH_BIN:-}" ] || cargo build --release -q -p hearth
if [ ! -f "$DB" ]; then
    BENCH_BACKENDS=sqlite BENCH_PERSONS="$PERSONS" BENCH_MONTHS=12 cargo bench -q -p hearth --bench followup
fi
echo "data: $(sqlite3 "$DB" "SELECT (SELECT COUNT(*) FROM person) || ' persons, ' || (SELECT COUNT(*) FROM follow_up_assignment) || ' women assigned, ' || (SELECT COUNT(*) FROM visit) || ' visits'")"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
HEARTH_LOG=warn "$BIN" serve --db "sqlite://$DB" --bind "127.0.0.1:$PORT" > "$OUT/followup-serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.05; done

# 50 workers (Gushao's first, then others), one assigned woman each, and their tokens.
TOKENS=()
PERSONS_OF=()
while read -r USER PERSON; do
    T=$(curl -s -H 'Content-Type: application/json' \
        -d "{\"username\":\"$USER\",\"password\":\"hearth-demo\",\"name\":\"bench\"}" \
        "http://127.0.0.1:$PORT/api/v1/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    TOKENS+=("$T")
    PERSONS_OF+=("$PERSON")
done < <(sqlite3 -separator ' ' "$DB" \
    "SELECT u.username, (SELECT a.person_id FROM follow_up_assignment a WHERE a.worker_id = u.id ORDER BY a.person_id LIMIT 1)
     FROM app_user u WHERE u.role = 'follow_up_worker' ORDER BY u.username LIMIT 50")
echo "tokens: ${#TOKENS[@]} workers"

lua_list() { local out="" x; for x in "$@"; do out="$out\"$x\","; done; echo "{${out%,}}"; }
cat > "$OUT/followup.lua" <<LUA
tokens = $(lua_list "${TOKENS[@]}")
persons = $(lua_list "${PERSONS_OF[@]}")
counter = 0
tid = 0
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
function request()
    counter = counter + 1
    local i = (counter + tid * 7) % #tokens + 1
    local h = { ["Authorization"] = "Bearer " .. tokens[i] }
    if mode == "visit" then
        h["Content-Type"] = "application/json"
        local id = string.format("0190f000-%04x-7%03x-8000-%012x", tid, counter % 4096, counter)
        local body = '{"id":"' .. id .. '","person_id":"' .. persons[i] .. '","mode":"home","topics":["policy_law"],"findings":"bench"}'
        return wrk.format("POST", "/api/v1/visits", h, body)
    end
    return wrk.format("GET", "/api/v1/work-list", h)
end
LUA

run() { # label mode
    local r
    { echo "mode = \"$2\""; cat "$OUT/followup.lua"; } > "$OUT/followup-$2.lua"
    r=$(wrk -t2 -c50 -d"${DUR}s" --latency -s "$OUT/followup-$2.lua" "http://127.0.0.1:$PORT")
    printf '%-28s p50 %8s  p99 %8s  %8s req/s  non-2xx %s\n' "$1" \
        "$(echo "$r" | awk '/^ +50%/{print $2}')" "$(echo "$r" | awk '/^ +99%/{print $2}')" \
        "$(echo "$r" | awk '/^Requests\/sec/{print $2}')" "$(echo "$r" | awk '/Non-2xx/{print $5}')"
}
echo "--- HTTP, 50 connections, ${DUR}s each, $(nproc) cores"
run "GET /api/v1/work-list" list
run "POST /api/v1/visits" visit
echo "server peak memory (VmHWM): $(awk '/VmHWM/{printf "%d MB", $2/1024}' /proc/$PID/status)"
