"""ARC003's links: the imports in modules of no layer that carry a forbidden dependency
from a layered module, followed by name.

Two passes. The module graph first: which modules of no layer reach, through others of no
layer, a layered module that some layer may not depend on (a breadth-first search per
module, kept for the life of the object). Only where the graph has such a chain is any
file read: each layered head's own code says which names it uses from the modules of no
layer it imports, and those names are followed through the definitions that use them
(``archcheck.uses``) to the imports that bring a forbidden layer in: the links. A module
whose code cannot be read falls back to its module edges, so nothing real is lost.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from archcheck.findings import Finding, Location
from archcheck.imports import enclosing_module
from archcheck.layers import BYPASS, MODELS_ON_SCHEMAS, SERVICES, LayerMap, violation
from archcheck.rules import ChainRule
from archcheck.rules.base import Link, Reach
from archcheck.uses import DATA_BASES, ENQUEUE, RAN, ModuleUses, Use, looked_at, neutral_base

__all__ = ["Chains", "Demand", "LinkSource", "link_findings", "names_used"]

_Names = frozenset[str] | None  # names of a module that are needed; None: all of them


class LinkSource(Protocol):
    """What the chain search reads: a project's imports and the code of its modules."""

    def imports(self, module: str) -> Collection[str]:
        """The project modules ``module`` imports (``ignore_imports`` applied)."""

    def lines(self, importer: str, imported: str) -> Sequence[int]:
        """The lines of ``importer``'s statements that import ``imported``, in order."""

    def uses_of(self, module: str) -> ModuleUses | None:
        """What the module's definitions use (None when its file cannot be read)."""

    def head_names(
        self, module: str, firsts: Collection[str]
    ) -> tuple[dict[str, frozenset[str] | None], frozenset[str]] | None:
        """What ``module`` imports by name from each of ``firsts``, and the attribute names
        it may read, from its import statements; None when only ``uses_of`` answers."""

    def attribute_names(self, module: str) -> frozenset[str]:
        """The attribute names the module's text may read (empty when it cannot be read)."""

    def provided(self, module: str) -> tuple[frozenset[str], frozenset[str]]:
        """The names the module's text only hands to ``Depends(...)``, and the dependency
        aliases it defines (``uses.provided_names``)."""

    def runs(self, module: str, line: int) -> bool:
        """Whether the import statement on ``line`` of ``module`` runs when the module is
        imported (not one under ``if TYPE_CHECKING:``: ``names.never_run``)."""


@dataclass(frozen=True)
class Demand:
    """A layered ``head`` needs ``names`` of a module of no layer (None: all), through
    ``chain`` (``head`` first, the module itself last)."""

    head: str
    uses: tuple[str, ...]  # what the head uses of the chain's first module, as messages say
    names: tuple[str, ...] | None
    chain: tuple[str, ...]
    called: tuple[str, ...] = ()  # the module's by-name methods the chains' code calls
    # A fan (see ``_Fan``): the module's import of ``hub`` is the link, for ``tails``
    # reached by ``beyond`` imports past it; ``chain`` then runs on to one of the tails.
    hub: str = ""
    tails: tuple[str, ...] = ()
    beyond: int = 0
    within: tuple[str, ...] = ()  # the modules that decide the fan (their stamps count)


def names_used(uses: Iterable[Use], modules: Collection[str]) -> dict[str, _Names]:
    """The project modules that ``uses`` reach, each with the names of it they need."""
    found: dict[str, _Names] = {}
    for use in uses:
        module = enclosing_module(use.target, modules)
        if module is None:
            continue
        rest = use.target[len(module) + 1 :]
        if rest and use.imported:
            # ``from app.tasks import sync`` inside a function runs the module; what it binds
            # is used where the code reads it (``sync.delay()`` enqueues, runs no body).
            names: _Names = frozenset()
        elif rest:
            # Two names: ``task.delay`` (enqueuing a task does not run its body), and
            # ``deployments.read`` of a submodule that a package binds (the submodule's
            # other functions are not needed); three for ``Cls.handler.__name__``, which
            # runs no handler. The module reading them takes a definition whole
            # (``archcheck.uses``).
            name, _, attribute = rest.partition(".")
            attribute = attribute.partition(".")[0]
            names = frozenset((looked_at(rest) or (f"{name}.{attribute}" if attribute else name),))
        else:
            # An import inside a function runs the module; a module passed as a value may
            # be used for anything.
            names = frozenset() if use.imported else None
        found[module] = _merged(found.get(module, frozenset()), names) if module in found else names
    return found


def _use_order(use: Use) -> tuple[int, str, str]:
    return use.line, use.target, use.definition or ""


def _merged(old: _Names, new: _Names) -> _Names:
    if old is None or new is None:
        return None
    if (RAN in old) != (RAN in new):
        return (old | new) - {RAN}  # one asker needs the statements
    return old | new


def _ran(head: str, module: str, names: _Names) -> _Names:
    """What ``head`` needs of ``module`` (``names``), less the module's statements where it
    is a package above the head: its ``__init__`` ran before the head did, whatever the
    head imports of it (a service's ``from app import APP_DIR``, where ``app/__init__.py``
    builds the app and includes the routers). Further on, only the head's top package
    counts so (``_reached``): a helper below another package runs that package's
    ``__init__`` when the head's chain first imports it."""
    if names is None or not head.startswith(module + "."):
        return names
    return names | {RAN}


def _uses_text(first: str, module: str, names: _Names) -> tuple[str, ...]:
    names = None if names is None else names - {RAN}
    if names is None or not names:
        return (first,)
    # A message names what the head imports (``settings``, not ``settings.DEBUG``), and a
    # task it only enqueues as such.
    shown = {n if n.partition(".")[2] in ENQUEUE else n.partition(".")[0] for n in names}
    return tuple(sorted(shown if first == module else (f"{first}.{n}" for n in shown)))


