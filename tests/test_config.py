"""Config errors as users meet them: each names the file, the key and what is wrong, and
exits 2; nothing wrong is accepted silently."""
from __future__ import annotations

import pytest

from conftest import cli, write_example

LEAKY = {
    "app/api/routers/users.py": "from app.repositories import user_repo\n",
    "app/services/user_service.py": "from app.repositories import user_repo\n",
    "app/repositories/user_repo.py": "",
}


def assert_config_error(result, *fragments):
    code, out, err = result
    assert (code, out) == (2, ""), err
    assert err.startswith("archcheck: error: ") and err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, err


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ('[tool.archcheck.per-file-ignores]\n"app/api/*" = ["ARC10I"]',
         ("pyproject.toml: [tool.archcheck] per-file-ignores.'app/api/*'", "'ARC10I' is not a rule code")),
        ('[tool.archcheck.per-file-ignores]\n"app/api/*" = "ARC001"', ("per-file-ignores", 'e.g. ["ARC001"]')),
        ('select = "ARC001"', ('[tool.archcheck] select: must be a list of rule codes, e.g. ["ARC001"]',)),
        ('ignore = ["arc001"]', ("[tool.archcheck] ignore", "'arc001' is not a rule code")),
        ("baseline = 1", ("[tool.archcheck] baseline: must be the path of a baseline file",)),
    ],
)
def test_wrong_values_are_errors_that_say_what_is_wrong(tmp_path, body, fragments):
    write_example(tmp_path, LEAKY, config=body)
    assert_config_error(cli("app", cwd=tmp_path), *fragments)


def test_a_missing_config_file_is_named_without_a_table(tmp_path):
    write_example(tmp_path, LEAKY)
    code, out, err = cli("--config", "missing.toml", "app", cwd=tmp_path)
    assert_config_error((code, out, err))
    assert err == "archcheck: error: missing.toml: no such file\n"


def test_codes_and_prefixes_are_accepted(tmp_path):
    body = 'select = ["ARC0", "ARC101"]\nignore = ["ARC"]\n[tool.archcheck.per-file-ignores]\n"app/*" = ["ARC001"]'
    write_example(tmp_path, LEAKY, config=body)
    assert cli("app", cwd=tmp_path).returncode == 0
