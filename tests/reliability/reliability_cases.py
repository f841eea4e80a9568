"""The bad-input and fault cases of every command, as data: the reliability tests and `sweep.py` run the same
list.

Each case is a command line with placeholders for the shared inputs (`Inputs`) and its scratch folder, the
final outputs it would write, the user files it must leave alone, and how it is run (a file size limit for a
full disk, an immutable folder for an unwritable one).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from reliability_harness import (
    REAL_4LEP_FILE,
    REPO,
    Judgement,
    file_size_limit,
    fingerprint,
    immutable,
    judge,
    run_cli,
)

CONFIGS = REPO / "configs"
FEATURES = "x1,x2,x3"
# Areas whose writers are made safe elsewhere; a case depending on one is expected to fail until then.


def table(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A labelled table: three Gaussian features, a mass, positive weights, eventNumber for the folds."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(np.int8)
    return pd.DataFrame(
        {
            "eventNumber": np.arange(n, dtype=np.int64),
            "x1": rng.normal(1.2 * y, 1.0),
            "x2": rng.normal(-1.0 * y, 1.0),
            "x3": rng.normal(0.0, 1.0, n),
            "mass": np.where(y == 1, rng.normal(125.0, 3.0, n), 100.0 + rng.exponential(30.0, n)),
            "label": y,
            "weight": np.where(y == 1, 0.02, 0.1),
        }
    )


def _write_hist(path: Path) -> None:
    """A mass spectrum (exponential background and a Gaussian peak at 125) as TH1D `m`."""
    import uproot

    rng = np.random.default_rng(1)
    values = np.concatenate([100.0 + rng.exponential(25.0, 4000), rng.normal(125.0, 2.0, 150)])
    with uproot.recreate(path) as handle:
        handle["m"] = np.histogram(values, bins=40, range=(100.0, 160.0))


@dataclass(frozen=True)
class Inputs:
    """Files the cases read, made once per session under `folder`."""

    folder: Path

    def paths(self) -> dict[str, str]:
        names = {
            "real": REAL_4LEP_FILE,
            "csv": self.folder / "table.csv",
            "model": self.folder / "model",
            "hist": self.folder / "hist.root",
            "configs": CONFIGS,
        }
        names |= {f"bad_{key}": self.folder / name for key, name in _BAD_FILES.items()}
        return {key: str(value) for key, value in names.items()}

    def make(self) -> Inputs:
        """Write the inputs (the trained model through the real command) and return self."""
        self.folder.mkdir(parents=True, exist_ok=True)
        good = table()
        good.to_csv(self.folder / "table.csv", index=False)
        _write_hist(self.folder / "hist.root")
        real = REAL_4LEP_FILE.read_bytes()
        writers: dict[str, Callable[[Path], object]] = {
            "text_root": lambda p: p.write_text("this is not a ROOT file\n" * 20),
            "text_h5": lambda p: p.write_text("this is not an HDF5 file\n" * 20),
            "text_json": lambda p: p.write_text("{not json"),
            "empty_root": lambda p: p.write_bytes(b""),
            "empty_csv": lambda p: p.write_bytes(b""),
            "truncated_root": lambda p: p.write_bytes(real[: len(real) * 2 // 3]),
            "header_csv": lambda p: p.write_text(",".join(good.columns) + "\n"),
            "tiny_csv": lambda p: good.head(4).to_csv(p, index=False),
            "negative_weights_csv": lambda p: good.assign(weight=-good["weight"]).to_csv(p, index=False),
            "zero_weights_csv": lambda p: good.assign(weight=0.0).to_csv(p, index=False),
            "nan_csv": lambda p: good.assign(x2=np.where(good.index % 7 == 0, np.nan, good["x2"])).to_csv(
                p, index=False
            ),
            "strings_csv": lambda p: good.assign(x1="abc").to_csv(p, index=False),
            "garbage_yaml": lambda p: p.write_text("::: [not yaml\n"),
            "unknown_key_yaml": lambda p: p.write_text(
                (CONFIGS / "train_hzz4l.yaml").read_text().replace("training:", "trainng:")
            ),
        }
        for key, write in writers.items():
            write(self.folder / _BAD_FILES[key])
        model = self.folder / "model"
        if not (model / "manifest.json").exists():
            result = run_cli(
                ["train", "--data", self.folder / "table.csv", "--features", FEATURES, "--weight", "weight"]
                + [
                    "--model",
                    "bdt",
                    "--backend",
                    "xgboost",
                    "--folds",
                    "2",
                    "--output",
                    model,
                    "--no-progress",
                ]
            )
            if result.returncode != 0:
                raise RuntimeError(f"training the shared model failed:\n{result.stderr}")
        return self


_BAD_FILES = {
    "text_root": "text.root",
    "text_h5": "text.h5",
    "text_json": "text.json",
    "empty_root": "empty.root",
    "empty_csv": "empty.csv",
    "truncated_root": "truncated.root",
    "header_csv": "header.csv",
    "tiny_csv": "tiny.csv",
    "negative_weights_csv": "negative_weights.csv",
    "zero_weights_csv": "zero_weights.csv",
    "nan_csv": "nan.csv",
    "strings_csv": "strings.csv",
    "garbage_yaml": "garbage.yaml",
    "unknown_key_yaml": "unknown_key.yaml",
}


def _user_folder(scratch: Path, inputs: dict[str, str]) -> None:
    folder = scratch / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("a user's notes\n")
    (folder / "data.csv").write_text("a,b\n1,2\n")


def _corrupt_skim(scratch: Path, inputs: dict[str, str]) -> None:
    channel = scratch / "out" / "hzz4l"
    channel.mkdir(parents=True)
    (channel / "skim.h5").write_text("left by a crash\n")


def _folder_with_input(scratch: Path, inputs: dict[str, str]) -> None:
    _user_folder(scratch, inputs)
    table().to_csv(scratch / "mine" / "input.csv", index=False)


def _edited_model(**changes: object) -> Callable[[Path, dict[str, str]], None]:
    """A copy of the shared model as {tmp}/model with manifest keys changed."""

    def setup(scratch: Path, inputs: dict[str, str]) -> None:
        model = scratch / "model"
        shutil.copytree(inputs["model"], model)
        manifest = json.loads((model / "manifest.json").read_text())
        (model / "manifest.json").write_text(json.dumps(manifest | changes))

    return setup


@dataclass(frozen=True)
class Case:
    """One command run and what it must (not) do.

    `args` may name the shared inputs ({csv}, {model}, {bad_text_root}, ... see `Inputs.paths`) and {tmp},
    the case's scratch folder. `outputs` and `protected` are relative to {tmp}. `limit`: maximum file size
    in bytes (a full disk). `frozen`: a folder under {tmp} made immutable (an unwritable output folder).
    """

    name: str
    args: tuple[str, ...]
    expect_error: bool = True
    outputs: tuple[str, ...] = ()
    protected: tuple[str, ...] = ()
    setup: Callable[[Path, dict[str, str]], None] | None = None
    limit: int | None = None
    frozen: str | None = None
    slow: bool = False
    valid: tuple[str, ...] = field(default=())  # files a successful run must have written, under {tmp}

    @property
    def command(self) -> str:
        return self.args[0]

    def run(self, inputs: Inputs, scratch: Path) -> Judgement:
        """Run the case in `scratch` (an empty folder) and judge it."""
        names = inputs.paths() | {"tmp": str(scratch)}
        if self.setup is not None:
            self.setup(scratch, names)
        args = [part.format(**names) for part in self.args]
        outputs = [scratch / p for p in self.outputs]
        protected = [scratch / p for p in self.protected]
        before = {p: fingerprint(p) for p in outputs + protected}
        if self.frozen is not None:
            with immutable(scratch / self.frozen):
                result = run_cli(args, cwd=scratch)
        else:
            preexec = file_size_limit(self.limit) if self.limit is not None else None
            result = run_cli(args, cwd=scratch, preexec_fn=preexec)

        def valid() -> str | None:
            missing = [p for p in self.valid if not (scratch / p).is_file()]
            return f"{', '.join(missing)}: not written by a successful run" if missing else None

        return judge(
            result,
            expect_error=self.expect_error,
            outputs=outputs,
            before=before,
            protected=protected,
            valid=valid,
        )


GENERATE = (
    "generate",
    "--config",
    "{configs}/samples.yaml",
    "--events",
    "5",
    "--processes",
    "ggH125_ZZ4lep",
    "--no-progress",
)
GENERATED = "4lep/MC/mc_345060.ggH125_ZZ4lep.4lep.root"
SKIM = ("skim", "--config", "{configs}/hzz4l.yaml", "--no-progress")
REAL_DATA = ("--input", "data={real}")
TRAIN = ("train", "--features", FEATURES, "--model", "bdt", "--backend", "xgboost", "--folds", "2")
TRAIN_OK = (*TRAIN, "--data", "{csv}", "--weight", "weight", "--no-progress")
EVALUATE = ("evaluate", "--model", "{model}", "--no-plots")
FIT = ("fit", "--mass-range", "100", "160", "--no-plots")
FULL_DISK = 16 * 1024  # bytes per file


def _train_bad(name: str, data: str, *extra: str) -> Case:
    return Case(name, (*TRAIN, "--data", data, "--output", "{tmp}/model", *extra), outputs=("model",))


def _fit_bad(name: str, hist: str) -> Case:
    return Case(name, (*FIT, "--hist", hist, "--output", "{tmp}/fit"), outputs=("fit",))


CASES: tuple[Case, ...] = (
    # option ranges, end to end (every option is also checked in-process in test_option_ranges.py)
    Case("skim_max_events_negative", (*SKIM, *REAL_DATA, "--max-events", "-5", "--output", "{tmp}/out")),
    Case("skim_threads_negative", (*SKIM, *REAL_DATA, "--threads", "-1", "--output", "{tmp}/out")),
    Case(
        "skim_npartitions_zero",
        (*SKIM, *REAL_DATA, "--executor", "dask", "--npartitions", "0", "--output", "{tmp}/o"),
    ),
    Case("generate_events_zero", (*GENERATE, "--events", "0", "--output", "{tmp}/gen")),
    Case("generate_jobs_zero", (*GENERATE, "--jobs", "0", "--output", "{tmp}/gen")),
    Case("generate_lumi_negative", (*GENERATE, "--lumi-fb", "-1", "--output", "{tmp}/gen")),
    Case("train_folds_zero", (*TRAIN_OK, "--folds", "0", "--output", "{tmp}/model")),
    Case("train_epochs_zero", (*TRAIN_OK, "--epochs", "0", "--output", "{tmp}/model")),
    Case("export_seed_negative", ("export", "{model}", "--seed", "-1", "--output", "{tmp}/m.json")),
    Case(
        "fit_mass_range_nan", (*FIT, "--hist", "{hist}:m", "--mass-range", "nan", "1", "--output", "{tmp}/f")
    ),
    Case("demo_jobs_zero", ("demo", "--jobs", "0", "--output", "{tmp}/demo")),
    # corrupt and foreign inputs
    Case("skim_text_as_root", (*SKIM, "--input", "data={bad_text_root}", "--output", "{tmp}/out"), slow=True),
    Case("skim_empty_root", (*SKIM, "--input", "data={bad_empty_root}", "--output", "{tmp}/out"), slow=True),
    Case(
        "skim_truncated_root",
        (*SKIM, "--input", "data={bad_truncated_root}", "--output", "{tmp}/out"),
        slow=True,
    ),
    Case("skim_config_garbage", ("skim", "--config", "{bad_garbage_yaml}", "--output", "{tmp}/out")),
    Case("skim_config_missing", ("skim", "--config", "{tmp}/nothing.yaml", "--output", "{tmp}/out")),
    Case("generate_config_garbage", ("generate", "--config", "{bad_garbage_yaml}", "--output", "{tmp}/g")),
    Case("bumphunt_config_garbage", ("bumphunt", "--config", "{bad_garbage_yaml}", "--output", "{tmp}/b")),
    Case(
        "bumphunt_model_missing",
        (
            "bumphunt",
            "--config",
            "{configs}/bumphunt_hzz4l.yaml",
            "--model",
            "{tmp}/none",
            "--output",
            "{tmp}/b",
        ),
    ),
    Case("train_config_unknown_key", ("train", "--config", "{bad_unknown_key_yaml}", "--output", "{tmp}/m")),
    _train_bad("train_tiny_table", "{bad_tiny_csv}"),
    _train_bad("train_negative_weights", "{bad_negative_weights_csv}", "--weight", "weight"),
    _train_bad("train_zero_weights", "{bad_zero_weights_csv}", "--weight", "weight"),
    _train_bad("train_header_only_csv", "{bad_header_csv}"),
    _train_bad("train_empty_csv", "{bad_empty_csv}"),
    _train_bad("train_nan_features", "{bad_nan_csv}"),
    _train_bad("train_string_column", "{bad_strings_csv}"),
    _train_bad("train_text_as_h5", "{bad_text_h5}"),
    _train_bad("train_text_as_root", "{bad_text_root}"),
    _train_bad("train_truncated_root", "{bad_truncated_root}"),
    Case(
        "evaluate_data_text_as_h5",
        (*EVALUATE, "--data", "{bad_text_h5}", "--output", "{tmp}/eval"),
        outputs=("eval",),
    ),
    Case(
        "evaluate_model_not_a_model",
        ("evaluate", "--model", "{tmp}", "--data", "{csv}", "--output", "{tmp}/eval", "--no-plots"),
        outputs=("eval",),
    ),
    Case("export_model_missing", ("export", "{tmp}/none", "--output", "{tmp}/m.json"), outputs=("m.json",)),
    Case(
        "export_model_text_manifest",
        ("export", "{tmp}/mine", "--output", "{tmp}/m.json"),
        outputs=("m.json",),
        setup=lambda s, i: (_user_folder(s, i), (s / "mine" / "manifest.json").write_text("{not json")),
    ),
    Case(
        "evaluate_model_features_inconsistent",
        ("evaluate", "--model", "{tmp}/model", "--data", "{csv}", "--output", "{tmp}/eval", "--no-plots"),
        outputs=("eval",),
        setup=_edited_model(features=["x1", "x2"]),
    ),
    Case(
        "evaluate_model_unknown_kind",
        ("evaluate", "--model", "{tmp}/model", "--data", "{csv}", "--output", "{tmp}/eval", "--no-plots"),
        outputs=("eval",),
        setup=_edited_model(kind="svm"),
    ),
    _fit_bad("fit_hist_text", "{bad_text_root}:m"),
    _fit_bad("fit_hist_empty", "{bad_empty_root}:m"),
    _fit_bad("fit_hist_truncated", "{bad_truncated_root}:m"),
    Case("fit_hist_missing_histogram", (*FIT, "--hist", "{hist}:nope", "--output", "{tmp}/fit")),
    # a corrupt output of an earlier run: named on a rerun, replaced with --force
    Case(
        "skim_rerun_over_corrupt_table",
        (*SKIM, *REAL_DATA, "--output", "{tmp}/out"),
        outputs=("out/hzz4l/skim.h5",),
        setup=_corrupt_skim,
        slow=True,
    ),
    Case(
        "skim_force_over_corrupt_table",
        (*SKIM, *REAL_DATA, "--force", "--output", "{tmp}/out"),
        expect_error=False,
        setup=_corrupt_skim,
        valid=("out/hzz4l/skim.h5",),
        slow=True,
    ),
    # outputs pointing at a user's folder, or at the folder holding the input
    Case(
        "train_output_user_folder",
        (*TRAIN_OK, "--output", "{tmp}/mine"),
        protected=("mine",),
        setup=_user_folder,
    ),
    Case(
        "train_output_holds_input",
        (*TRAIN, "--data", "{tmp}/mine/input.csv", "--output", "{tmp}/mine", "--no-progress"),
        protected=("mine",),
        setup=_folder_with_input,
    ),
    Case(
        "evaluate_output_user_folder",
        (*EVALUATE, "--data", "{csv}", "--output", "{tmp}/mine"),
        protected=("mine",),
        setup=_user_folder,
    ),
    Case(
        "export_output_user_folder",
        ("export", "{model}", "--no-check", "--output", "{tmp}/mine"),
        protected=("mine",),
        setup=_user_folder,
    ),
    Case(
        "fit_output_user_folder",  # the fit writes its folder whole: a user's folder is refused, kept intact
        (*FIT, "--hist", "{hist}:m", "--output", "{tmp}/mine"),
        protected=("mine",),
        setup=_user_folder,
    ),
    Case(
        "skim_output_user_folder",
        (*SKIM, *REAL_DATA, "--output", "{tmp}/mine"),
        expect_error=False,
        protected=("mine/notes.txt", "mine/data.csv"),
        setup=_user_folder,
        valid=("mine/hzz4l/skim.h5",),
        slow=True,
    ),
    Case(
        "generate_output_user_folder",
        (*GENERATE, "--output", "{tmp}/mine"),
        expect_error=False,
        protected=("mine",),
        setup=_user_folder,
        valid=(f"mine/{GENERATED}", "mine/samples.json"),
    ),
    # unwritable output folders (immutable: root ignores permission bits)
    Case(
        "skim_unwritable_output",
        (*SKIM, *REAL_DATA, "--output", "{tmp}/locked/out"),
        frozen="locked",
        slow=True,
    ),
    Case("train_unwritable_output", (*TRAIN_OK, "--output", "{tmp}/locked/model"), frozen="locked"),
    Case(
        "evaluate_unwritable_output",
        (*EVALUATE, "--data", "{csv}", "--output", "{tmp}/locked/eval"),
        frozen="locked",
    ),
    Case(
        "export_unwritable_output", ("export", "{model}", "--output", "{tmp}/locked/m.json"), frozen="locked"
    ),
    Case(
        "fit_unwritable_output", (*FIT, "--hist", "{hist}:m", "--output", "{tmp}/locked/fit"), frozen="locked"
    ),
    Case("generate_unwritable_output", (*GENERATE, "--output", "{tmp}/locked/g"), frozen="locked"),
    # full disks (ulimit -f)
    Case(
        "skim_full_disk",
        (*SKIM, *REAL_DATA, "--output", "{tmp}/out"),
        outputs=("out/hzz4l/skim.h5", "out/hzz4l/histograms.root", "out/hzz4l/cutflow.json"),
        limit=FULL_DISK,
        slow=True,
    ),
    Case(
        "train_full_disk",
        (*TRAIN_OK, "--output", "{tmp}/model"),
        outputs=("model",),
        limit=FULL_DISK,
    ),
    Case(
        "evaluate_full_disk",
        ("evaluate", "--model", "{model}", "--data", "{csv}", "--output", "{tmp}/eval"),
        outputs=("eval",),
        limit=FULL_DISK,
    ),
    Case(
        "export_full_disk",
        ("export", "{model}", "--output", "{tmp}/m.json"),
        outputs=("m.json",),
        limit=1024,
    ),
    Case(
        "fit_full_disk",
        ("fit", "--mass-range", "100", "160", "--hist", "{hist}:m", "--output", "{tmp}/fit"),
        outputs=("fit",),
        limit=FULL_DISK,
    ),
    Case(
        "generate_full_disk",
        (*GENERATE, "--output", "{tmp}/g"),
        outputs=(f"g/{GENERATED}", "g/samples.json"),
        limit=4096,
    ),
)
