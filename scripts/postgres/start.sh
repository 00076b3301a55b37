#!/usr/bin/env bash
# A throwaway PostgreSQL with pgvector on 127.0.0.1:PORT for the tests (from the verified recipe).
# start.sh ROOT DATADIR PORT: a throwaway PostgreSQL on 127.0.0.1:PORT with pgvector available.
set -euo pipefail
ROOT=$1; D=$2; P=$3; B=$ROOT/usr/lib/postgresql/15/bin
mkdir -p "$D"; chown postgres "$D"
runuser -u postgres -- "$B/initdb" -D "$D/data" --auth=trust -U postgres >/dev/null
runuser -u postgres -- "$B/pg_ctl" -D "$D/data" -l "$D/log" -w start -o "-c listen_addresses=127.0.0.1 -p $P -k $D"
"$B/psql" -h 127.0.0.1 -p "$P" -U postgres -Atc "create extension vector; select extversion from pg_extension where extname='vector'"
