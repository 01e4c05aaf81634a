"""The one reader of uploaded files for imports and drift, for the API and the pages alike:
multipart parts read within WORKBENCH_MAX_MODEL_BYTES in total (a model body is read by
``apps.architectures.bodies.read_body``)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from .importers import ImportInputError, SourceFile


def uploaded_files(
    request: HttpRequest,
    field_names: tuple[str, ...] = ("files", "file"),
    *,
    required: bool = True,
) -> list[SourceFile]:
    """Every uploaded file of the named parts, within WORKBENCH_MAX_MODEL_BYTES in total.
    ``required=False`` (pages) returns an empty list instead of refusing it."""
    if request.content_type != "multipart/form-data":
        if not required:
            return []
        raise ImportInputError.one(
            "send the files as multipart/form-data in parts named 'files'", status=415
        )
    limit = settings.WORKBENCH_MAX_MODEL_BYTES
    out: list[SourceFile] = []
    total = 0
    for field in field_names:
        for upload in request.FILES.getlist(field):
            total += upload.size or 0
            if total > limit:
                raise ImportInputError.one(
                    f"the upload is over {limit:,} bytes (WORKBENCH_MAX_MODEL_BYTES)",
                    upload.name,
                    status=413,
                )
            out.append(SourceFile(upload.name or field, upload.read(limit + 1)))
    if not out and required:
        raise ImportInputError.one(
            "no files uploaded; send them in multipart parts named 'files'", status=400
        )
    return out
