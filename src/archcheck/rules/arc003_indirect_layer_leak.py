from __future__ import annotations

from archcheck.layers import BYPASS, MODELS_ON_SCHEMAS, UPWARD, singular, violation
from archcheck.rules.base import ChainRule, Example

_ADVICE = {
    BYPASS: "call a service instead",
    UPWARD: "dependencies must point down the stack",
    MODELS_ON_SCHEMAS: "ORM models must not depend on API schemas",
}


class IndirectLayerLeak(ChainRule):
    """An import chain through modules of no layer connects two layers illegally

    ## What it does
    Follows imports through modules that belong to no layer (config, core, utils, db
    setup) and flags a layered module that reaches, that way, a module it may not import
    directly: a router reaching a repository, or a lower layer reaching a higher one. It
    reports once per chain, at the head module's first import of the chain, and spells the
    chain out. Chains whose head also imports the tail directly are left to the direct
    rules.

    ## Why is this bad?
    Moving a forbidden import into a helper module does not remove the dependency, it
    hides it: the router still cannot be used without the repository, and the next reader
    cannot see why.

    ## Example
    ```python
    # app/api/routers/orders.py
    from app.core.lookup import find_order  # app/core/lookup.py imports the repository
    ```

    ## Use instead
    ```python
    # app/api/routers/orders.py
    from app.services.order_service import OrderService
    ```
    """

    code = "ARC003"
    name = "indirect-layer-leak"

    def check_chain(self, chain: tuple[str, ...], head_layer: str, tail_layer: str) -> str | None:
        kind = violation(head_layer, tail_layer)
        if kind not in _ADVICE:
            return None
        head = singular(head_layer).capitalize()
        tail = singular(tail_layer)
        return (
            f"{head} reaches {tail} {chain[-1]} indirectly: {' -> '.join(chain)}; "
            f"{_ADVICE[kind]}"
        )

    valid = (
        Example(
            {
                "app/api/routers/orders.py": "from app.core import settings\n",
                "app/core/settings.py": "DEBUG = False\n",
                "app/services/order_service.py": "from app.core import lookup\n",
                "app/core/lookup.py": "from app.repositories import order_repo\n",
                "app/repositories/order_repo.py": "",
            }
        ),
    )
    invalid = (
        Example(
            {
                "app/api/routers/orders.py": "from app.core import lookup  # ARC003\n",
                "app/core/lookup.py": "from app.core import deep\n",
                "app/core/deep.py": "from app.repositories import order_repo\n",
                "app/repositories/order_repo.py": "",
                "app/services/order_service.py": "",
            }
        ),
        Example(
            {
                "app/repositories/order_repo.py": "from app import helpers  # ARC003\n",
                "app/helpers.py": "import app.services.order_service\n",
                "app/services/order_service.py": "",
            }
        ),
    )
