#!/usr/bin/env python3
"""A loopback S3 Express CreateSession endpoint for tests/it/s3express.rs.

    s3express.py CONFIG LOG

CONFIG is a JSON file:

    {"secrets": {"ACCESS_KEY_ID": "SECRET", ...},
     "responses": [{"status": 200, "content_type": "application/xml",
                    "body": "..."}, ...],
     "tls_dir": DIR, "tls_hosts": [HOST, ...]}         (the last two optional)

It is also an HTTP proxy for itself: a `CONNECT host:port` is answered 200
and logged (`{"connect": "host:port"}`), and the tunnelled request is served
as any other; with `tls_dir`, a tunnel to port 443 is TLS with a leaf for
`tls_hosts` signed by a test CA made with the openssl command (DIR/ca.pem,
for AWS_CA_BUNDLE). So presign can reach a zonal endpoint's real host name
through HTTPS_PROXY without any name being looked up.

A request whose query is signed (`X-Amz-Signature`: a presigned URL that a
test sends back) is not answered from the list: its query signature is
checked with the secret of its access key (source or session keys, all in
`secrets`) and logged as `{"presigned": PATH, "access_key": ..., "token":
X-Amz-S3session-Token, "scope": ..., "verified": ...}`, answered 200.

Each other request gets the next response of the list (the last one again once
the list is used up). Every request is appended to LOG as one JSON line:
method, path, query, host, the source session token header
(x-amz-security-token, or null), the SigV4 credential scope without the
access key (DATE/REGION/SERVICE), the signed header names, the access key id,
and whether the signature verifies. The check is this file's own SigV4
(hmac/hashlib), against the secret of the access key in CONFIG: it shares
nothing with presign's signer.

Listens on 127.0.0.1, an ephemeral port, printed on stdout once listening.
Stdlib only. Runs until killed (the test kills it by pid).
"""
import hashlib
import hmac
import json
import os
import shutil
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

