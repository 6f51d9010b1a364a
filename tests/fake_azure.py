"""A loopback fake of Azure Resource Manager (Microsoft.MachineLearningServices) and of the
Microsoft Entra ID token endpoint, for the Azure ML backend's tests. Azure has no emulator.

The resources are seeded from the official example payloads of the Azure REST API
specifications (api-version 2025-12-01, vendored in tests/fixtures/azureml/2025-12-01, MIT licence,
see its README): every resource the fake serves is a deep copy of the `responses["200"].body`
of the matching example, with the generator's placeholders ("string", {"string": 1},
"Creating", the 00000000-1111-... GUIDs) replaced by realistic values. Where no official example
exists the payload is hand-written from the schema in reference/azureml.md and marked DERIVED
below: a blue/green endpoint at 90/10, mirrorTraffic, a CreateMonitor schedule with the four
signal types, ARM and Entra ID error bodies, 429 + Retry-After, multi-page lists, and the
Azure-AsyncOperation status resource.

What it reproduces, and from which part of the spec (reference/azureml.md, sections noted §):

- Tokens (§11, S13): POST /{tenant}/oauth2/v2.0/token, form body grant_type=
  client_credentials, client_id, client_secret, scope=https://management.azure.com/.default,
  answers {"token_type": "Bearer", "expires_in", "ext_expires_in", "access_token"}. Errors are
  Entra ID's shape {error, error_description "AADSTSnnnn: ...\\r\\nTrace ID: ...", error_codes,
  timestamp, trace_id, correlation_id, error_uri} (DERIVED from S13): an unknown tenant is 400
  invalid_request AADSTS90002, an unknown client 400 unauthorized_client AADSTS700016, a wrong
  secret 401 invalid_client AADSTS7000215, a wrong scope 400 invalid_scope AADSTS70011, another
  grant 400 unsupported_grant_type AADSTS70003. Managed identity (§11.3): App Service's
  IDENTITY_ENDPOINT at /msi/token (X-IDENTITY-HEADER checked, expires_on as a string) and
  IMDS at /metadata/identity/oauth2/token (Metadata: true required). Token lifetime is
  configurable; tokens expire on the fake's clock and can be revoked.
- Every ARM request needs "Authorization: Bearer <token the fake issued>" (§2): missing is 401
  AuthenticationFailed, unknown 401 InvalidAuthenticationToken, expired 401
  ExpiredAuthenticationToken, all with WWW-Authenticate (DERIVED).
- api-version (§1, §2): missing is 400 MissingApiVersionParameter; a malformed one 400
  InvalidApiVersionParameter; a well-formed one ARM does not serve for the type 400
  NoRegisteredProviderFound listing the supported versions (DERIVED, "unverified" in §1).
  The preview version in the fixtures' own nextLinks (2025-07-01-preview) is served.
- Scope (§2): the subscription, resource group and workspace must match; the workspace
  FORBIDDEN_WORKSPACE answers 403 AuthorizationFailed, others 404 ResourceNotFound /
  ResourceGroupNotFound (ARM ErrorResponse {"error": {"code", "message"}}, §10, DERIVED).
  control(forbid=True) makes the configured workspace answer the same 403 from then on (a
  role assignment removed while a console is open); forbid="text" sends that message.
- Azure Monitor metrics of an online endpoint (GET .../onlineEndpoints/E/providers/
  Microsoft.Insights/metrics, api-version 2023-10-01 only, DERIVED from Azure Monitor's REST
  reference and the Azure ML online endpoint metrics list): metric names must be known
  (RequestsPerMinute, RequestLatency, RequestLatency_P50/P90/P95/P99), else 400; $filter is
  DIM eq '*' clauses and every DIM must be a dimension of every metric asked (so requests split
  by statusCodeClass and latencies are two queries), else 400; one-minute buckets
  (interval PT1M) over `timespan`, values under the `aggregation` asked, only minutes with
  requests. The data is `fake.metrics[endpoint][deployment]` (per-minute lists, newest last).
- Lists (§3, §4, §5, §6, §7, §9) are {"value": [...], "nextLink": "<absolute URL>"} pages of
  `page_size` items. nextLink of endpoints, deployments, models and jobs carries an opaque
  $skipToken; model versions use the fixture's own form (api-version=2025-07-01-preview&$skip=N).
  The last page has no nextLink. Clients must follow it exactly.
- GET workspace (§2, §12; Workspace/get.json) with properties.mlFlowTrackingUri added
  (DERIVED: the example lacks it, the Go SDK model has it). It names the fake itself,
  azureml://127.0.0.1:PORT/mlflow/v1.0/subscriptions/.../workspaces/W, as Azure names
  {region}.api.azureml.ms: clients turn azureml:// into their ARM scheme (http here).
- The workspace's MLflow (§12): /mlflow/v1.0/subscriptions/S/resourceGroups/G/providers/
  Microsoft.MachineLearningServices/workspaces/W/api/2.0/mlflow/... is proxied to a real
  `mlflow server` (`mlflow_upstream`, e.g. tests/servers.py MlflowServer) after the same
  bearer-token check as ARM (the ARM token works there, S8): no token, an unknown or an
  expired one is 401 with MLflow's error shape {"error_code": "UNAUTHENTICATED", "message"}
  (DERIVED). Only the REST API is served (anything else under the prefix, /version
  included, is 404 ENDPOINT_NOT_FOUND); the workspace names must match (404 otherwise).
  Without an upstream it answers 503 TEMPORARILY_UNAVAILABLE.
- Online endpoints (§3; Workspace/OnlineEndpoint/get.json, list.json): traffic and
  mirrorTraffic maps, provisioningState, systemData. Unknown endpoint: 404 ResourceNotFound.
- Online deployments (§4; OnlineDeployment/ManagedOnlineDeployment/get.json, list.json):
  model reference (ARM id or azureml:name:version), instanceType, sku.capacity,
  provisioningState. POST .../getLogs (OnlineDeployment/getLogs.json: {"containerType":
  "InferenceServer"|"StorageInitializer", "tail": N} -> {"content": "<text>"}) with realistic
  log text per deployment and container (DERIVED: the example's content is "string"), the
  last `tail` lines; a body that is not JSON, an unknown containerType or a negative tail
  is 400 UserError. The inference server's log carries ANSI colours and an OSC window-title
  sequence, as real container logs can, so clients must clean it.
- PUT endpoint (§3, §8, §13; Workspace/OnlineEndpoint/createOrUpdate.json): the whole
  resource; location and authMode required; a provisioningState in the body is refused (read-
  only, §13.2); traffic must be whole percentages summing to 100 over existing, Succeeded
  deployments, none also in mirrorTraffic; a PUT while an operation runs is 409. Answers 201
  with the requested traffic and provisioningState "Updating", Azure-AsyncOperation pointing at
  .../locations/{region}/mfeOperationsStatus/{id}, x-ms-async-operation-timeout and Retry-After.
  The stored traffic changes only when the operation succeeds.
- The Azure-AsyncOperation URL (§8, S10) answers 200 {id, name, status, startTime, endTime,
  percentComplete, error}: "InProgress" for `lro_polls` polls, then "Succeeded". Endpoints whose
  name contains "fail" end "Failed" with an error; names containing "stuck" never end; the
  control API can set any endpoint's outcome, and finish_operations= ends the operations of
  an endpoint still in flight at once (a stuck one finally done).
- PATCH endpoint (§3 "rollback trap"): only tags and identity are applied, properties are
  ignored; 202 + Location + Retry-After.
- Jobs (§6; Job/CommandJob/list.json, get.json), models and versions (§5;
  Workspace/ModelContainer/list.json, Workspace/ModelVersion/list.json, get.json), schedules
  (§7; Schedule/list.json plus DERIVED CreateMonitor schedules: one enabled on
  fraud-scorer/blue with the four signal types, one disabled on churn-api/main), filtered by
  listViewType as ARM does (EnabledOnly when absent, DisabledOnly, All).
- Azure Monitor (DERIVED from the public azure-rest-api-specs shapes, no example vendored):
  metric alert rules of the resource group, GET /subscriptions/S/resourceGroups/G/providers/
  Microsoft.Insights/metricAlerts (api-version 2018-03-01 only) -> {"value": [{id, name, type
  "Microsoft.Insights/metricAlerts", location "global", properties: {description, severity,
  enabled, scopes, evaluationFrequency, windowSize, targetResourceType, criteria: {odata.type,
  allOf: [{criterionType, name, metricName, metricNamespace, operator, timeAggregation,
  threshold, dimensions}]}, autoMitigate, actions}}]}; fired alerts of the subscription, GET
  /subscriptions/S/providers/Microsoft.AlertsManagement/alerts (api-version 2019-05-05-preview
  only) filtered by targetResource, or by targetResourceGroup + targetResourceType (one of them
  is required here, so a client cannot read a whole subscription by accident), and by
  monitorCondition and timeRange (1h, 1d, 7d, 30d; default 1d) -> pages of {id, name, type
  "Microsoft.AlertsManagement/alerts", properties: {essentials: {severity "Sev0".."Sev4",
  signalType, alertState New|Acknowledged|Closed, monitorCondition Fired|Resolved,
  monitorService, targetResource, targetResourceName, targetResourceGroup, targetResourceType,
  alertRule, startDateTime, lastModifiedDateTime, monitorConditionResolvedDateTime,
  description}}}, newest first, paged with nextLink. Tests add rules and alerts with
  add_metric_alert() and fire_alert(); none are seeded.
- Throttling (§10, S11): the control API makes the next N matching requests answer 429
  TooManyRequests with Retry-After; every reply carries x-ms-request-id,
  x-ms-correlation-request-id and x-ms-ratelimit-remaining-subscription-reads / -writes,
  counting down from a configurable value
  (control(ratelimit_reads=N): a budget running low).
- Every request is logged (method, path, query, whether it mutates) for the read-only tests:
  `fake.log` in process, GET /_fake/log over HTTP. The rule is exact: PUT, PATCH and DELETE
  mutate; a POST mutates unless it is getLogs by its full path shape
  (W/onlineEndpoints/E/deployments/D/getLogs) or, on the MLflow prefix, one of MLflow's
  search POSTs; MLflow requests are marked "mlflow": True. The control API: POST /_fake/control
  (JSON, see FakeAzure.control), POST /_fake/mint (a valid token, for a fake `az`), GET
  /_fake/state (traffic and states of every endpoint).

Run alone: python3 tests/fake_azure.py [--port N] [--page-size N] [--mlflow URL]; it prints
its base URL.
"""

