"""The rules' services: a stored model's report is computed once per revision and shared."""

from __future__ import annotations

import threading

from apps.archmodel import load_model
from apps.rules import services
from tests.support import DEMO_COPY


def test_a_revisions_report_is_computed_once_for_concurrent_callers(monkeypatch):
    model = load_model(DEMO_COPY.read_bytes())
    calls = []
    real = services.check_model
    gate = threading.Event()

    def counting(m, **kw):
        calls.append(1)
        gate.wait(2)  # the picture's request is still computing when the pane's arrives
        return real(m, **kw)

    monkeypatch.setattr(services, "check_model", counting)
    out: list[object] = []
    threads = [
        threading.Thread(
            target=lambda: out.append(services.model_check(model=model, content_hash="rev-a"))
        )
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert out[0] is out[1] is out[2]
    assert out[0].findings  # the demo has findings


def test_another_revision_or_no_hash_is_checked_again(monkeypatch):
    model = load_model(DEMO_COPY.read_bytes())
    calls = []
    real = services.check_model
    monkeypatch.setattr(services, "check_model", lambda m, **kw: calls.append(1) or real(m, **kw))
    services.model_check(model=model, content_hash="rev-b")
    services.model_check(model=model, content_hash="rev-b")
    services.model_check(model=model, content_hash="rev-c")
    services.model_check(model=model)
    assert len(calls) == 3
