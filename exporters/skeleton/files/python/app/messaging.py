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
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger("app.messaging")
Handler = Callable[[dict[str, Any], dict[str, Any]], Awaitable[None]]


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

    async def run(self) -> None:
        delay = 0.5
        while True:
            try:
                if not self.url:
                    raise RuntimeError(f"{self.env} is not set")
                await self.connect()
                self.connected, self.error, delay = True, "", 0.5
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
        try:
            message = json.loads(body)
        except ValueError:
            message = {"data": body.decode("utf-8", "replace")}
        await self.handler(subscription, message)

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

            async def on_message(message: Any, sub: dict[str, Any] = sub) -> None:
                async with message.process(requeue=True):
                    await self.dispatch(sub, message.body)

            await queue.consume(on_message)

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
            await self.dispatch(sub, record.value)
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
                await self.dispatch(sub, msg.data)

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
                    await self.dispatch(by_channel[channel], fields.get(b"data", b"{}"))
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
    def __init__(self, spec: dict[str, Any], handler: Handler):
        self.spec = spec
        self.clients: dict[str, BrokerClient] = {}
        self.unsupported: list[str] = []
        for broker in spec["brokers"]:
            cls = CLIENTS.get(broker["kind"])
            if cls is None:
                self.unsupported.append(broker["id"])
                continue
            subs = [s for s in spec["subscribes"] if s["broker"] == broker["id"]]
            self.clients[broker["id"]] = cls(broker, spec["system"], subs, handler)
        self.publishes = {p["event"]: p for p in spec["publishes"]}
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self.tasks = [asyncio.create_task(c.run()) for c in self.clients.values()]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for client in self.clients.values():
            await client.disconnect()

    def problems(self) -> list[str]:
        return [f"broker {c.id}: {c.error}" for c in self.clients.values() if not c.connected]

    async def publish(self, event: str, data: Any) -> None:
        """Publish a modelled event (KeyError when the service does not publish it)."""
        pub = self.publishes[event]
        client = self.clients.get(pub["broker"])
        if client is None or not client.connected:
            raise ConnectionError(f"broker {pub['broker']} is not connected")
        envelope = {"event": event, "source": self.spec["service"], "data": data}
        await client.publish(pub["channel"], json.dumps(envelope).encode())
