"""Apply mutants by hand: each patched into a copy of the repository, tests run against that copy.

mutmut switches a mutant on inside its own test process, and runs only the tests it saw calling the
mutated function there. Some code it never reaches that way: code run while podwatch is imported
(`registry.register`), code under a cache, code in worker processes or in a podwatch subprocess (the
service tests). A survivor there is not always a missing test. Here the mutant is written into the
source of a temporary copy of the last commit (edits not committed are not seen: a verdict belongs
to a commit), so every process imports it, subprocesses included, and the tests named (by default
the group's selection) run against it.

    python scripts/try_mutant.py shops                        # each mutant the group's run did not kill
    python scripts/try_mutant.py shops 'podwatch.shops.importer.x_import_file*'
    python scripts/try_mutant.py shops KEY --tests tests/test_shop_orders.py::test_one --tests tests/test_intake.py

The group needs a run first (`make mutate GROUPS=shops`): its folder under mutants/ gives each
mutant's change (`mutmut show`). One line per mutant: killed, with the first test that failed, or
survived; the verdicts are also kept in mutants/<group>/by-hand.json (the newest for each mutant),
and pytest's output for each in mutants/<group>/by-hand/<mutant>.txt.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import io
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mutate import GROUPS, MUTANT_TEST_SECONDS, REPO, mutmut, statuses

# pytest's exit codes: 1 tests failed, 2 interrupted (a collection error: the mutant breaks an import).
KILLED_CODES = {1, 2}
# A mutant that hangs a test in C code, where pytest-timeout's signal cannot land, is stopped here.
WHOLE_RUN_SECONDS = 30 * 60


def chosen(folder: Path, patterns: list[str]) -> list[str]:
    """The mutants named, or matching a pattern among those the group's run did not kill."""
    known = statuses(folder)
    unkilled = [key for key, status in known.items() if status not in ("killed", "not checked")]
    if not patterns:
        return unkilled
    return [key for pattern in patterns
            for key in ([pattern] if pattern in known else fnmatch.filter(unkilled, pattern))]


def change(folder: Path, key: str) -> tuple[str, str, str]:
    """The mutant's file, and the lines of its function it changes: before and after."""
    shown = mutmut(folder, "show", key).stdout.splitlines()
    path = next(line[4:].strip() for line in shown if line.startswith("--- "))
    hunk = shown[next(i for i, line in enumerate(shown) if line.startswith("@@")) + 1:]
    before = "\n".join(line[1:] for line in hunk if line[:1] in (" ", "-"))
    after = "\n".join(line[1:] for line in hunk if line[:1] in (" ", "+"))
    return path, before, after


def function_lines(source: str, key: str) -> tuple[int, int, int]:
    """Where in the module the mutated function lies (`x_name` or `xǁClassǁname`): its first line,
    the line after it, and its indentation (mutmut shows a method's text dedented)."""
    name = re.sub(r"__mutmut_\d+$", "", key.rsplit(".", 1)[1])
    owner, function = name[2:].split("ǁ") if name.startswith("xǁ") else ("", name[2:])
    tree = ast.parse(source)
    scope = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == owner) if owner else tree
    node = next(node for node in scope.body
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function)
    first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
    return first - 1, node.end_lineno or node.lineno, node.col_offset


def patched(source: str, key: str, before: str, after: str) -> str:
    first, end, indent = function_lines(source, key)
    before, after = (re.sub(r"(?m)^(?=.)", " " * indent, text) for text in (before, after))
    lines = source.splitlines(keepends=True)
    body = "".join(lines[first:end])
    if body.count(before) != 1:
        raise ValueError(f"{key}: its change is found {body.count(before)} times in the function, not once")
    return "".join(lines[:first]) + body.replace(before, after) + "".join(lines[end:])


def try_one(folder: Path, key: str, tests: list[str], commit: str) -> tuple[str, str]:
    """The verdict on one mutant, and what shows it: the first test failed, or why it was not run."""
    try:
        path, before, after = change(folder, key)
        with tempfile.TemporaryDirectory(prefix="podwatch-mutant-") as scratch:
            copy = Path(scratch) / "repo"
            checkout(commit, copy)
            module = copy / path
            module.write_text(patched(module.read_text(), key, before, after))
            code, output = pytest_in(copy, tests)
        write(folder / "by-hand" / f"{key}.txt", output)
        return verdict(code, output)
    except (ValueError, StopIteration, OSError, subprocess.CalledProcessError) as error:
        return "not run", f"{type(error).__name__}: {error}"


def checkout(commit: str, copy: Path) -> None:
    """The repository's files at `commit`: a verdict belongs to a commit, never to a file half edited."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", commit], capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(copy, filter="data")


def pytest_in(copy: Path, tests: list[str]) -> tuple[int | None, str]:
    """pytest's exit code and output in the copy (None: stopped after WHOLE_RUN_SECONDS)."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
               "-o", f"timeout={MUTANT_TEST_SECONDS}", *tests]
    environment = {key: value for key, value in os.environ.items() if key != "MUTANT_UNDER_TEST"}
    # Its own session, so the service subprocesses a test starts are stopped with it.
    run = subprocess.Popen(command, cwd=copy, env={**environment, "PYTHONPATH": str(copy)}, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        output, _ = run.communicate(timeout=WHOLE_RUN_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        run.communicate()
        return None, ""
    return run.returncode, output


def verdict(code: int | None, output: str) -> tuple[str, str]:
    if code is None:
        return "caught", f"stopped after {WHOLE_RUN_SECONDS // 60} min"
    if code == 0:
        return "survived", ""
    failed = [line for line in output.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    if code in KILLED_CODES:
        return "killed", failed[0] if failed else output.strip().splitlines()[-1]
    return "not run", f"pytest exit {code}: {output.strip()[-300:]}"


def keep(folder: Path, verdicts: dict[str, tuple[str, str]], commit: str) -> None:
    path = folder / "by-hand.json"
    kept = json.loads(path.read_text()) if path.exists() else {}
    kept.update({key: {"verdict": said, "detail": detail, "commit": commit}
                 for key, (said, detail) in verdicts.items()})
    write(path, json.dumps(kept, indent=1, ensure_ascii=False))


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    staged.write_text(text)
    os.replace(staged, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("group", choices=GROUPS)
    parser.add_argument("mutants", nargs="*", help="names or patterns (default: each mutant the run did not kill)")
    parser.add_argument("--tests", action="append", default=[], help="tests to run (default: the group's)")
    parser.add_argument("--children", type=int, default=2, help="mutants tried at once")
    args = parser.parse_args()
    folder = REPO / "mutants" / args.group
    if not (folder / "mutants").is_dir():
        parser.error(f"the group {args.group} has not been run here: make mutate GROUPS={args.group}")
    tests = args.tests or GROUPS[args.group][1]
    keys = chosen(folder, args.mutants)
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    print(f"at {commit[:12]} (committed files only)", flush=True)
    verdicts: dict[str, tuple[str, str]] = {}
    with ThreadPoolExecutor(args.children) as pool:
        for key, found in zip(keys, pool.map(lambda key: try_one(folder, key, tests, commit), keys)):
            verdicts[key] = found
            keep(folder, {key: found}, commit)  # as each comes: a stopped run keeps what it found
            print(f"{found[0]:8} {key}  {found[1]}".rstrip(), flush=True)
    counts = {name: sum(1 for said, _ in verdicts.values() if said == name) for name in ("killed", "survived")}
    print(f"{counts['killed']} killed, {counts['survived']} survived of {len(verdicts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
