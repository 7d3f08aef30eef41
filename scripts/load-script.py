#!/usr/bin/env python3
"""Writes a JSON-lines script for `billing-sandbox run`: N calls, mostly bills, for throughput runs.

usage: scripts/load-script.py N > load.jsonl
"""
import json
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
operator = "0x" + "0a" * 20
consumers = ["0x%040x" % (0xC0FFEE00 + i) for i in range(10)]
dapp = "0x" + "da" * 20
setup = [{"sender": operator, "method": "register_api", "args": ["weather", 1, 10_000_000]}]
for c in consumers:
    setup.append({"sender": c, "value": "100000000", "method": "subscribe", "args": ["weather", 10**30, 100_000_000]})
    setup.append({"sender": c, "method": "approve_delegate", "args": ["weather", dapp]})
out = sys.stdout
for line in setup[:n]:
    out.write(json.dumps(line) + "\n")
for i in range(max(0, n - len(setup))):
    c = consumers[i % len(consumers)]
    out.write(json.dumps({"sender": dapp, "method": "consume_credit", "args": ["weather", c]}) + "\n")
