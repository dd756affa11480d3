#!/usr/bin/env python3
"""Writes a large AWS config file, to measure how presign's parser scales.

    scripts/big-config.py profiles OUT [--profiles N] [--default-keys N]
    scripts/big-config.py default  OUT [--default-keys N]

`profiles` (the default shape): many `[profile pN]` sections, each with a
few keys, under a `[DEFAULT]` of many keys (about 430 KB with the defaults).
`default`: a big `[DEFAULT]` over many empty profiles (about 52 KB), which
a parser that copies `[DEFAULT]` into every section pays for in memory:
sections times defaults. Only the first profile, p0, has keys.

Every profile gets `region = eu-west-N` and `aws_access_key_id` /
`aws_secret_access_key`, so a run such as

    AWS_CONFIG_FILE=OUT presign --profile p4321 --debug s3://b/k

resolves a known region and key. Time it with `/usr/bin/time -v`.
"""

import argparse
import sys


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("shape", choices=["profiles", "default"])
    p.add_argument("out")
    p.add_argument("--profiles", type=int, default=None)
    p.add_argument("--default-keys", type=int, default=None)
    a = p.parse_args()
    lines = []
    big = a.shape == "profiles"
    keys = a.default_keys if a.default_keys is not None else (1000 if big else 900)
    profiles = a.profiles if a.profiles is not None else (3000 if big else 2000)
    lines.append("[DEFAULT]")
    lines += [f"default_key_{i} = value {i}" for i in range(keys)]
    for n in range(profiles):
        if not big and n > 0:
            lines.append(f"[profile p{n}]")
            continue
        lines += [
            f"[profile p{n}]",
            f"region = eu-west-{n % 3 + 1}",
            f"aws_access_key_id = AKIDP{n:07d}",
            f"aws_secret_access_key = secret{n}",
            "s3 =",
            "    addressing_style = path",
        ]
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
