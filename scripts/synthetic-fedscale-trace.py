#!/usr/bin/env python3
"""Writes a synthetic device trace in FedScale's pickle layout (no download needed):

    python3 scripts/synthetic-fedscale-trace.py --devices 50 --seed 0 --out DIR

writes DIR/client_device_capacity and DIR/client_behave_trace, shaped like FedScale's files of
those names, for scripts/fedscale-to-trace.py to convert. The values are made up, not measured:
inference latency log-normal around 100 ms per sample (sigma 0.5, within 20..1000 ms), link
speed log-normal around 8000 kbit/s (sigma 0.8), and a one-day cycle (finish_time 86400 s)
holding one to three active sessions of 1 to 6 hours, each inside its own third of the day.
scenarios/traces/example-*.csv are this script's output (--devices 50 --seed 0), converted.
"""
import argparse
import os
import pickle
import random

DAY = 86400


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--devices", type=int, default=50)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    rng = random.Random(a.seed)
    capacity, behave = {}, {}
    for client in range(1, a.devices + 1):
        capacity[client] = {"computation": round(min(1000.0, max(20.0, rng.lognormvariate(4.605, 0.5))), 1),  # e^4.605 ≈ 100
                            "communication": round(rng.lognormvariate(8.987, 0.8), 1)}  # e^8.987 ≈ 8000
        sessions = rng.randint(1, 3)
        third = DAY // 3
        active, inactive = [], []
        for s in sorted(rng.sample(range(3), sessions)):
            length = rng.randint(3600, 6 * 3600)
            start = s * third + rng.randint(0, third - length)
            active.append(start)
            inactive.append(start + length)
        behave[client] = {"duration": DAY, "active": active, "inactive": inactive, "finish_time": DAY, "model": "synthetic"}
    os.makedirs(a.out, exist_ok=True)
    for name, data in [("client_device_capacity", capacity), ("client_behave_trace", behave)]:
        with open(os.path.join(a.out, name), "wb") as f:
            pickle.dump(data, f, protocol=4)


if __name__ == "__main__":
    main()
