#!/bin/sh
# Starts a child that would sleep for a minute, records both pids in $1,
# then sleeps past any sensible timeout itself. With "stubborn" as $2 both
# ignore SIGTERM, so only SIGKILL ends them.
if [ "$2" = stubborn ]; then trap '' TERM; fi
sleep 60 &
echo "$$ $!" > "$1.tmp" && mv "$1.tmp" "$1"
sleep 30
echo 'script_test_never_printed 1'
