#!/bin/sh
# Prints a few valid metrics (Prometheus text 0.0.4), like a healthy script.
cat <<'METRICS'
# HELP script_test_queue_length Items waiting in the queue.
# TYPE script_test_queue_length gauge
script_test_queue_length{queue="mail"} 42
script_test_queue_length{queue="print"} 0
# HELP script_test_jobs_total Jobs done.
# TYPE script_test_jobs_total counter
script_test_jobs_total 1027
METRICS
