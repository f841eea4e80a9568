"""`higgshunt train` and `higgshunt evaluate` end to end on a 4-lepton-like table, with the competitor."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from higgshunt.cli import main
from learning_tables import COMPETITOR, LEPTON_FEATURES


def four_lepton_table(n: int = 900, seed: int = 11) -> pd.DataFrame:
    """24 lepton inputs in GeV (pT-ordered), an m4l column, labels, weights and the skim's id columns."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(np.int8)
    pts = np.sort(rng.exponential(25.0, (n, 4)) + 7.0 + 15.0 * y[:, None], axis=1)[:, ::-1]
    eta = rng.uniform(-2.4, 2.4, (n, 4))
    frame = pd.DataFrame(
        {
            "runNumber": 1,
            "eventNumber": np.arange(n),
            "fold": np.arange(n) % 3,
            "label": y,
            "weight": np.where(y == 1, 0.01, 0.03),
        }
    )
    for i in range(4):
        frame[f"lep{i + 1}_pt"] = pts[:, i]
        frame[f"lep{i + 1}_e"] = pts[:, i] * np.cosh(eta[:, i])
        frame[f"lep{i + 1}_charge"] = np.where(i % 2 == 0, 1, -1)
        frame[f"lep{i + 1}_pdgId"] = rng.choice([11, 13], n)
        frame[f"lep{i + 1}_phi"] = rng.uniform(-np.pi, np.pi, n)
        frame[f"lep{i + 1}_eta"] = eta[:, i]
    frame["m4l"] = np.where(y == 1, rng.normal(125, 2, n), rng.uniform(80, 170, n))
    return frame


