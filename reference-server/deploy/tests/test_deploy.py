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
    assert "healthcheck" not in services["worker"] or not services["worker"]["healthcheck"].get("disable"), \
        "the worker answers /health like every service"
    exporter = services["postgres-exporter"]["environment"]["DATA_SOURCE_NAME"]
    assert exporter.startswith("postgresql://") and "@postgres:5432/" in exporter
    # /metrics answers only the scraper, and only the gateway, the edge, is believed by nobody:
    # it tells the services each caller's address, which they believe from it alone.
    for name in ["gateway", "auth", "users", "images", "folders", "worker"]:
        env = services[name]["environment"]
        assert env["FOTOBASE_METRICS_TOKEN"] == services["prometheus"]["environment"]["FOTOBASE_METRICS_TOKEN"], name
        assert env["FOTOBASE_TRUSTED_PROXIES"] == ("" if name == "gateway" else "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16")
    token_file = re.search(r"> (\S+) &&", services["prometheus"]["command"][0]).group(1)
    prom = yaml.safe_load((DEPLOY / "prometheus/prometheus.yml").read_text())
    scrape = next(c for c in prom["scrape_configs"] if c["job_name"] == "fotobase")
    assert scrape["authorization"] == {"type": "Bearer", "credentials_file": token_file}
    mounts = [v["target"] if isinstance(v, dict) else v.split(":")[1] for v in services["prometheus"]["volumes"]]
    assert "/etc/prometheus/alerts.yml" in mounts
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
        assert container["livenessProbe"]["httpGet"]["path"] == "/health", name
        assert container["readinessProbe"]["httpGet"]["path"] == "/ready", name
    # Every pod (the gateway's behind the public ingress too) keeps /metrics for the scraper, and
    # believes X-Forwarded-For only from the cluster's own network (the ingress, the gateway).
    assert "FOTOBASE_METRICS_TOKEN" in kinds["Secret"][0]["stringData"]
    assert kinds["ConfigMap"][0]["data"]["FOTOBASE_TRUSTED_PROXIES"] == "10.0.0.0/8"
    hpas = {h["spec"]["scaleTargetRef"]["name"] for h in kinds["HorizontalPodAutoscaler"]}
    assert hpas == set(deployments)
    assert kinds["Ingress"][0]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "fotobase-gateway"
    # No real secret values in the repository.
    for _, secret in [(n, d) for n, d in docs if d["kind"] == "Secret"]:
        assert all(v.endswith("REPLACE") or "REPLACE" in v for v in secret["stringData"].values())


def exported_metrics():
    source = (ROOT / "reference-server/src/kit/metrics.rs").read_text()
    return {f"fotobase_{m}" for m in re.findall(r'registry\.register\(\s*"(\w+)"', source)}


def check_exported(expr, exported):
    for metric in re.findall(r"\bfotobase_\w+", expr):
        base = re.sub(r"_(total|bucket|count|sum)$", "", metric)
        assert base in exported, f"{metric} in {expr!r} is not exported ({sorted(exported)})"


# postgres-exporter's series the dashboard reads (its own names, not fotobase's).
POSTGRES_EXPORTER = {"pg_stat_activity_count", "pg_stat_database_xact_commit"}


def test_grafana_dashboard_queries_metrics_the_server_exports():
    exported = exported_metrics()
    assert {"fotobase_http_requests", "fotobase_gateway_requests", "fotobase_database_up"} <= exported
    dash = json.loads((DEPLOY / "grafana/dashboards/fotobase.json").read_text())
    exprs = [t["expr"] for p in dash["panels"] for t in p["targets"]]
    assert len(exprs) >= 12
    for expr in exprs:
        check_exported(expr, exported)
        assert set(re.findall(r"\bpg_\w+", expr)) <= POSTGRES_EXPORTER, expr
    # The queue's counts come from one service: summed over replicas they would count twice.
    assert not any(re.search(r"sum[^(]*\(fotobase_jobs\b", e) for e in exprs)


def test_alert_rules_are_well_formed_and_use_exported_series():
    exported = exported_metrics()
    rules = yaml.safe_load((DEPLOY / "prometheus/alerts.yml").read_text())
    alerts = {r["alert"]: r for g in rules["groups"] for r in g["rules"]}
    # Error rate, queue age, 5xx and database down, as operators asked.
    assert {"FotobaseErrorRateHigh", "FotobaseQueueStuck", "FotobaseServerErrors", "FotobaseDatabaseDown"} <= set(alerts)
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"], name
        assert re.fullmatch(r"\d+[smh]", rule["for"]), name
        assert rule["expr"].count("(") == rule["expr"].count(")"), name
        check_exported(rule["expr"], exported)


def test_prometheus_scrapes_every_process_and_loads_the_alerts():
    prom = yaml.safe_load((DEPLOY / "prometheus/prometheus.yml").read_text())
    jobs = {c["job_name"]: c["static_configs"][0]["targets"] for c in prom["scrape_configs"]}
    processes = ["gateway", "auth", "users", "images", "folders", "worker"]
    assert sorted(jobs["fotobase"]) == sorted(f"{s}:8080" for s in processes)
    assert jobs["postgres"] == ["postgres-exporter:9187"]
    assert prom["rule_files"] == ["alerts.yml"]


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
