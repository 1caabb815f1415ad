"""archcheck's import-linter contract type as teams meet it: the real ``lint-imports`` in a
subprocess, run in a fixture with a copy of ``.importlinter.example``, compared with the
real ``archcheck`` on the same project."""
from __future__ import annotations

import configparser
import os
import re
from pathlib import Path

import pytest

from archcheck.config import Config
from archcheck.project import discover
from conftest import PROJECTS, ROOT, cli, findings, run, tool, write_example

IMPORT_RULES = ("ARC001", "ARC002", "ARC003", "ARC004")
EXAMPLE = ROOT / ".importlinter.example"
pytestmark = pytest.mark.functional
SEED_LAYERS = ("app/api/routers", "app/services", "app/repositories", "app/models", "app/schemas")


def projects():
    found = []
    for project in PROJECTS:
        try:
            packages = discover([project], Config()).packages
        except Exception:  # noqa: BLE001 - a fixture the CLI itself refuses
            continue
        found.append(pytest.param(project, packages, id=project.name))
    return found


def is_seed_layout(project: Path) -> bool:
    return all((project / layer).is_dir() for layer in SEED_LAYERS)


def lint_imports(cwd, config, pythonpath=()):
    """The real ``lint-imports``, in a subprocess."""
    env = {**os.environ, "COLUMNS": "400"}  # import-linter's own messages unwrapped
    if pythonpath:
        # After the project's folders, the caller's own: archcheck from a checkout that is
        # not the installed one (a worktree run with PYTHONPATH=src) is the one under test.
        inherited = [os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []
        env["PYTHONPATH"] = os.pathsep.join([*(str(p) for p in pythonpath), *inherited])
    return run([tool("lint-imports"), "--config", config, "--no-cache"], cwd=cwd, env=env)


def adapted_example(target: Path, roots: list[str], seed: bool) -> Path:
    """The example, for another project: its root packages, and the layers archcheck
    detects there rather than the seed layout's (plain contracts name seed modules only)."""
    parser = configparser.ConfigParser()
    parser.read(EXAMPLE)
    if not seed:
        for section in [s for s in parser.sections() if s.startswith("importlinter:contract:")]:
            if parser[section]["type"] != "archcheck":
                parser.remove_section(section)
        for layer in ("routers", "services", "repositories", "models", "schemas"):
            parser.remove_option("importlinter:contract:archcheck", layer)
        parser["importlinter"]["root_packages"] = "\n" + "\n".join(roots)
        parser.remove_option("importlinter", "root_package")
    with target.open("w") as handle:
        parser.write(handle)
    return target


def lint_imports_on(project, packages, config):
    return lint_imports(project, config, pythonpath=sorted({p.directory.parent for p in packages}))


@pytest.mark.parametrize(("project", "packages"), projects())
def test_fixture_contract_reports_the_cli_import_findings(project, packages, tmp_path):
    # import-linter takes only regular packages as root packages: a folder of tests without
    # __init__.py (which archcheck reads as a namespace package) stays out, and so do its
    # findings, if it had any.
    packages = [p for p in packages if (p.directory / "__init__.py").is_file()]
    if not packages:
        pytest.skip("import-linter takes only regular packages as root packages")
    if any(p.namespace_packages for p in packages):
        pytest.skip("import-linter's graph leaves out folders without __init__.py in a package")
    if any(p.prefix == "" for p in packages):
        pytest.skip("a source-root layout: the folder itself is on sys.path, not a package")
    roots = sorted(p.name for p in packages)
    code, out, _ = cli(".", cwd=project)
    if "ARC900" in out:
        pytest.skip("import-linter's graph cannot be built with a file that does not parse")
    expected = {
        f for f in findings(out)
        if f[3] in IMPORT_RULES and any((project / f[0]).resolve().is_relative_to(p.directory) for p in packages)
    }
    seed = is_seed_layout(project)
    config = adapted_example(tmp_path / ".importlinter", roots, seed)
    li_code, li_out, li_err = lint_imports_on(project, packages, config)
    contracts = configparser.ConfigParser()
    contracts.read(config)
    name = contracts["importlinter:contract:archcheck"]["name"]
    # The plain contracts of the example may break on their own (a repository importing
    # fastapi); the archcheck contract is kept exactly when archcheck finds no import leak.
    assert re.search(rf"^{re.escape(name)} {'BROKEN' if expected else 'KEPT'}$", li_out, re.M), li_out + li_err
    assert li_code == (1 if expected or "BROKEN" in li_out else 0)
    assert findings(li_out) == expected
    lines = li_out.splitlines()
    for finding in expected:
        if finding[3] == "ARC003":  # the chain is spelled out link by link, with lines
            at = next(i for i, line in enumerate(lines) if line.startswith(f"{finding[0]}:{finding[1]}:"))
            after = lines[at + 1 :]
            chain = after[: next((i for i, line in enumerate(after) if not line.startswith("    ")), len(after))]
            assert len(chain) >= 2 and all(re.search(r" -> \S+ \(l\.\d+", line) for line in chain)
            # ... ending at the link: the import that the finding's line holds; a fan's
            # link is where the fan starts, and the chain runs on to one of its tails.
            link = chain[-1]
            if "imports past it" in lines[at]:
                link = next(line for line in chain if re.search(rf"\bl\.{finding[1]}\b", line))
            importer = link.split(" -> ")[0].strip()
            path = finding[0].removesuffix(".py").removesuffix("/__init__").replace("/", ".")
            assert path.endswith(importer) and re.search(rf"\bl\.{finding[1]}\b", link), chain


def contract_config(tmp_path, **options) -> Path:
    body = "\n".join(f"{key} = {value}" for key, value in options.items())
    config = tmp_path / "il.ini"
    config.write_text(
        "[importlinter]\nroot_package = app\ncontract_types =\n"
        "    archcheck: archcheck.contract.ArchcheckContract\n\n"
        f"[importlinter:contract:archcheck]\nname = archcheck\ntype = archcheck\n{body}\n"
    )
    return config


LEAKY = {
    "app/api/routers/users.py": "from app.repositories import user_repo\n",
    "app/api/routers/health.py": "from app.repositories import ping\n",
    "app/services/user_service.py": "from app.repositories import user_repo\n",
    "app/repositories/user_repo.py": "",
    "app/repositories/ping.py": "",
}


def test_contract_options_set_layers_codes_and_ignored_imports(tmp_path):
    project = tmp_path / "project"
    write_example(project, LEAKY)
    code, out, _ = lint_imports(project, contract_config(tmp_path))
    assert code == 1 and len(findings(out)) == 2
    config = contract_config(tmp_path, ignore_imports="app.api.routers.health -> app.repositories.ping")
    code, out, _ = lint_imports(project, config)
    assert code == 1 and {f[0] for f in findings(out)} == {"app/api/routers/users.py"}
    assert "1 ignored import" in out
    config = contract_config(tmp_path, ignore="ARC001")
    assert lint_imports(project, config)[0] == 0
    # Layers set on the contract: here the health router counts as a service.
    config = contract_config(tmp_path, services="\n    app.services\n    app.api.routers.health")
    code, out, _ = lint_imports(project, config)
    assert {f[0] for f in findings(out)} == {"app/api/routers/users.py"}


@pytest.mark.parametrize(
    ("options", "field", "fragment"),
    [
        ({"layout": "sideways"}, "layout", "Must be one of"),
        ({"select": "ARC777"}, "select", "ARC777"),
        ({"colour": "red"}, "colour", "Unrecognized option"),
        ({"config": "missing.toml"}, "config", "missing.toml"),
    ],
)
def test_bad_contract_options_are_named(tmp_path, options, field, fragment):
    project = tmp_path / "project"
    write_example(project, LEAKY)
    code, out, err = lint_imports(project, contract_config(tmp_path, **options))
    assert code == 1
    assert 'Contract "archcheck" is not configured correctly' in out
    assert f"{field}: " in out and fragment in out
    assert "Traceback" not in out + err


def test_broken_archcheck_config_is_a_contract_option_error(tmp_path):
    project = tmp_path / "project"
    write_example(project, LEAKY, config="layout = 'sideways'")
    code, out, err = lint_imports(project, contract_config(tmp_path))
    assert code == 1
    assert "config: " in out and "[tool.archcheck] layout" in out
    assert "Traceback" not in out + err
