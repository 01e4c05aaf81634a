"""AsyncAPI 2.x and 3.x → a service with the events it publishes and subscribes, and a broker
guessed from the servers' protocol (amqp → rabbitmq, kafka, nats, redis, mqtt → other).

2.x keeps the specification's (client's) point of view: a channel's ``publish`` operation is
what the described application receives (it subscribes), ``subscribe`` is what it sends.
3.x says it directly: ``action: send`` publishes, ``action: receive`` subscribes.
"""

from __future__ import annotations

from typing import Any

from .builder import DocumentBuilder, Where, slugify
from .common import as_dict
from .openapi import remote_refs, resolve_local
from .reader import Doc, read_one
from .report import ImportInputError, ImportReport
from .sources import SourceFile

PROTOCOLS = {
    "amqp": "rabbitmq",
    "amqps": "rabbitmq",
    "kafka": "kafka",
    "kafka-secure": "kafka",
    "nats": "nats",
    "redis": "redis",
    "mqtt": "other",
    "mqtts": "other",
    "secure-mqtt": "other",
    "jms": "other",
    "sns": "other",
    "sqs": "other",
    "pulsar": "other",
    "stomp": "other",
    "stomps": "other",
    "solace": "other",
    "googlepubsub": "other",
    "ibmmq": "other",
}
MAX_SCHEMA_NODES = 2_000


def _inline(root: Any, node: Any, report: ImportReport, file: str) -> Any:
    """A payload schema with local $refs inlined (bounded; cycles and remote refs dropped)."""
    budget = [MAX_SCHEMA_NODES]

    def walk(n: Any, seen: tuple[str, ...]) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            return {}
        if isinstance(n, dict):
            ref = n.get("$ref")
            if isinstance(ref, str):
                if not ref.startswith("#/") or ref in seen:
                    return {}
                target = resolve_local(root, {"$ref": ref}, report, file, None)
                return walk(target, (*seen, ref)) if target is not None else {}
            return {str(k): walk(v, seen) for k, v in n.items()}
        if isinstance(n, list):
            return [walk(v, seen) for v in n]
        return n

    out = walk(node, ())
    return out if budget[0] >= 0 and isinstance(out, dict) else None


def import_asyncapi(
    files: list[SourceFile], *, name: str | None = None, service: str | None = None
) -> tuple[dict, ImportReport]:
    report = ImportReport()
    builder = DocumentBuilder(name or "asyncapi", report)
    for f in files:
        add_asyncapi(builder, report, read_one(f.content, f.name), service=service)
    if not name:
        services = [e.id for e in builder.elements.values() if e.coll == "services"]
        if len(services) == 1:
            builder.name = services[0]
    builder.mark_unknown(replicas=True)  # an AsyncAPI server says nothing of replicas
    return builder.document(), report


def _brokers(
    builder: DocumentBuilder, report: ImportReport, doc: Doc, data: dict[str, Any]
) -> tuple[dict[str, str], str | None]:
    """A broker per server with a broker protocol (``{server name: broker id}``) and the
    default broker of channels that name no server. A file whose servers all speak http/ws
    has no broker (its events are left out); a file without servers gets one assumed broker."""
    servers = as_dict(data.get("servers"))
    found: dict[str, str] = {}
    for sname, server in servers.items():
        if not isinstance(server, dict):
            continue
        protocol = str(server.get("protocol", "")).lower()
        kind = PROTOCOLS.get(protocol)
        where = Where(doc.file, doc.line(servers, sname))
        if kind is None:
            report.ignore(
                f"server '{sname}' speaks '{protocol}', not a broker protocol",
                where.file,
                where.line,
            )
            continue
        # one broker per kind: servers of one kind are the environments (production, staging)
        # or listeners of one broker; channels pick among kinds by their servers
        bname = kind if kind != "other" else f"{protocol}-broker"
        ident = builder.add(
            "brokers", bname, {"kind": kind}, where=where, ns="broker", suffix="broker"
        )
        found[str(sname)] = ident
        report.guess(
            f"broker '{ident}' ({kind}) from server '{sname}' protocol '{protocol}'",
            where.file,
            where.line,
            ident,
        )
    if found:
        return found, next(iter(found.values()))
    if servers:
        report.ignore(
            "no server speaks a broker protocol: no broker, and the events are left out",
            doc.file,
            doc.line(data, "servers"),
        )
        return found, None
    ident = builder.add("brokers", "broker", {"kind": "other"}, ns="broker", suffix="broker")
    report.guess(
        f"the document names no servers; broker '{ident}' (other) assumed",
        doc.file,
        doc.line0,
        ident,
    )
    return found, ident


