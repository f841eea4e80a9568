"""Where every benchmark leaves its results: benchmarks/results/<name>.md (the table) and <name>.json (the
numbers with the provenance of the run), each written whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from higgshunt import provenance
from higgshunt.outputs import atomic_output

RESULTS = Path(__file__).resolve().parent / "results"


def save_results(name: str, markdown: str, record: dict[str, Any], config: Any) -> None:
    """Write the Markdown table and the JSON record (plus provenance of `config`) of benchmark `name`."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    with atomic_output(RESULTS / f"{name}.md") as tmp:
        tmp.write_text(markdown.rstrip("\n") + "\n")
    with atomic_output(RESULTS / f"{name}.json") as tmp:
        document = {**record, "provenance": provenance.collect(config)}
        tmp.write_text(json.dumps(document, indent=2, default=str) + "\n")
