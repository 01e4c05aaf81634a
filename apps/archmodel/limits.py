"""Limits that protect the server from hostile or accidental huge inputs."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = 5 * MIB
    max_elements: int = 20_000  # id-bearing elements (services, apis, events, datastores, ...)
    max_depth: int = 64  # nesting of mappings and sequences
    max_nodes: int = 2_000_000  # YAML nodes of any kind

    @classmethod
    def unlimited(cls) -> Limits:
        """For trusted, in-process use (benchmarks, generated models)."""
        return cls(max_bytes=1 << 40, max_elements=1 << 40, max_depth=1024, max_nodes=1 << 40)


DEFAULT_LIMITS = Limits()