@dataclass(frozen=True)
class _Hit:
    """A link found from one start: the import of ``tail`` on ``line`` of ``module``."""

    module: str
    line: int
    tail: str
    definitions: frozenset[str]  # the module's definitions that use the import
    path: tuple[str, ...]  # from the start to ``module``


# More modules than this holding one head's links: they are a fan, reported once where it
# starts. Past a hub (``config`` loading a whole SDK, a client facade) every module that
# imports the layer is a link, and moving each into a service is not the fix.
FAN = 3


@dataclass(frozen=True)
class _Fan:
    """The links of one follow, in more than ``FAN`` modules, as one: the import of ``hub``
    on ``line`` of ``module`` (None: the head's own import of the first module), which
    every chain to them passes."""

    module: str | None
    line: int
    hub: str
    definitions: frozenset[str]
    tails: tuple[str, ...]
    beyond: int  # the link statements past it
    example: tuple[str, ...]  # the shortest chain from the first module to a tail
    within: tuple[str, ...]  # the modules on the way to the links, which decide the fan


class _Collected(NamedTuple):
    """Where ``_links`` collects links, and what checks of one file need."""

    reaches: dict[tuple[str, int], dict[Reach, tuple[str, ...]]]
    definitions: dict[tuple[str, int], set[str]]
    demands: dict[str, list[Demand]]
    fans: dict[tuple[str, int], dict[str, int]]


def _collapsed(followed: list[tuple[str, str, str, _Names, _Followed]]) -> set[int]:
    """Which of the ``followed`` fans are reported as one link each. A fan whose links are
    reported anyway (for other heads) is not: its heads join those links. A fan with no
    hub past the first module is reported at the heads' own imports only where fewer
    heads reach it than there are link statements in it: a package that every model
    imports (``core.database``), reached by sixty heads, keeps its handful of links; one
    ORM module that reaches a hundred links through one import gets one finding."""
    heads: dict[str, set[str]] = {}
    links: dict[str, set[tuple[str, int]]] = {}
    for head, _layer, first, _names, (hits, _needed, fan) in followed:
        if fan is not None and fan.module is None:
            heads.setdefault(first, set()).add(head)
            links.setdefault(first, set()).update((h.module, h.line) for h in hits)
    found = {
        number
        for number, (_head, _layer, first, _names, (_hits, _needed, fan)) in enumerate(followed)
        if fan is not None and (fan.module is not None or len(heads[first]) < len(links[first]))
    }
    while found:
        reported = {
            (hit.module, hit.line)
            for number, item in enumerate(followed)
            if number not in found
            for hit in item[4].hits
        }
        kept = {
            number
            for number in found
            if not any((hit.module, hit.line) in reported for hit in followed[number][4].hits)
        }
        if kept == found:
            break
        found = kept
    return found


class _Followed(NamedTuple):
    hits: list[_Hit]
    needed: dict[str, tuple[_Names, tuple[str, ...]]]
    fan: _Fan | None


class _Trace:
    """A follow: what the code it reached reads and leaves uncalled (``_Step``), and
    where a follow for a head that reads more goes on from; what it found (``followed``)
    is put together only for the follows a head ends with."""

    __slots__ = ("_found", "first", "handed", "reads", "state", "uncalled")

    def __init__(self, first: str, state: _State) -> None:
        steps = state.steps.values()
        self.first = first
        self.state = state
        self.reads: frozenset[str] = frozenset().union(*(step.reads for step in steps))
        self.uncalled: frozenset[str] = frozenset().union(*(step.uncalled for step in steps))
        # the modules of no layer its code uses that lead to no layer
        self.handed = frozenset(state.handed)
        self._found: _Followed | None = None

    def followed(self, imports: Callable[[str], Iterable[str]]) -> _Followed:
        """The links, what is needed of each module with the shortest chain to it, and
        the fan the links make."""
        if self._found is None:
            state = self.state
            paths = _shortest(self.first, state.edges)
            hits = [
                _Hit(module, line, tail, frozenset(owners), paths[module])
                for (module, line, tail), owners in sorted(state.hits.items())
            ]
            self._found = _Followed(
                hits,
                {m: (n, paths[m]) for m, n in state.needed.items()},
                _fan(self.first, state.edges, hits, paths, imports),
            )
        return self._found


class _State(NamedTuple):
    """What a follow found, to go on from when the head's code turns out to read more
    method names: only the modules that left one of them uncalled are read again, as what
    names need only grows with the methods called."""

    needed: dict[str, _Names]
    hits: dict[tuple[str, int, str], set[str]]  # (module, line, tail) -> its definitions
    edges: dict[str, dict[str, set[tuple[int, str | None]]]]
    steps: dict[str, _Step]  # module -> what the names needed of it use
    handed: set[str]
    attributes: frozenset[str]  # what the head's code read


class _Step(NamedTuple):
    """What names of one module use: (module, line of the import, the definition that uses
    it, the names of it needed), in line order; the attribute names that code reads (the
    methods it may call); the by-name methods of the classes it needs that it leaves
    uncalled (the names whose reading elsewhere would change it)."""

    reached: list[tuple[str, int, str | None, _Names]]
    reads: frozenset[str]
    uncalled: frozenset[str]


def _reachable(start: str, edges: dict[str, dict[str, set[tuple[int, str | None]]]]) -> set[str]:
    """``start`` and every module a follow's ``edges`` lead to from it."""
    found = {start}
    stack = [start]
    while stack:
        for other in edges.get(stack.pop(), ()):
            if other not in found:
                found.add(other)
                stack.append(other)
    return found


def _shortest(
    first: str, edges: dict[str, dict[str, set[tuple[int, str | None]]]]
) -> dict[str, tuple[str, ...]]:
    """The shortest chain from ``first`` to each module a follow reached, the first in
    name order among equals: what a follow's order of reading does not change."""
    paths: dict[str, tuple[str, ...]] = {first: (first,)}
    queue = deque([first])
    while queue:
        module = queue.popleft()
        for other in sorted(edges.get(module, ())):
            if other not in paths:
                paths[other] = (*paths[module], other)
                queue.append(other)
    return paths


