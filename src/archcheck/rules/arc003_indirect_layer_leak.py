from __future__ import annotations

from archcheck.layers import BYPASS, LAYERS, MODELS_ON_SCHEMAS, UPWARD, singular, violation
from archcheck.rules.base import ChainRule, Example, Link

_KINDS = (BYPASS, UPWARD, MODELS_ON_SCHEMAS)  # the first one present gives the advice
_WHY = {
    BYPASS: "",
    UPWARD: "dependencies must point down the stack: ",
    MODELS_ON_SCHEMAS: "ORM models must not depend on API schemas: ",
}
_HEADS_SHOWN = 3
_TAILS_SHOWN = 3


# An ORM model whose column holds a Pydantic model: the examples differ in what the
# Pydantic model's methods do.
_ITEM_WITH_AN_ACTION = """
    from sqlalchemy import JSON
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    from app.core.actions import RunAction


    class Base(DeclarativeBase):
        pass


    class Item(Base):
        __tablename__ = "item"
        id: Mapped[int] = mapped_column(primary_key=True)
        action: Mapped[RunAction] = mapped_column(JSON)
"""


# A class of workflow activities that a worker registers and runs: the examples differ
# in what a schema reads of it.
_ACTIVITIES = {
    "app/core/activities.py": """
        from temporalio import activity

        from app.services import archive_service


        class Activities:
            @staticmethod
            @activity.defn
            def archive(report_id: int):
                return archive_service.archive(report_id)

            @staticmethod
            @activity.defn
            def ping():
                return "pong"
    """,
    "app/services/archive_service.py": """
        def archive(report_id):
            return report_id
    """,
}


