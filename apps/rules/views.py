"""The rule catalog as pages: ``/rules/`` and ``/rules/<id>/`` (public, like the API's)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .registry import CATEGORIES, did_you_mean, load_catalog
from .ruledocs import all_rule_docs, rule_doc


def rule_list(request: HttpRequest) -> HttpResponse:
    docs = all_rule_docs()
    groups = [
        {"id": c, "title": t, "rules": [d["rule"] for d in docs if d["rule"]["category"] == c]}
        for c, t in CATEGORIES.items()
    ]
    return render(request, "rules/list.html", {"groups": groups, "count": len(docs)})


def rule_detail(request: HttpRequest, rule_id: str) -> HttpResponse:
    rules = load_catalog()
    if rule_id not in rules:
        raise Http404(f"Unknown rule '{rule_id}'{did_you_mean(rule_id, rules)}")
    doc = rule_doc(rule_id)
    return render(
        request,
        "rules/detail.html",
        {
            "doc": doc,
            "rule": doc["rule"],
            "category_title": CATEGORIES[doc["rule"]["category"]],
        },
    )
