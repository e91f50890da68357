#!/usr/bin/env python3
"""Opens the HTML walkthrough of `jlattn explain` in headless Chromium and
checks that MathJax typeset its formulas, and that a page whose MathJax is
missing says how to get it.

    check-walkthrough-browser.py JLATTN SOURCE_DIR [OUT_DIR]
    check-walkthrough-browser.py --self-test

JLATTN is the jlattn executable, SOURCE_DIR the repository. Three pages:

  fresh      `jlattn explain --demo 8` written now, loading Debian's MathJax
             (libjs-mathjax, /usr/share/javascript/mathjax) as it does by default;
  checked-in docs/walkthrough-demo.html as committed;
  missing    the same walkthrough generated with --mathjax naming a file that
             does not exist.

Each page is opened by Chromium (`--dump-dom` gives the DOM after its scripts
ran; `--screenshot` a picture of the first screen, written to OUT_DIR for a
person to look at, default a temporary directory that is removed). For the
first two the DOM must hold one MathJax SVG rendering per formula of the page
source, no TeX delimiter \\( \\) \\[ \\] left in the text a reader sees, no
MathJax error, and the missing-MathJax notice hidden. For the third it must
hold no MathJax output and the notice visible, naming
`apt-get install libjs-mathjax` and `--mathjax`.

Exit status: 0 all checks pass; 1 a check failed (one line per failure);
77 skipped, with the reason: Chromium is not installed (Debian: `apt-get
install chromium`), or MathJax is not installed (`apt-get install
libjs-mathjax`). --self-test runs the checks on small hand-written DOMs (a
typeset page and one defect at a time) and needs no browser. Standard
library only.
"""

from __future__ import annotations

import html.parser
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SKIP = 77
MATHJAX_DIR = Path("/usr/share/javascript/mathjax")
NOTICE_ID = "mathjax-missing"
TEX_DELIMITERS = ("\\(", "\\)", "\\[", "\\]")

