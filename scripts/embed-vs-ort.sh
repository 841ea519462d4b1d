#!/usr/bin/env bash
# The built-in embedder against onnxruntime on the same machine, the same
# token ids, in interleaved runs: each round times newsrag, then onnxruntime,
# on a 128-token passage with 1 and 2 threads, a 13-token query with 2
# threads and a batch of 256 passages on 2 cores (onnxruntime: 2 sessions of
# 1 thread). It prints every run and the medians per case.
#
#   ORTBENCH=/tmp/ortbench/ortbench ORT_LIB=.../libonnxruntime.so.1 \
#   ORT_MODEL=/tmp/ortanchor/use_lite.onnx scripts/embed-vs-ort.sh [ROUNDS] [TAGS]
#
# ../shared/anchors/onnxruntime-use-lite/README.md says how to build
# ortbench and the ONNX model (its ortbench folder is read-only: after
# copying it, chmod -R u+w the copy before go build). ROUNDS defaults to 5; TAGS are build tags
# for newsrag: "noavx512" forces the AVX2 kernel on an AVX-512 CPU,
# "purego" the portable Go one.
# WAIT, if set, is a command run before each newsrag/onnxruntime pair (for
# example one that waits until the machine is idle, on a shared machine).
# Where ortbench prints CPU time ("cpu X ms/op") it is kept too: on a
# machine shared with other work, CPU time per single-threaded operation
# varies less than the wall clock.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
tags=${2:-}
: "${ORTBENCH:?set ORTBENCH}" "${ORT_LIB:?set ORT_LIB}" "${ORT_MODEL:?set ORT_MODEL}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go test -c -tags "$tags" -o "$work/embed.test" ./embed
inputs="$work/inputs.json"
(cd embed && NEWSRAG_ANCHOR_INPUTS="$inputs" "$work/embed.test" -test.run '^TestWriteAnchorInputs$' >/dev/null)

# nr BENCH CPUS: one newsrag benchmark run; prints "ms cpu-ms" or
# "passages/s cpu-ms-per-passage".
nr() {
	(cd embed && "$work/embed.test" -test.run '^$' -test.bench "^Benchmark$1\$" -test.cpu "$2" -test.benchtime 3s -test.v) >"$work/out" 2>&1
	grep -o 'kernel [a-z0-9]*' "$work/out" | head -1 >"$work/kernel"
	awk '/^Benchmark/ {
		for (i = 1; i <= NF; i++) {
			if ($(i) == "ns/op") ns = $(i-1)
			if ($(i) == "cpu-ms/op") cpu = $(i-1)
			if ($(i) == "passages/s") ps = $(i-1)
			if ($(i) == "cpu-ms/passage") cpu = $(i-1)
		}
	} END { if (ps != "") print ps, cpu; else print ns / 1e6, cpu }' "$work/out"
}
# ort MODE THREADS: one onnxruntime run; prints the same.
ort() {
	"$ORTBENCH" "$ORT_LIB" "$ORT_MODEL" "$inputs" "$1" "$2" | awk '{
		for (i = 1; i <= NF; i++) {
			if ($(i) == "ms/op" && $(i-2) != "cpu") ms = $(i-1)
			if ($(i) == "cpu") cpu = $(i+1)
			if ($(i) ~ /^passages\/s/) ps = $(i-1)
		}
	} END { if (ps != "") print ps, cpu; else print ms, cpu }'
}

cases=("passage-1thread EmbedPassage128 1 p128 1" "passage-2threads EmbedPassage128 2 p128 2"
	"query-2threads EmbedQuery13 2 q13 2" "batch-2cores EmbedBatch256 2 batch-sess 2")
for r in $(seq "$rounds"); do
	for c in "${cases[@]}"; do
		set -- $c
		if [ -n "${WAIT:-}" ]; then $WAIT >/dev/null; fi
		echo "$1 newsrag $(nr "$2" "$3")" | tee -a "$work/results"
		echo "$1 ort $(ort "$4" "$5")" | tee -a "$work/results"
	done
done
echo "newsrag $(cat "$work/kernel"), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
echo "medians over $rounds rounds (ms/op and CPU ms/op, or passages/s and CPU ms/passage):"
for c in "${cases[@]}"; do
	set -- $c
	for who in newsrag ort; do
		med=$(awk -v c="$1" -v w="$who" '$1 == c && $2 == w { print $3, $4 }' "$work/results" |
			python3 -c 'import sys, statistics as s
rows = [l.split() for l in sys.stdin if l.strip()]
print(" ".join("%.2f" % s.median(float(r[i]) for r in rows) for i in range(len(rows[0]))))')
		printf '%-18s %-8s %s\n' "$1" "$who" "$med"
	done
done
