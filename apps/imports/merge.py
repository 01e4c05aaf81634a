"""Merging an imported document into a stored one: new elements are added, existing ones are
updated field by field (nested apis, calls, data, events and routes merged by their key),
nothing is removed unless ``remove=True``. Framework-free; the result is validated."""

from __future__ import annotations

import copy
from typing import Any

from apps.archmodel import ModelInvalid, model_from_data
from apps.archmodel.diff import diff_documents
from apps.archmodel.spec import COLLECTIONS

from .importers.report import ImportReport

# Nested lists and the key that identifies an entry (a bare string entry is its own key).
NESTED_KEYS = {
    "apis": "id",
    "calls": "to",
    "data": "store",
    "publishes": "event",
    "subscribes": "event",
    "routes": "path",
    "operations": None,
}
UNION_LISTS = ("tags", "uses")
STRUCTURAL = ("services", "datastores", "brokers")


def _key(entry: Any, key: str | None) -> Any:
    if key is None:
        return repr(entry)
    return entry.get(key) if isinstance(entry, dict) else entry


def _merge_list(old: list[Any], new: list[Any], key: str | None) -> list[Any]:
    out = list(old)
    index = {_key(e, key): i for i, e in enumerate(out)}
    for entry in new:
        k = _key(entry, key)
        if k in index:
            out[index[k]] = _merge_value(out[index[k]], entry, key)
        else:
            index[k] = len(out)
            out.append(entry)
    return out


def _merge_value(old: Any, new: Any, key: str | None) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        return _merge_element(old, new)
    if isinstance(old, dict) and not isinstance(new, dict):
        return old  # a shorthand adds nothing to the full form already there
    if isinstance(new, dict) and not isinstance(old, dict) and key:
        return new
    return new


