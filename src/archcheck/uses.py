"""Which names of other modules each module-level definition of a module uses.

ARC003 follows a dependency by name: a router that imports ``get_session`` from
``core.db`` depends on what ``get_session`` uses, not on the seed function beside it that
imports the repositories. This module answers, for one module's syntax tree, "which
dotted names do these names of mine need?", through the module's own definitions
(functions, classes, module-level assignments), with module-level statements counted as
needed by every name.

A class is needed as its body outside its methods (bases, decorators, class attributes),
its special methods (``__init__``, ``__call__``...) and the methods that frameworks call
by decoration; any other method only when the head's code reads its name (``x.build``):
a class whose ``forks`` property only a task queue reads does not bring the queue's health
server into every request that builds the class.
"""

from __future__ import annotations

import ast
import functools
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from archcheck.cache import flag, integer, items, mapping, text
from archcheck.names import (
    BLOCKS,
    child_fields,
    dotted,
    import_bindings,
    module_level,
    never_run,
    resolve_relative,
)

__all__ = [
    "DATA_BASES",
    "ENQUEUE",
    "RAN",
    "ModuleUses",
    "Use",
    "attribute_names",
    "imported_names",
    "looked_at",
    "neutral_base",
    "source_lines",
    "under_never_run",
    "uses_of",
]

# Among the names asked of a module: its module-level statements ran before the asker's
# import did (the module is a package above the asker, whose ``__init__`` runs first), so
# only the definitions of the other names are needed.
RAN = "(ran)"

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_DEFINITIONS = (*_FUNCTIONS, ast.ClassDef)
# Decorators that leave a method to be called by name (``obj.total``, ``Cls.build()``);
# any other decorator may register it with a framework, which calls it unasked.
_PLAIN_DECORATORS = frozenset(
    {
        "property",
        "cached_property",
        "staticmethod",
        "classmethod",
        "abstractmethod",
        "setter",
        "getter",
        "deleter",
        "override",
        "overload",
    }
)
# ``type X = ...`` (Python 3.12 on).
_TYPE_ALIAS = getattr(ast, "TypeAlias", ())


@dataclass(frozen=True)
class Use:
    """A dotted name of another module that a definition needs, and the line of the import
    statement that brings it in; ``definition`` is the module's own name that holds it
    (None for a module-level statement)."""

    target: str
    line: int
    definition: str | None = None
    # The use is an import statement inside a definition (it runs the module; what it
    # binds is used where it is read), not a read of the name itself.
    imported: bool = False


# A reference as the code writes it: the dotted name (line None); an import inside a
# definition, which runs the module (already absolute: ``(target, line)``); or a read of a
# name that import bound (absolute: ``(target, -line)``).
_Written = tuple[str, int | None]