import argparse
import base64
import calendar
import copy
import json
import os
import re
import secrets
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit
import urllib.error
import urllib.request

REPO = Path(__file__).resolve().parent.parent
API_VERSION = "2025-12-01"
SUPPORTED_API_VERSIONS = ("2024-10-01", "2025-04-01", "2025-06-01", "2025-09-01", "2025-12-01",
                          "2026-03-01", "2026-07-01", "2025-07-01-preview")
ARM_SCOPE = "https://management.azure.com/.default"
ARM_RESOURCE = "https://management.azure.com"

TENANT = "9f2c5a10-4b7e-4d2a-8c1f-3e6b7a9d0c42"
CLIENT_ID = "5d0e7c3a-91b4-4f6e-a2d8-7c1b9e0f4a63"
CLIENT_SECRET = "Qx8~fake.Secret_for-tests-only-7Hk2"
OBJECT_ID = "c4b1d2e3-5f60-4a7b-8c9d-0e1f2a3b4c5d"
SUBSCRIPTION = "3b9f1c2d-7e4a-4c58-9d21-6a0f8e7b5c34"
RESOURCE_GROUP = "rg-mlops-prod"
WORKSPACE = "mlw-fraud-prod"
FORBIDDEN_WORKSPACE = "mlw-finance-restricted"
LOCATION = "westeurope"
IDENTITY_HEADER = "fake-identity-header-6f1d"

_PLACEHOLDER_GUID = "00000000-1111-2222-3333-444444444444"
# loopback only: never through an http_proxy from the environment
_UPSTREAM = urllib.request.build_opener(urllib.request.ProxyHandler({})).open


def fixtures_dir():
    """The official examples vendored under tests/fixtures/azureml (MIT, see its README), or
    $MLDECK_AZUREML_FIXTURES when set."""
    cands = []
    if os.environ.get("MLDECK_AZUREML_FIXTURES"):
        cands.append(Path(os.environ["MLDECK_AZUREML_FIXTURES"]))
    cands += [REPO / "tests" / "fixtures" / "azureml" / API_VERSION]
    for c in cands:
        if (c / "Workspace" / "OnlineEndpoint" / "get.json").is_file():
            return c
    raise FileNotFoundError("Azure ML example payloads not found; looked in: "
                            + ", ".join(map(str, cands)))


def _example(rel, status="200"):
    with open(fixtures_dir() / rel, encoding="utf-8") as f:
        return copy.deepcopy(json.load(f)["responses"][status]["body"])