def _channel_broker(
    channel: Any, brokers: dict[str, str], default: str | None, data: dict[str, Any]
) -> str | None:
    """The broker of a channel: the first of its ``servers`` (2.x names, 3.x ``$ref``s) that
    is a broker, else the default."""
    names = channel.get("servers") if isinstance(channel, dict) else None
    for entry in names if isinstance(names, list) else []:
        name = entry.get("$ref", "").rsplit("/", 1)[-1] if isinstance(entry, dict) else entry
        if str(name) in brokers:
            return brokers[str(name)]
    if isinstance(names, list) and names:
        return None  # the channel is served by non-broker servers only
    return default


def _event(
    builder: DocumentBuilder,
    report: ImportReport,
    doc: Doc,
    broker: str,
    msg_name: str,
    channel: str,
    message: Any,
    where: Where,
) -> str:
    root = doc.data
    key = f"{channel}\x00{msg_name}"
    existing = builder.lookup(key, ns="event")
    if existing:
        return existing
    fields: dict[str, Any] = {"broker": broker, "channel": channel[:249]}
    if isinstance(message, dict):
        title = message.get("title") or message.get("summary")
        if isinstance(title, str):
            fields["title"] = title[:200]
        payload = message.get("payload")
        if payload is not None:
            schema = _inline(root, payload, report, doc.file)
            if schema:
                fields["schema"] = schema
    ident = builder.add(
        "events", key, fields, where=where, ns="event", suffix="event", label=msg_name
    )
    report.infer(f"event '{ident}' on channel '{channel}'", where.file, where.line, ident)
    return ident


def add_asyncapi(
    builder: DocumentBuilder, report: ImportReport, doc: Doc, *, service: str | None
) -> str:
    data = doc.data
    file = doc.file
    if not isinstance(data, dict) or not isinstance(data.get("asyncapi"), str | int | float):
        raise ImportInputError.one(
            "expected an AsyncAPI document with 'asyncapi: 2.x' or '3.x'", file, doc.line0
        )
    version = str(data["asyncapi"])
    major = version.split(".", 1)[0]
    if major not in ("2", "3"):
        raise ImportInputError.one(
            f"AsyncAPI {version} is not supported; 2.x and 3.x are",
            file,
            doc.line(data, "asyncapi"),
        )
    channels = data.get("channels")
    if channels is not None and not isinstance(channels, dict):
        raise ImportInputError.one("'channels' must be a mapping", file, doc.line(data, "channels"))
    channels = channels or {}
    info = as_dict(data.get("info"))
    title = str(info.get("title") or "async-service")
    sid = builder.add(
        "services",
        service or title,
        {"runtime": "other"},
        where=Where(file, doc.line(data, "info")),
    )
    if not service:
        report.guess(
            f"service '{sid}' named after info.title '{title}'", file, doc.line(data, "info"), sid
        )
    brokers, default = _brokers(builder, report, doc, data)
    if major == "2":
        for cname, item in channels.items():
            where = Where(file, doc.line(channels, cname))
            item = resolve_local(data, item, report, file, where.line)
            if not isinstance(item, dict):
                continue
            broker = _channel_broker(item, brokers, default, data)
            if broker is None:
                _no_broker(report, str(cname), where)
                continue
            for op_key, relation in (("publish", "subscribe"), ("subscribe", "publish")):
                op = item.get(op_key)
                if not isinstance(op, dict):
                    continue
                message = op.get("message")
                messages = (
                    message["oneOf"]
                    if isinstance(message, dict) and "oneOf" in message
                    else [message]
                )
                for m in messages:
                    resolved = resolve_local(data, m, report, file, where.line)
                    mname = _message_name(m, resolved, op.get("operationId") or cname)
                    ev = _event(builder, report, doc, broker, mname, str(cname), resolved, where)
                    builder.relate(sid, relation, ev, where=where, via=f"channel {op_key}")
    else:
        ops = as_dict(data.get("operations"))
        for oname, op in ops.items():
            where = Where(file, doc.line(ops, oname))
            if not isinstance(op, dict):
                continue
            action = op.get("action")
            op_relation = {"send": "publish", "receive": "subscribe"}.get(str(action))
            if op_relation is None:
                report.ignore(
                    f"operation '{oname}': action '{action}' is not send/receive",
                    where.file,
                    where.line,
                )
                continue
            channel_ref = (
                (op.get("channel") or {}).get("$ref")
                if isinstance(op.get("channel"), dict)
                else None
            )
            chan = resolve_local(data, op.get("channel"), report, file, where.line)
            if not isinstance(chan, dict):
                continue
            cname = str(chan.get("address") or (channel_ref or "").rsplit("/", 1)[-1] or oname)
            refs = (
                op.get("messages")
                or [{"$ref": f"{channel_ref}/messages/{k}"} for k in (chan.get("messages") or {})]
                if channel_ref
                else op.get("messages") or []
            )
            broker = _channel_broker(chan, brokers, default, data)
            if broker is None:
                _no_broker(report, cname, where)
                continue
            for m in refs:
                resolved = resolve_local(data, m, report, file, where.line)
                key = m.get("$ref", "").rsplit("/", 1)[-1] if isinstance(m, dict) else oname
                ev = _event(builder, report, doc, broker, key or oname, cname, resolved, where)
                builder.relate(sid, op_relation, ev, where=where, via=f"operation {oname}")
            _reply(builder, report, doc, sid, oname, op, op_relation, brokers, default, where)
    for ref in remote_refs(data):
        report.ignore_once(f"remote $ref '{ref[:200]}' is never fetched", file, None)
    return sid


