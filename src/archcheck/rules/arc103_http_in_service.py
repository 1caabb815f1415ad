from __future__ import annotations

import ast

from archcheck.layers import SERVICES
from archcheck.rules.arc102_fastapi_in_repository import web_imports
from archcheck.rules.base import Example, SyntaxRule
from archcheck.rules.frameworks import http_exception_raised


class HttpInService(SyntaxRule):
    """A service imports fastapi or starlette, or raises an HTTP exception

    ## What it does
    Flags, in the services layer, every import statement of ``fastapi`` or ``starlette``
    (or their submodules) and every ``raise`` of their ``HTTPException``, recognised as
    ARC101 recognises it (aliases, module paths, project subclasses, bound names).

    Off by default, because many teams accept ``HTTPException`` in services as a pragmatic
    shortcut; on with ``strict = true`` in ``[tool.archcheck]``, or with
    ``--extend-select ARC103``.

    ## Why is this bad?
    Services hold the business rules; they are what a CLI command, a background job or a
    second API reuses. A service that raises ``HTTPException`` or takes a ``Request``
    decides HTTP concerns that belong to the router and cannot run outside a request.

    ## Example
    ```python
    # app/services/order_service.py
    from fastapi import HTTPException

    def cancel(order: Order) -> Order:
        if order.status == "shipped":
            raise HTTPException(409, "already shipped")
        ...
    ```

    ## Use instead
    ```python
    # app/services/order_service.py
    class OrderAlreadyShipped(Exception): ...

    def cancel(order: Order) -> Order:
        if order.status == "shipped":
            raise OrderAlreadyShipped(order.id)
        ...

    # app/api/routers/orders.py: except OrderAlreadyShipped: raise HTTPException(409, ...)
    ```
    """

    code = "ARC103"
    name = "http-in-service"
    default = "strict"
    layers = (SERVICES,)

    def visit_Import(self, node: ast.Import) -> None:
        self._check_import(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._check_import(node)

    def _check_import(self, node: ast.Import | ast.ImportFrom) -> None:
        modules = web_imports(node)
        if modules:
            self.report(
                node,
                f"Service imports {', '.join(modules)}; keep HTTP in the routers: take plain "
                f"arguments and raise domain exceptions",
            )

    def visit_Raise(self, node: ast.Raise) -> None:
        raised = http_exception_raised(node, self.scopes, self.index)
        if raised is not None:
            self.report(
                node,
                f"Service raises HTTP exception {raised}; raise a domain exception and map it "
                f"to an HTTP status in the router",
            )

    valid = (
        Example(
            {
                "app/services/order_service.py": (
                    "from app.services.errors import OrderAlreadyShipped\n"
                    "\n"
                    "\n"
                    "def cancel(order):\n"
                    "    if order.status == 'shipped':\n"
                    "        raise OrderAlreadyShipped(order.id)\n"
                    "    return order\n"
                ),
                "app/services/errors.py": "class OrderAlreadyShipped(Exception):\n    pass\n",
                "app/api/routers/orders.py": "from fastapi import HTTPException\n",
            },
            config="strict = true",
        ),
    )
    invalid = (
        Example(
            {
                "app/services/order_service.py": (
                    "from fastapi import HTTPException, status  # ARC103\n"
                    "from starlette.requests import Request  # ARC103\n"
                    "\n"
                    "\n"
                    "def cancel(order, request: Request):\n"
                    "    if order.status == 'shipped':\n"
                    "        raise HTTPException(status.HTTP_409_CONFLICT)  # ARC103\n"
                    "    error = HTTPException(404)\n"
                    "    if order.deleted:\n"
                    "        raise error  # ARC103\n"
                    "    return order\n"
                ),
                "app/repositories/order_repo.py": "",
            },
            config="strict = true",
        ),
    )
