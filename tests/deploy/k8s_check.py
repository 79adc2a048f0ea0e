"""The Kubernetes manifests of images/k8s stay true to the code and to the
other recipes. Run by tests/deploy/static.sh (after kubernetes-validate has
checked them against the Kubernetes schemas, which know nothing of us):

    python3 tests/deploy/k8s_check.py ROOT [MANIFEST_DIR]

Every QRORDER__ variable set is a key of server/src/config.rs; the port is
the default listen port and the image's EXPOSE; each Deployment runs one
role the CLI knows, with the topology asked for; probes name routes of
ops.rs; secrets come from the Secret that images/k8s/README.md creates,
with the keys its command gives; pods run as the image's user, non-root,
read-only, without capabilities; the grace period covers preStop and the
server's own shutdown; the Ingress routes what nginx-routes.conf routes, to
the roles that serve those paths. Prints one line per check; exits 1 with
every failure listed.
"""

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(sys.argv[1])
K8S = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "images/k8s"
NS = "qrorder"
SECRET = "qrorder-server"
TOPOLOGY = {"client-api": 2, "admin-api": 1, "ws": 2}
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
    return ok


def read(rel):
    return (ROOT / rel).read_text()


# --- What the code says
config_rs = read("server/src/config.rs")
struct = re.search(r"pub struct Config \{(.*?)\n\}", config_rs, re.S)
CONFIG_KEYS = set(re.findall(r"^\s*pub (\w+):", struct.group(1), re.M)) if struct else set()
listen = re.search(r"listen: SocketAddr::from\(\(\[[\d, ]+\], (\d+)\)\)", config_rs)
PORT = int(listen.group(1)) if listen else None
ROLES = set(re.findall(r'"([a-z-]+)" => roles\.\w+ = true', config_rs))
cli_rs = read("server/src/cli.rs")
commands = re.search(r"enum Command \{(.*?)\n\}", cli_rs, re.S)
SUBCOMMANDS = {
    re.sub(r"(?<!^)(?=[A-Z])", "-", v).lower()
    for v in re.findall(r"^    ([A-Z]\w*)\b", commands.group(1) if commands else "", re.M)
}
OPS_ROUTES = set(re.findall(r'\.route\("(/[a-z]+)"', read("server/src/ops.rs")))
close = re.search(r"close_sessions\(Duration::from_secs\((\d+)\)\)", read("server/src/app/mod.rs"))
SOCKET_CLOSE_SECS = int(close.group(1)) if close else None
containerfile = read("images/server/Containerfile")
user = re.search(r"^USER (\d+)", containerfile, re.M)
IMAGE_UID = int(user.group(1)) if user else None
expose = re.search(r"^EXPOSE (\d+)", containerfile, re.M)
for name, value in [("Config's fields", CONFIG_KEYS), ("the default listen port", PORT),
                    ("the roles", ROLES), ("the subcommands", SUBCOMMANDS), ("ops routes", OPS_ROUTES),
                    ("the sockets' close time", SOCKET_CLOSE_SECS), ("the image's USER", IMAGE_UID)]:
    if not value:
        sys.exit(f"k8s_check: cannot read {name} from the code (did it move?)")
if not {"database_url", "redis_url", "listen"} <= CONFIG_KEYS or ROLES != {"client-api", "admin-api", "ws"}:
    sys.exit(f"k8s_check: the code reads oddly: keys {sorted(CONFIG_KEYS)}, roles {sorted(ROLES)}")
print(f"code: {len(CONFIG_KEYS)} config keys, port {PORT}, roles {sorted(ROLES)}, "
      f"subcommands {sorted(SUBCOMMANDS)}, uid {IMAGE_UID}")

# --- The manifests
objects = {}
for path in sorted(K8S.glob("*.yaml")):
    for doc in yaml.safe_load_all(path.read_text()):
        if doc is None:
            continue
        key = (doc["kind"], doc["metadata"]["name"])
        check(key not in objects, f"{path.name}: {key} defined twice")
        objects[key] = doc
        check(doc["kind"] != "Secret", f"{path.name}: a Secret in the manifests (README.md creates it)")
        if doc["kind"] != "Namespace":
            check(doc["metadata"].get("namespace") == NS, f"{key}: not in namespace {NS}")