def _iso(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse_iso(s):
    if s is None:
        return None
    s = s.strip().rstrip("Z")
    frac = ""
    if "." in s:
        s, frac = s.split(".", 1)
    t = calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%S"))
    return t + (float("0." + frac) if frac.isdigit() else 0.0)


def activity_event(resource_id, operation, status, at, caller, principal_type="User",
                   status_code=None, message=None):
    """One Activity Log record (Microsoft.Insights EventData) as ARM returns it."""
    eid = str(uuid.uuid4())
    ev = {"authorization": {"action": operation, "scope": resource_id,
                            "evidence": {"principalType": principal_type}},
          "caller": caller, "channels": "Operation",
          "correlationId": str(uuid.uuid4()), "eventDataId": eid,
          "eventName": {"value": "EndRequest" if status != "Started" else "BeginRequest",
                        "localizedValue": "End request"},
          "category": {"value": "Administrative", "localizedValue": "Administrative"},
          "eventTimestamp": _iso(at), "id": f"{resource_id}/events/{eid}/ticks/{int(at * 1e7)}",
          "level": "Informational", "operationId": str(uuid.uuid4()),
          "operationName": {"value": operation, "localizedValue": operation},
          "resourceId": resource_id,
          "status": {"value": status, "localizedValue": status},
          "subStatus": {"value": "", "localizedValue": ""},
          "submissionTimestamp": _iso(at + 5), "subscriptionId": resource_id.split("/")[2]}
    props = {}
    if status_code:
        props["statusCode"] = status_code
    if message:
        props["statusMessage"] = message
    if props:
        ev["properties"] = props
    return ev


def _system_data(created, modified=None, by="maria.lopez@contoso.com"):
    return {"createdAt": _iso(created), "createdBy": by, "createdByType": "User",
            "lastModifiedAt": _iso(modified or created), "lastModifiedBy": by,
            "lastModifiedByType": "User"}


class FakeAzure:
    """The fake. `with FakeAzure() as fa:` starts it on 127.0.0.1 and a free port.

    Attributes for tests: url (ARM base and authority host), tenant, client_id, client_secret,
    subscription, resource_group, workspace, log (list of dicts), token_requests (count),
    issued_tokens() (every access token it ever handed out, revoked ones included)."""

    def __init__(self, page_size=2, lro_polls=3, lro_retry_after=0, token_lifetime=3599,
                 ratelimit_reads=11999, host="127.0.0.1", port=0, mlflow_upstream=None):
        self.page_size = page_size
        self.lro_polls = lro_polls
        self.lro_retry_after = lro_retry_after
        self.token_lifetime = token_lifetime
        self.ratelimit_reads = ratelimit_reads
        self.ratelimit_writes = 1199
        self.tenant, self.client_id, self.client_secret = TENANT, CLIENT_ID, CLIENT_SECRET
        self.subscription, self.resource_group = SUBSCRIPTION, RESOURCE_GROUP
        self.workspace, self.location = WORKSPACE, LOCATION
        self.identity_header = IDENTITY_HEADER
        self.lock = threading.RLock()
        self.log = []
        self.token_requests = 0
        self.tokens = {}  # token -> expiry (epoch seconds)
        self.issued = []  # every token minted, kept when revoked: what must never leak
        self.forbid = False  # True or a message: the workspace answers 403
        self.throttles = []  # [{"count", "retry_after", "match", "methods"}]
        self.outcomes = {}  # endpoint -> "Succeeded" | "Failed" | "Never"
        self.operations = {}  # id -> dict
        self.activity = []  # Activity Log records, as activity_event() builds them
        self.metric_alerts = []  # Microsoft.Insights/metricAlerts rules (add_metric_alert)
        self.alerts = []  # Microsoft.AlertsManagement/alerts (fire_alert)
        # a container's log is stable between reads, as a real one is: stamped from the
        # fake's start; tests append lines with append_log()
        self.logs_t0 = time.time()
        self.extra_logs = {}  # (endpoint, deployment, container) -> [line]
        # Azure Monitor metrics: endpoint -> deployment -> {"calls", "4xx", "5xx", "p50", "p99"},
        # each a list of per-minute values, the last one for the current minute (latency in ms)
        self.metrics = {}
        self.caller = "oncall@contoso.com"  # whom the Activity Log names for mldeck's writes
        self.revoke_after = None  # revoke every token after this many more ARM requests
        self.foreign_next_link = False  # nextLinks point to another host (must be refused)
        self.mlflow_upstream = mlflow_upstream.rstrip("/") if mlflow_upstream else None
        self.mlflow_expire = 0  # the next N MLflow requests find their token expired
        self._seed()
        self.httpd = ThreadingHTTPServer((host, port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.fake = self
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        # DERIVED (§12): the workspace's MLflow is this server, named as Azure names its own
        self.mlflow_prefix = f"/mlflow/v1.0{self.ws_id()}"
        self.ws["properties"]["mlFlowTrackingUri"] = (
            f"azureml://{host}:{self.httpd.server_address[1]}{self.mlflow_prefix}")
        self.thread = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-azure",
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- seed data ------------------------------------------------------------------------------

    def add_metric_alert(self, name, endpoint, metric="RequestLatency_P99", deployment=None,
                         threshold=500, severity=2, enabled=True, scopes=None):
        """A metric alert rule scoped to an online endpoint (or to `scopes`); returns it."""
        dims = []
        if deployment:
            dims.append({"name": "deployment", "operator": "Include", "values": [deployment]})
        rid = (f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}/"
               f"providers/Microsoft.Insights/metricAlerts/{name}")
        rule = {"id": rid, "name": name, "type": "Microsoft.Insights/metricAlerts",
                "location": "global", "tags": {},
                "properties": {
                    "description": f"{metric} over {threshold}", "severity": severity,
                    "enabled": enabled,
                    "scopes": scopes or [f"{self.ws_id()}/onlineEndpoints/{endpoint}"],
                    "evaluationFrequency": "PT1M", "windowSize": "PT5M",
                    "targetResourceType": "Microsoft.MachineLearningServices/workspaces/"
                                          "onlineEndpoints",
                    "targetResourceRegion": self.location,
                    "criteria": {
                        "odata.type": "Microsoft.Azure.Monitor."
                                      "SingleResourceMultipleMetricCriteria",
                        "allOf": [{"criterionType": "StaticThresholdCriterion",
                                   "name": "Metric1", "metricName": metric,
                                   "metricNamespace": "Microsoft.MachineLearningServices/"
                                                      "workspaces/onlineEndpoints",
                                   "operator": "GreaterThan", "timeAggregation": "Average",
                                   "threshold": threshold, "dimensions": dims}]},
                    "autoMitigate": True, "actions": [],
                    "lastUpdatedTime": _iso(time.time())}}
        with self.lock:
            self.metric_alerts.append(rule)
        return rule

    def fire_alert(self, rule, endpoint, condition="Fired", at=None, state="New",
                   description=None):
        """An alert `rule` fired on `endpoint` at `at` (resolved when condition="Resolved")."""
        at = time.time() if at is None else at
        aid = str(uuid.uuid4())
        target = f"{self.ws_id()}/onlineEndpoints/{endpoint}"
        ess = {"severity": f"Sev{rule['properties']['severity']}", "signalType": "Metric",
               "alertState": state, "monitorCondition": condition,
               "monitorService": "Platform", "targetResource": target,
               "targetResourceName": endpoint, "targetResourceGroup": self.resource_group,
               "targetResourceType": "microsoft.machinelearningservices/workspaces/"
                                     "onlineendpoints",
               "alertRule": rule["id"], "sourceCreatedId": str(uuid.uuid4()),
               "smartGroupId": str(uuid.uuid4()), "startDateTime": _iso(at),
               "lastModifiedDateTime": _iso(at), "lastModifiedUserName": "System",
               "description": description if description is not None
               else rule["properties"]["description"]}
        if condition == "Resolved":
            ess["monitorConditionResolvedDateTime"] = _iso(at + 60)
            ess["lastModifiedDateTime"] = _iso(at + 60)
        alert = {"id": f"/subscriptions/{self.subscription}/providers/"
                       f"Microsoft.AlertsManagement/alerts/{aid}",
                 "type": "Microsoft.AlertsManagement/alerts", "name": rule["name"],
                 "properties": {"essentials": ess}}
        with self.lock:
            self.alerts.append(alert)
        return alert
    def append_log(self, endpoint, deployment, line, container="InferenceServer"):
        """A line the deployment's container prints after the others (getLogs shows it last)."""
        with self.lock:
            self.extra_logs.setdefault((endpoint, deployment, container), []).append(line)

    def ws_id(self, ws=None):
        return (f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}/"
                f"providers/Microsoft.MachineLearningServices/workspaces/{ws or self.workspace}")

    def _seed(self):
        now = time.time()
        wid = self.ws_id()
        # the workspace (Workspace/get.json) with names filled in and the MLflow URI added
        ws = _example("Workspace/get.json")
        text = json.dumps(ws).replace(_PLACEHOLDER_GUID, self.subscription)
        text = text.replace("workspace-1234", self.resource_group).replace("testworkspace",
                                                                            self.workspace)
        ws = json.loads(text)
        ws["location"] = self.location
        ws["identity"]["tenantId"] = self.tenant
        ws["properties"]["friendlyName"] = "Fraud models (prod)"
        ws["properties"]["discoveryUrl"] = (f"https://{self.location}.api.azureml.ms/discovery")
        ws["properties"]["mlFlowTrackingUri"] = (  # DERIVED (§12)
            f"azureml://{self.location}.api.azureml.ms/mlflow/v1.0{wid}")
        self.ws = ws

        ep_tpl = _example("Workspace/OnlineEndpoint/get.json")
        dep_tpl = _example("OnlineDeployment/ManagedOnlineDeployment/get.json")

        def endpoint(name, traffic, mirror=None, desc="", age_days=30):
            e = copy.deepcopy(ep_tpl)
            e["id"] = f"{wid}/onlineEndpoints/{name}"
            e["name"] = name
            e["type"] = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
            e["location"] = self.location
            e["kind"] = "Managed"
            e["tags"] = {"team": "fraud", "env": "prod"}
            e["identity"] = {"type": "SystemAssigned", "principalId": str(uuid.uuid4()),
                             "tenantId": self.tenant}
            e.pop("sku", None)
            p = e["properties"]
            p["description"] = desc or f"{name} online endpoint"
            p["authMode"] = "Key"
            p["properties"] = {"azureml.onlineendpointid": e["id"]}
            p["provisioningState"] = "Succeeded"
            p["scoringUri"] = f"https://{name}.{self.location}.inference.ml.azure.com/score"
            p["swaggerUri"] = f"https://{name}.{self.location}.inference.ml.azure.com/swagger.json"
            p.pop("compute", None)
            p["publicNetworkAccess"] = "Enabled"
            p["traffic"] = dict(traffic)
            if mirror is not None:
                p["mirrorTraffic"] = dict(mirror)  # DERIVED: no example carries it
            e["systemData"] = _system_data(now - age_days * 86400, now - 3600)
            return e

        def deployment(ep, name, model, version, state="Succeeded", capacity=2,
                       itype="Standard_DS3_v2", model_form="arm"):
            d = copy.deepcopy(dep_tpl)
            d["id"] = f"{wid}/onlineEndpoints/{ep}/deployments/{name}"
            d["name"] = name
            d["type"] = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments"
            d["location"] = self.location
            d["kind"] = "Managed"
            d["tags"] = {}
            d.pop("identity", None)
            p = d["properties"]
            p["description"] = f"{name} of {ep}"
            p["endpointComputeType"] = "Managed"
            p["environmentId"] = (f"azureml://registries/azureml/environments/"
                                  f"sklearn-1.5/versions/12")
            p["codeConfiguration"] = {"codeId": f"{wid}/codes/score-{ep}/versions/1",
                                      "scoringScript": "score.py"}
            p["environmentVariables"] = {}
            p["instanceType"] = itype
            p["model"] = (f"{wid}/models/{model}/versions/{version}" if model_form == "arm"
                          else f"azureml:{model}:{version}")
            p["modelMountPath"] = "/var/azureml-app/model"
            p["properties"] = {}
            p["provisioningState"] = state
            p["scaleSettings"] = {"scaleType": "Default"}
            d["sku"] = {"name": "Default", "tier": "Standard", "capacity": capacity}
            d["systemData"] = _system_data(now - 7 * 86400, now - 7200)
            return d

        self.endpoints = {}
        self.deployments = {}

        def add(e, deps):
            self.endpoints[e["name"]] = e
            self.deployments[e["name"]] = {d["name"]: d for d in deps}

        # DERIVED: the blue/green canary at 90/10 the reference asks for (§14)
        add(endpoint("fraud-scorer", {"blue": 90, "green": 10}, desc="card fraud scoring"),
            [deployment("fraud-scorer", "blue", "fraud-model", "7"),
             deployment("fraud-scorer", "green", "fraud-model", "8", capacity=1)])
        add(endpoint("churn-api", {"main": 100}, mirror={"shadow": 10}),
            [deployment("churn-api", "main", "churn-model", "3", model_form="short"),
             deployment("churn-api", "shadow", "churn-model", "4", model_form="short",
                        capacity=1)])
        add(endpoint("ltv-fail-canary", {"v1": 100}),
            [deployment("ltv-fail-canary", "v1", "ltv-model", "1"),
             deployment("ltv-fail-canary", "v2", "ltv-model", "2")])
        add(endpoint("recs-stuck", {"a": 50, "b": 50}),
            [deployment("recs-stuck", "a", "recs-model", "5"),
             deployment("recs-stuck", "b", "recs-model", "6")])
        add(endpoint("pricing-broken", {"stable": 100}),
            [deployment("pricing-broken", "stable", "pricing-model", "2"),
             deployment("pricing-broken", "candidate", "pricing-model", "3", state="Failed")])

        # models (Workspace/ModelContainer/list.json) and versions (ModelVersion/list.json)
        mc_tpl = _example("Workspace/ModelContainer/list.json")["value"][0]
        mv_tpl = _example("Workspace/ModelVersion/list.json")["value"][0]
        self.models = {}
        self.versions = {}
        for name, n, desc in (("fraud-model", 8, "gradient-boosted card fraud model"),
                              ("churn-model", 4, "customer churn classifier"),
                              ("ltv-model", 2, "lifetime value regressor")):
            m = copy.deepcopy(mc_tpl)
            m["id"] = f"{wid}/models/{name}"
            m["name"] = name
            m["properties"]["description"] = desc
            m["properties"]["tags"] = {"owner": "fraud-ml", "framework": "lightgbm"}
            m["properties"]["latestVersion"] = str(n)
            m["systemData"] = _system_data(now - 90 * 86400, now - 86400)
            self.models[name] = m
            vs = []
            for v in range(1, n + 1):
                mv = copy.deepcopy(mv_tpl)
                mv["id"] = f"{wid}/models/{name}/versions/{v}"
                mv["name"] = str(v)
                mv["type"] = "Microsoft.MachineLearningServices/workspaces/models/versions"
                p = mv["properties"]
                p["description"] = f"{name} v{v}"
                p["flavors"] = {"python_function": {"data": {"loader_module": "mlflow.sklearn"}}}
                p["modelType"] = "MLFlowModel" if v % 2 == 0 else "CustomModel"
                p["modelUri"] = (f"azureml://subscriptions/{self.subscription}/resourcegroups/"
                                 f"{self.resource_group}/workspaces/{self.workspace}/datastores/"
                                 f"workspaceblobstore/paths/models/{name}/{v}/")
                p["properties"] = {}
                p["tags"] = {"stage": "production" if v == n - 1 else "candidate"}
                p["jobName"] = f"{name.split('-')[0]}-train-{v:03d}"
                p["provisioningState"] = "Succeeded"
                mv["systemData"] = _system_data(now - (n - v + 1) * 86400)
                vs.append(mv)
            self.versions[name] = vs

        # jobs (Job/CommandJob/list.json)
        job_tpl = _example("Job/CommandJob/list.json")["value"][0]
        self.jobs = []
        specs = [("fraud-train-006", "fraud-training", "Completed", 10),
                 ("fraud-train-007", "fraud-training", "Completed", 8),
                 ("fraud-train-008", "fraud-training", "Failed", 6),
                 ("fraud-train-009", "fraud-training", "Running", 1),
                 ("churn-train-003", "churn-training", "Completed", 20),
                 ("churn-train-004", "churn-training", "Canceled", 15),
                 ("quick-test-001", "", "Completed", 30)]
        for name, exp, status, days in specs:
            j = copy.deepcopy(job_tpl)
            j["id"] = f"{wid}/jobs/{name}"
            j["name"] = name
            j["type"] = "Microsoft.MachineLearningServices/workspaces/jobs"
            p = j["properties"]
            p["description"] = f"training run {name}"
            p["tags"] = {"git_commit": secrets.token_hex(4)}
            p["properties"] = {"azureml.runsource": "azureml.commandjob"}
            p["displayName"] = name.replace("-", " ")
            p["status"] = status
            if exp:
                p["experimentName"] = exp
            else:
                p.pop("experimentName", None)
            p["services"] = {"Studio": {"jobServiceType": "Studio", "port": None,
                                        "endpoint": f"https://ml.azure.com/runs/{name}",
                                        "status": None, "errorMessage": None, "properties": None}}
            p["computeId"] = f"{wid}/computes/cpu-cluster"
            p["resources"] = {"instanceCount": 1, "instanceType": "Standard_DS3_v2",
                              "properties": {}}
            p["codeId"] = f"{wid}/codes/train/versions/3"
            p["command"] = "python train.py --lr ${{inputs.learning_rate}}"
            p["environmentId"] = "azureml://registries/azureml/environments/sklearn-1.5/versions/12"
            p["inputs"] = {
                "learning_rate": {"description": "", "jobInputType": "literal", "value": "0.05"},
                "n_estimators": {"description": "", "jobInputType": "literal", "value": "400"},
                "training_data": {"description": "", "jobInputType": "uri_folder",
                                  "mode": "ReadOnlyMount",
                                  "uri": "azureml:transactions-train:12"}}
            p["outputs"] = {}
            p.pop("distribution", None)
            p["limits"] = {"timeout": "PT2H", "jobLimitsType": "Command"}
            p["environmentVariables"] = {}
            p["parameters"] = {}
            j["systemData"] = _system_data(now - days * 86400, now - days * 86400 + 1800)
            self.jobs.append(j)

        # schedules (Schedule/list.json) plus a DERIVED CreateMonitor schedule (§7)
        self.schedules = []
        sched = _example("Schedule/list.json")["value"][0]
        sched["id"] = f"{wid}/schedules/nightly-batch-score"
        sched["name"] = "nightly-batch-score"
        sched["properties"]["displayName"] = "nightly batch scoring"
        sched["properties"]["trigger"] = {"triggerType": "Cron", "expression": "0 2 * * *",
                                          "timeZone": "UTC", "startTime": None, "endTime": None}
        sched["properties"]["provisioningState"] = "Succeeded"
        self.schedules.append(sched)
        self.schedules.append(self._monitor_schedule(now))
        old = self._monitor_schedule(now - 40 * 86400, "churn-api", "main", "churn-model", "3")
        old["properties"]["isEnabled"] = False
        old["properties"]["displayName"] = "churn monitoring (paused)"
        old["properties"]["trigger"] = {"triggerType": "Cron", "expression": "0 6 * * 1",
                                        "timeZone": "UTC"}
        sigs = old["properties"]["action"]["monitorDefinition"]["signals"]
        for k in ("prediction-drift", "feature-attribution"):
            del sigs[k]
        self.schedules.append(old)

    def _monitor_schedule(self, now, endpoint="fraud-scorer", deployment="blue",
                          model="fraud-model", version="7"):
        wid = self.ws_id()
        prod = {"inputDataType": "Rolling", "jobInputType": "mltable", "windowOffset": "P0D",
                "windowSize": "P1D", "uri": f"azureml:{endpoint}-{deployment}-model_inputs:1",
                "dataContext": "model_inputs"}
        ref = {"inputDataType": "Fixed", "jobInputType": "mltable",
               "uri": "azureml:transactions-train:12", "dataContext": "training"}
        return {
            "id": f"{wid}/schedules/{endpoint}-monitor", "name": f"{endpoint}-monitor",
            "type": "Microsoft.MachineLearningServices/workspaces/schedules",
            "properties": {
                "displayName": f"{endpoint} monitoring", "description": "", "isEnabled": True,
                "tags": {}, "properties": {}, "provisioningState": "Succeeded",
                "trigger": {"triggerType": "Recurrence", "frequency": "Day", "interval": 1,
                            "schedule": {"hours": [3], "minutes": [0]}, "timeZone": "UTC"},
                "action": {"actionType": "CreateMonitor", "monitorDefinition": {
                    "computeConfiguration": {
                        "computeType": "ServerlessSpark", "instanceType": "standard_e4s_v3",
                        "runtimeVersion": "3.3",
                        "computeIdentity": {"computeIdentityType": "AmlToken"}},
                    "monitoringTarget": {
                        "deploymentId": f"{wid}/onlineEndpoints/{endpoint}/deployments/"
                                        f"{deployment}",
                        "modelId": f"{wid}/models/{model}/versions/{version}",
                        "taskType": "Classification"},
                    "signals": {
                        "data-drift": {
                            "signalType": "DataDrift", "productionData": prod,
                            "referenceData": ref, "features": {"filterType": "AllFeatures"},
                            "metricThresholds": [
                                {"dataType": "Numerical",
                                 "metric": "NormalizedWassersteinDistance",
                                 "threshold": {"value": 0.1}},
                                {"dataType": "Categorical", "metric": "JensenShannonDistance",
                                 "threshold": {"value": 0.1}}]},
                        "prediction-drift": {
                            "signalType": "PredictionDrift", "productionData": prod,
                            "referenceData": ref,
                            "metricThresholds": [
                                {"dataType": "Categorical", "metric": "PearsonsChiSquaredTest",
                                 "threshold": {"value": 0.05}}]},
                        "data-quality": {
                            "signalType": "DataQuality", "productionData": prod,
                            "referenceData": ref,
                            "metricThresholds": [
                                {"dataType": "Numerical", "metric": "NullValueRate",
                                 "threshold": {"value": 0.02}}]},
                        "feature-attribution": {
                            "signalType": "FeatureAttributionDrift", "productionData": [prod],
                            "referenceData": ref,
                            "metricThreshold": {"metric": "NormalizedDiscountedCumulativeGain",
                                                "threshold": {"value": 0.9}}}}}}},
            "systemData": _system_data(now - 10 * 86400)}

    # --- control ------------------------------------------------------------------------------

    def control(self, throttle=None, lro_polls=None, lro_retry_after=None, token_lifetime=None,
                revoke_tokens=False, ratelimit_reads=None, outcome=None, page_size=None,
                revoke_after=None, foreign_next_link=None, expire_on_mlflow=None, forbid=None,
                finish_operations=None):
        """throttle={"count": 1, "retry_after": 1, "match": "onlineEndpoints", "methods":
        ["GET"]}: the next `count` ARM requests whose path matches answer 429.
        outcome={"endpoint": "x", "outcome": "Succeeded"|"Failed"|"Never"}.
        revoke_after=N: every token issued so far stops working after N more ARM requests.
        foreign_next_link=True: nextLinks name another host.
        expire_on_mlflow=N: the next N requests to the workspace's MLflow find the token they
        carry expired (it stays expired for ARM too), as when a token runs out in flight.
        forbid=True (or a message): every request on the workspace answers 403
        AuthorizationFailed until forbid=False.
        finish_operations={"endpoint": "x", "outcome": "Succeeded"|"Failed"}: the endpoint's
        operations still InProgress end now, with that outcome."""
        with self.lock:
            if forbid is not None:
                self.forbid = forbid
            if finish_operations:
                for op in self.operations.values():
                    if (op["endpoint"] == finish_operations["endpoint"]
                            and op["status"] == "InProgress"):
                        op["outcome"] = finish_operations["outcome"]
                        self.finish_operation(op)
            if expire_on_mlflow is not None:
                self.mlflow_expire = int(expire_on_mlflow)
            if revoke_after is not None:
                self.revoke_after = int(revoke_after)
            if foreign_next_link is not None:
                self.foreign_next_link = bool(foreign_next_link)
            if throttle:
                t = {"count": 1, "retry_after": 1, "match": "", "methods": None}
                t.update(throttle)
                self.throttles.append(t)
            if lro_polls is not None:
                self.lro_polls = int(lro_polls)
            if lro_retry_after is not None:
                self.lro_retry_after = lro_retry_after
            if token_lifetime is not None:
                self.token_lifetime = int(token_lifetime)
            if revoke_tokens:
                self.tokens.clear()
            if ratelimit_reads is not None:
                self.ratelimit_reads = int(ratelimit_reads)
            if outcome:
                self.outcomes[outcome["endpoint"]] = outcome["outcome"]
            if page_size is not None:
                self.page_size = int(page_size)

    def mint(self, lifetime=None):
        with self.lock:
            tok = "eyJ0eXAiOiJKV1QifQ." + secrets.token_urlsafe(24)
            self.tokens[tok] = time.time() + (lifetime or self.token_lifetime)
            self.issued.append(tok)
            return tok

    def issued_tokens(self):
        with self.lock:
            return list(self.issued)

    def finish_operation(self, op):
        """End an operation with its outcome: the endpoint takes the new traffic or keeps
        the old one."""
        fa = self
        e = fa.endpoints[op["endpoint"]]
        rid = f"{fa.ws_id()}/onlineEndpoints/{op['endpoint']}"
        write = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write"
        failed = op["outcome"] == "Failed"
        fa.activity.append(activity_event(rid, write, "Failed" if failed else "Succeeded",
                                          time.time(), fa.caller,
                                          status_code="Conflict" if failed else None))
        if op["outcome"] == "Succeeded" and op["new"] is not None:
            new = op["new"]
            new["properties"]["provisioningState"] = "Succeeded"
            new["systemData"]["lastModifiedAt"] = _iso(time.time())
            new["systemData"]["lastModifiedBy"] = fa.client_id
            new["systemData"]["lastModifiedByType"] = "Application"
            fa.endpoints[op["endpoint"]] = new
            op["status"] = "Succeeded"
        elif op["outcome"] == "Failed":
            e["properties"]["provisioningState"] = "Succeeded"  # the old traffic stays
            op["status"] = "Failed"
        else:
            op["status"] = "Succeeded"
        if op["status"] == "Succeeded" and op["new"] is None:
            e["properties"]["provisioningState"] = "Succeeded"

    def state(self):
        with self.lock:
            return {n: {"traffic": e["properties"].get("traffic"),
                        "mirrorTraffic": e["properties"].get("mirrorTraffic"),
                        "provisioningState": e["properties"]["provisioningState"]}
                    for n, e in self.endpoints.items()}

    def mutations(self):
        with self.lock:
            return [r for r in self.log if r["mutates"]]

    def mlflow_requests(self, status=None):
        """Requests to the workspace's MLflow (path after the workspace prefix)."""
        with self.lock:
            return [r for r in self.log if r.get("mlflow")
                    and (status is None or r.get("status") == status)]

    def requests(self, method=None, contains=""):
        with self.lock:
            return [r for r in self.log
                    if (method is None or r["method"] == method) and contains in r["path"]]


# --- the HTTP side ------------------------------------------------------------------------------


def _aad_error(status, error, code, text, client=None):
    trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    return status, {
        "error": error,
        "error_description": (f"AADSTS{code}: {text}\r\nTrace ID: {trace}\r\n"
                              f"Correlation ID: {corr}\r\nTimestamp: {stamp}"),
        "error_codes": [code], "timestamp": stamp, "trace_id": trace, "correlation_id": corr,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}"}


def _arm_error(status, code, message):
    return status, {"error": {"code": code, "message": message}}


_WS_RE = re.compile(r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/"
                    r"Microsoft\.MachineLearningServices/workspaces/([^/]+)(/.*)?$", re.I)
_OP_RE = re.compile(r"^/subscriptions/([^/]+)/providers/Microsoft\.MachineLearningServices/"
                    r"locations/([^/]+)/mfeOperationsStatus/([^/]+)$", re.I)
_API_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")
# the subscription's Activity Log (Microsoft.Insights), its own api-version
_ACTLOG_RE = re.compile(r"^/subscriptions/([^/]+)/providers/Microsoft\.Insights/eventtypes/"
                        r"management/values$", re.I)
ACTLOG_API = "2015-04-01"
# Azure Monitor: the resource group's metric alert rules and the subscription's fired alerts
_RULES_RE = re.compile(r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/"
                       r"Microsoft\.Insights/metricAlerts$", re.I)
RULES_API = "2018-03-01"
_ALERTS_RE = re.compile(r"^/subscriptions/([^/]+)/providers/Microsoft\.AlertsManagement/alerts$",
                        re.I)
ALERTS_API = "2019-05-05-preview"
_TIME_RANGES = {"1h": 3600, "1d": 86400, "7d": 7 * 86400, "30d": 30 * 86400}
_ACTLOG_FILTER_RE = re.compile(r"eventTimestamp ge '([^']+)'(?: and eventTimestamp le '([^']+)')?"
                               r"(?: and resourceUri eq '([^']+)')?$", re.I)
# Azure Monitor metrics of an online endpoint (Microsoft.Insights), their own api-version
_METRICS_RE = re.compile(r"^(/subscriptions/[^/]+/resourceGroups/[^/]+/providers/"
                         r"Microsoft\.MachineLearningServices/workspaces/[^/]+/onlineEndpoints/"
                         r"([^/]+))/providers/Microsoft\.Insights/metrics$", re.I)
METRICS_API = "2023-10-01"
# Azure ML online endpoint metrics: name -> (unit, dimensions); the latencies are per deployment
ENDPOINT_METRICS = {
    "RequestsPerMinute": ("Count", ("deployment", "statusCode", "statusCodeClass",
                                    "modelStatusCode")),
    "RequestLatency": ("MilliSeconds", ("deployment",)),
    "RequestLatency_P50": ("MilliSeconds", ("deployment",)),
    "RequestLatency_P90": ("MilliSeconds", ("deployment",)),
    "RequestLatency_P95": ("MilliSeconds", ("deployment",)),
    "RequestLatency_P99": ("MilliSeconds", ("deployment",)),
}
_METRIC_FILTER_RE = re.compile(r"^\s*(\w+)\s+eq\s+'\*'\s*$", re.I)
# the one POST of ARM that only reads, by its whole shape (§4)
_GETLOGS_RE = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/"
                         r"Microsoft\.MachineLearningServices/workspaces/[^/]+/onlineEndpoints/"
                         r"[^/]+/deployments/[^/]+/getLogs$", re.I)
