#!/usr/bin/env python3
"""Every cell of `flowgate report`'s matrix agrees with `flowgate decide` on the same query.

    matrix_matches_decide.py FLOWGATE POLICY_DIR WORK_DIR

Writes the report (as of a fixed date, without the data map), compiles the policy into a bundle,
and decides every cell's query (its data-query attribute) on that bundle through the runtime:
the verdict must be the cell's (allow: allowed with no obligation; obligations: allowed with
some; deny), and the rules the decision names must be the cell's (data-rules). A cell marked as
lifted by consent (data-signal-query) must be a deny whose signalled query the bundle allows. The
report decides with the reference evaluator, `decide` with the compiled diagram: two engines.
"""
import html.parser
import json
import pathlib
import subprocess
import sys

AS_OF = "2026-11-29"


class Cells(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells = []  # dicts of the <td> attributes that carry a verdict
        self.rows = 0
        self.columns = 0
        self.in_matrix = False
        self.in_head = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == "matrix":
            self.in_matrix = True
        elif self.in_matrix and tag == "thead":
            self.in_head = True
        elif self.in_matrix and self.in_head and tag == "th" and a.get("scope") == "col":
            self.columns += 1
        elif self.in_matrix and tag == "tr" and not self.in_head:
            self.rows += 1
        elif self.in_matrix and tag == "td" and "data-verdict" in a:
            self.cells.append(a)

    def handle_endtag(self, tag):
        if tag == "thead":
            self.in_head = False
        elif tag == "table":
            self.in_matrix = False


def verdict_of(decision):
    if decision["decision"] != "allow":
        return "deny"
    return "obligations" if decision["obligations"] else "allow"


def decide(flowgate, bundle, queries):
    run = subprocess.run([flowgate, "decide", "--bundle", str(bundle)],
                         input="".join(q + "\n" for q in queries), capture_output=True, text=True)
    if run.returncode not in (0, 1):
        sys.exit(f"FAIL: flowgate decide exited {run.returncode}: {run.stderr}")
    lines = run.stdout.splitlines()
    if len(lines) != len(queries):
        sys.exit(f"FAIL: {len(queries)} queries but {len(lines)} decisions")
    return [json.loads(line) for line in lines]


def main():
    flowgate, policy, work = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
    work.mkdir(parents=True, exist_ok=True)
    page, bundle = work / "report-matrix.html", work / "report-matrix.fgb"
    for cmd in ([flowgate, "report", "--policy", policy, "--as-of", AS_OF, "--no-map", "-o",
                 str(page)],
                [flowgate, "compile", "--policy", policy, "-o", str(bundle)]):
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"FAIL: {' '.join(cmd)} exited {run.returncode}: {run.stderr}")

    parser = Cells()
    parser.feed(page.read_text(encoding="utf-8"))
    cells = parser.cells
    if not cells or parser.rows * parser.columns != len(cells):
        sys.exit(f"FAIL: expected {parser.rows} rows × {parser.columns} classes of cells with a "
                 f"verdict, found {len(cells)}")
    verdicts = {c["data-verdict"] for c in cells}
    if not verdicts <= {"allow", "obligations", "deny"} or len(verdicts) < 2:
        sys.exit(f"FAIL: the matrix's verdicts are {sorted(verdicts)}; expected a mix of "
                 "allow, obligations and deny")

    decisions = decide(flowgate, bundle, [c["data-query"] for c in cells])
    problems = []
    for cell, d in zip(cells, decisions):
        got = verdict_of(d)
        if got != cell["data-verdict"] or " ".join(d["rules"]) != cell["data-rules"]:
            problems.append(f"{cell['data-query']}\n  report: {cell['data-verdict']} by "
                            f"{cell['data-rules']}\n  decide: {got} by {' '.join(d['rules'])}")
    lifted = [c for c in cells if "data-signal-query" in c]
    for cell, d in zip(lifted, decide(flowgate, bundle, [c["data-signal-query"] for c in lifted])):
        if cell["data-verdict"] != "deny" or d["decision"] != "allow":
            problems.append(f"{cell['data-signal-query']}\n  report: a {cell['data-verdict']} "
                            f"that consent lifts\n  decide: {d['decision']} ({d['reason']})")
    if problems:
        print(f"FAIL: {len(problems)} of {len(cells) + len(lifted)} cells disagree with decide:")
        print("\n".join(problems[:20]))
        sys.exit(1)
    counts = {v: sum(c["data-verdict"] == v for c in cells) for v in sorted(verdicts)}
    print(f"{len(cells)} cells ({parser.rows} data items × {parser.columns} subject classes; "
          f"{counts}) and {len(lifted)} consent-lifted denies agree with flowgate decide")


if __name__ == "__main__":
    main()
