"""The chaos run of scripts/chaos: load and faults on the topology of
`scripts/cluster --redis-cluster --chaos`, then a verdict.

Load: orderers place orders (1-3 dishes and drinks, through either
client-api instance, retrying a failed request with the same
Idempotency-Key until it gets an answer), and pairs of diners (one on each
ws instance) edit their table's cart. Faults, drawn from the seed: kill -9
(and start again) of a client-api, ws, admin-api or display process;
SIGKILL (then start again) or SIGSTOP (then SIGCONT) of a Redis node;
paper out or an offline printer. One Redis fault at a time.

Then everything is healed and the checker waits (bounded) for the kitchen
to catch up, and says: orders accepted, printed, missing (must be 0),
printed twice without REPRINT (0), pending in the groups (0), stock equal
to the initial stock less what was ordered, every ws instance showing each
table the same cart. Exit status 1 when any of them fails.

Usage: python3 chaos.py CLUSTER_JSON --seconds N --seed S
"""

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

from websockets.asyncio.client import connect

from topology import Cluster, http

PROCESSES = ["client-api-1", "client-api-2", "ws-1", "ws-2", "admin-api", "kds", "kds-bar"]


def log(text):
    print(f"  ..    {text}", file=sys.stderr, flush=True)


def psql(url, sql):
    out = subprocess.run(["psql", url, "-Atqc", sql], capture_output=True, text=True, timeout=30, check=True)
    return [line.split("|") for line in out.stdout.splitlines() if line]


async def probe(a, b, what, item_id):
    """A change made on socket `a` reaches socket `b` (the other ws instance): the
    quantity of a line of the cart set to 9, or a line added to an empty
    cart (an add could meet a full cart). Returns what failed, or None."""
    await a.send(json.dumps({"type": "sync"}))
    cart = None
    told = []
    end = time.monotonic() + 10
    try:
        while cart is None:
            m = json.loads(await asyncio.wait_for(a.recv(), max(0.1, end - time.monotonic())))
            if m["type"] == "cart":
                cart = m
        if cart["lines"]:
            line = cart["lines"][0]["line_id"]
            await a.send(json.dumps({"type": "set_qty", "line_id": line, "qty": 9}))
            wanted = lambda op: op["kind"] == "set_qty" and op["line_id"] == line and op["qty"] == 9  # noqa: E731
        else:
            await a.send(json.dumps({"type": "add", "item_id": item_id, "qty": 9}))
            wanted = lambda op: op["kind"] == "add" and op["line"]["item_id"] == item_id \
                and op["line"]["qty"] == 9  # noqa: E731
        while time.monotonic() < end:
            m = json.loads(await asyncio.wait_for(b.recv(), max(0.1, end - time.monotonic())))
            if m["type"] == "cart_op" and wanted(m["op"]):
                return None
    except asyncio.TimeoutError:
        pass
    except Exception as e:  # a socket closed since: the check failed
        return f"{what}: {type(e).__name__}: {e}"
    try:
        while True:
            m = json.loads(await asyncio.wait_for(a.recv(), 1))
            told.append(m.get("code") or m["type"])
    except Exception:
        pass
    return f"{what}: a change on one ws instance did not reach the other within 10 s (the first told its diner: {told})"


