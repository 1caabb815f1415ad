"""The layers that module names say: ``services``, ``crud``, ``users_service``."""

from __future__ import annotations

from archcheck.layers import MODELS, REPOSITORIES, ROUTERS, SCHEMAS, SERVICES

__all__ = ["LAYER_OF_NAME", "NAMES", "layer_of_name"]

NAMES = {
    ROUTERS: ("routers", "routes", "endpoints", "views", "router"),
    SERVICES: ("services", "service", "use_cases"),
    REPOSITORIES: ("repositories", "repository", "repos", "crud", "dao"),
    MODELS: ("models", "model", "entities"),
    SCHEMAS: ("schemas", "schema", "dto", "datamodels"),
}
LAYER_OF_NAME = {name: layer for layer, names in NAMES.items() for name in names}
# ``user_service.py``, ``scope_repository.py``, ``user_schemas.py``, ``chat_router.py``: a
# module named for its layer after what it holds (``detection`` says where that counts).
# Only the layers whose names say little else (``git_repo``, ``language_model``,
# ``admin_views`` and ``openapi_schema`` would not be layers); such schemas count only when
# their code is Pydantic's, such routers only when their code is web code.
_SUFFIXES = {
    f"_{name}": layer
    for name, layer in LAYER_OF_NAME.items()
    if name
    in (
        "router",
        "routers",
        "routes",
        "endpoints",
        "service",
        "services",
        "repository",
        "repositories",
        "crud",
        "dao",
        "schemas",
        "dto",
    )
}


# A verb between a subject and ``_repository`` names an action on a repository of code (a
# workflow node ``github_get_repository``, ``gitlab_list_repositories``), not a data
# layer. Only verbs that are no nouns: ``search_repository``, ``sync_service`` and
# ``user_search_repository`` are layers.
_ACTIONS = frozenset(
    {"get", "list", "create", "update", "delete", "fetch", "find", "clone", "fork"}
)


def layer_of_name(name: str) -> str | None:
    """The layer a module's own name says (``services``, ``user_service``), if any."""
    layer = LAYER_OF_NAME.get(name)
    if layer is None and "_" in name:
        head, suffix = name[: name.rindex("_")], name[name.rindex("_") :]
        layer = _SUFFIXES.get(suffix)
        subject, _, verb = head.rpartition("_")
        if suffix in ("_repository", "_repositories") and subject and verb.lower() in _ACTIONS:
            return None
    return layer
