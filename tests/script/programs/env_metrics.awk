#!/usr/bin/awk -f
# Prints every environment variable name as a label (and its arguments as
# another family): what the program really received.
BEGIN {
  for (k in ENVIRON) printf "script_test_env{name=\"%s\"} 1\n", k
  for (i = 1; i < ARGC; i++) {
    v = ARGV[i]; gsub(/\\/, "\\\\", v); gsub(/"/, "\\\"", v); gsub(/\n/, "\\n", v)
    printf "script_test_arg{index=\"%d\",value=\"%s\"} 1\n", i, v
  }
  exit 0
}
