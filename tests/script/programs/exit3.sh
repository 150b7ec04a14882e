#!/bin/sh
# Prints valid metrics, complains on stderr, then fails with exit code 3.
echo 'script_test_partial 1'
echo 'cannot reach the queue server' >&2
exit 3
