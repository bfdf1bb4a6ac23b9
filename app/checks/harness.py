"""The program that runs inside the sandbox: load the code, run each test, report counts.

This file is copied into the sandbox's folder and run there by the base interpreter, with
the standard library only; it is never imported by aha. Each top-level `assert` and each
`test_*` function is one test, run on its own, so one failure does not hide the others;
doctests in the code count one per example.

The report is one line on stdout, after a token read from a file that the harness deletes
before any model-written code runs, so that code cannot print a counterfeit report.
"""

import ast
import doctest
import io
import json
import os
import sys
import traceback

OUTPUT_LIMIT = 4000


def main() -> None:
    with open("token") as handle:
        token = handle.read().strip()
    os.remove("token")
    passed = failed = 0
    problems: list[str] = []
    namespace: dict[str, object] = {"__name__": "solution"}
    try:
        with open("solution.py") as handle:
            exec(compile(handle.read(), "solution.py", "exec"), namespace)  # noqa: S102
    except BaseException:  # noqa: BLE001 - SystemExit and all: the code did not load
        problems.append("the code failed to load:\n" + traceback.format_exc(limit=3))
        _report(token, 0, 0, problems, loaded=False)
        return
    with open("tests.py") as handle:
        tests = handle.read()
    tree = ast.parse(tests) if tests.strip() else ast.Module(body=[], type_ignores=[])
    for node in tree.body:
        one = ast.Module(body=[node], type_ignores=[])
        name = getattr(node, "name", None)
        is_test = isinstance(node, ast.Assert) or (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and str(name).startswith("test")
        )
        try:
            exec(compile(one, "tests.py", "exec"), namespace)  # noqa: S102
            if is_test and name is not None:
                function = namespace[name]
                assert callable(function)
                function()
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
    _report(token, passed, failed, problems, loaded=True)


def _report(token: str, passed: int, failed: int, problems: list[str], loaded: bool) -> None:
    text = "\n".join(problems)
    if len(text) > OUTPUT_LIMIT:
        text = text[: OUTPUT_LIMIT // 2] + "\n...\n" + text[-OUTPUT_LIMIT // 2 :]
    record = {"passed": passed, "failed": failed, "problems": text, "loaded": loaded}
    sys.stdout.flush()
    sys.stdout.write("\n" + token + json.dumps(record) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
