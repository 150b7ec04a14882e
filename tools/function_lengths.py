#!/usr/bin/env python3
"""function_lengths.py [--over N] PATH... — lines of every function body in the
C++ files under PATH (a brace-counting scan, no compiler needed): prints
"lines  file:line  function", longest first, for bodies longer than N lines
(default 80, the limit readability-function-size is run with in issue 17).

A body's lines are those strictly between its opening and closing brace
lines. Lambdas and local classes count toward the function that holds them;
member functions defined in a class body are named Class::function.
"""
import os
import re
import sys

CONTROL = {"if", "for", "while", "switch", "catch", "return", "sizeof", "decltype", "alignof",
           "static_assert", "noexcept", "requires"}
SIGNATURE_END = re.compile(
    r"\)\s*(const\s*)?(&\s*)?(noexcept\s*(\([^)]*\))?\s*)?(override\s*|final\s*)*"
    r"(->\s*[\w:<>,\s*&]+)?$")


def strip(text):
    """Blanks comments, string and character literals (keeps newlines)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2:j]))
            i = j
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
                out.append(c)  # digit separator 1'000
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def function_name(statement):
    """The name before the first top-level '(' of a definition, or None."""
    s = re.sub(r"\s+", " ", statement).strip()
    s = re.sub(r"^(template ?<[^{;]*?> ?)", "", s)
    depth = 0
    for i, c in enumerate(s):
        if c == "<":
            depth += 1
        elif c == ">":
            depth = max(0, depth - 1)
        elif c == "(" and depth == 0:
            m = re.search(r"([~\w:]+(?:operator\s*\S+?)?)\s*$", s[:i])
            if not m:
                return None
            name = m.group(1)
            if name.split("::")[-1] in CONTROL or not re.match(r"[~A-Za-z_]", name):
                return None
            return name
    return None


def scan(path):
    with open(path, encoding="utf-8") as f:
        text = strip(f.read())
    results = []
    stack = []  # ("func", name, line) or ("other",)
    statement_start = 0
    line = 1
    for i, c in enumerate(text):
        if c == "\n":
            line += 1
        elif c in ";":
            statement_start = i + 1
        elif c == "{":
            statement = text[statement_start:i]
            in_function = any(s[0] == "func" for s in stack)
            name = None
            if not in_function and SIGNATURE_END.search(statement.rstrip()) is not None:
                name = function_name(statement)
            elif not in_function:
                # constructor with a member-initializer list ending in a brace-init: a_{x} {
                m = re.search(r"\)\s*:\s*[\w:]+\s*[({]", statement)
                if m and statement.rstrip().endswith(("}", ")")):
                    name = function_name(statement)
            klass = re.search(r"\b(?:class|struct)\s+(\w+)[^()]*$", statement)
            if name:
                owners = [s[1] for s in stack if s[0] == "class"]
                if owners and "::" not in name:
                    name = "::".join(owners) + "::" + name
                stack.append(("func", name, line))
            elif klass and not in_function:
                stack.append(("class", klass.group(1)))
            else:
                stack.append(("other",))
            statement_start = i + 1
        elif c == "}":
            if stack:
                top = stack.pop()
                if top[0] == "func":
                    results.append((line - top[2] - 1, path, top[2], top[1]))
            statement_start = i + 1
    return results


def main(argv):
    over = 80
    if len(argv) > 1 and argv[0] == "--over":
        over = int(argv[1])
        argv = argv[2:]
    found = []
    for root in argv or ["plugins"]:
        files = [root] if os.path.isfile(root) else [
            os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
        for file in sorted(files):
            if file.endswith((".cpp", ".hpp", ".h", ".cc")):
                found.extend(scan(file))
    found.sort(key=lambda r: (-r[0], r[1], r[2]))
    for lines, path, at, name in found:
        if lines > over:
            print(f"{lines:5d}  {path}:{at}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