@pytest.mark.slow
@pytest.mark.skipif(not COMPETITOR.exists(), reason="../shared competitor models not present")
def test_train_then_evaluate_with_competitor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "skim.h5"
    frame = four_lepton_table()
    frame[frame["label"] == 1].to_hdf(table, key="ggH125_ZZ4lep", format="table")
    frame[frame["label"] == 0].to_hdf(table, key="llll", format="table", mode="a")
    features = ",".join(LEPTON_FEATURES + ["m4l"])
    competitor = ["--competitor", str(COMPETITOR), "--competitor-features", ",".join(LEPTON_FEATURES)]
    code = main(
        [
            "train",
            "--data",
            str(table),
            "--features",
            features,
            "--label",
            "label",
            "--weight",
            "weight",
            "--mass",
            "m4l",
            "--model",
            "dnn",
            "--output",
            str(tmp_path / "model"),
            "--folds",
            "3",
            "--epochs",
            "3",
            "--seed",
            "2",
            "--no-progress",
            *competitor,
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "AUC (unweighted)" in printed and "competitor" in printed
    trained = json.loads((tmp_path / "model" / "metrics.json").read_text())
    assert trained["competitor"]["n_test"] == trained["n_test"] == len(frame)
    assert trained["competitor"]["features"] == LEPTON_FEATURES
    assert {"delta_auc", "delta_auc_sigma", "beats_by_2_sigma"} <= set(trained["comparison"])
    code = main(
        [
            "evaluate",
            "--model",
            str(tmp_path / "model"),
            "--data",
            str(table),
            "--output",
            str(tmp_path / "eval"),
            *competitor,
        ]
    )
    assert code == 0
    evaluated = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    # evaluate re-scores every event with the model of its fold: the same out-of-fold numbers as training
    assert evaluated["auc"] == pytest.approx(trained["auc"], abs=1e-6)
    assert evaluated["competitor"]["auc"] == pytest.approx(trained["competitor"]["auc"], abs=1e-9)
    assert (tmp_path / "eval" / "roc.png").exists() and (tmp_path / "eval" / "summary.md").exists()
    # the ROC curves also go to ROOT for macros/plot_roc.C, with the AUCs of metrics.json
    import uproot

    with uproot.open(tmp_path / "eval" / "roc.root") as roc:
        assert {"roc_competitor", f"roc_{evaluated['model']}"} <= {key.split(";")[0] for key in roc.keys()}
        assert roc["auc_competitor"].member("fVal") == pytest.approx(evaluated["competitor"]["auc"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["train", "--data", "nothing.csv", "--features", "a", "--model", "dnn", "--output", "o"],
            "file not found",
        ),
        (["train", "--model", "dnn"], "give --config FILE"),
        (["train", "--config", "missing.yaml"], "cannot read config"),
    ],
)
def test_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code = main([*argv[:1], *[a if a != "o" else str(tmp_path / "o") for a in argv[1:]]])
    err = capsys.readouterr().err.strip()
    assert code == 1 and message in err and "\n" not in err


def test_competitor_size_mismatch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = four_lepton_table(60)
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    code = main(
        [
            "train",
            "--data",
            str(path),
            "--features",
            "lep1_pt,lep2_pt",
            "--label",
            "label",
            "--model",
            "bdt",
            "--backend",
            "xgboost",
            "--output",
            str(tmp_path / "o"),
            "--folds",
            "2",
            "--no-progress",
            "--competitor",
            str(COMPETITOR / "model_crossval0"),
            "--competitor-features",
            "lep1_pt,lep2_pt",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "competitor takes 24 inputs, but 2 competitor features were given" in err
    assert not (tmp_path / "o").exists()  # nothing half-written


def test_train_drops_nonfinite_rows_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from learning_tables import blobs

    frame = blobs(600)
    frame.loc[[3, 7], "x1"] = [np.nan, np.inf]
    table = tmp_path / "blobs.csv"
    frame.to_csv(table, index=False)
    args = ["train", "--data", str(table), "--features", "x1,x2,x3", "--model", "bdt", "--folds", "2",
            "--no-progress"]  # fmt: skip
    assert main([*args, "--output", str(tmp_path / "strict")]) == 1
    message = capsys.readouterr().err.strip()
    assert "2 rows have NaN/inf features (x1: 2)" in message and "--drop-nonfinite" in message
    assert main([*args, "--output", str(tmp_path / "dropped"), "--drop-nonfinite"]) == 0
    trained = json.loads((tmp_path / "dropped" / "metrics.json").read_text())
    assert trained["n_test"] == len(frame) - 2


def test_string_labels_train_and_evaluate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from learning_tables import blobs

    frame = blobs(600)
    frame["Label"] = np.where(frame.pop("label") == 1, "s", "b")  # as in the Higgs ML 2014 tables
    table = tmp_path / "higgsml.csv"
    frame.to_csv(table, index=False)
    common = ["--data", str(table), "--label", "Label", "--signal-value", "s"]
    code = main(["train", *common, "--features", "x1,x2,x3", "--weight", "weight", "--model", "bdt",
                 "--folds", "2", "--output", str(tmp_path / "model"), "--no-progress"])  # fmt: skip
    assert code == 0
    trained = json.loads((tmp_path / "model" / "metrics.json").read_text())
    assert trained["auc"] > 0.8
    assert main(["evaluate", "--model", str(tmp_path / "model"), "--data", str(table), "--no-plots",
                 "--output", str(tmp_path / "eval")]) == 0  # fmt: skip
    evaluated = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert evaluated["auc"] == pytest.approx(trained["auc"], abs=0.02)
    capsys.readouterr()
    assert main(["train", *common[:4], "--signal-value", "x", "--features", "x1", "--model", "bdt",
                 "--output", str(tmp_path / "o"), "--no-progress"]) == 1  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert "values found: 'b', 's'" in err and "\n" not in err


@pytest.mark.parametrize("with_event_number", [True, False])
def test_evaluation_on_training_events_is_flagged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, with_event_number: bool
) -> None:
    from learning_tables import blobs

    frame = blobs(400)
    if not with_event_number:
        frame = frame.drop(columns=["eventNumber", "fold"])
    table = tmp_path / "t.csv"
    frame.to_csv(table, index=False)
    assert main(["train", "--data", str(table), "--features", "x1,x2,x3", "--model", "bdt", "--folds", "2",
                 "--output", str(tmp_path / "model"), "--no-progress"]) == 0  # fmt: skip
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text())
    expected_folds = "eventNumber % 2" if with_event_number else "seeded random split (seed 42)"
    assert manifest["training_folds"] == expected_folds
    caplog.clear()
    assert main(["evaluate", "--model", str(tmp_path / "model"), "--data", str(table), "--no-plots",
                 "--output", str(tmp_path / "eval")]) == 0  # fmt: skip
    overlap = json.loads((tmp_path / "eval" / "metrics.json").read_text())["training_events_overlap"]
    assert overlap["n"] == overlap["of"] == len(frame)
    assert overlap["out_of_fold"] is with_event_number
    warned = "not out of fold" in caplog.text
    assert warned is not with_event_number


def test_one_fold_model_scores_only_its_held_out_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """folds: 1 -> the model may score its held-out test split (or other tables), never its training
    events: evaluating the full table is one line of error."""
    from learning_tables import blobs

    frame = blobs(400)
    table = tmp_path / "t.csv"
    frame.to_csv(table, index=False)
    assert main(["train", "--data", str(table), "--features", "x1,x2,x3", "--model", "bdt", "--folds", "1",
                 "--output", str(tmp_path / "model"), "--no-progress"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["evaluate", "--model", str(tmp_path / "model"), "--data", str(table), "--no-plots",
                 "--output", str(tmp_path / "eval")]) == 1  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert "one-fold model (folds: 1)" in err and "\n" not in err and not (tmp_path / "eval").exists()
    other = tmp_path / "other.csv"
    blobs(300, seed=9).to_csv(other, index=False)
    assert main(["evaluate", "--model", str(tmp_path / "model"), "--data", str(other), "--no-plots",
                 "--output", str(tmp_path / "eval")]) == 0  # fmt: skip
    # what the model learnt from excludes the held-out test split (about 25% of the events)
    n_training = len(np.load(tmp_path / "model" / "training_events.npy"))
    assert 0.65 * len(frame) < n_training < 0.85 * len(frame)


def test_train_skips_finished_output_and_refuses_another_config_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    from learning_tables import blobs

    table = tmp_path / "t.csv"
    blobs(300).to_csv(table, index=False)
    args = ["train", "--data", str(table), "--features", "x1,x2", "--model", "bdt", "--folds", "2",
            "--output", str(tmp_path / "model"), "--no-progress"]  # fmt: skip
    assert main(args) == 0
    manifest = tmp_path / "model" / "manifest.json"
    written = manifest.stat().st_mtime_ns
    assert main(args) == 0
    assert "skipped (--force retrains it)" in caplog.text and manifest.stat().st_mtime_ns == written
    table.touch()  # a newer table: the same config trains again
    assert main(args) == 0 and manifest.stat().st_mtime_ns != written
    written = manifest.stat().st_mtime_ns
    capsys.readouterr()
    assert main([*args, "--seed", "7"]) == 1
    assert "trained with another config; use --force to replace it" in capsys.readouterr().err
    assert main([*args, "--seed", "7", "--force"]) == 0
    assert manifest.stat().st_mtime_ns != written
