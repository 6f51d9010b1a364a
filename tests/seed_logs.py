"""CloudWatch Logs events for SageMaker endpoints, written into moto through boto3.

SageMaker writes each endpoint's container output to the log group
/aws/sagemaker/Endpoints/NAME, one stream per variant instance ("VARIANT/i-..."). Tests
create the group and streams and put events; moto implements CreateLogGroup,
CreateLogStream, PutLogEvents and FilterLogEvents.
"""

import time

import seed_sagemaker


def now_ms():
    return int(time.time() * 1000)


def write(url, region, endpoint, events):
    """events: [(stream, timestamp_ms, message)]; group and streams made when missing."""
    logs = seed_sagemaker.client("logs", url, region)
    group = f"/aws/sagemaker/Endpoints/{endpoint}"
    try:
        logs.create_log_group(logGroupName=group)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    by_stream = {}
    for stream, ts, msg in events:
        by_stream.setdefault(stream, []).append({"timestamp": int(ts), "message": msg})
    for stream, evs in by_stream.items():
        try:
            logs.create_log_stream(logGroupName=group, logStreamName=stream)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass
        logs.put_log_events(logGroupName=group, logStreamName=stream,
                            logEvents=sorted(evs, key=lambda e: e["timestamp"]))


def ping(ts):
    """A health-check access line as the SageMaker serving containers log them."""
    return (ts, '10.0.0.1 - - "GET /ping HTTP/1.1" 200 2 "-" "AHC/2.0"')
