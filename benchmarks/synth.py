#!/usr/bin/env python3
"""Generate a synthetic FastAPI project with a known set of planted architecture leaks.

    python benchmarks/synth.py --layout layered|feature --modules N --out DIR --seed S

Writes the package ``DIR/synthapp`` plus:

* ``DIR/planted.json``: every planted finding, a list of ``{"code", "path", "line"}``
  (``path`` relative to DIR, with ``/``), sorted;
* ``DIR/synth.json``: what was generated (layout, module count, layer module lists,
  feature containers, ...), used by ``run.py`` to write the equivalent ``.importlinter``.

Every module that is not a planted host is clean for every rule (ARC001-ARC004,
ARC101-ARC103, ARC201, ARC202), so "every planted leak is found and nothing else" can
be checked.  Each host entity carries exactly one leak kind (ARC101 hosts also carry the
ARC102 ``from fastapi import HTTPException`` they need), and every cross-entity import
points at a clean entity, so leaks never combine into extra import chains.

Planted kinds, per host entity ``e`` (router/service/repository/models/schemas of ``e``):

==========  ============================================================  ===========
kind        what                                                          recorded
==========  ============================================================  ===========
ARC001      router(e) imports repository(e)                               import line
ARC002-repo repository(e) imports service(e) (function-local import)      import line
ARC002-svc  service(e) imports router(e) (function-local import)          import line
ARC003      router(e) imports synthapp.core.leakN, which imports          leakN's import of
            repository(e); leakN is imported by nothing else              the repository ("via":
                                                                          the router's import)
ARC004-mod  models(e) imports schemas(e)                                  import line
ARC004-sch  schemas(e) imports the ORM class from models(e)               import line
ARC101      repository(e) ``raise HTTPException(...)`` (fastapi or         raise line, and
            starlette); also recorded as ARC102 at its import             import line
ARC102      repository(e) imports fastapi/starlette (no raise)            import line
ARC201      route without response_model, ORM return annotation           ``def`` line
ARC202      route handler calls ``session.execute(select(...))``          call line
==========  ============================================================  ===========

Only the standard library is used; 20k modules generate in a few seconds.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass, field

PKG = "synthapp"

NOUNS = [
    "account", "address", "invoice", "order", "customer", "product", "payment", "refund",
    "shipment", "warehouse", "supplier", "coupon", "review", "ticket", "subscription",
    "plan", "seat", "booking", "event", "venue", "artist", "playlist", "track", "album",
    "course", "lesson", "student", "teacher", "grade", "exam", "article", "comment",
    "author", "tag", "category", "badge", "report", "metric", "alert", "incident",
    "device", "sensor", "reading", "firmware", "driver", "vehicle", "route", "stop",
    "patient", "visit", "doctor", "claim", "policy", "quote", "lead", "contact",
    "campaign", "segment", "survey", "answer", "webhook", "token", "session", "role",
    "permission", "team", "project", "task", "milestone", "sprint", "release", "build",
]
DOMAINS = [
    "billing", "catalog", "commerce", "logistics", "identity", "content", "learning",
    "media", "health", "insurance", "crm", "marketing", "ops", "iot", "transport",
    "analytics", "support", "events", "hr", "finance",
]
COLUMN_TYPES = [
    ("str", "String(120)", "str", 'Field(..., max_length=120)'),
    ("str", "String(255)", "str", 'Field(default="", max_length=255)'),
    ("int", "Integer", "int", "Field(default=0, ge=0)"),
    ("bool", "Boolean", "bool", "True"),
    ("float", "Float", "float", "0.0"),
    ("datetime", "DateTime(timezone=True)", "datetime", "Field(default_factory=_now)"),
    ("Decimal", "Numeric(12, 2)", "Decimal", 'Decimal("0")'),
]
FIELD_WORDS = [
    "name", "title", "description", "code", "reference", "amount", "quantity", "priority",
    "score", "is_active", "is_archived", "position", "external_id", "notes", "label",
    "rank", "weight", "currency", "locale", "version",
]

LEAK_KINDS = [
    "ARC001", "ARC002-repo", "ARC002-svc", "ARC003", "ARC004-mod", "ARC004-sch",
    "ARC101", "ARC102", "ARC201", "ARC202",
]


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


class Src:
    """A module's text being built, with 1-based line tracking for planted findings."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, *lines: str) -> int:
        """Append lines; return the line number of the first one."""
        first = len(self.lines) + 1
        for chunk in lines:
            self.lines.extend(chunk.split("\n"))
        return first

    @property
    def next_line(self) -> int:
        return len(self.lines) + 1

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


