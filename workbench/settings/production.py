"""Production: refuses to start on insecure defaults instead of running with them."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import INSECURE_SECRET_KEY, SECRET_KEY, env_bool, env_int

if not SECRET_KEY or SECRET_KEY == INSECURE_SECRET_KEY:
    raise ImproperlyConfigured(
        "Set SECRET_KEY (or SECRET_KEY_FILE) to a long random value in production."
    )
if env_bool("DEBUG", False):
    raise ImproperlyConfigured("DEBUG=True is not allowed with workbench.settings.production.")

DEBUG = False

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
# Behind nginx (or another TLS-terminating proxy) that sets X-Forwarded-Proto.
if env_bool("USE_X_FORWARDED_PROTO", True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names + compression; needs `manage.py collectstatic` at deploy time.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
