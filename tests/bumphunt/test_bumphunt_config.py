"""The typed bump-hunt config: attributes from the validated YAML, defaults from the schema."""

from __future__ import annotations

from pathlib import Path

from higgshunt import bumphunt, skim
from higgshunt.bumphunt.config import Binning, FitSettings, Optimisation, ProcessGroup

REPO = Path(__file__).resolve().parents[2]
MINIMAL = {
    "skim": str(REPO / "configs" / "hzz4l.yaml"),
    "mass": {"feature": "m4l", "bins": 24, "low": 80, "high": 170},
    "window": [117.5, 132.5],
}


def test_shipped_config_is_typed() -> None:
    config = bumphunt.load(REPO / "configs" / "bumphunt_hzz4l.yaml", model="")
    assert config.mass == Binning(24, 80, 170) and config.mass_title == "m_{4l} [GeV]"
    assert config.window == (117.5, 132.5) and config.optimisation == Optimisation(2, 0.5, 10.0, "even", None)
    assert config.processes[0] == ProcessGroup("H125", "H (125 GeV)", ("ggH125_ZZ4lep", "VBFH125_ZZ4lep"))
    assert config.skim.lumi_fb == 36.0 and config.model is None


def test_defaults_come_from_the_schema() -> None:
    config = bumphunt.config.build(MINIMAL)
    assert config.score == Binning(200, 0.0, 1.0) and config.score_column == "score"
    assert config.fit == FitSettings(True, "gauss", "exp", None, None, None, True, None)
    assert config.mass_title == "m4l [GeV]" and config.processes == ()
    assert (config.output, config.plots, config.seed, config.data_kind) == (
        Path("outputs/bumphunt"),
        True,
        0,
        "auto",
    )


def test_luminosity_override_keeps_the_skim_config_paths() -> None:
    config = bumphunt.config.build({**MINIMAL, "lumi_fb": 36.0})
    shipped = skim.load(REPO / "configs" / "hzz4l.yaml")
    assert config.skim.lumi_fb == 36.0 and config.skim.manifest_path() == shipped.manifest_path()
    assert config.skim.hash != shipped.hash
