"""Errors that services raise, worded for the person who caused them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["InvalidTransition", "OutsideServiceArea", "PermissionDenied", "StorageUnavailable", "ValidationError"]


class InvalidTransition(ValidationError):
    """A case cannot move from its current state by the requested action."""


class OutsideServiceArea(ValidationError):
    """A location lies outside every member city."""


class StorageUnavailable(ValidationError):
    """A file could not be stored (disk full, object storage down): the server's problem,
    which the person can only wait out. Nothing of the change it belonged to was saved."""
