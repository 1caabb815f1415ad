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
    assert out == "All checks passed (34 files; 9 in the baseline).\n"

    # Tightening drops the fixed entry.
    cli("--write-baseline", BASELINE, cwd=leaky)
    assert cli("--baseline", BASELINE, cwd=leaky) == (0, "All checks passed (34 files; 9 in the baseline).\n", "")


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
    chain = next(e for e in entries if e["code"] == "ARC003")
    assert chain == {"code": "ARC003", "head": "app.api.routers.reports",
                     "tail": "app.repositories.product_repo", "count": 1}


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


def test_syntax_fingerprints_use_scope_and_normalised_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "repo.py").write_text(
        "def get(db):\n    return db.query( User ).all()\n\n\ndef get(db):\n    return db.query(User).all()\n"
    )
    lines = SourceLines()

    def hit(line, scope="get"):
        return Finding(Location("repo.py", line, 12), "ARC202", "m", importer="app.repo", scope=scope)

    first, second = fingerprint(hit(2), lines), fingerprint(hit(6), lines)
    assert first == second  # whitespace and line numbers do not count
    assert dict(first.facts) == {"module": "app.repo", "scope": "get", "text": "returndb.query(User).all()"}
    assert fingerprint(hit(6, scope="other"), lines) != first
    # Two identical findings in one function need two entries.
    baseline = {first: 1}
    comparison = compare([hit(2), hit(6)], baseline)
    assert comparison.known == 1 and len(comparison.new) == 1
    assert json.loads(dump_baseline([hit(2), hit(6)]))["entries"][0]["count"] == 2


def test_unreadable_or_missing_baseline_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such baseline file"):
        load_baseline(tmp_path / "nope.json")
    for text in ("{", "[]", '{"version": 2, "entries": []}', '{"version": 1, "entries": [{"code": 1}]}',
                 '{"version": 1, "entries": [{"code": "ARC001", "count": 0}]}'):
        (tmp_path / "bad.json").write_text(text)
        with pytest.raises(UsageError, match="not an archcheck baseline"):
            load_baseline(tmp_path / "bad.json")


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
    assert {e["text"] for e in entries} == {"db.add(data)", "db.commit()"}
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
