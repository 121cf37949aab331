#!/usr/bin/env bash
# Make sure the PostgreSQL and Redis that `make test` uses are up on 127.0.0.1.
# Starts them when they are installed here but stopped; otherwise says which one and how to start it.
set -u
PGHOST=${TEST_PGHOST:-127.0.0.1}
PGPORT=${TEST_PGPORT:-5432}
REDIS_PORT=${TEST_REDIS_PORT:-6379}

pg_up() { (exec 3<>"/dev/tcp/$PGHOST/$PGPORT") 2>/dev/null; }
redis_up() {
  exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT" 2>/dev/null || return 1
  printf 'PING\r\n' >&3
  local reply
  read -r -t 2 reply <&3 || return 1
  exec 3>&-
  [[ "$reply" == +PONG* ]]
}

wait_for() {  # wait_for NAME CHECK
  for _ in $(seq 1 30); do "$2" && return 0; sleep 0.5; done
  return 1
}

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "PostgreSQL is not answering on $PGHOST:$PGPORT; starting it"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  if ! wait_for postgres pg_up; then
    echo "ERROR: PostgreSQL is not reachable on $PGHOST:$PGPORT." >&2
    echo "  Start it with: pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start" >&2
    echo "  (or point TEST_DATABASE_URL at a running server)" >&2
    exit 1
  fi
fi

if ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "Redis is not answering on 127.0.0.1:$REDIS_PORT; starting it"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" \
      --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi
  if ! wait_for redis redis_up; then
    echo "ERROR: Redis is not reachable on 127.0.0.1:$REDIS_PORT." >&2
    echo "  Start it with: redis-server --daemonize yes --bind 127.0.0.1 --port $REDIS_PORT --save ''" >&2
    exit 1
  fi
fi
echo "services: PostgreSQL $PGHOST:$PGPORT and Redis 127.0.0.1:$REDIS_PORT are up"
