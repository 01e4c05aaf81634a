"""Export jobs and where their bundles live."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models

from apps.architectures.models import Architecture
from exporters import TARGET_CHOICES


def bundle_storage() -> FileSystemStorage:
    """Bundles live under ``WORKBENCH_EXPORTS_ROOT`` (default ``var/exports``); never served as
    static media: downloads go through the API's checks."""
    root = getattr(settings, "WORKBENCH_EXPORTS_ROOT", None) or settings.VAR_DIR / "exports"
    return FileSystemStorage(
        location=root, file_permissions_mode=0o640, directory_permissions_mode=0o750
    )


class ExportJob(models.Model):
    """One request to export a stored model at a given revision.

    State machine::

        queued ──▶ running ──▶ succeeded
                      │  ╲──▶ failed   (any exporter error, with its message; or attempts
                      │                 exhausted)
                      ╰──▶ queued   (transient error: retried with backoff; or a stale
                                      heartbeat found by the periodic export_jobs_sweep)

    ``succeeded`` is final and never rebuilt (the task is idempotent). ``task_id`` is the
    Celery task id of the attempt that holds a running job (see ``services``). ``bundle`` is written to
    a temporary file and renamed into place before the job is marked succeeded, and a download
    is served only when the job succeeded and the file's sha256 still equals ``sha256``.
    ``heartbeat`` is touched while running; a running job whose heartbeat is older than
    ``STALE_AFTER`` lost its worker.
    """

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    # The registered targets (exporters.TARGET_CHOICES): adding one there adds it here too
    # (with a migration for the choices and the constraint).
    TARGETS = [(name, name.capitalize()) for name in TARGET_CHOICES]

    architecture = models.ForeignKey(
        Architecture, on_delete=models.CASCADE, related_name="export_jobs"
    )
    revision = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    target = models.CharField(max_length=16, choices=TARGETS)
    options = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    log = models.JSONField(default=list, blank=True)
    bundle = models.FileField(
        storage=bundle_storage, upload_to="bundles/", blank=True, max_length=300
    )
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_label = models.CharField(max_length=150, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["architecture", "-created"]),
            models.Index(fields=["state", "heartbeat"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="exportjob_progress_max_100"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=["queued", "running", "succeeded", "failed"]),
                name="exportjob_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(target__in=list(TARGET_CHOICES)),
                name="exportjob_target_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="succeeded")
                | (~models.Q(sha256="") & ~models.Q(bundle="")),
                name="exportjob_succeeded_has_bundle",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} of model {self.architecture_id} r{self.revision} ({self.target}, {self.state})"

    @property
    def filename(self) -> str:
        return f"{self.architecture.name}-{self.target}-r{self.revision}.zip"
