#!/usr/bin/env python3
"""Replays docs/how-to-change-the-policy.md on a copy of the policy, so the guide cannot go stale.

The guide's fenced blocks say what to do with them in their info string:

  ```yaml file=PATH append|create|before=LINE|after=LINE|replace=LINE [in=LINE] [key-from=FILE]```
      an edit: the block is appended to PATH, or PATH is created with it, or it is inserted
      before / after the one line that starts with LINE, or it replaces that line. With in=ANCHOR
      the line is the first one starting with LINE after the one line starting with ANCHOR;
      without it the line must be unique. key-from=FILE puts the 64 hex digits of FILE (a
      `flowgate keygen` public key) in the block's `key:` value.
  ```sh [expect-exit=N]```
      commands, run with bash -e in the copy; the last one's exit status must be N (default 0).
  ```text output```
      an excerpt of what the previous sh block printed (stdout and stderr): every line must occur
      in the output; "…" in a line stands for anything on that line.
  ```sh skip``` / blocks with no such info
      shown only.

The copy is a fresh git repository (branch main) holding rules/, jurisdictions/,
data_inventory.yaml, lint-baseline.yaml, policy_tests/ and approvers.yaml of SOURCE_DIR; HOME
is a temporary folder (the guide's ~/.flowgate/ana.key lands there) and the built flowgate is
first on PATH.

Usage: guide_test.py FLOWGATE SOURCE_DIR [GUIDE]   (--show after them prints every output)
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(.*)$")
POLICY_PARTS = ["rules", "jurisdictions", "data_inventory.yaml", "lint-baseline.yaml",
                "policy_tests", "approvers.yaml"]


class GuideError(Exception):
    pass


def blocks(text):
    """Yields (line number, info tokens, body) for every fenced block."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start = i + 1
        info = m.group(1).strip()
        body = []
        i += 1
        while i < len(lines) and lines[i] != "```":
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise GuideError(f"line {start}: fenced block does not close")
        i += 1
        yield start, shlex.split(info), "\n".join(body) + "\n"


def attributes(tokens):
    lang = tokens[0] if tokens else ""
    attrs = {}
    for t in tokens[1:]:
        key, eq, value = t.partition("=")
        attrs[key] = value if eq else True
    return lang, attrs


def find_line(lines, prefix, anchor, where):
    """Index of the line starting with prefix (after the one line starting with anchor)."""
    start = 0
    if anchor is not None:
        hits = [i for i, l in enumerate(lines) if l.startswith(anchor)]
        if len(hits) != 1:
            raise GuideError(f"{where}: in={anchor!r} matches {len(hits)} lines, not one")
        start = hits[0] + 1
        for i in range(start, len(lines)):
            if lines[i].startswith(prefix):
                return i
        raise GuideError(f"{where}: no line starts with {prefix!r} after {anchor!r}")
    hits = [i for i, l in enumerate(lines) if l.startswith(prefix)]
    if len(hits) != 1:
        raise GuideError(f"{where}: {prefix!r} matches {len(hits)} lines, not one")
    return hits[0]


def apply_edit(repo, attrs, body, where):
    path = os.path.join(repo, attrs["file"])
    if "key-from" in attrs:
        with open(os.path.join(repo, attrs["key-from"]), encoding="utf-8") as f:
            key = f.read().strip()
        if not re.fullmatch(r"[0-9a-f]{64}", key):
            raise GuideError(f"{where}: {attrs['key-from']} holds no public key")
        body, n = re.subn(r'(key:\s*)"[^"]*"', lambda m: f'{m.group(1)}"{key}"', body)
        if n != 1:
            raise GuideError(f"{where}: key-from needs exactly one key: \"…\" in the block")
    ops = [op for op in ("create", "append", "before", "after", "replace") if op in attrs]
    if len(ops) != 1:
        raise GuideError(f"{where}: an edit needs one of create, append, before=, after=, replace=")
    op = ops[0]
    if op == "create":
        if os.path.exists(path):
            raise GuideError(f"{where}: {attrs['file']} exists already")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(body)
        return
    if not os.path.exists(path):
        raise GuideError(f"{where}: {attrs['file']} does not exist")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if op == "append":
        if text and not text.endswith("\n"):
            text += "\n"
        text += body
    else:
        lines = text.split("\n")
        i = find_line(lines, attrs[op], attrs.get("in"), where)
        new = body.rstrip("\n").split("\n")
        if op == "before":
            lines[i:i] = new
        elif op == "after":
            lines[i + 1:i + 1] = new
        else:
            lines[i:i + 1] = new
        text = "\n".join(lines)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def excerpt_matches(line, output_lines):
    parts = [p.strip() for p in line.split("…") if p.strip()]
    for out in output_lines:
        pos = 0
        for p in parts:
            at = out.find(p, pos)
            if at < 0:
                break
            pos = at + len(p)
        else:
            return True
    return False


