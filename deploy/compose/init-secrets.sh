#!/bin/sh
# Creates the secrets compose.yaml reads, once: random values. Existing files are kept (the master key must
# never change under existing data). Usage: deploy/compose/init-secrets.sh [dir]
#
# Compose mounts each file into the container as it is on the host, and Rotor runs as uid 10001 there, so the
# files are world-readable (0644) inside a directory only you can enter (0700): other users of this host
# cannot reach them, the container can read them.
set -eu
dir=${1:-$(dirname "$0")/secrets}
umask 077
mkdir -p "$dir"
chmod 0700 "$dir"

random() { node -e "process.stdout.write(require('crypto').randomBytes($1).toString('$2'))"; }
create() { # create <name> <value>
  if [ -e "$dir/$1" ]; then echo "kept    $dir/$1"; return; fi
  printf '%s\n' "$2" > "$dir/$1"
  chmod 0644 "$dir/$1"
  echo "created $dir/$1"
}

create postgres-password "$(random 24 hex)"
create database-url "postgres://rotor:$(cat "$dir/postgres-password")@postgres:5432/rotor"
create master-key "$(random 32 base64)"
create metrics-token "$(random 24 hex)"
create admin-password "$(random 18 base64url)"