@dataclass
class ModuleUses:
    """One module's definitions and the names each of them reads."""

    module: str
    # local name -> [(absolute target, line)] of module-level import statements; several
    # for ``import a.b`` and ``import a.c``, which both bind ``a``.
    imports: dict[str, list[_Bound]] = field(default_factory=dict)
    star_imports: list[tuple[str, int]] = field(default_factory=list)
    definitions: dict[str, list[_Written]] = field(default_factory=dict)
    statements: list[_Written] = field(default_factory=list)  # needed by every name
    tasks: dict[str, list[_Written]] = field(default_factory=dict)  # task -> its registration
    # class -> its methods that run only when called by name (their uses are in
    # ``definitions`` as ``Class.method``)
    methods: dict[str, list[str]] = field(default_factory=dict)
    # definition ("" for the module-level statements) -> the attribute names it reads
    attributes: dict[str, list[str]] = field(default_factory=dict)
    # class (or a name bound to ``declarative_base()``) -> the imported bases, absolute,
    # that decide whether its methods are followed by name: none, the standard library's
    # neutral ones left out; None where a base may call them unasked. A class with
    # imported bases is followed by name only where the caller says its bases call none of
    # its methods (``Class.`` in ``called``: see ``neutral_base``).
    bases: dict[str, list[str] | None] = field(default_factory=dict)
    # class of no imported base -> its methods registered by a decorator (their uses are
    # in ``definitions`` as ``Class.method``): needed with the class, or read one by one
    registered: dict[str, list[str]] = field(default_factory=dict)
    # module-level function -> what its decorators use (what runs when it is defined)
    functions: dict[str, list[_Written]] = field(default_factory=dict)
    # class whose imported bases are a project's -> its methods among ``methods`` that a
    # decorator wraps: called by name only where those bases are data classes (the caller
    # says so: ``Class:`` in ``called``), else needed with the class (they may register)
    wrapped: dict[str, list[str]] = field(default_factory=dict)
    # Which of the star-imported modules a name comes from, where the project's code tells
    # (``ProjectIndex.star_source``); without it, any star import may bind any name.
    star_source: Callable[[str], str | None] | None = field(default=None, repr=False, compare=False)
    _memo: dict[
        tuple[frozenset[str] | None, frozenset[str] | None],
        tuple[frozenset[Use], frozenset[str], frozenset[str]],
    ] = field(default_factory=dict, repr=False)
    _edge_memo: dict[str, tuple[list[str], tuple[Use, ...]]] = field(
        default_factory=dict, repr=False
    )

    def to_data(self) -> list[object]:
        """Plain JSON data, for the per-file cache (``from_data`` reads it back)."""
        return [
            {name: [list(b) for b in bound] for name, bound in self.imports.items()},
            [list(s) for s in self.star_imports],
            {name: [list(w) for w in written] for name, written in self.definitions.items()},
            [list(w) for w in self.statements],
            {name: [list(w) for w in written] for name, written in self.tasks.items()},
            self.methods,
            self.attributes,
            self.bases,
            self.registered,
            {name: [list(w) for w in written] for name, written in self.functions.items()},
            self.wrapped,
        ]

    @classmethod
    def from_data(cls, module: str, data: object) -> ModuleUses:
        """What ``to_data`` wrote; ValueError for any other shape."""
        if type(data) is not list or len(data) != 11:
            raise ValueError("not module uses")
        (
            imports,
            stars,
            definitions,
            statements,
            tasks,
            methods,
            attributes,
            bases,
            registered,
            functions,
            wrapped,
        ) = data
        return cls(
            module,
            {text(n): [_bound(b) for b in items(v)] for n, v in mapping(imports).items()},
            [_located(s) for s in items(stars)],
            {text(n): [_written(w) for w in items(v)] for n, v in mapping(definitions).items()},
            [_written(w) for w in items(statements)],
            {text(n): [_written(w) for w in items(v)] for n, v in mapping(tasks).items()},
            {text(n): [text(m) for m in items(v)] for n, v in mapping(methods).items()},
            {text(n): [text(a) for a in items(v)] for n, v in mapping(attributes).items()},
            {
                text(n): None if v is None else [text(b) for b in items(v)]
                for n, v in mapping(bases).items()
            },
            {text(n): [text(m) for m in items(v)] for n, v in mapping(registered).items()},
            {text(n): [_written(w) for w in items(v)] for n, v in mapping(functions).items()},
            {text(n): [text(m) for m in items(v)] for n, v in mapping(wrapped).items()},
        )

    @functools.cached_property
    def _all_bound(self) -> list[_Bound]:
        # Every module-level import, the longest target first.
        found = [b for bound in self.imports.values() for b in bound]
        return sorted(found, key=lambda b: (-len(b[0]), b[1]))

    def called(self, attributes: Iterable[str]) -> frozenset[str]:
        """The names of this module's by-name methods among ``attributes``."""
        return self.method_names.intersection(attributes)

    @functools.cached_property
    def _hooked(self) -> frozenset[str]:
        # The classes whose imported bases the caller must clear (``Class.`` in ``called``)
        # before their methods are followed by name.
        return frozenset(name for name, bases in self.bases.items() if bases)

    @functools.cached_property
    def method_names(self) -> frozenset[str]:
        # Asked for every module the search reaches, on every pass: worked out once.
        return frozenset(m for found in self.methods.values() for m in found)

    def uses(
        self, names: Iterable[str] | None, called: Iterable[str] | None = None
    ) -> frozenset[Use]:
        """The other modules' names that ``names`` of this module need (every definition's
        when ``names`` is None), through the module's own definitions; of the methods that
        run only when called by name, those named in ``called`` (all when None). A class
        with imported bases needs all its methods unless ``called`` holds ``Class.``: its
        bases were found to call none of them by name."""
        return self._needed(names, called)[0]

    def reads(
        self, names: Iterable[str] | None, called: Iterable[str] | None = None
    ) -> frozenset[str]:
        """The attribute names read by what ``names`` need here (as ``uses``): the methods
        that code may call."""
        return self._needed(names, called)[1]

    def uncalled(
        self, names: Iterable[str] | None, called: Iterable[str] | None = None
    ) -> frozenset[str]:
        """The by-name methods of the classes ``names`` need that are not in ``called``:
        the names whose reading elsewhere would change ``uses``."""
        return self._needed(names, called)[2]

    def _needed(
        self, names: Iterable[str] | None, called: Iterable[str] | None
    ) -> tuple[frozenset[Use], frozenset[str], frozenset[str]]:
        key = (
            None if names is None else frozenset(names),
            None if called is None else frozenset(called),
        )
        found = self._memo.get(key)
        if found is None:
            ran = key[0] is not None and RAN in key[0]
            pulled = set() if ran else {""}
            wanted = key[0] - {RAN} if ran and key[0] is not None else key[0]
            uses = frozenset(self._closure(wanted, key[1], pulled, statements=not ran))
            reads = frozenset(a for name in pulled for a in self.attributes.get(name, ()))
            uncalled = frozenset(
                m
                for name in pulled
                for m in self.methods.get(name, ())
                if f"{name}.{m}" not in pulled
            )
            found = self._memo[key] = (uses, reads, uncalled)
        return found

    def _closure(
        self,
        names: frozenset[str] | None,
        called: frozenset[str] | None,
        pulled: set[str],
        *,
        statements: bool = True,
    ) -> Iterator[Use]:
        """The uses of ``names``, with the module-level statements' unless ``statements``
        is false; every definition they pull in is added to ``pulled``."""
        wanted = list(self.definitions) if names is None else list(names)
        if statements:
            locals_, found = self._edges("", None, self.statements)
            yield from found
            wanted += locals_
        seen: set[str] = set()
        # What the code pulled in reads calls this module's own methods too (``self.x``).
        reads = set(self.attributes.get("", ()))
        waiting: dict[str, list[str]] = {}  # method name -> "Class.method" not yet wanted

        def pull(name: str, owner: str, written: list[_Written]) -> tuple[Use, ...]:
            pulled.add(name)
            more, found = self._edges(name, owner, written)
            wanted.extend(more)
            for attribute in self.attributes.get(name, ()):
                if attribute not in reads:
                    reads.add(attribute)
                    wanted.extend(waiting.pop(attribute, ()))
            return found

        while wanted:
            name = wanted.pop()
            if name in seen:
                continue
            seen.add(name)
            owner, _, last = name.rpartition(".")
            if last in _INTROSPECTED and owner:
                # ``Cls.handler.__name__``: the class's body runs, the handler does not; a
                # function's decorators run, its body does not; a value's definition runs.
                head = owner.partition(".")[0]
                if head in self.bases:
                    wanted.append(f"{head}.")
                elif head in self.functions:
                    yield from pull(f"{head}@", head, self.functions[head])
                elif head in self.definitions:
                    wanted.append(head)
                else:
                    yield from self._resolve(name, None)
                continue
            # ``Class.``: the class without its registered methods, for a read of one member.
            cls = name[:-1] if name.endswith(".") else name
            hooked = cls in self._hooked and (called is None or f"{cls}." not in called)
            wrapped = (
                () if called is not None and f"{cls}:" in called else self.wrapped.get(cls, ())
            )
            for method in self.methods.get(cls, ()):
                if (
                    hooked
                    or called is None
                    or method in called
                    or method in reads
                    or method in wrapped
                ):
                    wanted.append(f"{cls}.{method}")
                else:
                    waiting.setdefault(method, []).append(f"{cls}.{method}")
            if cls != name:
                yield from pull(cls, cls, self.definitions[cls])
                continue
            wanted.extend(f"{name}.{method}" for method in self.registered.get(name, ()))
            head, _, attribute = name.partition(".")
            if attribute and name in self.definitions:
                # ``Class.method``: the class runs its body first; its registered methods
                # run where what registered them calls them, not for this read.
                wanted.append(f"{head}.")
                yield from pull(name, head, self.definitions[name])
                continue
            if attribute:
                if head in self.tasks and attribute.partition(".")[0] in ENQUEUE:
                    yield from pull(f"{head}.", head, self.tasks[head])  # see ``_enqueued``
                elif head not in self.definitions:
                    # ``deployments.read`` of a submodule the package imports, a task
                    # re-exported and enqueued: the other module's name.
                    yield from self._resolve(name, None)
                else:
                    wanted.append(head)
                continue
            if name in self.definitions:
                yield from pull(name, name, self.definitions[name])
            if name in self.imports or name not in self.definitions:
                # A re-export (or a name that only a star import can bind).
                yield from self._resolve(name, None)

    def _edges(
        self, key: str, owner: str | None, written: list[_Written]
    ) -> tuple[list[str], tuple[Use, ...]]:
        """What the code ``written`` (of definition ``key``: "" for the module-level
        statements, "task." for a task's registration) needs: the module's own names, and
        the other modules' names as uses; worked out once, whatever asks."""
        found = self._edge_memo.get(key)
        if found is None:
            names: list[str] = []
            uses: list[Use] = []
            for text, line in written:
                if line is not None:
                    uses.append(Use(text, abs(line), owner, imported=line > 0))
                    continue
                head, _, rest = text.partition(".")
                if head in self.definitions:
                    # ``Activities.helper()`` beside the class: that member, as from outside.
                    member = f"{head}.{rest.partition('.')[0]}"
                    names.append(
                        _enqueued(head, rest)
                        or looked_at(text)
                        or (member if rest and member in self.definitions else head)
                    )
                uses.extend(self._resolve(text, owner))
            found = self._edge_memo[key] = (names, tuple(uses))
        return found

    def _resolve(self, text: str, owner: str | None) -> Iterator[Use]:
        head = text.partition(".")[0]
        bound = self.imports.get(head)
        if bound:
            target, line = _qualified(text, bound)
            if target == text:
                # ``app.repositories.repo.get`` read through the ``app`` that ``import
                # app`` binds: the module is there because the statement with the longest
                # target it starts with imported it (``import app.repositories.repo as
                # repo``).
                line = next((b[1] for b in self._all_bound if _starts(text, b[0])), line)
            yield Use(target, line, owner)
        elif head not in self.definitions:
            found = None if self.star_source is None else self.star_source(head)
            for module, line in self.star_imports:
                if found is None or module == found:
                    yield Use(f"{module}.{text}", line, owner)


