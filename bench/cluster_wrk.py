"""Requests per second through HAProxy with one web node and with two (`make cluster`'s setup).

    .venv/bin/python bench/cluster_wrk.py [--seconds 15] [--connections 8] [--web-workers 1]

Starts the cluster (scripts/cluster.py) on loopback, signs the demo member in, then drives
HAProxy with `wrk` (Debian: apt-get install wrk) on the member's dashboard (with the session
cookie) and on the dues quote API: first with web2 disabled in HAProxy (one node), then with
both nodes. Prints requests/s, latency and the two-node / one-node ratio. Not part of
`make test`; every request goes to 127.0.0.1 and each run stops after `--seconds`.
"""

import argparse
import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.stack.browser import Browser  # noqa: E402

MEMBER = ("member@demo.icma.org", "demo-member-2026")
QUOTE = "/api/dues/quote?category=full&position=cao&salary=150000&population=52000&budget=61500000"


def load_cluster():
    spec = importlib.util.spec_from_file_location("icma_cluster", ROOT / "scripts" / "cluster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wrk(url: str, *, seconds: int, connections: int, headers: dict) -> dict:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=1, help="gunicorn workers per node")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    cluster = load_cluster().Cluster(
        Path(tempfile.mkdtemp(prefix="icma-bench-cluster-")),
        port=0,
        web_workers=args.web_workers,
        extra_env={"LOG_LEVEL": "WARNING"},
    )
    try:
        cluster.start()
        browser = Browser(cluster.port)
        signed_in = browser.submit("/accounts/login/", {"login": MEMBER[0], "password": MEMBER[1]})
        assert signed_in.status == 302, signed_in.status
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        assert browser.get("/membership/").status == 200
        quote = Browser(cluster.port).get(QUOTE)
        assert quote.status == 200, quote.text[:500]
        base = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
        targets = {
            "member dashboard": ("/membership/", {**base, "Cookie": cookie}),
            "dues quote API": (QUOTE, base),
        }
        results: dict[tuple[str, int], dict] = {}
        for nodes in (1, 2):
            if nodes == 1:
                cluster.haproxy_command("disable server web/web2")
            else:
                cluster.haproxy_command("enable server web/web2")
                cluster.wait_for_servers_up(2)
            for label, (path, headers) in targets.items():
                wrk(  # warm-up
                    cluster.url + path, seconds=2, connections=args.connections, headers=headers
                )
                results[(label, nodes)] = wrk(
                    cluster.url + path,
                    seconds=args.seconds,
                    connections=args.connections,
                    headers=headers,
                )
        print(
            f"\nwrk -c {args.connections} for {args.seconds}s through HAProxy; "
            f"{args.web_workers} gunicorn worker(s) per node\n"
        )
        print(f"{'page':18} {'nodes':>5} {'req/s':>9} {'p50':>9} {'p99':>9} {'non-2xx':>8}")
        for (label, nodes), r in results.items():
            print(
                f"{label:18} {nodes:>5} {r['rps']:>9.1f} {r['p50']:>9} {r['p99']:>9} "
                f"{r['non_2xx']:>8} {r['socket_errors']}"
            )
        print()
        for label in targets:
            ratio = results[(label, 2)]["rps"] / results[(label, 1)]["rps"]
            print(f"{label}: 2 nodes / 1 node = {ratio:.2f}x")
    finally:
        cluster.stop()
        shutil.rmtree(cluster.root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
