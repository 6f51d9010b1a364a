"""Issue 10 defects 5 and 7 for SageMaker and Azure ML: every call has a reply cap sized to
what it asked for (a ListEndpoints page of 100, one DescribeEndpointConfig, a GetMetricData
of N queries, an ARM page), and the replies the endpoint screens are built from are checked
field by field. A reply over its cap or of the wrong shape is an error naming the cap or the
field, and the endpoints cached by the good run before stay byte for byte. SageMaker runs
against moto_server behind tests/faultproxy.py, Azure ML against tests/fake_azure.py behind
it (one page per list, so no nextLink leaves the proxy)."""

import copy
import re
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "terminal"))
from fake_azure import FakeAzure  # noqa: E402
from faultproxy import Fault, FaultProxy  # noqa: E402
from servers import describe, make_isolated_env, run_mldeck  # noqa: E402
from test_size_caps import peak_rss_mib  # noqa: E402
from tmuxterm import Deck  # noqa: E402

HUGE = 50 * 1024 * 1024


def all_null(obj):
    if isinstance(obj, dict):
        return {k: all_null(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [all_null(v) for v in obj]
    return None


def numbers_to_words(obj):
    if isinstance(obj, dict):
        return {k: numbers_to_words(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [numbers_to_words(v) for v in obj]
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        return f"about {obj}"
    return obj


def snapshot(state, key="endpoints:#0"):
    db = sqlite3.connect(str(state))
    try:
        return db.execute("SELECT body, fetched_ms FROM snapshot WHERE key = ?", (key,)).fetchone()
    finally:
        db.close()


def aws(target):
    return {"method": "POST", "when_header": ("X-Amz-Target", rf"\.{target}$")}


def huge_aws_body(key):
    return ('{"%s": [{"Name": "%s"}]}' % (key, "x" * HUGE)).encode()


# ---- SageMaker --------------------------------------------------------------------------------

@pytest.fixture
def sm(fault_moto, tmp_path):
    """run(): `get endpoints` of the sagemaker backend through the proxy, after a good run
    that cached the endpoints; .before is that snapshot."""
    env = dict(make_isolated_env(tmp_path, **fault_moto.env))
    state = tmp_path / "state.db"
    args = ["--state", str(state), "get", "endpoints", "--backend", "sagemaker"]

    class S:
        pass
    s = S()
    s.env, s.state, s.args, s.proxy = env, state, args, fault_moto.proxy
    s.run = lambda: run_mldeck(args, env, timeout=90)
    good = s.run()
    assert good.returncode == 0 and "churn-prod" in good.stdout, describe(good)
    s.before = snapshot(state)
    assert s.before is not None and b"churn-prod" in bytes(s.before[0])
    return s


def failed_and_kept(s, cp, want, kind):
    assert any(r.fault == kind for r in s.proxy.requests), "the fault was never played"
    assert cp.returncode == 1, describe(cp)
    assert re.search(want, cp.stderr), describe(cp)
    assert "churn-prod" not in cp.stdout, describe(cp)
    assert snapshot(s.state) == s.before, "the failed reply replaced the cached endpoints"


def test_sagemaker_wrong_shapes_fail_naming_the_field(sm):
    cases = [
        (Fault("transform", fn=all_null, **aws("ListEndpoints")),
         r"cannot list endpoints of 'sagemaker' in eu-west-1 \(ListEndpoints\): field "
         r"Endpoints\[0\]\.EndpointName: expected string, got null"),
        (Fault("transform", fn=lambda o: {**o, "Endpoints": "none"}, **aws("ListEndpoints")),
         r"\(ListEndpoints\): field Endpoints: expected array, got string"),
        (Fault("transform", fn=numbers_to_words, **aws("DescribeEndpoint")),
         r"\(DescribeEndpoint\): field ProductionVariants\[0\]\.CurrentWeight: "
         r"expected number, got string"),
    ]
    for fault, want in cases:
        sm.proxy.clear()
        sm.proxy.add(fault)
        failed_and_kept(sm, sm.run(), want, "transform")
    sm.proxy.clear()
    again = sm.run()
    assert again.returncode == 0 and "churn-prod" in again.stdout, describe(again)


@pytest.mark.parametrize("kind", ["replace_body", "chunked_body"])
def test_sagemaker_huge_list_page_fails_at_its_cap(sm, kind, tmp_path):
    _, _, base_rss = peak_rss_mib(sm.args, sm.env, tmp_path)
    sm.before = snapshot(sm.state)  # the run above cached the endpoints again
    sm.proxy.add(Fault(kind, body=huge_aws_body("Endpoints"), **aws("ListEndpoints")))
    rc, err, rss = peak_rss_mib(sm.args, sm.env, tmp_path)
    assert rc == 1, err
    assert re.search(r"\(ListEndpoints\): reply larger than 464 KiB cap for ListEndpoints "
                     r"\(page of 100\)", err), err
    assert rss < base_rss + 16, f"peak RSS {rss:.0f} MiB (a good run: {base_rss:.0f} MiB)"
    assert snapshot(sm.state) == sm.before
    print(f"{kind}: peak RSS {rss:.1f} MiB (good run {base_rss:.1f} MiB)")


def test_sagemaker_huge_config_is_cut_at_its_cap(sm, tmp_path):
    """A config is a describe the list can do without (as when DescribeEndpointConfig is
    denied): the endpoints still list, from their own describes, and the log names the cap."""
    log = tmp_path / "mldeck.log"
    _, _, base_rss = peak_rss_mib(sm.args, sm.env, tmp_path)
    sm.proxy.add(Fault("chunked_body", body=huge_aws_body("ProductionVariants"),
                       **aws("DescribeEndpointConfig")))
    rc, err, rss = peak_rss_mib(["--log", log, "-v"] + sm.args, sm.env, tmp_path)
    assert any(r.fault == "chunked_body" for r in sm.proxy.requests)
    assert rc == 0, err
    assert re.search(r"\(DescribeEndpointConfig '[^']+'\): reply larger than 1\.0 MiB cap for "
                     r"DescribeEndpointConfig", log.read_text()), log.read_text()[-2000:]
    assert rss < base_rss + 16, f"peak RSS {rss:.0f} MiB (a good run: {base_rss:.0f} MiB)"


def test_sagemaker_page_with_more_endpoints_than_asked_is_refused(sm):
    def flood(obj):
        src = obj["Endpoints"]
        out = []
        for i in range(150):
            e = copy.deepcopy(src[i % len(src)])
            e["EndpointName"] = f"flood-{i}"
            out.append(e)
        return {"Endpoints": out}
    sm.proxy.add(Fault("transform", fn=flood, **aws("ListEndpoints")))
    failed_and_kept(sm, sm.run(), r"\(ListEndpoints\): reply holds 150 records for a page of 100",
                    "transform")


def sagemaker_console(fault_moto, tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("current_context: sm\ncontexts:\n  - name: sm\n    backends:\n"
                   "      - name: sagemaker\n        type: sagemaker\n"
                   f"        url: {fault_moto.url}\n        region: eu-west-1\n")
    d = Deck(tmp_path, "http://127.0.0.1:9")
    return d, d.start("--config", str(cfg), env=fault_moto.env, cols=200, rows=40)


def test_console_names_a_huge_get_metric_data_and_keeps_the_endpoints(fault_moto, tmp_path):
    fault_moto.proxy.add(Fault("chunked_body", body=huge_aws_body("MetricDataResults"),
                               **aws("GetMetricData")))
    d, t = sagemaker_console(fault_moto, tmp_path)
    try:
        t.wait_for("Overview: deployed versions")
        want = re.compile(r"sagemaker: cannot get health of endpoint .*reply larger than "
                          r"[0-9.]+ [KM]iB cap for GetMetricData \(page of \d+\)")
        screen = t.wait_for(lambda s: want.search(s.split("\n")[0]), timeout=40)
        for name in ("churn-prod", "fraud-live", "reco-batch"):
            assert name in screen, screen
        assert any(r.fault == "chunked_body" for r in fault_moto.proxy.requests)
    finally:
        d.close()


def test_console_names_a_wrong_shape_list_and_keeps_the_endpoints(fault_moto, tmp_path):
    d, t = sagemaker_console(fault_moto, tmp_path)
    try:
        t.wait_for("Overview: deployed versions")
        t.wait_for("churn-prod", timeout=30)
        fault_moto.proxy.add(Fault("transform", fn=all_null, **aws("ListEndpoints")))
        t.send("C-r")
        want = re.compile(r"sagemaker: .*field Endpoints\[0\]\.EndpointName: expected string")
        screen = t.wait_for(lambda s: want.search(s.split("\n")[0]), timeout=30)
        for name in ("churn-prod", "fraud-live", "reco-batch"):
            assert name in screen, screen
    finally:
        d.close()


# ---- Azure ML ---------------------------------------------------------------------------------

ENDPOINTS = r"/onlineEndpoints\?"
DEPLOYMENTS = r"/deployments\?"


@pytest.fixture
def az(tmp_path):
    """`get endpoints` of an azureml backend on fake_azure through the proxy, after a good
    run that cached the endpoints."""
    with FakeAzure(page_size=100) as fa:
        # no workspace MLflow: its URL names the fake itself, past the proxy
        del fa.ws["properties"]["mlFlowTrackingUri"]
        fp = FaultProxy(fa.url).start()
        try:
            cfg = tmp_path / "config.yaml"
            cfg.write_text(
                "current_context: az\ncontexts:\n  - name: az\n    backends:\n"
                "      - name: azure\n        type: azureml\n"
                f"        url: {fp.url}\n        authority: {fp.url}\n"
                f"        subscription: {fa.subscription}\n"
                f"        resource_group: {fa.resource_group}\n"
                f"        workspace: {fa.workspace}\n")
            env = make_isolated_env(tmp_path / "env", AZURE_TENANT_ID=fa.tenant,
                                    AZURE_CLIENT_ID=fa.client_id,
                                    AZURE_CLIENT_SECRET=fa.client_secret)

            class A:
                pass
            a = A()
            a.state = tmp_path / "state.db"
            a.args = ["--config", str(cfg), "--state", str(a.state), "get", "endpoints",
                      "--backend", "azure"]
            a.env, a.proxy, a.cfg = env, fp, cfg
            a.secrets = {"AZURE_TENANT_ID": fa.tenant, "AZURE_CLIENT_ID": fa.client_id,
                         "AZURE_CLIENT_SECRET": fa.client_secret}
            a.run = lambda: run_mldeck(a.args, env, timeout=90)
            good = a.run()
            assert good.returncode == 0 and "fraud-scorer" in good.stdout, describe(good)
            a.before = snapshot(a.state)
            assert a.before is not None and b"fraud-scorer" in bytes(a.before[0])
            yield a
        finally:
            fp.stop()


def az_failed_and_kept(a, cp, want, kind):
    assert any(r.fault == kind for r in a.proxy.requests), "the fault was never played"
    assert cp.returncode == 1, describe(cp)
    assert re.search(want, cp.stderr), describe(cp)
    assert "fraud-scorer" not in cp.stdout, describe(cp)
    assert snapshot(a.state) == a.before, "the failed reply replaced the cached endpoints"


def test_azureml_wrong_shapes_fail_naming_the_field(az):
    cases = [
        (Fault("transform", path=ENDPOINTS, fn=all_null),
         r"cannot list endpoints of 'azure': field value\[0\]\.name: expected string, got null"),
        (Fault("transform", path=ENDPOINTS, fn=numbers_to_words),
         r"cannot list endpoints of 'azure': field value\[0\]\.properties\.traffic\.\w+: "
         r"expected number, got string"),
        (Fault("transform", path=DEPLOYMENTS, fn=numbers_to_words),
         r"cannot list endpoints of 'azure': field value\[0\]\.sku\.capacity: expected "
         r"integer, got string"),
    ]
    for fault, want in cases:
        az.proxy.clear()
        az.proxy.add(fault)
        az_failed_and_kept(az, az.run(), want, "transform")
    az.proxy.clear()
    again = az.run()
    assert again.returncode == 0 and "fraud-scorer" in again.stdout, describe(again)


def test_azureml_huge_page_fails_at_its_cap(az, tmp_path):
    az.proxy.add(Fault("chunked_body", path=ENDPOINTS,
                       body=('{"value": [{"name": "%s"}]}' % ("x" * HUGE)).encode()))
    rc, err, rss = peak_rss_mib(az.args, az.env, tmp_path)
    assert any(r.fault == "chunked_body" for r in az.proxy.requests)
    assert rc == 1, err
    assert re.search(r"cannot list endpoints of 'azure': reply larger than 4\.2 MiB cap for "
                     r"an onlineEndpoints page \(up to 500\)", err), err
    assert rss < 64, f"peak RSS {rss:.0f} MiB"
    assert snapshot(az.state) == az.before


def test_console_names_a_wrong_shape_azure_page_and_keeps_the_endpoints(az, tmp_path):
    d = Deck(tmp_path, "http://127.0.0.1:9")
    try:
        t = d.start("--config", str(az.cfg), env=az.secrets, cols=200, rows=40)
        t.wait_for("Overview: deployed versions")
        t.wait_for("fraud-scorer", timeout=30)
        az.proxy.add(Fault("transform", path=ENDPOINTS, fn=all_null))
        t.send("C-r")
        want = re.compile(r"azure: .*field value\[0\]\.name: expected string, got null")
        screen = t.wait_for(lambda s: want.search(s.split("\n")[0]), timeout=30)
        assert "fraud-scorer" in screen and "churn-api" in screen, screen
        assert any(r.fault == "transform" for r in az.proxy.requests)
    finally:
        d.close()
