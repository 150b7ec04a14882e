#!/bin/sh
# Appends one line to $RUNS_FILE per run, waits until $RELEASE_FILE exists
# (at most $MAX_WAIT tenths of a second, default 10 = 1 s), then prints a
# metric. Lets a test hold a run open while it sends concurrent scrapes.
echo "run $$ ${TARGET:-none}" >> "$RUNS_FILE"
i=0
while [ ! -e "${RELEASE_FILE:-/nonexistent}" ] && [ "$i" -lt "${MAX_WAIT:-10}" ]; do
  sleep 0.1
  i=$((i + 1))
done
echo "script_test_counted_run{target=\"${TARGET:-none}\"} 1"
