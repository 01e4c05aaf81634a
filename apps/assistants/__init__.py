"""The workbench for AI assistants: an MCP server (Model Context Protocol, official ``mcp`` SDK).

Two servers share one set of tool bodies (``tools``, framework-free):

- ``offline``: ``workbench mcp`` over stdio, on model files in a folder; no Django, no server.
- ``remote``: the same tools over streamable HTTP under ``/mcp`` (mounted in
  ``workbench/asgi.py`` by ``asgi``), on stored models, authenticated by the API tokens of
  ``apps.workspaces`` and scoped by their role; writes go through
  ``apps.architectures.services`` (revisions, live updates, conflict rules).

See docs/mcp.md.
"""