def _fan(
    first: str,
    edges: dict[str, dict[str, set[tuple[int, str | None]]]],
    hits: list[_Hit],
    paths: dict[str, tuple[str, ...]],
    imports: Callable[[str], Iterable[str]],
) -> _Fan | None:
    """The fan that ``hits`` make, when they are in more than ``FAN`` modules: the import
    of the deepest module of no layer that every chain from ``first`` to them passes, from
    the one module outside it that imports it, else the head's own import."""
    modules = {hit.module for hit in hits}
    if len(modules) <= FAN:
        return None
    preds: dict[str, set[str]] = {}
    for importer, imported in edges.items():
        for other in imported:
            preds.setdefault(other, set()).add(importer)
    idom, number = _dominator_tree(first, edges, preds)
    tails, beyond, example = _past(hits)
    # Every module followed and every module they import: a change to any of them may
    # add a way to the links or another way into the hub.
    within = tuple(sorted({m for module in paths for m in (module, *imports(module))}))
    hub = functools.reduce(lambda a, b: _meet(a, b, idom, number), sorted(modules))
    while hub != first:
        # Imports of the hub from the modules past it (a cycle back) do not count.
        outside = [p for p in preds[hub] if _meet(hub, p, idom, number) != hub]
        if len(outside) == 1:
            (importer,) = outside
            found = edges[importer][hub]
            definitions = frozenset(d for _, d in found if d is not None)
            line = min(line for line, _ in found)
            return _Fan(importer, line, hub, definitions, tails, beyond, example, within)
        hub = idom[hub]  # imported in two places: neither import alone carries the fan
    return _Fan(None, 0, first, frozenset(), tails, beyond, example, within)


def _narrowed(fan: _Fan, hits: list[_Hit]) -> _Fan | None:
    """``fan`` with only ``hits`` past its hub, which dominates them as it did all; None
    when they are in ``FAN`` modules or fewer. Its ``within`` stays: what decided the
    whole fan decides this part of it."""
    if len({hit.module for hit in hits}) <= FAN:
        return None
    tails, beyond, example = _past(hits)
    return dataclasses.replace(fan, tails=tails, beyond=beyond, example=example)


def _past(hits: list[_Hit]) -> tuple[tuple[str, ...], int, tuple[str, ...]]:
    """What a fan's ``hits`` reach, how many statements they are, and the shortest chain
    from the first module to one of them."""
    return (
        tuple(sorted({hit.tail for hit in hits})),
        len({(hit.module, hit.line) for hit in hits}),
        min(((*hit.path, hit.tail) for hit in hits), key=lambda c: (len(c), c)),
    )


def _dominator_tree(
    first: str,
    edges: dict[str, dict[str, set[tuple[int, str | None]]]],
    preds: dict[str, set[str]],
) -> tuple[dict[str, str], dict[str, int]]:
    """The immediate dominator of each module reached from ``first`` (the last module
    before it that every chain from ``first`` passes) and each module's number in reverse
    postorder, where a dominator always comes first; Cooper, Harvey and Kennedy's
    iteration."""
    order: list[str] = []
    seen = {first}
    stack = [(first, iter(sorted(edges.get(first, ()))))]
    while stack:
        module, successors = stack[-1]
        for other in successors:
            if other not in seen:
                seen.add(other)
                stack.append((other, iter(sorted(edges.get(other, ())))))
                break
        else:
            stack.pop()
            order.append(module)
    order.reverse()
    number = {module: n for n, module in enumerate(order)}
    idom = {first: first}
    changed = True
    while changed:
        changed = False
        for module in order[1:]:
            done = [p for p in sorted(preds.get(module, ())) if p in idom]
            new = functools.reduce(lambda a, b: _meet(a, b, idom, number), done)
            if idom.get(module) != new:
                idom[module] = new
                changed = True
    return idom, number


def _meet(a: str, b: str, idom: dict[str, str], number: dict[str, int]) -> str:
    """The deepest module that dominates both ``a`` and ``b`` (``a`` itself where it
    dominates ``b``)."""
    while a != b:
        while number[a] > number[b]:
            a = idom[a]
        while number[b] > number[a]:
            b = idom[b]
    return a


def _handed_of(module: str, handed: frozenset[str]) -> set[str]:
    """The names of ``module`` among the ``handed`` ones: the plain ones, and the
    attributes handed of a name that is the module's own (``deps.get_db`` of ``app.deps``)."""
    tail = module.rpartition(".")[2]
    found = set()
    for name in handed:
        owner, dot, attribute = name.partition(".")
        if not dot:
            found.add(name)
        elif owner == tail:
            found.add(attribute)
    return found


