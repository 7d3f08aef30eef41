#!/usr/bin/env python3
"""Writes the seed corpus: GenLayer's valid calldata vectors for the decoder, and one well-formed
call per export for the wasm target (selector byte = index in METHODS, then the calldata args).

usage: python3 fuzz/make-corpus.py   (from the repository root)
"""
import hashlib
import json
import os

def uleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)

def enc(v):
    if v is None:
        return b"\x00"
    if v is True:
        return b"\x10"
    if v is False:
        return b"\x08"
    if isinstance(v, int):
        return uleb((v << 3) | 1) if v >= 0 else uleb(((-v - 1) << 3) | 2)
    if isinstance(v, str):
        raw = v.encode()
        return uleb((len(raw) << 3) | 4) + raw
    if isinstance(v, bytes):  # an address
        return b"\x18" + v
    if isinstance(v, list):
        return uleb((len(v) << 3) | 5) + b"".join(enc(x) for x in v)
    raise TypeError(v)

def write(folder, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)

vectors = json.load(open("tests/data/calldata.json"))
for vector in vectors["valid"] + vectors["invalid"]:
    write("fuzz/corpus/calldata_decode", bytes.fromhex(vector["hex"]))

alice, dapp = bytes([0xA1] * 20), bytes([0xDA] * 20)
calls = {
    "register_api": ["weather", 10, 100],
    "subscribe": ["weather", 500, 1000],
    "top_up_credit": [1000],
    "consume_credit": ["weather", alice],
    "get_usage_report": [alice],
    "consumer_integration_example": [],
    "unsubscribe": ["weather"],
    "approve_delegate": ["weather", dapp],
    "revoke_delegate": ["weather", dapp],
    "set_api_active": ["weather", False],
    "withdraw_credit": [5],
    "withdraw_earnings": ["weather", 5],
    "get_api_report": ["weather"],
    "get_usage_history": [alice, "weather"],
    "consume_credits": ["weather", alice, 3, 7],
    "transfer_api": ["weather", dapp],
    "accept_api": ["weather"],
    "get_schema": [],
}
for index, (method, args) in enumerate(calls.items()):
    write("fuzz/corpus/wasm_exports", bytes([index]) + enc(args))
    write("fuzz/corpus/wasm_exports", bytes([index | 0x80]) + enc(args))
