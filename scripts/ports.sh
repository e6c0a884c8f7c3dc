# Sourced by up.sh and down.sh: the services' ports (their settings' HTTP_PORT defaults; a unit test
# holds the two together) and who listens on them.
PORTS=(3001 3002 3003 3004)
METRICS_PORTS=(9101 9102 9103 9104)  # their METRICS_PORT defaults: /metrics, bound to 127.0.0.1

listener_pids() {  # the pids listening on any of the services' ports
  local port
  for port in "${PORTS[@]}" "${METRICS_PORTS[@]}"; do
    ss -ltnpH "sport = :$port" 2>/dev/null | { grep -o "pid=[0-9]*" || true; } | cut -d= -f2
  done | sort -u
}
