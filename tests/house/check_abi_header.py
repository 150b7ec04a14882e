#!/usr/bin/python3
"""check_abi_header.py — plugin.h's frozen-ABI rules that a compiler cannot
check: every entry of the two function tables (pe_plugin_descriptor,
pe_host_api) says which minor added it ("(1.0)") and on which thread it runs
("[main-thread]", "[collect-thread]", "[http-thread]", "[any-thread]"), in the
comment on or right above it; every plain field of the tables carries its
minor too. Usage: check_abi_header.py path/to/plugin.h (exit 1 and one line
per problem)."""
import re
import sys

TAGS = ("[main-thread]", "[collect-thread]", "[http-thread]", "[any-thread]")
MINOR = re.compile(r"\(1\.\d+")


def table_body(text, name):
    match = re.search(r"typedef struct %s \{(.*?)\n\} %s;" % (name, name), text, re.S)
    if not match:
        raise SystemExit("plugin.h: no typedef struct %s" % name)
    return match.group(1).split("\n")


def comment_for(lines, index):
    """The entry's declaration (all its lines) plus the comment block right above it."""
    own = lines[index]
    k = index + 1
    while not own.rstrip().endswith(";") and k < len(lines):
        own += " " + lines[k].strip()
        k += 1
    above = []
    j = index - 1
    if j >= 0 and lines[j].strip().endswith("*/"):
        while j >= 0:
            above.insert(0, lines[j].strip())
            if lines[j].strip().startswith("/*"):
                break
            j -= 1
    return own + " " + " ".join(above)


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    problems = []
    for table in ("pe_plugin_descriptor", "pe_host_api"):
        lines = table_body(text, table)
        for i, line in enumerate(lines):
            entry = re.search(r"\(\*(\w+)\)\(", line)
            code = line.strip()
            is_comment = code.startswith("/*") or code.startswith("*")
            field = None if is_comment else re.match(r"\s+(?:const )?[\w ]+?\*?\s*(\w+);", line)
            if entry:
                name = entry.group(1)
                comment = comment_for(lines, i)
                if not MINOR.search(comment):
                    problems.append("%s.%s: no minor mark such as (1.0)" % (table, name))
                if not any(tag in comment for tag in TAGS):
                    problems.append("%s.%s: no thread tag (%s)" % (table, name, ", ".join(TAGS)))
            elif field:
                if not MINOR.search(line):
                    problems.append("%s.%s: no minor mark such as (1.0)" % (table, field.group(1)))
    for problem in problems:
        print("plugin.h: " + problem)
    if problems:
        return 1
    print("plugin.h: every table entry has its minor and thread tag")
    return 0


if __name__ == "__main__":
    sys.exit(main())
