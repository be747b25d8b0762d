"""Raw TCP send of a file to bench/sink.py --tcp: `python raw_send.py PORT FILE`.

sendfile(2) (no HTTP, no user-space copy on the sending side), then waits for the sink to
close, so the time covers every byte read. Prints the seconds.
"""
import socket
import sys
import time

port, path = int(sys.argv[1]), sys.argv[2]
with open(path, "rb") as f:
    t = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendfile(f)
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    el = time.perf_counter() - t
    s.close()
print(f"{el:.6f}")
