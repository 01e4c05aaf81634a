"""Entry point: ``python -m app`` serves on $PORT (every address comes from the environment).

Logging is set up by ``app.main`` (app/observability.py); ``log_config=None`` keeps uvicorn
from replacing it, so its own lines and its access log come out in the same format.
"""

import os

import uvicorn

from .main import app

if __name__ == "__main__":
    uvicorn.run(
        app,
        host=os.environ.get("HOST", "0.0.0.0"),  # noqa: S104 - in a container
        port=int(os.environ.get("PORT", "8080")),
        proxy_headers=True,
        log_config=None,
    )
