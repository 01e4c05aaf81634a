"""A bundle: relative paths → bytes, and its deterministic zip form."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

# 1980-01-01 00:00:00 is the earliest date a zip entry can hold; fixing it makes zips reproducible.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9._-]+$")
EXECUTABLE_SUFFIXES = (".sh",)


def check_bundle_path(path: str) -> str:
    """Return ``path`` if it stays inside the bundle root, else raise ``ValueError``.

    Only plain relative POSIX paths made of ``[A-Za-z0-9._-]`` segments are accepted: no absolute
    path, no drive letter, no backslash, no empty, ``.`` or ``..`` segment.
    """
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        raise ValueError(f"unsafe bundle path {path!r}")
    segments = path.split("/")
    for segment in segments:
        if segment in ("", ".", "..") or not _SAFE_SEGMENT.match(segment):
            raise ValueError(f"unsafe bundle path {path!r}")
    if posixpath.normpath(path) != path:
        raise ValueError(f"unsafe bundle path {path!r}")
    return path


@dataclass
class Bundle:
    """The files of an export, keyed by their path inside the bundle root."""

    name: str
    files: dict[str, bytes] = field(default_factory=dict)

    def add(self, path: str, content: bytes | str) -> None:
        check_bundle_path(path)
        if path in self.files:
            raise ValueError(f"duplicate bundle path {path!r}")
        self.files[path] = content.encode() if isinstance(content, str) else content

    def update(self, files: dict[str, bytes]) -> None:
        for path, content in files.items():
            self.add(path, content)

    def to_zip(self) -> bytes:
        """Deterministic zip: sorted entries under ``<name>/``, fixed timestamps and modes.

        The same files give byte-identical output, so the archive's sha256 identifies its content.
        """
        root = check_bundle_path(self.name)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(self.files):
                info = zipfile.ZipInfo(f"{root}/{check_bundle_path(path)}", date_time=ZIP_EPOCH)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # unix, so the mode below is honoured by unzip
                mode = 0o755 if path.endswith(EXECUTABLE_SUFFIXES) else 0o644
                info.external_attr = (0o100000 | mode) << 16
                zf.writestr(info, self.files[path], compresslevel=9)
        return out.getvalue()
