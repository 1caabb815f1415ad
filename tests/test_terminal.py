"""What ruff users expect of the text report in a terminal: colour only there (NO_COLOR,
FORCE_COLOR), --show-source, singular counts, a typo of a command named as one; and the
baseline that the config names, applied without --baseline."""
from __future__ import annotations

import pytest

from conftest import archcheck, cli, write_example

LEAKY = {
    "app/api/routers/users.py": "import os\nfrom app.repositories import user_repo\n",
    "app/services/user_service.py": "from app.repositories import user_repo\n",
    "app/repositories/user_repo.py": "",
}
ESC = "\033["


@pytest.fixture
def leaky(tmp_path):
    write_example(tmp_path, LEAKY)
    return tmp_path


@pytest.mark.functional
def test_colour_only_when_asked_or_on_a_terminal(leaky):
    import os

    plain = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    piped = archcheck("app", cwd=leaky, env=plain)
    assert piped.returncode == 1 and ESC not in piped.stdout
    forced = archcheck("app", cwd=leaky, env={**plain, "FORCE_COLOR": "1"})
    assert f"{ESC}1m{ESC}31mARC001{ESC}0m" in forced.stdout
    assert forced.stdout.splitlines()[-1] == "Found 1 finding in 1 file."
    both = archcheck("app", cwd=leaky, env={**plain, "FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert both.stdout == piped.stdout
    machine = archcheck("app", "--format", "json", cwd=leaky, env={**plain, "FORCE_COLOR": "1"})
    assert ESC not in machine.stdout


def test_show_source_puts_a_caret_under_the_finding(leaky):
    code, out, _ = cli("app", "--show-source", cwd=leaky)
    assert code == 1
    assert out.splitlines()[1:4] == [
        "  |",
        "2 | from app.repositories import user_repo",
        "  | " + "^" * len("from app.repositories import user_repo"),
    ]


def test_counts_are_singular_for_one(tmp_path):
    write_example(tmp_path, {**LEAKY, "app/api/routers/users.py": "from app.services import user_service\n"})
    (tmp_path / "app/repositories/__init__.py").unlink()
    code, out, _ = cli("app/api/routers/users.py", cwd=tmp_path)
    assert (code, out) == (0, "All checks passed (1 file).\n")


@pytest.mark.parametrize(
    ("word", "hint"),
    [
        ("grpah", "did you mean `archcheck graph`?"),
        ("explian", "did you mean `archcheck explain`?"),
        ("frobnicate", "commands: check, explain, graph, init, rules"),
    ],
)
def test_a_mistyped_command_is_named_as_one(tmp_path, word, hint):
    code, out, err = cli(word, cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err == f"archcheck: error: {word}: no such file or directory, nor a command; {hint}\n"


def test_the_config_baseline_applies_without_an_option(leaky):
    (leaky / "pyproject.toml").write_text('[tool.archcheck]\nbaseline = "archcheck-baseline.json"\n')
    code, _, err = cli("app", cwd=leaky)
    assert code == 2 and "archcheck-baseline.json: no such baseline file" in err
    assert cli("app", "--write-baseline", "archcheck-baseline.json", cwd=leaky).returncode == 0
    code, out, err = cli("app", cwd=leaky)
    assert (code, err) == (0, "") and out.endswith("; 1 in the baseline).\n")
    assert cli("app", "--no-baseline", cwd=leaky).returncode == 1
