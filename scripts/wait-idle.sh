#!/usr/bin/env bash
# Waits until the machine's CPUs were at least 90% idle over 3 seconds, or
# SECS seconds (default 300) have passed, and prints the idle share it saw.
# For benchmarks on a machine shared with other work, e.g.
#   WAIT="scripts/wait-idle.sh 60" scripts/embed-vs-ort.sh 5
end=$(($(date +%s) + ${1:-300}))
while :; do
	read -r _ u n s i w x y z _ </proc/stat
	t1=$((u + n + s + i + w + x + y + z)) i1=$((i + w))
	sleep 3
	read -r _ u n s i w x y z _ </proc/stat
	t2=$((u + n + s + i + w + x + y + z)) i2=$((i + w))
	idle=$((100 * (i2 - i1) / (t2 - t1)))
	if [ "$idle" -ge 90 ] || [ "$(date +%s)" -ge "$end" ]; then
		echo "idle $idle%"
		exit 0
	fi
done