# How a local name was imported: (absolute target, line, whether the name is the head of
# the target itself, as ``import a.b`` binds ``a``).
_Bound = tuple[str, int, bool]


def _starts(text: str, target: str) -> bool:
    return text == target or text.startswith(target + ".")


def _qualified(text: str, bound: list[_Bound]) -> tuple[str, int]:
    """The absolute name of ``text`` and the line of the import that bound its head."""
    _, dot, rest = text.partition(".")
    plain = [b for b in bound if b[2]]
    if plain:
        # ``import a.b`` and ``import a.c`` both bind ``a``: the longest statement target
        # that ``a.b.X`` starts with brought it in.
        target, line, _ = max(plain, key=lambda b: (_starts(text, b[0]), len(b[0])))
        return text, line
    target, line, _ = bound[-1]
    return f"{target}{dot}{rest}", line


def uses_of(tree: ast.Module, module: str, is_package: bool) -> ModuleUses:
    """What each module-level definition of ``module`` reads, from its syntax tree."""
    found = ModuleUses(module)
    read: dict[str, set[str]] = {}
    own: dict[str, list[str] | None] = {}  # class -> its imported bases (``bases``)
    for node in module_level(tree.body, run=True):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for name, target, plain in import_bindings(node, module, is_package):
                if name == "*":
                    found.star_imports.append((target, node.lineno))
                elif plain:
                    found.imports.setdefault(name, []).append((target, node.lineno, True))
                else:
                    # A later binding replaces an earlier one of the same name.
                    found.imports[name] = [(target, node.lineno, False)]
        elif isinstance(node, ast.ClassDef):
            bases = own[node.name] = found.bases[node.name] = _imported_bases(
                node, found.imports, own
            )
            by_name = [
                part
                for part in node.body
                if isinstance(part, _FUNCTIONS)
                and _by_name(part, data=_data_class(bases))
                # An override of a data-class base's own method is called where the base's
                # is (``model_post_init`` by pydantic, ``model_dump`` by FastAPI).
                and not (bases and part.name in _DATA_HOOKS)
            ]
            # On a project's base, the methods a decorator wraps are called by name only if
            # that base is a data class (``Job(CoreModel)``, ``CoreModel(BaseModel)``
            # elsewhere): the chain search asks (``Class:``).
            wrapped = (
                [
                    part
                    for part in node.body
                    if isinstance(part, _FUNCTIONS)
                    and not _by_name(part)
                    and _by_name(part, data=True)
                    and part.name not in _DATA_HOOKS
                ]
                if bases and not _data_class(bases)
                else []
            )
            by_name += wrapped
            if bases is None:
                by_name = []  # a base of unknown kind may call its hooks unasked
            # A class of its own (no imported base) runs its decorated methods only where
            # what their decorators registered them with calls them: code that uses the
            # class needs them, code that reads one member (``Cls.handler.__name__``)
            # needs that one.
            registered = (
                [
                    part
                    for part in node.body
                    if isinstance(part, _FUNCTIONS) and not _by_name(part) and not _special(part)
                ]
                if bases == []
                else []
            )
            # ``send = _send`` in the body: a method by another name, run where code calls it.
            aliases = (
                {}
                if bases is None
                else _aliases(node, {p.name for p in tree.body if isinstance(p, _FUNCTIONS)})
            )
            if by_name or aliases:
                found.methods[node.name] = sorted({part.name for part in by_name} | set(aliases))
            if registered:
                found.registered[node.name] = sorted({part.name for part in registered})
            if wrapped:
                found.wrapped[node.name] = sorted({part.name for part in wrapped})
            for part in (*by_name, *registered):
                method = f"{node.name}.{part.name}"
                found.definitions.setdefault(method, []).extend(
                    _references(part, module, is_package, read.setdefault(method, set()))
                )
            defined = {part.name: part for part in node.body if isinstance(part, _FUNCTIONS)}
            for name, alias in aliases.items():
                method = f"{node.name}.{name}"
                # The class's own method under another name reads what that method reads.
                value = alias.value
                aliased: ast.AST = (
                    defined.get(value.id, value) if isinstance(value, ast.Name) else value
                )
                found.definitions.setdefault(method, []).extend(
                    _references(aliased, module, is_package, read.setdefault(method, set()))
                )
            skipped = {id(part) for part in (*by_name, *registered, *aliases.values())}
            # A decorated method's decorators run when the class is made (a registered one's
            # register it; ``@traced(...)`` wraps it).
            for part in (*registered, *by_name):
                for d in part.decorator_list:
                    found.definitions.setdefault(node.name, []).extend(
                        _references(d, module, is_package, read.setdefault(node.name, set()))
                    )
            found.definitions.setdefault(node.name, []).extend(
                _references(node, module, is_package, read.setdefault(node.name, set()), skipped)
            )
        elif isinstance(node, _DEFINITIONS):
            found.definitions.setdefault(node.name, []).extend(
                _references(node, module, is_package, read.setdefault(node.name, set()))
            )
            decorators = [
                written
                for d in node.decorator_list
                for written in _references(d, module, is_package, set())
            ]
            found.functions[node.name] = decorators
            if _is_task(node):
                # A background task's body runs in a worker, not in whoever enqueues it
                # (``task.delay()``): that needs only its registration.
                found.tasks[node.name] = decorators
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and _names(node):
            attributes: set[str] = set()
            written = list(_references(node, module, is_package, attributes))
            for name in _names(node):
                found.definitions.setdefault(name, []).extend(written)
                read.setdefault(name, set()).update(attributes)
                found.functions.pop(name, None)  # ``f = wrap(f)``: no longer the def alone
            factory = _base_factory(node.value)
            for assigned in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(assigned, ast.Name):
                    # ``Base = declarative_base()`` is a data-class base; an alias of
                    # another class (``Handler = logging.Handler``) is of a kind not known
                    # here.
                    own[assigned.id] = [] if factory else None
                    if factory:
                        found.bases[assigned.id] = []
        elif isinstance(node, BLOCKS):
            # The blocks are walked by module_level; their tests (a ``with``'s context
            # managers) run at import time.
            tests = [item.context_expr for item in getattr(node, "items", ())]
            tests += [node.test] if isinstance(node, ast.If) else []
            for test in tests:
                found.statements += _references(
                    test, module, is_package, read.setdefault("", set())
                )
        elif isinstance(node, _TYPE_ALIAS):
            found.definitions.setdefault(node.name.id, []).extend(
                _references(node.value, module, is_package, read.setdefault(node.name.id, set()))
            )
        else:
            found.statements += _references(node, module, is_package, read.setdefault("", set()))
    found.attributes = {name: sorted(names) for name, names in read.items() if names}
    return found


