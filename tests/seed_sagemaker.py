"""Seed a moto server (tests/moto_launcher.py) with a small SageMaker world, via boto3.

    seed(url, region="eu-west-1") -> summary dict
    python tests/seed_sagemaker.py URL [--region R] [--json]

What it creates (names are fixed; tests rely on them):
  endpoints, each moved from its first config to its second with UpdateEndpoint
  (so a rollback has somewhere to go; the launcher patches UpdateEndpoint in):
    churn-prod   churn-prod-config-1 -> churn-prod-config-2   one variant AllTraffic
    fraud-live   fraud-live-config-1 -> fraud-live-config-2   canary: primary 0.9 / canary 0.1
    reco-batch   reco-blue -> reco-green                      variant reco-main (names share
                                                              no stem: found by variant names)
  models (one per variant; fraud-v2 is built from model package fraud-detector/2)
  model package groups churn-models (1 Approved, 2 PendingManualApproval) and
    fraud-detector (1 Approved, 2 Approved, 3 Rejected); fraud-detector/1 carries an
    ApprovalDescription and CustomerMetadataProperties
  training jobs churn-xgb-<timestamp> x2 and fraud-train-1/-2 with hyperparameters
    and S3 input channels
  CloudWatch AWS/SageMaker metrics for every endpoint and variant, one point a minute
    for the last 60 minutes: Invocations, Invocation4XXErrors, Invocation5XXErrors,
    ModelLatency and OverheadLatency (microseconds)

Credentials: whatever boto3 is given (default: fake keys, which moto accepts while
its signature checking is off).
"""

import argparse
import datetime as dt
import json
import sys

ROLE = "arn:aws:iam::123456789012:role/mldeck-sagemaker"
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/{}:latest"

ENDPOINTS = {
    "churn-prod": [
        ("churn-prod-config-1", [("AllTraffic", "churn-xgb-v1", "ml.m5.large", 2, 1.0)]),
        ("churn-prod-config-2", [("AllTraffic", "churn-xgb-v2", "ml.m5.xlarge", 2, 1.0)]),
    ],
    "fraud-live": [
        ("fraud-live-config-1", [("primary", "fraud-v1", "ml.m5.large", 1, 1.0)]),
        ("fraud-live-config-2", [("primary", "fraud-v1", "ml.m5.large", 2, 0.9),
                                 ("canary", "fraud-v2", "ml.m5.large", 1, 0.1)]),
    ],
    "reco-batch": [
        ("reco-blue", [("reco-main", "reco-v1", "ml.m5.large", 1, 1.0)]),
        ("reco-green", [("reco-main", "reco-v2", "ml.m5.large", 1, 1.0)]),
    ],
}

PACKAGES = {
    "churn-models": ["Approved", "PendingManualApproval"],
    "fraud-detector": ["Approved", "Approved", "Rejected"],
}

TRAINING_JOBS = [
    ("churn-xgb-2026-11-01-10-00-00-000", {"max_depth": "6", "eta": "0.2"}),
    ("churn-xgb-2026-11-02-10-00-00-000", {"max_depth": "8", "eta": "0.1"}),
    ("fraud-train-1", {"epochs": "10", "lr": "0.001"}),
    ("fraud-train-2", {"epochs": "20", "lr": "0.0005"}),
]

METRIC_MINUTES = 60


def client(service, url, region, creds=None):
    import boto3
    from botocore.config import Config
    # botocore gzips big PutMetricData bodies; moto checks signatures over the
    # decompressed body, so with signature checking on they would not match
    kw = dict(endpoint_url=url, region_name=region,
              config=Config(disable_request_compression=True))
    creds = creds or {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
                      "aws_secret_access_key": "seed-secret-not-used-by-mldeck"}
    kw.update(creds)
    return boto3.client(service, **kw)


