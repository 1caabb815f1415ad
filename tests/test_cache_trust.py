"""A hostile cache: it runs no code, changes no finding and crashes nothing."""
from __future__ import annotations

import json
import os
import pickle
import sqlite3
import subprocess

from archcheck.engine import Options, check
from conftest import write_example
from test_cache import PROJECT


class _Payload:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def run(tmp_path, *, use_cache=True):
    report = check([tmp_path / "app"], Options(cache_dir=tmp_path / "cache", use_cache=use_cache))
    return sorted((f.path, f.line, f.code) for f in report.findings)


def _entries(tmp_path):
    return sqlite3.connect(tmp_path / "cache" / "files" / "files.sqlite", isolation_level=None)


def test_a_pickle_in_every_entry_runs_nothing_and_changes_nothing(tmp_path, monkeypatch):
    write_example(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)
    cold = run(tmp_path)
    with _entries(tmp_path) as db:
        db.execute("UPDATE entries SET data = ?", (pickle.dumps(_Payload()),))
    os.utime(tmp_path / "app/db.py")  # not the cached report: every entry is read
    assert run(tmp_path) == cold
    assert not (tmp_path / "PWNED").exists()


def test_wrong_shapes_and_random_bytes_are_misses(tmp_path, monkeypatch):
    write_example(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)
    cold = run(tmp_path)
    for data in (b"[1, 2]", b'{"a": null}', b'["symbols", [1]]', b"\xff\xfe garbage", b"[" * 100000):
        with _entries(tmp_path) as db:
            db.execute("UPDATE entries SET data = ?", (data,))
        os.utime(tmp_path / "app/db.py")
        assert run(tmp_path) == cold
    for meta in (tmp_path / "cache" / "grimp").rglob("*.meta.json"):
        meta.write_text("[1, 2]")
    for data in (tmp_path / "cache" / "grimp").rglob("*.data.json"):
        data.write_bytes(os.urandom(64))
    os.utime(tmp_path / "app/db.py")
    assert run(tmp_path) == cold


def test_forged_no_findings_in_a_cache_tracked_by_git_are_not_used(tmp_path, monkeypatch, capsys):
    write_example(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)
    cold = run(tmp_path)
    assert cold
    with _entries(tmp_path) as db:  # every entry that could be the report says: no findings
        db.execute("UPDATE entries SET data = ?", (json.dumps([6, []]).encode(),))
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-f", "cache"], cwd=tmp_path, check=True)
    capsys.readouterr()
    assert run(tmp_path) == cold
    warning = capsys.readouterr().err
    assert warning.count("\n") == 1 and "tracked by git" in warning


def test_an_edit_that_keeps_the_modification_time_is_seen(tmp_path, monkeypatch):
    write_example(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)
    run(tmp_path)
    router = tmp_path / "app/api/routers/health.py"
    before = router.stat()
    router.write_text(router.read_text() + "from app.repositories import user_repo\n")
    os.utime(router, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert run(tmp_path) == run(tmp_path, use_cache=False)
    assert ("app/api/routers/health.py", 8, "ARC001") in run(tmp_path)


def test_adding_a_module_changes_what_unchanged_importers_resolve_to(tmp_path, monkeypatch):
    write_example(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)
    run(tmp_path)
    # ``from app.repositories import user_repo`` resolves to the package until the module exists
    (tmp_path / "app/repositories/user_repo.py").unlink()
    assert run(tmp_path) == run(tmp_path, use_cache=False)
    (tmp_path / "app/repositories/user_repo.py").write_text(PROJECT["app/repositories/user_repo.py"])
    assert run(tmp_path) == run(tmp_path, use_cache=False)


def test_a_stamp_younger_than_the_file_systems_tick_is_not_trusted(tmp_path):
    # A file rewritten within one tick of the clock keeps its times: until a stamp is older
    # than that, no cache may take it as proof that nothing changed.
    from conftest import settle

    from archcheck.snapshot import stamp_of

    path = tmp_path / "user_repo.py"
    path.write_text("x = 1\n")
    assert stamp_of(path) is None
    settle()
    assert stamp_of(path) is not None