class Chains:
    """The chain rules over one project."""

    def __init__(
        self,
        layers: LayerMap,
        rules: Sequence[ChainRule],
        budget: int | None = None,
        shared: Callable[[str], bool] = lambda name: False,
        providers: bool = True,
    ) -> None:
        self.layers = layers
        self.rules = rules
        # Whether a head's names that it only hands to ``Depends(...)`` are dependency
        # providers, wiring that FastAPI calls for the route (not under ``strict``, where
        # the providers count as routers): not followed.
        self.providers = providers
        self._providers: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        # Whether a qualified name is a value layers may share (``ProjectIndex.
        # is_shared_value``: an enum, a class of constants, a constant): a model may take
        # one from the schemas (ARC004 allows it), through a helper too.
        self.shared = shared
        # How many uses the whole search may follow (None: no end). Past it, the
        # heads left are not searched (``unsearched``): a project whose helpers import
        # most of it (a 10 000-line hub every router imports) took minutes and gigabytes.
        self.budget = budget
        self.steps = 0
        self.unsearched: list[str] = []
        self._reach: dict[str, frozenset[str]] = {}
        self._leads: dict[tuple[str, str], bool] = {}
        # The follows from one start, one per set of methods counted as called on the way:
        # heads whose code reads the same method names share them.
        self._hits: dict[
            tuple[str, str, _Names, str], dict[frozenset[str], dict[frozenset[str], _Trace]]
        ] = {}
        self._read: dict[str, ModuleUses | None] = {}
        self._heads: dict[str, tuple[dict[str, _Names], frozenset[str]]] = {}
        self._reaches: dict[tuple[str, _Names, frozenset[str], str], _Step] = {}
        self._texts: dict[str, frozenset[str]] = {}  # module -> attribute names in its text
        self._by_name: dict[str, frozenset[str]] = {}  # module -> its classes cleared

    def forbids(self, layer: str, other_layer: str) -> bool:
        """Whether a chain from ``layer`` may not reach ``other_layer``. In a project with
        no services layer (routers over CRUD modules, as many apps are built) the modules
        of no layer that routers call on their way to the repositories are its business
        logic, the only place a service could be: no chain bypasses services there
        (a router importing a repository itself is still ARC001)."""
        found = violation(layer, other_layer)
        return bool(found) and not (found == BYPASS and not self.layers.patterns[SERVICES])

    def shares(self, layer: str, other_layer: str, other: str, names: _Names) -> bool:
        """Whether what a chain needs of the layered ``other`` (``names``) is values,
        which run none of its code: enums and constants, as ARC004 lets a model take them
        from the schemas (a form's ``CSRF_ATTRIBUTE_NAME`` from a middleware, a type alias
        from a repository)."""
        if not names:
            return False
        defined = {name.partition(".")[0] for name in names} - {RAN, ""}
        return bool(defined) and all(self.shared(f"{other}.{name}") for name in defined)

    def _uses_of(self, source: LinkSource, module: str) -> ModuleUses | None:
        if module not in self._read:
            self._read[module] = source.uses_of(module)
        return self._read[module]

    def _called(
        self, source: LinkSource, module: str, uses: ModuleUses, attributes: frozenset[str]
    ) -> frozenset[str]:
        """The module's by-name methods that a head's code calls (it reads their names:
        ``attributes``), and ``Class.`` for its classes whose imported bases call none of
        their methods by name."""
        return uses.called(attributes) | self._cleared(source, module, uses)

    def _cleared(self, source: LinkSource, module: str, uses: ModuleUses) -> frozenset[str]:
        """``Class.`` for the module's classes whose imported bases call none of their
        methods by name, and ``Class:`` for those among them that are data classes."""
        found = self._by_name.get(module)
        if found is None:
            cleared = set()
            for name, bases in uses.bases.items():
                if bases and all(self._base_is(source, module, b, (), neutral_base) for b in bases):
                    cleared.add(f"{name}.")
                    if name in uses.wrapped and any(
                        self._base_is(source, module, b, (), DATA_BASES.__contains__, any)
                        for b in bases
                    ):
                        cleared.add(f"{name}:")
            found = self._by_name[module] = frozenset(cleared)
        return found

    def _base_is(
        self,
        source: LinkSource,
        importer: str,
        base: str,
        path: tuple[str, ...],
        library: Callable[[str], bool],
        every: Callable[[Iterable[bool]], bool] = all,
    ) -> bool:
        """Whether the class ``base`` (absolute, as ``importer`` imports it) is a
        ``library`` base, or a project class ``every`` of whose own bases is one (a
        ``Base(DeclarativeBase)`` of ``app/db.py``), followed through re-exports. With
        ``neutral_base``: whether it calls no method of a subclass by a name only the
        subclass declares (a library's other classes, and what cannot be read, may)."""
        if library(base):
            return True
        module = enclosing_module(base, source.imports(importer))
        if module is None or module == base or base in path:
            return False
        uses = self._uses_of(source, module)
        name = base[len(module) + 1 :]
        if uses is None or "." in name:
            return False
        path = (*path, base)
        if name in uses.bases:
            bases = uses.bases[name]
            return bases is not None and every(
                self._base_is(source, module, b, path, library, every) for b in bases
            )
        bound = uses.imports.get(name, ())
        if len(bound) == 1 and not bound[0][2]:  # ``from .base import Base``
            return self._base_is(source, module, bound[0][0], path, library, every)
        return False

    def _tail_layers(self, start: str, imports: Callable[[str], Iterable[str]]) -> frozenset[str]:
        """The layers of the layered modules that unlayered ``start`` reaches through
        unlayered modules only."""
        if start in self._reach:
            return self._reach[start]
        layers: set[str] = set()
        seen = {start}
        queue = deque([start])
        while queue:
            for nxt in imports(queue.popleft()):
                if nxt in seen:
                    continue
                seen.add(nxt)
                if nxt in self.layers.blocked:
                    continue
                layer = self.layers.layer_of(nxt)
                if layer is None:
                    queue.append(nxt)
                else:
                    layers.add(layer)
        self._reach[start] = frozenset(layers)
        return self._reach[start]

    def _leads_on(self, module: str, layer: str, source: LinkSource) -> bool:
        """Whether a chain of the module graph from ``module`` (of no layer) ends in a
        layer that ``layer`` may not depend on."""
        if module in self.layers.blocked:
            return False
        key = (module, layer)
        if key not in self._leads:
            tails = self._tail_layers(module, source.imports)
            self._leads[key] = any(self.forbids(layer, tail) for tail in tails)
        return self._leads[key]

    def _reached(
        self,
        source: LinkSource,
        module: str,
        names: _Names,
        attributes: frozenset[str],
        root: str,
    ) -> _Step:
        """What ``names`` of ``module`` use, for a head whose code reads ``attributes``
        and whose top package is ``root`` (see ``_Step``; kept, as every head that
        reaches ``module`` calling the same methods needs the same answer). A module that
        cannot be read uses what it imports. The head's top package ran before the head:
        what the chain imports of it needs no statement of its ``__init__`` (``_ran``)."""
        uses = self._uses_of(source, module)
        if uses is None:
            return _Step(
                [
                    (other, line, None, None)
                    for other in source.imports(module)
                    for line in source.lines(module, other)[:1]
                ],
                frozenset(),
                frozenset(),
            )
        called = self._called(source, module, uses, attributes)
        key = (module, names, called, root)
        if key not in self._reaches:
            imports = source.imports(module)
            reached = []
            for use in sorted(uses.uses(names, called), key=_use_order):
                other = enclosing_module(use.target, imports)
                if other is not None:
                    wanted = names_used([use], (other,))[other]
                    if other == root and wanted is not None:
                        wanted = wanted | {RAN}
                    reached.append((other, use.line, use.definition, wanted))
            self._reaches[key] = _Step(
                reached, uses.reads(names, called), uses.uncalled(names, called)
            )
        return self._reaches[key]

    def _follow(
        self,
        source: LinkSource,
        layer: str,
        first: str,
        names: _Names,
        attributes: frozenset[str],
        root: str,
        seed: _Trace | None = None,
    ) -> _Trace:
        """The links that ``names`` of ``first`` reach for a head of ``layer`` in the top
        package ``root`` whose code reads ``attributes``, what is needed of each module on
        the way (with the path from ``first`` to it), and the fan they make, if they do.
        ``seed``: the follow of the same names for fewer attributes, to go on from."""
        key = (layer, first, names, root)
        # A follow depends on the head's attribute names only through the by-name methods
        # of the modules it read: a head that reads the same of those gets the same.
        kept = self._hits.setdefault(key, {})
        for known, traces in kept.items():
            if (trace := traces.get(attributes & known)) is not None:
                return trace
        if seed is None:
            # Another head's follow of the same names, for code that reads less, will do.
            earlier = [
                trace
                for traces in kept.values()
                for trace in traces.values()
                if trace.state.attributes <= attributes
            ]
            if earlier:
                seed = max(earlier, key=lambda trace: len(trace.state.attributes))
        # The seed's edge and hit sets are shared until this follow adds to one: copied then.
        own: set[object] = set()
        if seed is None:
            state = _State({first: names}, {}, {}, {}, set(), attributes)
            queue = deque([first])
        else:
            old = seed.state
            state = _State(
                dict(old.needed),
                dict(old.hits),
                dict(old.edges),
                dict(old.steps),
                set(old.handed),
                attributes,
            )
            # A module's step changes only where a method it left uncalled is now read.
            more = attributes - old.attributes
            queue = deque(
                module for module, step in old.steps.items() if not step.uncalled.isdisjoint(more)
            )
        needed, hits, edges = state.needed, state.hits, state.edges
        pending = set(queue)  # a module waiting is read once, with all that is needed of it
        while queue:
            module = queue.popleft()
            pending.discard(module)
            step = self._reached(source, module, needed[module], attributes, root)
            state.steps[module] = step
            self.steps += len(step.reached)
            for other, line, definition, wanted in step.reached:
                other_layer = self.layers.layer_of(other)
                if other_layer is not None:
                    if self.forbids(layer, other_layer) and not self.shares(
                        layer, other_layer, other, wanted
                    ):
                        hit = (module, line, other)
                        if hit not in own:
                            own.add(hit)
                            hits[hit] = set(hits.get(hit, ()))
                        if definition is not None:
                            hits[hit].add(definition)
                    continue
                if not self._leads_on(other, layer, source):
                    state.handed.add(other)
                    continue
                if module not in own:
                    own.add(module)
                    edges[module] = {o: set(at) for o, at in edges.get(module, {}).items()}
                edges[module].setdefault(other, set()).add((line, definition))
                if other not in needed:
                    needed[other] = wanted
                else:
                    merged = _merged(needed[other], wanted)
                    if merged == needed[other]:
                        continue
                    needed[other] = merged
                if other not in pending:
                    pending.add(other)
                    queue.append(other)
        trace = _Trace(first, state)
        read: set[str] = set()
        for module in needed:
            if (uses := self._uses_of(source, module)) is not None:
                read |= uses.method_names
        kept.setdefault(frozenset(read), {})[attributes & frozenset(read)] = trace
        return trace

    def links(
        self,
        source: LinkSource,
        heads: Iterable[str],
        direct: Mapping[str, Collection[str]] | None = None,
    ) -> tuple[list[Link], dict[str, list[Demand]]]:
        """Every link the layered ``heads`` reach, one per import statement, and what each
        head needs of each module of no layer that imports a layered module directly (for
        checks of one file: see ``link_findings``). ``direct``: the layered modules each
        head depends on through its own imports that have a finding
        (``import_rules.direct_imports``); a model among them that imports schemas has
        no links to schemas (``_repeats``): an ORM module importing ``app.schemas``
        reaches the schemas again through every helper that builds one, and each would
        repeat its ARC004."""
        return self._links(source, list(heads), direct or {})

    def _traced(
        self,
        source: LinkSource,
        head: str,
        layer: str,
        wanted: dict[str, _Names],
        attributes: frozenset[str],
    ) -> tuple[dict[str, _Trace], frozenset[str]]:
        """The follows of what ``head`` needs of each module (``wanted``), and the attribute
        names its code reads: its own (``attributes``) and those of the code it reaches,
        until no follow reads another (a method counts as called where the head's code
        reads its name: see ``archcheck.uses``)."""
        # The modules of no layer the head uses that lead to no layer: not followed.
        handed = {
            m for m in source.imports(head) if m not in wanted and self.layers.layer_of(m) is None
        }
        traces: dict[str, _Trace] = {}
        while True:
            traces = {
                first: self._follow(
                    source,
                    layer,
                    first,
                    names,
                    attributes,
                    head.partition(".")[0],
                    traces.get(first),
                )
                for first, names in sorted(wanted.items(), key=lambda item: item[0])
            }
            more = set(attributes).union(*(t.reads for t in traces.values()))
            left = frozenset().union(*(t.uncalled for t in traces.values())) - more
            if left:
                # The code may hand an object to a helper the search does not follow (it
                # leads to no layer): what the helper's text says it reads may be called.
                read = {m for t in traces.values() for m in t.state.needed}
                for module in sorted(handed.union(*(t.handed for t in traces.values())) - read):
                    more |= self._text(source, module) & left
            if more == attributes:
                return traces, attributes
            attributes = frozenset(more)

    def _provided(self, source: LinkSource, module: str) -> tuple[frozenset[str], frozenset[str]]:
        # A module is a first of many routers: its file is read once a search.
        if module not in self._providers:
            self._providers[module] = source.provided(module)
        return self._providers[module]

    def _text(self, source: LinkSource, module: str) -> frozenset[str]:
        if module not in self._texts:
            self._texts[module] = source.attribute_names(module)
        return self._texts[module]

    def _head_names(
        self, source: LinkSource, head: str, firsts: list[str], imports: Collection[str]
    ) -> tuple[dict[str, _Names], frozenset[str]]:
        """What ``head`` needs of each of ``firsts``: the names its import statements bind
        where they tell (reading a layered module whole, often a large one, was most of
        the search's time), else what its definitions use; and the attribute names its
        code reads."""
        if head not in self._heads:
            found = source.head_names(head, firsts)
            if found is not None:
                self._heads[head] = found
            else:
                uses = self._uses_of(source, head)
                if uses is None:
                    self._heads[head] = ({m: None for m in firsts}, frozenset())
                else:
                    used = names_used(uses.uses(None), imports)
                    self._heads[head] = (
                        {m: used[m] for m in firsts if m in used},
                        uses.reads(None),
                    )
        return self._heads[head]

    def _links(
        self, source: LinkSource, heads: list[str], direct: Mapping[str, Collection[str]]
    ) -> tuple[list[Link], dict[str, list[Demand]]]:
        reaches: dict[tuple[str, int], dict[Reach, tuple[str, ...]]] = {}
        definitions: dict[tuple[str, int], set[str]] = {}
        demands: dict[str, list[Demand]] = {}
        fans: dict[tuple[str, int], dict[str, int]] = {}  # the fans' links: hub -> beyond
        collected = _Collected(reaches, definitions, demands, fans)
        followed: list[tuple[str, str, str, _Names, _Followed]] = []
        graphs: dict[int, dict[str, dict[str, set[tuple[int, str | None]]]]] = {}
        read: dict[str, frozenset[str]] = {}  # head -> the attribute names its code reads
        for head in heads:
            layer = self.layers.layer_of(head)
            if layer is None:
                continue
            if self.budget is not None and self.steps > self.budget:
                self.unsearched.append(head)
                continue
            imports = source.imports(head)
            firsts = [
                m
                for m in imports
                if self.layers.layer_of(m) is None and self._leads_on(m, layer, source)
            ]
            if not firsts:
                continue
            wanted, attributes = self._head_names(source, head, firsts, imports)
            if self.providers:
                # What FastAPI calls for the route (and for a class dependency's own
                # parameters): a name handed to ``Depends``, or a dependency alias of the
                # module it comes from (``auth.OrdersRead``).
                handed = self._provided(source, head)[0]
                wanted = {
                    first: names
                    if names is None
                    else names - _handed_of(first, handed) - self._provided(source, first)[1]
                    for first, names in wanted.items()
                }
            wanted = {first: _ran(head, first, names) for first, names in wanted.items()}
            traces, read[head] = self._traced(source, head, layer, wanted, attributes)
            skipped = direct.get(head, ())
            for first, trace in traces.items():
                names, reached = wanted[first], trace.followed(source.imports)
                if skipped:
                    hits = [
                        h
                        for h in reached.hits
                        if not _repeats(
                            self.layers, layer, self.layers.layer_of(h.tail) or "", skipped
                        )
                    ]
                    if not hits:
                        continue
                    if len(hits) != len(reached.hits):
                        fan = reached.fan and _narrowed(reached.fan, hits)
                        reached = _Followed(hits, reached.needed, fan)
                graphs[len(followed)] = trace.state.edges
                followed.append((head, layer, first, names, reached))
        collapsed = _collapsed(followed)
        for number, (head, layer, first, names, (hits, needed, fan)) in enumerate(followed):
            skipped = direct.get(head, ())
            if fan is not None and number in collapsed:
                self._fan_link(
                    source, head, layer, first, names, needed, fan, read[head], collected
                )
                continue
            leading = (
                self._leading(source, first, names, graphs[number], read[head]) if hits else None
            )
            # In the first module the names are told apart by the statement they reach, as
            # a check of that file alone tells them (``link_findings``); further on, by the
            # module.
            by_line: dict[int, frozenset[str]] = {}
            if any(hit.module == first for hit in hits):
                uses = self._uses_of(source, first)
                if uses is not None:
                    by_line = _leading_lines(
                        uses, needed[first][0], self._called(source, first, uses, read[head])
                    )
            for hit in hits:
                if hit.tail in skipped and self._reexported(source, hit, needed, read[head]):
                    continue  # the head's own import is the finding (``ImportChecks``)
                key = (hit.module, hit.line)
                reach = Reach(
                    head,
                    layer,
                    _line_text(first, by_line.get(hit.line), _uses_text(first, first, names))
                    if hit.module == first
                    else _uses_text(first, hit.module, _names_to(leading, hit.module, names)),
                    hit.tail,
                    self.layers.layer_of(hit.tail) or "",
                )
                reaches.setdefault(key, {}).setdefault(reach, (head, *hit.path, hit.tail))
                definitions.setdefault(key, set()).update(hit.definitions)
            for module, (module_names, path) in needed.items():
                if any(self.layers.layer_of(m) for m in source.imports(module)):
                    uses = self._uses_of(source, module)
                    demands.setdefault(module, []).append(
                        Demand(
                            head,
                            _uses_text(first, first, _names_to(leading, module, names)),
                            None if module_names is None else tuple(sorted(module_names)),
                            (head, *path),
                            ()
                            if uses is None
                            else tuple(sorted(self._called(source, module, uses, read[head]))),
                        )
                    )
        found = [
            _link(*key, by_reach, definitions.get(key, ()), fans.get(key, {}))
            for key, by_reach in sorted(reaches.items())
        ]
        return found, demands

    def _reexported(
        self,
        source: LinkSource,
        hit: _Hit,
        needed: dict[str, tuple[_Names, tuple[str, ...]]],
        read: frozenset[str],
    ) -> bool:
        """Whether the names the follow needs of the hit's module that reach its import
        are that statement's re-exports (``_reexports``)."""
        uses = self._uses_of(source, hit.module)
        names = needed.get(hit.module, (None, ()))[0]
        if uses is None or names is None:
            return False
        return _reexports(uses, names, self._called(source, hit.module, uses, read), hit.line)

    def _leading(
        self,
        source: LinkSource,
        first: str,
        names: _Names,
        edges: dict[str, dict[str, set[tuple[int, str | None]]]],
        attributes: frozenset[str],
    ) -> dict[str, frozenset[str]] | None:
        """Which of ``names`` of ``first`` lead to each module its follow reached
        (``edges``) from the modules the name's code uses (for a head with links only): a
        message names what the head uses that reaches the link, not all it uses of the
        module."""
        shown = None if names is None else names - {RAN}
        uses = None if shown is None or len(shown) < 2 else self._uses_of(source, first)
        if names is None or shown is None or uses is None:
            return None
        called = self._called(source, first, uses, attributes)
        imports = source.imports(first)
        reach: dict[str, set[str]] = {}
        found: dict[str, set[str]] = {}
        for name in sorted(shown):
            led = {first}
            for use in uses.uses(_one(name, names), called):
                other = enclosing_module(use.target, imports)
                if other is not None and other in edges.get(first, ()):
                    if other not in reach:
                        reach[other] = _reachable(other, edges)
                    led |= reach[other]
            for module in led:
                found.setdefault(module, set()).add(name)
        return {place: frozenset(leads) for place, leads in found.items()}

    def _fan_link(
        self,
        source: LinkSource,
        head: str,
        layer: str,
        first: str,
        names: _Names,
        needed: dict[str, tuple[_Names, tuple[str, ...]]],
        fan: _Fan,
        attributes: frozenset[str],
        into: _Collected,
    ) -> None:
        """A fan's one link for ``head`` (whose code reads ``attributes``), and what a check
        of the file that holds it needs."""
        if fan.module is None:
            # The head's own import: the first statement of it that runs.
            lines = source.lines(head, first)
            running = [n for n in lines if source.runs(head, n)]
            module, line = head, (running or [*lines, 0])[0]
            module_names: _Names = names
            called: tuple[str, ...] = ()
        else:
            module, line = fan.module, fan.line
            module_names = needed[fan.module][0]
            uses = self._uses_of(source, fan.module)
            called = (
                ()
                if uses is None
                else tuple(sorted(self._called(source, module, uses, attributes)))
            )
        key = (module, line)
        for tail in fan.tails:
            reach = Reach(
                head,
                layer,
                _uses_text(first, module, names),
                tail,
                self.layers.layer_of(tail) or "",
            )
            into.reaches.setdefault(key, {}).setdefault(reach, (head, *fan.example))
        into.definitions.setdefault(key, set()).update(fan.definitions)
        hubs = into.fans.setdefault(key, {})
        hubs[fan.hub] = max(hubs.get(fan.hub, 0), fan.beyond)
        into.demands.setdefault(module, []).append(
            Demand(
                head,
                _uses_text(first, first, names),
                None if module_names is None else tuple(sorted(module_names)),
                (head, *fan.example),
                called,
                fan.hub,
                fan.tails,
                fan.beyond,
                fan.within,
            )
        )

    def findings(
        self, links: Iterable[Link], locate: Callable[[str, int], Location]
    ) -> list[Finding]:
        """One finding per link and rule that objects to it."""
        findings = []
        for link in links:
            for rule in self.rules:
                message = rule.check_link(link)
                if message:
                    first = link.reaches[0]
                    # A fan's statement imports its hubs: they name it in a baseline, not
                    # whichever tail sorts first.
                    imported = link.through or (first.tail,)
                    findings.append(
                        Finding(
                            locate(link.module, link.line),
                            rule.code,
                            message,
                            module=link.module,
                            imported=imported[0],
                            also_imported=imported[1:],
                            importer_layer=first.head_layer,
                            imported_layer=first.tail_layer,
                            chain=link.chain,
                        )
                    )
        return findings


