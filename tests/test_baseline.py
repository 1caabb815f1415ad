"""Baselines: adopt archcheck on a leaky project, fail only on new leaks, notice fixed ones,
and recognise findings by what they are, not by the line they sit on."""
from __future__ import annotations

import json
import shutil

import pytest

from archcheck.baseline import SourceLines, compare, dump_baseline, fingerprint, load_baseline
from archcheck.errors import UsageError
from archcheck.findings import Finding, Location
from conftest import FIXTURES, cli, write_example

BASELINE = "archcheck-baseline.json"


@pytest.fixture
def leaky(tmp_path):
    project = tmp_path / "leaky"
    shutil.copytree(FIXTURES / "layered_leaky", project)
    return project


def test_baseline_flow(leaky):
    code, out, err = cli("--write-baseline", BASELINE, cwd=leaky)
    assert (code, out, err) == (0, f"Wrote 10 findings to the baseline {BASELINE}.\n", "")
    entries = json.loads((leaky / BASELINE).read_text())["entries"]
    assert sum(entry["count"] for entry in entries) == 10

    # Written on a leaky project, the baseline makes the next run pass.
    code, out, err = cli("--baseline", BASELINE, cwd=leaky)
    assert (code, err) == (0, "")
    assert out.endswith("10 in the baseline).\n")

    # Lines move: nothing new.
    users = leaky / "app/api/routers/users.py"
    users.write_text('"""Users."""\n\n\n' + users.read_text())
    assert cli("--baseline", BASELINE, cwd=leaky)[0] == 0

    # A new leak fails the run, and is the only finding reported.
    users.write_text(users.read_text() + "\nfrom app.repositories import order_repo\n")
    code, out, _ = cli("--baseline", BASELINE, cwd=leaky)
    assert code == 1
    findings = [line for line in out.splitlines() if ": ARC" in line]
    assert len(findings) == 1 and "ARC001" in findings[0] and "order_repo" in findings[0]
    assert out.splitlines()[-1] == "Found 1 finding in 1 file (10 in the baseline)."

    # Fixing a baselined leak passes and says the baseline can be tightened.
    users.write_text(users.read_text().replace("\nfrom app.repositories import order_repo\n", "\n"))
    products = leaky / "app/api/routers/products.py"
    products.write_text(products.read_text().replace(
        "import app.repositories.product_repo as product_repo  # ARC001", "product_repo = None"
    ))
    code, out, err = cli("--baseline", BASELINE, cwd=leaky)
    assert code == 0
    assert err == "archcheck: 1 baseline entry no longer occurs; run --write-baseline to tighten it\n"
    assert out == "All checks passed (36 files; 9 in the baseline).\n"

    # Tightening drops the fixed entry.
    cli("--write-baseline", BASELINE, cwd=leaky)
    assert cli("--baseline", BASELINE, cwd=leaky) == (0, "All checks passed (36 files; 9 in the baseline).\n", "")


def test_baseline_in_machine_formats(leaky):
    cli("--write-baseline", BASELINE, cwd=leaky)
    code, out, _ = cli("--baseline", BASELINE, "--format", "json", cwd=leaky)
    document = json.loads(out)
    assert code == 0 and document["findings"] == []
    assert document["summary"]["baseline"] == {"known": 10, "fixed": 0}
    assert cli("--baseline", BASELINE, "--format", "github", cwd=leaky) == (0, "", "")


def test_baseline_file_is_deterministic_and_sorted(leaky, tmp_path):
    cli("--write-baseline", BASELINE, cwd=leaky)
    first = (leaky / BASELINE).read_bytes()
    cli("--write-baseline", BASELINE, "--no-cache", cwd=leaky)
    assert (leaky / BASELINE).read_bytes() == first
    entries = json.loads(first)["entries"]
    keys = [(e["code"], sorted(e.items())) for e in entries]
    assert keys == sorted(keys)
    link = next(e for e in entries if e["code"] == "ARC003")
    assert set(link) == {"code", "importer", "imported", "statement", "count"}
    assert (link["importer"], link["imported"]) == ("app.core.lookup", "app.repositories.product_repo")


def test_chain_fingerprints_are_the_link_not_the_routers_that_reach_it(leaky):
    # ARC003 is reported at the import in the module of no layer: a router that starts or
    # stops reaching through it, or the import moving down, is the same finding; another
    # import statement of the same repository there is a new one.
    cli("--write-baseline", BASELINE, cwd=leaky)
    lookup = leaky / "app/core/lookup.py"
    lookup.write_text('"""Lookups."""\n\n' + lookup.read_text())
    reports = leaky / "app/api/routers/reports.py"
    (leaky / "app/api/routers/stock.py").write_text(
        reports.read_text().replace("reports", "stock").replace("# ARC", "# arc")
    )
    code, out, _ = cli("--baseline", BASELINE, cwd=leaky)
    assert code == 0, out
    lookup.write_text(lookup.read_text() + "\n\ndef recount():\n    from app.repositories import product_repo\n"
                      "    return product_repo\n\n\nrecount()\n")
    code, out, _ = cli("--baseline", BASELINE, cwd=leaky)
    assert code == 1
    new = [line for line in out.splitlines() if ": ARC" in line]
    assert len(new) == 1 and new[0].startswith("app/core/lookup.py:") and "ARC003" in new[0]


