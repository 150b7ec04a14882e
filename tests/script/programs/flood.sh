#!/bin/sh
# Writes 100 MB of (valid) metric lines to stdout, far beyond any sane limit.
yes 'script_test_flood{line="x"} 1' | head -c 104857600
