"""Raw loopback sink: the physical limit of sending the same bytes over HTTP(S) on loopback.

`python sink.py PORTFILE [CERT KEY]` listens on 127.0.0.1:0 (TLS when CERT/KEY are given),
writes the port to PORTFILE, then for each connection reads one request's headers and its
Content-Length body (1 MiB reads, discarded) and answers 204. No parsing beyond that.
`python sink.py PORTFILE --tcp`: no HTTP at all, reads each connection to EOF and closes it.
"""
import socket
import ssl
import sys

port_file = sys.argv[1]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(8)
ctx = None
tcp = sys.argv[2:] == ["--tcp"]
if len(sys.argv) > 3:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[2], sys.argv[3])
with open(port_file, "w") as f:
    f.write(str(srv.getsockname()[1]))
buf = bytearray(1 << 20)
view = memoryview(buf)
while True:
    conn, _ = srv.accept()
    try:
        if tcp:
            while conn.recv_into(view):
                pass
            continue
        if ctx:
            conn = ctx.wrap_socket(conn, server_side=True)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(65536)
            if not chunk:
                raise ConnectionError("eof in headers")
            head += chunk
        hdr, rest = head.split(b"\r\n\r\n", 1)
        length = 0
        for line in hdr.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v.strip())
        left = length - len(rest)
        while left > 0:
            n = conn.recv_into(view, min(left, len(buf)))
            if n == 0:
                break
            left -= n
        conn.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
    except Exception as e:  # keep serving
        print("sink:", e, file=sys.stderr)
    finally:
        conn.close()