def link_findings(
    chains: Chains,
    module: str,
    uses: ModuleUses | None,
    imports: Collection[str],
    demands: Iterable[Demand],
    locate: Callable[[str, int], Location],
    lines: Callable[[str], Sequence[int]] = lambda imported: (),
    direct: Callable[[str], Collection[str]] = lambda head: (),
    runs: Callable[[int], bool] = lambda line: True,
) -> list[Finding]:
    """The links in one module, from its own code (``uses``, ``imports``; ``lines``: those
    of its statements that import a module) and what the last whole run recorded that
    layered heads need of it (``demands``), less what a head imports itself with a finding
    (``direct``: see ``Chains.links``). A layered module holds only the fans its own
    imports start (``uses`` None)."""
    reaches: dict[int, dict[Reach, tuple[str, ...]]] = {}
    definitions: dict[int, set[str]] = {}
    fans: dict[int, dict[str, int]] = {}
    for demand in demands:
        layer = chains.layers.layer_of(demand.head)
        if layer is None:
            continue
        skipped = direct(demand.head)
        names = None if demand.names is None else frozenset(demand.names)
        if demand.hub:
            first = demand.chain[1]
            if first == demand.hub:  # the fan starts at the head's own import
                statements = list(lines(demand.hub))
                found = ([n for n in statements if runs(n)] or statements)[:1]
                owners: set[str] = set()
            elif uses is not None:
                hub_uses = [
                    use
                    for use in uses.uses(names, demand.called)
                    if enclosing_module(use.target, imports) == demand.hub
                ]
                found = sorted({use.line for use in hub_uses})[:1]
                owners = {use.definition for use in hub_uses if use.definition is not None}
            else:
                continue
            for line in found:
                for tail in demand.tails:
                    tail_layer = chains.layers.layer_of(tail) or ""
                    if _repeats(chains.layers, layer, tail_layer, skipped):
                        continue
                    reach = Reach(
                        demand.head, layer, _shown(demand, first, module), tail, tail_layer
                    )
                    reaches.setdefault(line, {}).setdefault(reach, demand.chain)
                definitions.setdefault(line, set()).update(owners)
                hubs = fans.setdefault(line, {})
                hubs[demand.hub] = max(hubs.get(demand.hub, 0), demand.beyond)
            continue
        if uses is None:
            continue
        first = demand.chain[1]
        by_line = _leading_lines(uses, names, demand.called) if first == module else {}
        for use in sorted(uses.uses(names, demand.called), key=_use_order):
            other = enclosing_module(use.target, imports)
            other_layer = None if other is None else chains.layers.layer_of(other)
            if other is None or other_layer is None or not chains.forbids(layer, other_layer):
                continue
            if chains.shares(layer, other_layer, other, names_used([use], (other,))[other]):
                continue
            if _repeats(chains.layers, layer, other_layer, skipped) or (
                other in skipped and _reexports(uses, names, demand.called, use.line)
            ):
                continue
            shown = _line_text(first, by_line.get(use.line), _shown(demand, first, module))
            reach = Reach(demand.head, layer, shown, other, other_layer)
            reaches.setdefault(use.line, {}).setdefault(reach, (*demand.chain, other))
            if use.definition is not None:
                definitions.setdefault(use.line, set()).add(use.definition)
    links = [
        _link(module, line, by_reach, definitions.get(line, ()), fans.get(line, {}))
        for line, by_reach in sorted(reaches.items())
    ]
    return chains.findings(links, locate)


