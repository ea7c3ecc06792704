"""Every type annotation in `mtjax.physics` and `mtjax.devices` must evaluate.

All these modules use `from __future__ import annotations`, so an invalid jaxtyping spec
such as `Float[Array, 3]` (dimensions must be strings: `Float[Array, "3"]`) is stored as a
string and never evaluated on import. `typing.get_type_hints` evaluates it, and jaxtyping
raises on a bad spec, so this test resolves the hints of:

- every public function defined in each module (re-exports are checked where defined);
- every `equinox.Module` defined in each module (its field annotations, inherited ones
  included), and every function defined in its class body: methods, `__call__`,
  `__init__`/`__check_init__`, static/class methods, property getters/setters, and methods
  wrapped by `eqx.filter_jit` & co. (unwrapped through `__wrapped__`).

Nothing is skipped: every hint currently resolves.
"""

import importlib
import inspect
import pkgutil
import types
import typing

import equinox as eqx
import pytest

import mtjax.devices
import mtjax.physics

_PACKAGES = (mtjax.physics, mtjax.devices)
# Dunders that are written by hand in a class body (the dataclass-generated ones carry the
# field annotations, which are already checked through the class itself).
_CHECKED_DUNDERS = {"__call__", "__init__", "__check_init__"}


def _modules() -> list[types.ModuleType]:
    mods = []
    for pkg in _PACKAGES:
        mods.append(pkg)
        for info in pkgutil.walk_packages(pkg.__path__, prefix=pkg.__name__ + "."):
            mods.append(importlib.import_module(info.name))
    return mods


def _functions_of(member: object) -> list[tuple[str, types.FunctionType]]:
    """The plain functions behind a class-body member (`""` or a suffix names each)."""
    if isinstance(member, property):
        parts = [(".fget", member.fget), (".fset", member.fset), (".fdel", member.fdel)]
    elif isinstance(member, (staticmethod, classmethod)):
        parts = [("", member.__func__)]
    else:
        parts = [("", member)]
    out = []
    for suffix, fn in parts:
        if fn is None or not callable(fn):
            continue
        fn = inspect.unwrap(fn)  # through eqx.filter_jit / functools.wraps wrappers
        if inspect.isfunction(fn):
            out.append((suffix, fn))
    return out


def _annotated_objects(module: types.ModuleType) -> list[tuple[str, object]]:
    """(qualified name, object) for everything in `module` whose hints must resolve."""
    objs = []
    for name, value in vars(module).items():
        obj = inspect.unwrap(value) if callable(value) else value
        if getattr(obj, "__module__", None) != module.__name__:
            continue  # imported from elsewhere: checked in its own module
        qualname = f"{module.__name__}.{name}"
        if inspect.isclass(obj) and issubclass(obj, eqx.Module):
            objs.append((qualname, obj))
            for attr, member in vars(obj).items():
                if attr.startswith("__") and attr not in _CHECKED_DUNDERS:
                    continue
                for suffix, fn in _functions_of(member):
                    if fn.__module__ == module.__name__:
                        objs.append((f"{qualname}.{attr}{suffix}", fn))
        elif inspect.isfunction(obj) and not name.startswith("_"):
            objs.append((qualname, obj))
    return objs


_MODULES = _modules()


def test_walk_finds_the_annotated_objects():
    """Guard against the walk silently checking nothing (e.g. a wrapper it can't see through)."""
    names = {n for m in _MODULES for n, _ in _annotated_objects(m)}
    assert len(names) > 100
    for expected in (
        "mtjax.physics._freelayer.FreeLayer",
        "mtjax.physics._solve.solve_llgs",
        "mtjax.physics._solve.SwitchingCriterion.__call__",  # a method's own annotations
        "mtjax.devices._chain.SeriesChain.level_states",  # eqx.filter_jit-wrapped method
    ):
        assert expected in names, expected


@pytest.mark.parametrize("module", _MODULES, ids=lambda m: m.__name__)
def test_type_hints_resolve(module):
    failures = []
    for qualname, obj in _annotated_objects(module):
        try:
            typing.get_type_hints(obj, include_extras=True)
        except Exception as e:  # report every failure, whatever it is
            failures.append(f"{qualname}: {type(e).__name__}: {e}")
    assert not failures, "annotations that do not evaluate:\n" + "\n".join(failures)