class Run:
    def __init__(self, info, seconds, seed):
        self.info, self.seconds, self.seed = info, seconds, seed
        self.rng = random.Random(seed)
        self.redis = Cluster(info)
        self.run_dir = info["run_dir"]
        self.t0 = time.monotonic()
        self.deadline = self.t0 + seconds
        self.accepted = {}  # order id -> {number, stations, at}
        self.refused = {}  # code -> count
        self.unanswered = 0
        self.faults = []  # (seconds since start, what)
        self.first_printed = {}  # (station, number) -> monotonic time
        self.down = set()  # processes killed and not yet started again
        self.children = []  # what this run started (reaped at the end)
        self.live = {}  # table token -> the editors' sockets, open at the end
        self.redis_fault = False

    # --- processes
    def pid(self, name):
        return int(open(os.path.join(self.run_dir, f"{name}.pid")).read())

    def start(self, name):
        p = subprocess.Popen([os.path.join(self.run_dir, name)], start_new_session=True)
        self.children.append(p)
        open(os.path.join(self.run_dir, f"{name}.pid"), "w").write(str(p.pid))
        self.down.discard(name)

    def fault(self, kind, what):
        self.faults.append((time.monotonic() - self.t0, kind))
        log(f"t+{time.monotonic() - self.t0:5.1f}s  {what}")

    async def kill_process(self, name, pause):
        self.down.add(name)
        self.fault(f"kill -9 {name.rstrip('-12')}", f"kill -9 {name} ({pause:.1f} s down)")
        try:
            os.kill(self.pid(name), signal.SIGKILL)
        except ProcessLookupError:
            pass
        await asyncio.sleep(pause)
        for c in self.children:
            c.poll()  # reaps the killed one, if this run started it
        self.start(name)

    async def redis_node(self, port, kind, pause):
        self.redis_fault = True
        try:
            pid = self.redis.pid(port)
            if kind == "kill":
                self.fault("SIGKILL redis", f"SIGKILL Redis node {port} ({pause:.1f} s down)")
                os.kill(pid, signal.SIGKILL)
                await asyncio.sleep(pause)
                self.redis.restart(port)
            else:
                self.fault("SIGSTOP redis", f"SIGSTOP Redis node {port} ({pause:.1f} s)")
                os.kill(pid, signal.SIGSTOP)
                await asyncio.sleep(pause)
                os.kill(pid, signal.SIGCONT)
            # The next Redis fault waits for all six nodes to be back.
            await self.cluster_healthy(60)
        finally:
            self.redis_fault = False

    async def cluster_healthy(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ok = await asyncio.to_thread(self.redis_ok)
            if ok:
                return True
            await asyncio.sleep(0.5)
        return False

    def redis_ok(self):
        nodes = self.redis.nodes()
        return (len(nodes) == 6 and all("fail" not in f and "fail?" not in f for _, f, *_ in nodes)
                and all("cluster_state:ok" in self.redis.cli(p, "cluster", "info") for p in self.redis.ports))

    async def printer(self, station, faults, pause):
        url = self.info["printers"][station]
        self.fault(" + ".join(faults), f"printer {station}: {' + '.join(faults)} ({pause:.1f} s)")
        await asyncio.to_thread(http, "POST", f"{url}/state", {f: True for f in faults})
        await asyncio.sleep(pause)
        await asyncio.to_thread(http, "POST", f"{url}/state", {f: False for f in faults})

    async def faults_loop(self):
        tasks = []
        while time.monotonic() < self.deadline - 5:
            await asyncio.sleep(self.rng.uniform(2, 5))
            kind = self.rng.choice(["process", "process", "redis", "printer"])
            up = [p for p in PROCESSES if p not in self.down]
            if kind == "process" and up:
                name = self.rng.choice(up)
                tasks.append(asyncio.create_task(self.kill_process(name, self.rng.uniform(0.5, 3))))
            elif kind == "redis" and not self.redis_fault:
                port = self.rng.choice(self.redis.ports)
                how = self.rng.choice(["kill", "stop"])
                tasks.append(asyncio.create_task(self.redis_node(port, how, self.rng.uniform(1, 5))))
            elif kind == "printer":
                station = self.rng.choice(sorted(self.info["printers"]))
                faults = self.rng.choice([["paper_out"], ["offline"], ["paper_out", "offline"]])
                tasks.append(asyncio.create_task(self.printer(station, faults, self.rng.uniform(1, 5))))
        await asyncio.gather(*tasks)

    # --- load
    async def orderer(self, n, menu):
        rng = random.Random(self.seed * 1000 + n)
        tables = self.info["seed"]["tables"]
        apis = self.info["client_api"]
        while time.monotonic() < self.deadline:
            table = rng.choice(tables)
            lines = rng.sample(menu, min(len(menu), rng.randint(1, 3)))
            body_items = [{"menu_item_id": i["id"], "menu_version": i["version"], "qty": rng.randint(1, 2)}
                          for i in lines]
            key = str(uuid.uuid4())
            give_up = time.monotonic() + 60
            attempt = 0
            while True:
                api = apis[(n + attempt) % len(apis)]
                attempt += 1
                try:
                    _, visit = await asyncio.to_thread(http, "GET", f"{api}/api/v1/tables/{table['token']}")
                    status, o = await asyncio.to_thread(
                        http, "POST", f"{api}/api/v1/tables/{table['token']}/orders",
                        {"visit_id": visit["visit_id"], "items": body_items}, {"Idempotency-Key": key})
                    self.accepted.setdefault(o["id"], {
                        "number": o["number"], "at": time.monotonic(),
                        "stations": sorted({i["station"] for i in lines})})
                    break
                except urllib.error.HTTPError as e:
                    if e.code < 500 and e.code != 429:
                        code = json.load(e).get("code", str(e.code))
                        self.refused[code] = self.refused.get(code, 0) + 1
                        if code == "sold_out":
                            # As the page does: the menu again, without what ran out.
                            menu = await asyncio.to_thread(self.menu_left, api, table["token"], menu)
                        break
                except (urllib.error.URLError, OSError, ValueError):
                    pass
                if time.monotonic() > give_up:
                    self.unanswered += 1
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(rng.uniform(0.1, 0.4))

    @staticmethod
    def menu_left(api, token, menu):
        try:
            _, fresh = http("GET", f"{api}/api/v1/tables/{token}/menu")
        except (urllib.error.URLError, OSError, ValueError):
            return menu
        gone = {i["id"] for c in fresh["categories"] for i in c["items"]
                if not i["available"] or i.get("stock") == 0}
        return [i for i in menu if i["id"] not in gone] or menu

    async def cart_editor(self, n, table, ws_url, menu):
        """Edits the table's cart until the deadline, joining again when its
        ws instance dies; then leaves its socket open in `self.live` for the
        end's check (a room deaf since some fault would show there)."""
        rng = random.Random(self.seed * 1000 + 500 + n)
        client = str(uuid.uuid4())
        while time.monotonic() < self.deadline:
            ws = None
            try:
                # Unbounded: its socket stays open, unread, until the end.
                ws = await connect(f"{ws_url}/ws/tables/{table['token']}", open_timeout=5, max_queue=None)
                await ws.send(json.dumps({"type": "hello", "client_id": client, "nickname": f"d{n}"}))
                lines = {}
                while time.monotonic() < self.deadline:
                    try:
                        m = json.loads(await asyncio.wait_for(ws.recv(), rng.uniform(0.2, 0.8)))
                        if m["type"] == "cart":
                            lines = {line["line_id"]: line for line in m["lines"]}
                        elif m["type"] == "cart_op" and m["op"]["kind"] == "add":
                            lines[m["op"]["line"]["line_id"]] = m["op"]["line"]
                        elif m["type"] == "cart_op" and m["op"]["kind"] == "remove":
                            lines.pop(m["op"]["line_id"], None)
                        continue
                    except asyncio.TimeoutError:
                        pass
                    if lines and (len(lines) > 6 or rng.random() < 0.4):
                        line = rng.choice(list(lines))
                        if rng.random() < 0.5:
                            op = {"type": "remove", "line_id": line}
                        else:
                            op = {"type": "set_qty", "line_id": line, "qty": rng.randint(1, 5)}
                    else:
                        op = {"type": "add", "item_id": rng.choice(menu)["id"], "qty": rng.randint(1, 3)}
                    await ws.send(json.dumps(op))
                self.live.setdefault(table["token"], []).append(ws)
                return
            except Exception:  # a killed ws instance: join again
                if ws is not None:
                    await ws.close()
                await asyncio.sleep(0.3)
        # Its instance was down at the deadline: join once it is back (its
        # restart is at most 3 s away), for at most 30 s.
        for _ in range(100):
            try:
                ws = await connect(f"{ws_url}/ws/tables/{table['token']}", open_timeout=5, max_queue=None)
                await ws.send(json.dumps({"type": "hello", "client_id": client, "nickname": f"d{n}"}))
                self.live.setdefault(table["token"], []).append(ws)
                return
            except Exception:
                await asyncio.sleep(0.3)

    async def live_rooms_hear(self, token, item_id):
        """On the editors' own sockets (joined before the last faults): a
        change one makes reaches the other. Returns what failed, or None."""
        socks = self.live.get(token, [])
        if len(socks) < 2:
            return f"only {len(socks)} editor socket(s) left open"
        a, b = socks[0], socks[1]
        return await probe(a, b, "the editors' sockets", item_id)

    async def printer_poller(self, until):
        while time.monotonic() < until():
            for station, url in self.info["printers"].items():
                try:
                    with urllib.request.urlopen(f"{url}/tickets", timeout=5) as resp:
                        tickets = json.load(resp)
                except OSError:
                    continue
                now = time.monotonic()
                for t in tickets:
                    self.first_printed.setdefault((station, t.get("order_number")), now)
            await asyncio.sleep(0.5)

    # --- the end
    def tickets(self):
        out = {}
        for station, url in self.info["printers"].items():
            with urllib.request.urlopen(f"{url}/tickets", timeout=15) as resp:
                out[station] = json.load(resp)
        return out

    async def carts_agree(self, token, item_id):
        """Both ws instances show the table the same cart, and a line added
        on one reaches a diner on the other (both still subscribed after
        every fault). Returns what differed, or None."""
        async def join(url):
            ws = await connect(f"{url}/ws/tables/{token}", open_timeout=10)
            await ws.send(json.dumps({"type": "hello", "client_id": str(uuid.uuid4()), "nickname": "check"}))
            return ws

        async def next_of(ws, kind):
            while True:
                m = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if m["type"] == kind:
                    return m

        a, b = await join(self.info["ws"][0]), await join(self.info["ws"][1])
        try:
            try:
                ca, cb = await next_of(a, "cart"), await next_of(b, "cart")
            except asyncio.TimeoutError:
                return "a new diner got no cart within 10 s"
            va = (ca["version"], sorted((line["item_id"], line["qty"]) for line in ca["lines"]))
            vb = (cb["version"], sorted((line["item_id"], line["qty"]) for line in cb["lines"]))
            if va != vb:
                return {"ws-1": va, "ws-2": vb}
            return await probe(a, b, "new diners' sockets", item_id)
        finally:
            await a.close()
            await b.close()


async def main(args):
    info = json.load(open(args.cluster))
    run = Run(info, args.seconds, args.seed)
    seed = info["seed"]
    db = info["database_url"]
    print(f"chaos: seed {args.seed}, {args.seconds} s (repeat with: scripts/chaos --seconds {args.seconds}"
          f" --seed {args.seed})", file=sys.stderr, flush=True)
    _, login = http("POST", f"{info['admin_api']}/api/v1/admin/login",
                    {"email": seed["owner"]["email"], "password": seed["owner"]["password"]})
    http("PATCH", f"{info['admin_api']}/api/v1/admin/restaurant",
         {"order_limits": {"visit_burst": 10000, "visit_per_minute": 10000,
                           "client_burst": 10000, "client_per_minute": 10000}},
         {"authorization": "Bearer " + login["token"]})
    _, menu = http("GET", f"{info['client_api'][0]}/api/v1/tables/{seed['tables'][0]['token']}/menu")
    items = [i for c in menu["categories"] for i in c["items"] if not i["option_groups"] and i["available"]]
    stations = {int(i): st for i, st in psql(db, "SELECT id, station FROM menu_items")}
    for i in items:
        i["station"] = stations[i["id"]]
    stock0 = {int(i): int(s) for i, s in psql(db, "SELECT id, stock FROM menu_items WHERE stock IS NOT NULL")}

    tables = seed["tables"][:4]
    load = [run.orderer(n, items) for n in range(6)]
    load += [run.cart_editor(2 * n + k, t, info["ws"][k], items) for n, t in enumerate(tables) for k in (0, 1)]
    poll_until = [float("inf")]
    poller = asyncio.create_task(run.printer_poller(lambda: poll_until[0]))
    await asyncio.gather(run.faults_loop(), *load)

    # Heal: every Redis node up (processes were started again by their
    # faults), printers clear.
    for port in run.redis.ports:
        try:
            os.kill(run.redis.pid(port), signal.SIGCONT)
        except ProcessLookupError:
            run.redis.restart(port)
    for url in info["printers"].values():
        http("POST", f"{url}/state", {"paper_out": False, "offline": False})
    healthy = await run.cluster_healthy(90)
    log(f"load stopped at t+{time.monotonic() - run.t0:.0f}s; healed (Redis Cluster ok: {healthy}); "
        "waiting for the kitchen to catch up")

    # Every order in the database is an accepted order (a lost answer too).
    rows = psql(db, "SELECT o.id, o.number, string_agg(DISTINCT i.station, ',') FROM orders o "
                    "JOIN order_items i ON i.order_id = o.id GROUP BY o.id, o.number")
    in_db = {int(i): (int(n), sorted(s.split(","))) for i, n, s in rows}
    want = {(st, n) for n, stations in in_db.values() for st in stations}
    stream = seed["kitchen_stream"]

    def caught_up():
        printed = {(st, t.get("order_number")) for st, ts in run.tickets().items() for t in ts}
        pending = [run.redis.pending(stream, st) for st in info["printers"]]
        return want <= printed and all(p == 0 for p in pending)

    end = time.monotonic() + 180
    while time.monotonic() < end and not await asyncio.to_thread(caught_up):
        await asyncio.sleep(1)
    poll_until[0] = 0
    await poller

    tickets = run.tickets()
    printed = {(st, t.get("order_number")) for st, ts in tickets.items() for t in ts}
    missing = sorted(want - printed)
    twice = []
    for st, ts in tickets.items():
        plain = {}
        for t in ts:
            if "REPRINT" not in t["text"]:
                plain[t.get("order_number")] = plain.get(t.get("order_number"), 0) + 1
        twice += [(st, n) for n, c in plain.items() if c > 1]
    pending = {st: run.redis.pending(stream, st) for st in info["printers"]}
    lost = sorted(set(run.accepted) - set(in_db))
    ordered = {int(i): int(q) for i, q in psql(db, "SELECT menu_item_id, sum(qty) FROM order_items GROUP BY 1")}
    stock_now = {int(i): int(s) for i, s in psql(db, "SELECT id, stock FROM menu_items WHERE stock IS NOT NULL")}
    stock_bad = {i: (s0, ordered.get(i, 0), stock_now.get(i)) for i, s0 in stock0.items()
                 if s0 - ordered.get(i, 0) != stock_now.get(i)}
    carts_bad = []
    # Not an item that may have sold out meanwhile: its add would be refused.
    unlimited = next(i["id"] for i in items if i["id"] not in stock0)
    for t in tables:
        differs = await run.live_rooms_hear(t["token"], unlimited) \
            or await run.carts_agree(t["token"], unlimited)
        if differs:
            carts_bad.append((t["name"], differs))
    for socks in run.live.values():
        for ws in socks:
            await ws.close()
    delays = [run.first_printed[(st, o["number"])] - o["at"] for o in run.accepted.values()
              for st in o["stations"] if (st, o["number"]) in run.first_printed]
    reprints = sum("REPRINT" in t["text"] for ts in tickets.values() for t in ts)

    kinds = {}
    for _, kind in run.faults:
        kinds[kind] = kinds.get(kind, 0) + 1
    verdict = {
        "seed": args.seed, "seconds": args.seconds,
        "orders_accepted": len(in_db), "accepted_answers": len(run.accepted),
        "unanswered_requests": run.unanswered, "refused": run.refused,
        "tickets": {st: len(ts) for st, ts in tickets.items()}, "reprint_tickets": reprints,
        "station_tickets_wanted": len(want), "missing": missing, "printed_twice_without_reprint": twice,
        "accepted_but_not_in_database": lost, "pending": pending, "stock_inconsistent": stock_bad,
        "carts_differing": carts_bad, "faults": len(run.faults), "fault_kinds": kinds,
        "max_order_to_print_s": round(max(delays), 1) if delays else None,
        "p50_order_to_print_s": round(sorted(delays)[len(delays) // 2], 2) if delays else None,
    }
    ok = not missing and not twice and not lost and not stock_bad and not carts_bad \
        and all(p == 0 for p in pending.values()) and len(in_db) > 0
    verdict["valid"] = ok
    verdict["fault_schedule"] = [[round(t, 1), kind] for t, kind in run.faults]
    json.dump(verdict, open(os.path.join(os.path.dirname(args.cluster), "chaos-verdict.json"), "w"), indent=2)
    print(f"""
chaos verdict (seed {args.seed}, {args.seconds} s, {len(run.faults)} faults: {kinds})
  orders accepted            {len(in_db)}  (answers seen by the diners: {len(run.accepted)}; \
unanswered after 60 s of retries: {run.unanswered})
  refused                    {run.refused or 'none'}
  tickets printed            {verdict['tickets']}  ({reprints} marked REPRINT)
  missing                    {len(missing)}  {missing[:10] if missing else ''}
  printed twice, no REPRINT  {len(twice)}  {twice[:10] if twice else ''}
  accepted, not in database  {len(lost)}
  pending at the end         {pending}
  stock consistent           {'yes' if not stock_bad else stock_bad}
  carts equal, live on both ws {'yes' if not carts_bad else carts_bad}
  order → print              p50 {verdict['p50_order_to_print_s']} s, max {verdict['max_order_to_print_s']} s \
(polled every 0.5 s)
  verdict                    {'VALID' if ok else 'INVALID'}""", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("cluster")
    p.add_argument("--seconds", type=int, default=120)
    p.add_argument("--seed", type=int, default=1)
    sys.exit(asyncio.run(main(p.parse_args())))
