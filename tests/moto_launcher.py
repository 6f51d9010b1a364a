"""moto_server for mldeck's SageMaker tests, with the calls moto lacks patched in.

TEST-ONLY. moto 5.2.5 has no UpdateEndpoint, no CloudTrail LookupEvents, no CloudWatch
DescribeAlarmHistory (each patched in below) and and none of the monitoring-schedule
calls (ListMonitoringSchedules, ListMonitoringExecutions, DescribeMonitoringSchedule):
they answer HTTP 500 with an HTML page. This launcher attaches them to moto's
SageMaker response class before the server starts (moto's dispatcher looks
methods up by name on every call), and wraps every action so the server writes a
request log. It relies on moto internals and checks each of them first: if one
is not where it expects, it exits with an error naming it (it never runs a
silently half-patched server).

Run as the server process:

    python tests/moto_launcher.py --port N [--request-log FILE] [--monitoring-fixture F]

    INITIAL_NO_AUTH_ACTION_COUNT=N in the environment turns moto's signature
    checking on after N unauthenticated actions (see reference/sagemaker.md 1.3).

Use from tests:

    with MotoServer(request_log=True) as moto:      # free port on 127.0.0.1
        moto.url                                      # http://127.0.0.1:PORT
        moto.requests()   # [{"service", "action", "mutates", "status", "signed_headers"}, ...]
        moto.mutations()  # the entries with mutates == True
        moto.reset()      # POST /moto-api/reset: all state and the log

Request log: one JSON object per line, written when the action returns:
{"service": "sagemaker", "action": "DescribeEndpoint", "mutates": false,
 "status": 200, "signed_headers": "content-type;host;..."} - no header values,
no keys, no bodies. "mutates" is false for List*, Describe*, Get*, Search*,
BatchGet* (the same rule as mldeck's read-only guard), true otherwise.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
READ_PREFIXES = ("List", "Describe", "Get", "Search", "BatchGet")
READ_ACTIONS = ("LookupEvents", "FilterLogEvents")  # reads without a read verb (http_guard.c)
START_DEADLINE_S = 60.0

_URLOPEN = urllib.request.build_opener(urllib.request.ProxyHandler({})).open


class PatchError(RuntimeError):
    """moto's internals are not where this launcher expects them."""


def _need(obj, attr, what):
    if not hasattr(obj, attr):
        raise PatchError(f"moto internals changed: {what} has no '{attr}' "
                         f"(moto {_moto_version()}); update tests/moto_launcher.py")
    return getattr(obj, attr)


def _moto_version():
    try:
        import moto
        return getattr(moto, "__version__", "?")
    except Exception:  # noqa: BLE001
        return "?"


# reads whose names start with no read verb (as in core/net/http_guard.c)
READ_ACTIONS = ("LookupEvents", "FilterLogEvents")


def mutates(action):
    return not str(action).startswith(READ_PREFIXES) and str(action) not in READ_ACTIONS


# --- the patches ---------------------------------------------------------------------------------

