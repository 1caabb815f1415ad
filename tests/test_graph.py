"""``archcheck graph``: the layer-level picture in Graphviz dot (rendered with ``dot`` when
Graphviz is installed) and Mermaid, leaks marked, byte-identical across runs."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from archcheck.engine import LayerImports
from archcheck.findings import Finding, Location
from archcheck.layer_graph import feature_of, picture, render_dot, render_mermaid
from conftest import FIXTURES, cli

LEAKY = FIXTURES / "layered_leaky"
CLEAN = FIXTURES / "layered_clean"
FEATURE = FIXTURES / "feature_leaky"
MERMAID_NODE = re.compile(r'^  (\w+)\["([^"]*)"\]$')
MERMAID_EDGE = re.compile(r'^  (\w+) (-->|-\.->)\|"([^"]*)"\| (\w+)$')


def mermaid_parts(text):
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    nodes = {m[1]: m[2] for m in map(MERMAID_NODE.match, lines) if m}
    edges = [(m[1], m[2], m[3], m[4]) for m in map(MERMAID_EDGE.match, lines) if m]
    styled = [line for line in lines if line.startswith("  linkStyle ")]
    rest = [
        line for line in lines[1:]
        if not (MERMAID_NODE.match(line) or MERMAID_EDGE.match(line) or line.startswith(("  linkStyle ", "  classDef ", "  class ")))
    ]
    assert rest == [], "every line is a node, an edge or a style"
    return nodes, edges, styled


def test_mermaid_of_the_leaky_fixture():
    code, out, err = cli("graph", cwd=LEAKY)
    assert (code, err) == (0, "")
    nodes, edges, styled = mermaid_parts(out)
    assert list(nodes) == ["wiring", "routers", "services", "repositories", "models", "schemas"]
    assert nodes["routers"].startswith("routers<br/>") and "modules" in nodes["routers"]
    by_pair = {(a, b, arrow): label for a, arrow, label, b in edges}
    assert by_pair[("routers", "repositories", "-->")].endswith("3 x ARC001")
    assert by_pair[("routers", "repositories", "-.->")] == "1 x ARC003, indirect"
    assert by_pair[("models", "schemas", "-->")] == "2 imports, 1 x ARC004"  # one an enum
    assert "x ARC" not in by_pair[("routers", "services", "-->")]
    # The composition roots assemble every layer and the routers use them: no leak.
    assert "x ARC" not in by_pair[("wiring", "repositories", "-->")] + by_pair[("routers", "wiring", "-->")]
    leaking = [i for i, (_, _, label, _) in enumerate(edges) if "x ARC" in label]
    assert styled == [f"  linkStyle {','.join(map(str, leaking))} stroke:#d62728,stroke-width:2px,color:#d62728"]


def test_clean_project_has_no_red():
    code, out, _ = cli("graph", cwd=CLEAN)
    assert code == 0
    nodes, edges, styled = mermaid_parts(out)
    assert edges and not styled and "x ARC" not in out
    code, out, _ = cli("graph", "--format", "dot", cwd=CLEAN)
    assert "#d62728" not in out.split("edge [", 1)[1]
    assert "(no findings)" in out


def test_dot_marks_leaks_red_and_indirect_ones_dashed():
    code, out, _ = cli("graph", "--format", "dot", cwd=LEAKY)
    assert code == 0 and out.startswith("digraph archcheck {\n") and out.endswith("}\n")
    edges = [line for line in out.splitlines() if " -> " in line and "invis" not in line]
    direct = next(line for line in edges if line.startswith("  routers -> repositories") and "ARC001" in line)
    assert 'color="#d62728"' in direct and "dashed" not in direct
    indirect = next(line for line in edges if "ARC003" in line)
    assert "style=dashed" in indirect and 'color="#d62728"' in indirect
    upward = next(line for line in edges if line.startswith("  repositories -> services"))
    assert "constraint=false" in upward and "ARC002" in upward


@pytest.mark.functional
@pytest.mark.parametrize("project", [LEAKY, CLEAN, FEATURE], ids=lambda p: p.name)
def test_dot_renders_with_graphviz(project, tmp_path):
    if not project.is_dir():
        pytest.skip(f"fixture {project.name} not present")
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("Graphviz `dot` is not installed (apt-get install graphviz); the dot text is tested above")
    source = tmp_path / "layers.dot"
    assert cli("graph", "--format", "dot", "--output-file", str(source), cwd=project)[0] == 0
    rendered = subprocess.run([dot, "-Tsvg", str(source)], capture_output=True, text=True, timeout=60)
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stderr == ""
    svg = rendered.stdout
    assert "<svg" in svg and "routers" in svg and "services" in svg


@pytest.mark.parametrize("output_format", ["mermaid", "dot"])
def test_graph_is_byte_identical_across_runs(output_format, tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHCHECK_CACHE_DIR", str(tmp_path / "cache"))
    first = cli("graph", "--format", output_format, cwd=LEAKY)
    second = cli("graph", "--format", output_format, cwd=LEAKY)
    assert first == second and first[1]


def test_graph_errors_are_one_line(tmp_path):
    code, out, err = cli("graph", "nowhere", cwd=tmp_path)
    assert code == 2 and out == "" and err.startswith("archcheck: error: ") and err.count("\n") == 1


def test_picture_counts_statements_and_findings():
    imports = LayerImports(
        layers={"a.r": "routers", "a.s": "services", "a.p": "repositories", "a.m": "models"},
        imports=(("a.r", "a.s", 2), ("a.r", "a.p", 1), ("a.s", "a.p", 3), ("a.p", "a.m", 1)),
    )
    leak = Finding(Location("a/r.py", 1), "ARC001", "m", module="a.r", imported="a.p",
                   importer_layer="routers", imported_layer="repositories")
    query = Finding(Location("a/r.py", 9), "ARC202", "m", module="a.r", importer_layer="routers")
    drawn = picture(imports, [leak, query])
    assert [(n.layer, n.modules, n.findings) for n in drawn.nodes] == [
        ("routers", 1, (("ARC202", 1),)), ("services", 1, ()), ("repositories", 1, ()), ("models", 1, ()),
    ]
    assert [(e.source[1], e.target[1], e.imports, e.findings) for e in drawn.edges] == [
        ("routers", "services", 2, ()),
        ("routers", "repositories", 1, (("ARC001", 1),)),
        ("services", "repositories", 3, ()),
        ("repositories", "models", 1, ()),
    ]
    assert drawn.finding_count == 2
    assert 'routers["routers<br/>1 module<br/>1 x ARC202"]' in render_mermaid(drawn)
    assert 'routers [label="routers\\n1 module\\n1 x ARC202"' in render_dot(drawn)


def test_feature_of():
    layers = {"app.orders.router": "routers", "app.orders.router.admin": "routers", "app.main": "routers",
              "app.orders.models": "models", "app.orders.models.order": "models"}
    assert feature_of("app.orders.router.admin", layers) == "app.orders"
    assert feature_of("app.orders.models.order", layers) == "app.orders"
    assert feature_of("app.main", layers) == "app"


@pytest.mark.functional
def test_by_feature_shows_one_feature_reaching_into_another(tmp_path):
    project = FIXTURES / "feature_leaky"
    if not project.is_dir():
        pytest.skip("fixtures/feature_leaky not present")
    code, out, _ = cli("graph", "--by-feature", cwd=project)
    assert code == 0
    assert '  subgraph f1["app.orders"]' in out and '  subgraph f2["app.users"]' in out
    nodes = dict(re.findall(r'^    (n\d+)\["([^"]*)"\]$', out, re.MULTILINE))
    names = {}
    feature = None
    for line in out.splitlines():
        if line.startswith("  subgraph "):
            feature = line.split('"')[1]
        match = re.match(r'^    (n\d+)\["(\w+)<br/>', line)
        if match:
            names[match[1]] = f"{feature}/{match[2]}"
    edges = {
        (names[a], names[b]): label
        for a, label, b in re.findall(r'^  (n\d+) -->\|"([^"]*)"\| (n\d+)$', out, re.MULTILINE)
    }
    assert edges[("app.orders/routers", "app.users/repositories")].endswith("1 x ARC001")
    # ARC003 is reported in app.shared (no layer); its arrow starts at the router of the
    # feature that reaches through it.
    dashed = re.findall(r'^  (n\d+) -\.->\|"([^"]*)"\| (n\d+)$', out, re.MULTILINE)
    assert [(names[a], names[b], label) for a, label, b in dashed] == [
        ("app.users/routers", "app.orders/repositories", "1 x ARC003, indirect")
    ]
    assert "x ARC" not in edges[("app.orders/routers", "app.orders/services")]
    assert nodes
    code, dot_text, _ = cli("graph", "--by-feature", "--format", "dot", cwd=project)
    assert 'subgraph cluster_1 {' in dot_text and '"app.orders/routers" -> "app.users/repositories"' in dot_text
    if shutil.which("dot"):
        rendered = subprocess.run(["dot", "-Tsvg"], input=dot_text, capture_output=True, text=True, timeout=60)
        assert rendered.returncode == 0 and rendered.stderr == ""


def test_dot_legend_names_only_what_the_picture_holds():
    def legend(project):
        out = cli("graph", "--format", "dot", cwd=project).stdout
        return out.split(" label=", 1)[1].split("];", 1)[0]

    assert legend(CLEAN).endswith('(no findings)"')  # nothing red, nothing dashed: no legend
    assert "red: findings (arrows: imports)" in legend(LEAKY) and "dashed: through modules of no layer" in legend(LEAKY)
    assert "boxes" not in legend(LEAKY)
