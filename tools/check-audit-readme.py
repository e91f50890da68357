#!/usr/bin/env python3
"""Keep the one-screen summary of an audit's README equal to the summary.md
that `jlattn audit` generated, so that no number there is typed by hand.

    python3 tools/check-audit-readme.py [DIR]            # check (DIR: docs/audit)
    python3 tools/check-audit-readme.py [DIR] --update   # copy DIR/summary.md into DIR/README.md

DIR/README.md holds the summary between the lines

    <!-- summary.md: begin ... -->
    <!-- summary.md: end -->

Exit status: 0 when the block equals DIR/summary.md (or after --update), 1
with one line saying what differs, 2 when a file or a marker is missing.
It runs as the ctest audit_readme_summary.
"""
import os
import sys

BEGIN = "<!-- summary.md: begin"
END = "<!-- summary.md: end -->"


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    update = "--update" in argv
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    directory = args[0] if args else os.path.join(root, "docs", "audit")
    readme_path, summary_path = os.path.join(directory, "README.md"), os.path.join(directory, "summary.md")
    try:
        with open(readme_path, encoding="utf-8") as f:
            readme = f.read()
        with open(summary_path, encoding="utf-8") as f:
            summary = f.read()
    except OSError as e:
        print("check-audit-readme: %s" % e)
        return 2
    begin = readme.find(BEGIN)
    end = readme.find(END)
    if begin < 0 or end < begin:
        print("check-audit-readme: %s lacks the lines '%s ... -->' and '%s'" % (readme_path, BEGIN, END))
        return 2
    start = readme.index("\n", begin) + 1
    if readme[start:end] == summary:
        return 0
    if update:
        with open(readme_path, "w", encoding="utf-8") as f:
            f.write(readme[:start] + summary + readme[end:])
        return 0
    print("check-audit-readme: the summary in %s differs from %s; run python3 tools/check-audit-readme.py %s --update"
          % (readme_path, summary_path, directory))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
