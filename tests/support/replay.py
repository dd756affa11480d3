#!/usr/bin/env python3
"""Loopback replay servers for the credential-source vectors (tests/it/creds.rs).

Python 3.11, standard library only (plus the `openssl` command for TLS cases).

    replay.py serve FIXTURE --case NAME [--all-down] [--bind SVC=ADDR:PORT]...
              [--tls-dir DIR [--tls-port 443]] [--out FILE]
    replay.py serve CASE.json ...          (a file holding one case)
    replay.py --self-check FIXTURE [--case NAME]

`serve` starts one HTTP server per service (sts, sso, oidc, signin, ecs,
imds) on 127.0.0.1, each on its own ephemeral port, and prints one JSON line
on stdout when every socket is ready:

    {"sts": 41234, ..., "imds": 41239, "control": 41240, "ca": null, "tls_hosts": []}

A service the case's `stub` leaves out (or marks "down"), and every service
with --all-down, gets a socket that is bound but never listens: connections to
its port are refused, and no other process can take the port meanwhile.

Each request is answered by replaying the recorded response of the case's
`expect.exchanges`: the first not yet used exchange of the same service,
method and path (query and headers are not part of the match), in recorded
order; once all of those are used, the last one is replayed again (a client
may retry more often than AWS CLI v2 did; reduced views are compared as a set,
so counts do not matter). A request no exchange matches gets a 404 and is
logged.

Every request received is kept as its REDUCED VIEW, the shape of
`expect.requests` (serialised with `json.dumps(view, sort_keys=True)`):

* sts: service, host, params (the form body without `Version=2011-06-15`),
  answer, signature ("verified", "none" when there is no Authorization
  header, else the reason it does not verify); when signed also signed_by,
  signing_region and session_token (whether X-Amz-Security-Token was sent).
  The SigV4 check is an independent recomputation (hashlib/hmac) with the
  secret of the signing access key, taken from the case: its env, its files
  (INI and JSON caches), its seed and every recorded response (so hop 2 of a
  role chain verifies with hop 1's returned keys).
* imds: service, host, method, path, token (x-aws-ec2-metadata-token or
  null), ttl (x-aws-ec2-metadata-token-ttl-seconds or null), answer.
* ecs: service, host, method, path, query, authorization (or null), answer.
* sso: service, host, method, path, role_name, account_id (from the query),
  bearer (x-amz-sso_bearer_token or null), answer.
* oidc: service, host, method, path, body (parsed JSON), answer.
* signin: service, host, method, path, body (parsed JSON), dpop (the DPoP
  JWT's typ, alg, jwk, htm, htu, iat, has_jti and signature_bytes), answer.
  The ES256 signature is verified with the JWT's own jwk (P-256 arithmetic
  below); only a failure shows, as dpop.signature = "invalid".

`host` is the Host header, written {STS}, {SSO}, ... when it names the
service's own loopback address (or one given with --alias), else verbatim.
The same substitution is made in the DPoP `htu`. `answer` is what the
replayed response was: "credentials", "token", "role", "az", an error code
(STS `<Code>`, `x-amzn-ErrorType`), an HTTP status ("405"), or "unmatched".
Fields that AWS CLI v2's own requests never need (a query on an STS call,
duplicate parameters, a session token header on an unsigned call) appear in
a view only when present, so any deviation shows as a difference.

The views (and the request log) are served by the control port, `GET
/views`, and written to --out at exit. The process exits on SIGTERM, on
`POST /shutdown`, or when its stdin reaches end of file (so it never outlives
the test that started it with a piped stdin).

--self-check sends every case's recorded AWS CLI v2 requests (method, path,
query, headers with the recorded Host verbatim, body) to freshly started
servers and checks that the replies are the recorded ones, that the reduced
views equal `expect.requests`, and that down services refuse connections:
it proves the servers and the verifiers against AWS CLI v2's own requests.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import http.client
import http.server
import json
import os
import posixpath
import re
import shutil
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

SERVICES = ("sts", "sso", "oidc", "signin", "ecs", "imds")


def placeholder(service):
    return "{%s}" % service.upper()


def dumps(view):
    return json.dumps(view, sort_keys=True)


# ---------------------------------------------------------------------------
# The case


def load_case(path, name=None):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if "vectors" in data:
        if name is None:
            raise SystemExit("replay.py: %s holds many cases; name one with --case" % path)
        for case in data["vectors"]:
            if case.get("name") == name:
                return case, data.get("frozen_utc")
        raise SystemExit("replay.py: no case named %r in %s" % (name, path))
    return data, data.get("frozen_utc")


def up_services(case, all_down=False):
    """The services that answer: those the stub names and does not mark down."""
    if all_down:
        return set()
    stub = case.get("stub") or {}
    return {s for s in SERVICES if s in stub and stub[s] != "down"}


def case_texts(case):
    """Every text of the case that may hold keys or secrets."""
    texts = []
    for text in (case.get("files") or {}).values():
        texts.append(text)
    for entry in (case.get("seed") or {}).values():
        texts.append(entry.get("text", ""))
    for ex in (case.get("expect") or {}).get("exchanges", []):
        texts.append(ex.get("body", ""))
        texts.append(ex["response"].get("body", ""))
    return [t for t in texts if isinstance(t, str)]


class Keys:
    """AccessKeyId -> (SecretAccessKey, session token or None), from the case."""

    def __init__(self, case):
        self.pairs = {}
        env = case.get("env") or {}
        self.add(env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY"),
                 env.get("AWS_SESSION_TOKEN"))
        for text in case_texts(case):
            self.scan(text)

    def add(self, akid, secret, token=None):
        if not (isinstance(akid, str) and isinstance(secret, str) and akid and secret):
            return
        known = self.pairs.get(akid)
        if known and known[1] is not None and token is None:
            token = known[1]
        self.pairs[akid] = (secret, token if isinstance(token, str) else None)

    def scan(self, text):
        try:
            self.walk(json.loads(text))
        except ValueError:
            pass
        for block in re.findall(r"<Credentials>(.*?)</Credentials>", text, re.S):
            def tag(name):
                m = re.search(r"<%s>(.*?)</%s>" % (name, name), block, re.S)
                return m.group(1) if m else None
            self.add(tag("AccessKeyId"), tag("SecretAccessKey"), tag("SessionToken"))
        for section in re.split(r"(?m)^\s*\[[^\]]*\]\s*$", text):
            values = dict(re.findall(r"(?m)^\s*([A-Za-z_]+)\s*=\s*(.*?)\s*$", section))
            self.add(values.get("aws_access_key_id"), values.get("aws_secret_access_key"),
                     values.get("aws_session_token"))

    def walk(self, value):
        if isinstance(value, dict):
            lower = {k.lower(): v for k, v in value.items() if isinstance(k, str)}
            if "accesskeyid" in lower and "secretaccesskey" in lower:
                self.add(lower["accesskeyid"], lower["secretaccesskey"],
                         lower.get("sessiontoken", lower.get("token")))
            for v in value.values():
                self.walk(v)
        elif isinstance(value, list):
            for v in value:
                self.walk(v)


SECRET_KEYS = {"secretaccesskey", "sessiontoken", "token", "accesstoken", "refreshtoken",
               "clientsecret", "idtoken", "dpopkey", "aws_secret_access_key", "aws_session_token",
               "webidentitytoken"}


def case_secrets(case):
    """Values of the case that must never appear in presign's stderr: secret keys,
    session tokens, web identity tokens, SSO and login tokens, client secrets, bearer
    and container authorization tokens, and the contents of token files (files
    outside ~/.aws)."""
    found = set()

    def walk(value, key=None):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k.lower() if isinstance(k, str) else None)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key in SECRET_KEYS:
            found.add(value)

    env = case.get("env") or {}
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"):
        if isinstance(env.get(name), str):
            found.add(env[name])
    for path, text in (case.get("files") or {}).items():
        if not path.startswith(".aws/"):
            found.add(text)
    for text in case_texts(case):
        try:
            walk(json.loads(text))
        except ValueError:
            pass
        for tag in ("SecretAccessKey", "SessionToken"):
            found.update(re.findall(r"<%s>(.*?)</%s>" % (tag, tag), text, re.S))
        found.update(v for k, v in re.findall(
            r"(?m)^\s*(aws_secret_access_key|aws_session_token)\s*=\s*(.*?)\s*$", text))
        for k, v in urllib.parse.parse_qsl(text, keep_blank_values=True):
            if k.lower() in SECRET_KEYS:
                found.add(v)
    for ex in (case.get("expect") or {}).get("exchanges", []):
        headers = ex.get("headers") or {}
        for name in ("authorization", "x-amz-security-token", "x-amz-sso_bearer_token"):
            value = headers.get(name)
            if value and not value.startswith("AWS4-"):
                found.add(value)
    return sorted(s for s in found if isinstance(s, str) and len(s.strip()) >= 6)


# ---------------------------------------------------------------------------
# SigV4 (header authorization), recomputed independently


def uri_encode(text, safe):
    return urllib.parse.quote(text, safe=safe)


def canonical_uri(path):
    """The canonical URI of a non-S3 service: normalised, each byte but
    unreserved ones and '/' percent-encoded (so an encoded path is encoded
    twice, as botocore and AWS do)."""
    if not path:
        return "/"
    normalised = posixpath.normpath(path)
    if path.endswith("/") and normalised != "/":
        normalised += "/"
    if normalised.startswith("//"):
        normalised = "/" + normalised.lstrip("/")
    return uri_encode(normalised, safe="/~")


def canonical_query(query):
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    encoded = sorted((uri_encode(k, "-_.~"), uri_encode(v, "-_.~")) for k, v in pairs)
    return "&".join("%s=%s" % kv for kv in encoded)


AUTH_RE = re.compile(
    r"AWS4-HMAC-SHA256 Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request,\s*"
    r"SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})")


def verify_sigv4(keys, frozen, method, path, query, headers, body):
    """Checks an STS request's SigV4 Authorization header.

    Returns (status, access key id, region): status "verified", or why not."""
    auth = headers.first("authorization") or ""
    m = AUTH_RE.fullmatch(auth.strip())
    if not m:
        return "malformed-authorization", None, None
    akid, date, region, service, signed, signature = m.groups()

    def result(status):
        return status, akid, region

    amz_date = headers.first("x-amz-date")
    if amz_date is None:
        return result("no-x-amz-date")
    if not amz_date.startswith(date):
        return result("scope-date-mismatch")
    if service != "sts":
        return result("scope-service-" + service)
    names = signed.split(";")
    if names != sorted(names) or any(n != n.lower() for n in names):
        return result("signed-headers-not-canonical")
    for needed in ("host", "x-amz-date"):
        if needed not in names:
            return result(needed + "-not-signed")
    if headers.first("x-amz-security-token") is not None and "x-amz-security-token" not in names:
        return result("x-amz-security-token-not-signed")
    secret = keys.pairs.get(akid, (None, None))[0]
    if secret is None:
        return result("unknown-key")
    lines = []
    for name in names:
        values = headers.all(name)
        if not values:
            return result("signed-header-missing-" + name)
        lines.append("%s:%s\n" % (name, ",".join(" ".join(v.split()) for v in values)))
    payload = hashlib.sha256(body).hexdigest()
    declared = headers.first("x-amz-content-sha256")
    if declared is not None and declared != payload:
        return result("payload-hash-mismatch")
    creq = "\n".join([method, canonical_uri(path), canonical_query(query), "".join(lines),
                      signed, payload])
    scope = "%s/%s/%s/aws4_request" % (date, region, service)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(creq.encode("utf-8")).hexdigest()])
    key = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return result("mismatch")
    if frozen:
        try:
            sent = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
            now = datetime.datetime.strptime(frozen, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return result("bad-x-amz-date")
        if abs((sent - now).total_seconds()) > 900:
            return result("clock-skew")
    return result("verified")


# ---------------------------------------------------------------------------
# ES256 (ECDSA P-256 with SHA-256), for DPoP proofs

P256_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
P256_A = P256_P - 3
P256_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P256_G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
          0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)


def ec_add(p, q):
    if p is None:
        return q
    if q is None:
        return p
    if p[0] == q[0] and (p[1] + q[1]) % P256_P == 0:
        return None
    if p == q:
        slope = (3 * p[0] * p[0] + P256_A) * pow(2 * p[1], -1, P256_P)
    else:
        slope = (q[1] - p[1]) * pow(q[0] - p[0], -1, P256_P)
    x = (slope * slope - p[0] - q[0]) % P256_P
    return x, (slope * (p[0] - x) - p[1]) % P256_P


def ec_mul(k, p):
    out = None
    while k:
        if k & 1:
            out = ec_add(out, p)
        p = ec_add(p, p)
        k >>= 1
    return out


def es256_verify(x, y, message, signature):
    if len(signature) != 64:
        return False
    q = (x, y)
    if not (0 <= x < P256_P and 0 <= y < P256_P) or (y * y - x * x * x - P256_A * x - P256_B) % P256_P:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (0 < r < P256_N and 0 < s < P256_N):
        return False
    e = int.from_bytes(hashlib.sha256(message).digest(), "big")
    w = pow(s, -1, P256_N)
    point = ec_add(ec_mul(e * w % P256_N, P256_G), ec_mul(r * w % P256_N, q))
    return point is not None and point[0] % P256_N == r


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def reduce_dpop(token, rewrite_url):
    """The DPoP proof as a view: what AWS CLI v2's proof carries, plus a field
    for anything that does not hold (a bad signature, extra claims)."""
    if token is None:
        return None
    parts = token.split(".")
    if len(parts) != 3:
        return {"malformed": True}
    try:
        header = json.loads(b64url(parts[0]))
        claims = json.loads(b64url(parts[1]))
        signature = b64url(parts[2])
    except (ValueError, TypeError):
        return {"malformed": True}
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return {"malformed": True}
    view = {
        "typ": header.get("typ"),
        "alg": header.get("alg"),
        "jwk": header.get("jwk"),
        "htm": claims.get("htm"),
        "htu": rewrite_url(claims["htu"]) if isinstance(claims.get("htu"), str) else claims.get("htu"),
        "iat": claims.get("iat"),
        "has_jti": isinstance(claims.get("jti"), str) and bool(claims.get("jti")),
        "signature_bytes": len(signature),
    }
    extra_header = sorted(set(header) - {"typ", "alg", "jwk"})
    extra_claims = sorted(set(claims) - {"htm", "htu", "iat", "jti"})
    if extra_header:
        view["extra_header"] = extra_header
    if extra_claims:
        view["extra_claims"] = extra_claims
    jwk = header.get("jwk")
    valid = False
    if header.get("alg") == "ES256" and isinstance(jwk, dict) and jwk.get("kty") == "EC" \
            and jwk.get("crv") == "P-256":
        try:
            x = int.from_bytes(b64url(jwk["x"]), "big")
            y = int.from_bytes(b64url(jwk["y"]), "big")
            valid = es256_verify(x, y, (parts[0] + "." + parts[1]).encode("ascii"), signature)
        except (KeyError, ValueError, TypeError):
            valid = False
    if not valid:
        view["signature"] = "invalid"
    return view


# ---------------------------------------------------------------------------
# Requests, views, answers


class Headers:
    def __init__(self, pairs):
        self.pairs = [(k.lower(), v) for k, v in pairs]

    def all(self, name):
        return [v for k, v in self.pairs if k == name]

    def first(self, name):
        values = self.all(name)
        return values[0] if values else None


def json_or_text(body):
    text = body.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def error_name(response):
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    if headers.get("x-amzn-errortype"):
        return headers["x-amzn-errortype"].split(":")[0]
    body = response.get("body") or ""
    m = re.search(r"<Code>(.*?)</Code>", body)
    if m:
        return m.group(1)
    try:
        doc = json.loads(body)
        for key in ("__type", "error", "code"):
            if isinstance(doc, dict) and isinstance(doc.get(key), str):
                return doc[key].split("#")[-1]
    except ValueError:
        pass
    return str(response.get("status"))


def answer(service, path, exchange):
    if exchange is None:
        return "unmatched"
    response = exchange["response"]
    status = response.get("status")
    if service == "imds":
        if status != 200:
            return str(status)
        if path == "/latest/api/token":
            return "token"
        if path.endswith("/iam/security-credentials/"):
            return "role"
        if "/iam/security-credentials/" in path:
            return "credentials"
        if path.endswith("/placement/availability-zone/"):
            return "az"
        return "ok"
    if service == "ecs":
        return "credentials" if status == 200 else str(status)
    if status == 200:
        return "token" if service == "oidc" else "credentials"
    return error_name(response)


class State:
    """What the servers share: the case, the exchanges left to replay, the views."""

    def __init__(self, case, frozen, aliases, quiet=False):
        self.quiet = quiet
        self.case = case
        self.frozen = frozen
        self.keys = Keys(case)
        self.lock = threading.Lock()
        self.exchanges = {}
        for ex in (case.get("expect") or {}).get("exchanges", []):
            self.exchanges.setdefault(ex["service"], []).append(ex)
        self.used = {s: set() for s in SERVICES}
        self.views = []
        self.log = []
        self.hostports = dict(aliases)  # "127.0.0.1:PORT" -> service

    def note(self, line):
        with self.lock:
            self.log.append(line)
        if not self.quiet:
            print("replay: " + line, file=sys.stderr, flush=True)

    def match(self, service, method, path):
        with self.lock:
            found = [i for i, ex in enumerate(self.exchanges.get(service, []))
                     if ex["method"] == method and ex["path"] == path]
            for i in found:
                if i not in self.used[service]:
                    self.used[service].add(i)
                    return self.exchanges[service][i], "exchange %d" % i
            if found:
                return self.exchanges[service][found[-1]], "exchange %d again" % found[-1]
            return None, "no exchange"

    def host_view(self, host):
        if host is None:
            return None
        return placeholder(self.hostports[host.lower()]) if host.lower() in self.hostports else host

    def rewrite_url(self, url):
        for hostport, service in self.hostports.items():
            base = "http://" + hostport
            if url.lower().startswith(base) and url[len(base):len(base) + 1] in ("", "/", "?"):
                return placeholder(service) + url[len(base):]
        return url

    def reduce(self, service, method, path, query, headers, body, exchange):
        view = {"service": service, "host": self.host_view(headers.first("host")),
                "answer": answer(service, path, exchange)}
        q = urllib.parse.parse_qsl(query, keep_blank_values=True)
        if service == "sts":
            params = {}
            for k, v in urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
                if k in params:
                    params[k] = (params[k] if isinstance(params[k], list) else [params[k]]) + [v]
                else:
                    params[k] = v
            if params.get("Version") == "2011-06-15":
                del params["Version"]
            view["params"] = params
            if method != "POST" or path != "/":
                view["method"], view["path"] = method, path
            if q:
                view["query"] = dict(q)
            token = headers.first("x-amz-security-token")
            if headers.first("authorization") is None:
                view["signature"] = "none"
                if token is not None:
                    view["session_token"] = True
            else:
                status, akid, region = verify_sigv4(self.keys, self.frozen, method, path, query,
                                                    headers, body)
                view["signature"] = status
                view["signed_by"] = akid
                view["signing_region"] = region
                known = self.keys.pairs.get(akid, (None, None))[1] if akid else None
                if token is not None and known is not None and token != known:
                    view["session_token"] = "not the key's token"
                else:
                    view["session_token"] = token is not None
            return view
        view["method"], view["path"] = method, path
        if service == "imds":
            view["token"] = headers.first("x-aws-ec2-metadata-token")
            view["ttl"] = headers.first("x-aws-ec2-metadata-token-ttl-seconds")
            if q:
                view["query"] = dict(q)
        elif service == "ecs":
            view["query"] = dict(q)
            view["authorization"] = headers.first("authorization")
        elif service == "sso":
            params = dict(q)
            view["role_name"] = params.pop("role_name", None)
            view["account_id"] = params.pop("account_id", None)
            view["bearer"] = headers.first("x-amz-sso_bearer_token")
            if params:
                view["query"] = params
        elif service in ("oidc", "signin"):
            view["body"] = json_or_text(body)
            if q:
                view["query"] = dict(q)
            if service == "signin":
                view["dpop"] = reduce_dpop(headers.first("dpop"), self.rewrite_url)
        return view

    def record(self, view):
        with self.lock:
            self.views.append(dumps(view))


# ---------------------------------------------------------------------------
# HTTP


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "replay.py"

    def log_message(self, fmt, *args):  # the State logs what matters
        pass

    def read_body(self):
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_any(self):
        state = self.server.state
        body = self.read_body()
        target = urllib.parse.urlsplit(self.path)
        path, query = target.path or "/", target.query
        headers = Headers(self.headers.items())
        service = self.server.service or route_host(state, headers.first("host"))
        if service is None:
            state.note("%s %s: no service for Host %r" % (self.command, self.path,
                                                          headers.first("host")))
            self.reply(421, "text/plain", {}, "replay.py: no service for this host\n")
            return
        exchange, how = state.match(service, self.command, path)
        view = state.reduce(service, self.command, path, query, headers, body, exchange)
        state.record(view)
        state.note("%s %s %s -> %s" % (service, self.command, self.path, how))
        if exchange is None:
            self.reply(404, "text/plain", {},
                       "replay.py: no recorded %s exchange for %s %s\n" % (service, self.command, path))
            return
        response = exchange["response"]
        if response.get("delay"):
            time.sleep(float(response["delay"]))
        self.reply(response["status"], response.get("content_type"), response.get("headers") or {},
                   response.get("body") or "")

    def reply(self, status, content_type, headers, body):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for k, v in headers.items():
            if k.lower() not in ("content-length", "content-type"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


TLS_ROUTES = [
    (re.compile(r"sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?"), "sts"),
    (re.compile(r"portal\.sso\.[a-z0-9-]+\.amazonaws\.com(\.cn)?"), "sso"),
    (re.compile(r"oidc\.[a-z0-9-]+\.amazonaws\.com(\.cn)?"), "oidc"),
    (re.compile(r"[a-z0-9-]+\.signin\.(aws\.amazon\.com|amazonaws\.cn)"), "signin"),
]


def route_host(state, host):
    """The service a request to the shared TLS listener is for, by Host."""
    if not host:
        return None
    name = host.lower().rsplit(":", 1)[0] if not host.startswith("[") else host.lower()
    for ex in (state.case.get("expect") or {}).get("exchanges", []):
        recorded = (ex.get("headers") or {}).get("host", "").lower().rsplit(":", 1)[0]
        if recorded == name:
            return ex["service"]
    for pattern, service in TLS_ROUTES:
        if pattern.fullmatch(name):
            return service
    return None


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, state, service, tls=None):
        self.state = state
        self.service = service
        self.tls = tls
        super().__init__(address, Handler)

    def finish_request(self, request, client_address):
        if self.tls is not None:  # the handshake runs in the connection's thread
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.state.note("TLS handshake from %s failed: %s" % (client_address[0], e))
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        self.state.note("error serving %s: %s" % (client_address[0], sys.exc_info()[1]))


def refusing_socket(address=("127.0.0.1", 0)):
    """A socket that is bound but does not listen: connecting to it is refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(address)
    return sock