# An attribute read, in text: ``.name`` (strings and comments too: a superset).
_ATTRIBUTE = re.compile(r"\.[ \t]*([A-Za-z_]\w*)")
# The module paths of import statements, which read no attribute (``from app.ingest.x``).
_IMPORT_PATH = re.compile(r"^[ \t]*(?:from|import)[ \t]+[\w.]+", re.MULTILINE)
# What a session, a connection or a cursor is asked, asked of one by its name
# (``session.execute``, ``self.db.add``, ``conn.fetch``): the database's methods, not
# the project's methods of that name (every ``Block.execute``).
_DATABASE_METHODS = frozenset(
    {
        "add",
        "add_all",
        "begin",
        "close",
        "commit",
        "delete",
        "exec",
        "execute",
        "executemany",
        "fetch",
        "fetchall",
        "fetchone",
        "fetchrow",
        "fetchval",
        "flush",
        "get",
        "merge",
        "query",
        "refresh",
        "rollback",
        "scalar",
        "scalar_one",
        "scalar_one_or_none",
        "scalars",
        "stream",
    }
)
_DATABASE = re.compile(
    # Any prefix names a database's (``pg_conn``, ``tenant_session``, ``admin_db``) but a
    # store the project wraps in classes of its own (``vector_db.query()``).
    r"_*(?!(?:vector|graph|search|index|cache|embedding|doc|document|kv)_)(?:\w+_)?"
    r"(?:session|sess|db|conn|connection|cursor|cur|tx|transaction)",
    re.IGNORECASE,
)


# A database's method read of a name: ``session.execute`` (``self.session.execute`` too).
_ASKED = re.compile(r"\.[ \t]*(" + "|".join(sorted(_DATABASE_METHODS)) + r")\b")
# (A line may end between the receiver and the dot inside brackets, or after a backslash.)
_RECEIVER = re.compile(r"(\w+)\s*(?:\\\s*)?$")


def _asks_database(receiver: str, name: str) -> bool:
    """Whether ``receiver.name`` asks a database's session, connection or cursor."""
    return name in _DATABASE_METHODS and _DATABASE.fullmatch(receiver) is not None


_LINE_ENDS = re.compile(r"\r\n?|\n")
# The one or two attributes read after a name (``crud.user.get``).
_READ = re.compile(
    r"[ \t]*\.[ \t]*([A-Za-z_]\w*)"
    r"(?:[ \t]*\.[ \t]*([A-Za-z_]\w*)(?:[ \t]*\.[ \t]*([A-Za-z_]\w*))?)?"
)


