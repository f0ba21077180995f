#!/usr/bin/env python3
"""Writes a small hand-made fixture in FedScale's device-trace layout (issue 17 §1):

    python3 Tests/Fixtures/fedscale/generate.py

(re)writes, beside this script, client_device_capacity and client_behave_trace: pickled dicts
shaped like FedScale's files of those names (benchmark/dataset/data/device_info/README.md in
FedScale's repository). The values are chosen so the converted trace is exact to check:
communication values are multiples of 10^6/1024 kbit/s (whole Mbit/s after conversion) and the
median latency is 100 ms, so the default --median-gflops 30 gives 30 x 100 / computation GFLOP/s.
Five devices and three behaviour entries: devices 4 and 5 reuse entries 1 and 2 (position
modulo length). Entry 3 has an interval past its finish_time (clipped) and two touching ones
(merged). The converter's test (DeviceTraceTests) runs scripts/fedscale-to-trace.py on these
files and compares with expected/.
"""
import os
import pickle

HERE = os.path.dirname(os.path.abspath(__file__))
KBIT = 1e6 / 1024  # FedScale's "kbit/s" per Mbit/s (10^6 bit/s)

CAPACITY = {
    1: {"computation": 100.0, "communication": 16 * KBIT},  # 30 GFLOP/s, 16 Mbit/s
    2: {"computation": 50.0, "communication": 4 * KBIT},  # 60 GFLOP/s, 4 Mbit/s
    3: {"computation": 200.0, "communication": 100 * KBIT},  # 15 GFLOP/s, 100 Mbit/s
    4: {"computation": 400.0, "communication": 2 * KBIT},  # 7.5 GFLOP/s, 2 Mbit/s
    5: {"computation": 100.0, "communication": 10 * KBIT},  # 30 GFLOP/s, 10 Mbit/s
}

BEHAVE = {
    # On for the first second of every 1000 s, and from 100 s to 1000 s: off in [1 s, 100 s).
    1: {"duration": 1000, "active": [0, 100], "inactive": [1, 1000], "finish_time": 1000, "model": "fixture-a"},
    # Always on (one interval covering the whole cycle).
    2: {"duration": 600, "active": [0], "inactive": [600], "finish_time": 600, "model": "fixture-b"},
    # [10, 20] and [20, 30] touch (merged into [10, 30)); [50, 90] ends past finish_time 80 (clipped).
    3: {"duration": 80, "active": [10, 20, 50], "inactive": [20, 30, 90], "finish_time": 80, "model": "fixture-c"},
}

for name, data in [("client_device_capacity", CAPACITY), ("client_behave_trace", BEHAVE)]:
    with open(os.path.join(HERE, name), "wb") as f:
        pickle.dump(data, f, protocol=4)
