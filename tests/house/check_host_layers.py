"""check_host_layers.py SOURCE_DIR — host/'s folders are layers: a file in
one folder includes host headers only from its own folder or from folders
below it, in the order the list LAYERS gives (bottom first). Prints every
include that runs upwards (and any folder missing from the list) and exits 1
if there is one. Run by CTest as house.host_layers.
"""
import os
import re
import sys

# Bottom up. app/ is the composition root; files at host/ top level (main.cpp,
# check_metrics_command.cpp) may include anything.
LAYERS = ["base", "auth", "config", "plugin", "isolation", "collect", "http", "dialin", "remote_write", "app"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"')


def main(source_dir):
    host = os.path.join(source_dir, "host")
    problems = []
    for folder in sorted(os.listdir(host)):
        path = os.path.join(host, folder)
        if not os.path.isdir(path):
            continue
        if folder not in LAYERS:
            problems.append(f"host/{folder}/ is not in LAYERS (tests/house/check_host_layers.py)")
            continue
        for root, _, files in os.walk(path):
            for name in sorted(files):
                if not name.endswith((".cpp", ".hpp")):
                    continue
                file = os.path.join(root, name)
                with open(file, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m or not os.path.isdir(os.path.join(host, m.group(1))):
                            continue
                        target = m.group(1)
                        if target in LAYERS and LAYERS.index(target) > LAYERS.index(folder):
                            rel = os.path.relpath(file, source_dir)
                            problems.append(f"{rel}:{number}: {folder}/ includes {line.strip()} "
                                            f"from {target}/, a layer above it")
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) against the layering; bottom up: {' < '.join(LAYERS)}")
        return 1
    print(f"host/ is layered: {' < '.join(LAYERS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../..")))
