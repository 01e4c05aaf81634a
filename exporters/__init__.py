"""Exporters: a model in, a runnable bundle of files out. No Django, no ORM.

    bundle = export_bundle(model, target="all", progress=lambda pct, msg: ...)
    bundle.to_zip()  # deterministic bytes

Targets implement ``Target`` (``name`` and ``files(plan, problems) -> {path: bytes}``):
``compose`` (compose.yaml), ``kubernetes`` (kustomize base + overlays) and the shared
``skeleton`` (per-service code, Dockerfiles, the nginx gateway) that both run. Add a target by
writing one more module with such a class and listing it in ``TARGETS``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from apps.archmodel.types import Model

from .bundle import Bundle, check_bundle_path
from .common.infra import Plan
from .common.infra import plan as make_plan
from .common.readme import CHECK_ENV, GITIGNORE, INIT_ENV, env_example, readme
from .compose import ComposeTarget
from .errors import ExportError
from .kubernetes import KubernetesTarget
from .skeleton import SkeletonTarget

__all__ = [
    "TARGET_CHOICES",
    "Bundle",
    "ExportError",
    "Target",
    "check_bundle_path",
    "export_bundle",
]

Progress = Callable[[int, str], None]


class Target(Protocol):
    name: str

    def files(self, plan: Plan, problems: list[str]) -> dict[str, bytes]: ...


# The one registration of a target: the API's schema and enum, the job model's choices and
# constraint, and the CLI's --target all read TARGET_CHOICES.
TARGETS: dict[str, Target] = {"compose": ComposeTarget(), "kubernetes": KubernetesTarget()}
# "docs" (exporters.docs) is the architecture document, not a runnable bundle: not in "all".
TARGET_CHOICES: tuple[str, ...] = (*TARGETS, "all", "docs")


def export_bundle(
    model: Model,
    *,
    target: str = "all",
    options: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> Bundle:
    """Build the bundle for ``target``. Raises ``ExportError`` listing every unsafe value.

    ``options`` is reserved for target options; unknown keys are refused so a job's stored
    options always mean what they say.
    """
    if target not in TARGET_CHOICES:
        raise ExportError([f"unknown target {target!r}; choose one of {', '.join(TARGET_CHOICES)}"])
    if options:
        raise ExportError([f"unknown option {key!r}" for key in sorted(options)])
    if target == "docs":
        from .docs import docs_bundle

        return docs_bundle(model, progress=progress)
    report: Progress = progress or (lambda pct, msg: None)
    names = list(TARGETS) if target == "all" else [target]
    report(5, "planning")
    plan = make_plan(model)
    problems: list[str] = list(plan.problems)
    bundle = Bundle(name=f"{model.name}-{target}")
    steps: list[Target] = [SkeletonTarget(), *(TARGETS[n] for n in names)]
    for i, step in enumerate(steps):
        report(10 + 70 * i // len(steps), f"generating {step.name}")
        files = step.files(plan, problems)
        if not problems:
            bundle.update(files)
    if problems:
        raise ExportError(problems)
    report(85, "writing README and .env.example")
    bundle.add("README.md", readme(plan, names))
    bundle.add(".env.example", env_example(plan))
    bundle.add("scripts/init-env.sh", INIT_ENV)
    bundle.add("scripts/check-env.sh", CHECK_ENV)
    bundle.add(".gitignore", GITIGNORE)
    report(90, f"{len(bundle.files)} files")
    return bundle
