"""Failures of shared infrastructure that every app answers the same way (see workbench/api.py).

``QueueUnavailable`` is raised when a job cannot be handed to the queue (Redis down): the API
answers 503 "the job queue is unavailable, try again" and no job is left behind.
"""

from __future__ import annotations

from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

QUEUE_UNAVAILABLE = "the job queue is unavailable, try again"

# What the broker, the cache and the channel layer raise when Redis does not answer.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    KombuOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
)


class QueueUnavailable(Exception):
    """The job queue (or the cache behind it) does not answer; nothing was queued."""

    def __init__(self, message: str = QUEUE_UNAVAILABLE):
        super().__init__(message)
        self.message = message
