"""AWS landing zone: the S3 bucket the source files land in, and Snowflake's way to read it.

Landing bucket: versioned, SSE-KMS with a rotating customer key, public access fully
blocked, TLS-only, lifecycle (abort incomplete multipart uploads, expire old versions),
server access logs to a separate log bucket, and object-created notifications on the
transactions prefix to the SQS queue Snowflake creates for the Snowpipe.

The reader role is assumed by Snowflake's storage-integration IAM user with the
integration's external id and may only list and read the landing prefixes.
"""

from __future__ import annotations

import json

from cdktn_aws.iam import AwsRole, AwsRolePolicy
from cdktn_aws.kms import AwsAlias, AwsKey
from cdktn_aws.s3 import (
    AwsBucket,
    AwsBucketLifecycleConfiguration,
    AwsBucketLogging,
    AwsBucketNotification,
    AwsBucketOwnershipControls,
    AwsBucketPolicy,
    AwsBucketPublicAccessBlock,
    AwsBucketServerSideEncryptionConfiguration,
    AwsBucketVersioning,
)
from constructs import Construct

from stacks.naming import LANDING_PREFIXES, Names

ABORT_INCOMPLETE_UPLOAD_DAYS = 7
ACCESS_LOG_RETENTION_DAYS = 365

# Checkov findings accepted on purpose (the infra tests pass these to --skip-check).
CHECKOV_SKIPS = {
    "CKV_AWS_144": "no cross-region replication: landing files are re-deliverable by the source and versioned",
    "CKV_AWS_145": "the access-log bucket must use SSE-S3: S3 server access logging cannot write to SSE-KMS",
    "CKV2_AWS_62": "no event notifications on the access-log bucket: nothing consumes its objects",
    # checkov's terraform_json parser adds line-number keys to the empty (whole-bucket)
    # `filter {}`, then reads it as a prefix filter; the abort rule itself is asserted by
    # tests/infra (test_landing_lifecycle_aborts_incomplete_uploads_and_expires_old_versions)
    "CKV_AWS_300": "false positive: an empty filter gains line keys in cdk.tf.json; rules do abort uploads",
}

# jsii converts a dict to a struct, but not dicts inside lists: list items are structs.
Lifecycle = AwsBucketLifecycleConfiguration
Encryption = AwsBucketServerSideEncryptionConfiguration
_ABORT_MULTIPART = Lifecycle.AbortIncompleteMultipartUploadProperty(
    days_after_initiation=ABORT_INCOMPLETE_UPLOAD_DAYS
)


def _rule(rule_id: str, **actions) -> AwsBucketLifecycleConfiguration.RuleProperty:
    """An enabled lifecycle rule on the whole bucket."""
    return Lifecycle.RuleProperty(
        # an empty filter is the provider's "whole bucket" (checkov reads prefix "" as a filter)
        id=rule_id,
        status="Enabled",
        filter=[Lifecycle.FilterProperty()],
        **actions,
    )


def _tls_only_statement(bucket_arn: str) -> dict:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