def test_duplicates_need_one_entry_each(tmp_path):
    files = {
        "app/api/routers/users.py": (
            "from app.repositories import user_repo\n"
            "\n"
            "def handler():\n"
            "    from app.repositories import user_repo\n"
        ),
        "app/services/user_service.py": "",
        "app/repositories/user_repo.py": "",
    }
    write_example(tmp_path, files)
    cli("app", "--write-baseline", BASELINE, cwd=tmp_path)
    entries = json.loads((tmp_path / BASELINE).read_text())["entries"]
    assert entries == [{"code": "ARC001", "imported": "app.repositories.user_repo",
                        "importer": "app.api.routers.users", "count": 2}]
    router = tmp_path / "app/api/routers/users.py"
    router.write_text(router.read_text() + "\ndef other():\n    from app.repositories import user_repo\n")
    code, out, _ = cli("app", "--baseline", BASELINE, cwd=tmp_path)
    assert code == 1 and "Found 1 finding in 1 file (2 in the baseline)." in out


MANY = {
    "app/api/routers/items.py": "from app.repositories import a, b\n",
    "app/services/item_service.py": "",
    "app/repositories/a.py": "",
    "app/repositories/b.py": "",
    "app/repositories/c.py": "",
}


def test_a_statement_of_several_modules_is_one_entry_and_a_module_added_is_new(tmp_path):
    write_example(tmp_path, MANY)
    assert cli("app", "--write-baseline", BASELINE, cwd=tmp_path)[0] == 0
    entries = json.loads((tmp_path / BASELINE).read_text())["entries"]
    assert entries == [{"code": "ARC001", "imported": "app.repositories.a,app.repositories.b",
                        "importer": "app.api.routers.items", "count": 1}]
    router = tmp_path / "app/api/routers/items.py"
    router.write_text("from app.repositories import (\n    a,\n    b,\n)\n")  # reformatted
    assert cli("app", "--baseline", BASELINE, cwd=tmp_path)[0] == 0
    router.write_text("from app.repositories import a, b, c\n")
    code, out, _ = cli("app", "--baseline", BASELINE, cwd=tmp_path)
    assert code == 1 and "ARC001 Router imports repositories app.repositories.a, " in out


@pytest.mark.parametrize(
    ("entries", "new", "fixed"),
    [
        (["app.repositories.a", "app.repositories.b"], 0, 0),
        (["app.repositories.a", "app.repositories.b", "app.repositories.c"], 0, 1),
        (["app.repositories.a"], 1, 1),
    ],
    ids=["every-module", "one-more", "one-missing"],
)
def test_a_baseline_of_one_entry_per_module_still_holds_back_the_statement(
    tmp_path, entries, new, fixed
):
    # Written before one statement's modules made one finding: an entry for each.
    write_example(tmp_path, MANY)
    importer = "app.api.routers.items"
    document = {"version": 2, "tool": "archcheck", "entries": [
        {"code": "ARC001", "imported": module, "importer": importer, "count": 1}
        for module in entries
    ]}
    (tmp_path / BASELINE).write_text(json.dumps(document))
    code, out, err = cli("app", "--baseline", BASELINE, cwd=tmp_path)
    assert code == (1 if new else 0)
    assert sum(": ARC001 " in line for line in out.splitlines()) == new
    assert (f"{fixed} baseline entr" in err) == bool(fixed)


def test_syntax_fingerprints_use_scope_and_the_statement_not_its_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "repo.py").write_text(
        "def get(db):\n"
        "    return db.query( User ).all()\n"
        "\n"
        "\n"
        "def get(db):\n"
        "    return (\n"
        "        db.query(User)  # the users\n"
        "        .all()\n"
        "    )\n"
        "\n"
        "\n"
        "def get(db):\n"
        "    return db.query(Order).all()\n"
    )
    lines = SourceLines()

    def hit(line, column=12, scope="get"):
        return Finding(Location("repo.py", line, column), "ARC202", "m", module="app.repo", scope=scope)

    first = fingerprint(hit(2), lines)
    assert fingerprint(hit(7, column=9), lines) == first  # layout, comments, lines do not count
    assert set(dict(first.facts)) == {"module", "scope", "statement"}
    assert fingerprint(hit(13), lines) != first  # another statement is another finding
    assert fingerprint(hit(2, scope="other"), lines) != first
    # Two identical findings in one function need two entries.
    baseline = {first: 1}
    comparison = compare([hit(2), hit(7, column=9)], baseline)
    assert comparison.known == 1 and len(comparison.new) == 1
    assert json.loads(dump_baseline([hit(2), hit(7, column=9)]))["entries"][0]["count"] == 2


