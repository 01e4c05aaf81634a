"""AsyncAPI: channel servers decide each event's broker, no phantom broker, 3.x replies, and
each ignored $ref reported once."""

from __future__ import annotations

from .helpers import kinds, run, services, text


def test_adeo_request_reply_receives_the_request_and_sends_the_reply_on_one_kafka():
    doc, report = run("asyncapi", "asyncapi/adeo-kafka-request-reply-asyncapi.yml")
    (svc,) = doc["services"]
    assert svc["subscribes"] == ["costing-request"]
    assert svc["publishes"] == ["costing-response"]  # the reply goes the other way
    # production, staging and dev servers are environments of one Kafka, not three brokers
    assert kinds(doc, "brokers") == {"kafka": "kafka"}
    assert any("sends the reply 'costing-response'" in i.message for i in report.inferred)


def test_rpc_server_replies_on_the_queue_named_by_the_request():
    doc, _ = run("asyncapi", "asyncapi/rpc-server-asyncapi.yml")
    svc = services(doc)["rpc-server-example"]
    assert svc["subscribes"] == ["sum"] and svc["publishes"] == ["send-sum-result"]
    assert kinds(doc, "brokers") == {"rabbitmq": "rabbitmq"}


def test_a_websocket_api_has_no_phantom_broker():
    doc, report = run("asyncapi", "asyncapi/websocket-gemini-asyncapi.yml")
    assert "brokers" not in doc and "events" not in doc
    assert any("no server speaks a broker protocol" in i.message for i in report.ignored)
    assert services(doc)["gemini-market-data-websocket-api"]["runtime"] == "other"


def test_channel_servers_decide_the_broker_of_each_event():
    doc, _ = text(
        "asyncapi",
        """
asyncapi: 2.6.0
info: {title: Orders, version: 1.0.0}
servers:
  rabbit: {url: amqp://mq:5672, protocol: amqp}
  kafka: {url: kafka:9092, protocol: kafka}
  site: {url: https://example.org, protocol: https}
channels:
  orders.created:
    servers: [kafka]
    subscribe: {message: {name: orderCreated}}
  emails:
    servers: [rabbit]
    subscribe: {message: {name: sendEmail}}
  hooks:
    servers: [site]
    subscribe: {message: {name: webHook}}
""",
    )
    brokers = {e["id"]: e["broker"] for e in doc["events"]}
    assert brokers == {"order-created": "kafka", "send-email": "rabbitmq"}  # hooks: no broker


def test_each_remote_ref_is_reported_once():
    _, report = text(
        "asyncapi",
        """
asyncapi: 2.6.0
info: {title: A, version: 1.0.0}
channels:
  a:
    publish: {message: {$ref: 'https://example.org/m.yaml'}}
  b:
    publish: {message: {$ref: 'https://example.org/m.yaml'}}
""",
    )
    refs = [i for i in report.ignored if "https://example.org/m.yaml" in i.message]
    assert len(refs) == 1