def _merge_element(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` onto ``old``; a value the import only guessed (``x-imported.guessed``, or a
    runtime it could not tell: ``other``) never replaces one the stored model states."""
    out = dict(old)
    note = new.get("x-imported")
    guessed = set(note.get("guessed") or {}) if isinstance(note, dict) else set()
    for field, value in new.items():
        if field in out and (field in guessed or (field == "runtime" and value == "other")):
            continue
        if field in NESTED_KEYS and isinstance(value, list) and isinstance(out.get(field), list):
            out[field] = _merge_list(out[field], value, NESTED_KEYS[field])
        elif field in UNION_LISTS and isinstance(value, list) and isinstance(out.get(field), list):
            out[field] = out[field] + [v for v in value if v not in out[field]]
        else:
            out[field] = value
    return out


def merge_documents(
    current: dict[str, Any],
    imported: dict[str, Any],
    *,
    remove: bool = False,
    report: ImportReport | None = None,
) -> dict[str, Any]:
    """The current document with the imported one merged in (canonical form)."""
    report = report or ImportReport()
    merged = copy.deepcopy(current)
    kind_of = {
        item["id"]: coll
        for coll in COLLECTIONS
        for item in merged.get(coll, [])
        if isinstance(item, dict)
    }
    api_owner = {
        api["id"]: s["id"]
        for s in merged.get("services", [])
        for api in s.get("apis", [])
        if isinstance(api, dict)
    }
    for coll in COLLECTIONS:
        for item in imported.get(coll, []):
            ident = item["id"]
            have = kind_of.get(ident)
            if have is not None and have != coll:
                report.ignore(
                    f"'{ident}' is a {have[:-1]} in the stored model but a {coll[:-1]} "
                    "in the import; the stored one is kept",
                    element=ident,
                )
                continue
            if coll == "services":
                clashes = [
                    a["id"]
                    for a in item.get("apis", [])
                    if api_owner.get(a["id"], ident) != ident or a["id"] in kind_of
                ]
                if clashes:
                    item = {**item, "apis": [a for a in item["apis"] if a["id"] not in clashes]}
                    report.ignore(
                        f"api id(s) {', '.join(clashes)} already used elsewhere in the "
                        "stored model; not merged",
                        element=ident,
                    )
            items = merged.setdefault(coll, [])
            if have is None:
                items.append(item)
                kind_of[ident] = coll
            else:
                pos = next(i for i, e in enumerate(items) if e.get("id") == ident)
                items[pos] = _merge_element(items[pos], item)
    if remove:
        gone = set()
        for coll in STRUCTURAL:
            keep_ids = {i["id"] for i in imported.get(coll, [])}
            before = merged.get(coll, [])
            kept = [i for i in before if i["id"] in keep_ids or i.get("kind") == "external"]
            gone |= {i["id"] for i in before} - {i["id"] for i in kept}
            if before:
                merged[coll] = kept
        _drop_references(merged, gone)
    # Imported shorthands can clash with a stored model's own consistency rules; validate.
    try:
        return model_from_data(merged).document
    except ModelInvalid:
        _drop_references(merged, set())
        return model_from_data(merged).document


def _drop_references(doc: dict[str, Any], gone: set[str]) -> None:
    """Remove references to ``gone`` ids (and to ids that no longer exist)."""
    ids = {i["id"] for coll in COLLECTIONS for i in doc.get(coll, []) if isinstance(i, dict)}
    services = {s["id"] for s in doc.get("services", [])}
    stores = {d["id"] for d in doc.get("datastores", [])}
    events = {e["id"] for e in doc.get("events", [])}
    brokers = {b["id"] for b in doc.get("brokers", [])}

    def target(entry: Any, key: str) -> Any:
        return entry.get(key) if isinstance(entry, dict) else entry

    for s in doc.get("services", []) + doc.get("actors", []):
        if "calls" in s:
            s["calls"] = [c for c in s["calls"] if target(c, "to") in services]
        if "data" in s:
            s["data"] = [d for d in s["data"] if target(d, "store") in stores]
        for key in ("publishes", "subscribes"):
            if key in s:
                s[key] = [p for p in s[key] if target(p, "event") in events]
        if "routes" in s:
            s["routes"] = [r for r in s["routes"] if r.get("to") in services]
        for key in list(s):
            if isinstance(s[key], list) and not s[key] and key in NESTED_KEYS:
                del s[key]
    for d in doc.get("datastores", []):
        if d.get("owner") not in (None, *services):
            del d["owner"]
    doc["events"] = [e for e in doc.get("events", []) if e.get("broker") in brokers]
    if not doc["events"]:
        del doc["events"]
    if "sagas" in doc:
        for saga in doc["sagas"]:
            saga["steps"] = [st for st in saga.get("steps", []) if st.get("service") in services]
    doc["actors"] = [a for a in doc.get("actors", []) if a.get("calls") or a["id"] not in gone]
    if not doc["actors"]:
        del doc["actors"]
    if "journeys" in doc:
        _drop_journey_references(doc)
    del ids


def _drop_journey_references(doc: dict[str, Any]) -> None:
    """Journeys whose entry or gateway route went are dropped; ``calls`` items keep only the
    edges that still exist (a journey left without a start node is dropped too)."""
    sources = {x["id"]: x for x in doc.get("services", []) + doc.get("actors", [])}

    def targets(x: dict[str, Any]) -> set[Any]:
        out = {c.get("to") if isinstance(c, dict) else c for c in x.get("calls", [])}
        return out | {r.get("to") for r in x.get("routes", []) if isinstance(r, dict)}

    kept = []
    for j in doc["journeys"]:
        entry = sources.get(j.get("entry"))
        if entry is None:
            continue
        if "route" in j and j["route"] not in {r.get("path") for r in entry.get("routes", [])}:
            continue
        if "calls" in j:
            edges = []
            for item in j["calls"]:
                a, _, b = str(item).partition("->")
                if a in sources and b in targets(sources[a]):
                    edges.append(item)
            j["calls"] = edges
            is_gateway = entry.get("kind") == "gateway"
            if not is_gateway and not any(f"{entry['id']}->{t}" in edges for t in targets(entry)):
                continue
        kept.append(j)
    doc["journeys"] = kept
    if not kept:
        del doc["journeys"]


def import_preview(
    current: dict[str, Any], imported: dict[str, Any], *, remove: bool = False
) -> tuple[dict[str, Any], dict[str, Any], ImportReport]:
    """(merged document, diff current → merged, merge notes)."""
    notes = ImportReport()
    merged = merge_documents(current, imported, remove=remove, report=notes)
    return merged, diff_documents(current, merged), notes
