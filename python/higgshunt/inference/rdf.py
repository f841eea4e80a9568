"""Scores inside an RDataFrame graph: one `Define` calling the C++ model: local, multi-threaded or on Dask.

A tree ensemble in a local graph is scored by its trees compiled as code (`tree_codegen`, cached) when
compiled code is enabled (`eventloop.compiled.cache.enabled`); otherwise, on Dask, or when the compilation
fails (one log line says why), by the node-array evaluator of `higgshunt::Model`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from higgshunt import native
from higgshunt.artifacts import exported_model as exported_file
from higgshunt.artifacts.exported_model import default_path
from higgshunt.artifacts.trained_model import TrainedModel
from higgshunt.errors import InputError, ModelFormatError
from higgshunt.eventloop.compiled import cache
from higgshunt.inference.export import as_trained, export_model, is_current
from higgshunt.inference.tree_codegen import CompiledTrees, compile_trees

log = logging.getLogger(__name__)

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_distributed_ready = False
_checked: dict[tuple[str, int, int] | None, str] = {}  # exported file (path, mtime, size) -> its source hash
# exported file -> its trees, loaded into ROOT; None: they cannot be compiled (not tried again)
_compiled: dict[tuple[str, int, int] | None, CompiledTrees | None] = {}


def exported_model(model: TrainedModel | str | Path) -> Path:
    """The exported model file of a trained model (a directory or one already loaded), exported (again) if
    missing or out of date.

    A file already checked in this process is not parsed again while its size and modification time hold.
    """
    trained = as_trained(model)
    path = default_path(trained.directory)
    source = trained.source_hash()
    if _checked.get(_stat_key(path)) != source:
        if not is_current(trained, path):
            export_model(trained, path)
        _checked[_stat_key(path)] = source
    return path.resolve()


def _stat_key(path: Path) -> tuple[str, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return str(path.resolve()), stat.st_mtime_ns, stat.st_size


def score_expression(
    model_file: str | Path,
    features: list[str],
    *,
    event_number: str = "eventNumber",
    feature_columns: Mapping[str, str] | None = None,
    compiled: CompiledTrees | None = None,
) -> str:
    """The C++ body of the score column: the model is looked up once per compiled expression (a function-local
    static), then each event fills a stack array with the features and scores a non-owning RVecF view of it
    (an array, not one argument per feature: 441 RMM cells would exceed the interpreter's nesting limit).
    With `compiled` trees, the array goes to their scorer instead."""
    columns = [dict(feature_columns or {}).get(f, f) for f in features]
    literal = json.dumps(str(model_file))  # a valid C++ string literal for any path
    values = ", ".join(f"static_cast<float>({c})" for c in columns)
    if compiled is not None:
        return (
            f"float higgshunt_x_[] = {{{values}}};\nreturn {compiled.symbol}({event_number}, higgshunt_x_);"
        )
    return (
        f"static const higgshunt::Model& higgshunt_model_ = higgshunt::Model::Get({literal});\n"
        f"float higgshunt_x_[] = {{{values}}};\n"
        f"return higgshunt_model_.Score({event_number}, ROOT::RVecF(higgshunt_x_, {len(columns)}));"
    )


def define_score(
    df: Any,
    model: TrainedModel | str | Path,
    column: str = "score",
    *,
    event_number: str = "eventNumber",
    feature_columns: Mapping[str, str] | None = None,
) -> Any:
    """Define `column` as the model's score in the graph `df` (local or distributed RDataFrame node).

    Args:
        df: an RDataFrame node.
        model: a trained-model directory, or one already loaded (`artifacts.trained_model.load`), read once
            per call; exported to the default exported-model file in its directory if needed.
        column: name of the new column (float).
        event_number: the column that chooses the fold (fold = eventNumber % n_folds).
        feature_columns: feature name -> column name or C++ expression, for features that the graph calls
            differently (e.g. "lep1_pt": "lep_pt_gev[0]"); by default each feature is the column of its name.
            The values must be in the training's units (GeV).

    Returns:
        The new node.

    Raises:
        InputError: a feature column or the event-number column is not in the graph.
        ModelFormatError: the model cannot be exported.

    On Dask, the C++ library is declared on the workers and the model is loaded there from the same absolute
    path, so the model directory must be on a file system the workers see; tree ensembles are scored there
    by the node-array evaluator, not compiled.
    """
    trained = as_trained(model)
    path = exported_model(trained)
    features = list(trained.features)
    mapping = dict(feature_columns or {})
    unknown = sorted(set(mapping) - set(features))
    if unknown:
        raise InputError(f"feature_columns names {unknown}, which are not features of {path}")
    compiled = None
    if _is_distributed(df):
        _prepare_distributed()
    else:
        native.load_into_root()
        if trained.kind == "bdt" and cache.enabled():
            compiled = _compiled_trees(path)
    names = set(str(c) for c in df.GetColumnNames())
    needed = [event_number] + [mapping.get(f, f) for f in features]
    missing = [c for c in needed if _IDENTIFIER.match(c) and c not in names]
    if missing:
        raise InputError(
            f"the graph has no column(s) {missing} needed by the model {path} (map them with feature_columns)"
        )
    log.debug("defining %s from %s (%d features)", column, path, len(features))
    return df.Define(
        column,
        score_expression(
            path, features, event_number=event_number, feature_columns=mapping, compiled=compiled
        ),
    )


def _compiled_trees(path: Path) -> CompiledTrees | None:
    """The exported ensemble at `path` compiled as code and loaded into ROOT (once per file and process);
    None, with one log line saying why, when it cannot be (remembered: a failing compilation is not paid
    again by every later Define of the same model)."""
    stat = _stat_key(path)
    if stat not in _compiled:
        _compiled[stat] = _load_compiled(path)
    return _compiled[stat]


def _load_compiled(path: Path) -> CompiledTrees | None:
    import ROOT

    start = cache.REPORT.compile_seconds
    try:
        trees = compile_trees(exported_file.load(path).folds)
    except (cache.CompileError, ModelFormatError) as exc:
        log.warning("%s: trees not compiled as code (%s): the node-array evaluator scores them", path, exc)
        return None
    if ROOT.gSystem.Load(str(trees.library)) < 0 or not ROOT.gInterpreter.Declare(trees.declaration()):
        log.warning("%s: ROOT cannot load %s: the node-array evaluator scores the trees", path, trees.library)
        return None
    log.info(
        "%s: trees compiled as code (%s, %.1f s compiling)",
        path,
        trees.library,
        cache.REPORT.compile_seconds - start,
    )
    return trees


def _is_distributed(df: Any) -> bool:
    return type(df).__module__.startswith("ROOT._distrdf")


def _prepare_distributed() -> None:
    """Declare the inference header and load the library on every Dask worker (once per process)."""
    global _distributed_ready
    if _distributed_ready:
        return
    import ROOT

    native.load_into_root()
    ROOT.RDF.Distributed.DistributeCppCode(
        f'#pragma cling add_include_path("{native.INCLUDE_DIR}")\n'
        f'#pragma cling load("{native.LIBRARY}")\n'
        '#include "higgshunt/inference.hpp"\n'
    )
    _distributed_ready = True