def _no_broker(report: ImportReport, channel: str, where: Where) -> None:
    report.ignore(
        f"channel '{channel}' is served by no broker (its servers speak no broker protocol); "
        "its events are left out",
        where.file,
        where.line,
    )


def _reply(
    builder: DocumentBuilder,
    report: ImportReport,
    doc: Doc,
    sid: str,
    oname: str,
    op: dict[str, Any],
    relation: str,
    brokers: dict[str, str],
    default: str | None,
    where: Where,
) -> None:
    """3.x ``reply``: the answer to a request, travelling the other way (a service that sends
    the request receives the reply; one that receives it sends the reply)."""
    data = doc.data
    reply = resolve_local(data, op.get("reply"), report, doc.file, where.line)
    if not isinstance(reply, dict):
        return
    channel_ref = (
        (reply.get("channel") or {}).get("$ref") if isinstance(reply.get("channel"), dict) else None
    )
    chan = resolve_local(data, reply.get("channel"), report, doc.file, where.line)
    if not isinstance(chan, dict):
        if isinstance(reply.get("address"), dict):
            report.ignore(
                f"operation '{oname}': the reply address is chosen at run time "
                f"({reply['address'].get('location', 'a message field')}); the reply event has "
                "no fixed channel",
                where.file,
                where.line,
            )
        return
    cname = str(chan.get("address") or (channel_ref or "").rsplit("/", 1)[-1] or f"{oname}-reply")
    broker = _channel_broker(chan, brokers, default, data)
    if broker is None:
        _no_broker(report, cname, where)
        return
    messages = reply.get("messages") or (
        [{"$ref": f"{channel_ref}/messages/{k}"} for k in (chan.get("messages") or {})]
        if channel_ref
        else []
    )
    back = "subscribe" if relation == "publish" else "publish"
    for m in messages:
        resolved = resolve_local(data, m, report, doc.file, where.line)
        key = m.get("$ref", "").rsplit("/", 1)[-1] if isinstance(m, dict) else ""
        ev = _event(builder, report, doc, broker, key or f"{oname}-reply", cname, resolved, where)
        builder.relate(sid, back, ev, where=where, via=f"reply of operation {oname}")
        report.infer(
            f"'{sid}' {'receives' if back == 'subscribe' else 'sends'} the reply '{ev}' of "
            f"operation '{oname}'",
            where.file,
            where.line,
            ev,
        )


def _message_name(raw: Any, resolved: Any, fallback: str) -> str:
    if isinstance(resolved, dict) and isinstance(resolved.get("name"), str):
        return resolved["name"]
    if isinstance(raw, dict) and isinstance(raw.get("$ref"), str):
        return raw["$ref"].rsplit("/", 1)[-1]
    return slugify(str(fallback), "event")
