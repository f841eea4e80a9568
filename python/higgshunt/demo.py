"""The end-to-end demonstration on the built-in samples: generate -> skim -> train -> report.

Every stage is the public API of its package with the shipped configs; stages whose outputs are complete for the
same config and inputs are skipped by those APIs themselves (samples, skims), so a second `make demo` is quick.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from higgshunt.atomic import atomic_output

log = logging.getLogger(__name__)

CONFIG_DIR = Path("configs")


@dataclass(frozen=True)
class ChannelPlan:
    """What the demo runs for one channel: its skim config and its training config."""

    channel: str
    title: str

    @property
    def skim_config(self) -> Path:
        return CONFIG_DIR / f"{self.channel}.yaml"

    @property
    def train_config(self) -> Path:
        return CONFIG_DIR / f"train_{self.channel}.yaml"


PLANS: dict[str, ChannelPlan] = {
    plan.channel: plan
    for plan in (
        ChannelPlan("hzz4l", "H -> ZZ* -> 4l: dense classifier against the lab-course competitor"),
        ChannelPlan("hyy", "H -> gamma gamma: adversarially mass-decorrelated classifier"),
        ChannelPlan("trilepton", "Three leptons: autoencoder anomaly detection on the RMM"),
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
    samples_config: str | Path = CONFIG_DIR / "samples.yaml",
    jobs: int = 2,
    progress: bool = True,
) -> DemoResult:
    """Run the whole chain on the built-in samples and write `<output>/report.md`."""
    from higgshunt import generation, learning, skim

    output = Path(output)
    result = DemoResult(output=output, report=output / "report.md")
    plans = [PLANS[name] for name in channels]

    manifest = _timed(
        result, "generate", lambda: generation.generate(generation.load_config(samples_config), jobs=jobs,
                                                        progress=progress)
    )
    for plan in plans:
        skimmed = _timed(
            result, f"skim {plan.channel}",
            lambda plan=plan: skim.run(skim.load(plan.skim_config), output=output, threads=jobs, progress=progress),
        )
        config = learning.load_config(plan.train_config)
        config["data"]["path"] = str(skimmed.skim_file)
        config["output"] = str(skimmed.channel_dir / "train")
        config["progress"] = progress
        trained = _timed(result, f"train {plan.channel}", lambda config=config: learning.train(config))
        result.channels[plan.channel] = {
            "title": plan.title,
            "skim": skimmed.skim_file,
            "cutflow": skimmed.channel_dir / "cutflow.json",
            "histograms": skimmed.channel_dir / "histograms.root",
            "train": trained.output,
            "metrics": trained.metrics,
        }
    _write_report(result, manifest.path)
    return result


def _timed(result: DemoResult, stage: str, work: Callable[[], Any]) -> Any:
    log.info("demo: %s", stage)
    start = time.perf_counter()
    value = work()
    result.seconds[stage] = time.perf_counter() - start
    log.info("demo: %s done in %.0f s", stage, result.seconds[stage])
    return value


def _write_report(result: DemoResult, samples_manifest: Path) -> None:
    lines = ["# higgshunt demo report", "", f"Built-in samples: `{samples_manifest}`", ""]
    for name, info in result.channels.items():
        lines += _channel_section(name, info, result.output)
    lines += ["## Time per stage", "", "| stage | seconds |", "|---|---:|"]
    lines += [f"| {stage} | {seconds:.0f} |" for stage, seconds in result.seconds.items()]
    with atomic_output(result.report) as tmp:
        tmp.write_text("\n".join(lines) + "\n")


def _channel_section(name: str, info: dict[str, Any], root: Path) -> list[str]:
    metrics = info["metrics"]
    lines = [f"## {info['title']}", "", f"- skim: `{info['skim']}`, cutflow `{info['cutflow']}`",
             f"- models, metrics and plots: `{info['train']}`", ""]
    lines += ["| model | AUC | AUC spread over folds | background eff. at 50% / 90% signal eff. |",
              "|---|---:|---:|---|"]
    lines.append(_metrics_row(str(metrics.get("model", name)), metrics))
    if isinstance(metrics.get("competitor"), dict):
        lines.append(_metrics_row("competitor", metrics["competitor"]))
    lines.append("")
    train_dir = Path(info["train"])
    for plot in sorted(train_dir.glob("*.png")):
        lines.append(f"![{plot.stem}]({plot.relative_to(root) if plot.is_relative_to(root) else plot})")
    lines.append("")
    return lines


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
    return "\n".join(lines) + "\n" + json.dumps({k: round(v) for k, v in result.seconds.items()})
