"""`kill -9` at a random point of a skim, then a rerun: the result equals an uninterrupted run's (tables,
cutflows), and no temporary of the killed run is left behind."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from reliability_harness import REAL_4LEP_FILE, REPO, env, run_cli, temporaries

ARGS = ["skim", "--config", str(REPO / "configs" / "hzz4l.yaml"), "--no-progress"]
INPUTS = ["--input", f"data={REAL_4LEP_FILE}", "--input", f"data_B={REAL_4LEP_FILE}"]


def _skim(output: Path) -> subprocess.CompletedProcess[str]:
    result = run_cli([*ARGS, *INPUTS, "--output", output])
    assert result.returncode == 0, result.stderr
    return result


def _contents(output: Path) -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
    channel = output / "hzz4l"
    with pd.HDFStore(channel / "skim.h5", mode="r") as store:
        tables = {key: store[key] for key in sorted(store.keys())}
    return tables, json.loads((channel / "cutflow.json").read_text())["samples"]


@pytest.fixture(scope="module")
def reference(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[float, tuple[dict[str, pd.DataFrame], object]]:
    """An uninterrupted run: its duration and contents."""
    if not REAL_4LEP_FILE.exists():
        pytest.skip(f"reference file {REAL_4LEP_FILE} is not available")
    output = tmp_path_factory.mktemp("uninterrupted")
    start = time.perf_counter()
    _skim(output)
    return time.perf_counter() - start, _contents(output)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_kill_at_random_point_then_rerun_equals_uninterrupted(
    seed: int, reference: tuple[float, tuple[dict[str, pd.DataFrame], object]], tmp_path: Path
) -> None:
    duration, (reference_tables, reference_cutflows) = reference
    interrupted = tmp_path / "interrupted"
    delay = random.Random(seed).uniform(0.3, 0.95) * duration
    process = subprocess.Popen(
        [sys.executable, "-m", "higgshunt.cli", *ARGS, *INPUTS, "--output", str(interrupted)],
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    process.kill()  # SIGKILL: no cleanup runs
    process.wait()

    _skim(interrupted)
    tables, cutflows = _contents(interrupted)
    assert tables.keys() == reference_tables.keys(), f"killed after {delay:.1f} s"
    for key, frame in tables.items():
        pd.testing.assert_frame_equal(frame, reference_tables[key])
    assert cutflows == reference_cutflows
    assert not temporaries([interrupted])
