"""Human-readable outputs: the Markdown summary beside metrics.json and the table printed at the end of a
run."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from higgshunt.artifacts.documents import finite
from higgshunt.outputs import atomic_output

log = logging.getLogger(__name__)

# (metrics key, label) rows of the summary table, in the order a reader looks for them
_ROWS: tuple[tuple[str, str], ...] = (
    ("auc_weighted", "AUC (weighted)"),
    ("auc_bootstrap_std", "AUC bootstrap std"),
    ("auc", "AUC (unweighted)"),
    ("auc_std", "AUC std over folds (unweighted)"),
    ("bkg_eff_at_sig_eff.0.5", "bkg eff @ 50% sig"),
    ("bkg_eff_at_sig_eff.0.9", "bkg eff @ 90% sig"),
    ("bkg_eff_at_sig_eff.0.95", "bkg eff @ 95% sig"),
    ("cut_at_sig_eff.0.95", "cut @ 95% sig"),
    ("bkg_eff_held_out.0.95", "bkg eff, 95%-sig cut from other events"),
    ("sig_eff_held_out.0.95", "sig eff, 95%-sig cut from other events"),
    ("significance_asimov_best", "best Asimov Z (cut from other events)"),
    ("significance_asimov_cut", "cut for best Z"),
    ("ams_best", "best AMS (b_reg=10, cut from other events)"),
    ("r50", "R50"),
    ("jsd50", "JSD50"),
)


def _get(metrics: dict[str, Any], dotted: str) -> Any:
    head, _, tail = dotted.partition(".")
    value = metrics.get(head)
    if tail and isinstance(value, dict):
        return value.get(tail)
    return value


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def table(metrics: dict[str, Any]) -> list[list[str]]:
    """Rows [label, model, competitor] for every metric present."""
    competitor = metrics.get("competitor") or {}
    rows = []
    for key, label in _ROWS:
        mine = _get(metrics, key)
        theirs = _get(competitor, key) if competitor else None
        if mine is not None or theirs is not None:
            rows.append([label, _fmt(mine), _fmt(theirs)])
    return rows


def format_table(metrics: dict[str, Any]) -> str:
    """The metrics as a fixed-width text table (printed by the CLI)."""
    n_columns = 3 if metrics.get("competitor") else 2
    header = ["metric", str(metrics.get("model", "model")), "competitor"][:n_columns]
    rows = [header] + [row[:n_columns] for row in table(metrics)]
    widths = [max(len(r[i]) for r in rows) for i in range(n_columns)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    comparison = metrics.get("comparison")
    if comparison:
        lines.append(
            f"AUC difference to competitor: {comparison['delta_auc']:+.4f} "
            f"({comparison['delta_auc_sigma']:+.1f} sigma over folds)"
        )
    return "\n".join(lines)


def write_summary(path: Path, metrics: dict[str, Any], plots: Sequence[Path], title: str) -> None:
    """A short Markdown summary: the table, the comparison, and the plots."""
    lines = [
        f"# {title}",
        "",
        f"Model `{metrics.get('model')}` on {len(metrics.get('features', []))} features; "
        f"{metrics.get('n_test')} test events, seed {metrics.get('seed')}.",
        "",
    ]
    header = ["metric", "model", "competitor"] if metrics.get("competitor") else ["metric", "model"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in table(metrics):
        lines.append("| " + " | ".join(row[: len(header)]) + " |")
    comparison = metrics.get("comparison")
    if comparison:
        lines += ["", comparison_sentence(comparison)]
    scan = metrics.get("decorrelation_scan")
    if scan:
        name = scan["parameter"]
        lines += ["", f"| {name} | AUC | R50 | JSD50 | Pareto |", "|---|---|---|---|---|"]
        lines += [
            f"| {p[name]:g} | {p['auc']:.4f} | {p['r50']:.3g} | {p['jsd50']:.3g} |"
            f" {'yes' if p['pareto'] else ''} |"
            for p in scan["points"]
        ]
        lines += ["", f"Working point {name} = {scan['working_point'][name]:g} ({scan['rule']})."]
    lines += ["", "## Plots", ""] + [f"![{p.stem}]({p.name})" for p in plots]
    with atomic_output(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n")


def write_metrics(path: Path, metrics: dict[str, Any]) -> None:
    """metrics.json, written atomically."""
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(finite(metrics), indent=2, default=_jsonable, allow_nan=False) + "\n")


def read_metrics(path: Path) -> dict[str, Any]:
    """metrics.json as written by `write_metrics` (empty when missing or unreadable)."""
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def comparison_sentence(comparison: dict[str, Any]) -> str:
    """One line saying whether the model beats the competitor by more than two standard deviations."""
    verdict = "beats" if comparison["beats_by_2_sigma"] else "does not beat"
    return (
        f"The model {verdict} the competitor by more than two standard deviations: AUC difference "
        f"{comparison['delta_auc']:+.4f} = {comparison['delta_auc_sigma']:+.2f} sigma "
        f"({comparison['statistic']}), on the same test events."
    )
