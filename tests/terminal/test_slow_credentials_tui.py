"""The console while a credential is being fetched by a slow child process.

DESIGN.md: "a key is answered on the next frame even when every backend hangs". The
credential sources that run programs (the Azure CLI's `az account get-access-token`, an
AWS profile's credential_process) may take many seconds; mldeck runs them beside its
event loop (core/net/proc.c), so keys must be answered throughout and the data must show
once the credential arrives.

  (a) Azure ML against the fake Resource Manager of tests/fake_azure.py, with no client
      secret in the environment and a fake `az` on PATH that takes 25 s to print a token
      the fake minted;
  (b) SageMaker against moto, through a profile whose credential_process sleeps 25 s, then
      prints keys;
  (c) `:ctx` into (b)'s context: the switch is on screen at once, not after the helper.

Each check sends a key and measures until the screen shows its effect: `?` opens the
help, Esc closes it, `:` opens the command line, Esc closes it. KEY_DEADLINE_S is the
most any of them may take (one frame plus tmux's own send/capture round trips).
"""

import json
import re
import sys
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))
import moto_launcher  # noqa: E402
import seed_sagemaker  # noqa: E402
from fake_azure import FakeAzure  # noqa: E402

COLS, ROWS = 150, 40
REGION = "eu-west-1"
SLOW_S = 25
KEY_DEADLINE_S = 1.0
HELP = "Help: keys and commands"


def row_of(screen, name):
    for line in screen.split("\n"):
        if re.search(rf"\b{re.escape(name)}\s+endpoint\b", line):
            return line
    return None


def status_line(screen):
    return screen.split("\n")[ROWS - 2]


def timed(t, keys, until):
    """Send keys (tmux names), then poll the screen until `until(screen)`; the seconds
    that took. Fails past KEY_DEADLINE_S with the screen."""
    t0 = time.monotonic()
    t.tmux("send-keys", "-t", t.target, *keys)
    while True:
        screen = t.screen()
        took = time.monotonic() - t0
        if until(screen):
            return took
        assert took < KEY_DEADLINE_S, f"{keys} not answered within {KEY_DEADLINE_S}s:\n{screen}"
        time.sleep(0.01)


def keys_answered_until(t, deadline, still_waiting):
    """Cycle ? Esc : Esc until `deadline` (monotonic), checking before each round that the
    credential has not arrived yet (`still_waiting(screen)`). Returns the latencies."""
    lat = []
    rounds = 0
    while time.monotonic() < deadline:
        assert still_waiting(t.screen()), "the credential arrived before the helper finished"
        lat.append(timed(t, ["?"], lambda s: HELP in s))
        lat.append(timed(t, ["Escape"], lambda s: HELP not in s))
        lat.append(timed(t, [":"], lambda s: status_line(s).startswith(":")))
        lat.append(timed(t, ["Escape"], lambda s: not status_line(s).startswith(":")))
        rounds += 1
        time.sleep(0.2)
    assert rounds >= 10, rounds
    return lat


def report(name, lat):
    lat = sorted(lat)
    print(f"\n{name}: {len(lat)} keys, median {1000 * lat[len(lat) // 2]:.0f} ms, "
          f"worst {1000 * lat[-1]:.0f} ms")


def wait_started(runs):
    """Wait for the helper's first line in `runs`; when it started (monotonic)."""
    t0 = time.monotonic()
    while not runs.exists() and time.monotonic() < t0 + 5:
        time.sleep(0.05)
    assert runs.exists(), f"{runs.name}: the helper was not run"
    return time.monotonic()


def write_helper(path, body):
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o700)
    return path


# --- (a) the Azure CLI -----------------------------------------------------------------------


@pytest.fixture
def fake():
    with FakeAzure(page_size=2, lro_polls=2, lro_retry_after=0) as fa:
        yield fa


