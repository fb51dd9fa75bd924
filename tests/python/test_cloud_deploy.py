"""The cloud deploy scripts: their dry-run plans, complete and in order, and the runner behind them.

The plans are read as the scripts print them (``--dry-run --json``, in a
subprocess that cannot import a cloud SDK and has no credentials) and as data
(``build_plan``). The runner is exercised for real on a small plan: a
command, SDK calls against a recording client, an upload and a health check
against a server on a loopback port.
"""

from __future__ import annotations

import http.server
import importlib.util
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
CLOUD = ROOT / "deployment" / "cloud"
COMPOSE = ROOT / "deployment" / "docker" / "docker-compose.yml"
SECRET = "do-not-print-this-key"


def load(name: str):
    """A deployment/cloud script by path (``plan`` under its own name, as the scripts import it)."""
    module_name = name if name == "plan" else f"cloud_{name}"
    spec = importlib.util.spec_from_file_location(module_name, CLOUD / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


plan = load("plan")
aws = load("deploy_aws")
gcp = load("deploy_gcp")


@pytest.fixture(scope="module")
def no_sdks(tmp_path_factory) -> Path:
    """A folder whose boto3 and google packages fail on import."""
    folder = tmp_path_factory.mktemp("no_sdks")
    for package in ("boto3", "botocore", "google"):
        (folder / package).mkdir()
        (folder / package / "__init__.py").write_text(
            f"raise ImportError('the dry run imported {package}')\n"
        )
    return folder


def dry_run(
    script: str, no_sdks: Path, *extra: str, as_json: bool = True
) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "GOOGLE_", "CLOUDSDK_"))
    }
    env.update(PYTHONPATH=str(no_sdks), ANOMALIA_API_KEY=SECRET, HOME=str(no_sdks))
    command = [sys.executable, str(CLOUD / script), "--dry-run", *extra]
    result = subprocess.run(
        command + (["--json"] if as_json else []), env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stdout
    return result


def label(step: dict) -> str:
    if step["kind"] == "command":
        return " ".join(step["argv"][:2])
    if step["kind"] in ("call", "waiter"):
        return f"{step['client']}.{step.get('method', step.get('waiter'))}"
    return step["kind"]


def in_order(labels: list[str], expected: list[str]) -> None:
    """``expected`` appears in ``labels`` as a subsequence (in this order)."""
    position = 0
    for wanted in expected:
        assert wanted in labels[position:], f"{wanted} missing after step {position}: {labels}"
        position = labels.index(wanted, position) + 1


def calls(steps: list[dict], method: str) -> list[dict]:
    return [step for step in steps if step.get("method") == method]


def compose_plumber() -> list[str]:
    command = yaml.safe_load(COMPOSE.read_text())["services"]["plumber"]["entrypoint"]
    # Compose also hands plumber the mounted model sets; the cloud plans run the same server.
    return [part.replace(', models="/data/models"', "") for part in command]


def final_stage() -> str:
    froms = [
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("FROM")
    ]
    return froms[-1].split()[-1]


# AWS


@pytest.fixture(scope="module")
def aws_plan(no_sdks) -> list[dict]:
    return json.loads(dry_run("deploy_aws.py", no_sdks).stdout)


def test_aws_plan_prints_without_sdk_or_credentials(no_sdks):
    text = dry_run("deploy_aws.py", no_sdks, as_json=False).stdout
    assert text.startswith("# anomalia on AWS (eu-west-1): 32 steps, in order")
    assert " 1. $ docker build --target runtime" in text
    assert "32. $ curl -fsS http://${load_balancer_dns}/ready" in text


def test_aws_plan_has_every_step_in_order(aws_plan):
    in_order(
        [label(step) for step in aws_plan],
        [
            "docker build",
            "ecr.create_repository",
            "docker login",
            "docker push",
            "s3.create_bucket",
            "s3.put_public_access_block",
            "upload",
            "secretsmanager.create_secret",
            "iam.create_role",
            "iam.put_role_policy",
            "ecs.create_cluster",
            "ecs.register_task_definition",
            "ecs.register_task_definition",
            "elbv2.create_target_group",
            "elbv2.create_load_balancer",
            "elbv2.create_listener",
            "ecs.create_service",
            "ecs.create_service",
            "ecs.services_stable",
            "healthcheck",
            "healthcheck",
        ],
    )
    build = aws_plan[0]["argv"]
    assert build[build.index("--target") + 1] == final_stage()


def test_aws_api_and_plumber_services_with_health_checks(aws_plan):
    api_task, plumber_task = calls(aws_plan, "register_task_definition")
    api = next(c for c in api_task["params"]["containerDefinitions"] if c["name"] == "api")
    assert "127.0.0.1:8000/health" in " ".join(api["healthCheck"]["command"])
    assert api["portMappings"] == [{"containerPort": 8000, "protocol": "tcp"}]
    (plumber,) = plumber_task["params"]["containerDefinitions"]
    assert plumber["entryPoint"] == compose_plumber()
    assert "127.0.0.1:8001/health" in " ".join(plumber["healthCheck"]["command"])
    assert api["image"] == plumber["image"] == "${repository_uri}:0.1.0"
    (target_group,) = calls(aws_plan, "create_target_group")
    assert target_group["params"]["HealthCheckPath"] == "/ready"
    api_service, plumber_service = calls(aws_plan, "create_service")
    assert api_service["params"]["loadBalancers"][0]["containerPort"] == 8000
    assert api_service["params"]["taskDefinition"] == "${api_task_definition}"
    assert plumber_service["params"]["taskDefinition"] == "${plumber_task_definition}"
    assert "loadBalancers" not in plumber_service["params"]
    # A second run rolls the services out again instead of failing.
    assert api_service["if_exists"]["method"] == "update_service"
    checks = [step["url"] for step in aws_plan if step["kind"] == "healthcheck"]
    assert checks == ["http://${load_balancer_dns}/health", "http://${load_balancer_dns}/ready"]


def test_aws_api_key_is_a_secret_the_api_reads(aws_plan):
    (create,) = calls(aws_plan, "create_secret")
    assert create["params"]["SecretString"] == "${api_key}"
    api_task = calls(aws_plan, "register_task_definition")[0]["params"]
    api = next(c for c in api_task["containerDefinitions"] if c["name"] == "api")
    assert api["secrets"] == [{"name": "ANOMALIA_API_KEY", "valueFrom": "${secret_arn}"}]
    assert not any(e["name"] == "ANOMALIA_API_KEY" for e in api["environment"])
    policies = [
        json.loads(s["params"]["PolicyDocument"]) for s in calls(aws_plan, "put_role_policy")
    ]
    reads = [p for p in policies if p["Statement"][0]["Action"] == "secretsmanager:GetSecretValue"]
    assert reads[0]["Statement"][0]["Resource"] == "${secret_arn}"


def test_aws_models_live_in_a_private_bucket_the_api_reads(aws_plan):
    (bucket,) = calls(aws_plan, "create_bucket")
    name = bucket["params"]["Bucket"]
    (upload,) = [step for step in aws_plan if step["kind"] == "upload"]
    assert upload["destination"] == f"s3://{name}/models/"
    assert Path(upload["source"]) == ROOT / "data" / "models"
    api_task = calls(aws_plan, "register_task_definition")[0]["params"]
    sync, api = api_task["containerDefinitions"]
    assert sync["command"][:3] == ["s3", "sync", f"s3://{name}/models/"]
    assert api["dependsOn"] == [{"containerName": sync["name"], "condition": "SUCCESS"}]
    mount = {m["sourceVolume"]: m for m in api["mountPoints"]}["models"]
    assert mount["containerPath"] == sync["command"][3] == "/data/models" and mount["readOnly"]
    assert {"name": "ANOMALIA_MODELS_DIR", "value": "/data/models"} in api["environment"]
    policies = [
        json.loads(s["params"]["PolicyDocument"]) for s in calls(aws_plan, "put_role_policy")
    ]
    resources = [st["Resource"] for p in policies for st in p["Statement"]]
    assert f"arn:aws:s3:::{name}/models/*" in resources


def test_aws_deep_build_and_https(no_sdks):
    steps = json.loads(
        dry_run("deploy_aws.py", no_sdks, "--deep", "--certificate-arn", "arn:cert").stdout
    )
    assert steps[0]["argv"][-3:-1] == ["--build-arg", "DEEP=true"]
    (listener,) = calls(steps, "create_listener")
    assert listener["params"]["Port"] == 443
    assert listener["params"]["Certificates"] == [{"CertificateArn": "arn:cert"}]
    assert steps[-1]["url"].startswith("https://")


def test_aws_real_run_names_the_network_flags_it_needs():
    result = subprocess.run(
        [sys.executable, str(CLOUD / "deploy_aws.py")], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "the real run needs --vpc-id, --subnets, --security-group" in result.stderr


# Google Cloud


@pytest.fixture(scope="module")
def gcp_plan(no_sdks) -> list[dict]:
    return json.loads(dry_run("deploy_gcp.py", no_sdks, "--project", "demo-project").stdout)


def test_gcp_plan_prints_without_sdk_or_credentials(no_sdks):
    text = dry_run("deploy_gcp.py", no_sdks, as_json=False).stdout
    assert text.startswith("# anomalia on Google Cloud (<--project>, europe-west1): 17 steps")


def test_gcp_plan_has_every_step_in_order(gcp_plan):
    in_order(
        [label(step) for step in gcp_plan],
        [
            "gcloud services",
            "docker build",
            "artifactregistry.create_repository",
            "gcloud auth",
            "docker push",
            "storage.create_bucket",
            "upload",
            "iam_admin.create_service_account",
            "secretmanager.create_secret",
            "secretmanager.set_iam_policy",
            "run.create_service",
            "run.set_iam_policy",
            "run.create_service",
            "healthcheck",
            "healthcheck",
        ],
    )
    assert gcp_plan[1]["argv"][gcp_plan[1]["argv"].index("--target") + 1] == final_stage()


def services(gcp_plan: list[dict]) -> dict[str, dict]:
    return {
        step["params"]["request"]["service_id"]: step["params"]["request"]["service"]
        for step in calls(gcp_plan, "create_service")
    }


def test_gcp_api_and_plumber_on_cloud_run_with_probes(gcp_plan):
    deployed = services(gcp_plan)
    (api,) = deployed["anomalia-api"]["template"]["containers"]
    assert api["ports"] == [{"container_port": 8000}]
    assert api["startup_probe"]["http_get"] == {"path": "/ready", "port": 8000}
    assert api["liveness_probe"]["http_get"] == {"path": "/health", "port": 8000}
    plumber_service = deployed["anomalia-plumber"]
    assert plumber_service["ingress"] == "INGRESS_TRAFFIC_INTERNAL_ONLY"
    (plumber,) = plumber_service["template"]["containers"]
    assert plumber["command"] + plumber["args"] == compose_plumber()
    assert plumber["ports"] == [{"container_port": 8001}]
    assert plumber["liveness_probe"]["http_get"] == {"path": "/health", "port": 8001}
    pushed = next(step for step in gcp_plan if step.get("argv", [])[:2] == ["docker", "push"])
    assert api["image"] == plumber["image"] == pushed["argv"][2]
    assert api["image"].startswith("europe-west1-docker.pkg.dev/demo-project/")
    checks = [step["url"] for step in gcp_plan if step["kind"] == "healthcheck"]
    assert checks == ["${api_uri}/health", "${api_uri}/ready"]


def test_gcp_api_key_is_a_secret_the_api_reads(gcp_plan):
    (create,) = calls(gcp_plan, "create_secret")
    request = create["params"]["request"]
    secret = f"{request['parent']}/secrets/{request['secret_id']}"
    assert create["then"]["method"] == "add_secret_version"
    assert create["then"]["params"]["request"]["payload"]["data"] == "${api_key_bytes}"
    (api,) = services(gcp_plan)["anomalia-api"]["template"]["containers"]
    (key,) = [variable for variable in api["env"] if variable["name"] == "ANOMALIA_API_KEY"]
    assert key == {
        "name": "ANOMALIA_API_KEY",
        "value_source": {"secret_key_ref": {"secret": secret, "version": "latest"}},
    }
    (grant,) = calls(gcp_plan, "set_iam_policy")[:1]
    assert grant["params"]["request"]["resource"] == secret
    account = services(gcp_plan)["anomalia-api"]["template"]["service_account"]
    assert grant["params"]["request"]["policy"]["bindings"][0]["members"] == [
        f"serviceAccount:{account}"
    ]


def test_gcp_models_live_in_a_bucket_mounted_read_only(gcp_plan):
    (bucket,) = calls(gcp_plan, "create_bucket")
    name = bucket["params"]["bucket_or_name"]
    (upload,) = [step for step in gcp_plan if step["kind"] == "upload"]
    assert upload["destination"] == f"gs://{name}/"
    template = services(gcp_plan)["anomalia-api"]["template"]
    assert template["volumes"] == [{"name": "models", "gcs": {"bucket": name, "read_only": True}}]
    (api,) = template["containers"]
    assert api["volume_mounts"] == [{"name": "models", "mount_path": "/data/models"}]
    assert {"name": "ANOMALIA_MODELS_DIR", "value": "/data/models"} in api["env"]
    assert template["execution_environment"] == "EXECUTION_ENVIRONMENT_GEN2"


def test_gcp_real_run_needs_a_project():
    env = {k: v for k, v in os.environ.items() if k != "GOOGLE_CLOUD_PROJECT"}
    result = subprocess.run(
        [sys.executable, str(CLOUD / "deploy_gcp.py")], capture_output=True, text=True, env=env
    )
    assert result.returncode == 2
    assert "the real run needs --project" in result.stderr


# Both plans, as data


def refs(value) -> set[str]:
    if isinstance(value, plan.Ref):
        return {value.name}
    if isinstance(value, plan.Join):
        return set().union(*map(refs, value.parts))
    if isinstance(value, plan.Json):
        return refs(value.document)
    if isinstance(value, dict):
        return set().union(set(), *map(refs, value.values()))
    if isinstance(value, list | tuple):
        return set().union(set(), *map(refs, value))
    return set()


@pytest.mark.parametrize(
    ("module", "argv", "given"),
    [(aws, ["--dry-run"], {"api_key"}), (gcp, ["--dry-run"], {"api_key_bytes"})],
    ids=["aws", "gcp"],
)
def test_every_value_a_step_uses_is_saved_by_an_earlier_step(module, argv, given):
    available = set(given)
    for step in module.build_plan(module.parse_args(argv)):
        used = set()
        for part in (step.argv, step.stdin) if isinstance(step, plan.Command) else ():
            used |= refs(part)
        if isinstance(step, plan.Call | plan.Waiter):
            used |= refs(step.params)
        if isinstance(step, plan.HealthCheck):
            used |= refs(step.url)
        assert used <= available, f"{step.describe().splitlines()[0]} uses {used - available}"
        if isinstance(step, plan.Call):
            available |= set(step.save)
            for other in (step.if_exists, step.then):
                if other is not None:
                    assert refs(other.params) <= available
                    available |= set(other.save)


# The runner


class Recorder:
    """An SDK client that records its calls; ``create_thing`` says the thing exists."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def __getattr__(self, method: str):
        def call(**params):
            self.calls.append((method, params))
            if method == "create_thing":
                error = Exception("exists")
                error.response = {"Error": {"Code": "ThingExists"}}
                raise error
            return {"Thing": {"Arn": f"arn:{method}"}, "items": [{"uri": "http://x"}]}

        return call


@pytest.fixture
def health_server():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            self.send_response(200 if self.path == "/health" else 503)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_runner_carries_out_a_plan_in_order(tmp_path, health_server, capsys):
    models = tmp_path / "models" / "mad"
    models.mkdir(parents=True)
    (models / "config.json").write_text("{}")
    echoed = tmp_path / "echoed.txt"
    sent: list[str] = []
    recorder = Recorder()
    steps = [
        plan.Call("svc", "create_first", {"Name": "a"}, save={"first": "Thing.Arn"}),
        plan.Call(
            "svc",
            "create_thing",
            {"Name": "b"},
            exists=("ThingExists",),
            if_exists=plan.Call("svc", "update_thing", {"Uses": plan.Ref("first")}),
        ),
        plan.Call(
            "svc",
            "make",
            {"Policy": plan.Json({"Resource": plan.Ref("first")})},
            save={"uri": "items.0.uri", "upper": lambda answer: answer["Thing"]["Arn"].upper()},
            then=plan.Call("svc", "then_call", {"Value": plan.Join(plan.Ref("uri"), "/x")}),
        ),
        plan.Command(
            [
                sys.executable,
                "-c",
                f"import sys; open({str(echoed)!r}, 'w').write(sys.stdin.read())",
            ],
            stdin=plan.Ref("upper"),
        ),
        plan.Upload(
            tmp_path / "models", "bucket/", client="svc", put=lambda c, p, k: sent.append(k)
        ),
        plan.HealthCheck(plan.Join(health_server, "/health")),
    ]
    saved = plan.run(steps, lambda name: recorder, {})
    assert [method for method, _ in recorder.calls] == [
        "create_first",
        "create_thing",
        "update_thing",
        "make",
        "then_call",
    ]
    assert recorder.calls[2][1] == {"Uses": "arn:create_first"}
    assert json.loads(recorder.calls[3][1]["Policy"]) == {"Resource": "arn:create_first"}
    assert recorder.calls[4][1] == {"Value": "http://x/x"}
    assert echoed.read_text() == "ARN:MAKE"
    assert sent == ["mad/config.json"]
    assert saved["uri"] == "http://x"
    assert "already there (ThingExists): update_thing instead" in capsys.readouterr().out


def test_runner_stops_at_an_error_it_does_not_expect(tmp_path):
    recorder = Recorder()
    steps = [
        plan.Call("svc", "create_thing", {}),
        plan.Call("svc", "never", {}),
    ]
    with pytest.raises(Exception, match="exists"):
        plan.run(steps, lambda name: recorder, {})
    assert [method for method, _ in recorder.calls] == ["create_thing"]
    with pytest.raises(RuntimeError, match="holds no models"):
        plan.run([plan.Upload(tmp_path, "b/", client="svc", put=print)], lambda n: recorder, {})
    with pytest.raises(RuntimeError, match=r"no earlier step saved \$\{missing\}"):
        plan.run([plan.Call("svc", "x", {"A": plan.Ref("missing")})], lambda n: recorder, {})


def test_health_check_gives_up_on_a_service_that_is_not_ready(health_server):
    check = plan.HealthCheck(health_server + "/ready", timeout=0)
    with pytest.raises(TimeoutError, match="did not answer 200"):
        plan.run([check], lambda name: None, {})


# Against the SDKs' own request models (the `cloud` extra, which `make install` installs;
# skipped where it is missing). Offline: clients are made, nothing is sent.


def every_call(steps):
    for step in steps:
        if isinstance(step, plan.Call):
            yield from [step] + [c for c in (step.if_exists, step.then) if c is not None]


def placeholders(steps, **given):
    names = {name for call in every_call(steps) for name in call.save}
    return {**{name: f"arn:aws:test:{name}" for name in names}, **given}


def test_aws_calls_match_botocore_models():
    botocore_session = pytest.importorskip("botocore.session")
    from botocore.validate import ParamValidator

    session = botocore_session.get_session()
    steps = aws.build_plan(aws.parse_args(["--dry-run"]))
    saved = placeholders(steps, api_key="key")
    for call in every_call(steps):
        client = session.create_client(
            call.client, region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        model = client.meta.service_model.operation_model(
            client.meta.method_to_api_mapping[call.method]
        )
        report = ParamValidator().validate(plan.resolve(call.params, saved), model.input_shape)
        assert not report.has_errors(), report.generate_report()
    (waiter,) = [step for step in steps if isinstance(step, plan.Waiter)]
    assert waiter.name in session.create_client("ecs", region_name="eu-west-1").waiter_names


def test_gcp_requests_build_with_the_client_libraries():
    run_v2 = pytest.importorskip("google.cloud.run_v2")
    artifactregistry_v1 = pytest.importorskip("google.cloud.artifactregistry_v1")
    secretmanager = pytest.importorskip("google.cloud.secretmanager")
    iam_admin_v1 = pytest.importorskip("google.cloud.iam_admin_v1")
    from google.iam.v1 import iam_policy_pb2
    from google.protobuf import json_format

    requests = {
        "create_service": run_v2.CreateServiceRequest,
        "update_service": run_v2.UpdateServiceRequest,
        "create_repository": artifactregistry_v1.CreateRepositoryRequest,
        "create_secret": secretmanager.CreateSecretRequest,
        "add_secret_version": secretmanager.AddSecretVersionRequest,
        "create_service_account": iam_admin_v1.CreateServiceAccountRequest,
    }
    steps = gcp.build_plan(gcp.parse_args(["--dry-run", "--project", "p"]))
    saved = placeholders(steps, api_key_bytes=b"key")
    for call in every_call(steps):
        params = plan.resolve(call.params, saved)
        if call.method == "set_iam_policy":
            json_format.ParseDict(params["request"], iam_policy_pb2.SetIamPolicyRequest())
        elif call.client != "storage":
            requests[call.method](params["request"])  # unknown fields raise
