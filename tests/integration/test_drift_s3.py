"""`mldeck drift` on S3 inputs, against a real moto_server 5.2.5 on 127.0.0.1.

    mldeck drift --reference FILE|s3://B/KEY --current DIR|s3://B/PREFIX[/]
                 [--violations FILE|s3://B/KEY] [--s3-part-size BYTES] ...

Objects are uploaded with boto3 under the Data Capture key layout; mldeck finds the
moto server through AWS_ENDPOINT_URL_S3 (path-style addressing) and signs with
placeholder keys. What is checked:
  (a) a Data Capture prefix on S3 gives exactly the per-feature results of the same
      files read locally, also with the reference on S3 and every object read in
      small ranged parts; siblings, hidden names and non-data keys are left out;
  (b) with --state a second run reads no object again, one new object is the only
      one read (1,100 objects: two listing pages), and a window it shares with older
      objects is completed from them;
  (c) SageMaker Model Monitor violations from S3 (or a local file) appear in --json
      "platform" and in their own text section, never merged into mldeck's verdicts;
  (d) a missing bucket, a missing key and an unreadable object give messages naming
      s3://...; an unreadable object is a warning and the rest is read;
  (e) moto's own request log (werkzeug's access lines in moto.log) shows that every
      request mldeck sent was a GET;
  (f) against a second moto server with signature checking on (INITIAL_NO_AUTH_ACTION_COUNT),
      an IAM user's keys read everything and a wrong secret or key id fails with moto's
      SignatureDoesNotMatch / InvalidAccessKeyId.
"""

import json
import re
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote

import boto3
import botocore.exceptions
import numpy as np
import pandas as pd
import pytest

from servers import describe, make_isolated_env

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import moto_launcher  # noqa: E402

T0 = 1764583200  # 2025-12-01T10:00:00Z
REGION = "us-east-1"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
# werkzeug's access line, colour codes and all: "GET /b/k?q HTTP/1.1" 200 -
ACCESS = re.compile(r'"(?:\x1b\[[0-9;]*m)*([A-Z]+) (\S+) HTTP/[0-9.]+(?:\x1b\[[0-9;]*m)*" (\d{3})')


# --- the server and how requests are seen ---------------------------------------------------------


@pytest.fixture(scope="module")
def moto():
    with moto_launcher.MotoServer(request_log=False) as m:
        yield m


@pytest.fixture(scope="module")
def s3(moto):
    return boto3.client("s3", endpoint_url=moto.url, region_name=REGION,
                        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)


@pytest.fixture
def env(tmp_path, moto):
    return make_isolated_env(tmp_path / "env", AWS_ACCESS_KEY_ID=KEY_ID,
                             AWS_SECRET_ACCESS_KEY=SECRET, AWS_REGION=REGION,
                             AWS_ENDPOINT_URL_S3=moto.url)


_sentinels = iter(range(1, 1 << 30))


def access_lines(moto, since):
    """Requests moto answered after byte offset `since` of its log, once a sentinel request
    made now shows up in it (so every earlier request has been logged)."""
    tag = f"/moto-api/?sentinel={next(_sentinels)}"
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(moto.url + tag,
                                                                          timeout=10) as r:
        r.read()
    deadline = time.monotonic() + 10
    while True:
        with open(moto.log_path, "rb") as f:
            f.seek(since)
            text = f.read().decode("utf-8", "replace")
        if tag in text or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert tag in text, "moto never logged the sentinel request"
    return [(m.group(1), m.group(2), int(m.group(3))) for m in ACCESS.finditer(text)
            if "/moto-api/" not in m.group(2)]


def log_size(moto):
    return Path(moto.log_path).stat().st_size


def drift(run_mldeck, env, moto, *args, ok=True):
    """Run `mldeck drift ARGS`; returns (CompletedProcess, requests it made), checking
    that every request was a GET."""
    mark = log_size(moto)
    cp = run_mldeck(["drift", *map(str, args)], env, timeout=180)
    reqs = access_lines(moto, mark)
    if ok:
        assert cp.returncode == 0, describe(cp)
    assert reqs, "mldeck made no request"
    assert {m for m, _, _ in reqs} == {"GET"}, reqs
    return cp, reqs


def drift_json(run_mldeck, env, moto, *args):
    cp, reqs = drift(run_mldeck, env, moto, *args, "--json")
    return json.loads(cp.stdout), cp, reqs


