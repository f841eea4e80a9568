"""Decorrelation scans: the Pareto front and the working-point rule by hand, and a tiny DisCo alpha scan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from higgshunt.errors import ConfigError
from higgshunt.learning import decorrelation, settings, training
from learning_tables import blobs


def point(r50: float, jsd50: float) -> dict[str, float]:
    return {"alpha": 0.0, "r50": r50, "jsd50": jsd50}


def test_pareto_front_by_hand() -> None:
    points = [point(10, 0.1), point(8, 0.01), point(7, 0.02), point(10, 0.2), point(5, 0.005)]
    # (7, 0.02) is beaten by (8, 0.01); (10, 0.2) by (10, 0.1) on JSD alone
    assert decorrelation.pareto_front(points) == [True, True, False, False, True]
    assert decorrelation.pareto_front([point(3, 0.1), point(3, 0.1)]) == [True, True]  # ties dominate nothing


def test_working_point_rule() -> None:
    points = [point(10, 0.1), point(8, 0.01), point(5, 0.005)]
    for p, flag in zip(points, decorrelation.pareto_front(points), strict=True):
        p["pareto"] = flag
    assert decorrelation.working_point(points, max_jsd50=0.01) == 1  # best R50 within the JSD bound
    assert decorrelation.working_point(points, max_jsd50=0.5) == 0
    assert decorrelation.working_point(points, max_jsd50=0.001) == 2  # nothing qualifies: most decorrelated
    with pytest.raises(ConfigError):
        decorrelation.working_point([], 0.01)


@pytest.mark.slow
def test_disco_alpha_scan_writes_front_and_working_point(tmp_path: Path) -> None:
    small = tmp_path / "small.csv"
    blobs(900).to_csv(small, index=False)
    config = settings.with_overrides(
        settings.merged(
            {
                "data": {"path": str(small), "features": ["x1", "x2", "x3"], "mass": "mass"},
                "model": "disco",
                "output": str(tmp_path / "disco"),
                "progress": False,
                "training": {"folds": 2, "seed": 1, "batch_size": 256, "patience": 3, "learning_rate": 0.01},
                "network": {"width": 8, "depth": 1},
            }
        ),
        {"alpha": [0.0, 30.0], "epochs": 4},
    )
    result = training.train(config)
    scan = json.loads((result.output / "metrics.json").read_text())["decorrelation_scan"]
    assert scan["parameter"] == "alpha" and [p["alpha"] for p in scan["points"]] == [0.0, 30.0]
    assert any(p["pareto"] for p in scan["points"]) and scan["working_point"] in scan["points"]
    assert (result.output / "decorrelation_front.png").exists()
    assert json.loads((result.output / "manifest.json").read_text())["kind"] == "disco"
