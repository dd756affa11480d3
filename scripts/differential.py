#!/usr/bin/env python3
"""Differential check against botocore: random requests signed by botocore's
generate_presigned_url and by presign, compared as URLs.

  PEER_PYTHON=/path/to/python-with-boto3 scripts/differential.py [--aws] [SEED] [COUNT]

Default: custom endpoints (--endpoint-url) with ports and path prefixes, keys
of any characters, buckets, regions, addressing styles, methods, expiries,
session tokens; compared as scheme, host, path and the set of query pairs.
One documented v1/v2 difference is skipped (http
endpoint + virtual + a dotted bucket with a label under 3 characters, which v2
sends path-style).

--aws: AWS's own endpoints. Regions of every partition (aws, aws-cn,
aws-us-gov, aws-iso*, aws-eusc), unknown, upper-case, invalid or none, given by
--region, AWS_REGION, AWS_DEFAULT_REGION or the profile; buckets of every shape
(DNS, dotted, upper-case, short, long, underscores, IP-like, '--', illegal
characters, access-point ARNs); a ~/.aws/config with `s3 =` addressing_style,
use_accelerate_endpoint, use_dualstack_endpoint, us_east_1_regional_endpoint,
signature_version, use_arn_region and top-level use_fips_endpoint /
use_dualstack_endpoint (or their AWS_* variables), read by both sides; keys,
methods (--method or the default GET), expiries, session tokens
(AWS_SESSION_TOKEN / AWS_SECURITY_TOKEN), --no-sign-request (botocore UNSIGNED),
and s3://BUCKET/ with --method (presign's bucket request, README: botocore
head_bucket with that HttpMethod). Compared byte for byte; a refusal by one
side must be a refusal by the other. v1/v2 differences are configured away on
botocore's side, none skipped:
  - SigV2 default (0.3, 6.1): botocore gets signature_version=s3v4;
  - us-east-1 legacy global endpoint (0.4, 2.4, 5.1 'v1 only'): botocore gets
    us_east_1_regional_endpoint=regional whatever the file says;
  - v1's presign global endpoint for every aws region, and with it the
    FIPS-outside-us-east-1 host (0.4, 5.1 'v1 only', 5.6): v2 passes
    use_global_endpoint=False, so botocore.signers._should_use_global_endpoint
    is patched to return False;
  - AWS_REGION, ignored by v1 (4): botocore is handed the region v2 resolves.
`s3 = signature_version = s3` (SigV2, which presign takes from v1 on purpose,
README "Where presign differs") goes to botocore unpatched, except for v1's
FIPS bug (5.6). Expiries stay in 1..604800, as presign requires (preamble).
Two SigV2 cases are presign's on purpose (README "Where presign differs") and
are checked as such, not skipped: an access-point ARN is refused (exit 252);
a path-style bucket request (no key) signs the path it sends, /BUCKET, where
botocore signs /BUCKET/ and radosgw refuses its URL: the URLs must then be
equal but for the Signature.

Exits non-zero on any mismatch (SHOW=N prints the first N, default 5, with a
repro). Needs boto3 (pip install boto3) and a release build
(cargo build --release) or PRESIGN=/path/to/presign.
"""
import os, random, string, subprocess, sys, tempfile, time, urllib.parse as up
try:
    import boto3, botocore.session, botocore.loaders, botocore.signers
except ImportError:
    if os.environ.get("PEER_PYTHON") and os.path.realpath(sys.executable) != os.path.realpath(os.environ["PEER_PYTHON"]):
        os.execv(os.environ["PEER_PYTHON"], [os.environ["PEER_PYTHON"]] + sys.argv)
    raise
from botocore.config import Config
AWS = "--aws" in sys.argv
args = [a for a in sys.argv[1:] if a != "--aws"]
random.seed(int(args[0]) if args else 1)
COUNT = int(args[1]) if len(args) > 1 else 300
BIN = os.environ.get("PRESIGN") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "release", "presign")
AK="AKIAIOSFODNN7EXAMPLE"; SK="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
alphabet = string.ascii_letters + string.digits + " -_.~!$&'()*+,;=:@%/?#[]\\\"<>^`{|}" + "éü日本語😀\t"
METHODS = {"get_object":"GET","put_object":"PUT","delete_object":"DELETE","head_object":"HEAD"}
bad=0; n=0; refused=0
def parts(u):
    p=up.urlsplit(u); return p.scheme,p.netloc,p.path,sorted(up.parse_qsl(p.query,keep_blank_values=True))
def amz_time(url, expires=0):  # botocore signs with its own clock: read X-Amz-Date (SigV2: Expires) from its URL
    q=dict(up.parse_qsl(up.urlsplit(url).query))
    if "Expires" in q: return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(q["Expires"]) - expires))
    d=q.get("X-Amz-Date","20231114T221320Z")
    return f"{d[0:4]}-{d[4:6]}-{d[6:8]}T{d[9:11]}:{d[11:13]}:{d[13:15]}Z"

