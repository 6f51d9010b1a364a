"""The CloudTrail history of the SageMaker sandbox (after tests/seed_sagemaker.py, whose main
seeds the firing alarm, and tests/seed_logs.py, the endpoint logs), so `make run` shows who
changed what on a bad day: the seed's own calls (recorded by tests/moto_launcher.py with the
user MOTO_CLOUDTRAIL_USERS names for the key), plus events written to the launcher's events
file: a deploy pipeline's assumed role moved churn-prod to its second config (when the sandbox's
drift data starts drifting),
and on-call "bob" shifted fraud-live's canary to 25 % an hour ago.

    python tests/sandbox/incident.py MOTO_URL EVENTS_FILE [--region R] [--deployed-at EPOCH_S]
"""

import argparse
import datetime as dt
import json
import time
import uuid
from pathlib import Path


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


def history(now, deployed_at=None):
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
        _event("UpdateEndpoint", "churn-prod", deployed_at or now - dt.timedelta(hours=3), pipeline,
               {"EndpointName": "churn-prod", "EndpointConfigName": "churn-prod-config-2"}),
        _event("UpdateEndpointWeightsAndCapacities", "fraud-live", now - dt.timedelta(hours=1),
               bob, {"EndpointName": "fraud-live", "DesiredWeightsAndCapacities": [
                   {"VariantName": "primary", "DesiredWeight": 0.75},
                   {"VariantName": "canary", "DesiredWeight": 0.25}]}),
    ]


def main(argv=None):
    ap = argparse.ArgumentParser(description="write the sandbox's CloudTrail history")
    ap.add_argument("url")
    ap.add_argument("events_file")
    ap.add_argument("--region", default="eu-west-1")
    ap.add_argument("--deployed-at", type=float, default=None,
                    help="epoch seconds of the pipeline's churn-prod deployment (default 3 h ago)")
    args = ap.parse_args(argv)
    now = dt.datetime.now(dt.timezone.utc)
    deployed = (dt.datetime.fromtimestamp(args.deployed_at, dt.timezone.utc)
                if args.deployed_at else None)
    Path(args.events_file).write_text(json.dumps(history(now, deployed)))
    print(f"CloudTrail history for {args.url} written to {args.events_file} "
          f"({time.strftime('%H:%M:%S')})")


if __name__ == "__main__":
    main()
