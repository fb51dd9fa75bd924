#!/usr/bin/env bash
# The long schemathesis run of docs/reliability.md: a real `anomalia serve` (with an API
# key, so the registration routes are fuzzed too) over freshly trained models, every
# operation of its OpenAPI document fuzzed with positive and negative cases; the server's
# own /metrics counts the requests by status at the end.
#   usage: long_fuzz.sh [EXAMPLES_PER_OPERATION [SEED]]   (anomalia and schemathesis on PATH)
set -euo pipefail
examples=${1:-1000}
seed=${2:-18}
work=$(mktemp -d)
server=
cleanup() { [[ -n $server ]] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
anomalia generate --out obs.parquet --events events.parquet --n-series 2 --length 600 --quiet
anomalia train --data obs.parquet --models models --detector zscore --detector iforest --quiet
export ANOMALIA_API_KEY=fuzz-key ANOMALIA_MAX_POINTS=2000 ANOMALIA_MAX_BODY_BYTES=262144
port=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
anomalia serve --models models --port "$port" --log-level error 2>server.log &
server=$!
url=http://127.0.0.1:$port
for _ in $(seq 100); do curl -sf "$url/ready" >/dev/null && break; sleep 0.2; done
count() {  # requests the server counted, by status, as JSON
  curl -s -H "X-API-Key: fuzz-key" "$url/metrics" | python -c '
import collections, json, re, sys
counts = collections.Counter()
for line in sys.stdin:
    match = re.match(r"anomalia_requests_total\{.*status=\"(\d+)\"\} (\S+)", line)
    if match:
        counts[match[1]] += int(float(match[2]))
print(json.dumps(counts))'
}
before=$(count)
started=$(date +%s)
status=0
schemathesis run "$url/openapi.json" -H "X-API-Key: fuzz-key" --max-examples "$examples" \
  --checks not_a_server_error --mode all --seed "$seed" --workers 1 --no-shrink || status=$?
echo "schemathesis exit status $status after $(( $(date +%s) - started )) s"
after=$(count)
python -c '
import json, sys
before, after = (json.loads(arg) for arg in sys.argv[1:])
# The probes and scrapes of this script are left out.
counts = {code: after[code] - before.get(code, 0) for code in after}
counts["200"] -= 1  # the scrape that took "before"
print(f"server counted {sum(counts.values())} requests; by status: {dict(sorted(counts.items()))}")
print("5xx:", sum(n for code, n in counts.items() if code.startswith("5")))
' "$before" "$after"
grep -c '"level": "ERROR"' server.log | sed 's/^/error log lines: /' || true
exit "$status"
