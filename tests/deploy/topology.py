"""What the Python drivers of scripts/cluster's topology share: JSON over
HTTP, checks that print as they pass, bounded polling, and the Redis
Cluster of `scripts/cluster --redis-cluster` (its nodes, who owns a slot,
pausing, killing and starting nodes again)."""

import json
import os
import subprocess
import sys
import time
import urllib.request

TIMEOUT = 15


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
        return resp.status, json.load(resp)


def check(cond, what):
    if not cond:
        raise SystemExit(f"  FAIL  {what}")
    print(f"  ok    {what}", file=sys.stderr)


def wait_for(cond, seconds, what):
    """Polls cond every 0.2 s, at most `seconds`; returns its last value."""
    deadline = time.monotonic() + seconds
    while True:
        value = cond()
        if value or time.monotonic() > deadline:
            check(value, what)
            return value
        time.sleep(0.2)


class Cluster:
    def __init__(self, info):
        self.dir = info["redis_dir"]
        self.logs = os.path.join(os.path.dirname(self.dir), "logs")
        self.ports = [int(p) for p in open(os.path.join(self.dir, "ports")).read().split()]

    def cli(self, port, *args):
        """redis-cli's answer; "" from a node that does not answer in 2 s
        (a paused one)."""
        try:
            return subprocess.run(["redis-cli", "-p", str(port), *args],
                                  capture_output=True, text=True, timeout=2).stdout
        except subprocess.TimeoutExpired:
            return ""

    def live_port(self):
        for p in self.ports:
            if self.cli(p, "ping").strip() == "PONG":
                return p
        raise SystemExit("  FAIL  no Redis Cluster node answers")

    def nodes(self):
        """[(port, flags, master_id, id, slot ranges)] as CLUSTER NODES says."""
        rows = []
        for line in self.cli(self.live_port(), "cluster", "nodes").splitlines():
            f = line.split()
            port = int(f[1].split("@")[0].rsplit(":", 1)[1])
            ranges = [tuple(int(x) for x in r.split("-")) if "-" in r else (int(r), int(r))
                      for r in f[8:] if not r.startswith("[")]
            rows.append((port, f[2].split(","), f[3], f[0], ranges))
        return rows

    def master_of(self, key):
        slot = int(self.cli(self.live_port(), "cluster", "keyslot", key))
        for port, flags, _, node_id, ranges in self.nodes():
            if "master" in flags and "fail" not in flags and any(a <= slot <= b for a, b in ranges):
                return port, node_id
        return None

    def replica_of(self, master_id):
        return next((port for port, flags, m, _, _ in self.nodes()
                     if "slave" in flags and m == master_id and "fail" not in flags), None)

    def node_number(self, port):
        return self.ports.index(port) + 1

    def pid(self, port):
        return int(open(os.path.join(self.dir, str(self.node_number(port)), "redis.pid")).read())

    def restart(self, port):
        subprocess.run([os.path.join(self.dir, str(self.node_number(port)), "start")], check=True)

    def republished(self):
        """How many orders the servers published again (from their JSON
        logs: Redis had lost them and no kitchen had confirmed them)."""
        total = 0
        for name in os.listdir(self.logs):
            for line in open(os.path.join(self.logs, name), errors="replace"):
                if "Redis had lost orders" in line:
                    total += json.loads(line).get("fields", {}).get("published", 0)
        return total

    def pending(self, stream, group):
        out = self.cli(self.master_of(stream)[0], "xpending", stream, group).split()
        return int(out[0]) if out and out[0].isdigit() else -1
