"""The end-to-end demonstration on the built-in samples: generate -> skim -> train -> bump hunt -> report.

Every stage is the public API of its package with the shipped configs. Stages whose outputs are complete for
the same config and inputs (samples, skims) skip themselves, so a second `make demo` is quicker.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from higgshunt import resources
from higgshunt.outputs import atomic_output

if TYPE_CHECKING:
    from higgshunt.skim import SkimResult

log = logging.getLogger(__name__)

CONFIG_DIR = resources.config_dir()


@dataclass(frozen=True)
class ChannelPlan:
    """What the demo runs for one channel: configs/<channel>.yaml (skim), configs/train_<channel>.yaml, and
    configs/bumphunt_<channel>.yaml, whose score selection uses the model of configs/train_<hunt_model>.yaml
    (trained after the channel's own; the channel's own model when None)."""

    channel: str
    title: str
    hunt_model: str | None = None

    def config(self, config_dir: Path, stage: str = "", name: str | None = None) -> Path:
        """The config of a stage ("" for the skim, "train", "bumphunt") for the channel or `name`."""
        name = name or self.channel
        return config_dir / (f"{stage}_{name}.yaml" if stage else f"{name}.yaml")


PLANS: dict[str, ChannelPlan] = {
    plan.channel: plan
    for plan in (
        ChannelPlan(
            "hzz4l",
            "H -> ZZ* -> 4l: classifier against the lab-course competitor; mass-decorrelated bump-hunt model",
            hunt_model="hzz4l_decorrelated",
        ),
        ChannelPlan("hyy", "H -> gamma gamma: adversarially mass-decorrelated classifier"),
        ChannelPlan(
            "trilepton", "Three leptons: autoencoder anomaly detection on the RMM, W_R -> l N search"
        ),
    )
}


@dataclass
class DemoResult:
    """Where the demo put things and how long each stage took.

    Attributes:
        output: the demo's output folder.
        report: the Markdown report.
        seconds: wall time per stage, in the order run.
        channels: per channel, the paths and headline numbers the report shows.
    """

    output: Path
    report: Path
    seconds: dict[str, float] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)


def run(
    output: str | Path = "outputs",
    *,
    channels: Sequence[str] = tuple(PLANS),
    config_dir: str | Path = CONFIG_DIR,
    jobs: int = 2,
    progress: bool = True,
) -> DemoResult:
    """Run the whole chain on the built-in samples and write `<output>/report.md`.

    `config_dir` holds samples.yaml and each channel's skim, training and bump-hunt configs.
    """
    from higgshunt import bumphunt, configuration, generation, learning, skim
    from higgshunt.plotting import run_macro

    output, config_dir = Path(output), Path(config_dir)
    result = DemoResult(output=output, report=output / "report.md")
    plans = [PLANS[name] for name in channels]
    # Every config is read before the first event is generated, so a typo fails in seconds, not minutes.
    skim_configs = {plan.channel: skim.load(plan.config(config_dir)) for plan in plans}
    train_configs = {plan.channel: learning.load_config(plan.config(config_dir, "train")) for plan in plans}
    hunt_models = {
        plan.channel: learning.load_config(plan.config(config_dir, "train", plan.hunt_model))
        for plan in plans
        if plan.hunt_model
    }
    hunt_configs = {plan.channel: plan.config(config_dir, "bumphunt") for plan in plans}
    for path in hunt_configs.values():  # checked up front too (its model is trained later)
        configuration.load(path, "bumphunt")
    generation_config = generation.load_config(config_dir / "samples.yaml")

    with _stage(result, "generate"):
        # the samples go where the skim configs look for their manifest
        for directory in sorted({c.manifest_path().parent for c in skim_configs.values()}):
            samples = generation.generate(generation_config, directory, jobs=jobs, progress=progress)
    for plan in plans:
        with _stage(result, f"skim {plan.channel}"):
            skimmed = skim.run(skim_configs[plan.channel], output=output, threads=jobs, progress=progress)
            channel_dir = skimmed.channel_dir
            cutflow_plot = run_macro(
                "plot_cutflow", channel_dir / "histograms.root", output=channel_dir / "cutflow.png"
            )
        with _stage(result, f"train {plan.channel}"):
            trained = learning.train(_for_demo(train_configs[plan.channel], skimmed, progress), force=True)
        info: dict[str, Any] = {
            "title": plan.title,
            "skim": skimmed.skim_file,
            "cutflow": skimmed.channel_dir / "cutflow.json",
            "cutflow_plot": cutflow_plot,
            "train": trained.output,
            "metrics": trained.metrics,
        }
        hunt_model = trained.output
        if plan.channel in hunt_models:
            with _stage(result, f"train {plan.hunt_model}"):
                hunt_model = learning.train(
                    _for_demo(hunt_models[plan.channel], skimmed, progress), force=True
                ).output
            info["hunt_model"] = hunt_model
        with _stage(result, f"bump hunt {plan.channel}"):
            hunt_config = bumphunt.load(
                hunt_configs[plan.channel], model=hunt_model, output=skimmed.channel_dir / "bumphunt"
            )
            info["bumphunt"] = bumphunt.run(hunt_config, threads=jobs, progress=progress)
        result.channels[plan.channel] = info
    _write_report(result, samples.path)
    return result


def _for_demo(config: dict[str, Any], skimmed: SkimResult, progress: bool) -> dict[str, Any]:
    """A training config reading the demo's skim and writing beside it (same folder name as configured)."""
    config["data"]["path"] = str(skimmed.skim_file)
    config["output"] = str(skimmed.channel_dir / Path(config["output"]).name)
    config["progress"] = progress
    return config