def _link(
    module: str,
    line: int,
    by_reach: dict[Reach, tuple[str, ...]],
    definitions: Iterable[str],
    hubs: dict[str, int],
) -> Link:
    """The link on ``line`` of ``module``: the heads' reaches (each with its chain), the
    module's definitions that use the import, and the hubs of the fans it starts (each
    with the imports past it)."""
    return Link(
        module,
        line,
        tuple(sorted(by_reach)),
        tuple(sorted(definitions)),
        min(by_reach.values(), key=lambda c: (len(c), c)),
        tuple(sorted(hubs)),
        sum(hubs.values()),
    )


def _names_to(leading: dict[str, frozenset[str]] | None, module: str, names: _Names) -> _Names:
    """The names that lead to ``module`` (``Chains._leading``), else all of them."""
    return names if leading is None else leading.get(module) or names


def _line_text(first: str, led: frozenset[str] | None, shown: tuple[str, ...]) -> tuple[str, ...]:
    """What a message shows of the head's use of ``first`` at a link in it: of ``shown``
    (all the head uses), those that the names leading to the link's statement (``led``,
    names of ``first`` that may have come round a cycle of imports) show too."""
    if not led:
        return shown
    found = tuple(text for text in _uses_text(first, first, led) if text in shown)
    return found or shown


