# Shared by scripts/demo, scripts/test and scripts/bench: install what is
# missing, find or start the services. Source it; do not run it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo -n "$@" || die "need root to run: $* (run it yourself, or give this user sudo)"
    else die "need root to run: $*"
    fi
}

APT_UPDATED=""
# apt_install PACKAGE... — installs the Debian packages not yet installed.
apt_install() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    if [ -z "$APT_UPDATED" ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

need_cargo() {
    command -v cargo >/dev/null || die "Rust is not installed: get it from https://rustup.rs (cargo 1.94 or newer)"
}

# free_port — prints a TCP port nothing listens on.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_until SECONDS COMMAND... — retries COMMAND every 0.2 s until it succeeds.
wait_until() {
    local limit=$1; shift
    local tries=$((limit * 5))
    for _ in $(seq "$tries"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}

redis_answers() { redis-cli -u "$1" ping 2>/dev/null | grep -q PONG; }

# ensure_redis URL DIR — uses the Redis at URL, or starts one (on URL's port
# if free, else a free port) keeping its files in DIR. Prints the URL in use.
ensure_redis() {
    local url=$1 dir=$2
    apt_install redis-server redis-tools
    if redis_answers "$url"; then echo "$url"; return; fi
    local port
    port=$(echo "$url" | sed -nE 's#^redis://[^:/]+:([0-9]+).*#\1#p')
    if [ -z "$port" ] || ! python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1',$port))" 2>/dev/null; then
        port=$(free_port)
    fi
    mkdir -p "$dir"
    log "starting redis-server on 127.0.0.1:$port"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
        --dir "$dir" --pidfile "$dir/redis-$port.pid" --logfile "$dir/redis-$port.log" >/dev/null
    wait_until 10 redis_answers "redis://127.0.0.1:$port" || die "redis-server did not start (see $dir/redis-$port.log)"
    echo "redis://127.0.0.1:$port"
}

# The server's own Redis user (see docs/ARCHITECTURE.md, "Security model"):
# every key and channel under PREFIX, every command but the @dangerous ones
# (KEYS, FLUSHALL, CONFIG, DEBUG, SHUTDOWN, MONITOR, …) plus the four it
# needs to manage the kitchen devices' users and follow Redis restarts.
# redis_server_user_rules PREFIX PASSWORD — prints the ACL rules.
redis_server_user_rules() {
    printf '%s' "on >$2 ~$1:* &$1:* +@all -@dangerous +info +acl|setuser +acl|deluser +client|kill"
}

# start_acl_redis DIR PREFIX — starts a redis-server of our own on a free
# loopback port, set up as device ACLs need it: Redis' default user off,
# and the server's user `qrorder-server` (its password made once, kept in
# DIR/server.password, 0600) from an ACL file, DIR/users.acl (0600; the
# devices' users are not in it: the server sets them at start). Never
# touches a Redis already running. Prints the server's URL (user and
# password in it); the pid file is DIR/redis-PORT.pid.
start_acl_redis() {
    local dir=$1 prefix=$2 port pass url
    apt_install redis-server redis-tools
    mkdir -p "$dir"; chmod 700 "$dir"
    if [ ! -s "$dir/server.password" ]; then
        (umask 077; python3 -c 'import secrets; print(secrets.token_hex(32))' > "$dir/server.password")
    fi
    pass=$(cat "$dir/server.password")
    (umask 077; printf 'user default off\nuser qrorder-server %s\n' \
        "$(redis_server_user_rules "$prefix" "$pass")" > "$dir/users.acl")
    port=$(free_port)
    log "starting redis-server on 127.0.0.1:$port (default user off, the server's user from $dir/users.acl)"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
        --aclfile "$dir/users.acl" \
        --dir "$dir" --pidfile "$dir/redis-$port.pid" --logfile "$dir/redis-$port.log" >/dev/null
    url="redis://qrorder-server:$pass@127.0.0.1:$port"
    wait_until 10 redis_answers "$url" || die "redis-server did not start (see $dir/redis-$port.log)"
    echo "$url"
}

# without_credentials URL — URL without its user and password.
without_credentials() { sed -E 's#^(rediss?://)[^@/]*@#\1#' <<<"$1"; }

# start_redis_cluster DIR — a Redis Cluster of our own: 6 redis-servers in
# cluster mode on free loopback ports (3 masters, 3 replicas), AOF on,
# node timeout 2 s so that a failover takes seconds, and a replica that
# was cut off may still take over (replica-validity-factor 0: the cluster
# stays up, and the kitchen re-check covers the writes it missed). No
# password: loopback only. Node N keeps its files in DIR/N/ (pid file
# redis.pid, `start` starts it again); DIR/ports lists the ports. Prints the seed URLs,
# comma-separated.
start_redis_cluster() {
    local dir=$1 port bus ports=() n
    apt_install redis-server redis-tools
    rm -rf "$dir"/[1-6] "$dir/ports"; mkdir -p "$dir"
    for n in 1 2 3 4 5 6; do
        # The cluster bus gets a free port of its own (by default it is
        # port + 10000, which may be taken or above 65535).
        port=$(free_port); bus=$(free_port); ports+=("$port")
        mkdir -p "$dir/$n"
        # DIR/N/start starts node N again (after a kill) as it was.
        printf '%s\n' "#!/bin/sh" "exec redis-server --daemonize yes --bind 127.0.0.1 --port $port --cluster-port $bus \
--cluster-enabled yes --cluster-config-file $dir/$n/nodes.conf --cluster-node-timeout 2000 \
--cluster-replica-validity-factor 0 --appendonly yes --save '' \
--dir $dir/$n --pidfile $dir/$n/redis.pid --logfile $dir/$n/redis.log" > "$dir/$n/start"
        chmod +x "$dir/$n/start"
        "$dir/$n/start" >/dev/null || { stop_redis_cluster "$dir"; die "redis-server on $port did not start (see $dir/$n/redis.log)"; }
    done
    for port in "${ports[@]}"; do
        wait_until 10 redis_answers "redis://127.0.0.1:$port" \
            || { stop_redis_cluster "$dir"; die "redis-server on $port did not start (see $dir/)"; }
    done
    printf '%s\n' "${ports[@]}" > "$dir/ports"
    log "creating a Redis Cluster of 3 masters and 3 replicas on ports ${ports[*]}"
    redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas 1 --cluster-yes \
        > "$dir/create.log" 2>&1 || { stop_redis_cluster "$dir"; die "redis-cli --cluster create failed (see $dir/create.log)"; }
    cluster_ok() { local p; for p in "${ports[@]}"; do redis-cli -p "$p" cluster info | grep -q 'cluster_state:ok' || return 1; done; }
    wait_until 30 cluster_ok || { stop_redis_cluster "$dir"; die "the Redis Cluster did not reach cluster_state:ok (see $dir/)"; }
    printf 'redis://127.0.0.1:%s,' "${ports[@]}" | sed 's/,$//'
}

# stop_redis_cluster DIR — stops what start_redis_cluster started.
stop_redis_cluster() {
    local f
    for f in "$1"/*/redis.pid; do
        # A paused node (SIGSTOP) would not act on the TERM.
        [ -s "$f" ] && { kill -CONT "$(cat "$f")"; kill "$(cat "$f")"; } 2>/dev/null || true
    done
}
