#!/usr/bin/env python3
"""The layering of engine/ (docs/design.md, "Pipeline and layering"), checked on the sources.

    check_layering.py ENGINE_DIR
    check_layering.py --self-test     (the check fails on a small tree with each kind of problem)

Every folder of engine/ is one stage, built into its own libraries by the CMakeLists.txt in that
folder. Fails when
  - a file of a stage includes (#include "stage/...") a header of a stage it may not depend on:
    one above it, or one beside it that it must not see (compile never sees reference);
  - a public header (engine/include/flowgate/) is not assigned to a stage below, or a folder of
    engine/ is not in the table (so a new one is placed deliberately);
  - a stage's CMakeLists.txt builds a file from another folder, or a source file of the folder is
    built by no CMakeLists.txt of its own folder (folder and library disagree);
  - engine/CMakeLists.txt itself names a source file;
  - an exception below is no longer needed (the list stays honest).
"""
import pathlib
import re
import sys

# What each stage may include directly; a stage may also include whatever those may (the closure).
# Bottom to top. Keep docs/design.md's table in step with this one.
DEPENDS = {
    "runtime": [],  # the C++ standard library only (the test runtime_std_only checks <...> too)
    "verify": ["runtime"],  # libsodium, beside the runtime
    "diagnostic": [],  # DiagnosticSink, source files and locations
    "model": ["diagnostic", "runtime"],  # runtime: flowgate/runtime.h (signal types, civil dates)
    "load": ["model"],
    "check": ["load"],  # runtime (via model): bundle_format.h for the bundle's limits
    "reference": ["model"],
    "compile": ["model"],  # never reference: the two engines share only the model
    "bundle": ["compile", "verify"],
    "store": ["runtime"],
    "analysis": ["check", "reference", "compile"],
    "gate": ["analysis"],
}

# The public headers (engine/include/flowgate/), each owned by one stage.
PUBLIC_HEADERS = {
    "runtime.h": "runtime",
    "signals.h": "runtime",
    "flowgate.h": "runtime",
    "bundle_holder.h": "runtime",
    # Declared by the runtime (the holder and the C API call it); flowgate_verify implements it.
    "verify.h": "runtime",
    "diagnostic.h": "diagnostic",
    "load.h": "load",
    "toolchain.h": "check",  # load.h plus check_policy and the renderers
    "decision_log.h": "store",
    "flowgate_log.h": "store",  # the decision log in C (libflowgate_c_log)
}

# Includes that break the table and could not be removed yet: (file, included header, why).
# Each must still occur; an entry that no longer matches fails the test.
EXCEPTIONS = []

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
SOURCE_SUFFIXES = (".cc", ".h", ".c")


def closure():
    allowed = {}

    def visit(stage, seen):
        for dep in DEPENDS[stage]:
            if dep not in seen:
                seen.add(dep)
                visit(dep, seen)
        return seen

    for stage in DEPENDS:
        allowed[stage] = visit(stage, {stage})
    return allowed


def stage_of_include(header, own_stage, problems, where):
    """The stage an #include "..." names, or None for a header beside the includer."""
    if "/" not in header:
        return own_stage
    first, rest = header.split("/", 1)
    if first == "flowgate":
        stage = PUBLIC_HEADERS.get(rest)
        if stage is None:
            problems.append(f"{where}: includes public header {header}, which no stage owns "
                            "(add it to PUBLIC_HEADERS and docs/design.md)")
        return stage
    if first not in DEPENDS:
        problems.append(f"{where}: includes {header}, outside every stage of engine/")
        return None
    return first


