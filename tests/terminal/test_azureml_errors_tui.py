"""The console when Azure misbehaves, and beside the other platforms: the fake Resource
Manager of tests/fake_azure.py turns against a running mldeck (403 on the workspace, a
wrong client secret, 429 on every request, a rate-limit budget running out), and the
console must say so in its header while it keeps the data it has, keeps the MLflow
backend's rows and keeps answering keys. Also: the Overview with MLflow, SageMaker (moto)
and Azure ML in one context, and the CHANGED/BY cells of an Azure endpoint after a
traffic change made from the console.

Here the fake has no MLflow behind its workspace (its mlFlowTrackingUri is removed), so
the context's backends are exactly the configured ones, and `azure` comes before
`tracking`: an Azure error must not push the MLflow backend out of the header.
"""

import json
import os
import pwd
import re
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import moto_launcher  # noqa: E402
import seed_sagemaker  # noqa: E402
from fake_azure import FakeAzure  # noqa: E402
from servers import run_mldeck  # noqa: E402

COLS, ROWS = 150, 40
REGION = "eu-west-1"
AWS_ENV = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "mldeck-terminal-test-not-a-secret"}


@pytest.fixture
def fake():
    with FakeAzure(page_size=2, lro_polls=2, lro_retry_after=0) as fa:
        del fa.ws["properties"]["mlFlowTrackingUri"]  # no workspace MLflow: see above
        yield fa


def azure_backend(fake):
    return ("      - name: azure\n        type: azureml\n"
            f"        url: {fake.url}\n        authority: {fake.url}\n"
            f"        subscription: {fake.subscription}\n"
            f"        resource_group: {fake.resource_group}\n"
            f"        workspace: {fake.workspace}\n        lro_timeout: 30\n")


def mlflow_backend(url):
    return f"      - name: tracking\n        type: mlflow\n        url: {url}\n"


@pytest.fixture
def deck(mldeck, fake, mlflow_server, tmp_path):
    """start(*args, secret=...) -> Term: mldeck on a context of `azure` then `tracking`."""
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: mixed\ncontexts:\n  - name: mixed\n    backends:\n"
                   + azure_backend(fake) + mlflow_backend(mlflow_server.url))

    class Starter:
        @staticmethod
        def env(secret=None):
            return {"AZURE_TENANT_ID": fake.tenant, "AZURE_CLIENT_ID": fake.client_id,
                    "AZURE_CLIENT_SECRET": secret or fake.client_secret, "PATH": "/usr/bin:/bin"}

        @staticmethod
        def start(*args, secret=None, cols=COLS):
            return mldeck.start("--config", str(cfg), *args, env=Starter.env(secret), cols=cols,
                                rows=ROWS)

        @staticmethod
        def headless(*args):
            return run_mldeck(["--config", cfg, "--state", tmp_path / "state.db", *args],
                              mldeck.env(Starter.env()))

    return Starter


def row_of(screen, name):
    for line in screen.split("\n"):
        if re.search(rf"\b{re.escape(name)}\s+endpoint\b", line):
            return line
    return None


def alias_rows(screen):
    return [ln for ln in screen.split("\n") if re.search(r"@champion\s+\d", ln)]


def alias_keys(screen):
    """Platform, model, alias and version of each champion row: what must stay put (the
    other cells fill in as versions and ages load)."""
    return [tuple(ln.split()[:4]) for ln in alias_rows(screen)]


def header(screen):
    return screen.split("\n")[0]


def open_overview(t, fake):
    t.wait_for("Overview: deployed versions")
    return t.wait_for(lambda s: all(row_of(s, e) for e in fake.endpoints) and alias_rows(s),
                      timeout=30)


def select_row(t, text):
    t.send("/")
    t.type(text)
    t.send("Enter")
    t.wait_for(lambda s: re.search(r"\b1/1\s*$", s.split("\n")[1]))


def assert_still_usable(t, fake, mlflow_rows):
    """Azure's rows (cached) and MLflow's rows stay; another screen opens and closes."""
    screen = t.screen()
    assert all(row_of(screen, e) for e in fake.endpoints), screen
    assert alias_keys(screen) == mlflow_rows, screen
    t.type(":experiments")
    t.send("Enter")
    screen = t.wait_for(re.compile(r"\bchurn-prediction\b.*\btracking\s*$", re.M), timeout=20)
    assert screen.split("\n")[1].lstrip().startswith("Experiments"), screen
    t.send("Escape")
    screen = t.wait_for("Overview: deployed versions")
    assert all(row_of(screen, e) for e in fake.endpoints), screen
    assert alias_keys(screen) == mlflow_rows, screen
    return screen


# --- Azure errors while the console runs -------------------------------------------------------