def _patch_sagemaker(monitoring_fixture):
    from moto.core import responses as core_responses
    from moto.core import utils as core_utils
    from moto.sagemaker import exceptions as sm_exc
    from moto.sagemaker import models as sm_models
    from moto.sagemaker import responses as sm_responses

    Response = _need(sm_responses, "SageMakerResponse", "moto.sagemaker.responses")
    ActionResult = _need(core_responses, "ActionResult", "moto.core.responses")
    ValidationError = _need(sm_exc, "ValidationError", "moto.sagemaker.exceptions")
    FakeEndpoint = _need(sm_models, "FakeEndpoint", "moto.sagemaker.models")
    Backend = _need(sm_models, "SageMakerModelBackend", "moto.sagemaker.models")
    utcnow = _need(core_utils, "utcnow", "moto.core.utils")
    _need(core_utils, "method_names_from_class", "moto.core.utils")
    _need(Response, "sagemaker_backend", "SageMakerResponse")
    _need(Response, "_get_param", "SageMakerResponse")
    _need(FakeEndpoint, "_process_production_variants", "FakeEndpoint")
    _need(FakeEndpoint, "arn_formatter", "FakeEndpoint")
    _need(Backend, "describe_endpoint_config", "SageMakerModelBackend")
    # instance attributes: checked on a throwaway object
    probe = Backend.__new__(Backend)
    try:
        Backend.__init__(probe, "eu-west-1", "123456789012")
    except Exception as e:  # noqa: BLE001
        raise PatchError(f"moto internals changed: SageMakerModelBackend() failed: {e}")
    for attr in ("endpoints", "endpoint_configs"):
        if not isinstance(getattr(probe, attr, None), dict):
            raise PatchError(f"moto internals changed: SageMakerModelBackend.{attr} is not a dict")
    ep_attrs = ("endpoint_name", "endpoint_config_name", "production_variants",
                "data_capture_config", "last_modified_time", "endpoint_status", "arn")
    src = FakeEndpoint.__init__.__code__.co_names
    for attr in ep_attrs:
        if attr not in src:
            raise PatchError(f"moto internals changed: FakeEndpoint no longer sets '{attr}'")

    def update_endpoint(self):
        name = self._get_param("EndpointName")
        cfg_name = self._get_param("EndpointConfigName")
        retain = bool(self._get_param("RetainAllVariantProperties"))
        backend = self.sagemaker_backend
        endpoint = backend.endpoints.get(name)
        if endpoint is None:
            arn = FakeEndpoint.arn_formatter(name, backend.account_id, backend.region_name)
            raise ValidationError(message=f"Could not find endpoint '{arn}'.")
        config = backend.describe_endpoint_config(cfg_name)  # ValidationError when missing
        old = {v["VariantName"]: v for v in endpoint.production_variants}
        variants = endpoint._process_production_variants(config["ProductionVariants"])
        if retain:
            for v in variants:
                prev = old.get(v["VariantName"])
                for k in ("CurrentWeight", "DesiredWeight", "CurrentInstanceCount",
                          "DesiredInstanceCount"):
                    if prev is not None and k in prev:
                        v[k] = prev[k]
        endpoint.production_variants = variants
        endpoint.endpoint_config_name = cfg_name
        endpoint.data_capture_config = config.get("DataCaptureConfig")
        endpoint.endpoint_status = "InService"
        endpoint.last_modified_time = utcnow()
        return ActionResult({"EndpointArn": endpoint.arn})

    def _monitoring():
        if not monitoring_fixture:
            return {}
        with open(monitoring_fixture, encoding="utf-8") as f:
            return json.load(f)

    def list_monitoring_schedules(self):
        endpoint = self._get_param("EndpointName")
        items = [s for s in _monitoring().get("MonitoringScheduleSummaries", [])
                 if not endpoint or s.get("EndpointName") == endpoint]
        return ActionResult({"MonitoringScheduleSummaries": items})

    def list_monitoring_executions(self):
        schedule = self._get_param("MonitoringScheduleName")
        endpoint = self._get_param("EndpointName")
        items = [e for e in _monitoring().get("MonitoringExecutionSummaries", [])
                 if (not schedule or e.get("MonitoringScheduleName") == schedule)
                 and (not endpoint or e.get("EndpointName") == endpoint)]
        return ActionResult({"MonitoringExecutionSummaries": items})

    def describe_monitoring_schedule(self):
        name = self._get_param("MonitoringScheduleName")
        for s in _monitoring().get("MonitoringSchedules", []):
            if s.get("MonitoringScheduleName") == name:
                return ActionResult(s)
        raise ValidationError(message=f"Could not find monitoring schedule '{name}'.")

    patches = {
        "update_endpoint": update_endpoint,
        "list_monitoring_schedules": list_monitoring_schedules,
        "list_monitoring_executions": list_monitoring_executions,
        "describe_monitoring_schedule": describe_monitoring_schedule,
    }
    for name, fn in patches.items():
        if name in Response.__dict__:
            print(f"moto_launcher: moto {_moto_version()} implements {name} itself; "
                  f"keeping moto's", file=sys.stderr)
            continue
        setattr(Response, name, fn)
    names = core_utils.method_names_from_class(Response)
    for name in patches:
        if name not in names:
            raise PatchError(f"moto's dispatcher would not find SageMakerResponse.{name}")


