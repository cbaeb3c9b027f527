#!/usr/bin/env python3
"""Drives `momentos sql` through a pseudo-terminal like a person would: a multi-line query,
`\\d`, history recall with the Up arrow, `\\q`. Used by tests/sql.rs. Exits non-zero with a
transcript when the shell does not answer as expected."""

import os
import pty
import select
import sys
import time

binary, lake, history, describe = sys.argv[1:5]
transcript = []


def read_until(fd, needle, timeout=30):
    buf = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            if needle.encode() in buf:
                transcript.append(buf.decode(errors="replace"))
                return buf.decode(errors="replace")
    transcript.append(buf.decode(errors="replace"))
    fail(f"did not see {needle!r}")


def fail(why):
    print(why, file=sys.stderr)
    print("---- transcript ----", file=sys.stderr)
    print("".join(transcript), file=sys.stderr)
    sys.exit(1)


pid, fd = pty.fork()
if pid == 0:
    env = dict(os.environ, MOMENTOS_HISTORY=history, TERM="xterm")
    os.execve(binary, [binary, "--lake", lake, "sql"], env)

read_until(fd, "momentos> ")
os.write(fd, b"select count(*) as total\r")
read_until(fd, "-> ")
os.write(fd, b"from interactions;\r")
read_until(fd, "fila")
os.write(fd, f"\\d {describe}\r".encode())
read_until(fd, "una fila =")
os.write(fd, b"\\d\r")
read_until(fd, "holidays")
# Up arrow twice: back past "\d" and "\d TABLE" to the multi-line query.
os.write(fd, b"\x1b[A\x1b[A\x1b[A")
time.sleep(0.3)
os.write(fd, b"\r")
out = read_until(fd, "fila")
if "total" not in out:
    fail("history recall did not rerun the query")
os.write(fd, b"\\q\r")
_, status = os.waitpid(pid, 0)
if os.waitstatus_to_exitcode(status) != 0:
    fail(f"shell exited with {status}")
print("".join(transcript))
