"""The layer-level picture: layers as nodes, imports between them as edges, leaks in red.

What ``archcheck graph`` draws, in Graphviz ``dot`` or Mermaid (which GitHub renders in
READMEs and pull requests). An edge ``routers -> services`` carries the number of import
statements from router modules to service modules; an edge with findings is red and names
them (``4 x ARC001``); a leak through modules of no layer (ARC003) is a separate dashed red
edge. Findings that are not about an import (the syntax rules) are counted on their layer's
node.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from archcheck.engine import LayerImports
from archcheck.findings import Finding
from archcheck.layers import LAYERS, rank

__all__ = ["LayerEdge", "LayerNode", "LayerPicture", "picture", "render_dot", "render_mermaid"]

LEAK = "#d62728"
PLAIN = "#5a6472"
QUIET = "#9aa3ad"  # allowed imports: present, but not the point of the picture


@dataclass(frozen=True)
class LayerNode:
    layer: str
    modules: int
    findings: tuple[tuple[str, int], ...] = ()  # (code, count) of findings not about an import


@dataclass(frozen=True)
class LayerEdge:
    importer: str
    imported: str
    imports: int  # import statements; 0 for an indirect edge
    findings: tuple[tuple[str, int], ...] = ()  # (code, count)
    indirect: bool = False  # a chain through modules of no layer (ARC003)

    @property
    def leaks(self) -> bool:
        return bool(self.findings)

    @property
    def upward(self) -> bool:
        return rank(self.importer) > rank(self.imported)


@dataclass(frozen=True)
class LayerPicture:
    packages: tuple[str, ...]
    nodes: tuple[LayerNode, ...]
    edges: tuple[LayerEdge, ...]

    @property
    def finding_count(self) -> int:
        return sum(n for node in self.nodes for _, n in node.findings) + sum(
            n for edge in self.edges for _, n in edge.findings
        )


def _counted(codes: Iterable[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(Counter(codes).items()))


def picture(imports: LayerImports, findings: Iterable[Finding]) -> LayerPicture:
    """Aggregate module imports and findings to the layers."""
    modules = Counter(imports.layers.values())
    statements: Counter[tuple[str, str]] = Counter()
    for importer, imported, count in imports.imports:
        pair = (imports.layers[importer], imports.layers[imported])
        if pair[0] != pair[1]:
            statements[pair] += count
    direct: dict[tuple[str, str], list[str]] = {}
    indirect: dict[tuple[str, str], list[str]] = {}
    on_node: dict[str, list[str]] = {}
    for finding in findings:
        head, tail = finding.importer_layer, finding.imported_layer
        if head is not None and tail is not None and head != tail:
            (indirect if finding.chain else direct).setdefault((head, tail), []).append(finding.code)
        elif head is not None:
            on_node.setdefault(head, []).append(finding.code)
    nodes = tuple(
        LayerNode(layer, modules[layer], _counted(on_node.get(layer, ())))
        for layer in LAYERS
        if modules[layer] or layer in on_node
    )
    edges = [
        LayerEdge(a, b, statements[(a, b)], _counted(direct.get((a, b), ())))
        for a, b in set(statements) | set(direct)
    ]
    edges += [LayerEdge(a, b, 0, _counted(codes), indirect=True) for (a, b), codes in indirect.items()]
    order = {layer: i for i, layer in enumerate(LAYERS)}
    edges.sort(key=lambda e: (order[e.importer], order[e.imported], e.indirect))
    packages = tuple(sorted({module.partition(".")[0] for module in imports.layers}))
    return LayerPicture(packages, nodes, tuple(edges))


def _node_lines(node: LayerNode) -> list[str]:
    lines = [node.layer, f"{node.modules} module{'s' if node.modules != 1 else ''}"]
    lines += [f"{count} x {code}" for code, count in node.findings]
    return lines


def _edge_lines(edge: LayerEdge) -> list[str]:
    lines = [] if edge.indirect else [f"{edge.imports} import{'s' if edge.imports != 1 else ''}"]
    lines += [f"{count} x {code}" for code, count in edge.findings]
    if edge.indirect:
        lines.append("indirect")
    return lines


def _title(picture: LayerPicture) -> str:
    count = picture.finding_count
    findings = "no findings" if not count else f"{count} finding{'s' if count != 1 else ''}"
    return f"{', '.join(picture.packages)}: layers and imports ({findings})"


def _dot_string(*lines: str) -> str:
    """A quoted DOT string, one ``\\n``-separated line per argument."""
    escaped = (line.replace("\\", "\\\\").replace('"', '\\"') for line in lines)
    return '"' + "\\n".join(escaped) + '"'


def render_dot(picture: LayerPicture) -> str:
    """Graphviz: ``dot -Tsvg`` (or ``-Tpng``) draws it; the stack reads top to bottom."""
    legend = "red: imports with findings; dashed: through modules of no layer (ARC003)"
    out = [
        "digraph archcheck {",
        f"  graph [rankdir=TB, fontname=Helvetica, fontsize=12, labelloc=t, nodesep=0.8, ranksep=0.9,"
        f" label={_dot_string(_title(picture), legend)}];",
        f'  node [shape=box, style="rounded,filled", fillcolor="#f4f6f9", color="{PLAIN}",'
        " fontname=Helvetica, fontsize=12];",
        f'  edge [color="{QUIET}", fontcolor="{PLAIN}", fontname=Helvetica, fontsize=10];',
    ]
    present = [node.layer for node in picture.nodes]
    for node in picture.nodes:
        attributes = [f"label={_dot_string(*_node_lines(node))}"]
        if node.findings:
            attributes += [f'color="{LEAK}"', f'fontcolor="{LEAK}"', "penwidth=2"]
        out.append(f"  {node.layer} [{', '.join(attributes)}];")
    # Keep the stack in order whatever the edges say: invisible edges down the ranks.
    ranks: dict[int, list[str]] = {}
    for layer in present:
        ranks.setdefault(rank(layer), []).append(layer)
    levels = [ranks[r] for r in sorted(ranks)]
    for layers in levels:
        if len(layers) > 1:
            out.append(f"  {{ rank=same; {'; '.join(layers)}; }}")
    for upper, lower in zip(levels, levels[1:]):
        for a in upper:
            for b in lower:
                out.append(f"  {a} -> {b} [style=invis];")
    for edge in picture.edges:
        attributes = [f"label={_dot_string(*_edge_lines(edge))}"]
        if edge.leaks:
            attributes += [f'color="{LEAK}"', f'fontcolor="{LEAK}"', "penwidth=2"]
        if edge.indirect:
            attributes.append("style=dashed")
        if edge.upward or rank(edge.importer) == rank(edge.imported):
            attributes.append("constraint=false")
        out.append(f"  {edge.importer} -> {edge.imported} [{', '.join(attributes)}];")
    out.append("}")
    return "\n".join(out) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def render_mermaid(picture: LayerPicture) -> str:
    """Mermaid flowchart; put it in a ```mermaid block and GitHub draws it."""
    out = ["flowchart TD"]
    for node in picture.nodes:
        out.append(f'  {node.layer}["{_mermaid_text("<br/>".join(_node_lines(node)))}"]')
    red = []
    for number, edge in enumerate(picture.edges):
        arrow = "-.->" if edge.indirect else "-->"
        label = _mermaid_text(", ".join(_edge_lines(edge)))
        out.append(f'  {edge.importer} {arrow}|"{label}"| {edge.imported}')
        if edge.leaks:
            red.append(str(number))
    if red:
        out.append(f"  linkStyle {','.join(red)} stroke:{LEAK},stroke-width:2px,color:{LEAK}")
    leaky_nodes = [node.layer for node in picture.nodes if node.findings]
    if leaky_nodes:
        out.append(f"  classDef leaky stroke:{LEAK},stroke-width:2px,color:{LEAK}")
        out.append(f"  class {','.join(leaky_nodes)} leaky")
    return "\n".join(out) + "\n"
