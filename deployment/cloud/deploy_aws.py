"""Deploy anomalia to AWS: image in ECR, the API and the plumber service on ECS Fargate.

    python deployment/cloud/deploy_aws.py --dry-run          # print the plan, call nothing
    python deployment/cloud/deploy_aws.py --region eu-west-1 \\
        --vpc-id vpc-0abc --subnets subnet-0a,subnet-0b --security-group sg-0abc

What it builds, in order: the image (``docker build --target runtime``),
pushed to an ECR repository; an S3 bucket (private, versioned) holding the
trained models from ``data/models``; the API key as a Secrets Manager secret
(``$ANOMALIA_API_KEY``, or a generated one); the task roles; an ECS cluster
with two Fargate services, the API (behind an Application Load Balancer whose
target group checks ``/ready``, container health check ``/health``) and the
plumber service (container health check ``/health`` on 8001, reachable inside
the VPC only). Each API task copies the models from the bucket at start (an
``aws s3 sync`` container it waits for), so tasks are alike and replaceable.

The real run needs boto3 (``pip install 'anomalia[cloud]'``), docker, and AWS credentials
as boto3 finds them; ``--dry-run`` needs none of them.
"""

from __future__ import annotations

import argparse
import base64
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
    Json,
    Ref,
    Step,
    Upload,
    Waiter,
    plan_as_json,
    print_plan,
    project_version,
    run,
)

EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def probe(port: int) -> list[str]:
    """A container health check: GET /health on ``port`` from inside the container."""
    url = f"http://127.0.0.1:{port}/health"
    code = f"import urllib.request; urllib.request.urlopen('{url}', timeout=4)"
    return ["CMD", "python", "-c", code]


def log_configuration(args: argparse.Namespace, prefix: str) -> dict:
    return {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": f"/ecs/{args.name}",
            "awslogs-region": args.region,
            "awslogs-stream-prefix": prefix,
        },
    }


