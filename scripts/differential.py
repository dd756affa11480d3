#!/usr/bin/env python3
"""Differential check against botocore: random requests (keys of any
characters, buckets, regions, custom endpoints with ports and path prefixes,
addressing styles, methods, expiries, session tokens) signed by botocore's
generate_presigned_url (SigV4) and by presign, compared as URLs (scheme,
host, path and the set of query pairs, the signature among them).

  PEER_PYTHON=/path/to/python-with-boto3 scripts/differential.py [SEED] [COUNT]

Only custom endpoints are drawn: there botocore (AWS CLI v1) and AWS CLI v2
agree, except for one documented difference (AWS-CLI-PRESIGN.md 5.2: an http
endpoint, virtual addressing and a dotted bucket with a label under 3
characters, which v2 sends path-style), which is skipped. Needs boto3
(pip install boto3) and a release build (cargo build --release).
"""
import random, subprocess, os, string, sys, tempfile
import boto3
from botocore.config import Config
random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 300
BIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "release", "presign")
AK="AKIAIOSFODNN7EXAMPLE"; SK="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
alphabet = string.ascii_letters + string.digits + " -_.~!$&'()*+,;=:@%/?#[]\\\"<>^`{|}" + "éü日本語😀\t"
bad=0; n=0
for i in range(COUNT):
    key = "".join(random.choice(alphabet) for _ in range(random.randint(1,30)))
    bucket = random.choice(["bucket","my-bucket","abc","my.bucket","MyBucket","a1b2c3"])
    region = random.choice(["eu-west-2","us-east-1","ap-south-1","ru-msk","cn-north-1"])
    ep = random.choice(["http://127.0.0.1:9000","https://oos.eu-west-2.outscale.com","http://localhost:9000/","https://s3.example.com:8443/prefix","https://hb.bizmrg.com"])
    style = random.choice(["path","auto","virtual"])
    expires = random.randint(1,604800)
    token = random.choice([None,"FQoGZX+/=abc"])
    method = random.choice(["get_object","put_object","delete_object","head_object"])
    cfg = Config(signature_version="s3v4", s3={"addressing_style": style})
    s3 = boto3.client("s3", region_name=region, endpoint_url=ep, aws_access_key_id=AK, aws_secret_access_key=SK, aws_session_token=token, config=cfg)
    want = s3.generate_presigned_url(method, Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires)
    if ep.startswith("http:") and style == "virtual" and any(len(l) < 3 for l in bucket.split(".")) and "." in bucket:
        continue  # the documented v1/v2 difference
    home=tempfile.mkdtemp(); os.makedirs(home+"/.aws", exist_ok=True)
    open(home+"/.aws/config","w").write(f"[default]\ns3 =\n  addressing_style = {style}\n")
    env={"HOME":home,"AWS_ACCESS_KEY_ID":AK,"AWS_SECRET_ACCESS_KEY":SK,"PATH":"/usr/bin:/bin"}
    if token: env["AWS_SESSION_TOKEN"]=token
    m={"get_object":"GET","put_object":"PUT","delete_object":"DELETE","head_object":"HEAD"}[method]
    # botocore signs with its own clock: read X-Amz-Date from its URL
    import urllib.parse as up
    q=dict(up.parse_qsl(up.urlsplit(want).query))
    d=q["X-Amz-Date"]; t=f"{d[0:4]}-{d[4:6]}-{d[6:8]}T{d[9:11]}:{d[11:13]}:{d[13:15]}Z"
    r=subprocess.run([BIN,f"s3://{bucket}/{key}","--region",region,"--endpoint-url",ep,"--expires-in",str(expires),"--method",m,"--signing-time",t],env=env,capture_output=True,text=True)
    got=r.stdout.strip(); n+=1
    def parts(u):
        p=up.urlsplit(u); return p.scheme,p.netloc,p.path,sorted(up.parse_qsl(p.query,keep_blank_values=True))
    if r.returncode!=0 or parts(got)!=parts(want):
        bad+=1
        if bad<=5: print("MISMATCH", repr(bucket), repr(key), region, ep, style, m, "\n got ", got or r.stderr.strip(), "\n want", want)
print(f"{n-bad}/{n} match botocore")
sys.exit(1 if bad else 0)