def test_forbidden_workspace_shows_the_error_and_keeps_the_rows(deck, fake):
    """The service principal loses its role while the console is open: the next refresh is
    answered 403. The header names the error, cleaned of the control characters the reply
    carried; the endpoints already fetched stay (stale), and MLflow's too."""
    t = deck.start("--no-color", cols=190)  # room for the whole message after both backends
    screen = open_overview(t, fake)
    mlflow_rows = alias_keys(screen)
    since = len(fake.log)
    fake.control(forbid="Denied\x1b[2J\x1b]0;pwned\x07\nnow.")
    t.send("C-r")
    full = re.compile(r"azure: cannot [^:]+ of 'azure': HTTP 403 AuthorizationFailed: "
                      r"Denied\?\[2J\?\]0;pwned\? now\. \(request id [0-9a-f]{8}-")
    screen = t.wait_for(lambda s: full.search(header(s)), timeout=30)
    top = header(screen)
    assert re.search(r"azure ✖", top), top
    assert re.search(r"tracking ● ", top), top  # after azure, still on the line
    # ESC and BEL became '?', the newline a space: nothing reached the terminal as a command
    assert "pwned" not in t.pane("#{pane_title}")
    t.wait_for(lambda s: "stale" in (row_of(s, "fraud-scorer") or ""), timeout=20)
    screen = assert_still_usable(t, fake, mlflow_rows)
    assert "AuthorizationFailed" in header(screen)
    # the refusals were the fake's answers to requests that went out after the role went
    assert [r for r in fake.log[since:] if r["path"].startswith(fake.ws_id())]
    assert fake.mutations() == []


def test_wrong_secret_shows_the_aadsts_error_beside_mlflow(deck, fake):
    """Entra ID refuses the secret: the AADSTS code and reason end the header's message
    (after the client id: a wide terminal shows it whole), MLflow's rows stay."""
    t = deck.start(secret="not-the-secret", cols=260)
    t.wait_for("Overview: deployed versions")
    screen = t.wait_for(lambda s: "AADSTS7000215: Invalid client secret" in header(s)
                        and alias_rows(s), timeout=30)
    top = header(screen)
    assert re.search(r"azure ✖ - │ tracking ● ", top), top
    assert re.search(r"│ azure: cannot [^:]+ of 'azure': cannot get an Azure token for client "
                     rf"'{fake.client_id}': HTTP 401 invalid_client: AADSTS7000215", top), top
    assert "not-the-secret" not in screen and fake.client_secret not in screen
    assert not [r for r in fake.log if r["path"].startswith("/subscriptions/")]
    mlflow_rows = alias_keys(screen)
    t.type(":experiments")
    t.send("Enter")
    t.wait_for(re.compile(r"\bchurn-prediction\b.*\btracking\s*$", re.M), timeout=20)
    t.send("Escape")
    screen = t.wait_for("Overview: deployed versions")
    assert alias_keys(screen) == mlflow_rows and "AADSTS7000215" in header(screen)


def test_continuous_throttling_shows_429_and_keeps_the_rows(deck, fake):
    """Every Resource Manager request answers 429 from some point on: the header says the
    backend is throttled (retries exhausted), the cached rows and MLflow's stay."""
    t = deck.start(cols=200)
    screen = open_overview(t, fake)
    mlflow_rows = alias_keys(screen)
    fake.control(throttle={"count": 100000, "retry_after": 1, "match": "/subscriptions/"})
    t.send("C-r")
    screen = t.wait_for(lambda s: "TooManyRequests" in header(s), timeout=60)
    top = header(screen)
    assert re.search(r"azure: cannot [^:]+ of 'azure': throttled by Resource Manager, retry "
                     r"after 1 s: HTTP 429 TooManyRequests", top), top
    assert re.search(r"tracking ● ", top), top
    assert_still_usable(t, fake, mlflow_rows)
    assert fake.mutations() == []


def _attrs_at(escaped_line, text):
    """SGR attributes (bold 1, reverse 7) in force where `text` starts on an escaped line."""
    on = set()
    target = escaped_line.find(text)
    assert target >= 0, f"{text!r} not on the line {escaped_line!r}"
    for m in re.finditer(r"\x1b\[([0-9;]*)m", escaped_line):
        if m.start() > target:
            break
        for p in (m.group(1) or "0").split(";"):
            n = int(p or 0)
            if n == 0:
                on.clear()
            elif n in (1, 7):
                on.add(n)
            elif n == 22:
                on.discard(1)
            elif n == 27:
                on.discard(7)
    return on


def test_low_rate_limit_budget_is_shown_as_a_warning(deck, fake):
    """x-ms-ratelimit-remaining-subscription-reads drops under 100: the header says how many
    calls are left, in the warning role (bold, not the header's reverse, under NO_COLOR)."""
    t = deck.start("--no-color")
    screen = open_overview(t, fake)
    assert "ARM calls left" not in header(screen)  # 11999 left: nothing to say
    fake.control(ratelimit_reads=60)
    t.send("C-r")
    screen = t.wait_for(lambda s: "ARM calls left" in header(s), timeout=30)
    n = int(re.search(r"azure: (\d+) ARM calls left", header(screen)).group(1))
    assert 0 <= n < 60, header(screen)
    with fake.lock:
        assert n >= fake.ratelimit_reads  # what the last reply said, not a guess
    line = t.screen(escapes=True).split("\n")[0]
    assert _attrs_at(line, "ARM calls left") == {1}, repr(line)
    assert 7 in _attrs_at(line, "tracking")  # the header's own role, for contrast
    # the budget recovers: the warning goes with the next replies
    fake.control(ratelimit_reads=5000)
    t.send("C-r")
    t.wait_for(lambda s: "ARM calls left" not in header(s) and "azure ●" in header(s),
               timeout=30)