@contextmanager
def _stage(result: DemoResult, stage: str) -> Iterator[None]:
    """Log a stage and record its wall time."""
    log.info("demo: %s", stage)
    start = time.perf_counter()
    yield
    result.seconds[stage] = time.perf_counter() - start
    log.info("demo: %s done in %.0f s", stage, result.seconds[stage])


def _write_report(result: DemoResult, samples_manifest: Path) -> None:
    lines = ["# higgshunt demo report", "", f"Built-in samples: `{samples_manifest}`", ""]
    lines += calibration_section(samples_manifest)
    for name, info in result.channels.items():
        lines += _channel_section(name, info, result.output)
    lines += plot_review(result)
    lines += ["## Time per stage", "", "| stage | seconds |", "|---|---:|"]
    lines += [f"| {stage} | {seconds:.0f} |" for stage, seconds in result.seconds.items()]
    with atomic_output(result.report) as tmp:
        tmp.write_text("\n".join(lines) + "\n")


def calibration_section(samples_manifest: Path) -> list[str]:
    """The built-in samples against the official ATLAS Open Data notebooks and real data (docs/samples.md,
    "Calibration"), computed from the demo's own samples."""
    from higgshunt.generation import calibrate, calibration_table

    results = calibrate(samples_manifest)
    missed = [r.target.name for r in results if not r.within]
    lines = [
        "## Calibration of the built-in samples",
        "",
        "Pre-fit expected yields of the simulation with the official notebooks' selections, against their "
        "published values (the 4lep and diphoton counts: real data). Errors: simulation statistics.",
        "",
        *calibration_table(results),
        "",
    ]
    if missed:
        lines += [f'Outside the tolerance: {", ".join(missed)} (see docs/samples.md, "Calibration").', ""]
    return lines


def _channel_section(name: str, info: dict[str, Any], root: Path) -> list[str]:
    metrics = info["metrics"]
    lines = [
        f"## {info['title']}",
        "",
        f"- skim: `{info['skim']}`, cutflow `{info['cutflow']}`",
        f"- models, metrics and plots: `{info['train']}`",
    ]
    if "hunt_model" in info:
        lines.append(f"- the bump hunt's mass-decorrelated model: `{info['hunt_model']}`")
    lines.append("")
    lines += [
        "| model | AUC | AUC spread over folds | background eff. at 50% / 90% signal eff. |",
        "|---|---:|---:|---|",
    ]
    lines.append(_metrics_row(str(metrics.get("model", name)), metrics))
    if isinstance(metrics.get("competitor"), dict):
        lines.append(_metrics_row("competitor", metrics["competitor"]))
    comparison = metrics.get("comparison")
    if isinstance(comparison, dict):
        from higgshunt.learning import comparison_sentence

        lines += ["", comparison_sentence(comparison)]
    lines.append("")
    lines += _images([info["cutflow_plot"], *Path(info["train"]).glob("*.png")], root)
    hunt = info.get("bumphunt")
    if hunt is not None:
        from higgshunt.bumphunt import format_table

        lines += [f"### Bump hunt (`{hunt.output}`)", "", "```", format_table(hunt.summary), "```", ""]
        lines += _images(hunt.output.glob("**/*.png"), root)
    return lines


