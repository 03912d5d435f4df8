#!/usr/bin/env bash
# http for plugins: the bundled http_probe collector and slack sink against
# servers on loopback, and the net permission's limits: a plugin without net
# has no http, a plugin reaches only the hosts its manifest lists, redirects
# are not followed, and sizes are bounded.
. "$(dirname "$0")/lib.sh"
PIDS=()
trap '{ for p in "${PIDS[@]}"; do kill -9 "$p"; done; wait; } 2>/dev/null; cleanup' EXIT
cd "$SCRATCH"

web=$(free_port)
mkdir -p site && echo healthy > site/healthz
python3 -m http.server "$web" --bind 127.0.0.1 --directory site >/dev/null 2>&1 & PIDS+=($!)
hook=$(free_port)
echo 200 > statuses
python3 "$E2E/webhook_receiver.py" "$hook" slack.jsonl statuses 2>/dev/null & PIDS+=($!)
check "the web server starts" wait_http "http://127.0.0.1:$web/healthz" 20
# The receiver answers only POST; any answer to a GET means it listens.
check "the webhook receiver starts" wait_until 20 curl -s -o /dev/null "http://127.0.0.1:$hook/"

out=$("$OPSLAB" --no-init -e "
metrics.configure('http_probe', {targets = {'http://127.0.0.1:$web/healthz', 'http://127.0.0.1:$web/missing', 'http://127.0.0.1:1/'}})
local by = {}
for _, s in ipairs(metrics.collect('http_probe')) do
  if s.labels.target then by[s.name .. ' ' .. s.labels.target] = s.value end
end
print(by['probe_success http://127.0.0.1:$web/healthz'], by['probe_http_status_code http://127.0.0.1:$web/healthz'],
      by['probe_success http://127.0.0.1:$web/missing'], by['probe_http_status_code http://127.0.0.1:$web/missing'],
      by['probe_success http://127.0.0.1:1/'], by['probe_http_status_code http://127.0.0.1:1/'],
      by['probe_duration_seconds http://127.0.0.1:$web/healthz'] < 5)" 2>&1)
check "http_probe reports success, status and duration per target ($out)" [ "$out" = $'1.0\t200.0\t0.0\t404.0\t0.0\tnil\ttrue' ]

send() { "$OPSLAB" --no-init -e "
local ok, why = plugins.call('slack', 'send', {options = {url = 'http://127.0.0.1:$hook/slack', channel = '#ops'}},
  testing.notification{labels = {alertname = 'DiskFull', severity = 'page'}, annotations = {summary = 'disk at 97%'}})
print(ok, why)" 2>&1; }
out=$(send)
check "the slack sink delivers ($out)" [ "$out" = $'nil\tnil' ]
message=$(python3 -c '
import json
m = json.loads(open("slack.jsonl").readline())
a = m["attachments"][0]
print(m["channel"], a["title"], a["color"], a["text"], sep="|")')
check "as Slack's incoming-webhook message ($message)" [ "$message" = '#ops|[FIRING:1] DiskFull|danger|*firing* disk at 97%' ]
echo 404 > statuses
out=$(send)
check "a 404 from Slack refuses the notification for good ($out)" contains "$out" $'false\tSlack answered 404'
echo 503 > statuses
out=$(send)
check "a 503 is an error, so the outbox retries ($out)" contains "$out" "Slack answered 503"

# The net permission's limits, each a hostile plugin.
plugin() { printf 'return { kind = "collector", name = "%s", version = "1.0.0", description = "d", %s, collect = function(ctx) %s end }\n' "$1" "$2" "$3" > "$1.lua"; }
plugin nonet 'permissions = {}' 'return {{name = "x", value = http and 1 or 0}}'
out=$("$OPSLAB" --no-init -e 'plugins.load("nonet.lua"); print(plugins.call("nonet", "collect", {options = {}})[1].value)' 2>&1)
check "a plugin without net has no http ($out)" [ "$out" = 0 ]
plugin onlyone 'permissions = {"net"}, hosts = {"127.0.0.1"}' 'return {{name = "x", value = http.get(ctx.options.url).status}}'
for url in "http://localhost:$web/healthz" "http://127.0.0.1@localhost:$web/healthz" "http://ops:pw@127.0.0.1:$web/healthz"; do
  out=$("$OPSLAB" --no-init -e "plugins.load('onlyone.lua'); plugins.call('onlyone', 'collect', {options = {url = '$url'}})" 2>&1); rc=$?
  check "a host outside the list is refused: $url ($out)" [ $rc -ne 0 ] && contains "$out" "not in the plugin's hosts"
done
out=$("$OPSLAB" --no-init -e "plugins.load('onlyone.lua'); print(plugins.call('onlyone', 'collect', {options = {url = 'http://127.0.0.1:$web/healthz'}})[1].value)" 2>&1)
check "a listed host is reached ($out)" [ "$out" = 200 ]
plugin tamper 'permissions = {"net"}, hosts = {"127.0.0.1"}' 'http.request = function() end; return {}'
out=$("$OPSLAB" --no-init -e "plugins.load('tamper.lua'); plugins.call('tamper', 'collect', {options = {}})" 2>&1); rc=$?
check "a plugin cannot replace its http ($out)" [ $rc -ne 0 ] && contains "$out" "read-only"
plugin nohosts 'permissions = {"net"}' 'return {}'
out=$("$OPSLAB" plugin check nohosts.lua 2>&1); rc=$?
check "net without hosts is refused ($out)" [ $rc -ne 0 ] && contains "$out" "field 'hosts': is required with the net permission"
plugin hostsonly 'hosts = {"127.0.0.1"}' 'return {}'
out=$("$OPSLAB" plugin check hostsonly.lua 2>&1); rc=$?
check "hosts without net is refused ($out)" [ $rc -ne 0 ] && contains "$out" "has no effect without the net permission"

# The shell's http: redirects come back as they are, sizes are bounded.
cat > redirect.py <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(302); self.send_header("Location", "http://example.invalid/"); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
redirect=$(free_port)
python3 redirect.py "$redirect" 2>/dev/null & PIDS+=($!)
wait_until 10 curl -s -o /dev/null "http://127.0.0.1:$redirect/"
out=$("$OPSLAB" --no-init -e "local r = http.get('http://127.0.0.1:$redirect/'); print(r.status, r.headers.location)" 2>&1)
check "a redirect is not followed ($out)" [ "$out" = $'302\thttp://example.invalid/' ]
head -c 100000 /dev/zero > site/big
out=$("$OPSLAB" --no-init -e "http.get('http://127.0.0.1:$web/big', {max_bytes = 1000})" 2>&1); rc=$?
check "a body over max_bytes is an error ($out)" [ $rc -ne 0 ] && contains "$out" "larger than max_bytes (1000)"
for bad in "timeout = 0/0" "timeout = 1/0" "timeout = 1e300" "max_bytes = 2^63" "max_bytes = -1" "method = 'BREW'" "headers = {x = 'a\\nb'}"; do
  out=$("$OPSLAB" --no-init -e "http.get('http://127.0.0.1:$web/healthz', {$bad})" 2>&1); rc=$?
  check "http.get {$bad} is refused ($out)" [ $rc -ne 0 ] && ! contains "$out" "Fatal error"
done

finish
