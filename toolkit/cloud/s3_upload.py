"""``c360 generate --to s3://BUCKET/PREFIX``: a generated landing folder into the S3 landing zone.

The bucket gets the landing folder's layout under ``PREFIX`` (``customers/…``,
``transactions/dt=…/transactions.parquet``, ``merchant_categories/…``, ``_manifest.json``),
which is what the stage, the pipe and the load procedure read.

* **Idempotent by key**: each object carries the SHA-256 of its content as user metadata
  (``x-amz-meta-c360-sha256``); a key whose HEAD shows the same size and checksum is
  skipped, so a re-run uploads nothing. (An ETag is the MD5 of the content only for
  single-part uploads — for multipart uploads it is not —
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html — hence our own checksum.)
* **Never overwrites**: a key that exists with other content (or that c360 did not write)
  stops the upload with a one-line error; c360 never replaces a file it did not create.
* **Multipart** above ``MULTIPART_BYTES`` through boto3's managed transfer
  (``boto3.s3.transfer.TransferConfig``: ``multipart_threshold``, ``multipart_chunksize``).
* **Resumable**: files are uploaded one by one and a finished file is skipped on the next run,
  so an interrupted upload continues where it stopped; ``_manifest.json`` goes last, so the
  landing zone names a portfolio only once all of its files are there.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import C360Error
from toolkit.progress import step_progress

MANIFEST = "_manifest.json"
CHECKSUM_KEY = "c360-sha256"  # S3 returns user metadata keys in lower case
MULTIPART_BYTES = 16 * 1024 * 1024


@dataclass
class UploadSummary:
    uploaded: int = 0
    skipped: int = 0
    bytes_uploaded: int = 0

    def describe(self, url: str) -> str:
        return (
            f"{url}: {self.uploaded} files uploaded ({self.bytes_uploaded:,} bytes), "
            f"{self.skipped} already there"
        )


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → ``("bucket", "some/prefix")`` (prefix may be empty)."""
    if not url.startswith("s3://") or len(url) <= len("s3://"):
        raise C360Error(f"expected s3://BUCKET/PREFIX, got {url!r}")
    bucket, _, prefix = url[len("s3://") :].partition("/")
    if not bucket:
        raise C360Error(f"expected s3://BUCKET/PREFIX, got {url!r}")
    return bucket, prefix.strip("/")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def landing_files(landing: Path) -> list[Path]:
    """Every file of the landing folder, the manifest last."""
    files = sorted(p for p in landing.rglob("*") if p.is_file() and p.name != MANIFEST)
    manifest = landing / MANIFEST
    return [*files, manifest] if manifest.is_file() else files


def _existing(client, bucket: str, key: str) -> dict | None:
    from botocore.exceptions import ClientError

    try:
        return client.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def upload_landing(
    landing: Path,
    url: str,
    *,
    client=None,
    show_progress: bool = True,
    multipart_bytes: int = MULTIPART_BYTES,
) -> UploadSummary:
    """Upload ``landing`` to ``url``; files already there with the same content are skipped."""
    import boto3
    from boto3.s3.transfer import TransferConfig

    landing = Path(landing)
    if not landing.is_dir():
        raise C360Error(f"no landing folder at {landing}; run `c360 generate` first")
    bucket, prefix = parse_s3_url(url)
    client = client or boto3.client("s3")
    config = TransferConfig(
        multipart_threshold=multipart_bytes, multipart_chunksize=multipart_bytes
    )
    files = landing_files(landing)
    summary = UploadSummary()
    progress = step_progress("upload", show=show_progress)
    with progress:
        task = progress.add_task(url, total=len(files))
        for path in files:
            relative = path.relative_to(landing).as_posix()
            key = f"{prefix}/{relative}" if prefix else relative
            size, checksum = path.stat().st_size, sha256_of(path)
            head = _existing(client, bucket, key)
            if head is not None:
                same = (
                    head.get("ContentLength") == size
                    and head.get("Metadata", {}).get(CHECKSUM_KEY) == checksum
                )
                if not same:
                    raise C360Error(
                        f"s3://{bucket}/{key} already holds other content; c360 does not "
                        "overwrite it — upload to another prefix"
                    )
                summary.skipped += 1
            else:
                client.upload_file(
                    str(path),
                    bucket,
                    key,
                    ExtraArgs={"Metadata": {CHECKSUM_KEY: checksum}},
                    Config=config,
                )
                summary.uploaded += 1
                summary.bytes_uploaded += size
            progress.advance(task)
    return summary