# Chromium as root in a container with no network: no sandbox (it needs user
# namespaces), no GPU, and none of the background connections that the
# closed network refuses; a fresh profile per run.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--virtual-time-budget=20000",  # MathJax typesets asynchronously; let it finish
)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run_chromium(chromium: str, page: Path, extra: list[str], profile_root: Path) -> subprocess.CompletedProcess:
    profile = Path(tempfile.mkdtemp(prefix="profile-", dir=profile_root))
    try:
        return subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
            capture_output=True, text=True, timeout=180, check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class PageScan(html.parser.HTMLParser):
    """What the checks need from a page: the text a reader sees (outside
    script, style and noscript), the notice, and MathJax's traces."""

    HIDDEN_TEXT = {"script", "style", "noscript", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.visible_text: list[str] = []
        self.notice_found = False
        self.notice_hidden = False
        self.notice_text: list[str] = []
        self.notice_depth: int | None = None
        self.mathjax_svg = 0        # <span class="MathJax_SVG">: one per typeset formula
        self.mathjax_svg_with_svg = 0
        self.math_scripts = 0       # <script type="math/tex...">: MathJax keeps each source there
        self.errors = 0             # MathJax error markers
        self._open_svg_span: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        classes = a.get("class", "").split()
        if tag not in {"br", "img", "meta", "link", "hr", "input"}:
            self.stack.append(tag)
        if a.get("id") == NOTICE_ID:
            self.notice_found = True
            self.notice_hidden = "hidden" in a or "display: none" in a.get("style", "").replace("display:none", "display: none")
            self.notice_depth = len(self.stack)
        if "MathJax_SVG" in classes:
            self.mathjax_svg += 1
            self._open_svg_span.append(len(self.stack))
        if tag == "svg" and self._open_svg_span:
            self.mathjax_svg_with_svg += 1
            self._open_svg_span.pop()
        if tag == "script" and a.get("type", "").startswith("math/tex"):
            self.math_scripts += 1
        if {"MathJax_Error", "noError", "merror"} & set(classes) or a.get("data-mjx-error"):
            self.errors += 1
        if tag in {"g", "text"} and a.get("fill") == "red":  # noUndefined: an unknown macro, in red
            self.errors += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass
        if self.notice_depth is not None and len(self.stack) < self.notice_depth:
            self.notice_depth = None

    def handle_data(self, data: str) -> None:
        if not (set(self.stack) & self.HIDDEN_TEXT):
            self.visible_text.append(data)
        if self.notice_depth is not None:
            self.notice_text.append(data)


def scan(text: str) -> PageScan:
    parser = PageScan()
    parser.feed(text)
    parser.close()
    return parser


def formulas_in_source(text: str) -> int:
    """Formulas the renderer wrote: each opens with \\( or \\[ in the text."""
    body = "".join(scan(text).visible_text)
    return body.count("\\(") + body.count("\\[")


def check_typeset(name: str, source: str, dom: str) -> list[str]:
    problems = []
    expected = formulas_in_source(source)
    page = scan(dom)
    if expected == 0:
        problems.append(f"{name}: the page source has no formula (\\( or \\[), so nothing was checked")
    if page.mathjax_svg != expected:
        problems.append(f"{name}: {page.mathjax_svg} MathJax SVG renderings for {expected} formulas in the source")
    if page.mathjax_svg_with_svg != page.mathjax_svg:
        problems.append(f"{name}: {page.mathjax_svg - page.mathjax_svg_with_svg} MathJax renderings hold no <svg>")
    if page.math_scripts != expected:
        problems.append(f"{name}: MathJax took {page.math_scripts} of {expected} formulas")
    visible = "".join(page.visible_text)
    for delimiter in TEX_DELIMITERS:
        at = visible.find(delimiter)
        if at >= 0:
            problems.append(f"{name}: raw TeX left in the text: ...{visible[max(0, at - 30):at + 30]!r}...")
            break
    if page.errors:
        problems.append(f"{name}: {page.errors} MathJax error marker(s) (a formula MathJax could not typeset)")
    if not page.notice_found:
        problems.append(f"{name}: no #{NOTICE_ID} notice in the page")
    elif not page.notice_hidden:
        problems.append(f"{name}: MathJax loaded but the #{NOTICE_ID} notice is still shown")
    return problems


def check_notice(name: str, dom: str) -> list[str]:
    problems = []
    page = scan(dom)
    if page.mathjax_svg or page.math_scripts:
        problems.append(f"{name}: MathJax output found although MathJax is missing; the check proves nothing")
    if not page.notice_found:
        problems.append(f"{name}: raw TeX with no #{NOTICE_ID} notice")
        return problems
    if page.notice_hidden:
        problems.append(f"{name}: the #{NOTICE_ID} notice is hidden although MathJax did not load")
    notice = " ".join("".join(page.notice_text).split())
    for needed in ("apt-get install libjs-mathjax", "--mathjax"):
        if needed not in notice:
            problems.append(f"{name}: the notice does not say {needed!r}: {notice!r}")
    return problems


def _self_test() -> int:
    """The checks on hand-written DOMs shaped like MathJax 2.7's SVG output."""
    source = ('<html><body><p id="mathjax-missing">apt-get install libjs-mathjax, or --mathjax URL</p>'
              '<p>a \\(x\\) b</p><div>\\[y\\]</div></body></html>')
    notice_hidden = '<p id="mathjax-missing" hidden="">apt-get install libjs-mathjax, or --mathjax URL</p>'
    inline = '<span class="MathJax_SVG"><svg><g></g></svg></span><script type="math/tex">x</script>'
    display = ('<div class="MathJax_SVG_Display"><span class="MathJax_SVG"><svg></svg></span></div>'
               '<script type="math/tex; mode=display">y</script>')
    good = f"<html><body>{notice_hidden}<p>a {inline} b</p><div>{display}</div></body></html>"
    missing = source
    cases = [
        # (name, check, dom, expected fragment of a problem; None: no problem)
        ("typeset page passes", "typeset", good, None),
        ("raw TeX left", "typeset", good.replace(inline, "\\(x\\)"), "raw TeX left"),
        ("a formula not taken", "typeset", good.replace(inline, ""), "MathJax SVG renderings for 2 formulas"),
        ("rendering without svg", "typeset", good.replace("<svg><g></g></svg>", ""), "hold no <svg>"),
        ("MathJax error", "typeset", good.replace("<g></g>", '<g class="noError"></g>'), "error marker"),
        ("unknown macro in red", "typeset", good.replace("<g></g>", '<g fill="red"></g>'), "error marker"),
        ("notice left visible", "typeset", good.replace(notice_hidden, source.split("<body>")[1].split("<p>a")[0]),
         "notice is still shown"),
        ("notice shown without MathJax", "notice", missing, None),
        ("notice hidden without MathJax", "notice", missing.replace('id="mathjax-missing"', 'id="mathjax-missing" hidden'),
         "notice is hidden"),
        ("notice without the package", "notice", missing.replace("apt-get install libjs-mathjax", "install it"),
         "does not say 'apt-get install libjs-mathjax'"),
        ("no notice at all", "notice", missing.replace('id="mathjax-missing"', ""), "no #mathjax-missing notice"),
    ]
    failures = 0
    for name, kind, dom, expected in cases:
        problems = check_typeset(name, source, dom) if kind == "typeset" else check_notice(name, dom)
        ok = not problems if expected is None else any(expected in p for p in problems)
        if not ok:
            failures += 1
            print(f"self-test: {name}: expected {expected or 'no problem'!r}, got {problems}")
    print(f"self-test: {len(cases) - failures} of {len(cases)} cases pass")
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    if argv[1:] == ["--self-test"]:
        return _self_test()
    if len(argv) not in (3, 4):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    jlattn, source_dir = Path(argv[1]), Path(argv[2])
    chromium = find_chromium()
    if chromium is None:
        print("SKIP: Chromium is not installed, so the HTML walkthrough was not opened in a browser "
              "(Debian: apt-get install --no-install-recommends chromium)")
        return SKIP
    if not (MATHJAX_DIR / "MathJax.js").is_file():
        print(f"SKIP: MathJax is not installed ({MATHJAX_DIR}/MathJax.js; Debian: apt-get install libjs-mathjax)")
        return SKIP

    with tempfile.TemporaryDirectory(prefix="jlattn-browser-") as tmp_name:
        tmp = Path(tmp_name)
        out = Path(argv[3]) if len(argv) == 4 else tmp / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        pages = {
            "fresh": (tmp / "fresh.html", []),
            "missing": (tmp / "missing.html", ["--mathjax", (tmp / "no-such-dir" / "MathJax.js").as_uri()]),
        }
        for name, (path, extra) in pages.items():
            generated = subprocess.run([str(jlattn), "explain", "--demo", "8", "--out", str(path), *extra],
                                       capture_output=True, text=True, check=False)
            if generated.returncode != 0:
                print(f"{name}: jlattn explain failed ({generated.returncode}): {generated.stderr.strip()}")
                return 1
        checked_in = source_dir / "docs" / "walkthrough-demo.html"
        problems: list[str] = []
        for name, path in (("fresh", pages["fresh"][0]), ("checked-in", checked_in), ("missing", pages["missing"][0])):
            dom = run_chromium(chromium, path, ["--dump-dom"], tmp)
            if dom.returncode != 0 or "<html" not in dom.stdout:
                problems.append(f"{name}: chromium --dump-dom failed ({dom.returncode}): {dom.stderr.strip()[-400:]}")
                continue
            if name == "missing":
                problems += check_notice(name, dom.stdout)
            else:
                problems += check_typeset(name, path.read_text(encoding="utf-8"), dom.stdout)
            shot = out / f"walkthrough-{name}.png"
            picture = run_chromium(chromium, path, [f"--screenshot={shot}", "--window-size=1200,1600"], tmp)
            if picture.returncode != 0 or not shot.is_file() or shot.stat().st_size == 0:
                problems.append(f"{name}: chromium --screenshot failed ({picture.returncode})")
            else:
                print(f"{name}: screenshot {shot}" if len(argv) == 4 else f"{name}: screenshot taken")
        for problem in problems:
            print(problem)
        if problems:
            return 1
        print("walkthrough in Chromium: formulas typeset by MathJax in the fresh and the checked-in page; "
              "without MathJax the page says how to get it")
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