LOCK = threading.Lock()
STATE = {"next": 0}


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def hmac_sha256(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def canonical_query(query):
    """The SigV4 canonical query: each name and value URI-encoded, sorted."""
    if not query:
        return ""
    pairs = []
    for part in query.split("&"):
        name, _, value = part.partition("=")
        pairs.append(
            (quote(unquote(name), safe="-_.~"), quote(unquote(value), safe="-_.~"))
        )
    pairs.sort()
    return "&".join(f"{n}={v}" for n, v in pairs)


def verify(method, path, query, headers, secrets):
    """(scope, signed header names, access key id, verified)."""
    auth = headers.get("authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return None, None, None, False
    fields = {}
    for item in auth[len("AWS4-HMAC-SHA256 "):].split(","):
        key, _, value = item.strip().partition("=")
        fields[key] = value
    credential = fields.get("Credential", "")
    signed = fields.get("SignedHeaders", "")
    signature = fields.get("Signature", "")
    access_key, _, scope_tail = credential.partition("/")
    scope_parts = scope_tail.split("/")
    if len(scope_parts) != 4 or scope_parts[3] != "aws4_request":
        return scope_tail, signed, access_key, False
    date, region, service, _ = scope_parts
    amz_date = headers.get("x-amz-date", "")
    names = signed.split(";")
    if "host" not in names or not amz_date.startswith(date):
        return "/".join(scope_parts[:3]), signed, access_key, False
    canonical_headers = "".join(
        f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in names
    )
    payload = headers.get("x-amz-content-sha256", sha256_hex(b""))
    creq = "\n".join(
        [method, path, canonical_query(query), canonical_headers, signed, payload]
    )
    sts = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope_tail, sha256_hex(creq.encode("utf-8"))]
    )
    secret = secrets.get(access_key)
    ok = False
    if secret is not None:
        key = signing_key(secret, date, region, service)
        want = hmac.new(key, sts.encode("utf-8"), hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(want, signature)
    return "/".join(scope_parts[:3]), signed, access_key, ok


def make_certificates(directory, hosts):
    """A test CA and a leaf for `hosts` signed by it (EC P-256).
    Returns (leaf.pem, leaf.key); the CA is DIR/ca.pem."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise SystemExit("s3express.py: TLS needs the openssl command")
    os.makedirs(directory, exist_ok=True)

    def path(name):
        return os.path.join(directory, name)

    def run(*args):
        subprocess.run([openssl, *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)

    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *key, "-keyout", path("ca.key"), "-out", path("ca.pem"),
        "-days", "30", "-subj", "/CN=presign s3express test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *key, "-keyout", path("leaf.key"), "-out", path("leaf.csr"),
        "-subj", "/CN=presign s3express test leaf")
    with open(path("leaf.ext"), "w", encoding="ascii") as f:
        f.write("subjectAltName=" + ",".join("DNS:" + h for h in hosts) + "\n")
        f.write("basicConstraints=critical,CA:FALSE\n")
        f.write("keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", path("leaf.csr"), "-CA", path("ca.pem"),
        "-CAkey", path("ca.key"), "-CAcreateserial", "-out", path("leaf.pem"),
        "-days", "30", "-extfile", path("leaf.ext"))
    return path("leaf.pem"), path("leaf.key")


def signing_key(secret, date, region, service):
    key = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac_sha256(key, part)
    return key


def verify_query(method, path, query, headers, secrets):
    """The check of a presigned URL: (access key, scope, verified)."""
    params = {}
    rest = []
    for part in query.split("&"):
        name, _, value = part.partition("=")
        params[unquote(name)] = unquote(value)
        if unquote(name) != "X-Amz-Signature":
            rest.append(part)
    credential = params.get("X-Amz-Credential", "")
    access_key, _, scope = credential.partition("/")
    parts = scope.split("/")
    if len(parts) != 4 or params.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
        return access_key, scope, False
    names = params.get("X-Amz-SignedHeaders", "").split(";")
    canonical_headers = "".join(
        f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in names
    )
    creq = "\n".join([method, path, canonical_query("&".join(rest)), canonical_headers,
                      ";".join(names), "UNSIGNED-PAYLOAD"])
    sts = "\n".join(["AWS4-HMAC-SHA256", params.get("X-Amz-Date", ""), scope,
                     sha256_hex(creq.encode("utf-8"))])
    secret = secrets.get(access_key)
    if secret is None:
        return access_key, scope, False
    want = hmac.new(signing_key(secret, *parts[:3]), sts.encode("utf-8"),
                    hashlib.sha256).hexdigest()
    return access_key, "/".join(parts[:3]), hmac.compare_digest(
        want, params.get("X-Amz-Signature", ""))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_CONNECT(self):
        with LOCK, open(self.server.log, "a") as f:
            f.write(json.dumps({"connect": self.path}) + "\n")
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = False
        if self.path.endswith(":443") and self.server.tls is not None:
            tunnel = self.server.tls.wrap_socket(self.connection, server_side=True)
            self.connection = tunnel
            self.rfile = tunnel.makefile("rb")
            self.wfile = tunnel.makefile("wb", buffering=0)

    def do_GET(self):
        self.answer()

    def do_PUT(self):
        self.answer()

    def do_POST(self):
        self.answer()

    def answer(self):
        config = self.server.config
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path, _, query = self.path.partition("?")
        headers = {k.lower(): v for k, v in self.headers.items()}
        if "X-Amz-Signature=" in query:
            access_key, scope, ok = verify_query(
                self.command, path, query, headers, config["secrets"]
            )
            token = None
            for part in query.split("&"):
                name, _, value = part.partition("=")
                if name == "X-Amz-S3session-Token":
                    token = unquote(value)
            record = {"presigned": path, "access_key": access_key, "token": token,
                      "scope": scope, "verified": ok}
            with LOCK, open(self.server.log, "a") as f:
                f.write(json.dumps(record) + "\n")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.send_header("Connection", "close")
            self.end_headers()
            return
        scope, signed, access_key, ok = verify(
            self.command, path, query, headers, config["secrets"]
        )
        record = {
            "method": self.command,
            "path": path,
            "query": query,
            "host": headers.get("host"),
            "token": headers.get("x-amz-security-token"),
            "scope": scope,
            "signed": signed,
            "access_key": access_key,
            "verified": ok,
        }
        with LOCK:
            responses = config["responses"]
            response = responses[min(STATE["next"], len(responses) - 1)]
            STATE["next"] += 1
            with open(self.server.log, "a") as f:
                f.write(json.dumps(record) + "\n")
        body = response["body"].encode("utf-8")
        self.send_response(response["status"])
        self.send_header("Content-Type", response.get("content_type", "application/xml"))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    with open(sys.argv[1]) as f:
        config = json.load(f)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.config = config
    server.log = sys.argv[2]
    server.tls = None
    if config.get("tls_dir"):
        cert, key = make_certificates(config["tls_dir"], config["tls_hosts"])
        server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.tls.load_cert_chain(cert, key)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