def check(engine):
    """The problems of the tree at `engine`, and how many files were read."""
    allowed = closure()
    problems = []
    used_exceptions = set()
    files = []  # (stage, path)

    for folder in sorted(p for p in engine.iterdir() if p.is_dir()):
        if folder.name == "include":
            continue
        if folder.name not in DEPENDS:
            problems.append(f"engine/{folder.name}/: a folder no stage of the table names")
            continue
        files += [(folder.name, p) for p in sorted(folder.iterdir()) if p.suffix in SOURCE_SUFFIXES]
    for header in sorted((engine / "include" / "flowgate").glob("*.h")):
        stage = PUBLIC_HEADERS.get(header.name)
        if stage is None:
            problems.append(f"engine/include/flowgate/{header.name}: owned by no stage")
            continue
        files.append((stage, header))

    for stage, path in files:
        rel = path.relative_to(engine.parent).as_posix()
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            header = match.group(1)
            where = f"{rel}:{number}"
            target = stage_of_include(header, stage, problems, where)
            if target is None or target in allowed[stage]:
                continue
            key = (rel, header)
            if any(e[0] == rel and e[1] == header for e in EXCEPTIONS):
                used_exceptions.add(key)
                continue
            problems.append(f"{where}: {stage} includes {header} ({target}); {stage} may include "
                            f"only {', '.join(sorted(allowed[stage]))}")

    for file, header, why in EXCEPTIONS:
        if (file, header) not in used_exceptions:
            problems.append(f"exception no longer needed: {file} includes {header} ({why}); "
                            "remove it from EXCEPTIONS")

    # Folders and libraries agree: each stage's CMakeLists.txt builds its own files only, and
    # every source file of the folder is built there.
    token = re.compile(r"[\w${}./+-]+\.(?:cc|h|c)\b")
    top = (engine / "CMakeLists.txt").read_text(encoding="utf-8")
    for name in token.findall(re.sub(r"#.*", "", top)):
        problems.append(f"engine/CMakeLists.txt: builds {name}; sources belong to their folder's "
                        "CMakeLists.txt")
    for stage in DEPENDS:
        folder = engine / stage
        cmake = folder / "CMakeLists.txt"
        if not folder.is_dir():
            problems.append(f"engine/{stage}/: the table names a stage with no folder")
            continue
        if not cmake.exists():
            problems.append(f"engine/{stage}/: no CMakeLists.txt building the stage's library")
            continue
        listed = set()
        for name in token.findall(re.sub(r"#.*", "", cmake.read_text(encoding="utf-8"))):
            public = "${CMAKE_CURRENT_SOURCE_DIR}/../include/flowgate/"
            if name.startswith(public):
                owner = PUBLIC_HEADERS.get(name[len(public):])
                if owner != stage:
                    problems.append(f"engine/{stage}/CMakeLists.txt: lists {name}, a header of "
                                    f"{owner}")
            elif "/" in name:
                problems.append(f"engine/{stage}/CMakeLists.txt: builds {name}, outside its folder")
            elif not (folder / name).exists():
                problems.append(f"engine/{stage}/CMakeLists.txt: lists {name}, which is not there")
            else:
                listed.add(name)
        for source in sorted(folder.glob("*.cc")):
            if source.name not in listed:
                problems.append(f"engine/{stage}/{source.name}: built by no library of its folder")

    return problems, len(files)


def self_test():
    """A tree with one of each problem; every one must be reported."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        engine = pathlib.Path(tmp) / "engine"
        for stage in DEPENDS:
            (engine / stage).mkdir(parents=True)
            (engine / stage / "a.cc").write_text(f'#include "{stage}/a.h"\n')
            (engine / stage / "a.h").write_text("#pragma once\n")
            (engine / stage / "CMakeLists.txt").write_text(f"add_library(flowgate_{stage} a.cc)\n")
        (engine / "include" / "flowgate").mkdir(parents=True)
        (engine / "include" / "flowgate" / "runtime.h").write_text("#pragma once\n")
        (engine / "include" / "flowgate" / "stray.h").write_text("#pragma once\n")
        (engine / "CMakeLists.txt").write_text("add_library(x model/b.cc)\n")
        (engine / "model" / "b.cc").write_text('#include "load/a.h"\n#include "flowgate/runtime.h"\n')
        (engine / "compile" / "b.cc").write_text('#include "reference/a.h"\n')
        (engine / "compile" / "CMakeLists.txt").write_text("add_library(c a.cc b.cc ../gate/a.cc)\n")
        (engine / "runtime" / "b.cc").write_text(
            '#include "flowgate/toolchain.h"\n#include "flowgate/stray.h"\n')
        (engine / "extra").mkdir()
        problems, _ = check(engine)
    expected = [
        "engine/model/b.cc:1: model includes load/a.h",  # a stage above
        "engine/compile/b.cc:1: compile includes reference/a.h",  # a stage beside, forbidden
        "engine/runtime/b.cc:1: runtime includes flowgate/toolchain.h",  # a public header above
        "engine/runtime/b.cc:2: includes public header flowgate/stray.h, which no stage owns",
        "engine/include/flowgate/stray.h: owned by no stage",
        "engine/extra/: a folder no stage of the table names",
        "engine/CMakeLists.txt: builds model/b.cc",
        "engine/compile/CMakeLists.txt: builds ../gate/a.cc, outside its folder",
        "engine/model/b.cc: built by no library of its folder",
    ]
    missing = [e for e in expected if not any(p.startswith(e) for p in problems)]
    for e in missing:
        print(f"self-test: not reported: {e}")
    allowed_ok = not any("flowgate/runtime.h" in p for p in problems)
    if not allowed_ok:
        print("self-test: an allowed include (model → flowgate/runtime.h) was reported")
    if missing or not allowed_ok:
        print("\n".join(problems))
        return 1
    print(f"layering self-test: all {len(expected)} kinds of problem reported")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    problems, n_files = check(pathlib.Path(sys.argv[1]).resolve())
    for problem in problems:
        print(problem)
    if problems:
        print(f"layering: {len(problems)} problem(s)")
        return 1
    print(f"layering: {n_files} files include only what the table allows ({len(EXCEPTIONS)} "
          f"exceptions); stages, bottom up: {', '.join(DEPENDS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