def _repeats(layers: LayerMap, layer: str, tail_layer: str, direct: Collection[str]) -> bool:
    """Whether a chain from a head of ``layer`` to a module of ``tail_layer`` repeats the
    head's own finding: a model that imports schemas itself (``direct``) is coupled to the
    API contract there, and every helper on its way that builds a schema would say so
    again. A chain to a repository or a higher layer is misplaced code in the module of no
    layer, whatever the head imports."""
    if violation(layer, tail_layer) != MODELS_ON_SCHEMAS:
        return False
    return any(layers.layer_of(other) == tail_layer for other in direct)


def _reexports(
    uses: ModuleUses, names: Collection[str] | None, called: Iterable[str], line: int
) -> bool:
    """Whether the ``names`` a follow needs of a module that lead to its import statement
    on ``line`` are that statement's own bindings: names the module re-exports, which the
    head's own import statement takes from the module they are defined in."""
    if names is None:
        return False
    led = _lines_led(uses, names, called).get(line, ())
    stars = any(at == line for _, at in uses.star_imports)
    return bool(led) and all(_bound_at(uses, n.partition(".")[0], line, stars) for n in led)


def _bound_at(uses: ModuleUses, name: str, line: int, stars: bool) -> bool:
    """Whether ``name`` is bound by the import statement on ``line`` of the module (by a
    star import there, when the module binds it nowhere else)."""
    if any(bound[1] == line for bound in uses.imports.get(name, ())):
        return True
    return stars and name not in uses.imports and name not in uses.definitions


