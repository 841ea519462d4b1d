#!/usr/bin/env bash
# A Weaviate cluster on loopback for newsrag's integration and fault tests.
#
#   scripts/weaviate.sh build        build the server into the cache (once)
#   scripts/weaviate.sh start [N]    start N nodes (default 1), wait until
#                                    ready, print node 1's HTTP URL last
#   scripts/weaviate.sh stop         stop the nodes started by `start`
#   scripts/weaviate.sh kill I       SIGKILL node I (fault test)
#   scripts/weaviate.sh restart I    start node I again and wait until ready
#   scripts/weaviate.sh path         print the server binary's path
#
# The server is built from the Go module proxy with `go install` run in a
# temporary module, so newsrag's go.mod stays clean. Settings:
#   NEWSRAG_WEAVIATE_CACHE  cache directory (default
#                           ${XDG_CACHE_HOME:-~/.cache}/newsrag/weaviate)
#   NEWSRAG_WEAVIATE_PORT   first port (default 18080); node i uses
#                           base+10*(i-1) + 0 HTTP, 1 gRPC, 2 gossip,
#                           3 data, 4 raft, 5 raft RPC
# Node i keeps its data in $cache/run-PORT/node-i and logs to
# $cache/run-PORT/node-i.log (PORT: the first port).
set -euo pipefail
export PATH="$PATH:/usr/local/go/bin"

version=v1.35.2
cache=${NEWSRAG_WEAVIATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/newsrag/weaviate}
bin="$cache/$version/weaviate-server"
run="$cache/run-${NEWSRAG_WEAVIATE_PORT:-18080}"
base=${NEWSRAG_WEAVIATE_PORT:-18080}

build() {
	if [ -x "$bin" ]; then
		return
	fi
	mkdir -p "$cache/$version"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	echo "building weaviate-server $version into $cache/$version (several minutes the first time)" >&2
	(
		cd "$tmp"
		go mod init weaviate-build >/dev/null 2>&1
		CGO_ENABLED=0 GOBIN="$tmp/bin" go install -ldflags='-s -w' \
			"github.com/weaviate/weaviate/cmd/weaviate-server@$version"
	)
	mv "$tmp/bin/weaviate-server" "$bin.partial"
	mv "$bin.partial" "$bin"
}

# port NODE OFFSET prints a port of node NODE (1-based).
port() { echo $((base + 10 * ($1 - 1) + $2)); }

# start_node I N starts node I of an N-node cluster in the background.
start_node() {
	local i=$1 n=$2 join="" k
	for k in $(seq 1 "$n"); do
		join="${join:+$join,}node-$k:$(port "$k" 4)"
	done
	mkdir -p "$run/node-$i"
	(
		export PERSISTENCE_DATA_PATH="$run/node-$i" \
			AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=true \
			DEFAULT_VECTORIZER_MODULE=none ENABLE_MODULES="" \
			CLUSTER_HOSTNAME="node-$i" CLUSTER_IN_LOCALHOST=true \
			CLUSTER_BIND_ADDR=127.0.0.1 CLUSTER_ADVERTISE_ADDR=127.0.0.1 \
			CLUSTER_GOSSIP_BIND_PORT="$(port "$i" 2)" CLUSTER_DATA_BIND_PORT="$(port "$i" 3)" \
			GRPC_PORT="$(port "$i" 1)" \
			RAFT_PORT="$(port "$i" 4)" RAFT_INTERNAL_RPC_PORT="$(port "$i" 5)" \
			RAFT_JOIN="$join" RAFT_BOOTSTRAP_EXPECT="$n" RAFT_TIMEOUTS_MULTIPLIER=1 \
			DISABLE_TELEMETRY=true GO_PROFILING_DISABLE=true LOG_LEVEL=warning \
			QUERY_DEFAULTS_LIMIT=100 PERSISTENCE_MEMTABLES_FLUSH_DIRTY_AFTER_SECONDS=1
		# Weaviate 1.35.2's BM25 (BlockMax WAND) ranks writes still in the
		# memtable wrongly when a query's limit is below its matches; they
		# are flushed after 60 s by default, after 1 s here, so tests that
		# compare rankings wait seconds, not a minute.
		if [ "$i" -gt 1 ]; then
			export CLUSTER_JOIN="127.0.0.1:$(port 1 2)"
		fi
		exec "$bin" --scheme http --host 127.0.0.1 --port "$(port "$i" 0)" \
			--read-timeout=600s --write-timeout=600s
	) >>"$run/node-$i.log" 2>&1 &
	echo $! >"$run/node-$i.pid"
}

# wait_ready I waits until node I answers its readiness check.
wait_ready() {
	local url="http://127.0.0.1:$(port "$1" 0)" t
	for t in $(seq 1 600); do
		if curl -fsS -o /dev/null "$url/v1/.well-known/ready" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$(cat "$run/node-$1.pid")" 2>/dev/null; then
			echo "weaviate node $1 exited; its log:" >&2
			tail -20 "$run/node-$1.log" >&2
			return 1
		fi
		sleep 0.5
	done
	echo "weaviate node $1 not ready after 300s; see $run/node-$1.log" >&2
	return 1
}

# wait_port P waits until something listens on 127.0.0.1:P.
wait_port() {
	local t
	for t in $(seq 1 600); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
			return 0
		fi
		sleep 0.2
	done
	echo "nothing listens on port $1 after 120s" >&2
	return 1
}

# nodes prints how many nodes are started (from the pid files).
nodes() { ls "$run"/node-*.pid 2>/dev/null | wc -l; }

stop() {
	local f pid
	for f in "$run"/node-*.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f")
		kill -TERM "$pid" 2>/dev/null || true
	done
	for f in "$run"/node-*.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f")
		for _ in $(seq 1 40); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.25
		done
		kill -KILL "$pid" 2>/dev/null || true
		rm -f "$f"
	done
}

cmd=${1:-}
case "$cmd" in
build)
	build
	echo "$bin"
	;;
path)
	echo "$bin"
	;;
start)
	n=${2:-1}
	build
	stop
	rm -rf "$run"
	mkdir -p "$run"
	start_node 1 "$n"
	# The other nodes join through node 1's gossip port, and give up if it
	# is not listening yet.
	if [ "$n" -gt 1 ]; then
		wait_port "$(port 1 2)"
	fi
	for i in $(seq 2 "$n"); do
		start_node "$i" "$n"
	done
	for i in $(seq 1 "$n"); do
		wait_ready "$i"
	done
	echo "http://127.0.0.1:$(port 1 0)"
	;;
stop)
	stop
	;;
kill)
	kill -KILL "$(cat "$run/node-$2.pid")"
	;;
restart)
	start_node "$2" "$(nodes)"
	wait_ready "$2"
	echo "http://127.0.0.1:$(port "$2" 0)"
	;;
*)
	sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
