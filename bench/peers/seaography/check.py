#!/usr/bin/env python3
"""Checks the seaography peer against the registry, shape by shape.

For each backend (SQLite, PostgreSQL) and size (S, M) it starts the peer
(target/release/seaography-peer) and the registry's release binary over the
same data, sends each the documents of the shapes the peer can express (the
peer's own documents are read from bench/src/peers/seaography.rs, so the
driver and this check send the same text), normalizes the peer's `data` as
`normalize` in that file does, and checks it equals the registry's `data`
for several variables. Q7, which the peer cannot express, is compared with
its nearest document for information only.

    python3 check.py [--sizes s,m] [--backends sqlite,postgres] [--latency N]

--latency N: afterwards, on SQLite at the largest size checked, times N
sequential requests per shape and server (after a warm-up) and prints the
mean and median in milliseconds (single client, informative only).

Test data (read-only; SQLite files are copied first): /work/peerdata/{s,m}.db
and the PostgreSQL databases peers_s, peers_m. Standard library only.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE = os.path.join(HERE, "..", "..", "src", "peers", "seaography.rs")
PEER = os.path.join(HERE, "target", "release", "seaography-peer")
REGISTRY = os.environ.get("REGISTRY_BIN", "/work/peerdata/standards-registry")
DATA = os.environ.get("PEER_DATA", "/work/peerdata")
PG = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
PEER_PORT, REGISTRY_PORT = 18111, 18112

# The registry's documents (SHAPES.md).
REGISTRY_DOCS = {
    "Q1": "query Q1($code: String!) { standard(code: $code) { code title kind status year committee { code name } workingGroup { code name } } }",
    "Q2": "query Q2 { standards(first: 100) { nodes { code title status year committee { code name } workingGroup { code name } } } }",
    "Q3": "query Q3($after: String) { committees(first: 10, after: $after) { pageInfo { hasNextPage endCursor } nodes { code name workingGroups(first: 20) { nodes { code name standards(first: 20) { nodes { code title committee { code liaisons { kind counterpart } } } } } } } } }",
    "Q6": "query Q6 { standards(filter: { status: [PUBLISHED] }, first: 100) { totalCount nodes { code title status year } } }",
    "Q7": "query Q7($after: String) { standards(filter: { kind: [NATIONAL, SECTOR], yearFrom: 2000 }, orderBy: [{ field: YEAR, direction: DESC }, { field: CODE, direction: ASC }], first: 20, after: $after) { pageInfo { hasNextPage endCursor } nodes { code title year status } } }",
}
Q7_FILTER = "filter: { kind: [NATIONAL, SECTOR], yearFrom: 2000 }, orderBy: [{ field: YEAR, direction: DESC }, { field: CODE, direction: ASC }]"
Q7_DEPTH = 20_000


def peer_docs():
    """The peer's documents, as the Rust module has them (raw string constants)."""
    text = open(MODULE, encoding="utf-8").read()
    docs = dict(re.findall(r'const (\w+): &str = r#"(.*?)"#;', text, re.S))
    return {"Q1": docs["Q1"], "Q2": docs["Q2"], "Q3": docs["Q3"], "Q6": docs["Q6"], "Q7": docs["Q7_NEAREST"]}


def normalize(shape, data):
    """The Python twin of `normalize` in bench/src/peers/seaography.rs."""
    if shape == "Q1":
        nodes = ((data or {}).get("standard") or {}).get("nodes") or []
        return {"standard": nodes[0] if nodes else None}
    if shape == "Q3":
        for c in data["committees"]["nodes"]:
            for g in c["workingGroups"]["nodes"]:
                for s in g["standards"]["nodes"]:
                    owner = s.get("committee")
                    if isinstance(owner, dict):
                        owner["liaisons"] = (owner.get("liaisons") or {}).get("nodes") or []
        return data
    if shape == "Q6":
        info = data["standards"].pop("paginationInfo", None) or {}
        data["standards"]["totalCount"] = info.get("total")
        return data
    return data


def gql(port, query, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=body, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=120) as resp:
        answer = json.load(resp)
    if answer.get("errors"):
        raise RuntimeError(f"port {port}: {answer['errors']}\n{query}\n{variables}")
    return answer["data"]


def wait_ready(proc, port, name):
    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}")
        try:
            gql(port, "{ __typename }")
            return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{name} not ready on {port}")


class Servers:
    """The peer and the registry over one copy of one dataset."""

    def __init__(self, backend, size):
        self.dir = tempfile.mkdtemp(prefix=f"seaography-check-{backend}-{size}-")
        if backend == "sqlite":
            urls = []
            for who in ("peer", "registry"):
                path = os.path.join(self.dir, f"{who}.db")
                shutil.copyfile(os.path.join(DATA, f"{size}.db"), path)
                urls.append(f"sqlite://{path}?mode=rwc")
            peer_url, registry_url = urls
        else:
            peer_url = registry_url = f"{PG}/peers_{size}"
        log = lambda who: open(os.path.join(self.dir, f"{who}.log"), "w")
        self.peer = subprocess.Popen(
            [PEER, "--database-url", peer_url, "--port", str(PEER_PORT)],
            stdout=log("peer"), stderr=subprocess.STDOUT,
        )
        self.registry = subprocess.Popen(
            [REGISTRY, "--database-url", registry_url, "serve",
             "--bind", f"127.0.0.1:{REGISTRY_PORT}", "--dataset", "/nonexistent"],
            stdout=log("registry"), stderr=subprocess.STDOUT,
        )
        wait_ready(self.peer, PEER_PORT, "peer")
        wait_ready(self.registry, REGISTRY_PORT, "registry")

    def close(self):
        for proc in (self.peer, self.registry):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def strip_cursors(value):
    if isinstance(value, dict):
        return {k: strip_cursors(v) for k, v in value.items() if k not in ("endCursor", "startCursor")}
    if isinstance(value, list):
        return [strip_cursors(v) for v in value]
    return value