# What SageMaker calls CloudTrail records (the ones mldeck shows as changes), and the
# request member that names the resource each acts on.
TRAILED = {
    "CreateEndpoint": "EndpointName",
    "UpdateEndpoint": "EndpointName",
    "UpdateEndpointWeightsAndCapacities": "EndpointName",
    "DeleteEndpoint": "EndpointName",
    "UpdateModelPackage": "ModelPackageArn",
}


def _patch_cloudtrail(events_file):
    """CloudTrail LookupEvents, which moto lacks, over two sources of events:
    - every successful SageMaker call of TRAILED made to this server, recorded as CloudTrail
      records it (userIdentity from the request's access key: an IAMUser whose userName is
      MOTO_CLOUDTRAIL_USERS[key] when that JSON map names the key, else the key id itself);
    - the events a test writes to `events_file` (a JSON list of LookupEvents Event objects,
      re-read on every call), so a test can play any history, assumed roles included; a JSON
      object {"error": CODE, "message": TEXT} there makes every lookup fail with HTTP 400.
    Filters by one LookupAttribute (ResourceName, EventName, Username, EventId), StartTime and
    EndTime (epoch seconds), newest first, MaxResults (default 50, max 50) with NextToken."""
    from moto.cloudtrail import responses as ct_responses
    from moto.core import responses as core_responses
    from moto.core import utils as core_utils

    Response = _need(ct_responses, "CloudTrailResponse", "moto.cloudtrail.responses")
    Base = _need(core_responses, "BaseResponse", "moto.core.responses")
    call_action = _need(Base, "call_action", "BaseResponse")
    _need(Base, "_get_action", "BaseResponse")
    _need(Response, "_get_param", "CloudTrailResponse")
    recorded = []
    lock = threading.Lock()
    users = json.loads(os.environ.get("MOTO_CLOUDTRAIL_USERS") or "{}")

    def _identity(headers):
        auth = (headers.get("Authorization") or "") if headers is not None else ""
        key = auth.partition("Credential=")[2].partition("/")[0] or "ANONYMOUS"
        name = users.get(key, key)
        return {"type": "IAMUser", "principalId": f"AIDA{abs(hash(name)) % 10**12:012d}",
                "arn": f"arn:aws:iam::123456789012:user/{name}", "accountId": "123456789012",
                "accessKeyId": key, "userName": name}

    def trailed_call_action(self):
        result = call_action(self)
        try:
            action = self._get_action()
            status = result[0] if isinstance(result, tuple) and result else 200
            if getattr(self, "service_name", None) == "sagemaker" and action in TRAILED and \
                    int(status) < 300:
                params = json.loads(self.body) if self.body else {}
                name = params.get(TRAILED[action], "")
                if action == "UpdateModelPackage":
                    name = name.rsplit("/", 1)[-1] if name else name
                ident = _identity(self.headers)
                now = time.time()
                eid = str(uuid.uuid4())
                record = {"eventVersion": "1.09", "userIdentity": ident,
                          "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
                          "eventSource": "sagemaker.amazonaws.com", "eventName": action,
                          "awsRegion": getattr(self, "region", "us-east-1"),
                          "requestParameters": params, "eventID": eid, "readOnly": False,
                          "eventType": "AwsApiCall"}
                ev = {"EventId": eid, "EventName": action, "ReadOnly": "false",
                      "AccessKeyId": ident["accessKeyId"], "EventTime": now,
                      "EventSource": "sagemaker.amazonaws.com", "Username": ident["userName"],
                      "Resources": [{"ResourceType": "AWS::SageMaker::Endpoint",
                                     "ResourceName": name}],
                      "CloudTrailEvent": json.dumps(record)}
                with lock:
                    recorded.append(ev)
        except Exception as e:  # noqa: BLE001  (a trail bug must not break the call)
            print(f"moto_launcher: cloudtrail record failed: {e}", file=sys.stderr)
        return result

    def _written():
        if not events_file or not os.path.exists(events_file):
            return []
        with open(events_file, encoding="utf-8") as f:
            return json.load(f)

    def _matches(ev, key, value):
        if key == "ResourceName":
            return any(r.get("ResourceName") == value for r in ev.get("Resources") or [])
        if key in ("EventName", "Username", "EventId", "EventSource", "AccessKeyId"):
            return ev.get(key) == value
        return True

    def lookup_events(self):
        attrs = self._get_param("LookupAttributes") or []
        start = self._get_param("StartTime")
        end = self._get_param("EndTime")
        size = min(int(self._get_param("MaxResults") or 50), 50)
        token = int(self._get_param("NextToken") or 0)
        if events_file:  # what was asked, for tests of incremental refresh
            with lock, open(str(events_file) + ".lookups.jsonl", "a", encoding="utf-8") as f:
                f.write(json.dumps({"LookupAttributes": attrs, "StartTime": start,
                                    "EndTime": end, "NextToken": token}) + "\n")
        written = _written()
        if isinstance(written, dict) and written.get("error"):  # a test's refusal
            from moto.core.exceptions import JsonRESTError
            raise JsonRESTError(written["error"], written.get("message", "refused"))
        with lock:
            events = list(recorded)
        events += written
        if attrs:
            events = [e for e in events
                      if _matches(e, attrs[0].get("AttributeKey"), attrs[0].get("AttributeValue"))]
        if start is not None:
            events = [e for e in events if float(e["EventTime"]) >= float(start)]
        if end is not None:
            events = [e for e in events if float(e["EventTime"]) <= float(end)]
        events.sort(key=lambda e: float(e["EventTime"]), reverse=True)
        page = events[token:token + size]
        out = {"Events": page}
        if token + size < len(events):
            out["NextToken"] = str(token + size)
        return json.dumps(out)

    if "lookup_events" in Response.__dict__:
        print(f"moto_launcher: moto {_moto_version()} implements lookup_events itself; "
              f"keeping moto's", file=sys.stderr)
    else:
        Response.lookup_events = lookup_events
    if "lookup_events" not in core_utils.method_names_from_class(Response):
        raise PatchError("moto's dispatcher would not find CloudTrailResponse.lookup_events")
    Base.call_action = trailed_call_action


