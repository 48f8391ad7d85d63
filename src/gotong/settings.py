"""The node's one typed configuration object, read from ``GOTONG_*`` environment variables.

Nothing reads the environment at import time: call :func:`load_settings` once and pass the
result along.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DATABASE_FILE = "gotong.db"
SECRETS_KEY_FILE = "gotong-secrets.key"
NODE_KEY_FILE = "gotong-node.key"


class Settings(BaseSettings):
    """Configuration of one Gotong node (hub or national node)."""

    model_config = SettingsConfigDict(env_prefix="GOTONG_", extra="ignore")

    data_dir: str = Field(
        default="",
        description="Folder of the node's own files (the default SQLite database, the node key); "
        "empty: the platform's user data folder, e.g. ~/.local/share/gotong",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL: sqlite:///path.db or postgresql+psycopg://user@host/db; "
        "empty: the SQLite file gotong.db in the data folder",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    title: str = "Gotong node"
    description: str = "Threat-intelligence exchange of a regional CERT network"
    contact: str = ""
    api_root: str = Field(default="api1", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    max_content_length: int = Field(default=10 * 1024 * 1024, ge=1024)
    page_limit_default: int = Field(default=1000, ge=1)
    page_limit_max: int = Field(default=10000, ge=1)
    status_ttl_hours: float = Field(
        default=168.0,
        gt=0,
        le=168.0,
        description="How long a TAXII status resource is shown (statuses are deleted after a week)",
    )
    auth_failures_per_minute: int = Field(
        default=20, ge=1, description="Failed authentications a client address may make a minute before 429"
    )
    base_url: str = Field(default="", description="Public URL of the node; derived from the request if empty")
    smtp_host: str = Field(default="", description="SMTP server for e-mail reachability checks; empty: none")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Port of the SMTP server")
    smtp_from: str = Field(default="gotong@localhost", description="Sender of e-mail reachability checks")
    contact_checks_minutes: float = Field(
        default=5.0,
        gt=0,
        description="How often unanswered reachability checks are swept (fallback, escalation) and "
        "the checks the schedule of each role makes due are sent",
    )
    node_key_file: str = Field(
        default="",
        description="PEM file of the Ed25519 key that signs audit checkpoints; made (mode 0600) if absent; "
        "empty: gotong-node.key in the data folder",
    )
    session_secret_file: str = Field(
        default="",
        description="File of the secret that signs web sessions (made, mode 0600, if absent); "
        "empty: gotong-session.key beside the node key",
    )
    session_idle_minutes: float = Field(default=30.0, gt=0, description="A web session unused this long ends")
    session_max_hours: float = Field(
        default=12.0, gt=0, description="A web session ends this long after sign-in"
    )

    secrets_key_file: str = Field(
        default="",
        description=(
            "File of the key sealing feed credentials and peer tokens; empty: gotong-secrets.key beside "
            "the node key. Read where a sealed column is used (gotong.core.secrets.key_file)"
        ),
    )
    cacao_schemas: str = Field(
        default="",
        description="Folder of the OASIS CACAO 2.0 JSON schemas (its playbook.json and subfolders), which "
        "playbook imports are validated against; empty: this node refuses playbook imports",
    )
    outbound_allow: str = Field(
        default="",
        description=(
            "Internal destinations feeds, webhooks and peers may reach despite the outbound policy: "
            "host names, addresses or CIDR networks, comma-separated (e.g. 10.20.0.0/16,hub.cert.example)"
        ),
    )

    warninglists: str = Field(
        default="",
        description="Warninglists checked at ingest: empty for none, 'all', or list ids separated by commas",
    )
    warninglists_dir: str = Field(
        default="",
        description="Folder of MISP warninglists (lists/<id>/list.json); empty: pymispwarninglists' own",
    )

    alert_window_hours: float = Field(
        default=168.0,
        gt=0,
        description="An observable reported from two countries within this window raises an alert",
    )

    feed_scheduler: bool = Field(
        default=True, description="Run configured feeds on their schedule while serving"
    )
    feed_poll_seconds: float = Field(
        default=5.0, gt=0, description="How often the scheduler looks for due feeds"
    )

    audit_checkpoints: bool = Field(
        default=True,
        description="While serving, sign and keep checkpoints of the audit log and the stored objects "
        "(every audit_checkpoint_seconds and at shutdown), beside the node key",
    )
    audit_checkpoint_seconds: float = Field(
        default=3600.0, gt=0, description="How often a serving node signs and keeps an audit checkpoint"
    )

    node_org: str = Field(
        default="",
        description="Short name of the organisation that runs this node; empty: the preset's hub",
    )
    federation: bool = Field(default=True, description="Sync with configured peers while serving")
    federation_max_backoff_seconds: float = Field(
        default=30.0, gt=0, description="Longest wait between retries of a peer that does not answer"
    )
    federation_poll_seconds: float = Field(
        default=1.0, gt=0, description="Fallback poll for changes made by other processes, and pull interval"
    )

    @field_validator("api_root")
    @classmethod
    def _not_the_rest_prefix(cls, value: str) -> str:
        if value == "api":
            raise ValueError("'api' is taken by the REST API (/api/v1); choose another name")
        return value

    @model_validator(mode="after")
    def _files_in_the_data_dir(self) -> Settings:
        # Resolved once, here, so that no state depends on the directory a command runs in.
        folder = Path(self.data_dir).expanduser() if self.data_dir else default_data_dir()
        self.data_dir = str(folder.absolute())
        if not self.database_url:
            self.database_url = f"sqlite:///{Path(self.data_dir) / DATABASE_FILE}"
        if not self.node_key_file:
            self.node_key_file = str(Path(self.data_dir) / NODE_KEY_FILE)
        if not self.secrets_key_file:
            self.secrets_key_file = str(Path(self.node_key_file).with_name(SECRETS_KEY_FILE))
        return self


def default_data_dir() -> Path:
    """The platform's folder for a user's application data, with ``gotong`` under it."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "gotong"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "gotong"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "gotong"


def alert_window_micros(settings: Settings) -> int:
    """The regional-alert window in microseconds."""
    return int(settings.alert_window_hours * 3_600_000_000)


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment, with explicit overrides taking precedence."""
    return Settings(**overrides)  # type: ignore[arg-type]