def attribute_names(text: str) -> frozenset[str]:
    """Every attribute name ``text`` may read (``.name``; strings and comments too), but
    a database's methods asked of one by its name."""
    text = _IMPORT_PATH.sub("", text)
    read = Counter(_ATTRIBUTE.findall(text))
    if read.keys() & _DATABASE_METHODS:
        # A name read only of databases (``self.session.execute``) is read of none.
        asked: Counter[str] = Counter()
        for match in _ASKED.finditer(text):
            start = match.start()
            receiver = _RECEIVER.search(text[max(0, start - 60) : start])
            if receiver is not None and _asks_database(receiver.group(1), match.group(1)):
                asked[match.group(1)] += 1
        return frozenset(name for name, count in read.items() if asked[name] < count)
    return frozenset(read)


# A name handed to FastAPI's ``Depends(...)`` or ``Security(...)`` (``Depends(get_order)``,
# ``Depends(OrderGuard(...))``, ``dependency=get_order``).
_PROVIDED = re.compile(
    r"\b(?:Depends|Security)\(\s*(?:dependency\s*=\s*)?([A-Za-z_][\w.]*)([ \t]*\()?"
)
_IMPORT_START = re.compile(r"[ \t]*(?:from[ \t]+\S+[ \t]+)?import\b")


# A module-level alias of a dependency: ``CurrentUser = Annotated[User, Depends(f)]``,
# ``OrderDep = Depends(get_order)``; an ``Annotated[`` may go on over indented lines.
_PROVIDER_ALIAS = re.compile(
    r"^([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=[ \t]*"
    r"(?:Annotated\[(?:[^\n]|\n[ \t])*?)?\b(?:Depends|Security)\(\s*(?:dependency\s*=\s*)?"
    r"([A-Za-z_]\w*)([ \t]*\()?",
    re.MULTILINE,
)


def _provides(name: str, called: str) -> bool:
    """Whether ``Depends(name)`` hands FastAPI a provider: a function, or a guard object
    (``Depends(Guard(...))``); a class handed as it is (``Depends(OrderManager)``) gives the
    route an object of it, whose methods the route calls. A constant's name
    (``Depends(ORDER_GUARD)``) is an object's, not a class's."""
    last = name.rpartition(".")[2]
    return bool(called) or not last[:1].isupper() or last.isupper()


def provided_names(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The names ``text`` only hands to ``Depends(...)`` or ``Security(...)``, outside
    its import statements (dependency providers, which FastAPI calls for a route; dotted
    where a module's attribute is handed, ``deps.get_db``), and the dependency aliases it
    defines (``CurrentUser = Annotated[User, Depends(f)]``)."""
    if "Depends(" not in text and "Security(" not in text:
        return frozenset(), frozenset()
    aliases = frozenset(
        alias for alias, name, called in _PROVIDER_ALIAS.findall(text) if _provides(name, called)
    )
    handed = {name for name, called in _PROVIDED.findall(text) if _provides(name, called)}
    if not handed:
        return frozenset(), aliases
    code: list[str] = []
    open_import = False
    for line in source_lines(text):
        if open_import:
            open_import = ")" not in line
            continue
        if _IMPORT_START.match(line):
            open_import = "(" in line and ")" not in line
            continue
        code.append(line)
    body = "\n".join(code)
    in_depends = {name: 0 for name in handed}
    for name, _called in _PROVIDED.findall(body):
        if name in in_depends:
            in_depends[name] += 1
    only = frozenset(
        name
        for name, count in in_depends.items()
        if count == len(re.findall(rf"(?<![\w.]){re.escape(name)}\b", body))
    )
    return only, aliases


def imported_names(
    text: str,
    statements: Mapping[str, Sequence[int]],
    module: str,
    is_package: bool,
    modules: Collection[str],
) -> tuple[dict[str, frozenset[str] | None], frozenset[str]] | None:
    """What ``module`` (its ``text``) needs of each module of ``statements`` (the lines of
    the statements that import it), read from those statements and the text alone, and
    every attribute name its text may read: what a layered module's chains need, without
    its syntax tree. A name imported counts as used where the text names it (strings and
    comments included: a superset); a module bound to a name (``from app import crud``)
    needs the attributes read of that name, or every name (None) where the name stands
    alone, as a star import does; ``task.delay`` needs only the task's registration; a
    submodule imported is that module's own. None where a statement does not parse alone
    or binds a package's head (``import a.b``): only the whole file's reading answers."""
    lines = source_lines(text)
    found: dict[str, set[str] | None] = {}
    bound: dict[str, list[tuple[str, str | None]]] = {}  # module -> (local name, member)
    taken: set[int] = set()  # the lines of the statements read
    escaping: list[tuple[str, str, str]] = []  # (module, local name, member) bound lazily
    for first, numbers in statements.items():
        for number in numbers:
            read = _statement(lines, number)
            if read is None:
                return None
            node, span = read
            taken.update(span)
            # Inside a block, a function's perhaps: it runs the module when it runs; what it
            # binds is needed where the text names it (``sync.delay()`` only enqueues).
            lazy = lines[number - 1][:1].isspace()
            never = under_never_run(lines, number) if lazy else False
            if never is None:
                return None
            if never:
                continue  # binds names for type checkers only, or for a script's run
            if lazy:
                found.setdefault(first, set())
            for name, target, plain in import_bindings(node, module, is_package):
                if plain and (target == first or target.startswith(first + ".")):
                    return None  # ``import a.b``: ``a.b.x`` chains, in the code
                if name == "*" and target == first:
                    found[first] = None
                elif target == first:
                    bound.setdefault(first, []).append((name, None))
                elif target.startswith(first + ".") and target not in modules:
                    part = target[len(first) + 1 :]
                    bound.setdefault(first, []).append((name, part))
                    if lazy:
                        escaping.append((first, name, part))
    rest = "\n".join("" if n in taken else line for n, line in enumerate(lines, 1))
    for first, local, part in escaping:
        # Bound in a class body and read as an attribute (``self.build_report()``): needed
        # where the text cannot tell.
        names = found[first]
        if names is not None and f".{local}" in rest:
            names.add(part)
    by_local: dict[str, list[tuple[str, str | None]]] = {}
    for first, bindings in bound.items():
        for local, what in bindings:
            by_local.setdefault(local, []).append((first, what))
    for local, attribute, then, third in _named(rest, by_local):
        for first, member in by_local[local]:
            # Two names, as ``chains.names_used`` keeps them: ``tasks.send.delay()`` needs
            # the task's registration, ``ops.deployments.read()`` one function of the
            # submodule; three for ``Cls.handler.__name__``, which runs no handler.
            wanted: str | None
            written = ".".join(p for p in (member, attribute, then, third) if p)
            if attribute is not None and (shown := looked_at(written)) is not None:
                wanted = shown
            elif member is None:
                wanted = None if attribute is None else f"{attribute}.{then}" if then else attribute
            else:
                wanted = f"{member}.{attribute}" if attribute else member
            names = found.setdefault(first, set())
            if wanted is None:
                found[first] = None
            elif names is not None:
                names.add(wanted)
    return (
        {m: None if n is None else frozenset(n) for m, n in found.items()},
        attribute_names(text),
    )


def _named(
    text: str, names: Collection[str]
) -> Iterator[tuple[str, str | None, str | None, str | None]]:
    """Each place ``text`` names one of ``names`` (not as an attribute, nor as part of a
    longer name), with the one to three attributes read of it. Searched name by name: a
    pattern of a file's names costs more to compile than the search."""
    for name in names:
        start = 0
        while (at := text.find(name, start)) >= 0:
            start = at + len(name)
            before = text[at - 1] if at else " "
            if before == "." or _in_name(before) or _in_name(text[start : start + 1]):
                continue
            read = _READ.match(text, start)
            yield (name, None, None, None) if read is None else (name, read[1], read[2], read[3])


def _in_name(char: str) -> bool:
    return char == "_" or char.isalnum()  # ``\w``, as a name's characters


def names_from(
    text: str, number: int, module: str, is_package: bool, imported: str
) -> list[str] | None:
    """The names ``from <imported> import a, b`` on line ``number`` of ``module`` (its
    ``text``) takes, qualified; None when the statement there is another, or does not
    parse alone: only the whole file's reading answers."""
    read = _statement(source_lines(text), number)
    if read is None or not isinstance(read[0], ast.ImportFrom):
        return None
    node = read[0]
    if resolve_relative(module, is_package, node.level, node.module) != imported:
        return None
    if any(alias.name == "*" for alias in node.names):
        return None
    return sorted({f"{imported}.{alias.name}" for alias in node.names})


def _statement(lines: list[str], number: int) -> tuple[ast.Import | ast.ImportFrom, range] | None:
    """The import statement that starts on line ``number`` (1-based), from its text and
    the lines it continues on, and those lines; None when they do not parse alone or hold
    more than the import (``from a import b; c = b()``, ``if x: import a``)."""
    if not 0 < number <= len(lines):
        return None
    text = lines[number - 1].lstrip()
    depth = _depth(text)
    following = number
    while (depth > 0 or text.rstrip().endswith("\\")) and following < len(lines):
        line = lines[following]
        following += 1
        text += "\n" + line
        depth += _depth(line)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], (ast.Import, ast.ImportFrom)):
        return None
    return tree.body[0], range(number, following + 1)


