"""Put a graph's steps (see `compiled.codegen.Step`) on an RDataFrame node: as ROOT JIT strings, or as one
compiled library's typed node chain, optionally with the skim's results booked by the library too (the JIT
remains the fallback, named in a log line with the config key g++ rejected)."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any

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
) -> Any:
    """Each step as a string Define (Redefine for a step that `replaces` an input column)/Filter; `on_cut`
    sees the mark's node and each cut's."""
    cache.REPORT.jit_graphs += 1
    node = df
    for step in steps:
        if step.kind == "mark":
            if on_cut is not None:
                on_cut(step.name, node)
        elif step.kind in ("define", "parameter"):
            method = node.Redefine if step.replaces else node.Define
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

    generated = codegen.generate(steps, dataset_types(df, steps), declarations)
    library = _load(generated, codegen.prototype)
    if library is None:
        return None
    built = library.build(ROOT.RDF.AsRNode(df), codegen.parameter_values(steps))
    return [ROOT.RDF.RNode(node) for node in built]


class CompiledBooking:
    """The results a compiled library booked on one dataframe (see `codegen.Outputs`), read after the loop."""

    def __init__(self, library: Any, booking: Any, outputs: codegen.Outputs) -> None:
        self._library = library
        self._booking = booking
        self.outputs = outputs

    def handle(self) -> Any:
        """A result of the graph, to hand to RunGraphs."""
        return self._library.handle(self._booking)

    def cutflow(self) -> list[tuple[int, float, float]]:
        """(entries, sum of weights, sum of squared weights) at the mark and after each cut."""
        values = list(self._library.cutflow(self._booking))
        return [(int(values[i]), values[i + 1], values[i + 2]) for i in range(0, len(values), 3)]

    def histogram(self, index: int) -> Any:
        """The TH1D of `outputs.histograms[index]` (owned by the booking)."""
        return self._library.histogram(self._booking, index)

    def rows(self) -> int:
        return int(self._library.rows(self._booking))

    def spill_files(self) -> list[str]:
        return [str(path) for path in self._library.spill_files(self._booking)]

    def integer_features(self) -> list[str]:
        return [str(name) for name in self._library.integer_features(self._booking)]

    def __del__(self) -> None:
        self._library.release(self._booking)


def book_compiled(
    df: Any,
    steps: Sequence[Step],
    declarations: str | None,
    outputs: codegen.Outputs,
    *,
    spill_prefix: str,
    buffer_rows: int,
) -> CompiledBooking | None:
    """The graph and `outputs` booked by one compiled library (no string goes through ROOT's interpreter),
    or None when the generated source does not compile (logged; the caller then uses the JIT)."""
    import ROOT

    after = [*outputs.export, *(expression for _, expression in outputs.integer_probes)]
    after += [name for hist in outputs.histograms for name in (hist.column, hist.weight)]
    generated = codegen.generate(steps, dataset_types(df, steps, after), declarations, outputs)
    library = _load(generated, codegen.booking_prototype)
    if library is None:
        return None
    parameters = codegen.parameter_values(steps)
    booking = library.book(ROOT.RDF.AsRNode(df), parameters, spill_prefix, buffer_rows)
    return CompiledBooking(library, booking, outputs)


def _load(generated: codegen.Generated, prototype: Callable[[str], str]) -> Any:
    """The namespace of the generated library in ROOT (compiled or taken from the cache, loaded once per
    process), or None when g++ rejects the source."""
    import ROOT

    try:
        path = cache.library(generated.source)
    except cache.CompileError as exc:
        step = _step_at(generated, exc.line)
        where = step.where if step is not None else "generated graph"
        expression = f" `{step.expression}`" if step is not None else ""
        log.warning(
            "compiled graph: %s%s cannot be compiled (%s): ROOT's JIT runs the graph instead",
            where,
            expression,
            exc,
        )
        cache.REPORT.fallbacks.append(where)
        return None
    if generated.namespace not in _loaded:
        if ROOT.gSystem.Load(str(path)) < 0 or not ROOT.gInterpreter.Declare(prototype(generated.namespace)):
            raise ConfigError(f"cannot load the compiled graph {path}")
        _loaded.add(generated.namespace)
    cache.REPORT.compiled_graphs += 1
    return getattr(ROOT, generated.namespace)


def dataset_types(df: Any, steps: Sequence[Step], after: Sequence[str] = ()) -> dict[str, str]:
    """The C++ type of every column of `df` the steps read (columns they define themselves excluded), and
    the expressions `after` them."""
    available = {str(name) for name in df.GetColumnNames()}
    defined: set[str] = set()
    types: dict[str, str] = {}
    read_after = [Step("filter", "", expression, "") for expression in after]
    for step in [*steps, *read_after]:
        for column in codegen.columns_used(step.expression, available - defined):
            types.setdefault(column, str(df.GetColumnType(column)))
        if step.kind == "define":
            defined.add(step.name)
    return types


def _step_at(generated: codegen.Generated, line: int | None) -> Step | None:
    if line is None or line > generated.last_line:
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
