"""``Builder``: the whole ``Model`` from a document, and the element kinds other than
services (domains, teams, libraries, actors, datastores, brokers, events, sagas)."""

from __future__ import annotations

from .. import types as M
from .journeys import build_journeys, effective_slo
from .services import ServiceBuilder
from .values import _dict, _list


class Builder(ServiceBuilder):
    """Turns a validated document into a ``Model``, collecting every error on the way."""

    # --- building -----------------------------------------------------------------------------

    def build(self) -> M.Model | None:
        doc = self.doc
        self.collect_ids()
        model = M.Model(
            name=doc.get("name", ""),
            title=doc.get("title"),
            description=doc.get("description"),
            document=doc,
        )
        model.domains = [
            M.Domain(d["id"], d.get("title"), d.get("description"), f"/domains/{i}")
            for i, d in self._items("domains")
        ]
        model.teams = [
            M.Team(d["id"], d.get("title"), d.get("description"), f"/teams/{i}")
            for i, d in self._items("teams")
        ]
        model.libraries = [
            M.Library(
                d["id"],
                d.get("title"),
                d.get("description"),
                f"/libraries/{i}",
                kind=d.get("kind", "technical"),
            )
            for i, d in self._items("libraries")
        ]
        model.actors = [self._actor(i, d) for i, d in self._items("actors")]
        model.services = [self._service(i, d) for i, d in self._items("services")]
        model.datastores = [self._datastore(i, d) for i, d in self._items("datastores")]
        model.brokers = [
            M.Broker(
                d["id"],
                d.get("title"),
                d.get("description"),
                f"/brokers/{i}",
                kind=d.get("kind", "other"),
                role=d.get("role", "broker"),
                replicas=d.get("replicas", 1),
                slo=effective_slo(d.get("slo"), self.defaults, "broker"),
            )
            for i, d in self._items("brokers")
        ]
        model.events = [self._event(i, d) for i, d in self._items("events")]
        model.sagas = [self._saga(i, d) for i, d in self._items("sagas")]
        model.journeys = build_journeys(self, model)
        validation = doc.get("validation") or {}
        if isinstance(validation, dict):
            model.validation = M.Validation(
                disable=[r for r in _list(validation.get("disable")) if isinstance(r, str)],
                severity=_dict(validation.get("severity")),
                thresholds={
                    k: dict(v)
                    for k, v in _dict(validation.get("thresholds")).items()
                    if isinstance(v, dict)
                },
            )
        model.suppressions = [
            M.Suppression(
                d.get("rule", ""),
                str(d.get("target", "")),
                d.get("reason", ""),
                d.get("expires"),
                f"/suppressions/{i}",
            )
            for i, d in enumerate(_list(doc.get("suppressions")))
            if isinstance(d, dict)
        ]
        by_id: dict[str, M.Element] = {}
        for coll in (
            model.domains,
            model.teams,
            model.actors,
            model.services,
            model.datastores,
            model.brokers,
            model.events,
            model.libraries,
            model.sagas,
            model.journeys,
        ):
            for el in coll:
                by_id.setdefault(el.id, el)
        for s in model.services:
            for api in s.apis:
                by_id.setdefault(api.id, api)
        model.by_id = by_id
        return model

    def _items(self, coll: str) -> list[tuple[int, dict]]:
        items = self.doc.get(coll)
        if not isinstance(items, list):
            return []
        return [
            (i, d)
            for i, d in enumerate(items)
            if isinstance(d, dict) and isinstance(d.get("id"), str)
        ]

    def _actor(self, i: int, d: dict) -> M.Actor:
        pointer = f"/actors/{i}"
        actor = M.Actor(
            d["id"], d.get("title"), d.get("description"), pointer, kind=d.get("kind", "person")
        )
        actor.calls = self._calls(d, pointer, source_is_service=False)
        return actor

    def _datastore(self, i: int, d: dict) -> M.Datastore:
        pointer = f"/datastores/{i}"
        if "owner" in d:
            self.ref(d["owner"], "service", pointer + "/owner")
        return M.Datastore(
            d["id"],
            d.get("title"),
            d.get("description"),
            pointer,
            kind=d.get("kind", "other"),
            owner=d.get("owner"),
            replicas=d.get("replicas", 1),
            slo=effective_slo(d.get("slo"), self.defaults, "datastore"),
        )

    def _event(self, i: int, d: dict) -> M.Event:
        pointer = f"/events/{i}"
        self.ref(d.get("broker"), "broker", pointer + "/broker")
        return M.Event(
            d["id"],
            d.get("title"),
            d.get("description"),
            pointer,
            broker=d.get("broker", ""),
            channel=d.get("channel") or d["id"],
            delivery=d.get("delivery", "at-least-once"),
            schema=d.get("schema"),
        )

    def _saga(self, i: int, d: dict) -> M.Saga:
        pointer = f"/sagas/{i}"
        saga = M.Saga(
            d["id"],
            d.get("title"),
            d.get("description"),
            pointer,
            coordination=d.get("coordination", "none"),
        )
        for j, st in enumerate(_list(d.get("steps"))):
            if isinstance(st, dict):
                self.ref(st.get("service"), "service", f"{pointer}/steps/{j}/service")
                saga.steps.append(
                    M.SagaStep(st.get("service", ""), st.get("action"), st.get("compensation"))
                )
        return saga
