#!/bin/sh
# Leaves a background process behind (holding stdout) and exits at once.
sleep 60 &
echo "$$ $!" > "$1.tmp" && mv "$1.tmp" "$1"
echo 'script_test_left_a_child 1'