def custom():
    global bad, n
    key = "".join(random.choice(alphabet) for _ in range(random.randint(1,30)))
    bucket = random.choice(["bucket","my-bucket","abc","my.bucket","MyBucket","a1b2c3"])
    region = random.choice(["eu-west-2","us-east-1","ap-south-1","ru-msk","cn-north-1"])
    ep = random.choice(["http://127.0.0.1:9000","https://oos.eu-west-2.outscale.com","http://localhost:9000/","https://s3.example.com:8443/prefix","https://hb.bizmrg.com"])
    style = random.choice(["path","auto","virtual"])
    expires = random.randint(1,604800)
    token = random.choice([None,"FQoGZX+/=abc"])
    method = random.choice(list(METHODS))
    cfg = Config(signature_version="s3v4", s3={"addressing_style": style})
    s3 = boto3.client("s3", region_name=region, endpoint_url=ep, aws_access_key_id=AK, aws_secret_access_key=SK, aws_session_token=token, config=cfg)
    want = s3.generate_presigned_url(method, Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires)
    if ep.startswith("http:") and style == "virtual" and any(len(l) < 3 for l in bucket.split(".")) and "." in bucket:
        return  # the documented v1/v2 difference
    home=tempfile.mkdtemp(); os.makedirs(home+"/.aws", exist_ok=True)
    open(home+"/.aws/config","w").write(f"[default]\ns3 =\n  addressing_style = {style}\n")
    env={"HOME":home,"AWS_ACCESS_KEY_ID":AK,"AWS_SECRET_ACCESS_KEY":SK,"PATH":"/usr/bin:/bin"}
    if token: env["AWS_SESSION_TOKEN"]=token
    r=subprocess.run([BIN,f"s3://{bucket}/{key}","--region",region,"--endpoint-url",ep,"--expires-in",str(expires),"--method",METHODS[method],"--signing-time",amz_time(want)],env=env,capture_output=True,text=True)
    got=r.stdout.strip(); n+=1
    if r.returncode!=0 or parts(got)!=parts(want):
        bad+=1
        if bad<=5: print("MISMATCH", repr(bucket), repr(key), region, ep, style, METHODS[method], "\n got ", got or r.stderr.strip(), "\n want", want)

V1_GLOBAL = botocore.signers._should_use_global_endpoint
LOADER = botocore.loaders.create_loader()
HOME = tempfile.mkdtemp(); os.makedirs(HOME+"/.aws")
REGIONS = ["us-east-1"]*4 + ["us-west-1","us-west-2","eu-west-1","eu-west-2","eu-central-1","ap-south-1","ap-northeast-1",
    "ap-southeast-2","sa-east-1","ca-central-1","me-south-1","af-south-1","il-central-1","mx-central-1","ap-southeast-7",
    "cn-north-1","cn-northwest-1","us-gov-west-1","us-gov-east-1","us-iso-east-1","us-isob-east-1","eu-isoe-west-1",
    "us-isof-south-1","eusc-de-east-1","ru-msk","xx-fake-1","eu-fake-9","aws-global","aws-cn-global","EU-WEST-2",
    "Bad_Region","12345","-us-east-1",None,None]
BUCKETS = ["mybucket","my-bucket","abc","a1b2c3","my.bucket","my.bucket.example.com","a.b.c","my..bucket","MyBucket",
    "mybucketA","ab","a","x"*63,"x"*64,"y"*255,"y"*256,"my_bucket","192.168.1.1","10.0.0.256","1.2.3","my--bucket",
    "xn--bucket","-bucket","bucket-",".bucket","bucket.","my bucket","b!ck","bücket","arn:aws:s3:us-west-2:123456789012:accesspoint/myap",
    "arn:aws:s3:eu-west-2:123456789012:accesspoint:my-ap","arn:aws-cn:s3:cn-north-1:123456789012:accesspoint/myap"]
def rand_bucket():
    if random.random() < 0.6: return random.choice(BUCKETS)
    chars = random.choice([string.ascii_lowercase + string.digits + "-", string.ascii_lowercase + ".-", string.ascii_letters + string.digits + ".-_"])
    return "".join(random.choice(chars) for _ in range(random.choice([random.randint(1,5), random.randint(3,63), random.randint(60,70)])))
def maybe(p, *vals): return random.choice(vals) if random.random() < p else None

