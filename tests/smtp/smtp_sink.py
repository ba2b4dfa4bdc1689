"""smtp_sink.py - an aiosmtpd handler for raslog's tests: stores every
message it accepts as one file in a directory, so a test can count and read
exactly what was delivered.

    PYTHONPATH=tests/smtp /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:PORT \
        -c smtp_sink.Sink DIR [refuse]

With 'refuse' every message is refused with 550 (a relay that answers but
will not take the mail).  Each file is named <n>.eml and starts with
X-Envelope-From / X-Envelope-To lines, then the message as received.
"""
import os


class Sink:
    def __init__(self, directory, refuse=False):
        self.directory = directory
        self.refuse = refuse
        os.makedirs(directory, exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if not args:
            parser.error("smtp_sink.Sink needs the directory to store messages in")
        return cls(args[0], len(args) > 1 and args[1] == "refuse")

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "550 5.7.1 refused by the test relay"
        n = len([f for f in os.listdir(self.directory) if f.endswith(".eml")]) + 1
        data = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        head = "X-Envelope-From: %s\r\nX-Envelope-To: %s\r\n" % (envelope.mail_from, ",".join(envelope.rcpt_tos))
        tmp = os.path.join(self.directory, ".%d.tmp" % n)
        with open(tmp, "wb") as f:
            f.write(head.encode() + data)
        os.rename(tmp, os.path.join(self.directory, "%04d.eml" % n))
        return "250 2.0.0 stored as %04d" % n
