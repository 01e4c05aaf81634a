from celery import shared_task


@shared_task(name="core.ping")
def ping() -> str:
    """Round-trip probe: proves a worker is consuming the queue (used by the integration tests
    and handy from a shell: `ping.delay().get(timeout=5)`)."""
    return "pong"
