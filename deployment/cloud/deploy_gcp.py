"""Deploy anomalia to Google Cloud: image in Artifact Registry, API and plumber on Cloud Run.

    python deployment/cloud/deploy_gcp.py --dry-run                 # print the plan, call nothing
    python deployment/cloud/deploy_gcp.py --project my-project --region europe-west1

What it builds, in order: the APIs it uses switched on; the image (``docker
build --target runtime``) pushed to an Artifact Registry repository; a
private Cloud Storage bucket holding the trained models from ``data/models``,
mounted read-only into the API at ``/data/models`` (a Cloud Storage volume,
second-generation execution environment); a service account that may read
the bucket and the secret; the API key in Secret Manager, handed to the API as
``ANOMALIA_API_KEY``; two Cloud Run services: the API (startup probe
``/ready``, so a revision takes traffic only once its models are loaded;
liveness probe ``/health``), open to the internet behind its key, and the
plumber service (probes on ``/health``, port 8001), internal ingress only.

The real run needs docker, the gcloud CLI (for docker's credentials and the
bucket settings), application default credentials, and the client libraries
(``pip install 'anomalia[cloud]'``); ``--dry-run`` needs none of them.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plan import (  # noqa: E402  (the folder is not a package: scripts run from anywhere)
    API_PORT,
    MODELS_PATH,
    PLUMBER_COMMAND,
    PLUMBER_PORT,
    ROOT,
    Call,
    Command,
    HealthCheck,
    Join,
    Ref,
    Step,
    Upload,
    plan_as_json,
    print_plan,
    project_version,
    run,
)

SDK_PACKAGES = {
    "artifactregistry": "google-cloud-artifact-registry",
    "storage": "google-cloud-storage",
    "iam_admin": "google-cloud-iam",
    "secretmanager": "google-cloud-secret-manager",
    "run": "google-cloud-run",
}
APIS = [
    "run.googleapis.com",
    "artifactregistry.googleapis.com",
    "secretmanager.googleapis.com",
    "iam.googleapis.com",
    "storage.googleapis.com",
]


def http_probe(path: str, port: int, period: int, failures: int) -> dict:
    return {
        "http_get": {"path": path, "port": port},
        "period_seconds": period,
        "timeout_seconds": 5,
        "failure_threshold": failures,
    }


def build_plan(args: argparse.Namespace) -> list[Step]:
    """Every step of the deployment, in order (see the module docstring)."""
    project, region, name, tag = args.project, args.region, args.name, args.tag
    location = f"projects/{project}/locations/{region}"
    registry = f"{region}-docker.pkg.dev"
    image = f"{registry}/{project}/{name}/{name}:{tag}"
    bucket = args.bucket or f"{project}-{name}-models"
    account = f"{name}-run"
    account_email = f"{account}@{project}.iam.gserviceaccount.com"
    secret = f"projects/{project}/secrets/{name}-api-key"
    api_name, plumber_name = f"{name}-api", f"{name}-plumber"
    build = ["docker", "build", "--target", "runtime", "-t", image]
    if args.deep:
        build += ["--build-arg", "DEEP=true"]

    api_service = {
        "ingress": "INGRESS_TRAFFIC_ALL",
        "template": {
            "service_account": account_email,
            "execution_environment": "EXECUTION_ENVIRONMENT_GEN2",
            "scaling": {"min_instance_count": 1, "max_instance_count": args.max_instances},
            "containers": [
                {
                    "name": "api",
                    "image": image,
                    "ports": [{"container_port": API_PORT}],
                    "env": [
                        {"name": "ANOMALIA_MODELS_DIR", "value": MODELS_PATH},
                        {
                            "name": "ANOMALIA_API_KEY",
                            "value_source": {
                                "secret_key_ref": {"secret": secret, "version": "latest"}
                            },
                        },
                    ],
                    "resources": {"limits": {"cpu": "2", "memory": "2Gi"}},
                    # Traffic moves to a revision once its models are loaded (/ready).
                    "startup_probe": http_probe("/ready", API_PORT, period=5, failures=48),
                    "liveness_probe": http_probe("/health", API_PORT, period=15, failures=3),
                    "volume_mounts": [{"name": "models", "mount_path": MODELS_PATH}],
                }
            ],
            "volumes": [{"name": "models", "gcs": {"bucket": bucket, "read_only": True}}],
        },
    }
    plumber_service = {
        "ingress": "INGRESS_TRAFFIC_INTERNAL_ONLY",
        "template": {
            "service_account": account_email,
            "scaling": {"min_instance_count": 0, "max_instance_count": 2},
            "containers": [
                {
                    "name": "plumber",
                    "image": image,
                    "command": PLUMBER_COMMAND[:1],
                    "args": PLUMBER_COMMAND[1:],
                    "ports": [{"container_port": PLUMBER_PORT}],
                    "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
                    "startup_probe": http_probe("/health", PLUMBER_PORT, period=5, failures=24),
                    "liveness_probe": http_probe("/health", PLUMBER_PORT, period=15, failures=3),
                }
            ],
        },
    }

    def deploy(service_id: str, service: dict, uri: str) -> Call:
        """Create the Cloud Run service, or roll out a new revision of the existing one."""
        return Call(
            "run",
            "create_service",
            {"request": {"parent": location, "service_id": service_id, "service": service}},
            operation=True,
            save={uri: "uri"},
            exists=("AlreadyExists", "Conflict"),
            if_exists=Call(
                "run",
                "update_service",
                {"request": {"service": {**service, "name": f"{location}/services/{service_id}"}}},
                operation=True,
                save={uri: "uri"},
            ),
        )

    return [
        Command(["gcloud", "services", "enable", *APIS, "--project", project]),
        # 1. The image, in Artifact Registry.
        Command([*build, os.path.relpath(ROOT)]),
        Call(
            "artifactregistry",
            "create_repository",
            {
                "request": {
                    "parent": location,
                    "repository_id": name,
                    "repository": {"format_": "DOCKER", "description": "anomalia images"},
                }
            },
            operation=True,
            exists=("AlreadyExists", "Conflict"),
        ),
        Command(["gcloud", "auth", "configure-docker", registry, "--quiet"]),
        Command(["docker", "push", image]),
        # 2. The models, in a private bucket.
        Call(
            "storage",
            "create_bucket",
            {"bucket_or_name": bucket, "location": region},
            exists=("Conflict",),
        ),
        Command(
            [
                "gcloud",
                "storage",
                "buckets",
                "update",
                f"gs://{bucket}",
                "--uniform-bucket-level-access",
                "--public-access-prevention",
                "--project",
                project,
            ]
        ),
        Upload(
            args.models,
            f"gs://{bucket}/",
            client="storage",
            put=lambda storage, path, key: (
                storage.bucket(bucket).blob(key).upload_from_filename(str(path))
            ),
        ),
        # 3. The identity the services run as: it may read the bucket and the secret.
        Call(
            "iam_admin",
            "create_service_account",
            {
                "request": {
                    "name": f"projects/{project}",
                    "account_id": account,
                    "service_account": {"display_name": "anomalia on Cloud Run"},
                }
            },
            exists=("AlreadyExists", "Conflict"),
        ),
        Command(
            [
                "gcloud",
                "storage",
                "buckets",
                "add-iam-policy-binding",
                f"gs://{bucket}",
                f"--member=serviceAccount:{account_email}",
                "--role=roles/storage.objectViewer",
                "--project",
                project,
            ]
        ),
        # 4. The API key, in Secret Manager (its first value only when the secret is new).
        Call(
            "secretmanager",
            "create_secret",
            {
                "request": {
                    "parent": f"projects/{project}",
                    "secret_id": f"{name}-api-key",
                    "secret": {"replication": {"automatic": {}}},
                }
            },
            exists=("AlreadyExists", "Conflict"),
            then=Call(
                "secretmanager",
                "add_secret_version",
                {"request": {"parent": secret, "payload": {"data": Ref("api_key_bytes")}}},
            ),
        ),
        Call(
            "secretmanager",
            "set_iam_policy",
            {
                "request": {
                    "resource": secret,
                    "policy": {
                        "bindings": [
                            {
                                "role": "roles/secretmanager.secretAccessor",
                                "members": [f"serviceAccount:{account_email}"],
                            }
                        ]
                    },
                }
            },
        ),
        # 5. The two services; the API is public behind its key, plumber stays internal.
        deploy(api_name, api_service, "api_uri"),
        Call(
            "run",
            "set_iam_policy",
            {
                "request": {
                    "resource": f"{location}/services/{api_name}",
                    "policy": {
                        "bindings": [{"role": "roles/run.invoker", "members": ["allUsers"]}]
                    },
                }
            },
        ),
        deploy(plumber_name, plumber_service, "plumber_uri"),
        HealthCheck(Join(Ref("api_uri"), "/health")),
        HealthCheck(Join(Ref("api_uri"), "/ready")),
    ]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Deploy the anomalia API and plumber service to Google Cloud Run.",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan; call nothing")
    parser.add_argument("--json", action="store_true", help="with --dry-run: the plan as JSON")
    parser.add_argument("--project", default=os.environ.get("GOOGLE_CLOUD_PROJECT"))
    parser.add_argument("--region", default="europe-west1")
    parser.add_argument("--name", default="anomalia", help="prefix of every resource")
    parser.add_argument(
        "--tag", default=project_version(), help="image tag (default: package version)"
    )
    parser.add_argument("--models", type=Path, default=ROOT / "data" / "models")
    parser.add_argument("--bucket", help="models bucket (default: PROJECT-NAME-models)")
    parser.add_argument("--max-instances", type=int, default=4, help="API instances at most")
    parser.add_argument("--deep", action="store_true", help="image with the deep detectors")
    args = parser.parse_args(argv)
    if not args.project and not args.dry_run:
        parser.error("the real run needs --project (or $GOOGLE_CLOUD_PROJECT)")
    args.project = args.project or "<--project>"
    return args


def make_client(service: str, project: str):
    """The SDK client for ``service``, imported now (only the real run gets here)."""
    try:
        if service == "artifactregistry":
            from google.cloud import artifactregistry_v1

            return artifactregistry_v1.ArtifactRegistryClient()
        if service == "storage":
            from google.cloud import storage

            return storage.Client(project=project)
        if service == "iam_admin":
            from google.cloud import iam_admin_v1

            return iam_admin_v1.IAMClient()
        if service == "secretmanager":
            from google.cloud import secretmanager

            return secretmanager.SecretManagerServiceClient()
        if service == "run":
            from google.cloud import run_v2

            return run_v2.ServicesClient()
    except ImportError:
        raise ImportError(
            f"deploy_gcp.py needs {SDK_PACKAGES[service]}: pip install 'anomalia[cloud]' "
            "(or: pip install " + " ".join(SDK_PACKAGES.values()) + ")"
        ) from None
    raise ValueError(f"no client for {service!r}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    steps = build_plan(args)
    if args.dry_run:
        if args.json:
            import json

            print(json.dumps(plan_as_json(steps), indent=2))
        else:
            print_plan(steps, f"anomalia on Google Cloud ({args.project}, {args.region})")
        return 0
    clients: dict[str, object] = {}

    def client(service: str):
        if service not in clients:
            clients[service] = make_client(service, args.project)
        return clients[service]

    api_key = os.environ.get("ANOMALIA_API_KEY") or secrets.token_urlsafe(32)
    saved = run(steps, client, {"api_key_bytes": api_key.encode()})
    print(f"API: {saved['api_uri']}  (send X-API-Key)")
    print(
        f"the key: gcloud secrets versions access latest --secret {args.name}-api-key "
        f"--project {args.project}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
