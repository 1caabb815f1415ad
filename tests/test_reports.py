"""The report formats on the fixtures: text, json, sarif (validated against the SARIF 2.1.0
schema), github annotations; statistics, output files, and byte-identical repeat runs."""
from __future__ import annotations

import json

import pytest

from archcheck.engine import Report
from archcheck.findings import Finding, Location
from archcheck.reporting import FORMATS, Result, render
from archcheck.reporting.github import annotation, escape_data, escape_property
from archcheck.rules import DOCS_URL
from conftest import DATA, FIXTURES, cli

SARIF_SCHEMA = DATA / "sarif-schema-2.1.0.json"  # OASIS SARIF 2.1.0, draft-07
LEAKY = FIXTURES / "layered_leaky"
PROJECTS = [
    p for p in (FIXTURES / name for name in ("layered_leaky", "layered_clean", "feature_clean", "feature_leaky", "one_statement_many_modules"))
    if p.is_dir()
]
IDS = [p.name for p in PROJECTS]


def expected_lines(project):
    """The text report's finding lines for a fixture, from its snapshot."""
    snapshot = project / "expected.txt"
    return [line for line in snapshot.read_text().splitlines() if ": ARC" in line]


@pytest.fixture(scope="module")
def sarif_schema():
    return json.loads(SARIF_SCHEMA.read_text())


@pytest.mark.parametrize("project", PROJECTS, ids=IDS)
def test_json_carries_every_finding_of_the_text_report(project):
    code, out, err = cli(".", "--format", "json", cwd=project)
    document = json.loads(out)
    lines = expected_lines(project)
    assert code == (1 if lines else 0), err
    assert document["version"] == 1
    assert document["tool"]["name"] == "archcheck"
    assert [f"{f['path']}:{f['line']}:{f['column']}: {f['code']} {f['message']}" for f in document["findings"]] == lines
    summary = document["summary"]
    assert summary["findings"] == len(lines)
    assert sum(summary["counts"].values()) == len(lines)
    assert summary["files_checked"] > 0
    assert summary["exit_code"] == code
    for finding in document["findings"]:
        assert finding["name"] and finding["fingerprint"]
        if finding["code"] in ("ARC001", "ARC002", "ARC004"):
            assert finding["module"] and finding["imported"]
            assert finding["importer_layer"] and finding["imported_layer"]
            # One finding per statement: it names each module it is about.
            modules = [finding["imported"], *(finding["also_imported"] or ())]
            assert modules == sorted(modules) and finding["also_imported"] != []
            assert all(module in finding["message"] for module in modules)
        if finding["code"] == "ARC003":
            # The finding sits at the link, a module of no layer inside the chain.
            chain = finding["chain"]
            assert finding["module"] in chain[1:-1] and chain[-1] == finding["imported"]


def test_json_finding_fields_on_the_leaky_fixture():
    document = json.loads(cli(".", "--format", "json", cwd=LEAKY)[1])
    chain = next(f for f in document["findings"] if f["code"] == "ARC003")
    assert chain["chain"] == ["app.api.routers.reports", "app.core.lookup", "app.repositories.product_repo"]
    assert chain["name"] == "indirect-layer-leak"
    direct = next(f for f in document["findings"] if f["code"] == "ARC001")
    assert direct["chain"] is None
    assert (direct["importer_layer"], direct["imported_layer"]) == ("routers", "repositories")
    assert set(direct) >= {"end_line", "end_column", "scope"}


def test_json_and_sarif_name_every_module_of_one_statement():
    project = FIXTURES / "one_statement_many_modules"
    findings = json.loads(cli(".", "--format", "json", cwd=project)[1])["findings"]
    first = findings[0]
    assert (first["path"], first["line"], first["code"]) == ("app/api/routers/items.py", 1, "ARC001")
    assert (first["imported"], first["also_imported"]) == ("app.repositories.item_repo", ["app.repositories.order_repo"])
    results = json.loads(cli(".", "--format", "sarif", cwd=project)[1])["runs"][0]["results"]
    assert results[0]["properties"]["imported"] == "app.repositories.item_repo"
    assert results[0]["properties"]["alsoImported"] == ["app.repositories.order_repo"]
    single = json.loads(cli(".", "--format", "json", cwd=LEAKY)[1])["findings"][0]
    assert single["also_imported"] is None


@pytest.mark.parametrize("project", PROJECTS, ids=IDS)
def test_sarif_is_valid_and_complete(project, sarif_schema):
    import jsonschema

    code, out, err = cli(".", "--format", "sarif", cwd=project)
    document = json.loads(out)
    jsonschema.validate(document, sarif_schema)
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    lines = expected_lines(project)
    assert len(run["results"]) == len(lines)
    assert code == (1 if lines else 0), err
    for rule in rules:
        assert rule["id"].startswith("ARC") and rule["name"]
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
    fingerprints = set()
    for result, line in zip(run["results"], lines):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not location["artifactLocation"]["uri"].startswith("/")
        region = location["region"]
        assert line.startswith(f"{location['artifactLocation']['uri']}:{region['startLine']}:{region['startColumn']}: {result['ruleId']} ")
        fingerprints.add(result["partialFingerprints"]["archcheck/v2"])
    assert len(fingerprints) == len(run["results"])


