"""tests/lint.sh bites: each rule of the tree, broken once in a copy of the tree, fails lint
with a line naming the file and the rule; the tree as it is passes."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """A copy of the project's sources (what git tracks, plus files not yet added)."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "core", "include",
                            "cli", "tui", "tests/unit", "tests/fuzz", "tests/tools",
                            "tests/lint.sh", ".clang-format"],
                           cwd=REPO, check=True, capture_output=True, text=True).stdout.split()
    root = tmp_path_factory.mktemp("tree")
    for f in files:
        src = REPO / f
        if src.is_file():
            (root / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, root / f)
    return root


def lint(root):
    return subprocess.run(["bash", str(root / "tests" / "lint.sh"), str(root)],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def planted(tree, tmp_path):
    """A fresh copy per test, so that one planted violation never hides another."""
    root = tmp_path / "t"
    shutil.copytree(tree, root)
    return root


def append(path, text):
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def insert_after_first_include(path, line):
    src = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, l in enumerate(src):
        if l.startswith("#include"):
            src.insert(i + 1, line + "\n")
            break
    path.write_text("".join(src), encoding="utf-8")


def test_the_tree_as_it_is_passes(tree):
    r = lint(tree)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().endswith("lint ok")


PLANTS = [
    # (file, line to add, the rule lint must name)
    ("tui/view_audit.c", '#include "../core/deck/deck_int.h"', "a path with '..'"),
    ("tui/view_audit.c", '#include "deck/deck_int.h"', "tui may include only"),
    ("tui/view_runs.c", "#include <curl/curl.h>", "tui includes curl/curl.h"),
    ("tui/view_runs.c", "#include <cJSON.h>", "tui includes cJSON.h"),
    ("cli/cli.c", "#include <sqlite3.h>", "cli includes sqlite3.h"),
    ("cli/cli.c", '#include "ui.h"', "cli may include only"),
    ("core/deck/deck_fetch.c", '#include "ui.h"', "core never includes tui"),
    ("core/store/store.c", "#include <ncurses.h>", "core includes curses"),
    ("core/deck/deck.c", '#include "mldeck/action.h"', "core/deck includes the action layer"),
    ("core/action/action.c", '#include "deck/deck_int.h"',
     "core/deck and core/action include only mldeck/*.h and their own headers"),
    ("core/drift/drift_eval.c", '#include "backends/mlflow/mlflow_int.h"',
     "only core/backends includes a backend's private header"),
    ("include/mldeck/model.h", "#include <yaml.h>", "a public header includes yaml.h"),
]


@pytest.mark.parametrize("rel,line,rule", PLANTS, ids=[f"{p[0]}:{p[1]}" for p in PLANTS])
def test_a_planted_include_fails_lint(planted, rel, line, rule):
    insert_after_first_include(planted / rel, line)
    r = lint(planted)
    assert r.returncode == 1, r.stdout + r.stderr
    hits = [l for l in r.stdout.splitlines() if l.startswith(rel + ":") and rule in l]
    assert hits, f"no line naming {rel} and '{rule}' in:\n{r.stdout}"


def test_a_banned_call_fails_lint(planted):
    append(planted / "core/base/md.c",
           "\nvoid md_lint_probe(char *d, const char *s);\n"
           "void md_lint_probe(char *d, const char *s)\n{\n    strcpy(d, s);\n}\n")
    r = lint(planted)
    assert r.returncode == 1
    assert any(l.startswith("core/base/md.c:") and "banned call" in l
               for l in r.stdout.splitlines()), r.stdout


def test_a_mutation_outside_the_action_layer_fails_lint(planted):
    append(planted / "tui/rollback.c",
           "\nvoid rollback_lint_probe(struct md_backend *be);\n"
           "void rollback_lint_probe(struct md_backend *be)\n{\n"
           "    be->ops->set_alias(be, \"m\", \"a\", \"1\", NULL, NULL);\n}\n")
    r = lint(planted)
    assert r.returncode == 1
    assert any(l.startswith("tui/rollback.c:") and "mutation" in l
               for l in r.stdout.splitlines()), r.stdout


def test_a_refresh_outside_the_frame_path_fails_lint(planted):
    append(planted / "tui/view_help.c",
           "\nvoid view_help_lint_probe(void);\nvoid view_help_lint_probe(void)\n{\n"
           "    refresh();\n}\n")
    r = lint(planted)
    assert r.returncode == 1
    assert any(l.startswith("tui/view_help.c:") and "frame" in l
               for l in r.stdout.splitlines()), r.stdout


def test_a_header_that_does_not_compile_alone_fails_lint(planted):
    h = planted / "include/mldeck/export.h"
    # without its own includes it cannot compile (one alone may be redundant: others bring it)
    h.write_text(re.sub(r'#include "mldeck/[a-z]+\.h"\n', "", h.read_text(encoding="utf-8")),
                 encoding="utf-8")
    r = lint(planted)
    assert r.returncode == 1
    assert any(l.startswith("include/mldeck/export.h:") and "does not compile" in l
               for l in r.stdout.splitlines()), r.stdout


def test_misformatted_code_fails_lint(planted):
    p = planted / "core/base/jsonx.c"
    p.write_text(p.read_text(encoding="utf-8") + "\nint   jsonx_lint_probe ( void ){return 0;}\n",
                 encoding="utf-8")
    r = lint(planted)
    assert r.returncode == 1
    assert any(l.startswith("core/base/jsonx.c:") and "format" in l
               for l in r.stdout.splitlines()), r.stdout
