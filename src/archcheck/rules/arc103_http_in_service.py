from __future__ import annotations

from archcheck.layers import SERVICES
from archcheck.rules.base import Example
from archcheck.rules.web_framework import ImportsWebFramework, RaisesFrameworkException


class HttpInService(ImportsWebFramework, RaisesFrameworkException):
    """A service imports fastapi or starlette, or raises an HTTP exception

    ## What it does
    Flags, in the services layer, every import statement of ``fastapi`` or ``starlette``
    (or their submodules), every ``raise`` of one of their exceptions and every
    module-level instance of one, recognised as ARC101 recognises them (aliases, module
    paths, project subclasses, bound names, instances of any module).

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
    subject = "Service"
    advice = "keep HTTP in the routers: take plain arguments and raise domain exceptions"

    valid = (
        Example(
            {
                "app/services/order_service.py": """
                    from app.services.errors import OrderAlreadyShipped


                    def cancel(order):
                        if order.status == "shipped":
                            raise OrderAlreadyShipped(order.id)
                        return order
                """,
                "app/services/errors.py": """
                    class OrderAlreadyShipped(Exception):
                        pass
                """,
                "app/api/routers/orders.py": "from fastapi import HTTPException\n",
            },
            config="strict = true",
        ),
    )
    invalid = (
        Example(
            {
                "app/services/order_service.py": """
                    from fastapi import HTTPException, status  # ARC103
                    from starlette.requests import Request  # ARC103

                    from app.core.errors import Gone

                    InvalidCredentialException = HTTPException(status_code=401)  # ARC103


                    def cancel(order, request: Request):
                        if order.status == "shipped":
                            raise HTTPException(status.HTTP_409_CONFLICT)  # ARC103
                        error = HTTPException(404)
                        if order.deleted:
                            raise error  # ARC103
                        if order.expired:
                            raise Gone()  # ARC103
                        raise InvalidCredentialException  # ARC103
                """,
                "app/core/errors.py": """
                    from starlette.exceptions import HTTPException


                    class Gone(HTTPException):
                        def __init__(self):
                            super().__init__(410)
                """,
                "app/repositories/order_repo.py": "",
            },
            config="strict = true",
        ),
    )