class LandingZone(Construct):
    """S3 landing + log buckets, KMS key, Snowflake reader role, Snowpipe notifications.

    Exposes ``bucket_name``, ``reader_role_arn`` (known before the role exists, which breaks
    the role ↔ storage-integration cycle) and ``kms_key_arn``; call :meth:`trust_snowflake`
    and :meth:`notify_snowpipe` once the Snowflake side exists.
    """

    def __init__(self, scope: Construct, id_: str, *, names: Names, noncurrent_days: int):
        super().__init__(scope, id_)
        self.names = names
        # the stack's aws_caller_identity (it also suffixes the bucket names, see Names)
        if not names.aws_account_id:
            raise ValueError("LandingZone needs Names(aws_account_id=...) for unique bucket names")
        self.account_id = names.aws_account_id
        self.reader_role_arn = f"arn:aws:iam::{self.account_id}:role/{names.snowflake_iam_role}"

        self.key = AwsKey(
            self,
            "landing_key",
            description=f"SSE-KMS key of {names.landing_bucket}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            # the account (its IAM policies) administers and uses the key
                            "Sid": "KeyManagedByAccountIam",
                            "Effect": "Allow",
                            "Principal": {"AWS": f"arn:aws:iam::{self.account_id}:root"},
                            "Action": "kms:*",
                            "Resource": "*",
                        }
                    ],
                }
            ),
        )
        AwsAlias(self, "landing_key_alias", name=names.kms_alias, target_key_id=self.key.key_id)
        self.kms_key_arn = self.key.arn

        self.log_bucket = self._log_bucket()
        self.bucket = self._landing_bucket(noncurrent_days)
        self.bucket_name = self.bucket.bucket
        self.bucket_arn = self.bucket.arn

    # ------------------------------------------------------------------ buckets
    def _private(self, id_: str, bucket: AwsBucket) -> None:
        AwsBucketPublicAccessBlock(
            self,
            f"{id_}_public_access_block",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        AwsBucketOwnershipControls(
            self,
            f"{id_}_ownership",
            bucket=bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
        )
        AwsBucketVersioning(
            self,
            f"{id_}_versioning",
            bucket=bucket.id,
            versioning_configuration={"status": "Enabled"},
        )

    def _log_bucket(self) -> AwsBucket:
        bucket = AwsBucket(self, "log_bucket", bucket=self.names.log_bucket)
        self._private("log_bucket", bucket)
        # S3 server access logging can only deliver to SSE-S3 buckets, not SSE-KMS.
        AwsBucketServerSideEncryptionConfiguration(
            self,
            "log_bucket_encryption",
            bucket=bucket.id,
            rule=[
                Encryption.RuleProperty(
                    apply_server_side_encryption_by_default=Encryption.ApplyServerSideEncryptionByDefaultProperty(
                        sse_algorithm="AES256"
                    )
                )
            ],
        )
        AwsBucketLifecycleConfiguration(
            self,
            "log_bucket_lifecycle",
            bucket=bucket.id,
            rule=[
                _rule(
                    "expire-access-logs",
                    expiration=[Lifecycle.ExpirationProperty(days=ACCESS_LOG_RETENTION_DAYS)],
                    noncurrent_version_expiration=[
                        Lifecycle.NoncurrentVersionExpirationProperty(noncurrent_days=30)
                    ],
                    abort_incomplete_multipart_upload=[_ABORT_MULTIPART],
                )
            ],
        )
        AwsBucketPolicy(
            self,
            "log_bucket_policy",
            bucket=bucket.id,
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        _tls_only_statement(bucket.arn),
                        {
                            "Sid": "S3ServerAccessLogsDelivery",
                            "Effect": "Allow",
                            "Principal": {"Service": "logging.s3.amazonaws.com"},
                            "Action": "s3:PutObject",
                            "Resource": f"{bucket.arn}/*",
                            "Condition": {"StringEquals": {"aws:SourceAccount": self.account_id}},
                        },
                    ],
                }
            ),
        )
        return bucket

    def _landing_bucket(self, noncurrent_days: int) -> AwsBucket:
        bucket = AwsBucket(self, "landing_bucket", bucket=self.names.landing_bucket)
        self._private("landing_bucket", bucket)
        AwsBucketServerSideEncryptionConfiguration(
            self,
            "landing_bucket_encryption",
            bucket=bucket.id,
            rule=[
                Encryption.RuleProperty(
                    apply_server_side_encryption_by_default=Encryption.ApplyServerSideEncryptionByDefaultProperty(
                        sse_algorithm="aws:kms", kms_master_key_id=self.key.arn
                    ),
                    bucket_key_enabled=True,
                )
            ],
        )
        AwsBucketLifecycleConfiguration(
            self,
            "landing_bucket_lifecycle",
            bucket=bucket.id,
            rule=[
                _rule(
                    "abort-incomplete-multipart-uploads",
                    abort_incomplete_multipart_upload=[_ABORT_MULTIPART],
                ),
                _rule(
                    "expire-noncurrent-versions",
                    noncurrent_version_expiration=[
                        Lifecycle.NoncurrentVersionExpirationProperty(
                            noncurrent_days=noncurrent_days
                        )
                    ],
                ),
            ],
        )
        AwsBucketLogging(
            self,
            "landing_bucket_logging",
            bucket=bucket.id,
            target_bucket=self.log_bucket.id,
            target_prefix=f"{self.names.landing_bucket}/",
        )
        AwsBucketPolicy(
            self,
            "landing_bucket_policy",
            bucket=bucket.id,
            policy=json.dumps(
                {"Version": "2012-10-17", "Statement": [_tls_only_statement(bucket.arn)]}
            ),
        )
        return bucket

    # -------------------------------------------------------- Snowflake access
    def trust_snowflake(self, *, iam_user_arn: str, external_id: str) -> list:
        """The reader role, assumable only by Snowflake's integration user with the external id.

        Returns the role and its policy: what Snowflake needs before it reads the bucket.
        """
        role = AwsRole(
            self,
            "snowflake_reader_role",
            name=self.names.snowflake_iam_role,
            description="Assumed by the Snowflake storage integration to read the landing bucket",
            max_session_duration=3600,
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": iam_user_arn},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
                        }
                    ],
                }
            ),
        )
        prefixes = list(LANDING_PREFIXES)
        self.reader_policy = AwsRolePolicy(
            self,
            "snowflake_reader_policy",
            name="read-landing-prefixes",
            role=role.id,
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "ReadLandingObjects",
                            "Effect": "Allow",
                            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                            "Resource": [f"{self.bucket.arn}/{p}*" for p in prefixes],
                        },
                        {
                            "Sid": "ListLandingPrefixes",
                            "Effect": "Allow",
                            "Action": "s3:ListBucket",
                            "Resource": self.bucket.arn,
                            "Condition": {"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}},
                        },
                        {
                            "Sid": "LocateLandingBucket",
                            "Effect": "Allow",
                            "Action": "s3:GetBucketLocation",
                            "Resource": self.bucket.arn,
                        },
                        {
                            "Sid": "DecryptLandingObjects",
                            "Effect": "Allow",
                            "Action": ["kms:Decrypt", "kms:DescribeKey"],
                            "Resource": self.key.arn,
                        },
                    ],
                }
            ),
        )
        self.reader_role = role
        return [role, self.reader_policy]

    def notify_snowpipe(self, *, queue_arn: str, prefix: str) -> AwsBucketNotification:
        """New objects under ``prefix`` go to the Snowpipe's SQS queue (auto-ingest)."""
        return AwsBucketNotification(
            self,
            "landing_bucket_notification",
            bucket=self.bucket.id,
            queue=[
                AwsBucketNotification.QueueProperty(
                    id="snowpipe-auto-ingest",
                    queue_arn=queue_arn,
                    events=["s3:ObjectCreated:*"],
                    filter_prefix=prefix,
                )
            ],
        )