_MLFLOW_RE = re.compile(r"^/mlflow/v1\.0/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/"
                        r"Microsoft\.MachineLearningServices/workspaces/([^/]+)(/.*)?$", re.I)
# MLflow's POSTs that only read (the rest of its POSTs create, log or delete)
_MLFLOW_READ_POSTS = ("/api/2.0/mlflow/runs/search", "/api/2.0/mlflow/experiments/search",
                      "/api/2.0/mlflow/registered-models/search",
                      "/api/2.0/mlflow/model-versions/search",
                      "/api/2.0/mlflow/logged-models/search")
_CONTAINERS = ("InferenceServer", "StorageInitializer")


def arm_mutates(method, path):
    """The exact write rule of the request log for ARM paths."""
    if method in ("GET", "HEAD"):
        return False
    return not (method == "POST" and _GETLOGS_RE.match(path))


def mlflow_mutates(method, rest):
    """The same for the workspace's MLflow; `rest` is the path after the workspace."""
    if method in ("GET", "HEAD"):
        return False
    return not (method == "POST" and rest in _MLFLOW_READ_POSTS)


# What the workspace's MLflow holds in the tests: experiment -> run names.
WS_EXPERIMENTS = {"ws-fraud-features": ["features-baseline", "features-v2"],
                  "ws-nightly-eval": ["eval-2026-11-25"]}


