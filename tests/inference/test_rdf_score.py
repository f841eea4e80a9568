"""The score column in RDataFrame: single-threaded, multi-threaded (in a subprocess) and its errors."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from higgshunt.errors import InputError
from higgshunt.inference import define_score
from inference_models import FEATURES, events, keras_model, save_keras_dir, train_bdt, write_manifest


@pytest.fixture(scope="module")
def kfold(tmp_path_factory):
    models = [keras_model([(16, "relu"), (8, "tanh")], seed=40 + i) for i in range(3)]
    return save_keras_dir(tmp_path_factory.mktemp("rdf") / "dnn", models), models


def expected_kfold(models, x: np.ndarray, event_number: np.ndarray) -> np.ndarray:
    per_fold = np.stack([np.asarray(m.predict(x, verbose=0)).ravel() for m in models])
    return per_fold[event_number % len(models), np.arange(len(x))]


def dataframe(columns: dict[str, np.ndarray]):
    import ROOT

    return ROOT.RDF.FromNumpy(columns)


def test_single_threaded_kfold(kfold) -> None:
    directory, models = kfold
    x = events(1000, seed=11)
    event_number = np.random.default_rng(1).integers(0, 10**7, len(x)).astype(np.int64)
    columns = {name: x[:, i].copy() for i, name in enumerate(FEATURES)} | {"eventNumber": event_number}
    df = define_score(dataframe(columns), directory, "dnn_score")
    got = df.AsNumpy(["dnn_score"])["dnn_score"]
    np.testing.assert_allclose(got, expected_kfold(models, x, event_number), rtol=0, atol=1e-5)


def test_features_from_other_columns_and_types(kfold) -> None:
    """Double columns and C++ expressions are accepted, converted to float like the training inputs."""
    directory, models = kfold
    x = events(200, seed=12).astype(np.float64)
    event_number = np.arange(len(x), dtype=np.int64)
    columns = {f"pt_mev_{i}": x[:, i] * 1000.0 for i in range(len(FEATURES))} | {"evt": event_number}
    mapping = {name: f"pt_mev_{i} / 1000." for i, name in enumerate(FEATURES)}
    df = define_score(dataframe(columns), directory, event_number="evt", feature_columns=mapping)
    got = df.AsNumpy(["score"])["score"]
    expected = expected_kfold(models, (x * 1000.0 / 1000.0).astype(np.float32), event_number)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_bdt_in_the_loop_with_missing_values(tmp_path) -> None:
    import xgboost as xgb

    booster = train_bdt(100, seed=3)
    directory = tmp_path / "bdt"
    directory.mkdir()
    booster.save_model(str(directory / "fold0.json"))
    write_manifest(
        directory, kind="bdt", backend="xgboost", files=["fold0.json"], features=FEATURES, score="probability"
    )
    x = events(500, seed=13)
    x[np.random.default_rng(2).random(x.shape) < 0.2] = np.nan
    columns = {name: x[:, i].copy() for i, name in enumerate(FEATURES)}
    columns["eventNumber"] = np.arange(len(x), dtype=np.int64)
    got = define_score(dataframe(columns), directory).AsNumpy(["score"])["score"]
    np.testing.assert_allclose(got, booster.predict(xgb.DMatrix(x, missing=np.nan)), rtol=0, atol=1e-5)


def test_more_features_than_scalar_arguments(tmp_path) -> None:
    """441 RMM cells: beyond the interpreter's nesting limit for one argument per feature."""
    import xgboost as xgb

    n = 441
    rng = np.random.default_rng(5)
    x = rng.normal(size=(400, n)).astype(np.float32)
    label = (x[:, 0] + x[:, n - 1] > 0).astype(np.float32)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 3, "nthread": 1, "seed": 5},
        xgb.DMatrix(x, label=label),
        20,
    )
    directory = tmp_path / "wide"
    directory.mkdir()
    booster.save_model(str(directory / "fold0.json"))
    names = [f"rmm_{i}" for i in range(n)]
    write_manifest(
        directory, kind="bdt", backend="xgboost", files=["fold0.json"], features=names, score="probability"
    )
    columns = {name: x[:, i].copy() for i, name in enumerate(names)} | {"eventNumber": np.arange(len(x))}
    got = define_score(dataframe(columns), directory).AsNumpy(["score"])["score"]
    np.testing.assert_allclose(got, booster.predict(xgb.DMatrix(x)), rtol=0, atol=1e-5)


def test_missing_column_is_named(kfold) -> None:
    directory, _ = kfold
    columns = {name: np.zeros(3, np.float32) for name in FEATURES[:-1]} | {
        "eventNumber": np.zeros(3, np.int64)
    }
    with pytest.raises(InputError, match=r"no column\(s\) \['f5'\] needed by the model"):
        define_score(dataframe(columns), directory)
    with pytest.raises(InputError, match=r"feature_columns names \['lep9_pt'\]"):
        define_score(dataframe(columns), directory, feature_columns={"lep9_pt": "f0"})


