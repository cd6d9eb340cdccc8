"""A real S3-compatible server on loopback for the object-storage tests.

moto's standalone server (``moto_server``) runs as its own process and answers the S3 HTTP
API; the app talks to it through django-storages and boto3 exactly as it would to MinIO or
Amazon S3. Nothing in the app's process is patched.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCESS_KEY = "civicdesk-test"
SECRET_KEY = "civicdesk-test-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _server_command(port: int) -> list[str]:
    script = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if script is None:
        raise RuntimeError("moto_server is not installed: run `make test`, which installs requirements/dev.txt")
    return [script, "-H", "127.0.0.1", "-p", str(port)]


@dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen[bytes]

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
        )

    def new_bucket(self) -> str:
        name = "civicdesk-" + secrets.token_hex(6)
        self.client().create_bucket(Bucket=name)
        return name

    def url(self, bucket: str, prefix: str = "") -> str:
        """The OBJECT_STORAGE_URL an operator would set for this server and bucket."""
        host = self.endpoint.removeprefix("http://")
        path = f"{bucket}/{prefix}" if prefix else bucket
        return f"s3://{ACCESS_KEY}:{SECRET_KEY}@{host}/{path}?tls=0"

    def keys(self, bucket: str) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=bucket)
        return sorted(o["Key"] for o in listed.get("Contents", []))

    def read(self, bucket: str, key: str) -> bytes:
        body: bytes = self.client().get_object(Bucket=bucket, Key=key)["Body"].read()
        return body


def start() -> S3Server:
    port = _free_port()
    env = {**os.environ, "MOTO_PORT": str(port)}
    process = subprocess.Popen(
        _server_command(port), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=2).close()
            return S3Server(endpoint, process)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the S3 test server did not start on {endpoint}") from None
            time.sleep(0.2)


def running() -> Iterator[S3Server]:
    server = start()
    try:
        yield server
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
