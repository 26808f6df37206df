"""``policydesk serve`` behind Debian's nginx running the shipped ``deploy/nginx.conf``.

The public rate limit counts per client, whatever ``X-Forwarded-For`` a client makes up:
clients connect to nginx from their own loopback addresses (127.0.0.2, 127.0.0.3, ...),
nginx appends that address to the header and reaches the app from 127.0.0.1, the one
proxy the app trusts.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.replicas.processes import Process, Server, environment, free_port

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ALLOWANCE = 5  # per client and hour: nothing refills while the test runs
LIMITED = "/api/v1/events"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(NGINX).exists(), reason="nginx is not installed (bash scripts/setup-nginx.sh)"
    ),
]


@dataclass
class Deployment:
    app: str
    proxy: str


def nginx_config(work: Path, app_port: int, proxy_port: int) -> Path:
    """The shipped server block, pointed at the app on loopback, inside a main config
    that keeps every file nginx writes in ``work``."""
    site = (DEPLOY / "nginx.conf").read_text("utf-8")
    site, upstreams = re.subn(r"server api:8000\b", f"server 127.0.0.1:{app_port}", site)
    site, listens = re.subn(r"listen 8080;", f"listen 127.0.0.1:{proxy_port};", site)
    assert upstreams == listens == 1, "deploy/nginx.conf changed shape; update this test"
    (work / "site.conf").write_text(site, "utf-8")
    temp = "\n".join(
        f"    {kind}_temp_path {work / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = work / "nginx.conf"
    main.write_text(
        f"worker_processes 1;\npid {work / 'nginx.pid'};\nerror_log {work / 'nginx.log'};\n"
        f"events {{ worker_connections 64; }}\n"
        f"http {{\n    access_log off;\n{temp}\n    include {work / 'site.conf'};\n}}\n",
        "utf-8",
    )
    return main


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    work = tmp_path_factory.mktemp("behind-nginx")
    env = environment(
        data_dir=str(work / "data"),
        pack="none",
        rate_limit=f"{ALLOWANCE}/hour",
        trusted_proxies="127.0.0.1",
        bot_polling="false",
        worker_in_process="false",
    )
    # What the shipped compose and Kubernetes files used to set: no longer believed.
    env["FORWARDED_ALLOW_IPS"] = "*"
    app = Server.start("app", env, work / "app.log")
    proxy_port = free_port()
    config = nginx_config(work, app.port, proxy_port)
    log = work / "nginx.log"
    with log.open("ab") as out:  # nginx appends its error log to the same file
        proc = subprocess.Popen(
            [NGINX, "-p", str(work), "-c", str(config), "-e", str(log), "-g", "daemon off;"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    nginx = Process("nginx", proc, log)
    try:
        app.poll(lambda: _ok(f"{app.url}/healthz"), timeout=180)
        nginx.poll(lambda: _ok(f"http://127.0.0.1:{proxy_port}/healthz"), timeout=30)
        yield Deployment(app.url, f"http://127.0.0.1:{proxy_port}")
    finally:
        proc.send_signal(signal.SIGQUIT)  # nginx's graceful stop, worker included
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        app.terminate()


def _ok(url: str) -> bool | None:
    return True if httpx.get(url, timeout=5).status_code == 200 else None


def client_from(address: str, base_url: str) -> httpx.Client:
    """A client whose connections leave from ``address`` (any 127.x works on loopback)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(transport=transport, base_url=base_url, timeout=30)


def statuses(client: httpx.Client, count: int, first_fake: int = 1) -> list[int]:
    """``count`` requests, each claiming another address in X-Forwarded-For."""
    codes = []
    for n in range(first_fake, first_fake + count):
        fake = f"198.51.100.{n}, 203.0.113.{n}"
        codes.append(client.get(LIMITED, headers={"X-Forwarded-For": fake}).status_code)
    return codes


def test_made_up_forwarded_addresses_do_not_reset_the_limit(deployment: Deployment) -> None:
    with client_from("127.0.0.2", deployment.proxy) as client:
        assert statuses(client, ALLOWANCE + 3) == [200] * ALLOWANCE + [429] * 3


def test_clients_behind_the_proxy_are_limited_separately(deployment: Deployment) -> None:
    with (
        client_from("127.0.0.3", deployment.proxy) as first,
        client_from("127.0.0.4", deployment.proxy) as second,
    ):
        assert statuses(first, ALLOWANCE) == [200] * ALLOWANCE
        assert statuses(second, ALLOWANCE, first_fake=100) == [200] * ALLOWANCE
        assert statuses(first, 1) == statuses(second, 1) == [429]


def test_a_client_reaching_the_app_directly_is_not_believed(deployment: Deployment) -> None:
    # The app trusts 127.0.0.1 only: 127.0.0.5's headers name neither client nor scheme.
    with client_from("127.0.0.5", deployment.app) as client:
        assert statuses(client, ALLOWANCE + 1) == [200] * ALLOWANCE + [429]
        login = client.get("/admin/", headers={"X-Forwarded-Proto": "https"})
        assert login.headers["location"].startswith("http://")


def test_the_scheme_is_the_one_nginx_saw(deployment: Deployment) -> None:
    # nginx sets X-Forwarded-Proto itself ($scheme, plain HTTP here): a client's claim of
    # https does not reach the app, while the trusted hop's own value is believed.
    with client_from("127.0.0.6", deployment.proxy) as client:
        login = client.get("/admin/", headers={"X-Forwarded-Proto": "https"})
        assert login.status_code == 302
        assert login.headers["location"].startswith("http://")
    with client_from("127.0.0.1", deployment.app) as proxy_itself:
        login = proxy_itself.get("/admin/", headers={"X-Forwarded-Proto": "https"})
        assert login.headers["location"].startswith("https://")
