"""The deployment files: Compose validated by docker-compose itself, Kubernetes
manifests against the API schemas (kubernetes-validate ships them), and the
Grafana dashboard and Prometheus config checked against what the server exports.
No Docker engine or cluster is needed (or used)."""

import json
import pathlib
import re
import shutil
import subprocess

import pytest
import yaml

DEPLOY = pathlib.Path(__file__).resolve().parent.parent
ROOT = DEPLOY.parent.parent
K8S_VERSION = "1.30.0"


def compose_config(tmp_path):
    work = tmp_path / "deploy"
    shutil.copytree(DEPLOY, work, ignore=shutil.ignore_patterns("tests", "__pycache__"))
    shutil.copy(work / "example.env", work / ".env")
    exe = shutil.which("docker-compose")
    assert exe, "docker-compose is missing: scripts/setup.sh installs Debian's docker-compose"
    out = subprocess.run([exe, "-f", str(work / "docker-compose.yml"), "config"], capture_output=True, text=True, cwd=work)
    assert out.returncode == 0, out.stderr
    return yaml.safe_load(out.stdout)


def test_compose_is_valid_and_wires_the_split_deployment(tmp_path):
    config = compose_config(tmp_path)
    services = config["services"]
    for name in ["gateway", "auth", "users", "images", "folders", "worker", "postgres", "minio", "prometheus", "grafana"]:
        assert name in services, name
    gateway = services["gateway"]["environment"]
    for svc in ["auth", "users", "images", "folders"]:
        assert gateway[f"FOTOBASE_UPSTREAM_{svc.upper()}"] == f"http://{svc}:8080"
        assert services[svc]["command"] == ["serve", "--service", svc]
        assert services[svc]["environment"]["FOTOBASE_DATABASE_URL"].startswith("postgres://")
    assert services["images"]["environment"]["FOTOBASE_WORKERS"] == "0", "jobs run in the worker service"
    assert services["worker"]["command"] == ["worker"]
    # Secrets come from .env, not from the compose file.
    text = (DEPLOY / "docker-compose.yml").read_text()
    assert "change-me" not in text and not re.search(r"PASSWORD:\s*[^$\s]", text)


def k8s_documents():
    docs = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs.append((path.name, doc))
    return docs


def test_kubernetes_manifests_match_the_api_schemas():
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    docs = k8s_documents()
    assert len(docs) >= 15
    for name, doc in docs:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_kubernetes_deployments_have_probes_limits_and_autoscaling():
    docs = k8s_documents()
    kinds = {}
    for _, doc in docs:
        kinds.setdefault(doc["kind"], []).append(doc)
    deployments = {d["metadata"]["name"]: d for d in kinds["Deployment"]}
    assert set(deployments) == {f"fotobase-{c}" for c in ["gateway", "auth", "users", "images", "folders", "worker"]}
    for name, d in deployments.items():
        container = d["spec"]["template"]["spec"]["containers"][0]
        assert container["resources"]["limits"]["memory"], name
        assert {"configMapRef": {"name": "fotobase"}} in container["envFrom"]
        assert {"secretRef": {"name": "fotobase"}} in container["envFrom"]
        if name != "fotobase-worker":
            assert container["livenessProbe"]["httpGet"]["path"] == "/health", name
            assert container["readinessProbe"]["httpGet"]["path"] == "/ready", name
    hpas = {h["spec"]["scaleTargetRef"]["name"] for h in kinds["HorizontalPodAutoscaler"]}
    assert hpas == set(deployments)
    assert kinds["Ingress"][0]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "fotobase-gateway"
    # No real secret values in the repository.
    for _, secret in [(n, d) for n, d in docs if d["kind"] == "Secret"]:
        assert all(v.endswith("REPLACE") or "REPLACE" in v for v in secret["stringData"].values())


def exported_metrics():
    source = (ROOT / "reference-server/src/kit/metrics.rs").read_text()
    return {f"fotobase_{m}" for m in re.findall(r'registry\.register\(\s*"(\w+)"', source)}


def test_grafana_dashboard_queries_metrics_the_server_exports():
    exported = exported_metrics()
    assert "fotobase_http_requests" in exported
    dash = json.loads((DEPLOY / "grafana/dashboards/fotobase.json").read_text())
    exprs = [t["expr"] for p in dash["panels"] for t in p["targets"]]
    assert len(exprs) >= 6
    for expr in exprs:
        for metric in re.findall(r"\bfotobase_\w+", expr):
            base = re.sub(r"_(total|bucket|count|sum)$", "", metric)
            assert base in exported, f"{metric} in {expr!r} is not exported ({sorted(exported)})"


def test_prometheus_scrapes_every_http_service():
    prom = yaml.safe_load((DEPLOY / "prometheus/prometheus.yml").read_text())
    targets = prom["scrape_configs"][0]["static_configs"][0]["targets"]
    assert sorted(targets) == sorted(f"{s}:8080" for s in ["auth", "users", "images", "folders"])


def test_dockerfile_builds_the_server_and_runs_unprivileged():
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"cargo build --release --locked -p fotobase-server", text)
    assert "USER 10001" in text and "HEALTHCHECK" in text
    assert 'ENTRYPOINT ["fotobase"]' in text
    # The web UI is built from its lockfile and served from where FOTOBASE_WEB_DIR points.
    assert "npm ci" in text and "COPY --from=web" in text
    web_dir = re.search(r"FOTOBASE_WEB_DIR=(\S+)", text).group(1)
    assert re.search(rf"COPY --from=web \S+/dist {re.escape(web_dir)}\n", text)
    bin_name = re.search(r'\[\[bin\]\]\s*name = "(\w+)"', (ROOT / "reference-server/Cargo.toml").read_text()).group(1)
    assert bin_name == "fotobase"