def source_lines(text: str) -> list[str]:
    """``text``'s lines as the syntax tree numbers them (``\\n``, ``\\r\\n``, ``\\r``)."""
    return text.split("\n") if "\r" not in text else _LINE_ENDS.split(text)


def under_never_run(lines: list[str], number: int) -> bool | None:
    """Whether the indented line ``number`` (1-based) sits in an ``if`` block that an
    import never runs (``never_run``), read from the headers of the blocks around it; None
    where a header does not read alone."""
    code = lines[number - 1].lstrip()
    if _if_never_runs(code):  # ``if TYPE_CHECKING: import x`` on one line
        return True
    indent = len(lines[number - 1]) - len(code)
    at = number - 1
    while at > 0:
        at -= 1
        code = lines[at].lstrip()
        if not code or code.startswith("#") or len(lines[at]) - len(code) >= indent:
            continue
        end = at
        if code[0] in ")]}":  # the last line of a header over lines: back to its first
            depth = _depth(code)
            while depth < 0 and at > 0:
                at -= 1
                depth += _depth(lines[at])
            code = lines[at].lstrip()
        indent = len(lines[at]) - len(code)
        if code.startswith(("if", "elif")):
            never = _if_never_runs("\n".join([code, *lines[at + 1 : end + 1], " pass"]))
            if never is not False:
                return never
        if not indent:
            return False
    return False


def _if_never_runs(code: str) -> bool | None:
    """Whether ``code`` is an ``if`` (or an ``elif``, read as one) whose body an import never
    runs (``never_run``); None where it is no statement that reads alone."""
    if not code.startswith(("if", "elif")):
        return False
    try:
        node = ast.parse(code[2:] if code.startswith("elif") else code).body[0]
    except (SyntaxError, ValueError, RecursionError, MemoryError, IndexError):
        return None
    return isinstance(node, ast.If) and never_run(node.test)


def _depth(line: str) -> int:
    """How many parentheses ``line`` leaves open (an import statement holds no strings)."""
    code = line.partition("#")[0]
    return code.count("(") - code.count(")")


# What a caller does to a task to have a worker run it (Celery, Dramatiq).
ENQUEUE = frozenset(
    {"delay", "apply_async", "s", "si", "signature", "send", "send_with_options", "message"}
)


# Attributes that tell about a function or class without running any of it: reading
# ``handler.__name__`` needs the definition to exist, not its body.
_INTROSPECTED = frozenset({"__name__", "__qualname__", "__doc__", "__module__"})


def looked_at(name: str) -> str | None:
    """``Cls.handler.__name__`` for ``Cls.handler.__name__.upper``: ``name`` up to its
    second or third part when that is one of the ``_INTROSPECTED``, else None."""
    parts = name.split(".", 3)
    for end in (1, 2):
        if len(parts) > end and parts[end] in _INTROSPECTED:
            return ".".join(parts[: end + 1])
    return None


