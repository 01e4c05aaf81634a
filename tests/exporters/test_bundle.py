"""The bundle as a whole: deterministic, contained, complete, and free of secrets."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import yaml

from apps.archmodel import Model
from exporters import Bundle, ExportError, check_bundle_path, export_bundle


def test_two_exports_of_the_same_model_are_byte_identical(any_model: Model) -> None:
    first = export_bundle(any_model, target="all").to_zip()
    second = export_bundle(any_model, target="all").to_zip()
    assert first == second


def test_zip_entries_are_sorted_with_fixed_timestamps_and_modes(shop: Model) -> None:
    with zipfile.ZipFile(io.BytesIO(export_bundle(shop).to_zip())) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        for info in zf.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            mode = info.external_attr >> 16 & 0o777
            assert mode == (0o755 if info.filename.endswith(".sh") else 0o644), info.filename


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",
        "../x",
        "a/../../b",
        "a//b",
        "a/./b",
        "C:\\x",
        "a\\..\\b",
        "",
        ".",
        "a/",
        "a\x00b",
        "a/b c",
    ],
)
def test_paths_that_would_leave_the_bundle_root_are_refused(path: str) -> None:
    with pytest.raises(ValueError):
        check_bundle_path(path)
    with pytest.raises(ValueError):
        Bundle(name="x").add(path, b"")


def test_every_zip_entry_stays_under_the_bundle_root(any_model: Model) -> None:
    with zipfile.ZipFile(io.BytesIO(export_bundle(any_model).to_zip())) as zf:
        root = f"{any_model.name}-all/"
        for name in zf.namelist():
            assert (
                name.startswith(root) and ".." not in name.split("/") and not name.startswith("/")
            )


def test_targets_select_their_files(shop: Model) -> None:
    compose = export_bundle(shop, target="compose").files
    kube = export_bundle(shop, target="kubernetes").files
    assert "compose.yaml" in compose and not any(p.startswith("kubernetes/") for p in compose)
    assert "compose.yaml" not in kube and "kubernetes/base/kustomization.yaml" in kube
    for files in (compose, kube):
        assert {
            "README.md",
            ".env.example",
            "scripts/init-env.sh",
            "services/orders/Dockerfile",
        } <= set(files)


def test_unknown_target_or_option_is_refused(shop: Model) -> None:
    with pytest.raises(ExportError):
        export_bundle(shop, target="helm")
    with pytest.raises(ExportError):
        export_bundle(shop, options={"registry": "x"})


def test_progress_is_reported_in_increasing_percentages(shop: Model) -> None:
    seen: list[int] = []
    export_bundle(shop, progress=lambda pct, msg: seen.append(pct))
    assert seen == sorted(seen) and seen[0] > 0 and seen[-1] <= 100


def test_no_secret_value_is_written_anywhere(any_model: Model) -> None:
    files = export_bundle(any_model).files
    env_example = files[".env.example"].decode()
    for line in env_example.splitlines():
        if line and not line.startswith("#"):
            # a secret placeholder, or an operator-supplied setting left empty
            assert line.endswith("=REPLACE_ME") or line.endswith("="), line
    for path, content in files.items():
        text = content.decode()
        if "kind: Secret" in text:
            for value in re.findall(r"^  \S+: (.*)$", text.split("stringData:")[1], re.M):
                assert value == "REPLACE_ME", path
        assert not re.search(
            r"(?i)password[ \t]*[:=][ \t]*['\"]?[a-z0-9]{8,}", text.replace("REPLACE_ME", "")
        ), path


def test_every_secret_compose_needs_is_listed_in_env_example(any_model: Model) -> None:
    files = export_bundle(any_model).files
    text = files["compose.yaml"].decode()
    needed = set(re.findall(r"\$\{([A-Z0-9_]+):\?", text))
    # generated secrets are files (secrets/<name>.txt) that init-env.sh writes from .env
    for name in yaml.safe_load(text).get("secrets") or {}:
        needed.add(name.upper().replace("-", "_"))
    listed = {
        line.split("=")[0]
        for line in files[".env.example"].decode().splitlines()
        if line and not line.startswith("#")
    }
    assert needed == listed


def test_readme_names_every_service_directory(shop: Model) -> None:
    files = export_bundle(shop).files
    readme = files["README.md"].decode()
    for path in files:
        if path.startswith("services/"):
            assert f"`services/{path.split('/')[1]}/`" in readme
