"""Errors the API answers with, each mapped to the HTTP status the GeoReport v2 spec gives it."""

from __future__ import annotations


class Open311Error(Exception):
    """An error shown to the client as the spec's error document."""

    status = 400

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class BadRequest(Open311Error):
    status = 400


class Forbidden(Open311Error):
    status = 403


class NotFound(Open311Error):
    status = 404
