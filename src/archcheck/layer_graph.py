"""The layer-level picture: layers as nodes, imports between them as edges, leaks in red.

What ``archcheck graph`` draws, in Graphviz ``dot`` or Mermaid (which GitHub renders in
READMEs and pull requests). An edge ``routers -> services`` carries the number of import
statements from router modules to service modules; an edge with findings is red and names
them (``4 x ARC001``); a leak through modules of no layer (ARC003) is a separate dashed red
edge. Findings that are not about an import (the syntax rules) are counted on their layer's
node. ``by_feature`` draws one node per feature and layer (for feature-first projects), each
feature in its own box, so that one feature reaching into another shows.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from archcheck.engine import LayerImports
from archcheck.findings import Finding
from archcheck.layers import LAYERS, rank

__all__ = [
    "LayerEdge",
    "LayerNode",
    "LayerPicture",
    "feature_of",
    "picture",
    "render_dot",
    "render_mermaid",
]

LEAK = "#d62728"
PLAIN = "#5a6472"
QUIET = "#9aa3ad"  # allowed imports: present, but not the point of the picture

Place = tuple[str, str]  # (feature, layer); the feature is "" in the layer-level picture


@dataclass(frozen=True)
class LayerNode:
    feature: str
    layer: str
    modules: int
    findings: tuple[tuple[str, int], ...] = ()  # (code, count) of findings not about an import

    @property
    def place(self) -> Place:
        return (self.feature, self.layer)


@dataclass(frozen=True)
class LayerEdge:
    source: Place
    target: Place
    imports: int  # import statements; 0 for an indirect edge
    findings: tuple[tuple[str, int], ...] = ()  # (code, count)
    indirect: bool = False  # a chain through modules of no layer (ARC003)

    @property
    def leaks(self) -> bool:
        return bool(self.findings)

    @property
    def downward(self) -> bool:
        return rank(self.source[1]) < rank(self.target[1])


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

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(sorted({node.feature for node in self.nodes}))


def feature_of(module: str, layers: Mapping[str, str]) -> str:
    """The package that holds ``module``'s layer: ``app.orders`` for ``app.orders.router``
    (and for ``app.orders.router.admin``), ``app`` for ``app.main``."""
    layer = layers.get(module)
    name = module
    while "." in name and layers.get(name.rpartition(".")[0]) == layer:
        name = name.rpartition(".")[0]
    return name.rpartition(".")[0]


def _counted(codes: Iterable[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(Counter(codes).items()))


def picture(
    imports: LayerImports, findings: Iterable[Finding], *, by_feature: bool = False
) -> LayerPicture:
    """Aggregate module imports and findings to the layers (or to each feature's layers)."""
    layers = imports.layers

    def place(module: str | None, layer: str) -> Place:
        feature = feature_of(module, layers) if by_feature and module in layers else ""
        return (feature, layer)

    modules = Counter(place(m, layer) for m, layer in layers.items())
    statements: Counter[tuple[Place, Place]] = Counter()
    for importer, imported, count in imports.imports:
        pair = (place(importer, layers[importer]), place(imported, layers[imported]))
        if pair[0] != pair[1]:
            statements[pair] += count
    direct: dict[tuple[Place, Place], list[str]] = {}
    indirect: dict[tuple[Place, Place], list[str]] = {}
    on_node: dict[Place, list[str]] = {}
    for finding in findings:
        head, tail = finding.importer_layer, finding.imported_layer
        if head is None:
            continue
        # ARC003 is reported at its link, in a module of no layer: the arrow starts at the
        # layered head of the chain.
        source = place(finding.chain[0] if finding.chain else finding.module, head)
        target = place(finding.imported, tail) if tail is not None else None
        if target is not None and target != source:
            (indirect if finding.chain else direct).setdefault((source, target), []).append(
                finding.code
            )
        else:
            on_node.setdefault(source, []).append(finding.code)
    order = {layer: i for i, layer in enumerate(LAYERS)}

    def key(p: Place) -> tuple[str, int]:
        return (p[0], order[p[1]])

    nodes = tuple(
        LayerNode(p[0], p[1], modules[p], _counted(on_node.get(p, ())))
        for p in sorted(set(modules) | set(on_node), key=key)
    )
    edges = [
        LayerEdge(a, b, statements[(a, b)], _counted(direct.get((a, b), ())))
        for a, b in set(statements) | set(direct)
    ]
    edges += [
        LayerEdge(a, b, 0, _counted(codes), indirect=True) for (a, b), codes in indirect.items()
    ]
    edges.sort(key=lambda e: (key(e.source), key(e.target), e.indirect))
    packages = tuple(sorted({module.partition(".")[0] for module in layers}))
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


def _legend(picture: LayerPicture) -> list[str]:
    """What the colours and dashes of this picture mean; only those it holds."""
    red = []
    if any(edge.leaks and not edge.indirect for edge in picture.edges):
        red.append("arrows: imports")
    if any(node.findings for node in picture.nodes):
        red.append("boxes: code in the layer")
    parts = [f"red: findings ({', '.join(red)})"] if red else []
    if any(edge.indirect for edge in picture.edges):
        parts.append("dashed: through modules of no layer (ARC003)")
    return ["; ".join(parts)] if parts else []


def _dot_string(*lines: str) -> str:
    """A quoted DOT string, one ``\\n``-separated line per argument."""
    escaped = (line.replace("\\", "\\\\").replace('"', '\\"') for line in lines)
    return '"' + "\\n".join(escaped) + '"'


def _dot_id(place: Place) -> str:
    return place[1] if not place[0] else _dot_string(f"{place[0]}/{place[1]}")


def _dot_stack(nodes: list[LayerNode], indent: str) -> list[str]:
    """Invisible edges down the stack, so the layers read top to bottom whatever the
    imports say; models and schemas side by side."""
    ranks: dict[int, list[str]] = {}
    for node in nodes:
        ranks.setdefault(rank(node.layer), []).append(_dot_id(node.place))
    levels = [ranks[r] for r in sorted(ranks)]
    out = [f"{indent}{{ rank=same; {'; '.join(ids)}; }}" for ids in levels if len(ids) > 1]
    out += [
        f"{indent}{a} -> {b} [style=invis];"
        for upper, lower in itertools.pairwise(levels)
        for a in upper
        for b in lower
    ]
    return out


def render_dot(picture: LayerPicture) -> str:
    """Graphviz: ``dot -Tsvg`` (or ``-Tpng``) draws it; the stack reads top to bottom."""
    out = [
        "digraph archcheck {",
        f"  graph [rankdir=TB, fontname=Helvetica, fontsize=12, labelloc=t, nodesep=0.8, ranksep=0.9,"
        f" label={_dot_string(_title(picture), *_legend(picture))}];",
        f'  node [shape=box, style="rounded,filled", fillcolor="#f4f6f9", color="{PLAIN}",'
        " fontname=Helvetica, fontsize=12];",
        f'  edge [color="{QUIET}", fontcolor="{PLAIN}", fontname=Helvetica, fontsize=10];',
    ]
    for number, feature in enumerate(picture.features):
        members = [node for node in picture.nodes if node.feature == feature]
        indent = "  "
        if feature:
            out.append(f"  subgraph cluster_{number} {{")
            out.append(
                f'    label={_dot_string(feature)}; style="rounded,dashed"; color="{QUIET}"; fontcolor="{PLAIN}";'
            )
            indent = "    "
        for node in members:
            attributes = [f"label={_dot_string(*_node_lines(node))}"]
            if node.findings:
                attributes += [f'color="{LEAK}"', f'fontcolor="{LEAK}"', "penwidth=2"]
            out.append(f"{indent}{_dot_id(node.place)} [{', '.join(attributes)}];")
        out += _dot_stack(members, indent)
        if feature:
            out.append("  }")
    for edge in picture.edges:
        attributes = [f"label={_dot_string(*_edge_lines(edge))}"]
        if edge.leaks:
            attributes += [f'color="{LEAK}"', f'fontcolor="{LEAK}"', "penwidth=2"]
        if edge.indirect:
            attributes.append("style=dashed")
        if not edge.downward:
            attributes.append("constraint=false")
        out.append(f"  {_dot_id(edge.source)} -> {_dot_id(edge.target)} [{', '.join(attributes)}];")
    out.append("}")
    return "\n".join(out) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def render_mermaid(picture: LayerPicture) -> str:
    """Mermaid flowchart; put it in a ```mermaid block and GitHub draws it."""
    ids = {
        node.place: node.layer if not node.feature else f"n{number}"
        for number, node in enumerate(picture.nodes)
    }
    out = ["flowchart TD"]
    for number, feature in enumerate(picture.features):
        indent = "  "
        if feature:
            out.append(f'  subgraph f{number}["{_mermaid_text(feature)}"]')
            indent = "    "
        for node in picture.nodes:
            if node.feature == feature:
                out.append(
                    f'{indent}{ids[node.place]}["{_mermaid_text("<br/>".join(_node_lines(node)))}"]'
                )
        if feature:
            out.append("  end")
    red = []
    for number, edge in enumerate(picture.edges):
        arrow = "-.->" if edge.indirect else "-->"
        label = _mermaid_text(", ".join(_edge_lines(edge)))
        out.append(f'  {ids[edge.source]} {arrow}|"{label}"| {ids[edge.target]}')
        if edge.leaks:
            red.append(str(number))
    if red:
        out.append(f"  linkStyle {','.join(red)} stroke:{LEAK},stroke-width:2px,color:{LEAK}")
    leaky_nodes = [ids[node.place] for node in picture.nodes if node.findings]
    if leaky_nodes:
        out.append(f"  classDef leaky stroke:{LEAK},stroke-width:2px,color:{LEAK}")
        out.append(f"  class {','.join(leaky_nodes)} leaky")
    return "\n".join(out) + "\n"
