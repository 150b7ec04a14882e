#!/bin/sh
# Prints one valid line, then something that is not the exposition format.
echo 'script_test_before_garbage 1'
echo 'this is { not a metric'
echo 'script_test_after_garbage 2'
