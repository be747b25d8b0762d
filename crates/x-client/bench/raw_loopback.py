"""The physical limit: sends FILE over a plain loopback TCP connection to a sink that discards
it, and prints {"client":"raw loopback","seconds"} as JSON. usage: python3 raw_loopback.py FILE"""
import json
import os
import socket
import sys
import threading
import time

path = sys.argv[1]
size = os.path.getsize(path)
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
done = threading.Event()


def sink():
    conn, _ = srv.accept()
    got = 0
    buf = bytearray(1 << 20)
    while got < size:
        n = conn.recv_into(buf)
        if n == 0:
            break
        got += n
    conn.sendall(b"k")
    conn.close()
    done.set()


threading.Thread(target=sink, daemon=True).start()
started = time.perf_counter()
c = socket.create_connection(srv.getsockname())
with open(path, "rb") as f:
    c.sendfile(f)
c.recv(1)
seconds = time.perf_counter() - started
print(json.dumps({"client": "raw loopback", "route": "-", "seconds": seconds}))