def _leading_lines(
    uses: ModuleUses, names: Collection[str] | None, called: Iterable[str]
) -> dict[int, frozenset[str]]:
    """Which of ``names`` lead to each import statement of the module: in a head's first
    module, what its messages show (``_line_text``)."""
    if names is None or len(set(names) - {RAN}) < 2:
        return {}
    return _lines_led(uses, names, called)


def _one(name: str, names: Collection[str]) -> tuple[str, ...]:
    """``name`` alone of ``names``, as what it needs of its module says (``RAN`` kept)."""
    return (name, RAN) if RAN in names else (name,)


def _lines_led(
    uses: ModuleUses, names: Collection[str], called: Iterable[str]
) -> dict[int, frozenset[str]]:
    """Which of ``names`` lead to each import statement of the module."""
    called = tuple(called)
    found: dict[int, set[str]] = {}
    for name in sorted(set(names) - {RAN}):
        for use in uses.uses(_one(name, names), called):
            found.setdefault(use.line, set()).add(name)
    return {line: frozenset(leads) for line, leads in found.items()}


def _shown(demand: Demand, first: str, module: str) -> tuple[str, ...]:
    """What the head uses of ``first``, as a link in ``module`` shows it."""
    if first == module:
        return demand.uses
    return tuple(n if n == first else f"{first}.{n}" for n in demand.uses)
