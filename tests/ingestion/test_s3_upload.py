"""``c360 generate --to s3://…`` against moto's S3 server (a local emulator, no network).

moto's ``ThreadedMotoServer`` serves the S3 REST API on localhost; boto3 reaches it through
``AWS_ENDPOINT_URL`` (botocore's endpoint setting,
https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html). A multipart
upload's ETag is ``<md5 of the part md5s>-<part count>``, not the content's MD5
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html),
which is why the uploader keeps its own SHA-256 in the object's metadata.
"""

from __future__ import annotations

import socket

import boto3
import pytest
from moto.server import ThreadedMotoServer

from toolkit.cli import main
from toolkit.cloud import s3_upload
from toolkit.errors import C360Error
from toolkit.generate import generate_landing

BUCKET = "c360-test-landing"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, monkeypatch):
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", s3_endpoint),
    ):
        monkeypatch.setenv(name, value)
    client = boto3.client("s3")
    if BUCKET not in {b["Name"] for b in client.list_buckets()["Buckets"]}:
        client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture(scope="module")
def dirty_landing(tmp_path_factory):
    landing = tmp_path_factory.mktemp("s3") / "landing"
    generate_landing(landing, customers=60, seed=3, dirty_rate=0.02, show_progress=False)
    return landing


def _keys(client, prefix: str) -> set[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return {o["Key"] for page in pages for o in page.get("Contents", [])}


def test_upload_keeps_the_layout_and_a_rerun_uploads_nothing(s3, dirty_landing):
    url = f"s3://{BUCKET}/runs/a"
    first = s3_upload.upload_landing(dirty_landing, url, show_progress=False)
    local = {
        p.relative_to(dirty_landing).as_posix() for p in dirty_landing.rglob("*") if p.is_file()
    }
    assert first.uploaded == len(local) and first.skipped == 0
    assert _keys(s3, "runs/a/") == {f"runs/a/{k}" for k in local}
    assert any(k.startswith("transactions/dt=") for k in local) and "_manifest.json" in local

    again = s3_upload.upload_landing(dirty_landing, url, show_progress=False)
    assert (again.uploaded, again.skipped, again.bytes_uploaded) == (0, len(local), 0)


def test_large_files_go_multipart_and_are_still_recognised(s3, tmp_path):
    landing = tmp_path / "landing"
    (landing / "transactions" / "dt=2024-01-01").mkdir(parents=True)
    big = landing / "transactions" / "dt=2024-01-01" / "transactions.parquet"
    big.write_bytes(bytes(range(256)) * (12 * 4096))  # 12 MiB
    url = f"s3://{BUCKET}/runs/multipart"
    summary = s3_upload.upload_landing(
        landing, url, show_progress=False, multipart_bytes=5 * 1024 * 1024
    )
    assert summary.uploaded == 1
    head = s3.head_object(
        Bucket=BUCKET, Key="runs/multipart/transactions/dt=2024-01-01/transactions.parquet"
    )
    assert head["ETag"].strip('"').endswith("-3")  # three 5 MiB parts
    assert head["Metadata"][s3_upload.CHECKSUM_KEY] == s3_upload.sha256_of(big)
    assert s3_upload.upload_landing(landing, url, show_progress=False).skipped == 1


def test_an_interrupted_upload_resumes_and_the_manifest_goes_last(s3, dirty_landing):
    url = f"s3://{BUCKET}/runs/resume"
    files = s3_upload.landing_files(dirty_landing)
    assert files[-1].name == "_manifest.json"

    class Interrupted(Exception):
        pass

    class FailingAfter:
        """A client that stops after five uploads, like a dropped connection."""

        def __init__(self, client, allowed):
            self.client, self.allowed = client, allowed

        def head_object(self, **kwargs):
            return self.client.head_object(**kwargs)

        def upload_file(self, *args, **kwargs):
            if self.allowed == 0:
                raise Interrupted
            self.allowed -= 1
            return self.client.upload_file(*args, **kwargs)

    with pytest.raises(Interrupted):
        s3_upload.upload_landing(
            dirty_landing, url, client=FailingAfter(s3, 5), show_progress=False
        )
    assert "runs/resume/_manifest.json" not in _keys(s3, "runs/resume/")
    resumed = s3_upload.upload_landing(dirty_landing, url, show_progress=False)
    assert (resumed.skipped, resumed.uploaded) == (5, len(files) - 5)
    assert "runs/resume/_manifest.json" in _keys(s3, "runs/resume/")


def test_other_content_at_a_key_is_never_overwritten(s3, dirty_landing):
    key = "runs/foreign/merchant_categories/merchant_categories.csv"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"someone else's file")
    with pytest.raises(C360Error, match="does not overwrite"):
        s3_upload.upload_landing(dirty_landing, f"s3://{BUCKET}/runs/foreign", show_progress=False)
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"someone else's file"


@pytest.mark.parametrize("url", ["s3:/bucket", "bucket/prefix", "s3://", "s3:///prefix"])
def test_a_bad_url_is_a_one_line_error(url):
    with pytest.raises(C360Error, match="s3://BUCKET/PREFIX"):
        s3_upload.parse_s3_url(url)


def test_cli_generate_to_s3_uploads_a_dirty_portfolio_once(s3, tmp_path, capsys):
    argv = [
        "generate",
        "--customers",
        "40",
        "--seed",
        "9",
        "--dirty-rate",
        "0.02",
        "--out",
        str(tmp_path / "landing"),
        "--to",
        f"s3://{BUCKET}/cli",
    ]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert "0 already there" in first and _keys(s3, "cli/")
    assert main(argv) == 0
    assert "0 files uploaded" in capsys.readouterr().out