@dataclass
class Entity:
    idx: int
    name: str              # e.g. invoice_17
    cls: str               # e.g. Invoice17
    mods: dict[str, str]   # kind -> dotted module name (router, service, repository, models, schemas)
    leak: str | None = None
    base: str = "Base"     # ORM base class used by the model
    fields: list[tuple[str, tuple[str, str, str, str]]] = field(default_factory=list)
    peers: list["Entity"] = field(default_factory=list)  # clean entities it uses


def mod_path(module: str, is_package: bool = False) -> str:
    parts = module.split(".")
    if is_package:
        return "/".join(parts) + "/__init__.py"
    return "/".join(parts) + ".py"


class Generator:
    def __init__(self, layout: str, modules: int, seed: int, leaks_per_rule: int | None) -> None:
        if layout not in ("layered", "feature"):
            raise SystemExit(f"unknown layout {layout!r}")
        self.layout = layout
        self.target = modules
        self.rng = random.Random(seed)
        self.seed = seed
        self.files: dict[str, str] = {}        # relative path -> text
        self.modules: list[str] = []           # dotted names, for the summary
        self.planted: list[dict] = []
        self.k = leaks_per_rule if leaks_per_rule is not None else max(2, modules // 250)
        self.leak_counter = 0

    # ------------------------------------------------------------------ bookkeeping
    def write(self, module: str, text: str, is_package: bool = False) -> str:
        path = mod_path(module, is_package)
        self.files[path] = text
        self.modules.append(module)
        return path

    def plant(self, code: str, module: str, line: int, via: tuple[str, int] | None = None) -> None:
        found: dict = {"code": code, "path": mod_path(module), "line": line}
        if via is not None:
            found["via"] = {"path": mod_path(via[0]), "line": via[1]}
        self.planted.append(found)

    # ------------------------------------------------------------------ sizing
    def plan(self) -> None:
        n = self.target
        n_leak_modules = self.k
        n_utils = max(4, n // 25)
        fixed_core = 6  # config, database, exceptions, enums, security, logging_setup
        unlayered = fixed_core + n_utils + n_leak_modules + 4  # + packages, main
        if self.layout == "layered":
            packages = 7  # synthapp, api, api.routers, services, repositories, models, schemas
            n_entities = max(len(LEAK_KINDS) * self.k * 2, (n - unlayered - packages) // 5)
            self.n_domains = 0
        else:
            # ~N/6 features; group them in domains (sub-packages) of ~20 features
            n_features = max(len(LEAK_KINDS) * self.k * 2, (n - unlayered) // 6)
            self.n_domains = 0 if n_features <= 40 else max(2, round(n_features / 20))
            n_entities = max(len(LEAK_KINDS) * self.k * 2,
                             (n - unlayered - self.n_domains) // 6)
        self.n_utils = n_utils
        self.entities: list[Entity] = []
        for i in range(n_entities):
            noun = NOUNS[i % len(NOUNS)]
            name = f"{noun}_{i}"
            if self.layout == "layered":
                mods = {
                    "router": f"{PKG}.api.routers.{name}",
                    "service": f"{PKG}.services.{name}",
                    "repository": f"{PKG}.repositories.{name}",
                    "models": f"{PKG}.models.{name}",
                    "schemas": f"{PKG}.schemas.{name}",
                }
            else:
                if self.n_domains:
                    d = i % self.n_domains
                    dom = DOMAINS[d % len(DOMAINS)] + (f"_{d // len(DOMAINS)}" if d >= len(DOMAINS) else "")
                    feat = f"{PKG}.{dom}.{name}"
                else:
                    feat = f"{PKG}.{name}"
                mods = {k: f"{feat}.{k}" for k in ("router", "service", "repository", "models", "schemas")}
                mods["feature"] = feat
            ent = Entity(idx=i, name=name, cls=camel(noun) + str(i), mods=mods)
            r = self.rng.random()
            ent.base = "TimestampedBase" if r < 0.15 else ("LegacyBase" if r < 0.3 else "Base")
            nfields = self.rng.randint(3, 6)
            words = self.rng.sample(FIELD_WORDS, nfields)
            ent.fields = [(w, self.rng.choice(COLUMN_TYPES)) for w in words]
            self.entities.append(ent)

        # choose hosts: k entities per leak kind, spread over the tree, never adjacent
        order = list(range(len(self.entities)))
        self.rng.shuffle(order)
        pos = 0
        for kind in LEAK_KINDS:
            for _ in range(self.k):
                self.entities[order[pos]].leak = kind
                pos += 1
        self.clean = [e for e in self.entities if e.leak is None]
        # peers: clean entities with a lower index only, so the import graph between
        # entities is acyclic (the generated app imports without circular-import errors)
        for ent in self.entities:
            n_peers = self.rng.randint(0, 2)
            picks = []
            for _ in range(n_peers):
                c = self.entities[self.rng.randrange(ent.idx)] if ent.idx else None
                if c is not None and c.leak is None and c not in picks:
                    picks.append(c)
            ent.peers = picks

    # ------------------------------------------------------------------ unlayered modules
    def gen_core(self) -> None:
        P = PKG
        self.write(P, f'"""Synthetic FastAPI application (generated, seed {self.seed})."""\n', True)
        self.write(f"{P}.core", '"""Cross-cutting infrastructure: config, database, errors."""\n', True)
        self.write(f"{P}.utils", '"""Small helpers with no knowledge of the layers."""\n', True)
        self.write(f"{P}.core.config", '''"""Application settings."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    app_name: str = "synthapp"
    database_url: str = field(default_factory=lambda: os.environ.get("DATABASE_URL", "sqlite://"))
    page_size: int = 50
    max_page_size: int = 500
    debug: bool = False
    secret_key: str = field(default_factory=lambda: os.environ.get("SECRET_KEY", "change-me"))


@lru_cache
def get_settings() -> Settings:
    return Settings()
''')
        self.write(f"{P}.core.database", '''"""Engine, session factory and the declarative bases."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

from sqlalchemy import DateTime, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declarative_base, mapped_column, sessionmaker

from synthapp.core.config import get_settings

engine = create_engine(get_settings().database_url, future=True)
SessionLocal = sessionmaker(bind=engine, autoflush=False, expire_on_commit=False)


class Base(DeclarativeBase):
    """Declarative base for the ORM models."""


LegacyBase = declarative_base()


def _now() -> datetime:
    return datetime.now(timezone.utc)


class TimestampedBase(Base):
    __abstract__ = True

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


def get_session() -> Iterator[Session]:
    session = SessionLocal()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
''')
        self.write(f"{P}.core.exceptions", '''"""Domain errors; the HTTP tier maps them to responses."""
from __future__ import annotations


class DomainError(Exception):
    """Base class of the errors raised by services."""


class NotFoundError(DomainError):
    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key!r} not found")
        self.entity = entity
        self.key = key


class ConflictError(DomainError):
    pass


class ValidationFailed(DomainError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("validation failed")
        self.errors = errors
''')
        self.write(f"{P}.core.enums", '''"""Enums shared by models and schemas."""
from __future__ import annotations

import enum


class Status(str, enum.Enum):
    draft = "draft"
    active = "active"
    archived = "archived"


class Visibility(str, enum.Enum):
    private = "private"
    internal = "internal"
    public = "public"


DEFAULT_PAGE_SIZE = 50
''')
        self.write(f"{P}.core.security", '''"""Password hashing and tokens (stdlib only)."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from synthapp.core.config import get_settings


def hash_password(password: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.sha256((salt + password).encode()).hexdigest()
    return f"{salt}${digest}"


def verify_password(password: str, hashed: str) -> bool:
    salt, _, _digest = hashed.partition("$")
    return hmac.compare_digest(hash_password(password, salt), hashed)


def sign(value: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
''')
        self.write(f"{P}.core.logging_setup", '''"""Logging configuration."""
from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format=FORMAT)


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name)
''')
        for i in range(self.n_utils):
            self.write(f"{P}.utils.helpers_{i}", f'''"""Generic helpers #{i}."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_SLUG = re.compile(r"[^a-z0-9]+")


def slugify_{i}(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SLUG.sub("-", text.lower()).strip("-")


def chunks_{i}(items: Iterable[T], size: int = {self.rng.randint(10, 200)}) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def clamp_{i}(value: int, low: int = 0, high: int = {self.rng.randint(100, 1000)}) -> int:
    return max(low, min(high, value))


def first_{i}(items: Iterable[T], default: T | None = None) -> T | None:
    for item in items:
        return item
    return default
''')
        routers_pkg = f"{P}.api.routers" if self.layout == "layered" else None
        if self.layout == "layered":
            discover = '''    import synthapp.api.routers as routers_pkg

    for info in pkgutil.iter_modules(routers_pkg.__path__, routers_pkg.__name__ + "."):
        module = importlib.import_module(info.name)
        app.include_router(module.router)'''
        else:
            discover = '''    import synthapp

    for info in pkgutil.walk_packages(synthapp.__path__, "synthapp."):
        if info.name.endswith(".router"):
            module = importlib.import_module(info.name)
            app.include_router(module.router)'''
        self.write(f"{P}.main", f'''"""Application entry point: routers are discovered, not imported statically."""
from __future__ import annotations

import importlib
import pkgutil

from fastapi import FastAPI

from synthapp.core.config import get_settings
from synthapp.core.logging_setup import configure


def create_app() -> FastAPI:
    configure()
    app = FastAPI(title=get_settings().app_name)
{discover}
    return app
''')
        del routers_pkg

    def gen_packages(self) -> None:
        P = PKG
        if self.layout == "layered":
            for sub, doc in [
                ("api", "HTTP tier."), ("api.routers", "FastAPI routers, one per resource."),
                ("services", "Business logic."), ("repositories", "Database access."),
                ("models", "SQLAlchemy ORM models."), ("schemas", "Pydantic request/response schemas."),
            ]:
                self.write(f"{P}.{sub}", f'"""{doc}"""\n', True)
        else:
            seen = set()
            for ent in self.entities:
                feat = ent.mods["feature"]
                parent = feat.rsplit(".", 1)[0]
                if parent != P and parent not in seen:
                    seen.add(parent)
                    self.write(parent, f'"""Domain package {parent.rsplit(".", 1)[1]}."""\n', True)
                self.write(feat, f'"""Feature {ent.name}: router, service, repository, models, schemas."""\n', True)

    # ------------------------------------------------------------------ layered modules
    def gen_models(self, e: Entity) -> None:
        s = Src()
        s.add(f'"""ORM model for {e.cls}."""', "from __future__ import annotations", "")
        s.add("from datetime import datetime", "from decimal import Decimal", "")
        s.add("from sqlalchemy import Boolean, DateTime, Enum, Float, ForeignKey, Integer, Numeric, String",
              "from sqlalchemy.orm import Mapped, mapped_column", "")
        s.add(f"from {PKG}.core.database import {e.base}", f"from {PKG}.core.enums import Status")
        if e.leak == "ARC004-mod":
            line = s.add(f"from {e.mods['schemas']} import {e.cls}Read")
            self.plant("ARC004", e.mods["models"], line)
        s.add("", "")
        s.add(f"class {e.cls}({e.base}):", f'    __tablename__ = "{e.name}"', "")
        s.add("    id: Mapped[int] = mapped_column(Integer, primary_key=True)")
        for fname, (pyt, sat, _st, _default) in e.fields:
            s.add(f"    {fname}: Mapped[{pyt}] = mapped_column({sat}, nullable={'True' if pyt != 'str' else 'False'})")
        s.add("    status: Mapped[Status] = mapped_column(Enum(Status), default=Status.draft)")
        for p in e.peers[:1]:
            if (p.base == "LegacyBase") == (e.base == "LegacyBase"):  # same MetaData
                s.add(f'    {p.name}_id: Mapped[int | None] = mapped_column(ForeignKey("{p.name}.id"), nullable=True)')
        s.add("", "    def __repr__(self) -> str:", f'        return f"<{e.cls} id={{self.id}}>"', "")
        s.add("    @property", "    def is_active(self) -> bool:" if "is_active" not in dict(e.fields) else "    def is_live(self) -> bool:",
              "        return self.status == Status.active", "")
        s.add("    def archive(self) -> None:", "        self.status = Status.archived")
        if e.leak == "ARC004-mod":
            s.add("", f"    def to_schema(self) -> {e.cls}Read:",
                  f"        return {e.cls}Read.model_validate(self)")
        self.write(e.mods["models"], s.text())

    def gen_schemas(self, e: Entity) -> None:
        s = Src()
        s.add(f'"""Pydantic schemas for {e.cls}."""', "from __future__ import annotations", "")
        s.add("from datetime import datetime, timezone", "from decimal import Decimal", "")
        s.add("from pydantic import BaseModel, ConfigDict, Field", "")
        s.add(f"from {PKG}.core.enums import Status")
        if e.leak == "ARC004-sch":
            line = s.add(f"from {e.mods['models']} import {e.cls}")
            self.plant("ARC004", e.mods["schemas"], line)
        s.add("", "", "def _now() -> datetime:", "    return datetime.now(timezone.utc)", "", "")
        s.add(f"class {e.cls}Base(BaseModel):")
        for fname, (_pyt, _sat, st, default) in e.fields:
            s.add(f"    {fname}: {st} = {default}")
        s.add("    status: Status = Status.draft", "", "")
        s.add(f"class {e.cls}Create({e.cls}Base):", "    pass", "", "")
        s.add(f"class {e.cls}Update(BaseModel):")
        for fname, (_pyt, _sat, st, _default) in e.fields[:3]:
            s.add(f"    {fname}: {st} | None = None")
        s.add("    status: Status | None = None", "", "")
        s.add(f"class {e.cls}Read({e.cls}Base):", "    model_config = ConfigDict(from_attributes=True)", "",
              "    id: int", "", "")
        s.add(f"class {e.cls}Page(BaseModel):", f"    items: list[{e.cls}Read]", "    total: int",
              "    offset: int = 0", "    limit: int = 50")
        if e.leak == "ARC004-sch":
            s.add("", "", f"def from_orm_row(row: {e.cls}) -> {e.cls}Read:",
                  f"    return {e.cls}Read.model_validate(row)")
        self.write(e.mods["schemas"], s.text())

    def gen_repository(self, e: Entity) -> None:
        s = Src()
        s.add(f'"""Database access for {e.cls}."""', "from __future__ import annotations", "")
        s.add("from collections.abc import Sequence", "")
        s.add("from sqlalchemy import func, select", "from sqlalchemy.orm import Session", "")
        fastapi_line = None
        if e.leak == "ARC101":
            use_starlette = (e.idx % 3 == 0)
            mod = "starlette.exceptions" if use_starlette else "fastapi"
            fastapi_line = s.add(f"from {mod} import HTTPException")
            self.plant("ARC102", e.mods["repository"], fastapi_line)
        elif e.leak == "ARC102":
            variant = e.idx % 3
            imp = ["from fastapi.encoders import jsonable_encoder",
                   "from fastapi import status",
                   "from starlette.status import HTTP_404_NOT_FOUND as NOT_FOUND"][variant]
            fastapi_line = s.add(imp)
            self.plant("ARC102", e.mods["repository"], fastapi_line)
        s.add(f"from {e.mods['models']} import {e.cls}", "", "")
        s.add(f"class {e.cls}Repository:", f'    """Persistence of {e.cls} rows."""', "",
              "    def __init__(self, session: Session) -> None:", "        self.session = session", "")
        s.add(f"    def get(self, item_id: int) -> {e.cls} | None:")
        if e.leak == "ARC101":
            s.add(f"        obj = self.session.get({e.cls}, item_id)", "        if obj is None:")
            line = s.add(f'            raise HTTPException(status_code=404, detail="{e.cls} not found")')
            self.plant("ARC101", e.mods["repository"], line)
            s.add("        return obj", "")
        else:
            s.add(f"        return self.session.get({e.cls}, item_id)", "")
        s.add(f"    def list(self, offset: int = 0, limit: int = 50) -> Sequence[{e.cls}]:",
              f"        stmt = select({e.cls}).order_by({e.cls}.id).offset(offset).limit(limit)",
              "        return self.session.execute(stmt).scalars().all()", "")
        s.add("    def count(self) -> int:",
              f"        stmt = select(func.count()).select_from({e.cls})",
              "        return self.session.execute(stmt).scalar_one()", "")
        s.add(f"    def add(self, obj: {e.cls}) -> {e.cls}:", "        self.session.add(obj)",
              "        self.session.flush()", "        return obj", "")
        s.add(f"    def delete(self, obj: {e.cls}) -> None:", "        self.session.delete(obj)",
              "        self.session.flush()")
        if e.leak == "ARC102":
            variant = e.idx % 3
            s.add("", f"    def export(self, obj: {e.cls}) -> dict:")
            if variant == 0:
                s.add("        return jsonable_encoder({\"id\": obj.id})")
            elif variant == 1:
                s.add("        return {\"id\": obj.id, \"code\": status.HTTP_200_OK}")
            else:
                s.add("        return {\"id\": obj.id, \"missing\": NOT_FOUND}")
        if e.leak == "ARC002-repo":
            s.add("", "    def recompute(self, item_id: int) -> None:")
            line = s.add(f"        from {e.mods['service']} import {e.cls}Service")
            self.plant("ARC002", e.mods["repository"], line)
            s.add(f"        {e.cls}Service(self.session).touch(item_id)")
        self.write(e.mods["repository"], s.text())

    def gen_service(self, e: Entity) -> None:
        s = Src()
        s.add(f'"""Business logic for {e.cls}."""', "from __future__ import annotations", "")
        s.add("from collections.abc import Sequence", "", "from sqlalchemy.orm import Session", "")
        s.add(f"from {PKG}.core.exceptions import NotFoundError")
        util = e.idx % self.n_utils
        s.add(f"from {PKG}.utils.helpers_{util} import clamp_{util}")
        s.add(f"from {e.mods['models']} import {e.cls}", f"from {e.mods['repository']} import {e.cls}Repository",
              f"from {e.mods['schemas']} import {e.cls}Create, {e.cls}Update")
        for p in e.peers:
            s.add(f"from {p.mods['service']} import {p.cls}Service")
        s.add("", "")
        s.add(f"class {e.cls}Service:", "    def __init__(self, session: Session) -> None:",
              "        self.session = session", f"        self.repo = {e.cls}Repository(session)", "")
        s.add(f"    def get(self, item_id: int) -> {e.cls}:", "        obj = self.repo.get(item_id)",
              "        if obj is None:", f'            raise NotFoundError("{e.cls}", item_id)', "        return obj", "")
        s.add(f"    def list(self, offset: int = 0, limit: int = 50) -> Sequence[{e.cls}]:",
              f"        return self.repo.list(offset=offset, limit=clamp_{util}(limit, 1, 500))", "")
        s.add(f"    def create(self, payload: {e.cls}Create) -> {e.cls}:",
              f"        return self.repo.add({e.cls}(**payload.model_dump()))", "")
        s.add(f"    def update(self, item_id: int, payload: {e.cls}Update) -> {e.cls}:",
              "        obj = self.get(item_id)", "        for key, value in payload.model_dump(exclude_unset=True).items():",
              "            setattr(obj, key, value)", "        return obj", "")
        s.add("    def touch(self, item_id: int) -> None:", "        self.get(item_id)", "")
        s.add("    def delete(self, item_id: int) -> None:", "        self.repo.delete(self.get(item_id))")
        for p in e.peers:
            s.add("", f"    def related_{p.name}(self, other_id: int):",
                  f"        return {p.cls}Service(self.session).get(other_id)")
        if e.leak == "ARC002-svc":
            s.add("", "    def route_paths(self) -> list[str]:")
            line = s.add(f"        from {e.mods['router']} import router")
            self.plant("ARC002", e.mods["service"], line)
            s.add("        return [route.path for route in router.routes]")
        self.write(e.mods["service"], s.text())

    def gen_router(self, e: Entity) -> None:
        s = Src()
        s.add(f'"""HTTP endpoints for {e.cls}."""', "from __future__ import annotations", "")
        s.add("from fastapi import APIRouter, Depends, HTTPException, status")
        needs_select = e.leak == "ARC202"
        if needs_select:
            s.add("from sqlalchemy import select")
        s.add("from sqlalchemy.orm import Session", "")
        s.add(f"from {PKG}.core.database import get_session", f"from {PKG}.core.exceptions import NotFoundError")
        leak_mod = None
        if e.leak == "ARC001":
            line = s.add(f"from {e.mods['repository']} import {e.cls}Repository")
            self.plant("ARC001", e.mods["router"], line)
        if e.leak == "ARC003":
            leak_mod = f"{PKG}.core.leak{self.leak_counter}"
            self.leak_counter += 1
            line = s.add(f"from {leak_mod} import count_{e.name}")
            # archcheck reports the link (leakN's import of the repository); lint-imports
            # the chain's first import, in the router.
            link = self.gen_leak_module(leak_mod, e)
            self.plant("ARC003", leak_mod, link, via=(e.mods["router"], line))
        orm_alias = e.leak == "ARC201" and e.idx % 2 == 0
        if orm_alias:
            feat_or_models = e.mods["models"].rsplit(".", 1)
            s.add(f"from {feat_or_models[0]} import {feat_or_models[1]} as models")
        elif e.leak in ("ARC201", "ARC202"):
            s.add(f"from {e.mods['models']} import {e.cls}")
        s.add(f"from {e.mods['schemas']} import {e.cls}Create, {e.cls}Page, {e.cls}Read, {e.cls}Update")
        s.add(f"from {e.mods['service']} import {e.cls}Service")
        for p in e.peers[:1]:
            s.add(f"from {p.mods['schemas']} import {p.cls}Read")
        s.add("", f'router = APIRouter(prefix="/{e.name.replace("_", "-")}", tags=["{e.name}"])', "", "")
        s.add(f"def get_service(session: Session = Depends(get_session)) -> {e.cls}Service:",
              f"    return {e.cls}Service(session)", "", "")
        s.add(f'@router.get("/", response_model={e.cls}Page)',
              f"def list_{e.name}(offset: int = 0, limit: int = 50, service: {e.cls}Service = Depends(get_service)):",
              "    items = service.list(offset=offset, limit=limit)",
              '    return {"items": items, "total": len(items), "offset": offset, "limit": limit}', "", "")
        s.add('@router.get("/{item_id}")',
              f"def get_{e.name}(item_id: int, service: {e.cls}Service = Depends(get_service)) -> {e.cls}Read:",
              "    try:", f"        return {e.cls}Read.model_validate(service.get(item_id))",
              "    except NotFoundError as exc:",
              "        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc", "", "")
        s.add(f'@router.post("/", response_model={e.cls}Read, status_code=status.HTTP_201_CREATED)',
              f"def create_{e.name}(payload: {e.cls}Create, service: {e.cls}Service = Depends(get_service)):",
              "    return service.create(payload)", "", "")
        s.add(f'@router.patch("/{{item_id}}", response_model={e.cls}Read)',
              f"def update_{e.name}(item_id: int, payload: {e.cls}Update, service: {e.cls}Service = Depends(get_service)):",
              "    return service.update(item_id, payload)", "", "")
        s.add('@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT)',
              f"def delete_{e.name}(item_id: int, service: {e.cls}Service = Depends(get_service)) -> None:",
              "    service.delete(item_id)")
        if e.leak == "ARC001":
            s.add("", "", '@router.get("/stats/count")',
                  f"def count_{e.name}(session: Session = Depends(get_session)) -> dict[str, int]:",
                  f'    return {{"count": {e.cls}Repository(session).count()}}')
        if e.leak == "ARC003":
            s.add("", "", '@router.get("/stats/count")',
                  f"def stats_{e.name}(session: Session = Depends(get_session)) -> dict[str, int]:",
                  f'    return {{"count": count_{e.name}(session)}}')
        if e.leak == "ARC201":
            ann = f"models.{e.cls}" if orm_alias else e.cls
            s.add("", "", '@router.get("/{item_id}/raw")')
            line = s.add(f"def raw_{e.name}(item_id: int, service: {e.cls}Service = Depends(get_service)) -> {ann}:")
            self.plant("ARC201", e.mods["router"], line)
            s.add("    return service.get(item_id)")
        if e.leak == "ARC202":
            s.add("", "", f'@router.get("/{{item_id}}/direct", response_model={e.cls}Read)',
                  f"def direct_{e.name}(item_id: int, session: Session = Depends(get_session)):")
            line = s.add(f"    row = session.execute(select({e.cls}).where({e.cls}.id == item_id)).scalar_one_or_none()")
            self.plant("ARC202", e.mods["router"], line)
            s.add("    if row is None:", "        raise HTTPException(status.HTTP_404_NOT_FOUND)", "    return row")
        for p in e.peers[:1]:
            s.add("", "", f'@router.get("/{{item_id}}/{p.name.replace("_", "-")}", response_model={p.cls}Read)',
                  f"def related_{p.name}(item_id: int, service: {e.cls}Service = Depends(get_service)):",
                  f"    return service.related_{p.name}(item_id)")
        self.write(e.mods["router"], s.text())

    def gen_leak_module(self, module: str, e: Entity) -> int:
        """Writes the leak module; returns the line of its import of the repository."""
        self.write(module, f'''"""Convenience shortcuts for {e.cls} (imported by one router only)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from {e.mods['repository']} import {e.cls}Repository


def count_{e.name}(session: Session) -> int:
    """Count rows without going through the service layer."""
    return {e.cls}Repository(session).count()
''')
        return 6

    # ------------------------------------------------------------------ driver
    def generate(self) -> None:
        self.plan()
        self.gen_core()
        self.gen_packages()
        for e in self.entities:
            self.gen_models(e)
            self.gen_schemas(e)
            self.gen_repository(e)
            self.gen_service(e)
            self.gen_router(e)
        self.planted.sort(key=lambda d: (d["path"], d["line"], d["code"]))

    def summary(self) -> dict:
        counts: dict[str, int] = {}
        for p in self.planted:
            counts[p["code"]] = counts.get(p["code"], 0) + 1
        layers: dict[str, list[str]] = {k: [] for k in ("router", "service", "repository", "models", "schemas")}
        for e in self.entities:
            for k in layers:
                layers[k].append(e.mods[k])
        info = {
            "generator": "benchmarks/synth.py",
            "layout": self.layout,
            "seed": self.seed,
            "requested_modules": self.target,
            "modules": len(self.modules),
            "files": len(self.files),
            "lines": sum(t.count("\n") for t in self.files.values()),
            "package": PKG,
            "entities": len(self.entities),
            "leaks_per_kind": self.k,
            "planted_counts": dict(sorted(counts.items())),
            "planted_total": len(self.planted),
            # a clean module for run.py's "edit one file" runs
            "edit_file": mod_path(self.clean[len(self.clean) // 2].mods["service"]),
        }
        if self.layout == "layered":
            info["layer_packages"] = {
                "routers": f"{PKG}.api.routers", "services": f"{PKG}.services",
                "repositories": f"{PKG}.repositories", "models": f"{PKG}.models", "schemas": f"{PKG}.schemas",
            }
        else:
            info["containers"] = sorted(e.mods["feature"] for e in self.entities)
            info["layer_tails"] = {
                "routers": "router", "services": "service", "repositories": "repository",
                "models": "models", "schemas": "schemas",
            }
        return info


def write_tree(gen: Generator, out: str) -> None:
    pkg_dir = os.path.join(out, PKG)
    if os.path.exists(pkg_dir):
        shutil.rmtree(pkg_dir)
    os.makedirs(out, exist_ok=True)
    made: set[str] = set()
    for rel, text in gen.files.items():
        d = os.path.dirname(rel)
        if d not in made:
            os.makedirs(os.path.join(out, d), exist_ok=True)
            made.add(d)
        with open(os.path.join(out, rel), "w", encoding="utf-8") as fh:
            fh.write(text)
    with open(os.path.join(out, "planted.json"), "w", encoding="utf-8") as fh:
        json.dump(gen.planted, fh, indent=1)
        fh.write("\n")
    with open(os.path.join(out, "synth.json"), "w", encoding="utf-8") as fh:
        json.dump(gen.summary(), fh, indent=1)
        fh.write("\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layout", choices=("layered", "feature"), default="layered")
    ap.add_argument("--modules", type=int, default=1000, help="approximate number of modules")
    ap.add_argument("--out", required=True, help="output directory (gets DIR/synthapp)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--leaks-per-rule", type=int, default=None,
                    help="hosts per leak kind (default max(2, N/250))")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    gen = Generator(args.layout, args.modules, args.seed, args.leaks_per_rule)
    gen.generate()
    write_tree(gen, args.out)
    if not args.quiet:
        info = gen.summary()
        print(f"{args.out}: {info['layout']} layout, {info['modules']} modules, {info['lines']} lines, "
              f"{info['planted_total']} planted {info['planted_counts']} "
              f"in {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
