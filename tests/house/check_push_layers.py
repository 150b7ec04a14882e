"""check_push_layers.py SOURCE_DIR — plugins/push's folders are layers: a file
in one folder includes push headers only from its own folder or from folders
below it, in the order LAYERS gives (bottom first); the top-level files
(push_plugin.cpp, the instance's parts) may include anything, and no folder
includes a top-level header. Prints every include that runs upwards (and any
folder missing from the list) and exits 1 if there is one. Run by CTest as
house.push_layers.
"""
import os
import re
import sys

# Bottom up; body/ and durable/ do not include each other (either order holds).
LAYERS = ["store", "body", "durable", "config", "api"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def main(source_dir):
    push = os.path.join(source_dir, "plugins", "push")
    top_level = {n for n in os.listdir(push) if n.endswith(".hpp")}
    problems = []
    for folder in sorted(os.listdir(push)):
        path = os.path.join(push, folder)
        if not os.path.isdir(path):
            continue
        if folder not in LAYERS:
            problems.append(f"plugins/push/{folder}/ is not in LAYERS (tests/house/check_push_layers.py)")
            continue
        for root, _, files in os.walk(path):
            for name in sorted(files):
                if not name.endswith((".cpp", ".hpp")):
                    continue
                file = os.path.join(root, name)
                rel = os.path.relpath(file, source_dir)
                with open(file, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = m.group(1)
                        if target in top_level:
                            problems.append(f"{rel}:{number}: {folder}/ includes {line.strip()}, "
                                            "a top-level file of the plugin")
                            continue
                        first = target.split("/")[0]
                        if "/" not in target or first not in LAYERS:
                            continue
                        if LAYERS.index(first) > LAYERS.index(folder):
                            problems.append(f"{rel}:{number}: {folder}/ includes {line.strip()} "
                                            f"from {first}/, a layer above it")
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) against the layering; bottom up: {' < '.join(LAYERS)}")
        return 1
    print(f"plugins/push is layered: {' < '.join(LAYERS)} < top level")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../..")))
