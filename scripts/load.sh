#!/usr/bin/env bash
# Load test of `newsrag serve` on loopback, with wrk (Debian package "wrk").
#
#   scripts/load.sh [DURATION] [CONNECTIONS]     (defaults: 30s, 32)
#
# It builds newsrag, indexes the default corpus into a temporary data
# directory, starts the server with rate limiting off, and runs wrk three
# times each against GET /api/search and POST /api/ask (extractive mode),
# printing requests/s, p50/p99 latency, errors and non-2xx responses, and
# the server's resident memory after each run. Then it measures /api/search
# with one connection (to compare with the in-process retrieval time), and
# finally sends SIGTERM in the middle of a run to check that shutdown
# completes the requests in flight and the server exits cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-30s}
conns=${2:-32}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/newsrag" ./cmd/newsrag
export NEWSRAG_DATA_DIR="$work/data" NEWSRAG_RATE_LIMIT=-1 NEWSRAG_LOG_LEVEL=warn
"$work/newsrag" ingest >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
start_server() {
	"$work/newsrag" serve --addr "127.0.0.1:$port" 2>"$work/serve.log" &
	pid=$!
	for _ in $(seq 100); do
		curl -fs "$base/readyz" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "server did not become ready" >&2; cat "$work/serve.log" >&2; exit 1
}
rss() { awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$pid/status"; }

cat >"$work/ask.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"question": "What do Ukraine\'s long-range drones target inside Russia?", "k": 5}'
LUA

# summary parses wrk --latency output into one line.
summary() {
	awk -v label="$1" '
		/Requests\/sec/ {rps=$2}
		/^ +50%/ {p50=$2}
		/^ +99%/ {p99=$2}
		/requests in/ {n=$1}
		/Non-2xx/ {non2xx=$NF}
		/Socket errors/ {err=$0; sub(/.*Socket errors: /, "", err)}
		END {printf "%-8s %8s req/s  p50 %-8s p99 %-8s requests %-7s non-2xx %-4s socket errors: %s\n",
			label, rps, p50, p99, n, (non2xx==""?0:non2xx), (err==""?"none":err)}'
}

start_server
echo "newsrag serve on $base, resident memory at start: $(rss)"
echo "wrk: $conns connections, $dur per run"
for run in 1 2 3; do
	wrk -t2 -c"$conns" -d"$dur" --latency "$base/api/search?q=drone+strikes+on+refineries&k=10" | summary search
	echo "         server resident memory after search run $run: $(rss)"
	wrk -t2 -c"$conns" -d"$dur" --latency -s "$work/ask.lua" "$base/api/ask" | summary ask
	echo "         server resident memory after ask run $run: $(rss)"
done
wrk -t1 -c1 -d10s --latency "$base/api/search?q=drone+strikes+on+refineries&k=10" | summary "search c1"

# Graceful shutdown under load.
wrk -t2 -c"$conns" -d6s --latency -s "$work/ask.lua" "$base/api/ask" >"$work/shutdown.txt" &
wrkpid=$!
sleep 3
kill -TERM $pid
t0=$(date +%s.%N)
status=0
wait $pid || status=$?
t1=$(date +%s.%N)
wait $wrkpid || true
echo "shutdown under load: server exit status $status after $(echo "$t1 - $t0" | bc) s"
summary "ask+TERM" <"$work/shutdown.txt"
grep -iE "error|panic" "$work/serve.log" | head -5 || true