def object_gets(reqs, bucket):
    """Paths of object reads (not listings) in bucket."""
    return [p for m, p, _ in reqs if p.startswith(f"/{bucket}/") and "list-type=" not in p]


def listings(reqs, bucket):
    return [p for m, p, _ in reqs if p.startswith(f"/{bucket}?") and "list-type=2" in p]


# --- data ---------------------------------------------------------------------------------------------


def capture_record(x1, x2, plan, pred, t):
    """One SageMaker Data Capture line with a CSV input and output."""
    when = pd.Timestamp(t, unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    half = {"observedContentType": "text/csv", "encoding": "CSV"}
    return json.dumps({"captureData": {"endpointInput": {**half, "mode": "INPUT",
                                                         "data": f"{x1},{x2},{plan}"},
                                       "endpointOutput": {**half, "mode": "OUTPUT",
                                                          "data": f"{pred}"}},
                       "eventMetadata": {"eventId": f"e{t}", "inferenceTime": when},
                       "eventVersion": "0"})


def reference_csv(path, seed=3, n=500):
    rng = np.random.default_rng(seed)
    pd.DataFrame({"x1": rng.normal(0, 1, n).round(4), "x2": rng.uniform(0, 10, n).round(3),
                  "plan": rng.choice(["basic", "plus", "pro"], n, p=[.5, .3, .2]),
                  "prediction": rng.uniform(0, 1, n).round(4)}).to_csv(path, index=False)
    return path


def capture_files(seed=4, hours=3, files_per_hour=4, rows=40):
    """{relative key: text} of Data Capture files, one folder per hour; the last hour drifts."""
    rng = np.random.default_rng(seed)
    out = {}
    for h in range(hours):
        for k in range(files_per_hour):
            lines = []
            for i in range(rows):
                t = T0 + h * 3600 + (k * rows + i) * 20
                shift = 1.5 if h == hours - 1 else 0.0
                lines.append(capture_record(round(float(rng.normal(shift, 1)), 4),
                                            round(float(rng.uniform(0, 10)), 3),
                                            rng.choice(["basic", "plus", "pro", "enterprise"]),
                                            round(float(rng.uniform(0, 1)), 4), t))
            name = f"part {k}+a=b&c.jsonl" if k == 1 else f"capture-{k:03d}.jsonl"
            out[f"2025/12/01/{10 + h:02d}/{name}"] = "\n".join(lines) + "\n"
    return out


def upload(s3, bucket, prefix, files):
    for rel, text in files.items():
        s3.put_object(Bucket=bucket, Key=prefix + rel, Body=text.encode())


def write_local(root, files):
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def new_bucket(s3, name):
    s3.create_bucket(Bucket=name)
    return name


def comparable(doc):
    """What must not depend on where the bytes came from."""
    return {"windows": doc["windows"], "reference": doc["reference"], "files": doc["files"],
            "warnings": doc["warnings"]}


# --- (a) the same answers as local files ----------------------------------------------------------------


def test_capture_prefix_matches_local(run_mldeck, env, moto, s3, tmp_path):
    bucket = new_bucket(s3, "capture-a")
    ref = reference_csv(tmp_path / "ref.csv")
    files = capture_files()
    local = tmp_path / "capture"
    write_local(local, files)
    upload(s3, bucket, "ep/AllTraffic/", files)
    # things the listing must leave out: a sibling prefix, hidden and non-data keys, a marker
    s3.put_object(Bucket=bucket, Key="ep/AllTraffic-old/2025/12/01/10/x.jsonl",
                  Body=files["2025/12/01/10/capture-000.jsonl"].encode())
    s3.put_object(Bucket=bucket, Key="ep/AllTraffic/2025/12/01/10/.hidden.jsonl", Body=b"junk")
    s3.put_object(Bucket=bucket, Key="ep/AllTraffic/_SUCCESS", Body=b"")
    s3.put_object(Bucket=bucket, Key="ep/AllTraffic/2025/", Body=b"")
    s3.put_object(Bucket=bucket, Key="ref/train.csv", Body=ref.read_bytes())

    common = ["--window", 3600, "--prediction", "prediction", "--categorical", "plan"]
    cp = run_mldeck(["drift", "--reference", ref, "--current", local, *common, "--json"], env,
                    timeout=120)
    assert cp.returncode == 0, describe(cp)
    want = json.loads(cp.stdout)
    assert len(want["windows"]) == 3 and want["files"]["read"] == len(files)

    # no trailing slash: the folder AllTraffic/, not the sibling AllTraffic-old/
    got, cp, reqs = drift_json(run_mldeck, env, moto, "--reference", ref, "--current",
                               f"s3://{bucket}/ep/AllTraffic", *common)
    assert cp.stderr == ""
    assert comparable(got) == comparable(want)
    gets = object_gets(reqs, bucket)
    assert len(gets) == len(files)
    assert not [g for g in gets if "old" in g or "hidden" in g or "_SUCCESS" in g]
    assert any(unquote(g).endswith("/part 1+a=b&c.jsonl") for g in gets)
    drifted = {f["feature"]: f for f in got["windows"][2]["features"]}
    assert drifted["x1"]["status"] == "drift"

    # the reference on S3 too, and every object in 700-byte ranged parts
    got, cp, reqs = drift_json(run_mldeck, env, moto, "--reference",
                               f"s3://{bucket}/ref/train.csv", "--current",
                               f"s3://{bucket}/ep/AllTraffic/", *common, "--s3-part-size", 700)
    assert cp.stderr == ""
    assert comparable(got) == comparable(want)
    parts = [r for r in reqs if r[2] == 206]
    assert len(parts) > 2 * len(files), "objects were not read in ranged parts"
    assert all(s in (200, 206) for _, _, s in reqs)

    # one object named exactly: only it
    one = "ep/AllTraffic/2025/12/01/11/capture-000.jsonl"
    got, cp, reqs = drift_json(run_mldeck, env, moto, "--reference", ref, "--current",
                               f"s3://{bucket}/{one}", *common)
    assert got["files"]["read"] == 1 and len(got["windows"]) == 1
    assert object_gets(reqs, bucket) == [f"/{bucket}/{one}"]


# --- (b) incremental --------------------------------------------------------------------------------------


def test_state_reads_each_object_once(run_mldeck, env, moto, s3, tmp_path):
    bucket = new_bucket(s3, "capture-b")
    ref = reference_csv(tmp_path / "ref.csv")
    rng = np.random.default_rng(8)
    n = 1100  # more than one ListObjectsV2 page
    for i in range(n):
        hour = 10 if i < 600 else 11
        t = T0 + (hour - 10) * 3600 + (i % 600) * 5
        s3.put_object(Bucket=bucket, Key=f"cap/2025/12/01/{hour}/f{i:05d}.jsonl",
                      Body=(capture_record(round(float(rng.normal()), 4), 1.5, "plus", 0.5, t)
                            + "\n").encode())
    state = tmp_path / "state.db"
    args = ["--reference", ref, "--current", f"s3://{bucket}/cap/", "--state", state, "--job",
            "s3job", "--window", 3600, "--prediction", "prediction"]

    doc, cp, reqs = drift_json(run_mldeck, env, moto, *args)
    assert doc["files"] == {"read": n, "skipped": 0, "failed": 0}
    assert [w["summary"]["rows_cur"] for w in doc["windows"]] == [600, 500]
    assert len(object_gets(reqs, bucket)) == n
    pages = listings(reqs, bucket)
    assert len(pages) == 2 and "continuation-token=" in pages[1]

    # again: everything listed, nothing read
    doc, cp, reqs = drift_json(run_mldeck, env, moto, *args)
    assert doc["files"] == {"read": 0, "skipped": n, "failed": 0}
    assert doc["windows"] == []
    assert object_gets(reqs, bucket) == []
    assert len(listings(reqs, bucket)) == 2

    # one new object in a new hour: it alone is read
    key = "cap/2025/12/01/12/new.jsonl"
    s3.put_object(Bucket=bucket, Key=key,
                  Body=(capture_record(0.1, 2.0, "pro", 0.3, T0 + 2 * 3600 + 7) + "\n").encode())
    doc, cp, reqs = drift_json(run_mldeck, env, moto, *args)
    assert doc["files"] == {"read": 1, "skipped": n, "failed": 0}
    assert object_gets(reqs, bucket) == [f"/{bucket}/{key}"]
    assert [w["summary"]["rows_cur"] for w in doc["windows"]] == [1]

    # an object rewritten with other bytes of the same size is new again (ETag changed)
    s3.put_object(Bucket=bucket, Key=key,
                  Body=(capture_record(0.2, 2.0, "pro", 0.3, T0 + 2 * 3600 + 7) + "\n").encode())
    doc, cp, reqs = drift_json(run_mldeck, env, moto, *args)
    assert doc["files"] == {"read": 1, "skipped": n, "failed": 0}
    assert object_gets(reqs, bucket) == [f"/{bucket}/{key}"]

    # a new object in an hour older objects share: that window is completed from them
    key2 = "cap/2025/12/01/11/zz-late.jsonl"
    s3.put_object(Bucket=bucket, Key=key2,
                  Body=(capture_record(0.3, 2.0, "pro", 0.3, T0 + 3600 + 9) + "\n").encode())
    doc, cp, reqs = drift_json(run_mldeck, env, moto, *args)
    assert doc["files"] == {"read": 1, "skipped": n + 1, "failed": 0}
    assert [w["summary"]["rows_cur"] for w in doc["windows"]] == [501]
    gets = object_gets(reqs, bucket)
    assert f"/{bucket}/{key2}" in gets
    assert len(gets) == 1 + 500 and not any("/10/" in g for g in gets)


# --- (c) Model Monitor violations -----------------------------------------------------------------------------


VIOLATIONS = {"violations": [
    {"feature_name": "x1", "constraint_check_type": "baseline_drift_check",
     "description": "Baseline drift distance: 0.4123 exceeds threshold: 0.1"},
    {"feature_name": "plan", "constraint_check_type": "data_type_check",
     "description": "Data type match requirement is not met. Expected data type: String, "
                    "Expected match: 100.0%. Observed: Only 90.0% of data is String."},
]}


def test_violations_beside_results(run_mldeck, env, moto, s3, tmp_path):
    bucket = new_bucket(s3, "monitor-c")
    ref = reference_csv(tmp_path / "ref.csv")
    files = capture_files(hours=1, files_per_hour=2)
    upload(s3, bucket, "capture/", files)
    vkey = "monitoring/ep/schedule/2025/12/01/10/constraint_violations.json"
    s3.put_object(Bucket=bucket, Key=vkey, Body=json.dumps(VIOLATIONS).encode())
    base = ["--reference", ref, "--current", f"s3://{bucket}/capture/", "--prediction",
            "prediction"]

    doc, cp, reqs = drift_json(run_mldeck, env, moto, *base, "--violations",
                               f"s3://{bucket}/{vkey}")
    assert doc["platform_error"] is None
    assert doc["platform"] == [
        {"source": "SageMaker Model Monitor", "feature": "x1", "check": "baseline_drift_check",
         "detail": "Baseline drift distance: 0.4123 exceeds threshold: 0.1", "value": 0.4123,
         "threshold": 0.1, "violated": True},
        {"source": "SageMaker Model Monitor", "feature": "plan", "check": "data_type_check",
         "detail": VIOLATIONS["violations"][1]["description"], "value": None, "threshold": None,
         "violated": True}]
    assert f"/{bucket}/{vkey}" in object_gets(reqs, bucket)
    # never merged: mldeck's own verdicts are what they are without the file
    plain, _, _ = drift_json(run_mldeck, env, moto, *base)
    assert plain["windows"] == doc["windows"] and plain["platform"] == []

    cp, _ = drift(run_mldeck, env, moto, *base, "--violations", f"s3://{bucket}/{vkey}")
    text = cp.stdout.split("SageMaker Model Monitor (platform, not merged)\n")
    assert len(text) == 2, cp.stdout
    assert "dataset drift:" in text[0] and "baseline_drift_check" not in text[0]
    rows = text[1].splitlines()
    assert rows[0].split()[:4] == ["FEATURE", "CHECK", "VALUE", "THRESHOLD"]
    assert rows[1].split()[:4] == ["x1", "baseline_drift_check", "0.4123", "0.1"]
    assert rows[2].split()[:4] == ["plan", "data_type_check", "-", "-"]

    # a local file works the same way (a configured job's `violations:` may be either)
    local = tmp_path / "constraint_violations.json"
    local.write_text(json.dumps(VIOLATIONS))
    doc2, _, _ = drift_json(run_mldeck, env, moto, *base, "--violations", local)
    assert doc2["platform"] == doc["platform"]


# --- (d) errors name s3:// ----------------------------------------------------------------------------------


def test_missing_bucket_key_and_unreadable_object(run_mldeck, env, moto, s3, tmp_path):
    bucket = new_bucket(s3, "errors-d")
    ref = reference_csv(tmp_path / "ref.csv")
    files = capture_files(hours=1, files_per_hour=3)
    upload(s3, bucket, "cap/", files)

    cp, _ = drift(run_mldeck, env, moto, "--reference", ref, "--current",
                  "s3://no-such-bucket-d/cap/", ok=False)
    assert cp.returncode == 1
    assert ("cannot list s3://no-such-bucket-d/cap/: NoSuchBucket: "
            "The specified bucket does not exist") in cp.stderr

    cp, _ = drift(run_mldeck, env, moto, "--reference", f"s3://{bucket}/ref/missing.csv",
                  "--current", f"s3://{bucket}/cap/", ok=False)
    assert cp.returncode == 1
    assert f"s3://{bucket}/ref/missing.csv: NoSuchKey" in cp.stderr

    doc, cp, _ = drift_json(run_mldeck, env, moto, "--reference", ref, "--current",
                            f"s3://{bucket}/cap/", "--violations",
                            f"s3://{bucket}/mon/constraint_violations.json")
    assert doc["platform"] == []
    assert doc["platform_error"].startswith(
        f"SageMaker Model Monitor: cannot read s3://{bucket}/mon/constraint_violations.json: "
        "NoSuchKey: ")
    assert doc["files"]["read"] == len(files)

    # a prefix with nothing to read is a warning, not silence
    doc, cp, _ = drift_json(run_mldeck, env, moto, "--reference", ref, "--current",
                            f"s3://{bucket}/nothing-here/")
    assert doc["windows"] == []
    assert f"s3://{bucket}/nothing-here/: no data objects" in cp.stderr

    # one object the bucket policy forbids: a warning naming it, the others are read
    denied = "cap/2025/12/01/10/denied.jsonl"
    s3.put_object(Bucket=bucket, Key=denied, Body=files["2025/12/01/10/capture-000.jsonl"].encode())
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{bucket}/{denied}"}]}))
    state = tmp_path / "state.db"
    args = ["--reference", ref, "--current", f"s3://{bucket}/cap/", "--state", state]
    doc, cp, _ = drift_json(run_mldeck, env, moto, *args)
    assert doc["files"] == {"read": len(files), "skipped": 0, "failed": 1}
    assert f"mldeck: warning: cannot read s3://{bucket}/{denied}: HTTP 403" in cp.stderr
    assert doc["windows"][0]["summary"]["rows_cur"] == 3 * 40
    # not remembered: tried again next time, the others skipped
    s3.delete_bucket_policy(Bucket=bucket)
    doc, cp, reqs = drift_json(run_mldeck, env, moto, *args)
    assert doc["files"] == {"read": 1, "skipped": len(files), "failed": 0}
    assert object_gets(reqs, bucket) == [f"/{bucket}/{denied}"]


# --- (e) reads only -----------------------------------------------------------------------------------------


def test_only_gets_reach_s3(run_mldeck, env, moto, s3, tmp_path):
    bucket = new_bucket(s3, "reads-e")
    ref = reference_csv(tmp_path / "ref.csv")
    s3.put_object(Bucket=bucket, Key="ref.csv", Body=ref.read_bytes())
    files = capture_files(hours=2, files_per_hour=2)
    upload(s3, bucket, "cap/", files)
    s3.put_object(Bucket=bucket, Key="cv.json", Body=json.dumps(VIOLATIONS).encode())
    state = tmp_path / "state.db"
    args = ["--reference", f"s3://{bucket}/ref.csv", "--current", f"s3://{bucket}/cap/",
            "--state", state, "--job", "e", "--window", 3600]

    # every kind of read at once: listings, whole objects, ranged parts, the violations
    doc, cp, reqs = drift_json(run_mldeck, env, moto, *args, "--violations",
                               f"s3://{bucket}/cv.json", "--s3-part-size", 1000)
    assert {m for m, _, _ in reqs} == {"GET"}
    assert all(p.startswith(f"/{bucket}") for _, p, _ in reqs), reqs
    assert len(listings(reqs, bucket)) == 2  # the reference's entry, the capture prefix
    assert object_gets(reqs, bucket).count(f"/{bucket}/ref.csv") >= 2  # in parts
    assert f"/{bucket}/cv.json" in object_gets(reqs, bucket)
    assert doc["files"]["read"] == len(files) and len(doc["platform"]) == 2

    # the second run finds the reference frozen: listed, never downloaded again
    doc, cp, reqs = drift_json(run_mldeck, env, moto, *args)
    assert doc["reference"]["cached"] is True
    assert doc["files"] == {"read": 0, "skipped": len(files), "failed": 0}
    assert object_gets(reqs, bucket) == []
    assert {m for m, _, _ in reqs} == {"GET"}


# --- (f) SigV4 checked: a server that verifies signatures -----------------------------------------------


def test_signatures_verified_by_an_authenticating_server(run_mldeck, tmp_path):
    """moto checks SigV4 signatures (and IAM policies) only after INITIAL_NO_AUTH_ACTION_COUNT
    actions; the module's server never turns that on. Here a server of its own counts exactly
    the set-up actions below, then verifies every request: mldeck's reads must pass with an IAM
    user's keys - keys with spaces, '+', '=' and '&' in them, listings with query strings,
    ranged parts - and fail, saying why, with a wrong secret or an unknown key id."""
    ref = reference_csv(tmp_path / "ref.csv")
    files = capture_files(hours=1, files_per_hour=2)  # one key is "part 1+a=b&c.jsonl"
    objects = {"ref/train.csv": ref.read_bytes(), **{f"cap/{k}": v.encode()
                                                      for k, v in files.items()}}
    setup_actions = 3 + 1 + len(objects)  # IAM user, policy, key; the bucket; the objects
    with moto_launcher.MotoServer(request_log=False, auth_after=setup_actions) as srv:
        kw = {"endpoint_url": srv.url, "region_name": REGION}
        iam = boto3.client("iam", aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET, **kw)
        iam.create_user(UserName="drift-reader")
        iam.put_user_policy(UserName="drift-reader", PolicyName="read", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                           "Resource": "*"}]}))
        key = iam.create_access_key(UserName="drift-reader")["AccessKey"]
        admin = boto3.client("s3", aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET, **kw)
        admin.create_bucket(Bucket="signed-f")
        for k, body in objects.items():
            admin.put_object(Bucket="signed-f", Key=k, Body=body)

        # the server now checks: boto3's own signature passes, a wrong one does not
        good = boto3.client("s3", aws_access_key_id=key["AccessKeyId"],
                            aws_secret_access_key=key["SecretAccessKey"], **kw)
        assert len(good.list_objects_v2(Bucket="signed-f")["Contents"]) == len(objects)
        wrong_secret = key["SecretAccessKey"][::-1]
        forged = boto3.client("s3", aws_access_key_id=key["AccessKeyId"],
                              aws_secret_access_key=wrong_secret, **kw)
        with pytest.raises(botocore.exceptions.ClientError) as e:
            forged.list_objects_v2(Bucket="signed-f")
        assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"

        def run(key_id, secret, *extra):
            env = make_isolated_env(tmp_path / "env", AWS_ACCESS_KEY_ID=key_id,
                                    AWS_SECRET_ACCESS_KEY=secret, AWS_REGION=REGION,
                                    AWS_ENDPOINT_URL_S3=srv.url)
            return run_mldeck(["drift", "--reference", "s3://signed-f/ref/train.csv", "--current",
                               "s3://signed-f/cap/", "--prediction", "prediction", "--json",
                               *extra], env, timeout=180)

        cp = run(key["AccessKeyId"], key["SecretAccessKey"], "--s3-part-size", 700)
        assert cp.returncode == 0, describe(cp)
        doc = json.loads(cp.stdout)
        assert doc["files"] == {"read": len(files), "skipped": 0, "failed": 0}
        assert doc["summary"]["rows_cur"] == 2 * 40 and doc["reference"]["rows"] == 500
        assert cp.stderr == ""

        cp = run(key["AccessKeyId"], wrong_secret)
        assert cp.returncode == 1, describe(cp)
        assert ("cannot list s3://signed-f/ref/train.csv: SignatureDoesNotMatch: The request "
                "signature we calculated does not match the signature you provided") in cp.stderr
        assert "(HTTP 403)" in cp.stderr and wrong_secret not in cp.stderr + cp.stdout
        assert cp.stdout == ""

        cp = run("AKIAUNKNOWNKEY000000", key["SecretAccessKey"])
        assert cp.returncode == 1, describe(cp)
        assert "cannot list s3://signed-f/ref/train.csv: InvalidAccessKeyId" in cp.stderr
