"""Domain errors. Services raise these; each adapter (HTTP, CLI) maps them once."""

from __future__ import annotations


class GotongError(Exception):
    """Base of the errors a user can cause and be told about."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Invalid(GotongError):
    status = 400
    title = "Invalid input"


class Unauthorized(GotongError):
    status = 401
    title = "Authentication required"


class Forbidden(GotongError):
    status = 403
    title = "Forbidden"


class NotFound(GotongError):
    status = 404
    title = "Not found"


class Conflict(GotongError):
    status = 409
    title = "Conflict"


class TooLarge(GotongError):
    status = 413
    title = "Request too large"