def aws():
    global bad, n, refused
    key = "" if random.random() < .08 else "".join(random.choice(alphabet + "\x01\x7f\n") for _ in range(random.randint(1,40)))
    bucket = rand_bucket(); region = random.choice(REGIONS)
    s3 = {"addressing_style": maybe(.5, "path", "virtual", "auto", "auto", "bogus"),
          "use_accelerate_endpoint": maybe(.2, "true", "false", "TRUE"),
          "use_dualstack_endpoint": maybe(.25, "true", "True", "TRUE", "false"),
          "us_east_1_regional_endpoint": maybe(.4, "regional", "legacy"),
          "signature_version": maybe(.25, "s3v4", "s3v4", "s3"), "use_arn_region": maybe(.1, "false", "true")}
    top = {"use_fips_endpoint": maybe(.25, "true", "True", "false"), "use_dualstack_endpoint": maybe(.2, "true", "false"),
           "s3_us_east_1_regional_endpoint": maybe(.1, "legacy")}
    env = {"AWS_ACCESS_KEY_ID":AK, "AWS_SECRET_ACCESS_KEY":SK, "AWS_EC2_METADATA_DISABLED":"true"}
    for k, e in [("use_fips_endpoint","AWS_USE_FIPS_ENDPOINT"), ("use_dualstack_endpoint","AWS_USE_DUALSTACK_ENDPOINT"),
                 ("s3_us_east_1_regional_endpoint","AWS_S3_US_EAST_1_REGIONAL_ENDPOINT")]:
        if top[k] and random.random() < 0.4: env[e] = top.pop(k)  # same setting, as an env variable
    token = maybe(.4, "FQoGZXIvYXdzE+/token==", "".join(random.choice(string.printable[:94]) for _ in range(40)))
    if token: env[random.choice(["AWS_SESSION_TOKEN","AWS_SECURITY_TOKEN"])] = token
    how = random.choice(["--region","--region","AWS_REGION","AWS_DEFAULT_REGION","config"]) if region else None
    if how in ("AWS_REGION","AWS_DEFAULT_REGION"): env[how] = region
    ini = "[default]\n" + (f"region = {region}\n" if how == "config" else "")
    ini += "".join(f"{k} = {v}\n" for k, v in top.items() if v)
    if any(s3.values()): ini += "s3 =\n" + "".join(f"  {k} = {v}\n" for k, v in s3.items() if v)
    open(HOME+"/.aws/config","w").write(ini); env["HOME"] = HOME
    expires = random.randint(1,604800); method = random.choice(list(METHODS)); explicit = method != "get_object" or random.random() < .5
    unsigned = random.random() < .05; sigv2 = s3["signature_version"] == "s3" and not unsigned
    for k in [k for k in os.environ if k.startswith("AWS_")]: del os.environ[k]
    os.environ.update(env)
    try:  # botocore reads the same ~/.aws/config and env; region and the v1/v2 switches are given
        sess = botocore.session.Session(); sess.register_component("data_loader", LOADER)
        botocore.signers._should_use_global_endpoint = (lambda c: V1_GLOBAL(c) and not c.meta.config.use_fips_endpoint) if sigv2 else lambda c: False
        cfg = Config(signature_version=botocore.UNSIGNED if unsigned else "s3" if sigv2 else "s3v4",
                     s3=None if sigv2 else {"us_east_1_regional_endpoint": "regional"})
        c = sess.create_client("s3", region_name=region, aws_access_key_id=AK, aws_secret_access_key=SK, aws_session_token=token, config=cfg)
        if key or not explicit: want = c.generate_presigned_url(method, Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires)
        else: want = c.generate_presigned_url("head_bucket", Params={"Bucket": bucket}, ExpiresIn=expires, HttpMethod=METHODS[method])
        werr = ""  # (a bucket with no key and an explicit --method: presign's bucket request, README)
    except Exception as e:
        want = None; werr = f"{type(e).__name__}: {e}"
    cmd = [BIN, f"s3://{bucket}/{key}", "--expires-in", str(expires), "--signing-time", amz_time(want or "", expires)] + ["--method", METHODS[method]]*explicit + ["--no-sign-request"]*unsigned
    if how == "--region": cmd[2:2] = ["--region", region]
    r = subprocess.run(cmd, env={**env, "PATH":"/usr/bin:/bin"}, capture_output=True, text=True)
    got = r.stdout.strip() if r.returncode == 0 else None; n += 1; refused += got is want is None
    ours = False  # one of presign's deliberate SigV2 differences (docstring)
    if sigv2 and bucket.startswith("arn:"):
        ours = r.returncode == 252 and "access points need SigV4" in r.stderr
    elif sigv2 and not key and got and want and "/" not in up.urlsplit(got).path[1:]:
        def unsigned_parts(u): return [p for p in parts(u)[:3]] + [[q for q in parts(u)[3] if q[0] != "Signature"]]
        ours = unsigned_parts(got) == unsigned_parts(want) and up.urlsplit(got).path == "/" + bucket
    if got != want and not ours:
        bad += 1
        if bad <= int(os.environ.get("SHOW", "5")):
            print("MISMATCH\n env ", " ".join(f"{k}={v!r}" for k, v in env.items() if k not in ("HOME","AWS_ACCESS_KEY_ID","AWS_SECRET_ACCESS_KEY","AWS_EC2_METADATA_DISABLED")),
                  "\n config", repr(ini), "\n cmd ", " ".join(map(repr, cmd[1:])), "\n got ", got or f"rc={r.returncode} {r.stderr.strip()}", "\n want", want or werr)

for i in range(COUNT):
    aws() if AWS else custom()
print(f"{n-bad}/{n} match botocore" + (f" ({refused} refused by both)" if AWS else ""))
sys.exit(1 if bad else 0)