def metric_value(endpoint, variant, metric, i):
    """Deterministic values: the fraud canary errs more and is slower."""
    canary = variant == "canary"
    base = 100 + (i % 10)
    if metric == "Invocations":
        return float(base if not canary else base // 9)
    if metric == "Invocation4XXErrors":
        return float(1 if i % 7 == 0 else 0)
    if metric == "Invocation5XXErrors":
        return float((3 if canary else 0) + (1 if i % 20 == 0 else 0))
    if metric == "OverheadLatency":
        return 1000.0  # microseconds: SageMaker's own share of a request
    return float(30000 if canary else 20000 + 100 * (i % 5))  # ModelLatency, microseconds


def seed(url, region="eu-west-1", creds=None, now=None):
    sm = client("sagemaker", url, region, creds)
    cw = client("cloudwatch", url, region, creds)
    summary = {"region": region, "endpoints": {}, "packages": {}, "training_jobs": [],
               "metric_start": None}

    # model registry first: fraud-v2 is built from fraud-detector version 2
    arns = {}
    for group, statuses in PACKAGES.items():
        sm.create_model_package_group(ModelPackageGroupName=group,
                                      ModelPackageGroupDescription=f"{group} registry")
        for n, status in enumerate(statuses, 1):
            r = sm.create_model_package(
                ModelPackageGroupName=group, ModelApprovalStatus=status,
                ModelPackageDescription=f"{group} v{n}",
                InferenceSpecification={
                    "Containers": [{"Image": IMAGE.format(group),
                                    "ModelDataUrl": f"s3://mldeck-models/{group}/{n}/model.tar.gz"}],
                    "SupportedContentTypes": ["text/csv"],
                    "SupportedResponseMIMETypes": ["text/csv"]})
            arns[(group, n)] = r["ModelPackageArn"]
        summary["packages"][group] = statuses
    # something an approval change must not reset (moto resets omitted members)
    sm.update_model_package(ModelPackageArn=arns[("fraud-detector", 1)],
                            ModelApprovalStatus="Approved",
                            ApprovalDescription="approved by the ml-ops review",
                            CustomerMetadataProperties={"owner": "fraud-team"})
    summary["package_arns"] = {f"{g}/{n}": a for (g, n), a in arns.items()}

    models = {}
    for configs in ENDPOINTS.values():
        for _, variants in configs:
            for _, model, _, _, _ in variants:
                models[model] = True
    for model in models:
        if model == "fraud-v2":
            container = {"ModelPackageName": arns[("fraud-detector", 2)]}
        else:
            container = {"Image": IMAGE.format(model.rsplit("-", 1)[0]),
                         "ModelDataUrl": f"s3://mldeck-models/{model}/model.tar.gz",
                         "Environment": {"SECRET_API_KEY": "model-env-secret-must-not-leak"}}
        sm.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer=container)

    for endpoint, configs in ENDPOINTS.items():
        for cfg, variants in configs:
            sm.create_endpoint_config(EndpointConfigName=cfg, ProductionVariants=[
                {"VariantName": v, "ModelName": m, "InstanceType": t,
                 "InitialInstanceCount": c, "InitialVariantWeight": w}
                for v, m, t, c, w in variants])
        sm.create_endpoint(EndpointName=endpoint, EndpointConfigName=configs[0][0])
        sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=configs[1][0])
        summary["endpoints"][endpoint] = {
            "current": configs[1][0], "previous": configs[0][0],
            "variants": {v: {"model": m, "instance_type": t, "count": c, "weight": w}
                         for v, m, t, c, w in configs[1][1]}}

    for name, hp in TRAINING_JOBS:
        sm.create_training_job(
            TrainingJobName=name, HyperParameters=hp, RoleArn=ROLE,
            AlgorithmSpecification={"TrainingImage": IMAGE.format("xgboost"),
                                    "TrainingInputMode": "File"},
            InputDataConfig=[
                {"ChannelName": "train", "DataSource": {"S3DataSource": {
                    "S3DataType": "S3Prefix", "S3Uri": f"s3://mldeck-data/{name}/train/"}}},
                {"ChannelName": "validation", "DataSource": {"S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": f"s3://mldeck-data/{name}/validation/"}}}],
            OutputDataConfig={"S3OutputPath": "s3://mldeck-models/output"},
            ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1,
                            "VolumeSizeInGB": 10},
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
            Environment={"TRAINING_SECRET": "training-env-secret-must-not-leak"})
        summary["training_jobs"].append(name)

    now = now or dt.datetime.now(dt.timezone.utc)
    start = now.replace(second=0, microsecond=0) - dt.timedelta(minutes=METRIC_MINUTES - 1)
    summary["metric_start"] = start.isoformat()
    for endpoint, configs in ENDPOINTS.items():
        for variant, _, _, _, _ in configs[1][1]:
            data = []
            for i in range(METRIC_MINUTES):
                ts = start + dt.timedelta(minutes=i)
                for metric in ("Invocations", "Invocation4XXErrors", "Invocation5XXErrors",
                               "ModelLatency", "OverheadLatency"):
                    data.append({
                        "MetricName": metric, "Timestamp": ts,
                        "Dimensions": [{"Name": "EndpointName", "Value": endpoint},
                                       {"Name": "VariantName", "Value": variant}],
                        "Value": metric_value(endpoint, variant, metric, i),
                        "Unit": "Microseconds" if metric.endswith("Latency") else "Count"})
            for k in range(0, len(data), 500):
                cw.put_metric_data(Namespace="AWS/SageMaker", MetricData=data[k:k + 500])
    return summary


def seed_alarms(url, region="eu-west-1", creds=None):
    """The sandbox's CloudWatch alarms: the fraud canary's 5xx alarm firing (its seeded 5xx
    rate is high), a quiet latency alarm on churn-prod. Not part of seed(): tests add their own."""
    cw = client("cloudwatch", url, region, creds)
    alarms = [("fraud-live-canary-5xx", "fraud-live", "canary", "Invocation5XXErrors", 5.0,
               "ALARM", "Threshold Crossed: 3 out of the last 3 datapoints were greater than the "
               "threshold (5.0)."),
              ("churn-prod-p99-latency", "churn-prod", None, "ModelLatency", 500000.0,
               "OK", "Threshold Crossed: no datapoint was greater than the threshold (500000.0).")]
    for name, endpoint, variant, metric, threshold, state, reason in alarms:
        dims = [{"Name": "EndpointName", "Value": endpoint}]
        if variant:
            dims.append({"Name": "VariantName", "Value": variant})
        cw.put_metric_alarm(AlarmName=name, Namespace="AWS/SageMaker", MetricName=metric,
                            Dimensions=dims, Statistic="Sum", Period=60, EvaluationPeriods=3,
                            Threshold=threshold, ComparisonOperator="GreaterThanThreshold")
        cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)
    return [a[0] for a in alarms]


def main(argv=None):
    ap = argparse.ArgumentParser(description="seed moto with mldeck's SageMaker demo world")
    ap.add_argument("url")
    ap.add_argument("--region", default="eu-west-1")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = ap.parse_args(argv)
    summary = seed(args.url, args.region)
    summary["alarms"] = seed_alarms(args.url, args.region)
    if args.json:
        json.dump(summary, sys.stdout, indent=1)
        print()
    else:
        print(f"seeded {len(summary['endpoints'])} endpoints, "
              f"{len(summary['training_jobs'])} training jobs at {args.url}")


if __name__ == "__main__":
    main()
