"""Put a graph's steps (see `compiled.codegen.Step`) on an RDataFrame node: as ROOT JIT strings, or as one
compiled library's typed node chain (the JIT remains the fallback, named in a log line, when g++ rejects
the generated source)."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import IO, Any

from higgshunt import native
from higgshunt.errors import ConfigError
from higgshunt.eventloop.compiled import cache, codegen
from higgshunt.eventloop.compiled.codegen import Step
from higgshunt.eventloop.declare import first_line

log = logging.getLogger(__name__)

_loaded: set[str] = set()


def apply_jit(
    df: Any,
    steps: Sequence[Step],
    on_cut: Callable[[str, Any], None] | None,
    *,
    redefine: Collection[str] = (),
) -> Any:
    """Each step as a string Define/Filter; `on_cut` sees the mark's node and each cut's. Columns named in
    `redefine` replace input columns of that name (Redefine)."""
    node = df
    for step in steps:
        if step.kind == "mark":
            if on_cut is not None:
                on_cut(step.name, node)
        elif step.kind == "define":
            method = node.Redefine if step.name in redefine else node.Define
            node = _call(method, step.name, step.expression, where=step.where)
        else:
            node = _call(node.Filter, step.expression, step.name, where=step.where)
            if on_cut is not None:
                on_cut(step.name, node)
    return node


def apply_compiled(df: Any, steps: Sequence[Step], declarations: str | None) -> list[Any] | None:
    """The nodes of the compiled graph (the mark's, each cut's, then the last), or None when the generated
    source does not compile (logged with the step's config key; the caller then uses the JIT)."""
    import ROOT

    native.load_into_root()
    generated = codegen.generate(steps, dataset_types(df, steps), declarations)
    try:
        path = cache.library(generated.source)
    except cache.CompileError as exc:
        step = _step_at(generated, exc.line)
        where = step.where if step is not None else "generated graph"
        log.warning("compiled graph: %s cannot be compiled (%s): ROOT's JIT is used instead", where, exc)
        cache.REPORT.fallbacks.append(where)
        return None
    if generated.namespace not in _loaded:
        if ROOT.gSystem.Load(str(path)) < 0 or not ROOT.gInterpreter.Declare(
            codegen.prototype(generated.namespace)
        ):
            raise ConfigError(f"cannot load the compiled graph {path}")
        _loaded.add(generated.namespace)
    built = getattr(ROOT, generated.namespace).build(ROOT.RDF.AsRNode(df))
    return [ROOT.RDF.RNode(node) for node in built]


def dataset_types(df: Any, steps: Sequence[Step]) -> dict[str, str]:
    """The C++ type of every column of `df` the steps read (columns they define themselves excluded)."""
    available = {str(name) for name in df.GetColumnNames()}
    defined: set[str] = set()
    types: dict[str, str] = {}
    for step in steps:
        for column in codegen.columns_used(step.expression, available - defined):
            types.setdefault(column, str(df.GetColumnType(column)))
        if step.kind == "define":
            defined.add(step.name)
    return types


def _step_at(generated: codegen.Generated, line: int | None) -> Step | None:
    if line is None:
        return None
    starts = [start for start in generated.lines if start <= line]
    return generated.lines[max(starts)] if starts else None


def _call(method: Any, *args: str, where: str) -> Any:
    """Call a Define/Filter; a C++ compilation error becomes a ConfigError naming the config key and the
    compiler's first error, printed once: ROOT's interpreter prints its diagnostics on stderr (for some errors
    twice), so they are held back while it compiles and shown only when the expression compiles after all."""
    with tempfile.TemporaryFile() as held:
        try:
            with _stderr_to(held):
                node = method(*args)
        except Exception as exc:  # cppyy's std::runtime_error proxies derive from Exception only
            held.seek(0)
            cause = _compiler_error(held.read().decode(errors="replace")) or first_line(exc)
            raise ConfigError(f"{where}: ROOT cannot use this expression: {cause}") from exc
        held.seek(0)
        sys.stderr.write(held.read().decode(errors="replace"))  # warnings of an expression that compiled
        return node


@contextlib.contextmanager
def _stderr_to(target: IO[bytes]) -> Iterator[None]:
    """File descriptor 2 (where C++ writes) goes to `target` inside the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(target.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _compiler_error(diagnostics: str) -> str | None:
    """The message of the interpreter's first `error:` line ("input_line_5:2:46: error: use of undeclared
    identifier 'x'" -> "use of undeclared identifier 'x'")."""
    for line in diagnostics.splitlines():
        if "error:" in line:
            return line.split("error:", 1)[1].strip()
    return None