def get(kind, name):
    obj = objects.get((kind, name))
    check(obj is not None, f"no {kind} {name}")
    return obj or {}


def kinds(kind):
    return {n: o for (k, n), o in objects.items() if k == kind}


get("Namespace", NS)
configmap = get("ConfigMap", "qrorder").get("data", {})
for key, value in configmap.items():
    check(key.startswith("QRORDER__") and key[9:].lower() in CONFIG_KEYS,
          f"ConfigMap sets {key}, not a key of server/src/config.rs")
    check(not re.search(r"DATABASE_URL$|REDIS_URL$|TOKEN|PASSWORD", key) or key == "QRORDER__DEVICE_REDIS_URL",
          f"ConfigMap holds {key}: secrets belong in the Secret {SECRET}")
check(configmap.get("QRORDER__LISTEN", "").rsplit(":", 1)[-1] == str(PORT),
      f"QRORDER__LISTEN {configmap.get('QRORDER__LISTEN')!r} is not on port {PORT}")
check(expose and int(expose.group(1)) == PORT, f"the Containerfile does not EXPOSE {PORT}")
media_dir = configmap.get("QRORDER__MEDIA_DIR")
public = re.match(r"https://([^/:]+)", configmap.get("QRORDER__PUBLIC_BASE_URL", ""))
check(public, "QRORDER__PUBLIC_BASE_URL is not an https:// address (browsers give GPS to secure pages only)")

deployments = kinds("Deployment")
check(set(deployments) == set(TOPOLOGY), f"Deployments {sorted(deployments)}, expected {sorted(TOPOLOGY)}")
secret_keys = set()
images = {}


