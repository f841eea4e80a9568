"""Saving matplotlib figures: each format under a temporary name, checked to be a whole file, then renamed."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from higgshunt.errors import OutputError
from higgshunt.outputs import atomic_output

# How a whole file of each format starts and what its last bytes hold (a cut-off write lacks the end).
_SIGNATURES = {
    "png": (b"\x89PNG\r\n\x1a\n", b"IEND"),
    "pdf": (b"%PDF-", b"%%EOF"),
    "svg": (b"<?xml", b"</svg>"),
}


def save_figure(
    fig: Any, stem: Path, formats: Sequence[str] = ("png", "pdf"), *, dpi: float | None = None, **options: Any
) -> list[Path]:
    """Write `fig` as `stem`.<format> for each of `formats` and return the paths.

    `dpi` applies to raster formats (png) only; `options` go to `Figure.savefig` (e.g. bbox_inches).

    Raises:
        OutputError: a file cannot be written (no space, file too large, no permission) or does not read
            back as a whole file of its format.
    """
    paths = []
    for fmt in formats:
        path = stem.with_name(f"{stem.name}.{fmt}")
        with atomic_output(path, verify=partial(_check, fmt=fmt, final=path)) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi if fmt == "png" else None, **options)
        paths.append(path)
    return paths


def _check(tmp: Path, fmt: str, final: Path) -> None:
    start, end = _SIGNATURES.get(fmt, (b"", b""))
    with tmp.open("rb") as handle:
        head = handle.read(len(start))
        size = handle.seek(0, 2)
        handle.seek(max(size - 64, 0))
        tail = handle.read()
    if size == 0 or head != start or end not in tail:
        raise OutputError(f"{final}: the written {fmt} file is incomplete ({size} bytes)")
