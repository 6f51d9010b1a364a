"""The fault proxy itself does what the fault tests rely on, against the real mlflow server:
it forwards untouched, answers a fault instead, and lets a write land before a gateway error."""

import json
import socket
import urllib.error
import urllib.request

from faultproxy import Fault

_OPEN = urllib.request.build_opener(urllib.request.ProxyHandler({})).open


def _get(url, timeout=10):
    try:
        with _OPEN(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_forwards_untouched(fault_mlflow):
    code, body = _get(fault_mlflow.url + "/api/2.0/mlflow/experiments/search?max_results=5")
    assert code == 200 and "experiments" in json.loads(body)
    assert fault_mlflow.proxy.hits("GET", "experiments/search")[-1].fault == ""


def test_status_fault_answers_instead(fault_mlflow):
    fault_mlflow.proxy.add(Fault("status", path="experiments/search", code=500,
                                 body="<html><title>500 oops</title></html>", times=1))
    code, body = _get(fault_mlflow.url + "/api/2.0/mlflow/experiments/search?max_results=5")
    assert code == 500 and b"oops" in body
    code, _ = _get(fault_mlflow.url + "/api/2.0/mlflow/experiments/search?max_results=5")
    assert code == 200  # times=1


def test_write_lands_before_the_gateway_error(fault_mlflow):
    fault_mlflow.proxy.add(Fault("forward_then_status", method="POST",
                                 path="experiments/create", code=504))
    req = urllib.request.Request(fault_mlflow.url + "/api/2.0/mlflow/experiments/create",
                                 data=json.dumps({"name": "fault-proxy-probe"}).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    try:
        _OPEN(req, timeout=10)
        code = 200
    except urllib.error.HTTPError as e:
        code = e.code
    assert code == 504
    code, body = _get(fault_mlflow.direct
                      + "/api/2.0/mlflow/experiments/get-by-name?experiment_name=fault-proxy-probe")
    assert code == 200, body  # it landed upstream


def test_reset_closes_with_an_error(fault_mlflow):
    fault_mlflow.proxy.add(Fault("reset", path="experiments/search"))
    host, port = fault_mlflow.url.rsplit(":", 1)
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=5)
    s.sendall(b"GET /api/2.0/mlflow/experiments/search HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        data = s.recv(100)
    except ConnectionResetError:
        data = None
    s.close()
    assert not data  # reset (None) or closed (b"") before any reply
