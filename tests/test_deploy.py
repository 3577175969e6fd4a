"""The example production layout (deploy/, README "Several instances") works as written:
the systemd unit is valid, its environment files start a cluster instance that passes
`bot.run --check`, and the reverse proxy forwards exactly the public routes to the
instances the files define."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from bot.settings import ROOT, Settings

DEPLOY = ROOT / "deploy"


def env_file(name: str) -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def instance_env(n: int) -> dict[str, str]:
    return {**env_file("assistant.env"), **env_file(f"instance-{n}.env")}


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze")
def test_the_unit_is_valid_systemd(tmp_path) -> None:
    unit = (DEPLOY / "systemd" / "assistant@.service").read_text()
    assert "ExecStart=/opt/assistant/.venv/bin/python -m bot.run" in unit
    # the same unit where this checkout is installed, as root (no `assistant` user here)
    unit = unit.replace("/opt/assistant", str(ROOT)).replace("/etc/assistant", str(tmp_path))
    unit = unit.replace("User=assistant", "User=root")
    (tmp_path / "assistant@.service").write_text(unit)
    for name in ("assistant.env", "instance-1.env", "instance-2.env"):
        shutil.copy(DEPLOY / "systemd" / name, tmp_path / name)
    done = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / "assistant@1.service")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_the_example_environment_is_a_valid_cluster() -> None:
    for n in (1, 2):
        settings = Settings.from_env(instance_env(n))
        assert settings.deployment == "cluster"
        assert settings.endpoints_file.name == "endpoints.cluster.yml"
    done = subprocess.run(
        [sys.executable, "-m", "bot.run", "--check"],
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **instance_env(1)},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "channels: rest, line, telegram" in done.stdout


def test_the_proxy_forwards_only_the_public_routes_to_every_instance() -> None:
    conf = (DEPLOY / "nginx" / "assistant.conf").read_text()
    upstream = re.findall(r"server 127\.0\.0\.1:(\d+)", conf)
    assert upstream == [instance_env(n)["PORT"] for n in (1, 2)]
    routes = re.findall(r"location (=|\^~) (\S+)", conf)
    assert [path for _, path in routes] == [
        "/webhooks/line/webhook",
        "/webhooks/telegram/webhook",
        "/webhooks/line/media/",
    ]
    assert "location / { return 404; }" in conf
    directives = "\n".join(line for line in conf.splitlines() if not line.lstrip().startswith("#"))
    assert "/ready" not in directives and "/metrics" not in directives
