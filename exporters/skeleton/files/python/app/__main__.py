"""Entry point: ``python -m app`` serves on $PORT (every address comes from the environment)."""

import os

import uvicorn

if __name__ == "__main__":
    uvicorn.run(
        "app.main:app",
        host=os.environ.get("HOST", "0.0.0.0"),  # noqa: S104 - in a container
        port=int(os.environ.get("PORT", "8080")),
        proxy_headers=True,
        log_level="info",
    )