def test_manifest_read_once_per_call(kfold, tmp_path, monkeypatch) -> None:
    """Export on first use included: the trained-model directory is read and checked once per call."""
    import shutil

    from higgshunt.artifacts import exported_model, trained_model

    directory = shutil.copytree(kfold[0], tmp_path / "model")
    (directory / exported_model.FILE_NAME).unlink(missing_ok=True)
    reads = []
    original = trained_model.read_json

    def counting(path, *args, **kwargs):
        reads.append(path.name)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(trained_model, "read_json", counting)
    columns = {name: np.zeros(4, np.float32) for name in FEATURES} | {"eventNumber": np.arange(4)}
    for _ in range(2):
        reads.clear()
        define_score(dataframe(columns), directory)
        assert reads.count(trained_model.FILE_NAME) == 1
    assert (directory / exported_model.FILE_NAME).exists()


MT_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import ROOT
    from higgshunt.inference import define_score

    ROOT.EnableImplicitMT(2)
    features = {features!r}
    df = ROOT.RDataFrame({n})
    for i, name in enumerate(features):
        df = df.Define(name, f"float({{10 * (i + 1)}} * sin(0.37 * rdfentry_ + {{i}}) + {{5 * i}})")
    df = df.Define("eventNumber", "(Long64_t)((rdfentry_ * 7919) % 1000003)").Define("slot", "rdfslot_")
    df = define_score(df, sys.argv[1])
    out = df.AsNumpy(features + ["eventNumber", "score", "slot"])
    np.savez(sys.argv[2], **{{k: np.asarray(v) for k, v in out.items()}})
""")


@pytest.mark.slow
def test_multi_threaded_event_loop(kfold, tmp_path) -> None:
    directory, models = kfold
    script = tmp_path / "mt.py"
    script.write_text(MT_SCRIPT.format(features=FEATURES, n=50_000))
    out = tmp_path / "mt.npz"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    subprocess.run([sys.executable, str(script), str(directory), str(out)], check=True, env=env, timeout=300)
    data = np.load(out)
    assert len(np.unique(data["slot"])) == 2  # both threads scored events
    x = np.stack([data[name] for name in FEATURES], axis=1).astype(np.float32)
    expected = expected_kfold(models, x, data["eventNumber"])
    np.testing.assert_allclose(data["score"], expected, rtol=0, atol=1e-5)


DASK_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import ROOT
    from dask.distributed import Client, LocalCluster
    from higgshunt.inference import define_score

    if __name__ == "__main__":
        features = {features!r}
        cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None)
        with cluster, Client(cluster) as client:
            df = ROOT.RDataFrame({n}, executor=client, npartitions=2)
            for i, name in enumerate(features):
                df = df.Define(name, f"float({{10 * (i + 1)}} * sin(0.37 * rdfentry_ + {{i}}) + {{5 * i}})")
            df = define_score(df.Define("eventNumber", "(Long64_t)(rdfentry_ * 13)"), sys.argv[1])
            out = df.AsNumpy(features + ["eventNumber", "score"])
        np.savez(sys.argv[2], **{{k: np.asarray(v) for k, v in out.items()}})
""")


@pytest.mark.slow
def test_dask_executor(kfold, tmp_path) -> None:
    """The library and the model are loaded on the Dask worker (a separate process)."""
    directory, models = kfold
    script = tmp_path / "dask_score.py"
    script.write_text(DASK_SCRIPT.format(features=FEATURES, n=3000))
    out = tmp_path / "dask.npz"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    subprocess.run(
        [sys.executable, str(script), str(directory), str(out)],
        check=True,
        env=env,
        timeout=300,
        capture_output=True,
    )
    data = np.load(out)
    assert len(data["score"]) == 3000
    x = np.stack([data[name] for name in FEATURES], axis=1).astype(np.float32)
    expected = expected_kfold(models, x, data["eventNumber"])
    np.testing.assert_allclose(data["score"], expected, rtol=0, atol=1e-5)


def test_declared_model_with_an_rvec_of_features(kfold) -> None:
    """The other usage: a Model declared once through the interpreter, features passed as one RVecF."""
    import ROOT
    from higgshunt import native
    from higgshunt.inference import exported_model

    directory, models = kfold
    path = exported_model(directory)
    native.load_into_root()
    assert ROOT.gInterpreter.Declare(f'const higgshunt::Model test_declared_model{{"{path}"}};')
    x = events(300, seed=14)
    event_number = np.arange(len(x), dtype=np.int64) * 7
    columns = {name: x[:, i].copy() for i, name in enumerate(FEATURES)} | {"eventNumber": event_number}
    df = dataframe(columns).Define("features", f"ROOT::RVecF{{{', '.join(FEATURES)}}}")
    got = df.Define("s", "test_declared_model.Score(eventNumber, features)").AsNumpy(["s"])["s"]
    np.testing.assert_allclose(got, expected_kfold(models, x, event_number), rtol=0, atol=1e-5)
    with pytest.raises(Exception, match="2 features given, the model takes 6"):
        dataframe(columns).Define("s", "test_declared_model.Score(eventNumber, f0, f1)").Sum("s").GetValue()


def test_nan_features_give_nan_network_scores(kfold) -> None:
    from higgshunt import native
    from higgshunt.inference import exported_model

    x = events(4, seed=15)
    x[1, 2] = np.nan
    scores = native.core().Model(str(exported_model(kfold[0]))).evaluate(x, np.arange(4, dtype=np.int64))
    assert np.isnan(scores[1]) and np.all(np.isfinite(scores[[0, 2, 3]]))
