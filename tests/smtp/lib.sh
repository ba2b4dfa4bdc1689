# tests/smtp/lib.sh - a local SMTP sink (aiosmtpd with tests/smtp/smtp_sink.py)
# for the notification suites, 71-notify.sh and 72-notify-events.sh.
# Sourced after tests/lib.sh; without Debian's python3-aiosmtpd the suite
# is skipped here.  Gives:
#
#   SMTP_PORT      a free loopback port (start_smtp listens on it)
#   MAIL           the directory each message lands in, as NNN.eml
#   start_smtp     starts the sink and waits until it accepts connections
#   stop_smtp      stops it (also done at exit)
#   nmail          how many messages have arrived
if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
	skip "Debian's python3-aiosmtpd is not installed (tools/deps.sh installs it)"
	finish
	exit
fi
SMTP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MAIL="$WORK/mail"
SMTP_PID=""
SMTP_PORT=$(free_port)
start_smtp() {
	stop_smtp || true # a sink already running would keep the port, answer the check below and outlive the suite
	PYTHONPATH="$SMTP_ROOT" /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" \
		-c smtp_sink.Sink "$MAIL" >>"$WORK/smtp.log" 2>&1 &
	SMTP_PID=$!
	for i in $(seq 100); do
		python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$SMTP_PORT" 2>/dev/null && return
		sleep 0.1
	done
	echo "# the SMTP server did not start"; cat "$WORK/smtp.log"; exit 1
}
stop_smtp() { [ -n "$SMTP_PID" ] && kill "$SMTP_PID" 2>/dev/null && wait "$SMTP_PID" 2>/dev/null; SMTP_PID=""; }
trap 'stop_smtp; cleanup' EXIT
nmail() { ls "$MAIL"/*.eml 2>/dev/null | wc -l; }
