"""Errors that services raise, worded for the person who caused them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["InvalidTransition", "OutsideServiceArea", "PermissionDenied", "ValidationError"]


class InvalidTransition(ValidationError):
    """A case cannot move from its current state by the requested action."""


class OutsideServiceArea(ValidationError):
    """A location lies outside every member city."""
