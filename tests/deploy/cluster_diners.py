"""Diners across the multi-instance topology of scripts/cluster.

Diner A is on ws instance 1, diner B on ws instance 2 (directly, so that
they are certainly on different instances), diner C comes through the nginx
proxy's /ws/ route. A adds a dish and B adds a drink; all three must see the
same cart (B's line crossing instances through Redis Pub/Sub). The order is
placed through client-api instance 1; all three diners must get
`order_placed` with its id, and the kitchen display must print the ticket on
the virtual printer.

Usage: python3 cluster_diners.py CLUSTER_JSON
"""

import asyncio
import json
import sys
import time
import urllib.request
import uuid

from websockets.asyncio.client import connect

from topology import TIMEOUT, check, http


class Diner:
    def __init__(self, name, ws):
        self.name, self.ws = name, ws
        self.version, self.lines, self.events = 0, {}, []

    @classmethod
    async def join(cls, name, base, token):
        ws = await connect(f"{base}/ws/tables/{token}", open_timeout=TIMEOUT)
        d = cls(name, ws)
        await ws.send(json.dumps({"type": "hello", "client_id": str(uuid.uuid4()), "nickname": name}))
        await d.until(lambda d: d.version >= 0 and any(e["type"] == "cart" for e in d.events), "the first snapshot")
        return d

    def apply(self, m):
        self.events.append(m)
        if m["type"] == "cart":
            self.version = m["version"]
            self.lines = {l["line_id"]: l for l in m["lines"]}
        elif m["type"] == "cart_op":
            op = m["op"]
            if m["version"] != self.version + 1:
                # A gap: ask for a snapshot, as the page does.
                asyncio.ensure_future(self.ws.send(json.dumps({"type": "sync"})))
                return
            self.version = m["version"]
            kind = op["kind"]
            if kind == "add":
                self.lines[op["line"]["line_id"]] = op["line"]
            elif kind == "set_qty":
                self.lines[op["line_id"]]["qty"] = op["qty"]
            elif kind == "remove":
                self.lines.pop(op["line_id"], None)
            elif kind == "clear":
                self.lines = {}

    async def until(self, cond, what):
        deadline = time.monotonic() + TIMEOUT
        while not cond(self):
            left = deadline - time.monotonic()
            if left <= 0:
                raise SystemExit(f"  FAIL  diner {self.name} did not see {what} within {TIMEOUT}s; events: {self.events[-5:]}")
            try:
                raw = await asyncio.wait_for(self.ws.recv(), left)
            except asyncio.TimeoutError:
                continue
            self.apply(json.loads(raw))

    def cart(self):
        return sorted((l["item_id"], l["qty"]) for l in self.lines.values())


async def main(cluster):
    seed = cluster["seed"]
    token = seed["tables"][0]["token"]
    table_name = seed["tables"][0]["name"]
    client1 = cluster["client_api"][0]
    proxy_ws = cluster["proxy"].replace("http://", "ws://")

    # Through the proxy: the client API (diners' routes) and the admin API.
    status, info = http("GET", f"{cluster['proxy']}/api/v1/tables/{token}")
    check(status == 200 and info["table_name"] == table_name, "proxy routes /api/v1/tables/... to client-api")
    status, login = http("POST", f"{cluster['proxy']}/api/v1/admin/login",
                         {"email": seed["owner"]["email"], "password": seed["owner"]["password"]})
    check(status == 200 and login["token"], "proxy routes /api/v1/admin/... to admin-api")

    _, menu = http("GET", f"{client1}/api/v1/tables/{token}/menu")
    items = {i["name"]["en"]: i for c in menu["categories"] for i in c["items"]}
    dish, drink = items["Japchae"], items["Mandu"]

    a = await Diner.join("Ana", cluster["ws"][0], token)
    b = await Diner.join("Ben", cluster["ws"][1], token)
    c = await Diner.join("Cho", proxy_ws, token)
    check(True, "three diners joined: ws-1, ws-2 and the proxy's /ws/")

    await a.ws.send(json.dumps({"type": "add", "item_id": dish["id"], "qty": 2}))
    await a.until(lambda d: d.cart() == [(dish["id"], 2)], "its own line")
    sent = time.monotonic()
    await b.ws.send(json.dumps({"type": "add", "item_id": drink["id"], "qty": 1}))
    want = sorted([(dish["id"], 2), (drink["id"], 1)])
    await a.until(lambda d: d.cart() == want, f"the shared cart {want}")
    print(f"  ..    a cart op from ws-2 reached the diner on ws-1 in {(time.monotonic() - sent) * 1000:.1f} ms",
          file=sys.stderr)
    for d in (b, c):
        await d.until(lambda d: d.cart() == want, f"the shared cart {want}")
    check(a.version == b.version == c.version, f"all diners see the same cart at version {a.version} across both ws instances")

    body = {
        "visit_id": info["visit_id"],
        "cart_version": a.version,
        "items": [{"menu_item_id": l["item_id"], "menu_version": items_by_id(items)[l["item_id"]]["version"],
                   "qty": l["qty"]} for l in a.lines.values()],
    }
    status, order = http("POST", f"{client1}/api/v1/tables/{token}/orders", body,
                         {"Idempotency-Key": str(uuid.uuid4())})
    check(status == 201, f"order {order['id']} placed through client-api instance 1")

    def placed(d):
        return any(e["type"] == "order_placed" and e["order"]["id"] == order["id"] for e in d.events)
    for d in (a, b, c):
        await d.until(placed, f"order_placed for order {order['id']}")
    check(True, "order_placed reached the diners on ws-1, ws-2 and through the proxy")
    for d in (a, b, c):
        await d.until(lambda d: not d.lines, "the cart emptied after the order")
    check(True, "the ordered lines left everyone's cart")

    number = order.get("number")
    deadline = time.monotonic() + 30
    ticket = None
    while time.monotonic() < deadline and ticket is None:
        with urllib.request.urlopen(f"{cluster['printer_control']}/tickets", timeout=TIMEOUT) as resp:
            tickets = json.load(resp)
        ticket = next((t for t in tickets if t.get("order_number") == number), None)
        if ticket is None:
            await asyncio.sleep(0.2)
    check(ticket is not None, f"the kitchen display printed order number {number} on the virtual printer")
    check("Japchae" in ticket["text"] and table_name in ticket["text"],
          "the ticket names the dish and the table")
    check("Mandu" in ticket["text"], "the ticket has the line added on the other ws instance")
    for d in (a, b, c):
        await d.ws.close()


def items_by_id(items):
    return {i["id"]: i for i in items.values()}


if __name__ == "__main__":
    asyncio.run(main(json.load(open(sys.argv[1]))))