def test_keys_answered_while_az_fetches_a_token(mldeck, fake, tmp_path):
    token = fake.mint(lifetime=3600)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    calls = tmp_path / "az-calls"
    reply = json.dumps({"accessToken": token, "expires_on": int(time.time()) + 3600,
                        "tokenType": "Bearer"})
    write_helper(bindir / "az", f"echo \"$@\" >> '{calls}'\nsleep {SLOW_S}\necho '{reply}'\n")
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: az\ncontexts:\n  - name: az\n    backends:\n"
                   "      - name: azure\n        type: azureml\n"
                   f"        url: {fake.url}\n        authority: {fake.url}\n"
                   f"        subscription: {fake.subscription}\n"
                   f"        resource_group: {fake.resource_group}\n"
                   f"        workspace: {fake.workspace}\n")
    # no AZURE_CLIENT_SECRET: the Azure CLI is the first source configured
    env = {"AZURE_TENANT_ID": fake.tenant, "PATH": f"{bindir}:/usr/bin:/bin",
           "AZURE_CLIENT_ID": None, "AZURE_CLIENT_SECRET": None}
    t = mldeck.start("--config", str(cfg), "--read-only", env=env, cols=COLS, rows=ROWS)
    t.wait_for("Overview: deployed versions")
    started = wait_started(calls)
    endpoints = list(fake.endpoints)
    lat = keys_answered_until(t, started + SLOW_S - 2,
                              lambda s: not any(row_of(s, e) for e in endpoints))
    report("keys while az runs", lat)
    # the token does arrive, and the workspace's data shows
    screen = t.wait_for(lambda s: all(row_of(s, e) for e in endpoints), timeout=SLOW_S + 15)
    assert time.monotonic() - started >= SLOW_S - 1
    assert row_of(screen, endpoints[0]).startswith("azureml "), screen
    args = calls.read_text().split("\n")[0]
    assert args.startswith("account get-access-token --resource https://management.azure.com"
                           " -o json --tenant "), args
    assert len(calls.read_text().strip().split("\n")) == 1  # one run for every waiting request
    assert fake.token_requests == 0  # the CLI's token, not a client secret's
    arm = [r for r in fake.log if r["path"].startswith("/subscriptions/")]
    assert arm, "no request reached the fake Resource Manager"


# --- (b) AWS credential_process ----------------------------------------------------------------


@pytest.fixture(scope="module")
def moto():
    with moto_launcher.MotoServer() as m:
        m.seed = seed_sagemaker.seed(m.url, REGION)
        yield m


def slow_profile(tmp_path):
    """An AWS config whose profile 'slow' runs a helper that sleeps SLOW_S, then prints keys;
    the helper appends a line to `runs` each time it starts."""
    runs = tmp_path / "helper-runs"
    keys = json.dumps({"Version": 1, "AccessKeyId": "ASIASLOWHELPER",
                       "SecretAccessKey": "slow-helper-not-a-secret",
                       "SessionToken": "slow-helper-token", "Expiration": "2099-01-01T00:00:00Z"})
    helper = write_helper(tmp_path / "helper.sh",
                          f"echo started >> '{runs}'\nsleep {SLOW_S}\necho '{keys}'\n")
    conf = tmp_path / "aws-config"
    conf.write_text(f"[profile slow]\nregion = {REGION}\ncredential_process = {helper}\n")
    env = {"AWS_CONFIG_FILE": str(conf), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
           "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None,
           "AWS_SESSION_TOKEN": None, "AWS_PROFILE": None}
    return env, runs


def sagemaker_context(name, moto):
    return (f"  - name: {name}\n    backends:\n"
            "      - name: sagemaker\n        type: sagemaker\n"
            f"        url: {moto.url}\n        region: {REGION}\n        profile: slow\n")


def test_keys_answered_while_credential_process_runs(mldeck, moto, tmp_path):
    env, runs = slow_profile(tmp_path)
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: aws\ncontexts:\n" + sagemaker_context("aws", moto))
    t = mldeck.start("--config", str(cfg), "--read-only", env=env, cols=COLS, rows=ROWS)
    t.wait_for("Overview: deployed versions", timeout=5)
    started = wait_started(runs)
    endpoints = list(moto.seed["endpoints"])
    lat = keys_answered_until(t, started + SLOW_S - 2,
                              lambda s: not any(row_of(s, e) for e in endpoints))
    report("keys while credential_process runs", lat)
    screen = t.wait_for(lambda s: all(row_of(s, e) for e in endpoints), timeout=SLOW_S + 15)
    assert time.monotonic() - started >= SLOW_S - 1
    assert row_of(screen, endpoints[0]).startswith("sagemaker "), screen
    assert runs.read_text().count("started") == 1  # every call waited for the one run


# --- (c) :ctx ------------------------------------------------------------------------------------


def test_ctx_switch_does_not_wait_for_credential_process(mldeck, moto, tmp_path):
    env, runs = slow_profile(tmp_path)
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: local\ncontexts:\n"
                   "  - name: local\n    backends:\n"
                   f"      - name: tracking\n        type: mlflow\n        url: {mldeck.url}\n"
                   + sagemaker_context("aws", moto))
    t = mldeck.start("--config", str(cfg), "--read-only", env=env, cols=COLS, rows=ROWS)
    t.wait_for("Overview: deployed versions")
    t.type(":ctx aws")
    took = timed(t, ["Enter"], lambda s: "context 'aws'" in status_line(s)
                 and re.search(r"mldeck │ aws │", s))
    started = wait_started(runs)
    print(f"\n:ctx aws on screen in {1000 * took:.0f} ms")
    endpoints = list(moto.seed["endpoints"])
    lat = keys_answered_until(t, started + 8, lambda s: not any(row_of(s, e) for e in endpoints))
    report("keys after :ctx while credential_process runs", lat)
    t.wait_for(lambda s: all(row_of(s, e) for e in endpoints), timeout=SLOW_S + 15)
