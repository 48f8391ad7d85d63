"""A domain package's public verbs, loaded on first use.

Some domains still import each other's modules in cycles (see docs/architecture.md); importing
their verbs while a package initialises would close one. A package therefore names where each
public name lives and lets this module load it when it is first asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_exports(package: str, where: Mapping[str, Iterable[str]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that loads each name from its module in ``where``."""
    module_of = {name: module for module, names in where.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name in module_of:
            return getattr(importlib.import_module(module_of[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