def _patch_cloudwatch_percentiles():
    """GetMetricData's "p99"-style statistics, which moto answers with null: the
    nearest-rank percentile of the raw values put in the period (what CloudWatch
    gives for values put one by one; statistic sets have no percentiles)."""
    import math
    import re

    from moto.cloudwatch import models as cw_models

    Stats = _need(cw_models, "Statistics", "moto.cloudwatch.models")
    get = _need(Stats, "get_statistics_for_type", "Statistics")
    _need(Stats, "metric_single_values_list", "Statistics")

    def get_statistics_for_type(self, stat):
        m = re.fullmatch(r"p(\d{1,2}(?:\.\d+)?)", stat or "")
        if not m:
            return get(self, stat)
        vals = sorted(self.metric_single_values_list)
        if not vals:
            return None
        rank = max(1, math.ceil(float(m.group(1)) / 100 * len(vals)))
        return vals[rank - 1]

    Stats.get_statistics_for_type = get_statistics_for_type


def _patch_cloudwatch_history():
    """CloudWatch DescribeAlarmHistory, which moto lacks: every state change moto makes to
    an alarm (SetAlarmState; the new state differs from the old) is recorded as CloudWatch
    records it - a StateUpdate item whose HistoryData JSON holds oldState and newState with
    stateValue and stateReason. Served newest first (ScanBy TimestampAscending reverses),
    filtered by AlarmName, AlarmTypes, HistoryItemType, StartDate and EndDate (epoch seconds
    or ISO 8601), MaxRecords (default 100, 1..100) with NextToken."""
    import datetime

    from moto.cloudwatch import models as cw_models
    from moto.cloudwatch import responses as cw_responses
    from moto.core import responses as core_responses
    from moto.core import utils as core_utils

    Alarm = _need(cw_models, "Alarm", "moto.cloudwatch.models")
    update_state = _need(Alarm, "update_state", "Alarm")
    Response = _need(cw_responses, "CloudWatchResponse", "moto.cloudwatch.responses")
    ActionResult = _need(core_responses, "ActionResult", "moto.core.responses")
    _need(Response, "_get_param", "CloudWatchResponse")
    items = []
    lock = threading.Lock()

    def recorded_update_state(self, reason, reason_data, state_value):
        old_value, old_reason = self.state_value, self.state_reason
        update_state(self, reason, reason_data, state_value)
        if old_value == state_value:
            return
        now = datetime.datetime.now(datetime.timezone.utc)
        data = {"version": "1.0",
                "oldState": {"stateValue": old_value, "stateReason": old_reason},
                "newState": {"stateValue": state_value, "stateReason": reason}}
        with lock:
            items.append({"AlarmName": self.name, "AlarmType": "MetricAlarm", "Timestamp": now,
                          "HistoryItemType": "StateUpdate",
                          "HistorySummary": f"Alarm updated from {old_value} to {state_value}",
                          "HistoryData": json.dumps(data)})

    def _when(v):
        if v is None or v == "":
            return None
        if isinstance(v, datetime.datetime):
            return v if v.tzinfo else v.replace(tzinfo=datetime.timezone.utc)
        try:
            return datetime.datetime.fromtimestamp(float(v), datetime.timezone.utc)
        except (TypeError, ValueError):
            return datetime.datetime.fromisoformat(str(v).replace("Z", "+00:00"))

    def describe_alarm_history(self):
        name = self._get_param("AlarmName")
        types = self._get_param("AlarmTypes") or []
        kind = self._get_param("HistoryItemType")
        start = _when(self._get_param("StartDate"))
        end = _when(self._get_param("EndDate"))
        size = max(1, min(int(self._get_param("MaxRecords") or 100), 100))
        token = int(self._get_param("NextToken") or 0)
        with lock:
            out = list(items)
        out = [i for i in out
               if (not name or i["AlarmName"] == name)
               and (not types or i["AlarmType"] in types)
               and (not kind or i["HistoryItemType"] == kind)
               and (start is None or i["Timestamp"] >= start)
               and (end is None or i["Timestamp"] <= end)]
        out.sort(key=lambda i: i["Timestamp"],
                 reverse=self._get_param("ScanBy") != "TimestampAscending")
        result = {"AlarmHistoryItems": out[token:token + size]}
        if token + size < len(out):
            result["NextToken"] = str(token + size)
        return ActionResult(result)

    Alarm.update_state = recorded_update_state
    if "describe_alarm_history" in Response.__dict__:
        print(f"moto_launcher: moto {_moto_version()} implements describe_alarm_history "
              f"itself; keeping moto's", file=sys.stderr)
    else:
        Response.describe_alarm_history = describe_alarm_history
    if "describe_alarm_history" not in core_utils.method_names_from_class(Response):
        raise PatchError("moto's dispatcher would not find "
                         "CloudWatchResponse.describe_alarm_history")


