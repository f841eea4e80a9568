"""The end-to-end chain of `make demo` (generate -> skim -> train -> bump hunt -> report) on tiny samples."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from higgshunt import demo

TINY_EVENTS = {"ggH125_ZZ4lep": 300, "VBFH125_ZZ4lep": 150, "llll": 400, "Zee": 2, "Zmumu": 2, "ttbar_lep": 5}


def _edit_yaml(path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    document = yaml.safe_load(path.read_text())
    edit(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False))  # key order matters (definitions)


def tiny_configs(repo: Path, tmp_path: Path) -> Path:
    """The shipped configs, cut down to the 4-lepton samples with a few hundred events and short training."""
    configs = tmp_path / "configs"
    shutil.copytree(repo / "configs", configs)
    generated = tmp_path / "generated"

    def samples(doc: dict) -> None:  # type: ignore[type-arg]
        doc["output"] = str(generated)
        doc["processes"] = [p for p in doc["processes"] if p["skim"] == "4lep"]
        for process in doc["processes"]:
            process["events"] = TINY_EVENTS[process["name"]]
            process["max_attempts"] = min(process.get("max_attempts", 10**9), 20 * process["events"] + 2000)

    def training(doc: dict) -> None:  # type: ignore[type-arg]
        doc["competitor"]["path"] = str(repo.parent / "shared" / "models" / "labcourse_baseline")
        doc["training"].update(epochs=3, patience=1)

    _edit_yaml(configs / "samples.yaml", samples)
    _edit_yaml(configs / "train_hzz4l.yaml", training)
    # a few hundred events leave too little background in the bump hunt's mass range to train on it alone
    _edit_yaml(configs / "train_hzz4l_decorrelated.yaml", lambda doc: doc["data"].pop("mass_range"))
    # ... and too few simulated events for the bump hunt's effective-events floor
    _edit_yaml(
        configs / "bumphunt_hzz4l.yaml", lambda doc: doc["optimisation"].update(min_effective_events=1)
    )
    with (configs / "hzz4l.yaml").open("a") as handle:
        handle.write(f"manifest: {generated / 'samples.json'}\n")
    return configs


@pytest.mark.slow
def test_demo_chain_on_tiny_samples(repo: Path, tmp_path: Path) -> None:
    result = demo.run(
        tmp_path / "outputs",
        channels=["hzz4l"],
        config_dir=tiny_configs(repo, tmp_path),
        jobs=1,
        progress=False,
    )
    assert list(result.seconds) == [
        "generate",
        "skim hzz4l",
        "train hzz4l",
        "train hzz4l_decorrelated",
        "bump hunt hzz4l",
    ]
    hzz = result.channels["hzz4l"]
    # the skim produced a table per sample, the training scored both models on the same events
    metrics = json.loads((hzz["train"] / "metrics.json").read_text())
    assert metrics["n_test"] == metrics["competitor"]["n_test"] > 100
    assert 0.5 < metrics["auc"] <= 1 and 0.5 < metrics["competitor"]["auc"] <= 1
    # the bump hunt wrote the stack layout and a summary with cut-based and ML selections
    summary = hzz["bumphunt"].summary
    assert {"cutbased", "ml"} <= set(summary["significance"])
    assert summary["model"]["directory"] == str(hzz["hunt_model"])
    assert summary["data_kind"] == "pseudo_data_injected"  # drawn by the bump hunt, signal injected
    assert (hzz["bumphunt"].output / "bumphunt.root").exists()
    report = result.report.read_text()
    assert "| competitor |" in report and f"{metrics['auc']:.4f}" in report
    assert f"{metrics['comparison']['delta_auc_sigma']:.2f} sigma" in report
    assert "Bump hunt" in report and "stack_cutbased" in report and "cutflow.png" in report
    for image in (line.split("](")[1].rstrip(")") for line in report.splitlines() if line.startswith("![")):
        assert (result.output / image).exists(), image
    # the plot review lists every plot the demo wrote, each described
    review = report[report.index("## Plot review") :]
    for image in sorted((result.output / "hzz4l").rglob("*.png")):
        assert f"| `{image.relative_to(result.output)}` | " in review
    assert "not described" not in review
    assert str(result.report) in demo.summary(result)
