"""README.md tells the truth: its rule table is the registry's, its first commands are real,
its config example loads."""
from __future__ import annotations

import os
import re

from archcheck.config import load_config
from archcheck.rules import markdown_table
from conftest import ROOT

START, END = "<!-- rules-table:start -->", "<!-- rules-table:end -->"


def test_rule_table_is_generated_from_the_rules():
    readme = ROOT / "README.md"
    text = readme.read_text()
    block = text[text.index(START) + len(START) : text.index(END)].strip()
    if os.environ.get("ARCHCHECK_UPDATE_README") and block != markdown_table():
        readme.write_text(text.replace(block, markdown_table()))
        block = markdown_table()
    assert block == markdown_table(), "regenerate with ARCHCHECK_UPDATE_README=1 pytest tests/test_readme.py"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```console\n(.+?)\n```", readme)
    test_command = commands[1]
    assert "pytest" in test_command
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci


def test_the_config_example_is_a_valid_config(tmp_path):
    # Every key of the example where it belongs: a key written under
    # [tool.archcheck.layers] is a layer's name, and an unknown one is an error.
    readme = (ROOT / "README.md").read_text()
    (example,) = [b for b in re.findall(r"```toml\n(.+?)```", readme, re.S) if "[tool.archcheck]" in b]
    (tmp_path / "archcheck.toml").write_text(example)
    config = load_config(tmp_path / "archcheck.toml")
    assert set(config.layers) == {"wiring", "routers", "services"}
    assert config.baseline is not None
    assert config.per_file_ignores