def _patch_request_log(path):
    from moto.core import responses as core_responses

    Base = _need(core_responses, "BaseResponse", "moto.core.responses")
    call_action = _need(Base, "call_action", "BaseResponse")
    _need(Base, "_get_action", "BaseResponse")
    lock = threading.Lock()

    def logged_call_action(self):
        status = None
        try:
            result = call_action(self)
            status = result[0] if isinstance(result, tuple) and result else None
            return result
        except Exception:
            status = 500
            raise
        finally:
            try:
                action = self._get_action()
            except Exception:  # noqa: BLE001
                action = "?"
            auth = ""
            try:
                auth = self.headers.get("Authorization") or ""
            except Exception:  # noqa: BLE001
                pass
            signed = auth.partition("SignedHeaders=")[2].partition(",")[0]
            entry = {"service": getattr(self, "service_name", None) or "?",
                     "action": action, "mutates": mutates(action), "status": status,
                     "signed_headers": signed}
            with lock, open(path, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")

    Base.call_action = logged_call_action


def serve(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--request-log", default=os.environ.get("MOTO_REQUEST_LOG"))
    ap.add_argument("--monitoring-fixture", default=os.environ.get("MOTO_MONITORING_FIXTURE"))
    ap.add_argument("--cloudtrail-events", default=os.environ.get("MOTO_CLOUDTRAIL_EVENTS"))
    args = ap.parse_args(argv)
    try:
        _patch_sagemaker(args.monitoring_fixture)
        _patch_cloudtrail(args.cloudtrail_events)
        _patch_cloudwatch_percentiles()
        _patch_cloudwatch_history()
        if args.request_log:
            _patch_request_log(args.request_log)
    except PatchError as e:
        print(f"moto_launcher: {e}", file=sys.stderr)
        sys.exit(3)
    from moto import server
    server.main(["-H", args.host, "-p", str(args.port)])


# --- the test-side handle ------------------------------------------------------------------------

def free_port(host="127.0.0.1"):
    s = socket.socket()
    try:
        s.bind((host, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def venv_python():
    v = Path(os.environ.get("VENV", REPO / ".venv"))
    if not v.is_absolute():
        v = REPO / v
    return str(v / "bin" / "python")


class MotoServer:
    """A patched moto_server on 127.0.0.1, started from the project virtualenv."""

    def __init__(self, port=None, request_log=True, auth_after=None, workdir=None,
                 monitoring_fixture=None, cloudtrail_users=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._tmp = tempfile.mkdtemp(prefix="mldeck-moto-") if workdir is None else None
        self.workdir = Path(workdir or self._tmp)
        self.log_path = self.workdir / "moto.log"
        self.request_log = self.workdir / "requests.jsonl" if request_log else None
        self.auth_after = auth_after
        self.monitoring_fixture = monitoring_fixture
        self.cloudtrail_events = self.workdir / "cloudtrail.json"
        self.cloudtrail_users = cloudtrail_users or {}
        self.proc = None

    def start(self, deadline_s=START_DEADLINE_S):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("AWS_", "MOTO_", "MLFLOW_")) and k != "VIRTUAL_ENV"}
        env["PYTHONUNBUFFERED"] = "1"
        if self.auth_after is not None:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(self.auth_after)
        cmd = [venv_python(), str(HERE / "moto_launcher.py"), "--port", str(self.port)]
        if self.request_log:
            cmd += ["--request-log", str(self.request_log)]
        if self.monitoring_fixture:
            cmd += ["--monitoring-fixture", str(self.monitoring_fixture)]
        cmd += ["--cloudtrail-events", str(self.cloudtrail_events)]
        if self.cloudtrail_users:
            env["MOTO_CLOUDTRAIL_USERS"] = json.dumps(self.cloudtrail_users)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto_launcher exited with {self.proc.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                with _URLOPEN(self.url + "/moto-api/", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"moto_server on port {self.port} not ready after {deadline_s}s:\n"
                           f"{self.log_tail()}")

    def log_tail(self, n=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def requests(self):
        if not self.request_log or not self.request_log.exists():
            return []
        out = []
        for line in self.request_log.read_text().splitlines():
            if line.strip():
                out.append(json.loads(line))
        return out

    def write_cloudtrail(self, events):
        """Replace the test-written CloudTrail events (LookupEvents Event objects), or refuse
        every lookup with {"error": "AccessDeniedException", "message": ...}."""
        tmp = self.cloudtrail_events.with_suffix(".tmp")
        tmp.write_text(json.dumps(events))
        tmp.replace(self.cloudtrail_events)

    def lookups(self):
        """Every LookupEvents request received: its LookupAttributes, StartTime, EndTime and
        NextToken, in order."""
        p = Path(str(self.cloudtrail_events) + ".lookups.jsonl")
        if not p.exists():
            return []
        return [json.loads(line) for line in p.read_text().splitlines() if line.strip()]

    def mutations(self, since=0):
        return [r for r in self.requests()[since:] if r["mutates"]]

    def reset(self):
        req = urllib.request.Request(self.url + "/moto-api/reset", data=b"", method="POST")
        with _URLOPEN(req, timeout=10) as r:
            r.read()
        if self.request_log and self.request_log.exists():
            self.request_log.write_text("")

    def stop(self):
        p = self.proc
        self.proc = None
        if p is None:
            return
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)  # the group started above, nothing else
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=5)

    def close(self):
        self.stop()
        if self._tmp and not os.environ.get("MLDECK_KEEP_SERVERS"):
            import shutil
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()


if __name__ == "__main__":
    serve()
