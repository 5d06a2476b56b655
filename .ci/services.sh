#!/usr/bin/env bash
# Start PostgreSQL, Redis and RabbitMQ when they are not already running (commands from the machine's docs).
set -uo pipefail

wait_for() {  # name, test command
  for _ in $(seq 1 60); do eval "$2" >/dev/null 2>&1 && { echo "$1 is up"; return 0; }; sleep 1; done
  echo "$1 did not come up" >&2; return 1
}

if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
fi
wait_for PostgreSQL "pg_isready -h 127.0.0.1 -p 5432" || exit 1

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
wait_for Redis "redis-cli -h 127.0.0.1 -p 6379 ping" || exit 1

if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  rabbitmq-server -detached || true
fi
wait_for RabbitMQ "(exec 3<>/dev/tcp/127.0.0.1/5672)" || exit 1
