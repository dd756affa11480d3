#!/usr/bin/env python3
"""Loopback stand-ins for the network conditions tests/it/network.rs needs.

    netstub.py silent LOG   accepts connections, reads, never answers
    netstub.py proxy LOG    an HTTP proxy that refuses every request with 403
                            and logs its request line (`CONNECT host:443 ...`)
    netstub.py answer LOG STATUS BODY [HEADER:VALUE]...
                            answers every request with STATUS, BODY and the
                            headers (a failing credential service)

Listens on 127.0.0.1, an ephemeral port, printed on stdout once listening;
each request line received is appended to LOG. Stdlib only. Runs until
killed (the test kills it by pid).
"""
import socket
import sys
import threading


def handle(conn, mode, log):
    with conn:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        line = data.split(b"\r\n", 1)[0].decode("latin-1")
        with open(log, "a") as f:
            f.write(line + "\n")
        if mode == "proxy":
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        elif mode == "answer":
            status, body = sys.argv[3], sys.argv[4].encode()
            head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
            for header in sys.argv[5:]:
                head += header + "\r\n"
            conn.sendall(head.encode() + b"\r\n" + body)
        else:
            threading.Event().wait(3600)


def main():
    mode, log = sys.argv[1], sys.argv[2]
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    print(server.getsockname()[1], flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=handle, args=(conn, mode, log), daemon=True).start()


if __name__ == "__main__":
    main()
