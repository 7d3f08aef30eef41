#!/usr/bin/env python3
"""Prints the README's figures tables from `cargo costs --json` (read on stdin).

usage: cargo costs --json | python3 scripts/figures.py
"""
import json
import sys

data = json.load(sys.stdin)
size = data["wasm_bytes"]
print("| figure | value | budget |")
print("|---|---|---|")
print(f"| optimized artifact | {size:,} bytes ({size / 1024:.1f} KiB) | ≤ 96 KiB (aim ≤ 64 KiB) |")
print()
print("| method | case | fuel | reads | writes | bytes written |")
print("|---|---|---:|---:|---:|---:|")
for c in data["calls"]:
    print(f"| {c['method']} | {c['case']} | {c['fuel']:,} | {c['reads']} | {c['writes']} | {c['bytes_written']} |")
