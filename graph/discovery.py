"""Finding the declarations of a package by themselves: each module declares one under a known name.

The questions (:mod:`graph.questions`) and the import formats (:mod:`importers.formats`)
are found this way: adding one is adding a module, and nothing else lists it.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from typing import Any


def declared_in(package: str, path: Iterable[str], attribute: str, kind: type, skip: Iterable[str] = ()) -> list[Any]:
    """The *attribute* of every module of *package* (whose search path is *path*) but those in *skip*; each
    must be a *kind*."""
    found = []
    for module_info in pkgutil.iter_modules(path):
        if module_info.name in skip:
            continue
        module = importlib.import_module(f"{package}.{module_info.name}")
        declared = getattr(module, attribute, None)
        if not isinstance(declared, kind):
            raise TypeError(f"{module.__name__} declares no {attribute}")
        found.append(declared)
    return found
