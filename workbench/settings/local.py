"""A developer's machine: `make run`. Debug on, everything else from base.py."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