# --- the Overview's CHANGED and BY after a traffic change --------------------------------------


def test_changed_and_by_after_a_traffic_change(deck, fake):
    t = deck.start(cols=180)  # wide enough for BY beside HEALTH and ALARMS
    screen = open_overview(t, fake)
    # before: the endpoint's own systemData.lastModifiedBy/At (an hour ago)
    assert re.search(r"\s1h ago\s+maria\.", row_of(screen, "fraud-scorer")), row_of(
        screen, "fraud-scorer")
    select_row(t, "fraud-scorer")
    t.send("w")
    t.wait_for("weights of fraud-scorer")
    t.send("C-u")
    t.type("blue=100,green=0")
    t.send("Enter")
    t.wait_for("type the endpoint name to confirm")
    t.type("fraud-scorer")
    t.send("Enter")
    t.wait_for("done: endpoint:fraud-scorer#traffic", timeout=40)
    assert fake.state()["fraud-scorer"]["traffic"] == {"blue": 100}
    who = f"{pwd.getpwuid(os.getuid()).pw_name}@{socket.gethostname()}"
    screen = t.wait_for(lambda s: re.search(r"\s\d+s ago\s", row_of(s, "fraud-scorer") or ""),
                        timeout=20)
    row = row_of(screen, "fraud-scorer")
    m = re.search(r"\s\d+s ago\s+(\S+)", row)
    assert m, screen
    by = m.group(1).rstrip("…")
    # the platform names who wrote: the service principal mldeck signed in as (systemData),
    # or the Activity Log's caller once it is read again
    assert by and any(p.startswith(by) for p in (fake.client_id, fake.caller)), (by, row)
    assert len(by) >= 8, by
    # the other endpoints keep their own times (Esc clears the filter that selected the row)
    t.send("Escape")
    screen = t.wait_for(lambda s: row_of(s, "churn-api"))
    assert re.search(r"\s1h ago\s+maria\.", row_of(screen, "churn-api")), row_of(screen,
                                                                             "churn-api")
    assert re.search(r"\s\d+s ago\s", row_of(screen, "fraud-scorer")), screen
    t.send("q")
    assert t.wait_dead() == 0
    audit = json.loads(deck.headless("get", "audit", "--json").stdout)
    assert [a["who"] for a in audit if a["phase"] == "finished" and a["outcome"] == "ok"] == [who]


# --- three platforms in one context -------------------------------------------------------------


@pytest.fixture(scope="module")
def moto():
    with moto_launcher.MotoServer() as m:
        m.seed = seed_sagemaker.seed(m.url, REGION)
        yield m


def test_overview_with_mlflow_sagemaker_and_azure(mldeck, moto, fake, mlflow_server, tmp_path):
    """One context, three platforms: every seeded SageMaker endpoint, every fake Azure
    endpoint and MLflow's aliases are rows of the Overview, each under its platform."""
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: all\ncontexts:\n  - name: all\n    backends:\n"
                   + mlflow_backend(mlflow_server.url)
                   + "      - name: sagemaker\n        type: sagemaker\n"
                   f"        url: {moto.url}\n        region: {REGION}\n"
                   + azure_backend(fake))
    env = dict(AWS_ENV, AZURE_TENANT_ID=fake.tenant, AZURE_CLIENT_ID=fake.client_id,
               AZURE_CLIENT_SECRET=fake.client_secret, PATH="/usr/bin:/bin")
    t = mldeck.start("--config", str(cfg), "--read-only", env=env, cols=COLS, rows=50)
    sm_names = list(moto.seed["endpoints"])
    screen = t.wait_for(lambda s: all(row_of(s, e) for e in sm_names + list(fake.endpoints))
                        and alias_rows(s), timeout=40)
    top = header(screen)
    assert all(re.search(rf"{b} ● ", top) for b in ("tracking", "sagemaker", "azure")), top
    for name, ep in moto.seed["endpoints"].items():
        row = row_of(screen, name)
        assert row.startswith("sagemaker "), row
        for v in ep["variants"].values():
            if v["weight"] > 0:
                assert v["model"] in row, (v["model"], row)
    for name in fake.endpoints:
        assert row_of(screen, name).startswith("azureml "), row_of(screen, name)
    models = mlflow_server.seed["aliases"]
    rows = alias_rows(screen)
    assert rows and all(r.startswith("mlflow ") for r in rows), screen
    for model, aliases in models.items():
        shown = [r for r in rows if f" {model[:12]}" in r]
        assert shown and re.search(rf"@champion\s+{aliases['champion']}\b", shown[0]), (model,
                                                                                         rows)
    assert not fake.mutations()