def tls_hosts(case):
    """The AWS host names a TLS case may reach: recorded ones and, for every
    region the case names, STS, the SSO portal, SSO-OIDC and sign-in."""
    text = "\n".join((case.get("files") or {}).values())
    regions = set(re.findall(r"(?m)^\s*(?:region|sso_region)\s*=\s*([a-z0-9-]+)\s*$", text))
    env = case.get("env") or {}
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if isinstance(env.get(name), str):
            regions.add(env[name])
    args = case.get("args") or []
    for i, a in enumerate(args):
        if a == "--region" and i + 1 < len(args):
            regions.add(args[i + 1])
    regions.add("us-east-1")
    hosts = {"sts.amazonaws.com"}
    for r in regions:
        hosts.update(["sts.%s.amazonaws.com" % r, "portal.sso.%s.amazonaws.com" % r,
                      "oidc.%s.amazonaws.com" % r, "%s.signin.aws.amazon.com" % r])
    for ex in (case.get("expect") or {}).get("exchanges", []):
        host = (ex.get("headers") or {}).get("host", "")
        if host and not re.match(r"^[0-9.]+(:\d+)?$", host):
            hosts.add(host.rsplit(":", 1)[0])
    return sorted(hosts)


def make_certificates(directory, hosts):
    """A test CA and a leaf for `hosts` signed by it (EC P-256), with openssl.
    Returns (ca.pem, leaf.pem, leaf.key)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise SystemExit("replay.py: TLS needs the openssl command")
    os.makedirs(directory, exist_ok=True)
    p = lambda name: os.path.join(directory, name)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*args):
        subprocess.run([openssl, *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)

    run("req", "-x509", *ec, "-keyout", p("ca.key"), "-out", p("ca.pem"), "-days", "3650",
        "-subj", "/CN=presign replay test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", p("leaf.key"), "-out", p("leaf.csr"), "-subj", "/CN=" + hosts[0])
    with open(p("leaf.ext"), "w", encoding="ascii") as f:
        f.write("subjectAltName=" + ",".join("DNS:" + h for h in hosts) + ",IP:127.0.0.1\n")
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n")
        f.write("extendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", p("leaf.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"),
        "-CAcreateserial", "-out", p("leaf.pem"), "-days", "3650", "-extfile", p("leaf.ext"))
    return p("ca.pem"), p("leaf.pem"), p("leaf.key")


class Servers:
    """All the listeners of one case."""

    def __init__(self, case, frozen, all_down=False, binds=None, tls_dir=None, tls_port=443,
                 aliases=None, quiet=False):
        self.state = State(case, frozen, aliases or {}, quiet)
        self.up = up_services(case, all_down)
        self.ports = {}
        self.servers = []
        self.refusing = []
        self.ca = None
        self.hosts = []
        binds = binds or {}
        for service in SERVICES:
            if service not in self.up:
                sock = refusing_socket()
                self.refusing.append(sock)
                self.ports[service] = sock.getsockname()[1]
                continue
            address = binds.get(service, ("127.0.0.1", 0))
            server = Server(address, self.state, service)
            self.servers.append(server)
            self.ports[service] = server.server_address[1]
            if service not in binds:
                for name in ("127.0.0.1", "localhost"):
                    self.state.hostports["%s:%d" % (name, self.ports[service])] = service
        if tls_dir is not None:
            self.hosts = tls_hosts(case)
            self.ca, cert, key = make_certificates(tls_dir, self.hosts)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            server = Server(("127.0.0.1", tls_port), self.state, None, tls=context)
            self.servers.append(server)
            self.tls_port = server.server_address[1]
        self.control = ControlServer(self)
        self.threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05},
                                         daemon=True) for s in self.servers + [self.control]]
        for t in self.threads:
            t.start()

    def ready_line(self):
        line = dict(self.ports)
        line.update(control=self.control.server_address[1], ca=self.ca, tls_hosts=self.hosts)
        if self.ca is not None:
            line["tls_port"] = self.tls_port
        return json.dumps(line)

    def snapshot(self):
        with self.state.lock:
            return {"requests": list(self.state.views), "log": list(self.state.log)}

    def close(self):
        for s in self.servers + [self.control]:
            s.shutdown()
            s.server_close()
        for sock in self.refusing:
            sock.close()


class ControlHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        pass

    def send_json(self, value):
        data = json.dumps(value).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        servers = self.server.servers
        if self.path == "/views":
            self.send_json(servers.snapshot())
        elif self.path == "/secrets":
            self.send_json(case_secrets(servers.state.case))
        else:
            self.send_error(404)

    def do_POST(self):
        if self.path == "/shutdown":
            self.send_json({"stopping": True})
            STOP.set()
        else:
            self.send_error(404)


class ControlServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def __init__(self, servers):
        self.servers = servers
        super().__init__(("127.0.0.1", 0), ControlHandler)


STOP = threading.Event()


def serve(args):
    case, frozen = load_case(args.case_file, args.case)
    binds = {}
    for spec in args.bind:
        service, _, address = spec.partition("=")
        host, _, port = address.rpartition(":")
        if service not in SERVICES or not host or not port.isdigit():
            raise SystemExit("replay.py: --bind wants SERVICE=ADDRESS:PORT, not %r" % spec)
        binds[service] = (host, int(port))
    aliases = {}
    for spec in args.alias:
        hostport, _, service = spec.partition("=")
        aliases[hostport.lower()] = service
    servers = Servers(case, frozen, all_down=args.all_down, binds=binds, tls_dir=args.tls_dir,
                      tls_port=args.tls_port, aliases=aliases)
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())
    signal.signal(signal.SIGINT, lambda *_: STOP.set())
    if not args.keep_stdin:
        def watch_stdin():
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            finally:
                STOP.set()
        threading.Thread(target=watch_stdin, daemon=True).start()
    print(servers.ready_line(), flush=True)
    while not STOP.wait(0.02):
        pass
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(servers.snapshot(), f)
    # No orderly shutdown of each listener (each would wait out a poll
    # interval): the process ends, and with it every socket and thread.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


# ---------------------------------------------------------------------------
# Self-check: AWS CLI v2's own recorded requests against the servers


def send(port, exchange, tls_context=None):
    """Sends one recorded request as recorded; returns (status, body)."""
    host = (exchange.get("headers") or {}).get("host", "127.0.0.1")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    if tls_context is not None:
        # Verified against the recorded AWS host name, which is also the SNI.
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        conn.sock = tls_context.wrap_socket(raw, server_hostname=host.rsplit(":", 1)[0])
    target = exchange["path"]
    if exchange.get("query"):
        target += "?" + urllib.parse.urlencode(list(exchange["query"].items()))
    body = (exchange.get("body") or "").encode("utf-8")
    conn.putrequest(exchange["method"], target, skip_host=True, skip_accept_encoding=True)
    for k, v in (exchange.get("headers") or {}).items():
        conn.putheader(k, v)
    if body or exchange["method"] in ("POST", "PUT"):
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    response = conn.getresponse()
    data = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, data


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


def self_check_case(case, frozen, workdir):
    problems = []
    exchanges = (case.get("expect") or {}).get("exchanges", [])
    aliases = {}
    for ex in exchanges:
        host = (ex.get("headers") or {}).get("host", "").lower()
        if re.fullmatch(r"127\.0\.0\.1:\d+", host):
            aliases[host] = ex["service"]
    tls = bool(case.get("tls")) and shutil.which("openssl") is not None
    servers = Servers(case, frozen, aliases=aliases, quiet=True,
                      tls_dir=os.path.join(workdir, case["name"]) if tls else None, tls_port=0)
    try:
        context = None
        if tls:
            context = ssl.create_default_context(cafile=servers.ca)
        for i, ex in enumerate(exchanges):
            port = servers.tls_port if tls else servers.ports[ex["service"]]
            status, body = send(port, ex, context)
            want = ex["response"]
            if status != want["status"] or body != (want.get("body") or ""):
                problems.append("exchange %d (%s %s %s): replied %d %r, recorded %d" % (
                    i, ex["service"], ex["method"], ex["path"], status, body[:80], want["status"]))
        # The verifiers can fail: a flipped SigV4 signature digit and a flipped
        # DPoP signature byte must show in the views.
        for ex in exchanges:
            headers = dict(ex.get("headers") or {})
            if ex["service"] == "sts" and "authorization" in headers:
                auth = headers["authorization"]
                last = "0" if auth[-1] != "0" else "1"
                headers["authorization"] = auth[:-1] + last
                tampered = "signature"
            elif ex["service"] == "signin" and "dpop" in headers:
                head, claims, sig = headers["dpop"].split(".")
                raw = bytearray(b64url(sig))
                raw[0] ^= 1
                headers["dpop"] = ".".join([head, claims, base64.urlsafe_b64encode(
                    bytes(raw)).decode("ascii").rstrip("=")])
                tampered = "dpop"
            else:
                continue
            before = len(servers.snapshot()["requests"])
            port = servers.tls_port if tls else servers.ports[ex["service"]]
            send(port, dict(ex, headers=headers), context)
            view = json.loads(servers.snapshot()["requests"][before])
            if tampered == "signature" and view.get("signature") != "mismatch":
                problems.append("a tampered SigV4 signature gave %r" % view.get("signature"))
            if tampered == "dpop" and (view.get("dpop") or {}).get("signature") != "invalid":
                problems.append("a tampered DPoP signature was not reported")
            servers.state.views[before:] = []
        if tls and not exchanges:
            # A client that trusts only the system roots must refuse the test CA.
            try:
                send(servers.tls_port, {"method": "GET", "path": "/", "headers": {
                    "host": servers.hosts[0]}}, ssl.create_default_context())
                problems.append("a client without the test CA completed the TLS handshake")
            except ssl.SSLCertVerificationError:
                pass
        for service in SERVICES:
            if service not in servers.up and not refused(servers.ports[service]):
                problems.append("%s is down in the stub but its port accepted a connection" % service)
        got = set(servers.snapshot()["requests"])
        want = set((case.get("expect") or {}).get("requests", []))
        for v in sorted(want - got):
            problems.append("missing view: " + v)
        for v in sorted(got - want):
            problems.append("unexpected view: " + v)
    finally:
        servers.close()
    return problems, tls


def self_check(path, only=None):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    cases = [c for c in data["vectors"] if only is None or c["name"] == only]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="replay-self-check-") as workdir:
        for case in cases:
            problems, tls = self_check_case(case, data.get("frozen_utc"), workdir)
            note = []
            if case.get("tls"):
                note.append("over TLS" if tls else "plain HTTP (no openssl)")
            if case.get("binds"):
                note.append("link-local Host sent to loopback")
            n = len((case.get("expect") or {}).get("exchanges", []))
            label = "%s (%d exchange%s%s)" % (case["name"], n, "" if n == 1 else "s",
                                             ", " + ", ".join(note) if note else "")
            if problems:
                failed += 1
                print("FAIL " + label)
                for p in problems:
                    print("     " + p)
            else:
                print("ok   " + label)
    print("%d/%d cases: the servers replay AWS CLI v2's requests and their views equal "
          "expect.requests" % (len(cases) - failed, len(cases)))
    return 1 if failed else 0


def main(argv):
    if argv and argv[0] == "--self-check":
        parser = argparse.ArgumentParser(prog="replay.py --self-check")
        parser.add_argument("fixture")
        parser.add_argument("--case")
        args = parser.parse_args(argv[1:])
        return self_check(args.fixture, args.case)
    parser = argparse.ArgumentParser(prog="replay.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve")
    p.add_argument("case_file")
    p.add_argument("--case")
    p.add_argument("--all-down", action="store_true", help="every service refuses connections")
    p.add_argument("--bind", action="append", default=[], metavar="SVC=ADDR:PORT")
    p.add_argument("--alias", action="append", default=[], metavar="HOST:PORT=SVC")
    p.add_argument("--tls-dir")
    p.add_argument("--tls-port", type=int, default=443)
    p.add_argument("--out")
    p.add_argument("--keep-stdin", action="store_true", help="do not exit at end of stdin")
    args = parser.parse_args(argv)
    return serve(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
