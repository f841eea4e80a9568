"""With --max-events the progress on stderr counts the entries really read, not the files' entries (ROOT's
own bar counts those)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
import ROOT
from higgshunt.eventloop.executors import LocalExecutor

ROOT.RDataFrame(500).Define("x", "double(rdfentry_)").Snapshot("t", sys.argv[1])
for limit in (40, 1000):  # within the file, and beyond its 500 entries
    executor = LocalExecutor(max_events=limit, progress=True)
    counts = [executor.dataframe("t", [sys.argv[1]]).Filter("x >= 0").Count() for _ in range(2)]
    executor.run(counts)
    print([int(c.GetValue()) for c in counts])
"""


def test_progress_counts_the_ranged_entries(tmp_path: Path) -> None:
    command = [sys.executable, "-c", SCRIPT, str(tmp_path / "t.root")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split("\n")[:2] == ["[40, 40]", "[500, 500]"]
    lines = [line for line in done.stderr.replace("\r", "\n").splitlines() if "processed events" in line]
    assert "processed events: 40 of at most 40" in lines
    assert "processed events: 80 in 2 sample(s) (--max-events 40: at most 40 per sample)" in lines
    assert lines[-1] == "processed events: 1000 in 2 sample(s) (--max-events 1000: at most 1000 per sample)"
    assert not any("500" in line for line in lines[: lines.index("processed events: 40 of at most 40") + 1])
