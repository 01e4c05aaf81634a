"""pytest: fast hashing, tasks run inline. DATABASE_URL / REDIS_URL still switch backends so the
integration run (`make test` with services up) exercises PostgreSQL and Redis."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

# Tasks run inline so tests see their effects; a test that needs a real worker starts one.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
WORKBENCH_EMBEDDED_WORKER = False
