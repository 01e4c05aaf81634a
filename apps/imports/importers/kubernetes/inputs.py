"""The input: the files a kustomization selects, and the Kubernetes objects in them."""

from __future__ import annotations

import posixpath
from typing import Any

from ..reader import Doc, read_yaml
from ..report import ImportInputError, ImportReport
from ..sources import SourceFile


def select_files(files: list[SourceFile], report: ImportReport) -> list[SourceFile]:
    charts = [f.name for f in files if f.name.rsplit("/", 1)[-1] in ("Chart.yaml", "Chart.yml")]
    if charts:
        raise ImportInputError.one(
            "this is a Helm chart (Chart.yaml): its templates are not Kubernetes manifests until "
            "rendered; render it first with `helm template NAME CHART > manifests.yaml` and "
            "import the output",
            charts[0],
        )
    """Apply kustomizations: the files they list (recursively), else every file."""
    by_name = {posixpath.normpath(f.name): f for f in files}
    roots = [
        n
        for n in by_name
        if posixpath.basename(n) in ("kustomization.yaml", "kustomization.yml", "Kustomization")
    ]
    if not roots:
        return files
    roots.sort(key=lambda n: n.count("/"))
    chosen: dict[str, SourceFile] = {}
    seen: set[str] = set()

    def visit(kpath: str) -> None:
        if kpath in seen:
            return
        seen.add(kpath)
        kfile = by_name[kpath]
        docs = read_yaml(kfile.content, kfile.name)
        data = docs[0].data if docs else None
        if not isinstance(data, dict):
            raise ImportInputError.one("expected a kustomization mapping", kfile.name, 1)
        base = posixpath.dirname(kpath)
        for key in ("resources", "bases", "components"):
            entries = data.get(key) or []
            if not isinstance(entries, list):
                continue
            for i, entry in enumerate(entries):
                line = docs[0].line(entries, i)
                if not isinstance(entry, str):
                    continue
                if (
                    "://" in entry
                    or entry.startswith(("github.com/", "git@", "ssh:"))
                    or "?ref=" in entry
                ):
                    report.ignore(f"remote base '{entry}' is never fetched", kfile.name, line)
                    continue
                target = posixpath.normpath(posixpath.join(base, entry))
                if target.startswith("..") or posixpath.isabs(target):
                    report.ignore(
                        f"'{entry}' is outside the given folder; not read", kfile.name, line
                    )
                    continue
                if target in by_name:
                    chosen[target] = by_name[target]
                    continue
                for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
                    if posixpath.join(target, name) in by_name:
                        visit(posixpath.join(target, name))
                        break
                else:
                    report.ignore(f"'{entry}' is not among the given files", kfile.name, line)
        for key in (
            "patches",
            "patchesStrategicMerge",
            "patchesJson6902",
            "images",
            "replicas",
            "configMapGenerator",
            "secretGenerator",
            "helmCharts",
        ):
            if key in data:
                report.ignore(
                    f"kustomize '{key}' is not applied", kfile.name, docs[0].line(data, key)
                )

    visit(roots[0])
    return list(chosen.values())


def _docs(files: list[SourceFile], report: ImportReport) -> list[tuple[Doc, dict[str, Any]]]:
    out = []
    for f in files:
        for doc in read_yaml(f.content, f.name, multi=True):
            if doc.data is None:
                continue
            if not isinstance(doc.data, dict) or not isinstance(doc.data.get("kind"), str):
                raise ImportInputError.one(
                    "expected a Kubernetes object: a mapping with 'kind'", f.name, doc.line0
                )
            if doc.data["kind"] == "List":
                for item in doc.data.get("items") or []:
                    if isinstance(item, dict) and isinstance(item.get("kind"), str):
                        out.append((doc, item))
                continue
            if (
                posixpath.basename(f.name).startswith("kustomization")
                or doc.data["kind"] == "Kustomization"
            ):
                continue
            out.append((doc, doc.data))
    return out
