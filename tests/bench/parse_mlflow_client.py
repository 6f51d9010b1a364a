"""The MLflow Python client's share of bench_parse.py: parse one runs/search reply the way
its REST store does (mlflow/utils/rest_utils.py call_endpoint, then RestStore.search_runs):
json.loads, parse_dict into SearchRuns.Response, Run.from_proto for every run.

    python parse_mlflow_client.py FILE REPEAT

Prints one JSON line like bench_parse.c: per-parse times (ms) and peak RSS (KiB) before
the first parse (interpreter, mlflow imported, file read) and after it.
"""

import json
import resource
import sys
import time

from mlflow.entities import Run
from mlflow.protos.service_pb2 import SearchRuns
from mlflow.utils.proto_json_utils import parse_dict


def peak_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main():
    path, repeat = sys.argv[1], int(sys.argv[2])
    with open(path, encoding="utf-8") as f:
        text = f.read()  # what requests hands the client as response.text
    before = peak_kib()
    after = before
    times = []
    n = 0
    for i in range(repeat):
        t0 = time.perf_counter()
        proto = SearchRuns.Response()
        parse_dict(js_dict=json.loads(text), message=proto)
        runs = [Run.from_proto(r) for r in proto.runs]
        times.append((time.perf_counter() - t0) * 1000)
        n = len(runs)
        if i == 0:
            after = peak_kib()
        del runs, proto
    print(json.dumps({"tool": "mlflow-client", "bytes": len(text.encode()), "times_ms": times,
                      "runs": n, "rss_before_kib": before, "rss_peak_kib": after}))


if __name__ == "__main__":
    main()
