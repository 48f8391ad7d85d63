"""The tamper-evident audit log: a hash chain of the node's writes, token and membership changes
and retrieval batches, with checkpoints signed by the node's Ed25519 key."""

from gotong.audit.checkpoint import (
    check_signed,
    checkpoint,
    load_or_create_key,
    public_key_b64,
    verify_checkpoint,
)
from gotong.audit.models import Action, audit_log
from gotong.audit.service import AuditRecord, VerifyResult, read_details, record, record_read, verify

__all__ = [
    "Action",
    "AuditRecord",
    "VerifyResult",
    "audit_log",
    "check_signed",
    "checkpoint",
    "load_or_create_key",
    "public_key_b64",
    "read_details",
    "record",
    "record_read",
    "verify",
    "verify_checkpoint",
]
