"""Configuration, read once from the environment (contract: ../shared/contract/README.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong: the operator must fix it before starting."""


@dataclass(frozen=True)
class Settings:
    center: str
    guidebook_dir: Path
    database_url: str

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            center=os.environ.get("CENTER", "miyagi").strip() or "miyagi",
            guidebook_dir=Path(os.environ.get("GUIDEBOOK_DIR", ROOT / "guidebook")),
            database_url=os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'assistant.db'}"),
        )