def _enqueued(name: str, rest: str) -> str | None:
    """``task.delay`` for ``task.delay.x`` when ``rest`` enqueues, else None."""
    attribute = rest.partition(".")[0]
    return f"{name}.{attribute}" if attribute in ENQUEUE else None


# Decorators that register a function as a background task: Celery (``@app.task``,
# ``@celery.task(...)``, ``@shared_task``), Dramatiq (``@dramatiq.actor``, ``@actor``).
_TASK_DECORATORS = frozenset({"task", "shared_task", "actor"})


def _is_task(node: ast.stmt) -> bool:
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    for decorator in node.decorator_list:
        name = dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
        if name is not None and name.rpartition(".")[2] in _TASK_DECORATORS:
            return True
    return False


def _special(method: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the method is a special one (construction, operators, ``__call__``)."""
    return method.name.startswith("__") and method.name.endswith("__")


def _by_name(method: ast.FunctionDef | ast.AsyncFunctionDef, *, data: bool = False) -> bool:
    """Whether the method runs only when code calls it by name: not a special method
    (construction, operators, ``__call__``), not registered by a decorator. On a class
    with imported bases (``data``) only the data-class libraries' decorators register a
    method: a project's ``@traced(...)`` on a Pydantic model's method wraps it, and
    Pydantic calls what its own validators and serializers name (a base of any other
    library calls every method anyway)."""
    if _special(method):
        return False
    for decorator in method.decorator_list:
        name = dotted(decorator.func if data and isinstance(decorator, ast.Call) else decorator)
        last = None if name is None else name.rpartition(".")[2]
        if last in _PLAIN_DECORATORS:
            continue
        if not data or last is None or last in _DATA_REGISTRARS:
            return False
    return True


def _data_class(bases: list[str] | None) -> bool:
    """Whether a data-class library's base is among the class's imported bases."""
    return bool(bases) and any(base in DATA_BASES for base in bases or ())


def _aliases(node: ast.ClassDef, functions: set[str]) -> dict[str, ast.Assign]:
    """The class body's ``name = function`` bindings of a function of the module or a
    method of the class: methods under another name, which run only where called (not a
    special method's: ``__call__ = _run`` runs where the object is called)."""
    methods = {part.name for part in node.body if isinstance(part, _FUNCTIONS)} | functions
    found = {}
    for part in node.body:
        if (
            isinstance(part, ast.Assign)
            and len(part.targets) == 1
            and isinstance(part.targets[0], ast.Name)
            and isinstance(part.value, ast.Name)
            and part.value.id in methods
            and not (part.targets[0].id.startswith("__") and part.targets[0].id.endswith("__"))
        ):
            found[part.targets[0].id] = part
    return found


# What the data-class libraries register a method with: Pydantic's validators and
# serializers, SQLAlchemy's ``@validates``, hybrids, ``@declared_attr`` and event hooks.
_DATA_REGISTRARS = frozenset(
    {
        "validator",
        "root_validator",
        "field_validator",
        "model_validator",
        "field_serializer",
        "model_serializer",
        "computed_field",
        "validate_call",
        "validates",
        "reconstructor",
        "hybrid_property",
        "hybrid_method",
        "declared_attr",
        "listens_for",
        "expression",
        "comparator",
        "inplace",
    }
)


# Bases whose machinery calls no method of a subclass but its special ones.
_NEUTRAL_BASES = ("abc.", "typing.", "typing_extensions.", "enum.", "collections.abc.")
# Data-class bases: their libraries call a subclass's special methods, what a decorator
# registers (validators, serializers, ``@validates``, ``@hybrid_property``, event
# listeners) and the methods the base itself declares (``_DATA_HOOKS``), nothing else by
# name. Pydantic calls ``model_post_init`` (``pydantic/main.py``, ``model_construct``;
# ``_model_construction.py`` sets ``__pydantic_post_init__``); pydantic-settings calls
# ``settings_customise_sources`` and ``_settings_build_values``; SQLAlchemy's declarative
# classes call only special methods (``__declare_last__``, ``__table_args__``).
DATA_BASES = frozenset(
    {
        "pydantic.BaseModel",
        "pydantic.main.BaseModel",
        "pydantic.RootModel",
        "pydantic.root_model.RootModel",
        "pydantic.BaseSettings",  # pydantic 1
        "pydantic.env_settings.BaseSettings",
        "pydantic.generics.GenericModel",
        "pydantic.v1.BaseModel",
        "pydantic.v1.main.BaseModel",
        "pydantic.v1.BaseSettings",
        "pydantic.v1.env_settings.BaseSettings",
        "pydantic.v1.generics.GenericModel",
        "pydantic_settings.BaseSettings",
        "pydantic_settings.main.BaseSettings",
        "sqlmodel.SQLModel",
        "sqlmodel.main.SQLModel",
        "sqlalchemy.orm.DeclarativeBase",
        "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.MappedAsDataclass",
        "sqlalchemy.orm.decl_api.DeclarativeBase",
        "sqlalchemy.orm.decl_api.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.decl_api.MappedAsDataclass",
        "sqlalchemy.ext.asyncio.AsyncAttrs",
    }
)
# The methods those bases declare (pydantic 1 and 2, pydantic-settings, SQLModel): an
# override is called wherever the library, or another (FastAPI's encoder calls
# ``model_dump``, pydantic 1's ``dict``), calls the base's.
_DATA_HOOKS = frozenset(
    {
        "_build_values",
        "_calculate_keys",
        "_copy_and_set_values",
        "_decompose_class",
        "_enforce_dict_if_root",
        "_get_value",
        "_init_private_attributes",
        "_iter",
        "_setattr_handler",
        "_settings_build_values",
        "construct",
        "copy",
        "dict",
        "from_orm",
        "json",
        "model_construct",
        "model_copy",
        "model_dump",
        "model_dump_json",
        "model_json_schema",
        "model_parametrized_name",
        "model_post_init",
        "model_rebuild",
        "model_validate",
        "model_validate_json",
        "model_validate_strings",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "schema",
        "schema_json",
        "settings_customise_sources",
        "sqlmodel_update",
        "update_forward_refs",
        "validate",
    }
)
# What builds a declarative base class: ``declarative_base()``,
# ``registry().generate_base()``.
_BASE_FACTORIES = frozenset({"declarative_base", "generate_base"})


def neutral_base(name: str) -> bool:
    """Whether the class of absolute name ``name`` is a library's base that calls no method
    of a subclass by a name the subclass alone declares."""
    return name.startswith(_NEUTRAL_BASES) or name in DATA_BASES


def _base_factory(value: ast.expr | None) -> bool:
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name in _BASE_FACTORIES


def _imported_bases(
    node: ast.ClassDef, imports: dict[str, list[_Bound]], local: dict[str, list[str] | None]
) -> list[str] | None:
    """The class's imported bases, absolute, and those of its bases of this module
    (``local``), the standard library's neutral ones left out: what decides whether a
    base may call its methods unasked. None where a base's kind is not known here (an
    expression, an alias, a class of this module with such a base). A library's base (a
    framework's middleware, an OAuth grant) calls the methods it declares by names the
    project never writes, and a base imported from another module may derive from one:
    the chain search asks (see ``neutral_base``)."""
    found: list[str] = []
    for base in node.bases:
        while isinstance(base, ast.Subscript):  # Generic[T], Base[Model]
            base = base.value
        name = dotted(base)
        if name is None:
            return None
        bound = imports.get(name.partition(".")[0])
        if bound:
            target = _qualified(name, bound)[0]
            if not target.startswith(_NEUTRAL_BASES):
                found.append(target)
        elif name in local:
            inherited = local[name]
            if inherited is None:
                return None
            found += inherited
        # else a builtin (object, Exception)
    return list(dict.fromkeys(found))


def _names(node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> list[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names = []
    for target in targets:
        for part in ast.walk(target):
            if isinstance(part, ast.Name):
                names.append(part.id)
    return names


def _references(
    node: ast.AST,
    module: str,
    is_package: bool,
    attributes: set[str],
    skipped: Collection[int] = (),
) -> list[_Written]:
    """The dotted names ``node`` reads (the longest chain of each attribute access), and the
    imports inside it, which run whenever it does: a lazy import is a use whether or not
    the name it binds is read. Every attribute name read is added to ``attributes``; the
    subtrees whose ids are in ``skipped`` are left out."""
    written: list[_Written] = []
    local: dict[str, list[_Bound]] = {}
    inner: set[int] = set()
    # What an import binds outside the function that runs it (a ``global``, a class's
    # attribute: ``class C: from x import f`` then ``self.f()``) is read where this cannot
    # see: such an import is a use of the names it binds, not only of the module.
    # (The skipped subtrees do not count: their imports are not read here either.)
    parts = _walk(node, skipped)
    escaping = {name for part in parts if isinstance(part, ast.Global) for name in part.names}
    in_class = {
        id(statement)
        for part in parts
        if isinstance(part, ast.ClassDef)
        for statement in part.body
        if isinstance(statement, (ast.Import, ast.ImportFrom))
    }
    for part in parts:
        if (
            isinstance(part, ast.Call)
            and isinstance(part.func, ast.Attribute)
            and part.func.attr in _MOUNTS
        ):
            # Mounting a router (``app.include_router(router)``) composes the app: it runs
            # none of the router's code (DB-GPT's ``Serve.init_app``).
            mounted = [*part.args[:1], *(k.value for k in part.keywords if k.arg == "router")]
            inner.update(id(value) for value in mounted)
        if isinstance(part, (ast.Import, ast.ImportFrom)):
            for name, target, plain in import_bindings(part, module, is_package):
                escapes = id(part) in in_class or name in escaping
                written.append((target, -part.lineno if escapes else part.lineno))
                if name != "*":
                    local.setdefault(name, []).append((target, part.lineno, plain))
        elif isinstance(part, ast.Attribute):
            if isinstance(part.ctx, ast.Load) and not _asks_database(
                _receiver(part.value), part.attr
            ):
                attributes.add(part.attr)
            if id(part) in inner:
                inner.add(id(part.value))
                continue
            chain = dotted(part)
            if chain is not None:
                inner.add(id(part.value))
                written.append((chain, None))
        elif (
            isinstance(part, ast.Name) and id(part) not in inner and isinstance(part.ctx, ast.Load)
        ):
            written.append((part.id, None))
    found: list[_Written] = []
    for name, line in written:
        bound = local.get(name.partition(".")[0]) if line is None else None
        if bound:
            target, at = _qualified(name, bound)
            found.append((target, -at))
        else:
            found.append((name, line))
    return found


# Calls that mount a router on an app or another router.
_MOUNTS = frozenset({"include_router", "mount"})


def _receiver(value: ast.expr) -> str:
    """The last name of what an attribute is read of (``self.session`` -> ``session``)."""
    if isinstance(value, ast.Name):
        return value.id
    if isinstance(value, ast.Attribute):
        return value.attr
    return ""


def _walk(node: ast.AST, skipped: Collection[int] = ()) -> list[ast.AST]:
    """Every node under ``node`` (itself included), each before its children, in source
    order, less the subtrees whose ids are in ``skipped`` and the bodies that never run
    (``never_run``). A list, not a generator: a third faster over a module's thousands of
    nodes."""
    found = []
    stack = [node]
    while stack:
        part = stack.pop()
        if skipped and id(part) in skipped:
            continue
        found.append(part)
        if part.__class__ is ast.If and never_run(part.test):
            stack.extend(reversed(part.orelse))
            stack.append(part.test)
            continue
        for attribute in child_fields(part.__class__):
            value = getattr(part, attribute, None)
            if value.__class__ is list:
                for item in reversed(value):
                    if isinstance(item, ast.AST):
                        stack.append(item)
            elif isinstance(value, ast.AST):
                stack.append(value)
    return found


def _bound(value: object) -> _Bound:
    target, line, plain = items(value)
    return text(target), integer(line), flag(plain)


def _located(value: object) -> tuple[str, int]:
    target, line = items(value)
    return text(target), integer(line)


def _written(value: object) -> _Written:
    target, line = items(value)
    return text(target), None if line is None else integer(line)
