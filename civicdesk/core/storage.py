"""Files in an S3-compatible object store (``OBJECT_STORAGE_URL``), served by the app.

The bucket stays private. Every file is read back through the app: photos by
``cases/media.py`` (which checks who may see each one: internal photos and those of
confidential cases are never public), open-data files by the open-data views. So a file's
URL is the app's own ``MEDIA_URL`` path, never the bucket's address or a signed link that
would outlive the permission check (docs/decisions.md: "Object storage: proxied, not signed").
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage


class ObjectStorage(S3Storage):  # type: ignore[misc]
    # Private objects, names never overwritten (a second photo of the same name gets a new
    # one, as on local disk), and no URL signing: the app serves every file itself.
    default_acl = None
    file_overwrite = False
    querystring_auth = False

    def url(self, name: str, parameters: Any = None, expire: Any = None, http_method: Any = None) -> str:
        return settings.MEDIA_URL + filepath_to_uri(name)
