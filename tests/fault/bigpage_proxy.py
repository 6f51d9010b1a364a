"""The fault proxy in a process of its own for tests/fault/test_big_parse_tui.py: it answers
the runs view's runs/search for a page of N runs of one experiment with a prepared page (the
file named by argv[3], sent as is) and forwards everything else to the server.

    python bigpage_proxy.py UPSTREAM EXPERIMENT_ID PAGE_FILE N LOG_FILE

Prints the proxy's URL on stdout, then serves until stdin closes. Each runs/search it sees is
appended to LOG_FILE as its request body (one line). Its own process, because the measuring
test must not share an interpreter lock with a proxy that pushes 30 MiB per answer.
"""

import json
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import faultproxy  # noqa: E402
from faultproxy import Fault, FaultProxy  # noqa: E402


def main():
    upstream, eid, page_file, n, log_file = sys.argv[1:6]
    n = int(n)
    text = Path(page_file).read_text()
    marker = {"big page": True}
    lock = threading.Lock()

    def reply(obj, path, body):
        with lock, open(log_file, "a") as f:
            f.write((body or b"").decode() + "\n")
        ask = json.loads(body or b"{}")
        if ask.get("max_results") == n and ask.get("experiment_ids") == [eid]:
            return marker
        return obj

    real = json.dumps

    class _Json:  # the prepared page goes out as written, not serialised again
        loads = staticmethod(json.loads)

        @staticmethod
        def dumps(o, *a, **k):
            return text if o is marker else real(o, *a, **k)

    faultproxy.json = _Json
    fp = FaultProxy(upstream).start()
    fp.add(Fault("transform_request", method="POST", path=r"runs/search", fn=reply))
    print(fp.url, flush=True)
    sys.stdin.read()
    fp.stop()


if __name__ == "__main__":
    main()
