"""An incident for the SageMaker sandbox (after tests/seed_sagemaker.py), so `make run` shows
what on-call sees on a bad day:

  - CloudTrail history: the seed's own calls (recorded by tests/moto_launcher.py with the
    user MOTO_CLOUDTRAIL_USERS names for the key), plus events written to the launcher's
    events file: a deploy pipeline's assumed role moved churn-prod to its second config
    three hours ago, and on-call "bob" shifted fraud-live's canary to 25 % an hour ago;
  - a CloudWatch alarm on the fraud-live canary's 5xx errors, in ALARM;
  - endpoint logs in CloudWatch Logs for every variant of fraud-live: health-check noise,
    normal invocations and, on the canary, an error with a traceback line.

    python tests/sandbox/incident.py MOTO_URL EVENTS_FILE [--region R]
"""

import argparse
import datetime as dt
import json
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from seed_sagemaker import client  # noqa: E402

ALARM = "fraud-live-canary-5xx"


def _event(name, endpoint, when, identity, params):
    eid = str(uuid.uuid4())
    record = {"eventVersion": "1.09", "userIdentity": identity,
              "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "eventSource": "sagemaker.amazonaws.com", "eventName": name,
              "requestParameters": params, "eventID": eid, "readOnly": False,
              "eventType": "AwsApiCall"}
    return {"EventId": eid, "EventName": name, "ReadOnly": "false",
            "EventTime": when.timestamp(), "EventSource": "sagemaker.amazonaws.com",
            "Username": identity.get("userName") or identity["arn"].rsplit("/", 1)[-1],
            "Resources": [{"ResourceType": "AWS::SageMaker::Endpoint", "ResourceName": endpoint}],
            "CloudTrailEvent": json.dumps(record)}


def history(now):
    pipeline = {"type": "AssumedRole", "principalId": "AROAEXAMPLE:deploy-pipeline",
                "arn": "arn:aws:sts::123456789012:assumed-role/ml-deployer/deploy-pipeline",
                "accountId": "123456789012",
                "sessionContext": {"sessionIssuer": {
                    "type": "Role", "userName": "ml-deployer",
                    "arn": "arn:aws:iam::123456789012:role/ml-deployer"}}}
    bob = {"type": "IAMUser", "principalId": "AIDAEXAMPLEBOB",
           "arn": "arn:aws:iam::123456789012:user/bob", "accountId": "123456789012",
           "userName": "bob"}
    return [
        _event("UpdateEndpoint", "churn-prod", now - dt.timedelta(hours=3), pipeline,
               {"EndpointName": "churn-prod", "EndpointConfigName": "churn-prod-config-2"}),
        _event("UpdateEndpointWeightsAndCapacities", "fraud-live", now - dt.timedelta(hours=1),
               bob, {"EndpointName": "fraud-live", "DesiredWeightsAndCapacities": [
                   {"VariantName": "primary", "DesiredWeight": 0.75},
                   {"VariantName": "canary", "DesiredWeight": 0.25}]}),
    ]


def alarm(cw):
    cw.put_metric_alarm(
        AlarmName=ALARM, AlarmDescription="fraud-live canary 5xx above 5 a minute",
        Namespace="AWS/SageMaker", MetricName="Invocation5XXErrors", Statistic="Sum",
        Dimensions=[{"Name": "EndpointName", "Value": "fraud-live"},
                    {"Name": "VariantName", "Value": "canary"}],
        Period=60, EvaluationPeriods=1, Threshold=5.0,
        ComparisonOperator="GreaterThanThreshold", ActionsEnabled=True)
    cw.set_alarm_state(AlarmName=ALARM, StateValue="ALARM",
                       StateReason="Threshold Crossed: 1 datapoint [12.0] was greater than "
                                   "the threshold (5.0).")


def logs(lg, now):
    group = "/aws/sagemaker/Endpoints/fraud-live"
    lg.create_log_group(logGroupName=group)
    streams = {"primary/i-0a1b2c3d4e5f60001": False, "canary/i-0a1b2c3d4e5f60002": True}
    start = int((now - dt.timedelta(minutes=30)).timestamp() * 1000)
    for stream, canary in streams.items():
        lg.create_log_stream(logGroupName=group, logStreamName=stream)
        events = []
        for i in range(60):
            t = start + i * 30_000
            events.append({"timestamp": t, "message": '"GET /ping HTTP/1.1" 200 0'})
            if canary and i % 6 == 5:
                events.append({"timestamp": t + 1, "message":
                               "ERROR model_fn failed: KeyError: 'merchant_category'"})
                events.append({"timestamp": t + 2, "message":
                               '"POST /invocations HTTP/1.1" 500 141'})
            else:
                events.append({"timestamp": t + 1, "message":
                               f'"POST /invocations HTTP/1.1" 200 {180 + i % 7} 23ms'})
        lg.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


def main(argv=None):
    ap = argparse.ArgumentParser(description="seed the sandbox's incident into moto")
    ap.add_argument("url")
    ap.add_argument("events_file")
    ap.add_argument("--region", default="eu-west-1")
    args = ap.parse_args(argv)
    now = dt.datetime.now(dt.timezone.utc)
    Path(args.events_file).write_text(json.dumps(history(now)))
    alarm(client("cloudwatch", args.url, args.region))
    logs(client("logs", args.url, args.region), now)
    print(f"incident seeded at {args.url} ({time.strftime('%H:%M:%S')})")


if __name__ == "__main__":
    main()