def task_role_trust() -> Json:
    return Json(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def build_plan(args: argparse.Namespace) -> list[Step]:
    """Every step of the deployment, in order (see the module docstring)."""
    name, region, tag = args.name, args.region, args.tag
    bucket = args.bucket or f"{name}-models-{region}"
    secret_name = f"{name}/api-key"
    execution_role, task_role = f"{name}-task-execution", f"{name}-task"
    api_service, plumber_service = f"{name}-api", f"{name}-plumber"
    image = Join(Ref("repository_uri"), f":{tag}")
    network = {
        "awsvpcConfiguration": {
            "subnets": args.subnets,
            "securityGroups": [args.security_group],
            "assignPublicIp": "ENABLED" if args.public_ip else "DISABLED",
        }
    }
    build = ["docker", "build", "--target", "runtime", "-t", f"{name}:{tag}"]
    if args.deep:
        build += ["--build-arg", "DEEP=true"]
    bucket_location = {} if region == "us-east-1" else {"LocationConstraint": region}
    scheme, port = ("https", 443) if args.certificate_arn else ("http", 80)
    listener = {
        "LoadBalancerArn": Ref("load_balancer_arn"),
        "Protocol": scheme.upper(),
        "Port": port,
        "DefaultActions": [{"Type": "forward", "TargetGroupArn": Ref("target_group_arn")}],
    }
    if args.certificate_arn:
        listener["Certificates"] = [{"CertificateArn": args.certificate_arn}]
    api_service_params = {
        "cluster": name,
        "serviceName": api_service,
        "taskDefinition": Ref("api_task_definition"),
        "desiredCount": args.replicas,
        "launchType": "FARGATE",
        "networkConfiguration": network,
        "loadBalancers": [
            {
                "targetGroupArn": Ref("target_group_arn"),
                "containerName": "api",
                "containerPort": API_PORT,
            }
        ],
        "healthCheckGracePeriodSeconds": 120,
        "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    }
    plumber_service_params = {
        "cluster": name,
        "serviceName": plumber_service,
        "taskDefinition": Ref("plumber_task_definition"),
        "desiredCount": 1,
        "launchType": "FARGATE",
        "networkConfiguration": network,
        "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    }

    def update(params: dict) -> Call:
        """A new deployment of an existing service with the new task definition."""
        return Call(
            "ecs",
            "update_service",
            {
                "cluster": params["cluster"],
                "service": params["serviceName"],
                "taskDefinition": params["taskDefinition"],
                "desiredCount": params["desiredCount"],
                "forceNewDeployment": True,
            },
        )

    return [
        # 1. The image, in ECR.
        Command([*build, os.path.relpath(ROOT)]),
        Call(
            "ecr",
            "create_repository",
            {"repositoryName": name, "imageScanningConfiguration": {"scanOnPush": True}},
            exists=("RepositoryAlreadyExistsException",),
        ),
        Call(
            "ecr",
            "describe_repositories",
            {"repositoryNames": [name]},
            save={"repository_uri": "repositories.0.repositoryUri"},
        ),
        Call(
            "ecr",
            "get_authorization_token",
            {},
            save={
                "ecr_password": lambda answer: (
                    base64.b64decode(answer["authorizationData"][0]["authorizationToken"])
                    .decode()
                    .split(":", 1)[1]
                ),
                "ecr_endpoint": "authorizationData.0.proxyEndpoint",
            },
        ),
        Command(
            ["docker", "login", "--username", "AWS", "--password-stdin", Ref("ecr_endpoint")],
            stdin=Ref("ecr_password"),
        ),
        Command(["docker", "tag", f"{name}:{tag}", image]),
        Command(["docker", "push", image]),
        # 2. The models, in a private versioned bucket.
        Call(
            "s3",
            "create_bucket",
            {
                "Bucket": bucket,
                **({"CreateBucketConfiguration": bucket_location} if bucket_location else {}),
            },
            exists=("BucketAlreadyOwnedByYou",),
        ),
        Call(
            "s3",
            "put_public_access_block",
            {
                "Bucket": bucket,
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True,
                },
            },
        ),
        Call(
            "s3",
            "put_bucket_versioning",
            {"Bucket": bucket, "VersioningConfiguration": {"Status": "Enabled"}},
        ),
        Upload(
            args.models,
            f"s3://{bucket}/models/",
            client="s3",
            put=lambda s3, path, key: s3.upload_file(str(path), bucket, f"models/{key}"),
        ),
        # 3. The API key, as a secret the tasks read at start.
        Call(
            "secretsmanager",
            "create_secret",
            {
                "Name": secret_name,
                "Description": "X-API-Key of the anomalia API",
                "SecretString": Ref("api_key"),
            },
            exists=("ResourceExistsException",),
        ),
        Call(
            "secretsmanager",
            "describe_secret",
            {"SecretId": secret_name},
            save={"secret_arn": "ARN"},
        ),
        # 4. Roles: the execution role pulls the image and reads the secret;
        #    the task role reads the models.
        Call(
            "iam",
            "create_role",
            {"RoleName": execution_role, "AssumeRolePolicyDocument": task_role_trust()},
            exists=("EntityAlreadyExists",),
        ),
        Call(
            "iam",
            "attach_role_policy",
            {
                "RoleName": execution_role,
                "PolicyArn": EXECUTION_POLICY,
            },
        ),
        Call(
            "iam",
            "put_role_policy",
            {
                "RoleName": execution_role,
                "PolicyName": "read-api-key",
                "PolicyDocument": Json(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "secretsmanager:GetSecretValue",
                                "Resource": Ref("secret_arn"),
                            }
                        ],
                    }
                ),
            },
        ),
        Call(
            "iam",
            "get_role",
            {"RoleName": execution_role},
            save={"execution_role_arn": "Role.Arn"},
        ),
        Call(
            "iam",
            "create_role",
            {"RoleName": task_role, "AssumeRolePolicyDocument": task_role_trust()},
            exists=("EntityAlreadyExists",),
        ),
        Call(
            "iam",
            "put_role_policy",
            {
                "RoleName": task_role,
                "PolicyName": "read-models",
                "PolicyDocument": Json(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "s3:ListBucket",
                                "Resource": f"arn:aws:s3:::{bucket}",
                            },
                            {
                                "Effect": "Allow",
                                "Action": "s3:GetObject",
                                "Resource": f"arn:aws:s3:::{bucket}/models/*",
                            },
                        ],
                    }
                ),
            },
        ),
        Call("iam", "get_role", {"RoleName": task_role}, save={"task_role_arn": "Role.Arn"}),
        # 5. The cluster and the two task definitions.
        Call(
            "logs",
            "create_log_group",
            {"logGroupName": f"/ecs/{name}"},
            exists=("ResourceAlreadyExistsException",),
        ),
        Call("ecs", "create_cluster", {"clusterName": name, "capacityProviders": ["FARGATE"]}),
        Call(
            "ecs",
            "register_task_definition",
            {
                "family": api_service,
                "networkMode": "awsvpc",
                "requiresCompatibilities": ["FARGATE"],
                "cpu": "1024",
                "memory": "2048",
                "executionRoleArn": Ref("execution_role_arn"),
                "taskRoleArn": Ref("task_role_arn"),
                # Task storage the two containers share: the sync writes, the API reads.
                "volumes": [{"name": "models"}],
                "containerDefinitions": [
                    {
                        "name": "models-sync",
                        "image": "public.ecr.aws/aws-cli/aws-cli:latest",
                        "essential": False,
                        "command": [
                            "s3",
                            "sync",
                            f"s3://{bucket}/models/",
                            MODELS_PATH,
                            "--only-show-errors",
                        ],
                        "mountPoints": [{"sourceVolume": "models", "containerPath": MODELS_PATH}],
                        "logConfiguration": log_configuration(args, "models-sync"),
                    },
                    {
                        "name": "api",
                        "image": image,
                        "essential": True,
                        "dependsOn": [{"containerName": "models-sync", "condition": "SUCCESS"}],
                        "portMappings": [{"containerPort": API_PORT, "protocol": "tcp"}],
                        "environment": [{"name": "ANOMALIA_MODELS_DIR", "value": MODELS_PATH}],
                        "secrets": [{"name": "ANOMALIA_API_KEY", "valueFrom": Ref("secret_arn")}],
                        "mountPoints": [
                            {
                                "sourceVolume": "models",
                                "containerPath": MODELS_PATH,
                                "readOnly": True,
                            }
                        ],
                        "healthCheck": {
                            "command": probe(API_PORT),
                            "interval": 30,
                            "timeout": 5,
                            "retries": 3,
                            "startPeriod": 60,
                        },
                        "logConfiguration": log_configuration(args, "api"),
                    },
                ],
            },
            save={"api_task_definition": "taskDefinition.taskDefinitionArn"},
        ),
        Call(
            "ecs",
            "register_task_definition",
            {
                "family": plumber_service,
                "networkMode": "awsvpc",
                "requiresCompatibilities": ["FARGATE"],
                "cpu": "512",
                "memory": "1024",
                "executionRoleArn": Ref("execution_role_arn"),
                "containerDefinitions": [
                    {
                        "name": "plumber",
                        "image": image,
                        "essential": True,
                        "entryPoint": PLUMBER_COMMAND,
                        "portMappings": [{"containerPort": PLUMBER_PORT, "protocol": "tcp"}],
                        "healthCheck": {
                            "command": probe(PLUMBER_PORT),
                            "interval": 30,
                            "timeout": 5,
                            "retries": 3,
                            "startPeriod": 60,
                        },
                        "logConfiguration": log_configuration(args, "plumber"),
                    }
                ],
            },
            save={"plumber_task_definition": "taskDefinition.taskDefinitionArn"},
        ),
        # 6. The load balancer in front of the API: traffic only to tasks whose /ready is 200.
        Call(
            "elbv2",
            "create_target_group",
            {
                "Name": api_service,
                "Protocol": "HTTP",
                "Port": API_PORT,
                "VpcId": args.vpc_id,
                "TargetType": "ip",
                "HealthCheckPath": "/ready",
                "HealthCheckIntervalSeconds": 15,
                "HealthyThresholdCount": 2,
                "UnhealthyThresholdCount": 3,
                "Matcher": {"HttpCode": "200"},
            },
            save={"target_group_arn": "TargetGroups.0.TargetGroupArn"},
        ),
        Call(
            "elbv2",
            "create_load_balancer",
            {
                "Name": api_service,
                "Subnets": args.subnets,
                "SecurityGroups": [args.security_group],
                "Scheme": "internet-facing",
                "Type": "application",
            },
            save={
                "load_balancer_arn": "LoadBalancers.0.LoadBalancerArn",
                "load_balancer_dns": "LoadBalancers.0.DNSName",
            },
        ),
        Call("elbv2", "create_listener", listener),
        # 7. The two services, then wait for them to be stable and check the API answers.
        Call(
            "ecs",
            "create_service",
            api_service_params,
            exists=("InvalidParameterException",),
            if_exists=update(api_service_params),
        ),
        Call(
            "ecs",
            "create_service",
            plumber_service_params,
            exists=("InvalidParameterException",),
            if_exists=update(plumber_service_params),
        ),
        Waiter(
            "ecs", "services_stable", {"cluster": name, "services": [api_service, plumber_service]}
        ),
        HealthCheck(Join(f"{scheme}://", Ref("load_balancer_dns"), "/health")),
        HealthCheck(Join(f"{scheme}://", Ref("load_balancer_dns"), "/ready")),
    ]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Deploy the anomalia API and plumber service to AWS (ECR, S3, ECS Fargate).",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan; call nothing")
    parser.add_argument("--json", action="store_true", help="with --dry-run: the plan as JSON")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "eu-west-1"))
    parser.add_argument("--name", default="anomalia", help="prefix of every resource")
    parser.add_argument(
        "--tag", default=project_version(), help="image tag (default: package version)"
    )
    parser.add_argument("--models", type=Path, default=ROOT / "data" / "models")
    parser.add_argument("--bucket", help="models bucket (default: NAME-models-REGION)")
    parser.add_argument("--vpc-id", help="VPC of the load balancer's target group")
    parser.add_argument("--subnets", type=lambda text: text.split(","), help="comma-separated")
    parser.add_argument(
        "--security-group", help="allows 8000 from the load balancer, 8001 in the VPC"
    )
    parser.add_argument(
        "--certificate-arn", help="ACM certificate: HTTPS on 443 instead of HTTP on 80"
    )
    parser.add_argument("--replicas", type=int, default=2, help="API tasks")
    parser.add_argument(
        "--no-public-ip",
        dest="public_ip",
        action="store_false",
        help="tasks in private subnets (with a NAT or VPC endpoints)",
    )
    parser.add_argument("--deep", action="store_true", help="image with the deep detectors")
    args = parser.parse_args(argv)
    missing = [flag for flag in ("vpc_id", "subnets", "security_group") if not getattr(args, flag)]
    if missing and not args.dry_run:
        parser.error("the real run needs " + ", ".join("--" + f.replace("_", "-") for f in missing))
    args.vpc_id = args.vpc_id or "<--vpc-id>"
    args.subnets = args.subnets or ["<--subnets>"]
    args.security_group = args.security_group or "<--security-group>"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    steps = build_plan(args)
    if args.dry_run:
        if args.json:
            import json

            print(json.dumps(plan_as_json(steps), indent=2))
        else:
            print_plan(steps, f"anomalia on AWS ({args.region})")
        return 0
    try:
        import boto3
    except ImportError:
        message = "deploy_aws.py: the real run needs boto3: pip install 'anomalia[cloud]'"
        print(message, file=sys.stderr)
        return 2
    session = boto3.session.Session(region_name=args.region)
    clients: dict[str, object] = {}

    def client(service: str):
        if service not in clients:
            clients[service] = session.client(service)
        return clients[service]

    api_key = os.environ.get("ANOMALIA_API_KEY") or secrets.token_urlsafe(32)
    saved = run(steps, client, {"api_key": api_key})
    print(f"API: {saved['load_balancer_dns']}  (send X-API-Key)")
    print(
        f"the key: aws secretsmanager get-secret-value --secret-id {args.name}/api-key "
        "--query SecretString --output text"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
