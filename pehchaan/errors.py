"""Domain exceptions. Each carries its HTTP status as a class attribute, so that
subclasses override it (not a default argument frozen on the base class)."""

from __future__ import annotations


class PehchaanError(Exception):
    """Base of every error Pehchaan raises on purpose."""

    status: int = 500
    type_slug: str = "internal-error"
    title: str = "Internal error"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field

    def __str__(self) -> str:
        return self.detail


class ValidationError(PehchaanError):
    """Input that cannot be accepted; names the field and the reason."""

    status = 422
    type_slug = "validation-error"
    title = "Invalid input"


class BadRequest(PehchaanError):
    status = 400
    type_slug = "bad-request"
    title = "Bad request"


class NotFound(PehchaanError):
    status = 404
    type_slug = "not-found"
    title = "Not found"


class Conflict(PehchaanError):
    status = 409
    type_slug = "conflict"
    title = "Conflict"


class PayloadTooLarge(PehchaanError):
    status = 413
    type_slug = "payload-too-large"
    title = "Payload too large"


class BackendUnavailable(PehchaanError):
    """The search store cannot be reached or refused the operation."""

    status = 503
    type_slug = "backend-unavailable"
    title = "Search backend unavailable"


class BackendError(PehchaanError):
    """The search store answered with an error we did not expect."""

    status = 502
    type_slug = "backend-error"
    title = "Search backend error"
