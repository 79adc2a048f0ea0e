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