def _images(paths: Iterable[Path], root: Path) -> list[str]:
    lines = [f"![{p.stem}]({p.relative_to(root) if p.is_relative_to(root) else p})" for p in sorted(paths)]
    return [*lines, ""]


# What each plot the demo writes shows, by file name (the bump hunt's names carry the category).
PLOT_DESCRIPTIONS = {
    "cutflow": "weighted cutflow of every sample, as the efficiency relative to all events read "
    "(plot_cutflow.C)",
    "roc": "ROC curves on out-of-fold test events: background rejection against signal efficiency, with the "
    "competitor when there is one",
    "scores": "overtraining check: score of signal and background, training events (points) against test "
    "events (filled), with the KS p-values",
    "loss": "training (solid) and validation (dashed) loss per epoch, or per boosting round for a BDT, "
    "per fold",
    "adversary_loss": "the adversary's loss on background per epoch of the joint training (higher: the score "
    "says less about the mass)",
    "significance": "expected Asimov significance of the test events against the score cut (competitor "
    "dashed)",
    "mass_sculpting": "normalised background mass after score cuts keeping 100, 50, 20 and 10% of the "
    "background: shapes that stay alike mean the score does not sculpt the mass",
    "sic": "significance improvement eps_s / sqrt(eps_b) of the anomaly score against signal efficiency",
    "decorrelation_front": "background rejection R50 against mass decorrelation 1/JSD50 for each adversary "
    "strength: the Pareto front and the chosen working point",
    "stack": "data against the simulation stacked by process (signal on top) in the {category}, with the "
    "ratio data / (background + signal) (plot_stack.C)",
    "fit": "signal + background fit of the data in the {category}, the background-only fit, and the pulls",
    "scan": "local p0 of the data in the {category} against the hypothesised mass, with the global "
    "significance",
}


def describe_plot(path: Path) -> str:
    """One line saying what the demo's plot at `path` shows ("" for a plot the demo does not know)."""
    from higgshunt.plotting import display_name

    name, category = path.stem, ""
    if name.startswith("stack_"):
        name, category = "stack", name.removeprefix("stack_")
    elif name in ("fit", "scan") and path.parent.name.startswith("fit_"):
        category = path.parent.name.removeprefix("fit_")
    return PLOT_DESCRIPTIONS.get(name, "").format(category=display_name(category))


def plot_review(result: DemoResult) -> list[str]:
    """The report's list of every plot the demo wrote (PNG; each has a PDF or ROOT twin where its writer
    makes one), each with what it shows."""
    lines = ["## Plot review", "", "| plot | what it shows |", "|---|---|"]
    for info in result.channels.values():
        channel_dir = Path(info["skim"]).parent
        for path in sorted(channel_dir.rglob("*.png")):
            shown = path.relative_to(result.output) if path.is_relative_to(result.output) else path
            lines.append(f"| `{shown}` | {describe_plot(path) or 'not described'} |")
    return [*lines, ""]


def _metrics_row(label: str, metrics: dict[str, Any]) -> str:
    eff = metrics.get("bkg_eff_at_sig_eff") or {}
    return (
        f"| {label} | {_number(metrics.get('auc'))} | {_number(metrics.get('auc_std'))} | "
        f"{_number(eff.get('0.5'))} / {_number(eff.get('0.9'))} |"
    )


def _number(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else "-"


def summary(result: DemoResult) -> str:
    """A few lines telling the user where everything is."""
    lines = [f"report: {result.report}"]
    for name, info in result.channels.items():
        lines.append(f"{name}: skim {info['skim']}, models and plots {info['train']}")
        if "bumphunt" in info:
            lines.append(f"{name}: bump hunt {info['bumphunt'].output}")
    return "\n".join(lines) + "\n" + json.dumps({k: round(v) for k, v in result.seconds.items()})
