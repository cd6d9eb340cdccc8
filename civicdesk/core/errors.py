"""Errors that services raise, worded for the person who caused them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["InvalidTransition", "OutsideServiceArea", "PermissionDenied", "StorageUnavailable", "ValidationError"]


class InvalidTransition(ValidationError):
    """A case cannot move from its current state by the requested action."""


class OutsideServiceArea(ValidationError):
    """A location lies outside every member city.

    Its message is the resident's (the portal, an Open311 application): what the place is not
    inside and what to do. ``staff_message`` is the shorter line for staff entering or placing
    a case, who know the member cities."""

    def __init__(self, message: Any, code: str | None = None, params: Any = None, *, staff_message: str = "") -> None:
        super().__init__(message, code, params)
        self.staff_message = staff_message or " ".join(self.messages)


class StorageUnavailable(ValidationError):
    """A file could not be stored (disk full, object storage down): the server's problem,
    which the person can only wait out. Nothing of the change it belonged to was saved."""
