# Sourced by the benchmarks that need a PostgreSQL of their own (coordination.sh, shared-journal.sh):
#   start_postgres [postgres -c options …]
# initdb into "$work/pg" (as nobody when run as root), a random password for the user kamiflow, a server on
# 127.0.0.1 at a free port with fsync and synchronous_commit on (the defaults: a journal is durable or it is not
# one). Sets bin, port, password and pg (the server's pid; the caller's cleanup kills it) and defines sql DB QUERY.
start_postgres() {
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    local as=()
    mkdir "$work/pg"
    password=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
    echo "$password" > "$work/pg/pw"
    if [ "$(id -u)" = 0 ]; then
        as=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
        chown -R 65534:65534 "$work/pg"
    fi
    "${as[@]}" "$bin/initdb" -D "$work/pg/data" -U kamiflow --pwfile="$work/pg/pw" --auth-local=trust \
        --auth-host=scram-sha-256 -E UTF8 --locale=C >/dev/null
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${as[@]}" "$bin/postgres" -D "$work/pg/data" -h 127.0.0.1 -p "$port" -k "$work/pg" "$@" >"$work/pg/log" 2>&1 &
    pg=$!
    until "$bin/pg_isready" -h "$work/pg" -p "$port" -U kamiflow >/dev/null 2>&1; do sleep 0.2; done
}
sql() { "$bin/psql" -h "$work/pg" -p "$port" -U kamiflow -d "$1" -X -A -t -c "$2"; }