def main(argv):
    show = "--show" in argv
    argv = [a for a in argv if a != "--show"]
    flowgate = os.path.abspath(argv[1])
    source = os.path.abspath(argv[2])
    guide = argv[3] if len(argv) > 3 else os.path.join(source, "docs",
                                                       "how-to-change-the-policy.md")
    with open(guide, encoding="utf-8") as f:
        text = f.read()

    work = tempfile.mkdtemp(prefix="flowgate-guide-")
    try:
        home = os.path.join(work, "home")
        repo = os.path.join(work, "repo")
        os.makedirs(home)
        os.makedirs(repo)
        bindir = os.path.join(work, "bin")
        os.makedirs(bindir)
        os.symlink(flowgate, os.path.join(bindir, "flowgate"))
        for part in POLICY_PARTS:
            src = os.path.join(source, part)
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(repo, part))
            else:
                shutil.copy(src, os.path.join(repo, part))
        with open(os.path.join(home, ".gitconfig"), "w") as f:
            f.write("[user]\n\tname = A. Officer\n\temail = ana@example.com\n"
                    "[commit]\n\tgpgsign = false\n[init]\n\tdefaultBranch = main\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(HOME=home, PATH=bindir + os.pathsep + env.get("PATH", ""),
                   GIT_CONFIG_NOSYSTEM="1", LC_ALL="C.UTF-8", NO_COLOR="1")
        subprocess.run("git init -q -b main . && git add . && git commit -q -m 'The policy'",
                       shell=True, cwd=repo, env=env, check=True)

        failures = []
        counts = {"edit": 0, "run": 0, "excerpt": 0}
        last = None  # (where, output) of the last command block
        for line, tokens, body in blocks(text):
            where = f"{os.path.basename(guide)}:{line}"
            lang, attrs = attributes(tokens)
            if "file" in attrs:
                try:
                    apply_edit(repo, attrs, body, where)
                    counts["edit"] += 1
                except (GuideError, OSError) as e:
                    failures.append(f"{where}: {e}")
                last = None
            elif lang == "sh" and "skip" not in attrs:
                want = int(attrs.get("expect-exit", 0))
                r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", body], cwd=repo,
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   timeout=120)
                out = r.stdout.decode("utf-8", "replace")
                counts["run"] += 1
                if show:
                    print(f"== {where} (exit {r.returncode})\n{body}--\n{out}")
                if r.returncode != want:
                    failures.append(f"{where}: exit {r.returncode}, the guide says {want}\n"
                                    f"  commands: {body.strip()}\n"
                                    + "".join(f"  | {l}\n" for l in out.splitlines()[:30]))
                last = (where, out)
            elif lang == "text" and "output" in attrs:
                if last is None:
                    failures.append(f"{where}: an output excerpt follows no command block")
                    continue
                out_lines = last[1].splitlines()
                counts["excerpt"] += 1
                for l in body.splitlines():
                    if l.strip() in ("", "…"):
                        continue
                    if not excerpt_matches(l, out_lines):
                        failures.append(f"{where}: the output of {last[0]} has no line "
                                        f"matching {l.strip()!r}")
        # A guide with no steps would pass anything: it must edit, run and quote.
        for what, least in (("edit", 8), ("run", 8), ("excerpt", 6)):
            if counts[what] < least:
                failures.append(f"the guide has {counts[what]} {what} blocks; expected at "
                                f"least {least}")
        for f in failures:
            print("FAIL:", f)
        print(f"{counts['edit']} edits, {counts['run']} command blocks, "
              f"{counts['excerpt']} output excerpts replayed; {len(failures)} failures")
        return 1 if failures else 0
    except GuideError as e:
        print("FAIL:", e)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
