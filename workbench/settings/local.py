"""A developer's machine: `make run`. Everything from base.py; debug stays off unless asked for
(`DEBUG=true make run`), so a new user sees the workbench's own 404/500 pages, never Django's
debug page listing every URL pattern. Static files are served from the source tree by
WhiteNoise (no collectstatic needed), as runserver would with debug on."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", False)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
