"""Publishing and consuming the modelled events on the modelled broker.

One client per broker the service uses, picked by kind:
- rabbitmq (aio-pika): a durable topic exchange ``<system>.events``; routing key = channel;
  each subscription is a durable queue ``<group>.<channel>`` (a consumer group).
- kafka (aiokafka): topic = channel, consumer group = the subscription's group.
- nats (nats-py): subject = channel, queue group = the subscription's group.
- redis (redis-py streams): stream = channel, consumer group = the subscription's group.

Each client connects in the background and reconnects with backoff, so the service starts (and
answers liveness) while its broker is down; readiness reports the broker until it is connected.
Delivery is at least once: a message is acknowledged after the handler ran.

Every event goes out as a CloudEvents 1.0 envelope (``Messaging.envelope``); a body that is
not one is handed to the handler as ``{"data": <body>}``. A message whose handler fails is
delivered again; after ``DEAD_LETTER_AFTER`` failed deliveries it is published unchanged to the
subscription's dead-letter channel and acknowledged:
- rabbitmq: the failed message is acknowledged and put back on its queue with the header
  ``x-workbench-deliveries`` counting the failed deliveries (so the count survives a restart
  and is shared by every replica), after a short backoff; dead letters go to routing key
  ``<channel>.dead-letter`` on the exchange, into the durable queue
  ``<group>.<channel>.dead-letter``;
- kafka, nats (core NATS has no redelivery), redis streams: the consumer retries the delivery
  in-process with backoff, then publishes to topic / subject / stream ``<channel>.dead-letter``
  (a crash during the retries leaves a kafka or redis message unacknowledged, so it comes back;
  a nats message is lost, as core NATS is at most once).
Only a failing handler counts: when the processed-message store does not answer, the message is
delivered again after a pause without counting (rabbitmq: nack and requeue), so an outage of
the datastore delays events but never dead-letters them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from . import observability as obs
from .outbox import Outbox, Processed

log = logging.getLogger("app.messaging")
Handler = Callable[[dict[str, Any], dict[str, Any]], Awaitable[None]]
DELIVERIES_HEADER = "x-workbench-deliveries"
OUTAGE_PAUSE = 1.0  # before delivering again when the processed-message store did not answer


class HandlerFailed(Exception):
    """The handler raised: a failed delivery, counted towards the dead letter. Anything else
    raised while consuming (the processed-message store is down) is an outage: the message is
    delivered again without counting, so an outage never dead-letters good messages."""


def dead_letter_after(spec: dict[str, Any]) -> int:
    return max(1, int(os.environ.get("DEAD_LETTER_AFTER") or spec["events"]["dead_letter_after"]))


def retry_pause(failures: int) -> float:
    """Backoff before the next delivery of a message that failed ``failures`` times."""
    return min(0.1 * 2 ** (failures - 1), 5.0)


def parse(body: bytes) -> dict[str, Any]:
    """The envelope in a message body; anything else becomes ``{"data": <body>}``."""
    try:
        message = json.loads(body)
    except ValueError:
        return {"data": body.decode("utf-8", "replace")}
    if isinstance(message, dict) and message.get("specversion") and message.get("id"):
        return message
    return {"data": message}


class BrokerClient:
    def __init__(
        self,
        spec: dict[str, Any],
        system: str,
        subscriptions: list[dict[str, Any]],
        handler: Handler,
    ):
        self.id = spec["id"]
        self.url = os.environ.get(spec["env"], "")
        self.env = spec["env"]
        self.system = system
        self.subscriptions = subscriptions
        self.handler = handler
        self.connected = False
        self.error = "not connected yet"
        self.dead_letter_after = 5  # set by Messaging from the spec and the environment

    async def run(self) -> None:
        delay = 0.5
        while True:
            try:
                if not self.url:
                    raise RuntimeError(f"{self.env} is not set")
                await self.connect()
                self.connected, self.error, delay = True, "", 0.5
                log.info("broker %s connected", self.id)
                await self.wait_closed()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.error = f"{type(exc).__name__}: {exc}"
                log.warning("broker %s: %s", self.id, self.error)
            self.connected = False
            await self.disconnect()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10)

    async def dispatch(self, subscription: dict[str, Any], body: bytes) -> None:
        """One delivery to the handler; raises when the handler failed."""
        await self.handler(subscription, parse(body))

    async def deliver_with_retries(self, subscription: dict[str, Any], body: bytes) -> None:
        """For brokers that do not redeliver: retry in-process, then dead-letter."""
        failures = 0
        while failures < self.dead_letter_after:
            try:
                await self.dispatch(subscription, body)
                return
            except HandlerFailed:
                failures += 1
                if failures < self.dead_letter_after:
                    await asyncio.sleep(retry_pause(failures))
            except Exception as exc:  # an outage: wait, do not count
                log.warning("event on %s not consumed: %s", subscription["channel"], exc)
                await asyncio.sleep(OUTAGE_PAUSE)
        await self.dead_letter(subscription, body, failures)

    async def dead_letter(self, subscription: dict[str, Any], body: bytes, failures: int) -> None:
        await self.publish(subscription["dead_letter"], body)
        obs.record_consumed(subscription["event"], "dead_lettered")
        log.error(
            "event %s dead-lettered to %s after %d failed deliveries",
            parse(body).get("id", "?"),
            subscription["dead_letter"],
            failures,
            extra={"event_id": parse(body).get("id"), "event": subscription["event"]},
        )

    async def connect(self) -> None: ...
    async def wait_closed(self) -> None: ...
    async def disconnect(self) -> None: ...
    async def publish(self, channel: str, body: bytes) -> None: ...


class RabbitClient(BrokerClient):
    async def connect(self) -> None:
        import aio_pika

        self.conn = await aio_pika.connect(self.url, timeout=5)
        self.channel = await self.conn.channel()
        await self.channel.set_qos(prefetch_count=20)
        self.exchange = await self.channel.declare_exchange(
            f"{self.system}.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        for sub in self.subscriptions:
            queue = await self.channel.declare_queue(
                f"{sub['group']}.{sub['channel']}", durable=True
            )
            await queue.bind(self.exchange, routing_key=sub["channel"])
            dead = await self.channel.declare_queue(f"{queue.name}.dead-letter", durable=True)
            await dead.bind(self.exchange, routing_key=sub["dead_letter"])

            async def on_message(
                message: Any, sub: dict[str, Any] = sub, queue: Any = queue
            ) -> None:
                await self._on_message(sub, queue.name, message)

            await queue.consume(on_message)

    async def _on_message(self, sub: dict[str, Any], queue: str, message: Any) -> None:
        import aio_pika

        try:
            await self.dispatch(sub, message.body)
        except HandlerFailed:
            failures = int((message.headers or {}).get(DELIVERIES_HEADER) or 0) + 1
            if failures >= self.dead_letter_after:
                await self.dead_letter(sub, message.body, failures)
            else:
                await asyncio.sleep(retry_pause(failures))
                await self.channel.default_exchange.publish(
                    aio_pika.Message(
                        message.body,
                        headers={**(message.headers or {}), DELIVERIES_HEADER: failures},
                        content_type=message.content_type,
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    routing_key=queue,
                )
        except Exception as exc:  # an outage: back on the queue, not counted
            log.warning("event on %s not consumed: %s", sub["channel"], exc)
            await asyncio.sleep(OUTAGE_PAUSE)
            await message.nack(requeue=True)
            return
        await message.ack()

    async def wait_closed(self) -> None:
        closed = asyncio.get_running_loop().create_future()
        self.conn.close_callbacks.add(lambda *_: closed.done() or closed.set_result(None))
        await closed
        raise ConnectionError("connection closed")

    async def disconnect(self) -> None:
        conn = getattr(self, "conn", None)
        if conn is not None and not conn.is_closed:
            await conn.close()

    async def publish(self, channel: str, body: bytes) -> None:
        import aio_pika

        await self.exchange.publish(
            aio_pika.Message(
                body,
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=channel,
        )


class KafkaClient(BrokerClient):
    async def connect(self) -> None:
        from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

        servers = urlsplit(self.url).netloc or self.url
        self.producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all")
        await self.producer.start()
        self.consumers = []
        self.tasks = []
        for sub in self.subscriptions:
            consumer = AIOKafkaConsumer(
                sub["channel"],
                bootstrap_servers=servers,
                group_id=sub["group"],
                enable_auto_commit=False,
                auto_offset_reset="earliest",
            )
            await consumer.start()
            self.consumers.append(consumer)
            self.tasks.append(asyncio.create_task(self._consume(consumer, sub)))

    async def _consume(self, consumer: Any, sub: dict[str, Any]) -> None:
        async for record in consumer:
            await self.deliver_with_retries(sub, record.value)
            await consumer.commit()

    async def wait_closed(self) -> None:
        if self.tasks:
            await asyncio.gather(*self.tasks)
        else:
            await asyncio.Event().wait()

    async def disconnect(self) -> None:
        for task in getattr(self, "tasks", []):
            task.cancel()
        for consumer in getattr(self, "consumers", []):
            await consumer.stop()
        producer = getattr(self, "producer", None)
        if producer is not None:
            await producer.stop()

    async def publish(self, channel: str, body: bytes) -> None:
        await self.producer.send_and_wait(channel, body)


class NatsClient(BrokerClient):
    async def connect(self) -> None:
        import nats

        self.closed = asyncio.Event()

        async def on_closed() -> None:
            self.closed.set()

        self.nc = await nats.connect(
            self.url, connect_timeout=5, max_reconnect_attempts=3, closed_cb=on_closed
        )
        for sub in self.subscriptions:

            async def on_message(msg: Any, sub: dict[str, Any] = sub) -> None:
                await self.deliver_with_retries(sub, msg.data)

            await self.nc.subscribe(sub["channel"], queue=sub["group"], cb=on_message)

    async def wait_closed(self) -> None:
        await self.closed.wait()
        raise ConnectionError("connection closed")

    async def disconnect(self) -> None:
        nc = getattr(self, "nc", None)
        if nc is not None and not nc.is_closed:
            await nc.close()

    async def publish(self, channel: str, body: bytes) -> None:
        await self.nc.publish(channel, body)
        await self.nc.flush(timeout=5)


class RedisClient(BrokerClient):
    async def connect(self) -> None:
        import redis.asyncio as redis

        self.redis = redis.from_url(self.url, socket_connect_timeout=5)
        await self.redis.ping()
        self.consumer = f"{socket.gethostname()}-{os.getpid()}"
        for sub in self.subscriptions:
            try:
                await self.redis.xgroup_create(sub["channel"], sub["group"], id="$", mkstream=True)
            except Exception as exc:  # BUSYGROUP: the group exists already
                if "BUSYGROUP" not in str(exc):
                    raise

    async def wait_closed(self) -> None:
        if not self.subscriptions:
            while True:
                await asyncio.sleep(5)
                await self.redis.ping()
        # One reader per group; redis-py needs a consumer group read per stream.
        groups: dict[str, list[dict[str, Any]]] = {}
        for sub in self.subscriptions:
            groups.setdefault(sub["group"], []).append(sub)
        await asyncio.gather(*(self._consume(group, subs) for group, subs in groups.items()))

    async def _consume(self, group: str, subs: list[dict[str, Any]]) -> None:
        by_channel = {s["channel"]: s for s in subs}
        while True:
            replies = await self.redis.xreadgroup(
                group, self.consumer, {c: ">" for c in by_channel}, count=20, block=1000
            )
            for stream, entries in replies or []:
                channel = stream.decode() if isinstance(stream, bytes) else stream
                for entry_id, fields in entries:
                    body = fields.get(b"data", b"{}")
                    await self.deliver_with_retries(by_channel[channel], body)
                    await self.redis.xack(channel, group, entry_id)

    async def disconnect(self) -> None:
        client = getattr(self, "redis", None)
        if client is not None:
            await client.aclose()

    async def publish(self, channel: str, body: bytes) -> None:
        await self.redis.xadd(channel, {"data": body}, maxlen=100_000, approximate=True)


CLIENTS: dict[str, type[BrokerClient]] = {
    "rabbitmq": RabbitClient,
    "kafka": KafkaClient,
    "nats": NatsClient,
    "redis": RedisClient,
}


class Messaging:
    """The service's brokers, its envelopes, its outboxes and its idempotent consumers."""

    def __init__(self, spec: dict[str, Any], handler: Handler, datastores: Any):
        self.spec = spec
        self.app_handler = handler
        self.clients: dict[str, BrokerClient] = {}
        self.unsupported: list[str] = []
        after = dead_letter_after(spec)
        for broker in spec["brokers"]:
            cls = CLIENTS.get(broker["kind"])
            if cls is None:
                self.unsupported.append(broker["id"])
                continue
            subs = [s for s in spec["subscribes"] if s["broker"] == broker["id"]]
            self.clients[broker["id"]] = cls(broker, spec["system"], subs, self.consume)
            self.clients[broker["id"]].dead_letter_after = after
        self.kinds = {b["id"]: b["kind"] for b in spec["brokers"]}
        self.publishes = {p["event"]: p for p in spec["publishes"]}
        self.outboxes = {
            p["outbox_store"]: Outbox(datastores.stores[p["outbox_store"]], self.send)
            for p in spec["publishes"]
            if p.get("outbox_store")
        }
        self.processed = {
            s["event"]: Processed(datastores.stores.get(s.get("processed_store") or ""))
            for s in spec["subscribes"]
            if s.get("idempotent")
        }
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        for pub in self.publishes.values():
            if pub["outbox"] and not pub.get("outbox_store"):
                log.warning(
                    "%s: outbox modelled but the service writes no SQL datastore: published"
                    " directly (lost while the broker is down)",
                    pub["event"],
                )
        for sub in self.spec["subscribes"]:
            if sub.get("idempotent") and not sub.get("processed_store"):
                log.warning(
                    "%s: idempotent consumer without a SQL datastore: processed event ids are"
                    " kept in memory (forgotten on restart)",
                    sub["event"],
                )
        self.tasks = [asyncio.create_task(c.run()) for c in self.clients.values()]
        self.tasks += [asyncio.create_task(o.run()) for o in self.outboxes.values()]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for client in self.clients.values():
            await client.disconnect()

    def problems(self) -> list[str]:
        return [f"broker {c.id}: {c.error}" for c in self.clients.values() if not c.connected]

    def envelope(self, event: str, data: Any) -> dict[str, Any]:
        """A CloudEvents 1.0 envelope (structured JSON); the current trace context goes in."""
        envelope: dict[str, Any] = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": self.spec["events"]["source"],
            "type": event,
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "datacontenttype": "application/json",
            "data": data,
        }
        obs.inject(envelope)  # traceparent (and tracestate) when tracing
        return envelope

    async def publish(self, event: str, data: Any, conn: Any = None) -> str:
        """Publish a modelled event (KeyError when the service does not publish it): "published",
        or "stored" when it went into the outbox; ConnectionError when it could do neither.
        ``conn``: a connection of the outbox store inside your transaction, so the event is
        stored with your business write or not at all (asyncpg connection / aiomysql one)."""
        pub = self.publishes[event]
        attributes = {
            "messaging.system": self.kinds.get(pub["broker"], "other"),
            "messaging.destination.name": pub["channel"],
        }
        with obs.span(f"{pub['channel']} publish", "PRODUCER", **attributes):
            envelope = self.envelope(event, data)
            body = json.dumps(envelope).encode()
            outbox = self.outboxes.get(pub.get("outbox_store") or "")
            if outbox is not None:
                try:
                    await outbox.insert(event, pub["channel"], body.decode(), conn)
                except Exception as exc:
                    raise ConnectionError(f"outbox {outbox.store.id}: {exc}") from exc
                log.info("event %s %s stored in the outbox", event, envelope["id"])
                return "stored"
            await self.send(event, pub["channel"], body)
            log.info("event %s %s published", event, envelope["id"])
            return "published"

    async def send(self, event: str, channel: str, body: bytes) -> None:
        """Put one message on the event's broker (the outbox relay and direct publishing)."""
        client = self.clients.get(self.publishes[event]["broker"])
        if client is None or not client.connected:
            raise ConnectionError(f"broker {self.publishes[event]['broker']} is not connected")
        try:
            await client.publish(channel, body)
        except Exception:
            obs.record_published(event, "error")
            raise
        obs.record_published(event, "ok")

    async def consume(self, sub: dict[str, Any], message: dict[str, Any]) -> None:
        """One delivery: a consumer span in the publisher's trace, de-duplication on the event id
        for idempotent subscriptions, the handler; raises when the handler failed."""
        carrier = {
            k: message[k] for k in ("traceparent", "tracestate") if isinstance(message.get(k), str)
        }
        attributes = {
            "messaging.system": self.kinds.get(sub["broker"], "other"),
            "messaging.destination.name": sub["channel"],
            "messaging.message.id": str(message.get("id", "")),
        }
        with obs.span(f"{sub['channel']} process", "CONSUMER", obs.extract(carrier), **attributes):
            processed = self.processed.get(sub["event"])
            if processed is None or "id" not in message:
                await self._handle(sub, message)
                return
            async with processed.claim(sub["group"], str(message["id"])) as new:
                if not new:
                    obs.record_consumed(sub["event"], "duplicate")
                    log.info(
                        "event %s %s already processed: acknowledged",
                        sub["event"],
                        message["id"],
                    )
                    return
                await self._handle(sub, message)

    async def _handle(self, sub: dict[str, Any], message: dict[str, Any]) -> None:
        try:
            await self.app_handler(sub, message)
        except Exception as exc:
            obs.record_consumed(sub["event"], "error")
            log.warning("event %s %s failed: %s", sub["event"], message.get("id", "?"), exc)
            raise HandlerFailed(str(exc)) from exc
        obs.record_consumed(sub["event"], "ok")
