#!/usr/bin/env bash
# Web load benchmark on the county demo (1,000,000 persons, SQLite):
# cold start, search (name prefix, pinyin initials, ID, phone) and the person
# page under 50 concurrent connections for a bounded time on loopback, the
# server's peak memory, and the raw SQL time of the same queries measured in
# the same run. Needs wrk and sqlite3 (Debian packages).
# Usage: bench/web.sh [DURATION_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
DUR="${1:-15}"
OUT=bench/out
DB="$OUT/county.db"
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed: apt-get install sqlite3" >&2; exit 1; }

cargo build --release -q -p hearth
BIN=target/release/hearth
if [ ! -f "$DB" ]; then
    "$BIN" demo --persons 1000000 --no-serve --db "sqlite://$DB" | tail -2
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
START=$(date +%s.%N)
HEARTH_LOG=warn "$BIN" serve --db "sqlite://$DB" --bind "127.0.0.1:$PORT" > "$OUT/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.01; done
END=$(date +%s.%N)
echo "cold start to first answer: $(python3 -c "print(f'{($END-$START)*1000:.0f} ms')")"

# Sign in as the town's staff (古邵镇, ~45,000 residents) and as the administrator (the whole county).
signin() {
    local jar="$OUT/$1.jar"
    rm -f "$jar"
    local token
    token=$(curl -s -c "$jar" "http://127.0.0.1:$PORT/sign-in" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
    curl -s -b "$jar" -c "$jar" -o /dev/null -d "username=$1&password=hearth-demo&csrf=$token" "http://127.0.0.1:$PORT/sign-in"
    awk '$6=="hearth_session"{print "hearth_session="$7}' "$jar"
}
TOWN=$(signin town)
ADMIN=$(signin admin)

# Real values to look for, from the database itself.
read -r PID1 RID PHONE NAME2 INIT < <(sqlite3 -separator ' ' "$DB" \
  "SELECT id, resident_id, phone, substr(name,1,2), name_initials FROM person WHERE village_code LIKE '370404100%' AND phone IS NOT NULL AND length(name) = 3 LIMIT 1 OFFSET 1234")

run() { # label cookie path [pause_ms]
    local label="$1" cookie="$2" path="$3" pause="${4:-0}"
    cat > "$OUT/req.lua" <<LUA
wrk.headers["Cookie"] = "$cookie"
function delay() return $pause end
LUA
    local r
    r=$(wrk -t2 -c50 -d"${DUR}s" --latency -s "$OUT/req.lua" "http://127.0.0.1:$PORT$path")
    local p50 p99 rps non2xx
    p50=$(echo "$r" | awk '/^ +50%/{print $2}')
    p99=$(echo "$r" | awk '/^ +99%/{print $2}')
    rps=$(echo "$r" | awk '/^Requests\/sec/{print $2}')
    non2xx=$(echo "$r" | awk '/Non-2xx/{print $5}')
    printf '%-34s p50 %8s  p99 %8s  %8s req/s  non-2xx %s\n' "$label" "$p50" "$p99" "$rps" "${non2xx:-0}"
}
enc() { python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))" "$1"; }

echo "--- HTTP, 50 connections, ${DUR}s each (town staff scope: 古邵镇)"
run "search: name prefix ($NAME2)" "$TOWN" "/search?q=$(enc "$NAME2")"
run "search: pinyin initials ($INIT)" "$TOWN" "/search?q=$INIT"
run "search: resident ID" "$TOWN" "/search?q=$RID"
run "search: phone" "$TOWN" "/search?q=$PHONE"
run "person page" "$TOWN" "/persons/$PID1"
echo "--- HTTP, administrator scope (whole county, 1M persons)"
run "search: name prefix ($NAME2)" "$ADMIN" "/search?q=$(enc "$NAME2")"
run "search: pinyin initials ($INIT)" "$ADMIN" "/search?q=$INIT"
echo "--- HTTP, 50 users each asking every 100 ms (~500 req/s offered; town staff scope)"
run "search: name prefix ($NAME2)" "$TOWN" "/search?q=$(enc "$NAME2")" 100
run "search: pinyin initials ($INIT)" "$TOWN" "/search?q=$INIT" 100
run "search: resident ID" "$TOWN" "/search?q=$RID" 100
run "search: phone" "$TOWN" "/search?q=$PHONE" 100
run "person page" "$TOWN" "/persons/$PID1" 100
echo "server peak memory (VmHWM): $(awk '/VmHWM/{printf "%d MB", $2/1024}' /proc/$PID/status)"

echo "--- raw SQL, same answers, sqlite3 CLI (mean of 200 runs, ms)"
rawsql() { # label sql
    local t0 t1
    local f="$OUT/raw.sql"
    : > "$f"
    for _ in $(seq 200); do echo "$2" >> "$f"; done
    t0=$(date +%s%N); sqlite3 "$DB" < "$f" > /dev/null; t1=$(date +%s%N)
    printf '%-34s %.3f ms\n' "$1" "$(python3 -c "print(($t1-$t0)/1e6/200)")"
}
LO=370404100; HI="370404100:"
rawsql "search: name prefix" "SELECT id, name, sex, birth_date, resident_id, phone, village_code, household_id FROM person WHERE village_code >= '$LO' AND village_code < '$HI' AND name >= '$NAME2' AND name < '$NAME2'||char(1114111) ORDER BY name, id LIMIT 20;"
rawsql "search: pinyin initials" "SELECT id, name, sex, birth_date, resident_id, phone, village_code, household_id FROM person WHERE village_code >= '$LO' AND village_code < '$HI' AND name_initials >= '$INIT' AND name_initials < '$INIT'||'~' ORDER BY name, id LIMIT 20;"
rawsql "search: resident ID" "SELECT id, name FROM person WHERE resident_id = '$RID' AND village_code >= '$LO' AND village_code < '$HI';"
rawsql "search: phone" "SELECT id, name FROM person WHERE phone = '$PHONE' AND village_code >= '$LO' AND village_code < '$HI' LIMIT 20;"
rawsql "person page" "SELECT * FROM person WHERE id = '$PID1' AND village_code >= '$LO' AND village_code < '$HI';"