def seed_workspace_mlflow(url):
    """Seed a real MLflow server (the fake's mlflow_upstream) through its REST API with
    WS_EXPERIMENTS, one `auc` metric per run. Returns {experiment name: id}."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import seed  # tests/seed.py: needs `requests`, from the test virtualenv

    rest = seed.Rest(url)
    now = int(time.time() * 1000)
    ids = {}
    for name, runs in WS_EXPERIMENTS.items():
        eid = rest.post("/experiments/create", {"name": name})["experiment_id"]
        ids[name] = eid
        for i, run in enumerate(runs):
            r = rest.post("/runs/create", {"experiment_id": eid, "run_name": run,
                                           "start_time": now - 60000 * (i + 1)})["run"]
            rest.post("/runs/log-metric", {"run_id": r["info"]["run_id"], "key": "auc",
                                           "value": 0.91 + i / 100, "timestamp": now, "step": 0})
    return ids


def deployment_logs(endpoint, deployment, container, model_ref, now):
    """DERIVED: what an Azure ML managed online deployment's containers print while they start
    and serve (azureml-inference-server-http, the storage initializer), for getLogs."""
    t0 = now - 3600
    stamp = lambda dt: _iso(t0 + dt)  # noqa: E731
    if container == "StorageInitializer":
        return "".join(
            f"{stamp(i)} {line}\n" for i, line in enumerate([
                f"INFO Initializing model download for deployment {deployment}",
                f"INFO Model reference: {model_ref}",
                "INFO Downloading azureml://datastores/workspaceblobstore/paths/models/ "
                "to /var/azureml-app/model",
                "INFO Downloaded 3 files (41.7 MB) in 6.2 s",
                "INFO Model download completed; exiting 0"]))
    lines = [
        f"{stamp(0)} Azure ML Inferencing HTTP server v1.4.1",
        f"{stamp(1)} Server Settings: Entry Script Name: /var/azureml-app/score.py",
        f"{stamp(1)} Server Settings: Model Directory: /var/azureml-app/model",
        f"{stamp(2)} \x1b]0;{deployment}-pod\x07Initializing logger",
        f"{stamp(3)} \x1b[32mINFO\x1b[0m  Users's init has completed successfully",
        f"{stamp(4)} \x1b[32mINFO\x1b[0m  Scoring timeout is set to 60000 ms",
        f"{stamp(5)} \x1b[32mINFO\x1b[0m  Listening at: http://0.0.0.0:31311 (endpoint {endpoint})",
    ]
    for i in range(240):  # requests served since: more than any tail asked for by default
        code = 500 if i % 97 == 13 else 200
        lines.append(f"{stamp(60 + i * 10)} \x1b[32mINFO\x1b[0m  POST /score {code} "
                     f"{12 + i % 17}.{i % 10}ms request {deployment}-{i:04d}")
    lines.append(f"{stamp(2500)} \x1b[33mWARNING\x1b[0m  {deployment}: p99 latency 412ms above "
                 "the 300ms budget")
    return "".join(line + "\n" for line in lines)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-azure"

    def log_message(self, fmt, *args):  # quiet: the fake keeps its own log
        pass

    # --- plumbing ---

    @property
    def fake(self):
        return self.server.fake

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status, body=None, headers=None, text=None):
        data = (text.encode() if text is not None
                else json.dumps(body).encode() if body is not None else b"")
        self.send_response(status)
        if body is not None or text is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    def _record(self, mutates, body=b"", **extra):
        u = urlsplit(self.path)
        entry = {"method": self.command, "path": unquote(u.path), "query": u.query,
                 "mutates": mutates, "time": time.time(), **extra}
        if body:  # writes, and the reads that carry a body (getLogs, MLflow searches)
            try:
                entry["body"] = json.loads(body)
            except ValueError:
                entry["body"] = body.decode("utf-8", "replace")
        with self.fake.lock:
            self.fake.log.append(entry)

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_PATCH(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def _dispatch(self):
        u = urlsplit(self.path)
        path = unquote(u.path)
        q = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        body = self._body()
        try:
            if path.startswith("/_fake/"):
                return self._control(path, body)
            if path.endswith("/oauth2/v2.0/token") and self.command == "POST":
                self._record(False)
                return self._send(*self._token(path, body))
            if path.startswith("/msi/") or path.startswith("/metadata/identity/"):
                self._record(False)
                return self._send(*self._managed_identity(path, q))
            m = _MLFLOW_RE.match(path)
            if m:
                return self._mlflow(m, u.query, body)
            mutates = arm_mutates(self.command, path)
            self._record(mutates, body)
            status, payload, headers = self._arm(path, q, body)
            self._send(status, payload, headers)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:  # a bug in the fake: say so as ARM would, and on stderr
            import traceback
            traceback.print_exc()
            self._send(*_arm_error(500, "InternalServerError", f"fake_azure: {exc!r}"))

    # --- control API ---

    def _control(self, path, body):
        fa = self.fake
        if path == "/_fake/log":
            with fa.lock:
                return self._send(200, list(fa.log))
        if path == "/_fake/state":
            return self._send(200, fa.state())
        if path == "/_fake/mint" and self.command == "POST":
            return self._send(200, {"access_token": fa.mint()})
        if path == "/_fake/control" and self.command == "POST":
            fa.control(**json.loads(body or b"{}"))
            return self._send(204)
        return self._send(404, {"error": "no such control"})

    # --- the workspace's MLflow ---

    def _mlflow(self, m, query, raw):
        fa = self.fake
        sub, rg, ws, rest = m.group(1), m.group(2), m.group(3), m.group(4) or ""
        entry = {"mlflow": True, "rest": rest}
        with fa.lock:
            expire = fa.mlflow_expire > 0
            if expire:
                fa.mlflow_expire -= 1
        auth = self.headers.get("Authorization") or ""
        tok = auth[7:].strip() if auth.startswith("Bearer ") else None
        if expire and tok:
            with fa.lock:
                if tok in fa.tokens:
                    fa.tokens[tok] = time.time() - 1
        status, body, ctype = self._mlflow_answer(sub, rg, ws, rest, tok, query, raw)
        self._record(mlflow_mutates(self.command, rest), raw, status=status, **entry)
        hdrs = {}
        if status == 401:
            hdrs["WWW-Authenticate"] = ('Bearer authorization_uri="https://login.microsoftonline.'
                                        f'com/{fa.tenant}", error="invalid_token"')
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in hdrs.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _mlflow_answer(self, sub, rg, ws, rest, tok, query, raw):
        fa = self.fake
        js = "application/json"

        def err(status, code, message):
            return status, json.dumps({"error_code": code, "message": message}).encode(), js

        if tok is None:
            return err(401, "UNAUTHENTICATED", "Authorization header with a bearer token is "
                       "required.")
        with fa.lock:
            exp = fa.tokens.get(tok)
        if exp is None:
            return err(401, "UNAUTHENTICATED", "The access token is invalid.")
        if exp <= time.time():
            return err(401, "UNAUTHENTICATED", f"The access token expired at {_iso(exp)}.")
        if (sub, rg, ws) != (fa.subscription, fa.resource_group, fa.workspace):
            return err(404, "RESOURCE_DOES_NOT_EXIST", f"Workspace '{ws}' not found.")
        if not rest.startswith("/api/2.0/mlflow/"):
            return err(404, "ENDPOINT_NOT_FOUND", f"No API found for '{rest or '/'}'.")
        if fa.mlflow_upstream is None:
            return err(503, "TEMPORARILY_UNAVAILABLE", "no MLflow server behind this fake")
        url = fa.mlflow_upstream + rest + (f"?{query}" if query else "")
        req = urllib.request.Request(url, data=raw if self.command != "GET" else None,
                                     method=self.command)
        ctype = self.headers.get("Content-Type")
        if ctype:
            req.add_header("Content-Type", ctype)
        try:
            with _UPSTREAM(req, timeout=60) as r:
                return r.status, r.read(), r.headers.get("Content-Type") or js
        except urllib.error.HTTPError as e:
            return e.code, e.read(), e.headers.get("Content-Type") or js
        except (urllib.error.URLError, OSError) as e:
            return err(503, "TEMPORARILY_UNAVAILABLE", f"upstream MLflow unreachable: {e}")

    # --- Entra ID ---

    def _token(self, path, raw):
        fa = self.fake
        with fa.lock:
            fa.token_requests += 1
        tenant = path.strip("/").split("/")[0]
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return _aad_error(400, "invalid_request", 900144,
                              "The request body must contain the following parameter: "
                              "'grant_type'.")
        if tenant != fa.tenant:
            return _aad_error(400, "invalid_request", 90002,
                              f"Tenant '{tenant}' not found. Check to make sure you have the "
                              f"correct tenant ID and are signing into the correct cloud.")
        if form.get("grant_type") != "client_credentials":
            return _aad_error(400, "unsupported_grant_type", 70003,
                              "The app requested an unsupported grant type "
                              f"'{form.get('grant_type', '')}'.")
        if form.get("client_id") != fa.client_id:
            return _aad_error(400, "unauthorized_client", 700016,
                              f"Application with identifier '{form.get('client_id', '')}' was "
                              f"not found in the directory '{tenant}'.")
        if form.get("client_secret") != fa.client_secret:
            return _aad_error(401, "invalid_client", 7000215,
                              "Invalid client secret provided. Ensure the secret being sent in "
                              "the request is the client secret value, not the client secret "
                              f"ID, for a secret added to app '{fa.client_id}'.")
        if form.get("scope") != ARM_SCOPE:
            return _aad_error(400, "invalid_scope", 70011,
                              f"The provided request must include a 'scope' input parameter. "
                              f"The provided value for the input parameter 'scope' is not "
                              f"valid. The scope {form.get('scope', '')} is not valid.")
        life = fa.token_lifetime
        return 200, {"token_type": "Bearer", "expires_in": life, "ext_expires_in": life,
                     "access_token": fa.mint(life)}

    def _managed_identity(self, path, q):
        fa = self.fake
        with fa.lock:
            fa.token_requests += 1
        if path.startswith("/msi/"):
            if self.headers.get("X-IDENTITY-HEADER") != fa.identity_header:
                return 401, {"error": {"code": "Unauthorized",
                                       "message": "X-IDENTITY-HEADER is missing or invalid"}}
        elif self.headers.get("Metadata") != "true":
            return 400, {"error": "invalid_request",
                         "error_description": "Required metadata header not specified"}
        if q.get("resource", "").rstrip("/") != ARM_RESOURCE:
            return 400, {"error": "invalid_resource",
                         "error_description": "AADSTS500011: The resource principal named "
                                              f"{q.get('resource', '')} was not found."}
        life = fa.token_lifetime
        return 200, {"access_token": fa.mint(life), "expires_on": str(int(time.time() + life)),
                     "expires_in": str(life), "resource": ARM_RESOURCE,
                     "token_type": "Bearer", "not_before": str(int(time.time()))}

    # --- Resource Manager ---

    def _headers(self, write=False):
        fa = self.fake
        with fa.lock:
            if write:
                fa.ratelimit_writes = max(fa.ratelimit_writes - 1, 0)
            else:
                fa.ratelimit_reads = max(fa.ratelimit_reads - 1, 0)
            return {"x-ms-request-id": str(uuid.uuid4()),
                    "x-ms-correlation-request-id": str(uuid.uuid4()),
                    "x-ms-ratelimit-remaining-subscription-reads": fa.ratelimit_reads,
                    "x-ms-ratelimit-remaining-subscription-writes": fa.ratelimit_writes}

    def _auth(self):
        with self.fake.lock:
            if self.fake.revoke_after is not None:
                if self.fake.revoke_after <= 0:
                    self.fake.tokens.clear()
                    self.fake.revoke_after = None
                else:
                    self.fake.revoke_after -= 1
        auth = self.headers.get("Authorization") or ""
        www = {"WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/'
                                   f'{self.fake.tenant}", error="invalid_token"'}
        if not auth.startswith("Bearer "):
            return (401, {"error": {"code": "AuthenticationFailed", "message":
                                    "Authentication failed. The 'Authorization' header is "
                                    "missing."}}, www)
        tok = auth[7:].strip()
        with self.fake.lock:
            exp = self.fake.tokens.get(tok)
        if exp is None:
            return (401, {"error": {"code": "InvalidAuthenticationToken",
                                    "message": "The access token is invalid."}}, www)
        if exp <= time.time():
            return (401, {"error": {"code": "ExpiredAuthenticationToken", "message":
                                    f"The access token expiry UTC time '{_iso(exp)}' is earlier "
                                    f"than current UTC time '{_iso(time.time())}'."}}, www)
        return None

    def _throttled(self, path):
        with self.fake.lock:
            for t in self.fake.throttles:
                if t["count"] > 0 and t["match"] in path and (
                        not t["methods"] or self.command in t["methods"]):
                    t["count"] -= 1
                    return (429, {"error": {"code": "TooManyRequests", "message":
                                            "The request is being throttled as the limit has been "
                                            "reached for operation type - Read_ObservationWindow_"
                                            "00:05:00. For more information, see - "
                                            "https://aka.ms/srpthrottlinglimits"}},
                            {"Retry-After": t["retry_after"]})
        return None

    def _arm(self, path, q, raw):
        fa = self.fake
        write = self.command != "GET"
        hdrs = self._headers(write)
        bad = self._auth()
        if bad:
            return bad[0], bad[1], {**hdrs, **bad[2]}
        api = q.get("api-version")
        if api is None:
            return (*_arm_error(400, "MissingApiVersionParameter",
                                "The api-version query parameter (?api-version=) is required "
                                "for all requests."), hdrs)
        if _METRICS_RE.match(path) and self.command == "GET":
            if api != METRICS_API:
                return (*_arm_error(400, "NoRegisteredProviderFound",
                                    f"No registered resource provider found for API version "
                                    f"'{api}' for type 'metrics'. The supported api-versions "
                                    f"are '{METRICS_API}'."), hdrs)
            status, payload = self._metrics(_METRICS_RE.match(path), q)
            return status, payload, hdrs
        if _ACTLOG_RE.match(path) and api != ACTLOG_API:
            return (*_arm_error(400, "NoRegisteredProviderFound",
                                f"No registered resource provider found for location 'global' "
                                f"and API version '{api}' for type 'eventtypes'. The supported "
                                f"api-versions are '{ACTLOG_API}'."), hdrs)
        monitor = {_RULES_RE: RULES_API, _ALERTS_RE: ALERTS_API}
        for rx, want in monitor.items():
            if rx.match(path) and api != want:
                return (*_arm_error(400, "NoRegisteredProviderFound",
                                    f"No registered resource provider found for location "
                                    f"'global' and API version '{api}'. The supported "
                                    f"api-versions are '{want}'."), hdrs)
        if not _API_RE.match(api):
            return (*_arm_error(400, "InvalidApiVersionParameter",
                                f"The api-version '{api}' is invalid. The supported versions are "
                                f"'{','.join(SUPPORTED_API_VERSIONS)}'."), hdrs)
        if api not in SUPPORTED_API_VERSIONS and not any(
                rx.match(path) for rx in (_ACTLOG_RE, _RULES_RE, _ALERTS_RE)):
            return (*_arm_error(400, "NoRegisteredProviderFound",
                                f"No registered resource provider found for location "
                                f"'{fa.location}' and API version '{api}' for type "
                                f"'workspaces'. The supported api-versions are "
                                f"'{', '.join(SUPPORTED_API_VERSIONS)}'."), hdrs)
        t = self._throttled(path)
        if t:
            return t[0], t[1], {**hdrs, **t[2]}
        m = _ACTLOG_RE.match(path)
        if m and self.command == "GET":
            status, payload, extra = self._activity_log(m.group(1), q, api)
            return status, payload, {**hdrs, **(extra or {})}
        for rx, fn in ((_RULES_RE, self._metric_alerts), (_ALERTS_RE, self._alerts)):
            m = rx.match(path)
            if m:
                if self.command != "GET":
                    return (*_arm_error(405, "MethodNotAllowed", "Only GET is served here."),
                            hdrs)
                status, payload, extra = fn(m, q, api)
                return status, payload, {**hdrs, **(extra or {})}
        m = _OP_RE.match(path)
        if m and self.command == "GET":
            status, payload, extra = self._operation(m.group(3))
            return status, payload, {**hdrs, **extra}
        m = _WS_RE.match(path)
        if not m:
            return (*_arm_error(404, "InvalidResourceType", f"The resource path '{path}' is not "
                                "known to Microsoft.MachineLearningServices."), hdrs)
        sub, rg, ws, rest = m.group(1), m.group(2), m.group(3), m.group(4) or ""
        if sub != fa.subscription:
            return (*_arm_error(404, "SubscriptionNotFound",
                                f"The subscription '{sub}' could not be found."), hdrs)
        if rg != fa.resource_group:
            return (*_arm_error(404, "ResourceGroupNotFound",
                                f"Resource group '{rg}' could not be found."), hdrs)
        if ws == FORBIDDEN_WORKSPACE or (fa.forbid and ws == fa.workspace):
            if isinstance(fa.forbid, str) and ws == fa.workspace:
                return (*_arm_error(403, "AuthorizationFailed", fa.forbid), hdrs)
            return (*_arm_error(403, "AuthorizationFailed",
                                f"The client '{fa.client_id}' with object id '{OBJECT_ID}' does "
                                f"not have authorization to perform action 'Microsoft."
                                f"MachineLearningServices/workspaces/read' over scope "
                                f"'{fa.ws_id(ws)}' or the scope is invalid. If access was "
                                f"recently granted, please refresh your credentials."), hdrs)
        if ws != fa.workspace:
            return (*self._not_found(f"workspaces/{ws}"), hdrs)
        status, payload, extra = self._workspace(rest, q, raw, api)
        return status, payload, {**hdrs, **(extra or {})}

    def _activity_log(self, sub, q, api):
        """The Activity Log as ARM serves it: $filter must bound eventTimestamp from below
        (and may name one resourceUri), newest first, paged with nextLink."""
        fa = self.fake
        if sub != fa.subscription:
            return (*_arm_error(404, "SubscriptionNotFound",
                                f"The subscription '{sub}' could not be found."), None)
        m = _ACTLOG_FILTER_RE.match((q.get("$filter") or "").strip())
        if not m:
            return (*_arm_error(400, "BadRequest", "The $filter must include 'eventTimestamp ge' "
                                "and may add 'resourceUri eq'."), None)
        lo, hi, uri = _parse_iso(m.group(1)), _parse_iso(m.group(2)), m.group(3)
        with fa.lock:
            evs = list(fa.activity)
        evs = [e for e in evs if _parse_iso(e["eventTimestamp"]) >= lo and
               (hi is None or _parse_iso(e["eventTimestamp"]) <= hi) and
               (uri is None or e["resourceId"].lower() == uri.lower())]
        evs.sort(key=lambda e: e["eventTimestamp"], reverse=True)
        return self._page(evs, q, api)

    def _metric_alerts(self, m, q, api):
        """The resource group's metric alert rules, one page per page_size with nextLink."""
        fa = self.fake
        if m.group(1) != fa.subscription:
            return (*_arm_error(404, "SubscriptionNotFound",
                                f"The subscription '{m.group(1)}' could not be found."), None)
        if m.group(2).lower() != fa.resource_group.lower():
            return (*_arm_error(404, "ResourceGroupNotFound",
                                f"Resource group '{m.group(2)}' could not be found."), None)
        with fa.lock:
            rules = copy.deepcopy(fa.metric_alerts)
        return self._page(rules, q, api)

    def _alerts(self, m, q, api):
        """Fired alerts of the subscription, filtered as AlertsManagement filters them."""
        fa = self.fake
        if m.group(1) != fa.subscription:
            return (*_arm_error(404, "SubscriptionNotFound",
                                f"The subscription '{m.group(1)}' could not be found."), None)
        target, group = q.get("targetResource"), q.get("targetResourceGroup")
        rtype, cond = q.get("targetResourceType"), q.get("monitorCondition")
        span = q.get("timeRange", "1d")
        if not target and not group:
            return (*_arm_error(400, "BadRequest", "This fake wants targetResource or "
                                "targetResourceGroup: mldeck never reads a whole subscription."),
                    None)
        if span not in _TIME_RANGES:
            return (*_arm_error(400, "BadRequest", f"Invalid timeRange '{span}'."), None)
        lo = time.time() - _TIME_RANGES[span]
        with fa.lock:
            alerts = copy.deepcopy(fa.alerts)

        def keep(a):
            e = a["properties"]["essentials"]
            return ((not target or e["targetResource"].lower() == target.lower())
                    and (not group or e["targetResourceGroup"].lower() == group.lower())
                    and (not rtype or e["targetResourceType"].lower() == rtype.lower())
                    and (not cond or e["monitorCondition"].lower() == cond.lower())
                    and _parse_iso(e["startDateTime"]) >= lo)
        alerts = [a for a in alerts if keep(a)]
        alerts.sort(key=lambda a: a["properties"]["essentials"]["startDateTime"], reverse=True)
        return self._page(alerts, q, api)
    def _metrics(self, m, q):
        """Azure Monitor's metrics query as it answers for an online endpoint: known metric
        names only; a $filter of `DIM eq '*'` clauses (split by DIM), each DIM a dimension of
        every metric asked (Azure refuses the combination otherwise); the aggregation the
        values come as; one-minute buckets over the timespan, only minutes with requests."""
        fa = self.fake
        rid, name = m.group(1), m.group(2)
        with fa.lock:
            if name not in fa.deployments:
                return self._not_found(f"workspaces/{fa.workspace}/onlineEndpoints/{name}")
            data = copy.deepcopy(fa.metrics.get(name, {}))
        names = [n for n in (q.get("metricnames") or "").split(",") if n]
        unknown = [n for n in names if n not in ENDPOINT_METRICS]
        if not names or unknown:
            return _arm_error(400, "BadRequest", f"Failed to find metric configuration for "
                              f"provider: Microsoft.MachineLearningServices, resource type: "
                              f"workspaces/onlineEndpoints, metric: {','.join(unknown)}, Valid "
                              f"metrics: {','.join(ENDPOINT_METRICS)}")
        agg = (q.get("aggregation") or "Average").lower()
        if agg not in ("total", "average", "count", "maximum", "minimum"):
            return _arm_error(400, "BadRequest", f"Invalid aggregation '{agg}'")
        if q.get("interval", "PT1M") != "PT1M":
            return _arm_error(400, "BadRequest", "the fake serves interval PT1M only")
        split = []
        for clause in filter(None, re.split(r"\s+and\s+", q.get("$filter") or "", flags=re.I)):
            fm = _METRIC_FILTER_RE.match(clause)
            if not fm:
                return _arm_error(400, "BadRequest", f"the fake reads only DIM eq '*': {clause!r}")
            split.append(fm.group(1))
        if "deployment" not in [d.lower() for d in split]:
            return _arm_error(400, "BadRequest", "the fake serves metrics split by deployment only")
        for n in names:
            dims = {d.lower() for d in ENDPOINT_METRICS[n][1]}
            missing = [d for d in split if d.lower() not in dims]
            if missing:
                return _arm_error(400, "BadRequest", f"Metric: {n} does not support requested "
                                  f"dimension combination: {','.join(split)}, supported ones "
                                  f"are: {','.join(ENDPOINT_METRICS[n][1])}")
        span = (q.get("timespan") or "").split("/")
        if len(span) != 2:
            return _arm_error(400, "BadRequest", "timespan must be START/END")
        lo, hi = _parse_iso(span[0]), _parse_iso(span[1])
        now_min = int(time.time()) // 60 * 60
        split_l = [d.lower() for d in split]
        out = []
        for n in names:
            series = []
            for dep, d in data.items():
                calls = d.get("calls", [])
                k = len(calls)
                if n == "RequestsPerMinute":
                    classes = {"2xx": [c - e4 - e5 for c, e4, e5 in
                                       zip(calls, d.get("4xx", [0] * k), d.get("5xx", [0] * k))],
                               "4xx": d.get("4xx", [0] * k), "5xx": d.get("5xx", [0] * k)}
                    if "statuscodeclass" not in split_l:
                        classes = {None: calls}
                else:
                    key = {"RequestLatency_P50": "p50", "RequestLatency_P99": "p99"}.get(n)
                    classes = {None: d.get(key, [])} if key else {}
                for cls, vals in classes.items():
                    points = []
                    for i, v in enumerate(vals):
                        t = now_min - (len(vals) - 1 - i) * 60
                        if lo <= t < hi and i < k and calls[i] > 0:
                            points.append({"timeStamp": time.strftime(
                                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)), agg: float(v)})
                    meta = []
                    if "deployment" in split_l:
                        meta.append({"name": {"value": "deployment",
                                              "localizedValue": "deployment"}, "value": dep})
                    if cls is not None:
                        meta.append({"name": {"value": "statuscodeclass",
                                              "localizedValue": "statusCodeClass"}, "value": cls})
                    series.append({"metadatavalues": meta, "data": points})
            out.append({"id": f"{rid}/providers/Microsoft.Insights/metrics/{n}",
                        "type": "Microsoft.Insights/metrics",
                        "name": {"value": n, "localizedValue": n},
                        "displayDescription": "", "unit": ENDPOINT_METRICS[n][0],
                        "timeseries": series, "errorCode": "Success"})
        return 200, {"cost": 0, "timespan": q.get("timespan"), "interval": "PT1M",
                     "value": out, "namespace": "Microsoft.MachineLearningServices/workspaces/"
                     "onlineEndpoints", "resourceregion": fa.location}

    def _not_found(self, what):
        return _arm_error(404, "ResourceNotFound",
                          f"The Resource 'Microsoft.MachineLearningServices/{what}' under "
                          f"resource group '{self.fake.resource_group}' was not found. For more "
                          f"details please go to https://aka.ms/ARMResourceNotFoundFix")

    def _page(self, items, q, api, style="token"):
        fa = self.fake
        if style == "skip":
            start = int(q.get("$skip", "0") or 0)
        else:
            tok = q.get("$skipToken")
            start = int(base64.urlsafe_b64decode(tok.encode()).decode()) if tok else 0
        end = start + fa.page_size
        out = {"value": items[start:end]}
        if end < len(items):
            u = urlsplit(self.path)
            base = f"{'http://login.example.net' if fa.foreign_next_link else fa.url}{u.path}"
            # the request's own filters ride along, as ARM's nextLinks carry them
            keep = "".join(f"&{quote(k)}={quote(v)}" for k, v in q.items()
                           if k not in ("api-version", "$skip", "$skipToken"))
            if style == "skip":  # the fixtures' own form: another api-version, $skip
                out["nextLink"] = f"{base}?api-version=2025-07-01-preview{keep}&$skip={end}"
            else:
                t = base64.urlsafe_b64encode(str(end).encode()).decode()
                out["nextLink"] = f"{base}?api-version={api}{keep}&$skipToken={quote(t)}"
        return 200, out, None

    def _workspace(self, rest, q, raw, api):
        fa = self.fake
        parts = [p for p in rest.split("/") if p]
        cmd = self.command
        with fa.lock:
            if not parts and cmd == "GET":
                return 200, copy.deepcopy(fa.ws), None
            if parts[:1] == ["onlineEndpoints"]:
                return self._endpoints(parts[1:], q, raw, api)
            if parts[:1] == ["models"] and cmd == "GET":
                if len(parts) == 1:
                    return self._page([copy.deepcopy(m) for m in fa.models.values()], q, api)
                name = parts[1]
                if name not in fa.models:
                    return (*self._not_found(f"workspaces/{fa.workspace}/models/{name}"), None)
                if len(parts) == 2:
                    return 200, copy.deepcopy(fa.models[name]), None
                vs = fa.versions[name]
                if len(parts) == 3 and parts[2] == "versions":
                    items = sorted(vs, key=lambda v: -int(v["name"]))
                    return self._page(copy.deepcopy(items), q, api, style="skip")
                if len(parts) == 4 and parts[2] == "versions":
                    for v in vs:
                        if v["name"] == parts[3]:
                            return 200, copy.deepcopy(v), None
                    return (*self._not_found(f"workspaces/{fa.workspace}/models/{name}/"
                                             f"versions/{parts[3]}"), None)
            if parts[:1] == ["jobs"] and cmd == "GET":
                if len(parts) == 1:
                    return self._page(copy.deepcopy(fa.jobs), q, api)
                for j in fa.jobs:
                    if j["name"] == parts[1] and len(parts) == 2:
                        return 200, copy.deepcopy(j), None
                return (*self._not_found(f"workspaces/{fa.workspace}/jobs/{parts[1]}"), None)
            if parts == ["schedules"] and cmd == "GET":
                view = q.get("listViewType", "EnabledOnly")
                if view not in ("EnabledOnly", "DisabledOnly", "All"):
                    return (*_arm_error(400, "UserError", f"Invalid listViewType '{view}'."),
                            None)
                items = [x for x in fa.schedules if view == "All"
                         or (view == "EnabledOnly") == bool(x["properties"].get("isEnabled"))]
                return self._page(copy.deepcopy(items), q, api)
        return (*_arm_error(405 if parts else 404, "UnsupportedOperation",
                            f"{cmd} is not supported on '{rest or '/'}'."), None)

    def _endpoints(self, parts, q, raw, api):
        fa = self.fake
        cmd = self.command
        if not parts:
            if cmd != "GET":
                return (*_arm_error(405, "UnsupportedOperation", f"{cmd} on a list"), None)
            return self._page([self._ep_view(e) for e in fa.endpoints.values()], q, api)
        name = parts[0]
        e = fa.endpoints.get(name)
        if len(parts) == 1 and cmd == "PUT":
            return self._put_endpoint(name, e, raw, api)
        if e is None:
            return (*self._not_found(f"workspaces/{fa.workspace}/onlineEndpoints/{name}"), None)
        if len(parts) == 1 and cmd == "GET":
            return 200, self._ep_view(e), None
        if len(parts) == 1 and cmd == "PATCH":
            body = json.loads(raw or b"{}")
            for k in ("tags", "identity"):  # the rollback trap: properties are ignored
                if k in body:
                    e[k] = body[k]
            op = self._new_operation(name, None, "Succeeded")
            return 202, None, {"Location": f"{fa.url}/subscriptions/{fa.subscription}/providers/"
                                           f"Microsoft.MachineLearningServices/locations/"
                                           f"{fa.location}/mfeOperationResults/{op}"
                                           f"?api-version={api}", "Retry-After": 1}
        deps = fa.deployments[name]
        if parts[1:2] == ["deployments"] and cmd == "GET":
            if len(parts) == 2:
                return self._page(copy.deepcopy(list(deps.values())), q, api)
            d = deps.get(parts[2])
            if d is None or len(parts) != 3:
                return (*self._not_found(f"workspaces/{fa.workspace}/onlineEndpoints/{name}/"
                                         f"deployments/{parts[2]}"), None)
            return 200, copy.deepcopy(d), None
        if parts[1:2] == ["deployments"] and len(parts) == 4 and parts[3] == "getLogs" \
                and cmd == "POST":
            if parts[2] not in deps:
                return (*self._not_found(f"onlineEndpoints/{name}/deployments/{parts[2]}"), None)
            return self._get_logs(name, deps[parts[2]], raw)
        return (*_arm_error(405, "UnsupportedOperation", f"{cmd} is not supported here"), None)

    def _ep_view(self, e):
        return copy.deepcopy(e)

    def _get_logs(self, endpoint, dep, raw):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return (*_arm_error(415, "UnsupportedMediaType", "The content media type "
                                f"'{ctype}' is not supported."), None)
        try:
            body = json.loads(raw or b"")
        except ValueError as exc:
            return (*_arm_error(400, "InvalidRequestContent", "The request content was "
                                f"invalid and could not be deserialized: '{exc}'."), None)
        container = body.get("containerType") if isinstance(body, dict) else None
        tail = body.get("tail") if isinstance(body, dict) else None
        if container not in _CONTAINERS:
            return (*_arm_error(400, "UserError", f"containerType must be one of "
                                f"{', '.join(_CONTAINERS)}; got '{container}'."), None)
        if tail is not None and (not isinstance(tail, int) or isinstance(tail, bool)
                                 or tail < 0):
            return (*_arm_error(400, "UserError", "tail must be a whole number of lines."),
                    None)
        reply = _example("OnlineDeployment/getLogs.json")  # {"content": "string"}
        text = deployment_logs(endpoint, dep["name"], container, dep["properties"]["model"],
                               self.fake.logs_t0)
        with self.fake.lock:
            extra = list(self.fake.extra_logs.get((endpoint, dep["name"], container), []))
        text += "".join(line + "\n" for line in extra)
        if tail:
            text = "".join(text.splitlines(keepends=True)[-tail:])
        reply["content"] = text
        return 200, reply, None

    def _put_endpoint(self, name, e, raw, api):
        fa = self.fake
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return (*_arm_error(415, "UnsupportedMediaType",
                                "The content media type '%s' is not supported. Only "
                                "'application/json' is supported." % ctype), None)
        try:
            body = json.loads(raw)
        except ValueError as exc:
            return (*_arm_error(400, "InvalidRequestContent",
                                f"The request content was invalid and could not be "
                                f"deserialized: '{exc}'."), None)
        if e is None:
            return (*_arm_error(400, "UserError", "Creating endpoints is not supported by this "
                                "fake; only updates of existing endpoints"), None)
        if e["properties"]["provisioningState"] not in ("Succeeded", "Failed", "Canceled"):
            return (*_arm_error(409, "Conflict", f"Endpoint '{name}' is being updated: another "
                                "operation is in progress. Retry after it completes."), None)
        props = body.get("properties")
        if not isinstance(props, dict):
            return (*_arm_error(400, "InvalidRequestContent",
                                "The request content is missing 'properties'."), None)
        if not body.get("location"):
            return (*_arm_error(400, "LocationRequired",
                                "The location property is required for this definition."), None)
        if "authMode" not in props:
            return (*_arm_error(400, "UserError",
                                "The field 'authMode' is required for online endpoints."), None)
        for ro in ("provisioningState", "scoringUri", "swaggerUri"):
            if ro in props:
                return (*_arm_error(400, "BadRequest", f"The property '{ro}' is read-only and "
                                    "cannot be set."), None)
        deps = fa.deployments[name]
        traffic = props.get("traffic") or {}
        mirror = props.get("mirrorTraffic") or {}
        for k, v in traffic.items():
            if k not in deps:
                return (*_arm_error(400, "UserError", f"Traffic set for deployment '{k}' but "
                                    "no such deployment exists."), None)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0 or v > 100:
                return (*_arm_error(400, "UserError", f"Traffic for '{k}' must be an integer "
                                    "from 0 to 100."), None)
            if v > 0 and deps[k]["properties"]["provisioningState"] != "Succeeded":
                return (*_arm_error(400, "UserError", f"Deployment '{k}' is not in a state to "
                                    "receive traffic."), None)
            if v > 0 and mirror.get(k):
                return (*_arm_error(400, "UserError", f"Deployment '{k}' cannot receive both live "
                                    "and mirrored traffic."), None)
        if traffic and sum(traffic.values()) != 100:
            return (*_arm_error(400, "UserError", "Traffic values must sum to 100 (got "
                                f"{sum(traffic.values())})."), None)
        outcome = fa.outcomes.get(name) or ("Failed" if "fail" in name else
                                           "Never" if "stuck" in name else "Succeeded")
        new = copy.deepcopy(e)
        for k in ("tags", "identity", "kind", "sku"):
            if k in body:
                new[k] = body[k]
        keep_state = {k: e["properties"][k] for k in ("provisioningState", "scoringUri",
                                                       "swaggerUri") if k in e["properties"]}
        new["properties"] = {**copy.deepcopy(props), **keep_state}
        op = self._new_operation(name, new, outcome)
        fa.activity.append(activity_event(f"{fa.ws_id()}/onlineEndpoints/{name}",
                                          "Microsoft.MachineLearningServices/workspaces/"
                                          "onlineEndpoints/write", "Started", time.time(),
                                          fa.caller))
        e["properties"]["provisioningState"] = "Updating"
        shown = copy.deepcopy(new)
        shown["properties"]["provisioningState"] = "Updating"
        status_url = (f"{fa.url}/subscriptions/{fa.subscription}/providers/"
                      f"Microsoft.MachineLearningServices/locations/{fa.location}/"
                      f"mfeOperationsStatus/{op}?api-version={api}")
        return 201, shown, {"Azure-AsyncOperation": status_url,
                            "x-ms-async-operation-timeout": "PT1H",
                            "Retry-After": fa.lro_retry_after}

    def _new_operation(self, endpoint, new, outcome):
        op = str(uuid.uuid4())
        self.fake.operations[op] = {"endpoint": endpoint, "new": new, "outcome": outcome,
                                    "polls": 0, "start": time.time(), "status": "InProgress"}
        return op

    def _operation(self, op_id):
        fa = self.fake
        with fa.lock:
            op = fa.operations.get(op_id)
            if op is None:
                return (*_arm_error(404, "ResourceNotFound", f"Operation '{op_id}' not found."),
                        {})
            if op["status"] == "InProgress":
                op["polls"] += 1
                if op["outcome"] != "Never" and op["polls"] > fa.lro_polls:
                    self._finish(op)
            body = {"id": f"/subscriptions/{fa.subscription}/providers/Microsoft."
                          f"MachineLearningServices/locations/{fa.location}/"
                          f"mfeOperationsStatus/{op_id}",
                    "name": op_id, "status": op["status"], "startTime": _iso(op["start"]),
                    "percentComplete": 100.0 if op["status"] != "InProgress" else 50.0}
            if op["status"] != "InProgress":
                body["endTime"] = _iso(time.time())
            if op["status"] == "Failed":
                body["error"] = {"code": "TrafficUpdateFailed", "message":
                                 f"Traffic update of endpoint '{op['endpoint']}' failed: the "
                                 f"scoring containers did not become ready in time."}
            return 200, body, {"Retry-After": fa.lro_retry_after}

    def _finish(self, op):
        self.fake.finish_operation(op)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--page-size", type=int, default=2)
    ap.add_argument("--lro-polls", type=int, default=3)
    ap.add_argument("--mlflow", help="URL of the MLflow server behind the workspace's MLflow")
    args = ap.parse_args(argv)
    fa = FakeAzure(page_size=args.page_size, lro_polls=args.lro_polls, port=args.port,
                   mlflow_upstream=args.mlflow)
    print(fa.url, flush=True)
    print(json.dumps({"tenant": fa.tenant, "client_id": fa.client_id,
                      "client_secret": fa.client_secret, "subscription": fa.subscription,
                      "resource_group": fa.resource_group, "workspace": fa.workspace}),
          flush=True)
    try:
        fa.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