class IndirectLayerLeak(ChainRule):
    """An import in a module of no layer carries a forbidden dependency between two layers

    ## What it does
    Follows what layered modules use of modules that belong to no layer (config, core,
    utils, db setup), by name: the names a router imports from ``core/lookup.py`` are
    followed through the definitions that use them, on through further modules of no
    layer, to the imports that bring a layer in. Where that layer is one the router may
    not depend on (a repository; for a lower layer, a higher one), the import that
    brings it in is reported, once, in the module of no layer, naming the layered
    modules that reach through it and what they use that leads there (of the module
    they import, the names whose code reaches the import; past it, the names whose way
    passes the link's module). Where one head's links lie in more
    than three modules (past a hub: a registry of handlers, a ``config`` that loads a
    whole SDK), they are one finding, at the import that every chain to them passes: the
    import of the hub in the one module that imports it, or, when no module of no layer
    stands between, the head's own import, unless more heads import it than there are
    links (then the links are reported, naming the heads). A fan whose links are
    reported for other heads anyway is not collapsed: its heads join them. A model that
    imports schemas itself (ARC004 there) has no chain to schemas reported: its coupling
    to the API contract is reported at its own import, and every helper on its way that
    builds a schema would say so again. A module that also holds code the layers never call (a seed
    function that uses the repositories) is not a leak. Modules whose code cannot be
    read are followed by their module imports. Chains that end in models or schemas, or
    go through the wiring layer (composition roots: the entry point, a module that builds
    the app with the entry point's factory, the dependency
    providers, DI containers), are not leaks, nor is what a router only hands to
    ``Depends(...)`` or ``Security(...)``, or takes as a dependency alias
    (``OrderDep = Annotated[Order, Depends(get_order)]``), a provider wherever it lives
    (``auth.py``'s ``get_order`` is one as ``deps.py``'s would be), and neither are chains to, from or through a
    repository that detection knows by its queries alone (no name says so: it may as well
    be the app's unnamed business logic that the helper calls; configured, it is a
    repository like any other). In a project with no services layer (routers over CRUD
    modules, as many apps are built) the modules of no layer that routers call on their
    way to the repositories are its business logic, the only place a service could be:
    no chain to a repository is a leak there (a router's own import of a repository is
    still ARC001). Under ``strict = true`` the providers
    (``deps``, ``dependencies``, and the names handed to ``Depends``) count as routers,
    the others stay wiring. The body of a
    background task (``@app.task``, ``@shared_task``, ``@actor``) runs in a worker, so
    whoever only enqueues it (``task.delay()``) does not reach what the body uses,
    wherever it imports the task: an import inside a function runs the module, and what
    it binds is needed where the code reads it. A function of a submodule read through
    its package (``ops.deployments.read()``) needs that function, not the submodule
    whole, and a name a package star-imports (``from .agent import *`` beside ``from .app
    import *``) is followed into the module it comes from, not into every star import
    beside it. What an import never runs is needed by
    nothing: imports under ``if TYPE_CHECKING:`` and a script's ``if __name__ ==
    "__main__":`` block. What a model may import from the schemas itself (enums,
    constants, type aliases, a fieldless Pydantic base: ARC004) it may take through a
    helper, and a helper that takes only such values of any layer (a form's
    ``CSRF_ATTRIBUTE_NAME`` from a middleware, a type alias from a repository) runs none
    of its code. Mounting a router (``app.include_router(router)``) composes the app: it
    uses none of the router's code. A package's ``__init__`` runs before
    any module below it, so a module that imports a name of a package above it (``from app
    import APP_DIR`` in a service, where ``app/__init__.py`` builds the app and includes
    the routers) needs what that name does, not the package's module-level code. A class
    with no base but builtins, the standard library's neutral ones (``ABC``, ``Generic``, ``Enum``), data-class bases
    (Pydantic's ``BaseModel``, ``RootModel``, ``BaseSettings``; SQLAlchemy's
    ``DeclarativeBase``, a ``declarative_base()``; SQLModel) and the project's own such
    classes is followed method by method: building it needs its body, its special
    methods (``__init__``, ``__call__``...) and the methods its library's decorators
    register (validators, serializers, ``@validates``; a project's ``@traced(...)``
    wraps a method, it registers nothing), while ``send = _send`` in its body is a
    method by another name; any other method counts once the head's
    code reads its name (``exporter.rows()``): its own, the code on its way, and the
    modules of no layer that code uses without leading to a layer (it may hand them the
    object), so a method that only a worker, or another head, calls does not tie every
    router that builds the class to what it uses. On a data class, an
    override of a method the base declares (``model_post_init``, which pydantic calls;
    ``model_dump``, which FastAPI calls) always counts. A class derived from any other
    library's class needs all its methods: that base (a logging handler, a middleware,
    an OAuth grant) calls them, and so does it through a project class derived from it.
    A class with no imported base runs the methods a decorator registers
    (``@activity.defn``) where what registered them calls them: code that uses the class
    needs them all, code that reads one member (``Activities.archive``) needs that one.
    Reading a definition's ``__name__``, ``__qualname__``, ``__doc__`` or ``__module__``
    runs none of it.

    ## Why is this bad?
    Moving a forbidden import into a helper module does not remove the dependency, it
    hides it: the router still cannot run without the repository, and the next reader
    cannot see why.

    ## Example
    ```python
    # app/core/lookup.py
    from app.repositories import product_repo  # reached from app.api.routers.reports


    def build_report():
        return product_repo.get_all()
    ```

    ## Use instead
    ```python
    # app/services/report_service.py
    from app.repositories import product_repo


    def build_report():
        return product_repo.get_all()
    ```

    ## Known problems
    Names are followed statically: a name reached through ``getattr`` or a registry
    filled at run time is not seen. A method is known to be called by its name alone
    (``x.rows`` anywhere on a head's way calls every ``rows``; not a database's
    ``execute``, ``get``, ``add``... asked of a session, connection or cursor by its
    name, ``session.execute``, nor a module path of an import statement), and only where the head's
    code, or a helper it uses directly, reads it: an object handed on through two helpers
    that lead to no layer is not followed, nor are the registered methods that a
    method reaches through ``dir(cls)`` or ``getattr``. What a layered module uses of
    a module of no layer is read from its import statements and its text, where they
    tell: a name that appears only in a string or a comment counts as used. A task is
    known by its decorator's last name (``task``, ``shared_task``, ``actor``); its body
    is left out only where the task is enqueued (``.delay()``, ``.apply_async()``,
    ``.send()``...), so a task called directly, or from a registry of functions, counts
    with its body. A base is known by the name it is imported under, followed through
    the project's modules; a base that is an expression, an alias assigned in the module
    (``Handler = logging.Handler``) or a module that cannot be read counts as one that
    calls every method. A model's own import of schemas leaves its chains to schemas
    out while that import is an ARC004 finding of the run: under ``--select ARC003``
    (ARC004 not run) they are reported, and a ``# noqa: ARC004`` on the import (the
    coupling accepted) leaves them out too. A fan's place follows the heads: one more
    head that imports a link's module directly turns the fan back into its links. The
    search follows at most 4 million uses (2 000 per module in a larger project): where
    the helpers import most of the project (every router importing a 10 000-line hub),
    it stops there, in the layered modules' order, and a warning names how many heads it
    left; their chains are not reported.
    """

    code = "ARC003"
    name = "indirect-layer-leak"

    def check_link(self, link: Link) -> str | None:
        kinds = {reach: violation(reach.head_layer, reach.tail_layer) for reach in link.reaches}
        reaches = [reach for reach, kind in kinds.items() if kind in _KINDS]
        if not reaches:
            return None
        kind = next(k for k in _KINDS if k in kinds.values())
        tails = sorted({reach.tail for reach in reaches})
        tail_layers = _in_order(reach.tail_layer for reach in reaches)
        if len(tails) == 1:
            subject = f"{singular(tail_layers[0]).capitalize()} {tails[0]} is"
        else:
            named = ", ".join(tails[:_TAILS_SHOWN])
            if len(tails) > _TAILS_SHOWN:
                named += f" and {len(tails) - _TAILS_SHOWN} more"
            subject = f"{' and '.join(tail_layers).capitalize()} {named} are"
        uses: dict[str, set[str]] = {}
        for reach in reaches:
            uses.setdefault(reach.head, set()).update(reach.uses)
        shown = [f"{head} uses {', '.join(sorted(names))}" for head, names in sorted(uses.items())]
        if len(shown) > _HEADS_SHOWN:
            shown = [*shown[:_HEADS_SHOWN], f"and {len(shown) - _HEADS_SHOWN} more"]
        heads = " and ".join(_in_order(reach.head_layer for reach in reaches))
        tail_names = " and ".join(tail_layers)
        if link.through:
            # A fan: the statement to change is this import of a module of no layer.
            hubs = ", ".join(link.through)
            way = f"through this import of {hubs}, by {link.beyond} imports past it"
            advice = f"stop importing {hubs} here or cut its way to {tail_names}"
        else:
            way = "through this import"
            advice = f"stop importing {'schemas' if kind == MODELS_ON_SCHEMAS else tail_names} here"
            if kind == BYPASS and link.definitions:
                advice = f"move {', '.join(link.definitions)} into a service or {advice}"
        return f"{subject} reached from {heads} {way} ({'; '.join(shown)}); {_WHY[kind]}{advice}"

    valid = (
        # The model imports schemas itself (ARC004 there): the column type's import of the
        # settings schemas repeats that coupling.
        Example(
            {
                "app/models/user.py": """
                    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

                    from app.core.columns import DisplayColumn
                    from app.schemas import NotifySettings  # ARC004


                    class Base(DeclarativeBase):
                        pass


                    class User(Base):
                        __tablename__ = "user"
                        id: Mapped[int] = mapped_column(primary_key=True)
                        display = mapped_column(DisplayColumn)
                        notify = NotifySettings
                """,
                "app/core/columns.py": """
                    from sqlalchemy.types import JSON, TypeDecorator

                    from app.schemas.settings import DisplaySettings


                    class DisplayColumn(TypeDecorator):
                        impl = JSON

                        def process_result_value(self, value, dialect):
                            return DisplaySettings(**value)
                """,
                "app/schemas/__init__.py": "from app.schemas.settings import NotifySettings\n",
                "app/schemas/settings.py": """
                    from pydantic import BaseModel


                    class DisplaySettings(BaseModel):
                        theme: str = "light"


                    class NotifySettings(BaseModel):
                        email: bool = True
                """,
            }
        ),
        # The routers use get_session only; the seed function that uses the
        # repositories is never on their way.
        Example(
            {
                "app/api/routers/orders.py": """
                    from app.core.db import get_session


                    def list_orders(session=get_session()):
                        return session
                """,
                "app/core/db.py": """
                    from app.repositories import order_repo

                    ENGINE = "sqlite://"


                    def get_session():
                        return ENGINE


                    def init_db():
                        order_repo.seed()
                """,
                "app/repositories/order_repo.py": """
                    def seed():
                        pass
                """,
                "app/services/order_service.py": "",
            }
        ),
        # What an import never runs: a repository's type imported for type checkers only,
        # and a script's block that runs only as ``python -m app.core.report``.
        Example(
            {
                "app/api/routers/reports.py": """
                    from app.core.report import total


                    def report():
                        return total([])
                """,
                "app/core/report.py": """
                    from __future__ import annotations

                    from typing import TYPE_CHECKING

                    if TYPE_CHECKING:
                        from app.repositories.row_repo import Row


                    def total(rows: list[Row]) -> int:
                        return len(rows)


                    if __name__ == "__main__":
                        from app.repositories.row_repo import all_rows

                        print(total(all_rows()))
                """,
                "app/repositories/row_repo.py": """
                    Row = tuple[int, str]


                    def all_rows():
                        return []
                """,
                "app/services/report_service.py": "",
            }
        ),
        # A helper gives the model an enum of the schemas: values ARC004 lets a model
        # import itself, so no leak through a helper either.
        Example(
            {
                "app/schemas/proxy.py": """
                    import enum


                    class ProxyType(str, enum.Enum):
                        VMESS = "vmess"
                        VLESS = "vless"
                """,
                "app/core/protocols.py": """
                    from app.schemas.proxy import ProxyType


                    def supported(protocol: str) -> bool:
                        return protocol in {p.value for p in ProxyType}
                """,
                "app/models/proxy.py": """
                    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

                    from app.core.protocols import supported


                    class Base(DeclarativeBase):
                        pass


                    class Proxy(Base):
                        __tablename__ = "proxies"
                        id: Mapped[int] = mapped_column(primary_key=True)
                        protocol: Mapped[str]

                        @property
                        def usable(self) -> bool:
                            return supported(self.protocol)
                """,
                "app/api/routers/proxies.py": "",
            }
        ),
        # The package is the app: its __init__ builds it and includes the routers, and ran
        # before the service, which only reads a constant of it.
        Example(
            {
                "app/__init__.py": """
                    from pathlib import Path

                    from fastapi import FastAPI

                    APP_DIR = Path(__file__).parent
                    app = FastAPI()

                    from app.api.routers import items  # noqa: E402

                    app.include_router(items.router)
                """,
                "app/api/routers/items.py": """
                    from fastapi import APIRouter

                    from app.services.files import static_path

                    router = APIRouter()


                    @router.get("/")
                    def index():
                        return static_path("index.html")
                """,
                "app/services/files.py": """
                    from app import APP_DIR


                    def static_path(name):
                        return str(APP_DIR / "static" / name)
                """,
                "app/repositories/item_repo.py": "",
            }
        ),
        # The report service builds a widget and asks its size; the mail service's
        # template.render() is another head's code, not a call of Widget.render.
        Example(
            {
                "app/services/report_service.py": """
                    from app.core.widgets import Widget


                    def report():
                        return Widget().size()
                """,
                "app/services/mail_service.py": """
                    from app.core.templating import render_mail


                    def welcome(name):
                        return render_mail(name)
                """,
                "app/core/templating.py": """
                    import jinja2


                    def render_mail(name):
                        return jinja2.Template("Hello {{ name }}").render(name=name)
                """,
                "app/core/widgets.py": """
                    class Widget:
                        def size(self):
                            return 3

                        def render(self):
                            from app.api.routers.items import preview

                            return preview(self)
                """,
                "app/api/routers/items.py": """
                    def preview(widget):
                        return widget
                """,
                "app/repositories/item_repo.py": "",
            }
        ),
        # The service reads one function of a submodule through its package; the
        # submodule's other function, which imports a router, is not on its way.
        Example(
            {
                "app/services/late_runs.py": """
                    from app import ops


                    def mark_late(session, run_id):
                        return ops.deployments.read_deployment(session, run_id)
                """,
                "app/ops/__init__.py": "from . import deployments\n",
                "app/ops/deployments.py": """
                    def read_deployment(session, deployment_id):
                        return session.get("Deployment", deployment_id)


                    def update_deployment(session, deployment_id):
                        from app.api.routers.workers import lookups

                        return lookups()
                """,
                "app/api/routers/workers.py": """
                    def lookups():
                        return []
                """,
                "app/repositories/deployment_repo.py": "",
            }
        ),
        # The schema names the activities it shows by their registered names; the worker
        # runs them, the schema runs none.
        Example(
            {
                "app/schemas/run.py": """
                    from pydantic import BaseModel

                    from app.core.activities import Activities

                    SHOWN = {Activities.archive.__name__, Activities.ping.__name__}


                    class RunOut(BaseModel):
                        activity: str
                """,
                **_ACTIVITIES,
            }
        ),
        # A composition root assembles every layer: the routers may use it.
        Example(
            {
                "app/api/routers/orders.py": """
                    from app.api.deps import order_service


                    def list_orders():
                        return order_service().all()
                """,
                "app/api/deps.py": """
                    from app.repositories.order_repo import OrderRepository
                    from app.services.order_service import OrderService


                    def order_service():
                        return OrderService(OrderRepository())
                """,
                "app/repositories/order_repo.py": "class OrderRepository: ...\n",
                "app/services/order_service.py": "class OrderService: ...\n",
            }
        ),
        # The router builds the queue and enqueues; only the worker calls health().
        Example(
            {
                "app/api/routers/jobs.py": """
                    from app.core.queue import JobQueue


                    def start_job(name):
                        return JobQueue().enqueue(name)
                """,
                "app/core/queue.py": """
                    from app.repositories import audit_repo


                    class JobQueue:
                        def enqueue(self, name):
                            return name

                        def health(self):
                            return audit_repo.recent()
                """,
                "app/repositories/audit_repo.py": """
                    def recent():
                        return []
                """,
                "app/services/job_service.py": "",
            }
        ),
        # The ORM column holds a Pydantic model; pydantic never calls describe(), and
        # nothing on the way names it.
        Example(
            {
                "app/models/item.py": _ITEM_WITH_AN_ACTION,
                "app/core/actions.py": """
                    from pydantic import BaseModel

                    from app.schemas.item import ItemOut


                    class RunAction(BaseModel):
                        name: str

                        def describe(self):
                            return ItemOut(name=self.name)
                """,
                "app/schemas/item.py": """
                    from pydantic import BaseModel


                    class ItemOut(BaseModel):
                        name: str
                """,
                "app/services/item_service.py": "",
            }
        ),
    )
    invalid = (
        # The router hands the widget to a helper that leads to no layer, and the helper
        # calls its render(): the router's code calls it.
        Example(
            {
                "app/api/routers/items.py": """
                    from app.core.display import show
                    from app.core.widgets import Widget


                    def get_items():
                        return show(Widget())
                """,
                "app/core/display.py": """
                    def show(widget):
                        return widget.render()
                """,
                "app/core/widgets.py": """
                    from app.repositories import item_repo  # ARC003


                    class Widget:
                        def size(self):
                            return 3

                        def render(self):
                            return item_repo.all_items()
                """,
                "app/repositories/item_repo.py": """
                    def all_items():
                        return []
                """,
                "app/services/item_service.py": "",
            }
        ),
        # Four export modules past the registry read their repositories: one finding, at
        # the import of the registry.
        Example(
            {
                "app/api/routers/downloads.py": """
                    from app.core.formats import export_csv


                    def download(name):
                        return export_csv(name)
                """,
                "app/core/formats.py": """
                    from app.core.exports.registry import EXPORTS  # ARC003


                    def export_csv(name):
                        return ",".join(map(str, EXPORTS[name]()))
                """,
                "app/core/exports/registry.py": """
                    from app.core.exports import invoices, orders, products, users

                    EXPORTS = {
                        "invoices": invoices.export,
                        "orders": orders.export,
                        "products": products.export,
                        "users": users.export,
                    }
                """,
                **{
                    f"app/core/exports/{name}s.py": f"""
                        from app.repositories import {name}_repo


                        def export():
                            return {name}_repo.all_rows()
                    """
                    for name in ("invoice", "order", "product", "user")
                },
                **{
                    f"app/repositories/{name}_repo.py": "def all_rows():\n    return []\n"
                    for name in ("invoice", "order", "product", "user")
                },
                "app/services/export_service.py": "",
            }
        ),
        Example(
            {
                "app/api/routers/reports.py": """
                    from app.core.lookup import build_report


                    def report():
                        return build_report()
                """,
                "app/core/lookup.py": """
                    from app.repositories import product_repo  # ARC003


                    def build_report():
                        return product_repo.get_all()
                """,
                "app/repositories/product_repo.py": """
                    def get_all():
                        return []
                """,
                "app/services/report_service.py": "",
            }
        ),
        Example(
            {
                "app/repositories/order_repo.py": """
                    from app import helpers


                    def notify():
                        helpers.send()
                """,
                "app/helpers.py": """
                    def send():
                        import app.services.order_service  # ARC003
                """,
                "app/services/order_service.py": "",
            }
        ),
        # The router calls the method that uses the repository.
        Example(
            {
                "app/api/routers/exports.py": """
                    from app.core.exporter import CsvExporter


                    def export():
                        return CsvExporter().rows()
                """,
                "app/core/exporter.py": """
                    from app.repositories import report_repo  # ARC003


                    class CsvExporter:
                        def header(self):
                            return "name,total"

                        def rows(self):
                            return report_repo.totals()
                """,
                "app/repositories/report_repo.py": """
                    def totals():
                        return []
                """,
                "app/services/report_service.py": "",
            }
        ),
        # The schema reads one activity by itself: its body is on the schema's way.
        Example(
            {
                "app/schemas/run.py": """
                    from pydantic import BaseModel

                    from app.core.activities import Activities

                    ARCHIVE = Activities.archive


                    class RunOut(BaseModel):
                        activity: str
                """,
                **_ACTIVITIES,
                "app/core/activities.py": _ACTIVITIES["app/core/activities.py"].replace(
                    "import archive_service\n", "import archive_service  # ARC003\n"
                ),
            }
        ),
        # Pydantic calls model_post_init on every model it builds.
        Example(
            {
                "app/models/item.py": _ITEM_WITH_AN_ACTION,
                "app/core/actions.py": """
                    from pydantic import BaseModel

                    from app.schemas.item import ItemOut  # ARC003


                    class RunAction(BaseModel):
                        name: str

                        def model_post_init(self, context):
                            self._shown = ItemOut(name=self.name)
                """,
                "app/schemas/item.py": """
                    from pydantic import BaseModel


                    class ItemOut(BaseModel):
                        name: str
                """,
                "app/services/item_service.py": "",
            }
        ),
    )


def _in_order(layers) -> list[str]:
    found = set(layers)
    return [layer for layer in LAYERS if layer in found]
