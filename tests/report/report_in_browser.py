#!/usr/bin/env python3
"""`flowgate report` opened in a real browser: headless Chromium (Debian's `chromium`).

    report_in_browser.py FLOWGATE POLICY_DIR ARTIFACT_DIR

Writes ARTIFACT_DIR/report.html (with the data map when Graphviz is installed), loads it in
headless Chromium, and fails when the browser logs any console message (the page has no script,
so any message is a problem: a refused resource, a parse error), when the page refers to anything
outside itself, or when the DOM Chromium built lacks the matrix with its cells. A control page
that logs on purpose proves the console is being read. Keeps the screenshot ARTIFACT_DIR/report.png
and prints its path. Exits 77 (ctest: skipped) when Chromium is not installed; scripts/setup
installs it.
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
AS_OF = "2026-11-29"
CONSOLE = re.compile(r":CONSOLE[:(]")


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run_browser(browser, page, *args):
    """Chromium's stdout and its console lines, for one page."""
    with tempfile.TemporaryDirectory(prefix="flowgate-chromium-") as profile:
        cmd = [browser, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
               "--enable-logging=stderr", "--v=0", f"--user-data-dir={profile}", *args,
               page.resolve().as_uri()]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                             env={**os.environ, "LANG": "C.UTF-8"})
    if run.returncode != 0:
        sys.exit(f"FAIL: chromium exited {run.returncode}: {run.stderr[-2000:]}")
    return run.stdout, [line for line in run.stderr.splitlines() if CONSOLE.search(line)]


def main():
    flowgate, policy, artifacts = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
    browser = chromium()
    if browser is None:
        print("SKIP: chromium is not installed (scripts/setup installs Debian's `chromium`)")
        sys.exit(SKIP)
    artifacts.mkdir(parents=True, exist_ok=True)

    control = artifacts / "console-control.html"
    control.write_text('<!DOCTYPE html><p>control</p><script>console.error("flowgate-control")'
                       "</script>\n", encoding="utf-8")
    _, logged = run_browser(browser, control, "--dump-dom")
    if not any("flowgate-control" in line for line in logged):
        sys.exit("FAIL: the control page's console.error was not seen; this Chromium does not "
                 "log the console to stderr, so the check below would prove nothing")

    page = artifacts / "report.html"
    run = subprocess.run([flowgate, "report", "--policy", policy, "--as-of", AS_OF, "-o",
                          str(page)], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"FAIL: flowgate report exited {run.returncode}: {run.stderr}")
    text = page.read_text(encoding="utf-8")
    outside = re.findall(r'(?:src|href|xlink:href)\s*=\s*"(?!#)([^"]*)"', text)
    outside += re.findall(r"url\((?!#)[^)]*\)|@import", text)
    if outside:
        sys.exit(f"FAIL: the page refers outside itself: {outside[:5]}")

    dom, logged = run_browser(browser, page, "--dump-dom")
    if logged:
        sys.exit("FAIL: console messages while loading the report:\n" + "\n".join(logged[:20]))
    if '<table id="matrix"' not in dom:
        sys.exit("FAIL: the DOM has no matrix (table#matrix)")
    cells = len(re.findall(r"<td [^>]*data-verdict=", dom))
    if cells == 0:
        sys.exit("FAIL: the matrix has no cells with a verdict")
    for anchor in set(re.findall(r'href="#([^"]+)"', dom)):
        if f'id="{anchor}"' not in dom:
            sys.exit(f"FAIL: the link #{anchor} leads nowhere in the page")
    drawn = "<svg" in dom
    if shutil.which("dot") and not drawn:
        sys.exit("FAIL: Graphviz is installed but the data map (inline SVG) is missing")

    shot = artifacts / "report.png"
    shot.unlink(missing_ok=True)
    _, logged = run_browser(browser, page, f"--screenshot={shot}", "--window-size=1400,2400",
                            "--hide-scrollbars")
    if logged:
        sys.exit("FAIL: console messages while taking the screenshot:\n" + "\n".join(logged[:20]))
    if not shot.exists() or shot.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"FAIL: no PNG screenshot at {shot}")
    print(f"report opened in {browser}: no console messages, {cells} matrix cells, data map "
          f"{'drawn' if drawn else 'not drawn (no Graphviz)'}")
    print(f"screenshot: {shot}")


if __name__ == "__main__":
    main()