def first_difference(a, b, path=""):
    if type(a) is not type(b):
        return f"{path}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}/{k}: present on one side only"
            d = first_difference(a[k], b[k], f"{path}/{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}/{i}")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"


def spread(n, count):
    return sorted({(i * (n - 1)) // max(count - 1, 1) for i in range(count)}) if n else []


def variants(servers, docs):
    """Each shape's (peer variables, registry variables, label) list."""
    total = gql(PEER_PORT, "{ standard(pagination: { offset: { limit: 1, offset: 0 } }) { paginationInfo { total } } }")
    n = total["standard"]["paginationInfo"]["total"]
    codes = []
    for k in spread(n, 12):
        page = gql(PEER_PORT, "query($o: Int!) { standard(orderBy: { id: ASC }, pagination: { offset: { limit: 1, offset: $o } }) { nodes { code } } }", {"o": k})
        codes.append(page["standard"]["nodes"][0]["code"])
    codes.append("NO/SUCH 0-0000")
    out = {
        "Q1": [({"code": c}, {"code": c}, c) for c in codes],
        "Q2": [({}, {}, "-")],
        "Q6": [({}, {}, "-")],
    }
    # Q3: the registry pages by its own cursors, the peer by offset.
    q3, after, page = [], None, 0
    while page < 8:
        q3.append(({"offset": page * 10}, {"after": after}, f"offset {page * 10}"))
        info = gql(REGISTRY_PORT, "query($after: String) { committees(first: 10, after: $after) { pageInfo { hasNextPage endCursor } } }", {"after": after})["committees"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        after, page = info["endCursor"], page + 1
    out["Q3"] = q3
    # Q7 (information only): the first page and the page 1,000 deep (or the last).
    count = gql(REGISTRY_PORT, f"{{ standards({Q7_FILTER}, first: 0) {{ totalCount }} }}")["standards"]["totalCount"]
    depth = min(Q7_DEPTH, ((count - 1) // 20) * 20)
    q7 = [({"offset": 0}, {"after": None}, "offset 0")]
    if depth:
        q7.append(({"offset": depth}, {"after": registry_cursor(depth - 1)}, f"offset {depth}"))
    out["Q7"] = q7
    return out


def registry_cursor(position):
    """The registry's cursor of row `position` of Q7's list, by paging from the start."""
    doc = f"query($first: Int!, $after: String) {{ standards({Q7_FILTER}, first: $first, after: $after) {{ pageInfo {{ endCursor }} }} }}"
    after, reached = None, 0
    while reached <= position:
        first = min(100, position + 1 - reached)
        after = gql(REGISTRY_PORT, doc, {"first": first, "after": after})["standards"]["pageInfo"]["endCursor"]
        reached += first
    return after


def check(backend, size, docs, latency):
    print(f"== {backend} {size.upper()}", flush=True)
    servers = Servers(backend, size)
    failures = 0
    try:
        plan = variants(servers, docs)
        for shape in ("Q1", "Q2", "Q3", "Q6", "Q7"):
            informative = shape == "Q7"
            equal = 0
            for peer_vars, registry_vars, label in plan[shape]:
                mine = strip_cursors(normalize(shape, gql(PEER_PORT, docs[shape], peer_vars)))
                theirs = strip_cursors(gql(REGISTRY_PORT, REGISTRY_DOCS[shape], registry_vars))
                diff = first_difference(mine, theirs)
                if diff is None:
                    equal += 1
                elif informative:
                    print(f"   {shape} [{label}] differs (expected: {diff})")
                else:
                    failures += 1
                    print(f"   {shape} [{label}] DIFFERS: {diff}")
            kind = "information only" if informative else "checked"
            print(f"  {shape}: {equal}/{len(plan[shape])} variants equal ({kind})", flush=True)
        if latency:
            time_shapes(plan, docs, latency)
    finally:
        servers.close()
    return failures


def time_shapes(plan, docs, n):
    print(f"  single-client latency, {n} sequential requests after warm-up (ms: mean / median)")
    for shape in ("Q1", "Q2", "Q3", "Q6", "Q7"):
        row = []
        for port, doc, pick in ((REGISTRY_PORT, REGISTRY_DOCS[shape], 1), (PEER_PORT, docs[shape], 0)):
            vs = [v[pick] for v in plan[shape]]
            if shape == "Q7":
                vs = vs[-1:]  # the deep page
            for i in range(max(20, n // 10)):
                gql(port, doc, vs[i % len(vs)])
            times = []
            for i in range(n):
                t = time.perf_counter()
                gql(port, doc, vs[i % len(vs)])
                times.append((time.perf_counter() - t) * 1000)
            row.append(f"{statistics.mean(times):8.2f} / {statistics.median(times):8.2f}")
        note = "  (peer: nearest document, not equal)" if shape == "Q7" else ""
        print(f"   {shape}: registry {row[0]}   seaography {row[1]}{note}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="s,m")
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--latency", type=int, default=0)
    args = ap.parse_args()
    docs = peer_docs()
    sizes = args.sizes.split(",")
    failures = 0
    for backend in args.backends.split(","):
        for size in sizes:
            if not os.path.exists(os.path.join(DATA, f"READY-{size}")):
                print(f"== {backend} {size.upper()}: data not ready, skipped")
                continue
            timed = args.latency if (backend == "sqlite" and size == sizes[-1]) else 0
            failures += check(backend, size, docs, timed)
    print("OK: every expressible shape equals the registry's answer" if failures == 0 else f"FAILED: {failures} variants differ")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