def test_sarif_rules_carry_the_rule_docs(sarif_schema):
    document = json.loads(cli(".", "--format", "sarif", cwd=LEAKY)[1])
    rules = {rule["id"]: rule for rule in document["runs"][0]["tool"]["driver"]["rules"]}
    arc001 = rules["ARC001"]
    assert arc001["name"] == "router-imports-repository"
    assert arc001["shortDescription"]["text"].startswith("A router imports a repository directly")
    assert "## Why is this bad?" in arc001["help"]["markdown"]
    assert "Why is this bad?" in arc001["help"]["text"] and "## " not in arc001["help"]["text"]
    assert arc001["helpUri"] == f"{DOCS_URL}/ARC001.md"


@pytest.mark.parametrize("project", PROJECTS, ids=IDS)
def test_github_annotations_one_per_finding(project):
    code, out, _ = cli(".", "--format", "github", cwd=project)
    lines = expected_lines(project)
    assert code == (1 if lines else 0)
    annotations = out.splitlines()
    assert len(annotations) == len(lines)
    for text, expected in zip(annotations, lines):
        path, line, column = expected.split(":")[:3]
        assert text.startswith(f"::error file={path},line={line},col={column},title=ARC")


def test_github_escaping():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    finding = Finding(Location("app/a,b.py", 3, 5, 3, 9), "ARC001", "Router: imports, 50%\nrepo")
    assert annotation(finding) == (
        "::error file=app/a%2Cb.py,line=3,col=5,endLine=3,endColumn=9,"
        "title=ARC001 router-imports-repository::Router: imports, 50%25%0Arepo"
    )


def test_statistics_count_per_code_with_rule_names():
    code, out, _ = cli(".", "--statistics", cwd=LEAKY)
    assert code == 1
    assert out == (
        "3  ARC001  router-imports-repository\n"
        "3  ARC002  upward-import\n"
        "1  ARC003  indirect-layer-leak\n"
        "3  ARC004  model-schema-coupling\n"
        "Found 10 findings in 10 files.\n"
    )
    code, out, err = cli(".", "--statistics", "--format", "json", cwd=LEAKY)
    assert json.loads(out)["summary"]["counts"]["ARC001"] == 3
    assert "3  ARC001  router-imports-repository" in err


def test_output_file_takes_the_report(tmp_path):
    target = tmp_path / "report.sarif"
    code, out, err = cli(".", "--format", "sarif", "--output-file", str(target), cwd=LEAKY)
    assert code == 1 and out == "" and err == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"
    code, _, err = cli(".", "--output-file", str(tmp_path / "missing" / "report.txt"), cwd=LEAKY)
    assert code == 2 and err.startswith("archcheck: error: ") and "cannot write" in err


@pytest.mark.parametrize("output_format", FORMATS)
def test_every_format_is_byte_identical_across_runs(output_format, tmp_path, monkeypatch):
    # Cold cache, then warm, then warm again through --output-file: the same bytes.
    monkeypatch.setenv("ARCHCHECK_CACHE_DIR", str(tmp_path / "cache"))
    first = cli(".", "--format", output_format, cwd=LEAKY)
    second = cli(".", "--format", output_format, cwd=LEAKY)
    cli(".", "--format", output_format, "-o", str(tmp_path / "out"), cwd=LEAKY)
    assert first == second
    assert (tmp_path / "out").read_text() == first[1]
    assert first[1]


def test_clean_project_in_every_format():
    clean = FIXTURES / "layered_clean"
    assert json.loads(cli(".", "--format", "json", cwd=clean)[1])["findings"] == []
    assert json.loads(cli(".", "--format", "sarif", cwd=clean)[1])["runs"][0]["results"] == []
    assert cli(".", "--format", "github", cwd=clean) == (0, "", "")


def test_exit_code_policy_lives_on_the_result():
    finding = Finding(Location("app/x.py", 1), "ARC001", "m")
    assert Result(Report((finding,), 1)).exit_code == 1
    assert Result(Report((finding,), 1), exit_zero=True).exit_code == 0
    assert Result(Report((), 1)).exit_code == 0
    assert render(Result(Report((), 3)), "text") == "All checks passed (3 files).\n"


def test_findings_at_one_place_sort_by_code_whether_or_not_they_say_where_they_end():
    # An import finding has no end; a syntax finding on the same statement has one (a
    # repository's import that is both ARC002 and ARC102): sorting them crashed the run.
    syntax = Finding(Location("app/repo.py", 3, 1, 3, 40), "ARC102", "imports fastapi")
    imports = Finding(Location("app/repo.py", 3, 1), "ARC002", "imports a service")
    later = Finding(Location("app/repo.py", 4, 1), "ARC001", "imports a repository")
    assert sorted([later, syntax, imports]) == [imports, syntax, later]
    assert sorted([syntax, imports]) == sorted([imports, syntax])
