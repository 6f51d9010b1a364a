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


def demo(url, region="eu-west-1"):
    """The sandbox's endpoint logs: fraud-live's canary fails now and then among the probes."""
    now = now_ms()
    events = []
    for i in range(40):
        ts = now - (40 - i) * 30 * 1000
        events.append(("primary/i-0a1b2c3d",) + ping(ts))
        events.append(("canary/i-0f9e8d7c",) + ping(ts + 500))
        events.append(("primary/i-0a1b2c3d", ts + 200,
                       f'10.0.0.7 - - "POST /invocations HTTP/1.1" 200 {40 + i % 9}'))
        if i % 13 == 5:
            events.append(("canary/i-0f9e8d7c", ts + 700,
                           "ERROR predict failed: ValueError: could not convert string to float: "
                           f"'n/a' (request {i:04d})"))
    events.append(("canary/i-0f9e8d7c", now - 21 * 60 * 1000,
                   "INFO model fraud-v2 loaded from /opt/ml/model in 3.2 s"))
    write(url, region, "fraud-live", events)
    return len(events)


if __name__ == "__main__":
    import sys
    n = demo(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "eu-west-1")
    print(f"wrote {n} log events for fraud-live")
