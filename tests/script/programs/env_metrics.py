#!/usr/bin/python3 -I
"""Prints what this program really received: every environment variable name
(from /proc/self/environ, the block as exec'd, before Python's own locale
changes), PATH's value, and its arguments, as metrics."""
import sys


def esc(v):
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


with open("/proc/self/environ", "rb") as f:
    env = dict(item.split(b"=", 1) for item in f.read().split(b"\0") if item)
for name in sorted(env):
    print(f'script_test_env{{variable="{esc(name.decode())}"}} 1')
print(f'script_test_path{{value="{esc(env.get(b"PATH", b"").decode())}"}} 1')
for i, arg in enumerate(sys.argv[1:], 1):
    print(f'script_test_arg{{index="{i}",value="{esc(arg)}"}} 1')