def test_a_finding_on_a_def_line_survives_edits_of_the_body(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "users.py"
    path.write_text("@router.get('/')\ndef read(db):\n    return db.get(User, 1)\n")
    finding = Finding(Location("users.py", 2, 1), "ARC201", "m", module="app.users", scope="read")
    before = fingerprint(finding, SourceLines())
    path.write_text("@router.get('/')\ndef read(db):\n    user = db.get(User, 1)\n    return user\n")
    assert fingerprint(finding, SourceLines()) == before
    path.write_text("@router.get('/{id}')\ndef read(db):\n    return db.get(User, 1)\n")
    assert fingerprint(finding, SourceLines()) != before


def test_a_file_that_does_not_parse_falls_back_to_the_line_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.py").write_text("def f(:\n    pass\n")
    finding = Finding(Location("broken.py", 1, 7), "ARC900", "m")
    assert dict(fingerprint(finding, SourceLines()).facts) == {"path": "broken.py", "text": "deff(:"}


def test_text_given_by_the_caller_wins_over_the_disk(tmp_path, monkeypatch):
    # flake8 checks an editor's buffer, which may not be saved yet.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "repo.py").write_text("x = 1\n")
    lines = SourceLines()
    lines.add("repo.py", "db.commit()\n")
    finding = Finding(Location("repo.py", 1, 1), "ARC202", "m", module="app.repo")
    other = SourceLines()
    (tmp_path / "copy.py").write_text("db.commit()\n")
    same = Finding(Location("copy.py", 1, 1), "ARC202", "m", module="app.repo")
    assert fingerprint(finding, lines) == fingerprint(same, other)


def test_unreadable_or_missing_baseline_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such baseline file"):
        load_baseline(tmp_path / "nope.json")
    for text in ("{", "[]", '{"version": 3, "entries": []}', '{"version": 2, "entries": [{"code": 1}]}',
                 '{"version": 2, "entries": [{"code": "ARC001", "count": 0}]}'):
        (tmp_path / "bad.json").write_text(text)
        with pytest.raises(UsageError, match="not an archcheck baseline"):
            load_baseline(tmp_path / "bad.json")
    (tmp_path / "old.json").write_text('{"version": 1, "entries": []}')
    with pytest.raises(UsageError, match="older archcheck.*--write-baseline"):
        load_baseline(tmp_path / "old.json")


def test_bad_baseline_on_the_command_line_exits_2(leaky):
    (leaky / "bad.json").write_text("{")
    code, out, err = cli("--baseline", "bad.json", cwd=leaky)
    assert code == 2 and out == ""
    assert err.startswith("archcheck: error: bad.json: not an archcheck baseline") and err.count("\n") == 1
    code, _, err = cli("--baseline", "missing.json", cwd=leaky)
    assert code == 2 and "--write-baseline" in err


def test_syntax_findings_survive_line_moves_and_count_duplicates(tmp_path):
    router = (
        "from fastapi import APIRouter, Depends\n"
        "\n"
        "from app.db import get_session\n"
        "\n"
        "router = APIRouter()\n"
        "\n"
        "\n"
        "@router.post('/users')\n"
        "def create_user(data: dict, db=Depends(get_session)):\n"
        "    db.add(data)\n"
        "    db.commit()\n"
        "    return data\n"
    )
    files = {
        "app/db.py": "def get_session():\n    yield None\n",
        "app/api/routers/users.py": router,
        "app/services/user_service.py": "",
        "app/repositories/user_repo.py": "",
    }
    write_example(tmp_path, files)
    code, out, _ = cli("app", cwd=tmp_path)
    if "ARC202" not in out:
        pytest.skip("ARC202 is not in the registry yet")
    before = out.count("ARC202")
    cli("app", "--write-baseline", BASELINE, cwd=tmp_path)
    entries = [e for e in json.loads((tmp_path / BASELINE).read_text())["entries"] if e["code"] == "ARC202"]
    assert len({e["statement"] for e in entries}) == 2
    assert all(e["scope"] == "create_user" and e["module"] == "app.api.routers.users" for e in entries)
    path = tmp_path / "app/api/routers/users.py"
    # Moved down and re-indented differently: still known.
    path.write_text("# users\n\n" + router.replace("    db.add(data)\n", "    db.add(  data )\n"))
    assert cli("app", "--baseline", BASELINE, cwd=tmp_path)[0] == 0
    # The same call a second time in the same handler is a new finding.
    path.write_text(router.replace("    db.commit()\n", "    db.commit()\n    db.commit()\n"))
    code, out, _ = cli("app", "--baseline", BASELINE, cwd=tmp_path)
    assert code == 1 and out.count("ARC202") == 1 and ":12:" in out
    assert before == 2


def test_source_lines_read_files_as_python_does_and_parse_no_more_than_the_engine(tmp_path):
    from archcheck.syntax import MAX_SOURCE_BYTES

    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n")
    huge = tmp_path / "huge.py"
    huge.write_text("x = 1\n" * (MAX_SOURCE_BYTES // 6 + 1))
    sources = SourceLines()
    assert sources.line(str(latin), 2) == "name = 'été'"
    assert sources.statement(str(latin), 2, 1) is not None
    # A file too large for the engine to parse is fingerprinted by its line, not parsed.
    assert sources.statement(str(huge), 1, 1) is None
    assert sources.line(str(huge), 1) == "x = 1"