def pod_checks(name, pod, args_expected):
    spec = pod["spec"]
    check(spec.get("automountServiceAccountToken") is False, f"{name}: mounts a service account token")
    sc = spec.get("securityContext", {})
    check(sc.get("runAsNonRoot") is True, f"{name}: runAsNonRoot is not true")
    check(sc.get("runAsUser") == IMAGE_UID, f"{name}: runAsUser {sc.get('runAsUser')} is not the image's {IMAGE_UID}")
    check(sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{name}: no RuntimeDefault seccomp")
    containers = spec["containers"]
    check(len(containers) == 1, f"{name}: {len(containers)} containers")
    c = containers[0]
    images[name] = c.get("image")
    check(c.get("args") == args_expected, f"{name}: args {c.get('args')}, expected {args_expected}")
    check(c.get("args", [""])[0] in SUBCOMMANDS, f"{name}: {c.get('args')} is no subcommand of cli.rs")
    csc = c.get("securityContext", {})
    check(csc.get("allowPrivilegeEscalation") is False, f"{name}: allowPrivilegeEscalation is not false")
    check(csc.get("readOnlyRootFilesystem") is True, f"{name}: root filesystem not read-only")
    check(csc.get("capabilities", {}).get("drop") == ["ALL"], f"{name}: capabilities not dropped (ALL)")
    res = c.get("resources", {})
    for part in ("requests", "limits"):
        check({"cpu", "memory"} <= set(res.get(part, {})), f"{name}: {part} lack cpu or memory")
    env = {e["name"]: e for e in c.get("env", [])}
    for var, e in env.items():
        check(var.startswith("QRORDER__") and var[9:].lower() in CONFIG_KEYS,
              f"{name}: sets {var}, not a key of server/src/config.rs")
        ref = e.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            check(ref["name"] == SECRET, f"{name}: {var} from Secret {ref['name']}, not {SECRET}")
            secret_keys.add(ref["key"])
        check("value" not in e or not re.search(r"URL|TOKEN|PASSWORD", var),
              f"{name}: {var} is a literal value; it belongs in the Secret")
    ref = env.get("QRORDER__DATABASE_URL", {}).get("valueFrom", {}).get("secretKeyRef")
    check(ref is not None, f"{name}: QRORDER__DATABASE_URL does not come from the Secret (the image's default is SQLite)")
    check([r.get("configMapRef", {}).get("name") for r in c.get("envFrom", [])] == ["qrorder"],
          f"{name}: does not take the ConfigMap qrorder")
    return spec, c, env


for role, replicas in TOPOLOGY.items():
    d = deployments.get(role)
    if not d:
        continue
    check(role in ROLES, f"Deployment {role}: no such role in config.rs")
    check(d["spec"].get("replicas") == replicas, f"{role}: {d['spec'].get('replicas')} replicas, expected {replicas}")
    labels = d["spec"]["template"]["metadata"]["labels"]
    selector = d["spec"]["selector"]["matchLabels"]
    check(selector.items() <= labels.items(), f"{role}: selector does not match its pods")
    spec, c, env = pod_checks(role, d["spec"]["template"], ["serve", "--roles", role])
    for var in ("QRORDER__DATABASE_URL", "QRORDER__REDIS_URL"):
        check(var in env and "valueFrom" in env[var], f"{role}: {var} not from the Secret")
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    check(ports == {"http": PORT}, f"{role}: container ports {ports}, expected http: {PORT}")
    for probe, path in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz"), ("startupProbe", "/healthz")]:
        get_ = c.get(probe, {}).get("httpGet", {})
        check(get_.get("path") == path and path in OPS_ROUTES, f"{role}: {probe} is not on {path} (ops.rs)")
        check(get_.get("port") in ("http", PORT), f"{role}: {probe} on port {get_.get('port')}")
    pre = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
    grace = spec.get("terminationGracePeriodSeconds", 30)
    check(pre >= 5, f"{role}: preStop sleeps {pre} s; the Ingress needs a few seconds to stop sending")
    check(grace >= pre + SOCKET_CLOSE_SECS + 20,
          f"{role}: terminationGracePeriodSeconds {grace} < preStop {pre} + socket close {SOCKET_CLOSE_SECS} + 20 s of requests")
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    if role in ("client-api", "admin-api"):
        m = mounts.get(media_dir)
        check(m is not None, f"{role}: the media volume is not mounted at QRORDER__MEDIA_DIR {media_dir}")
        if m:
            check(bool(m.get("readOnly")) == (role == "client-api"),
                  f"{role}: media must be {'read-only' if role == 'client-api' else 'writable'}")
            vol = {v["name"]: v for v in spec.get("volumes", [])}.get(m["name"], {})
            claim = vol.get("persistentVolumeClaim", {}).get("claimName")
            pvc = get("PersistentVolumeClaim", claim or "?")
            check("ReadWriteMany" in pvc.get("spec", {}).get("accessModes", []),
                  f"{claim}: not ReadWriteMany (admin-api writes, every client-api pod reads)")

job = get("Job", "qrorder-migrate")
if job:
    _, _, env = pod_checks("qrorder-migrate", job["spec"]["template"], ["migrate"])
check(len(set(images.values())) == 1, f"the workloads run different images: {images}")

readme = read("images/k8s/README.md") if (ROOT / "images/k8s/README.md").exists() else ""
create = re.search(r"kubectl -n qrorder create secret generic " + SECRET + r"(.*?)\n```", readme, re.S)
documented = set(re.findall(r"--from-literal=([a-z-]+)=", create.group(1))) if create else set()
check(documented == secret_keys,
      f"README.md's `kubectl create secret` gives keys {sorted(documented)}, the manifests read {sorted(secret_keys)}")

# Services and PDBs select the Deployments' pods.
pod_labels = {n: d["spec"]["template"]["metadata"]["labels"] for n, d in deployments.items()}
services = kinds("Service")
for name, s in services.items():
    sel = s["spec"]["selector"]
    matched = [d for d, labels in pod_labels.items() if sel.items() <= labels.items()]
    check(matched == [name], f"Service {name} selects {matched}")
    check([(p["port"], p["targetPort"]) for p in s["spec"]["ports"]] == [(PORT, "http")],
          f"Service {name}: ports {s['spec']['ports']}")
for name, p in kinds("PodDisruptionBudget").items():
    sel = p["spec"]["selector"]["matchLabels"]
    matched = [d for d, labels in pod_labels.items() if sel.items() <= labels.items()]
    check(len(matched) == 1 and TOPOLOGY.get(matched[0], 0) > 1, f"PDB {name} selects {matched}")
check({n for n, r in TOPOLOGY.items() if r > 1} <= set(kinds("PodDisruptionBudget")),
      "a Deployment of several replicas has no PodDisruptionBudget")

# --- Routes: the Ingresses route what nginx-routes.conf routes.
nginx = read("images/server/nginx-routes.conf")
nginx_routes = set()
for m in re.finditer(r"^location (?:= )?(\S+) \{(.*?)^\}", nginx, re.S | re.M):
    upstream = re.search(r"proxy_pass http://(\w+);", m.group(2))
    nginx_routes.add((m.group(1).rstrip("/") or "/", upstream.group(1).replace("_", "-")))
ingress_routes = set()
for name, ing in kinds("Ingress").items():
    for rule in ing["spec"]["rules"]:
        check(public and rule.get("host") == public.group(1),
              f"Ingress {name}: host {rule.get('host')} is not QRORDER__PUBLIC_BASE_URL's")
        for p in rule["http"]["paths"]:
            svc = p["backend"]["service"]
            check(svc["name"] in services and svc["port"].get("name") == "http",
                  f"Ingress {name}: {p['path']} to {svc}, no such Service port")
            ingress_routes.add((p["path"].rstrip("/") or "/", svc["name"]))
check(nginx_routes == ingress_routes,
      f"the Ingresses route {sorted(ingress_routes)}, nginx-routes.conf {sorted(nginx_routes)}")

# ... to the roles that serve those paths (server/src/app/router.rs).
router = read("server/src/app/router.rs")


def role_block(flag):
    return "".join(re.findall(r"\n    if roles\." + flag + r" \{\n(.*?)\n    \}", router, re.S))


serves = {
    "/api/v1/admin": "api.nest(\"/api/v1/admin\"" in role_block("admin_api"),
    "/admin": "console_router()" in role_block("admin_api"),
    "/ws": "crate::ws::router()" in role_block("ws"),
    "/": "diner_router()" in role_block("client_api") and "nest(\"/api/v1\"" in role_block("client_api"),
}
role_of = {"/api/v1/admin": "admin-api", "/admin": "admin-api", "/ws": "ws", "/": "client-api"}
for path, service in sorted(ingress_routes):
    check(role_of.get(path) == service and serves.get(path), f"{path} goes to {service}, which router.rs does not serve it from")
# The handlers ws::router() routes, and the paths they are declared at.
ws_router = re.search(r"pub fn router\(\)[^{]*\{(.*?)\n\}", read("server/src/ws/mod.rs"), re.S)
ws_handlers = set(re.findall(r"routes!\((?:\w+::)*(\w+)\)", ws_router.group(1) if ws_router else ""))
declared = {}
for f in (ROOT / "server/src/ws").rglob("*.rs"):
    for path, handler in re.findall(r'#\[utoipa::path\(\w+, path = "([^"]+)".*?\bfn (\w+)', f.read_text(), re.S):
        declared[handler] = path
ws_paths = {declared.get(h, f"? ({h})") for h in ws_handlers}
check(ws_paths and all(p.startswith("/ws/") for p in ws_paths), f"the ws role's paths {sorted(ws_paths)} are not all under /ws/")

if failures:
    for f in failures:
        print(f"FAIL {f}", file=sys.stderr)
    sys.exit(1)
print(f"{len(objects)} objects true to the code: roles {dict(TOPOLOGY)}, port {PORT}, "
      f"{len(configmap)} ConfigMap keys and {len(secret_keys)} Secret keys known, "
      f"routes {sorted(ingress_routes)} as nginx-routes.conf")
