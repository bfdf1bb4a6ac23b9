"""The program that runs inside the sandbox: load the code, run each test, report counts.

This file is copied into the sandbox's folder and run there by the base interpreter, with
the standard library only; it is never imported by aha. Each top-level `assert` and each
`test_*` function is one test, run on its own, so one failure does not hide the others;
doctests in the code count one per example.

The report is one line on stdout, after a token read from a file that the harness deletes
before any model-written code runs, so that code cannot print a counterfeit report.
"""

import ast
import asyncio
import doctest
import inspect
import io
import json
import os
import sys
import traceback
import types

OUTPUT_LIMIT = 4000


_BLOCKS = (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.If, ast.Try)


def _is_test(node: ast.stmt) -> bool:
    """As app/checks/extract.py counts: an assert, a test_* function, a block of asserts."""
    if isinstance(node, ast.Assert):
        return True
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return node.name.startswith("test")
    return isinstance(node, _BLOCKS) and any(isinstance(n, ast.Assert) for n in ast.walk(node))


def main() -> None:
    # Everything the report needs is taken before any model-written code runs: the token
    # (its file deleted), the tests (the code may rewrite tests.py), a copy of stdout's file
    # descriptor (the code may replace sys.stdout) and json.dumps (it may patch json).
    with open("token") as handle:
        token = handle.read().strip()
    os.remove("token")
    with open("tests.py") as handle:
        tests = handle.read()
    report_fd = os.dup(1)
    dumps = json.dumps
    passed = failed = 0
    problems: list[str] = []
    module = types.ModuleType("solution")
    module.__file__ = os.path.abspath("solution.py")
    sys.modules["solution"] = module  # dataclasses, pickle and type hints look it up
    namespace = module.__dict__
    try:
        with open("solution.py") as handle:
            exec(compile(handle.read(), "solution.py", "exec"), namespace)  # noqa: S102
    except BaseException:  # noqa: BLE001 - SystemExit and all: the code did not load
        problems.append("the code failed to load:\n" + traceback.format_exc(limit=3))
        _report(report_fd, dumps, token, 0, 0, problems, loaded=False)
        return
    tree = ast.parse(tests) if tests.strip() else ast.Module(body=[], type_ignores=[])
    for node in tree.body:
        one = ast.Module(body=[node], type_ignores=[])
        name = getattr(node, "name", None)
        is_test = _is_test(node)
        try:
            exec(compile(one, "tests.py", "exec"), namespace)  # noqa: S102
            if is_test and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                outcome = namespace[str(name)]()
                if inspect.isawaitable(outcome):
                    asyncio.run(outcome)  # an async test runs, not just gets created
            if is_test:
                passed += 1
        except BaseException:  # noqa: BLE001
            if not is_test:
                problems.append("a line before the tests failed:\n" + traceback.format_exc(3))
                continue
            failed += 1
            source = ast.get_source_segment(tests, node) or ""
            first = source.splitlines()[0] if source else "a test"
            problems.append(f"FAILED {first}\n{traceback.format_exc(limit=2)}")
    if not tests.strip():
        finder = doctest.DocTestFinder()
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        for value in list(namespace.values()):
            if callable(value) and getattr(value, "__module__", None) == "solution":
                for test in finder.find(value, globs=namespace):
                    out = io.StringIO()
                    result = runner.run(test, out=out.write)
                    passed += result.attempted - result.failed
                    failed += result.failed
                    if result.failed:
                        problems.append(out.getvalue())
    _report(report_fd, dumps, token, passed, failed, problems, loaded=True)


def _report(
    fd: int, dumps: object, token: str, passed: int, failed: int, problems: list[str],
    loaded: bool,
) -> None:  # fmt: skip
    text = "\n".join(problems)
    if len(text) > OUTPUT_LIMIT:
        text = text[: OUTPUT_LIMIT // 2] + "\n...\n" + text[-OUTPUT_LIMIT // 2 :]
    record = {"passed": passed, "failed": failed, "problems": text, "loaded": loaded}
    try:
        sys.stdout.flush()
    except BaseException:  # noqa: BLE001 - the code may have broken sys.stdout
        pass
    line = "\n" + token + dumps(record) + "\n"  # type: ignore[operator]
    os.write(fd, line.encode())


if __name__ == "__main__":
    main()
