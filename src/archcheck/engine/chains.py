"""ARC003's chains: layered modules reached through modules of no layer."""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence

from archcheck.findings import Finding, Location
from archcheck.layers import LayerMap
from archcheck.rules import ChainRule

__all__ = ["Chains"]


class Chains:
    """The chain rules over one project; what each unlayered module reaches is found once
    and kept for the life of the object."""

    def __init__(self, layers: LayerMap, rules: Sequence[ChainRule]) -> None:
        self.layers = layers
        self.rules = rules
        self._reach: dict[str, dict[str, tuple[str, ...]]] = {}

    def _reachable(
        self, start: str, imports_of: Callable[[str], Iterable[str]]
    ) -> dict[str, tuple[str, ...]]:
        """Layered modules reachable from unlayered ``start`` through unlayered modules
        only, each with the shortest such path (``start`` first, the layered module last)."""
        if start in self._reach:
            return self._reach[start]
        paths: dict[str, tuple[str, ...]] = {}
        seen = {start}
        queue: deque[tuple[str, ...]] = deque([(start,)])
        while queue:
            path = queue.popleft()
            for nxt in imports_of(path[-1]):
                if nxt in seen:
                    continue
                seen.add(nxt)
                if self.layers.layer_of(nxt) is None:
                    queue.append(path + (nxt,))
                else:
                    paths.setdefault(nxt, path + (nxt,))
        self._reach[start] = paths
        return paths

    def findings(
        self,
        head: str,
        direct: Iterable[str],
        *,
        imports_of: Callable[[str], Iterable[str]],
        first_line: Callable[[str], int],
        locate: Callable[[int], Location],
    ) -> list[Finding]:
        """The chain rules over the chains that start at layered ``head``: the shortest
        chain to each layered module it reaches through unlayered ones and does not import
        directly, reported at head's first import of the chain's second module."""
        head_layer = self.layers.layer_of(head)
        if head_layer is None:
            return []
        direct = set(direct)
        chains: dict[str, tuple[str, ...]] = {}
        for first in sorted(direct):
            if self.layers.layer_of(first) is not None:
                continue
            for tail, path in self._reachable(first, imports_of).items():
                chain = (head, *path)
                if tail == head or tail in direct:
                    continue
                if tail not in chains or len(chain) < len(chains[tail]):
                    chains[tail] = chain
        findings = []
        for tail, chain in sorted(chains.items()):
            tail_layer = self.layers.layer_of(tail)
            assert tail_layer is not None
            line = first_line(chain[1])
            for rule in self.rules:
                message = rule.check_chain(chain, head_layer, tail_layer)
                if message:
                    findings.append(
                        Finding(
                            locate(line), rule.code, message,
                            importer=head, imported=tail, importer_layer=head_layer,
                            imported_layer=tail_layer, chain=chain,
                        )
                    )
        return findings
