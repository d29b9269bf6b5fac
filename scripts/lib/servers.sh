# Sourced by scripts/test.sh and scripts/bench.sh: start the real servers the
# storage code talks to (S3 via moto, Azure Blob via azurite, PostgreSQL,
# MariaDB) on loopback, export their URLs, and stop them when the caller exits.
start_servers() {
  trap 'scripts/emulators.sh stop; scripts/databases.sh stop' EXIT
  local service env_lines
  for service in emulators databases; do
    if env_lines=$(scripts/$service.sh start); then
      eval "$env_lines"
    else
      echo "could not start the test $service" >&2
      return 1
    fi
  done
}
