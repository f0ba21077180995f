#!/usr/bin/env python3
"""Converts FedScale's device traces (Python pickles) to comigs's trace format.

    python3 scripts/fedscale-to-trace.py --capacity client_device_capacity \
        [--behave client_behave_trace] --out DIR [--limit N] \
        [--median-gflops G | --reference-gflop F] [--memory-mib M]

writes DIR/devices.csv (device_id,gflops,upload_mbps,download_mbps,memory_mib) and, with
--behave, DIR/availability.csv (device_id,period_s,start_s,end_s): the format docs/traces.md
documents and `clients.trace` / `clients.availability` read.
Standard library only. Pickles run code when loaded: this reader refuses any pickled class or
function (FedScale's files hold only dicts, lists, numbers and strings), so an untrusted file
cannot run anything.

FedScale's layout (benchmark/dataset/data/device_info/README.md in FedScale's repository):
  client_device_capacity  {client_id: {'computation': float, 'communication': float}}
  client_behave_trace     {client_id: {'duration': int, 'inactive': [int], 'finish_time': int,
                                       'active': [int], 'model': str}}

How each value maps (rules read in fedscale/cloud/internal/client_metadata.py and
fedscale/cloud/aggregation/aggregator.py):
  computation   the device's inference latency of FedScale's reference model in ms per sample;
                FedScale times training as 3 x batch x steps x computation / 1000 s (backward
                ~ 2 x forward). It is a latency of an unnamed model, not a throughput, so
                absolute FLOP/s need that model's forward FLOPs per sample F: a device then
                sustains F / (computation / 1000) FLOP/s (training is 3F per sample in
                3 x the time, so the factor 3 cancels): --reference-gflop F. Without it the
                trace's spread is kept and its median device is set to --median-gflops
                (default 30, comigs's mid-range class): gflops = G x median(computation) / computation.
  communication one link speed in kbit/s for both directions: FedScale sizes an update as
                bytes / 1024 x 8 "kbits" and charges (upload + download) / communication, so a
                kbit is 1024 bits. upload_mbps = download_mbps = communication x 1024 / 10^6
                (symmetric, as FedScale has it).
  memory        not in FedScale's traces: --memory-mib for every device (default 3072, the
                mid-range class).
  active, inactive, finish_time
                FedScale's client is active at t seconds when active[i] <= t mod finish_time
                <= inactive[i]: each pair is a row [start_s, end_s) with period_s = finish_time.
                Times are rounded to whole microseconds as the loader rounds them (half away
                from zero), then intervals are clipped to [0, finish_time], empty ones dropped
                (also those that rounding empties), overlapping or touching ones merged
                (counted on stderr). 'duration' and 'model' are not used by FedScale's
                availability rule and are not converted.

Devices are the capacity file's entries in its order (device_id = its key), the first N with
--limit. FedScale pairs a client with capacity and behaviour entries by its number modulo each
file's length; here device k (0-based) takes the behaviour entry at position k modulo the
behaviour file's length. Left out, each counted on stderr:
  - a device with a value outside the loader's range as written (gflops, upload_mbps and
    download_mbps in [0.001, 1e6], period_s in (0, 1e9] seconds: the `clients[]` keys and
    DeviceTrace.seconds), named on stderr (the first ten) with the value: a clamped value
    would no longer be the device's measurement;
  - a device whose behaviour entry has no interval left: it is never available, which the
    format cannot say.
--memory-mib outside [1, 1e7] or --median-gflops outside [0.001, 1e6] is refused. Bad input
(a file, a field, an argument) exits 2 with one line naming it.
"""
import argparse
import math
import os
import pickle
import statistics
import sys
from collections import Counter

DEVICE_HEADER = "device_id,gflops,upload_mbps,download_mbps,memory_mib"
AVAILABILITY_HEADER = "device_id,period_s,start_s,end_s"
# The loader's closed ranges (Sources/Experiments/Scenario/ScenarioKeys.swift, the `clients[]` keys
# of these names; DeviceTrace.seconds for times). DeviceTraceTests checks they agree.
RANGES = {"gflops": (0.001, 1e6), "upload_mbps": (0.001, 1e6), "download_mbps": (0.001, 1e6), "memory_mib": (1, 1e7)}
SECONDS = (0, 1e9)
US = 10**6
NAMED = 10  # left-out devices named on stderr; the rest are counted


def fail(message):
    """Bad input: one line naming it, exit 2."""
    print(f"fedscale-to-trace: {message}", file=sys.stderr)
    sys.exit(2)


class PlainUnpickler(pickle.Unpickler):
    """Loads plain containers, numbers and strings; refuses every class or function."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: expected only dicts, lists, numbers and strings")


def load(path):
    try:
        with open(path, "rb") as f:
            data = PlainUnpickler(f).load()
    except (OSError, pickle.UnpicklingError, EOFError, ValueError) as e:
        fail(f"{path}: {e}")
    if not isinstance(data, dict) or not data:
        fail(f"{path}: expected a non-empty dict of clients, got {type(data).__name__}")
    return data


def number(path, client, field, value, positive=True):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or (positive and value <= 0) or value < 0:
        fail(f"{path}: client {client!r}: '{field}' is {value!r}, expected a {'positive' if positive else 'non-negative'} number")
    return value


def text(x):
    """A device value rounded to 6 decimals (a bit/s of a speed): integers without a fraction."""
    v = round(float(x), 6)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def in_range(name, x):
    """Whether the loader takes x as written for column `name`."""
    lo, hi = RANGES[name]
    return lo <= float(text(x)) <= hi


def span(name):
    lo, hi = RANGES[name]
    return f"[{text(lo)}, {text(hi)}]"


def microseconds(seconds):
    """Non-negative seconds to whole µs, half away from zero, as the loader rounds them."""
    y = seconds * 1e6
    whole = math.floor(y)
    return whole + 1 if y - whole >= 0.5 else whole


def seconds_text(us):
    """Whole µs as exact decimal seconds, which the loader reads back to the same µs."""
    s, f = divmod(us, US)
    return str(s) if f == 0 else f"{s}.{f:06d}".rstrip("0")


def device_id(path, key):
    s = str(key)
    if not s or any(c in s for c in ',"') or any(ord(c) < 0x20 or ord(c) == 0x7F for c in s) or s != s.strip():
        fail(f"{path}: client id {key!r} cannot be a device id (no comma, quote, control character or surrounding space)")
    return s


def intervals(path, client, entry):
    """The entry's period and active intervals in µs (rounded, clipped to [0, period], sorted,
    merged) and the counts of clipped, empty and merged ones. The period is returned rounded,
    in range or not: the caller checks it."""
    if not isinstance(entry, dict) or not all(k in entry for k in ("active", "inactive", "finish_time")):
        fail(f"{path}: client {client!r}: expected a dict with 'active', 'inactive' and 'finish_time'")
    period = microseconds(number(path, client, "finish_time", entry["finish_time"]))
    active, inactive = entry["active"], entry["inactive"]
    if not isinstance(active, list) or not isinstance(inactive, list) or len(active) != len(inactive):
        fail(f"{path}: client {client!r}: 'active' and 'inactive' must be lists of the same length")
    stats = Counter()
    pairs = sorted((microseconds(number(path, client, "active", a, positive=False)),
                    microseconds(number(path, client, "inactive", b, positive=False))) for a, b in zip(active, inactive))
    out = []
    for a, b in pairs:
        if b > period:
            stats["clipped"] += 1
            b = period
        if b <= a:
            stats["empty"] += 1
            continue
        if out and a <= out[-1][1]:
            stats["merged"] += 1
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return period, out, stats


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--capacity", required=True, help="FedScale's client_device_capacity pickle")
    p.add_argument("--behave", help="FedScale's client_behave_trace pickle (availability)")
    p.add_argument("--out", required=True, help="folder for devices.csv (and availability.csv)")
    p.add_argument("--limit", type=int, help="convert only the first N devices")
    speed = p.add_mutually_exclusive_group()
    speed.add_argument("--median-gflops", type=float, default=30.0, help="GFLOP/s of the trace's median device (default 30)")
    speed.add_argument("--reference-gflop", type=float, help="forward GFLOP per sample of the model the latencies were measured on")
    p.add_argument("--memory-mib", type=float, default=3072.0, help="memory of every device, MiB (default 3072)")
    a = p.parse_args()
    for name in ("limit", "median_gflops", "reference_gflop", "memory_mib"):
        v = getattr(a, name)
        if v is not None and not (math.isfinite(v) and v > 0):
            fail(f"--{name.replace('_', '-')}: expected a positive number, got {v}")
    for option, column in (("median_gflops", "gflops"), ("memory_mib", "memory_mib")):
        v = getattr(a, option)
        if v is not None and not in_range(column, v):
            fail(f"--{option.replace('_', '-')}: {v:g} is outside the trace format's {column} range {span(column)}")

    capacity = load(a.capacity)
    keys = list(capacity)[: a.limit]
    latency = {}
    for k in keys:
        entry = capacity[k]
        if not isinstance(entry, dict) or "computation" not in entry or "communication" not in entry:
            fail(f"{a.capacity}: client {k!r}: expected a dict with 'computation' and 'communication'")
        latency[k] = number(a.capacity, k, "computation", entry["computation"])
        number(a.capacity, k, "communication", entry["communication"])
    if a.reference_gflop is not None:
        gflops = {k: a.reference_gflop * 1000 / latency[k] for k in keys}
    else:
        median = statistics.median(latency.values())
        gflops = {k: a.median_gflops * median / latency[k] for k in keys}

    behave = load(a.behave) if a.behave else None
    behave_keys = list(behave) if behave else []
    stats = Counter()
    devices, rows, never, out_of_range = [], [], 0, []
    for i, k in enumerate(keys):
        ident = device_id(a.capacity, k)
        mbps = capacity[k]["communication"] * 1024 / 1e6
        values = {"gflops": gflops[k], "upload_mbps": mbps, "download_mbps": mbps, "memory_mib": a.memory_mib}
        bad = [f"{name} {text(v)} outside {span(name)}" for name, v in values.items() if not in_range(name, v)]
        if behave is not None:
            b = behave_keys[i % len(behave_keys)]
            period, active, counts = intervals(a.behave, b, behave[b])
            if not 0 < period <= SECONDS[1] * US:
                bad.append(f"period_s {seconds_text(period)} (behaviour entry {b!r}) outside (0, {text(SECONDS[1])}]")
        if bad:
            out_of_range.append(f"{ident}: {', '.join(bad)}")
            continue
        if behave is not None:
            stats += counts
            if not active:
                never += 1
                continue
            rows += [f"{ident},{seconds_text(period)},{seconds_text(s)},{seconds_text(e)}" for s, e in active]
        devices.append(f"{ident},{text(values['gflops'])},{text(mbps)},{text(mbps)},{text(a.memory_mib)}")
    if len(set(d.split(",")[0] for d in devices)) != len(devices):
        fail(f"{a.capacity}: two client ids print as the same device id")
    for line in out_of_range[:NAMED]:
        print(f"fedscale-to-trace: left out device {line}", file=sys.stderr)
    if len(out_of_range) > NAMED:
        print(f"fedscale-to-trace: left out {len(out_of_range) - NAMED} more devices out of range", file=sys.stderr)
    if not devices:
        fail("no device left (every one is out of range or never available)")

    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "devices.csv"), "w", newline="\n") as f:
        f.write("\n".join([DEVICE_HEADER] + devices) + "\n")
    if behave is not None:
        with open(os.path.join(a.out, "availability.csv"), "w", newline="\n") as f:
            f.write("\n".join([AVAILABILITY_HEADER] + rows) + "\n")
    print(f"fedscale-to-trace: {len(devices)} devices, {len(rows)} active intervals; intervals clipped "
          f"{stats['clipped']}, empty {stats['empty']}, merged {stats['merged']}; devices out of range (left out) "
          f"{len(out_of_range)}, never available (left out) {never}", file=sys.stderr)


if __name__ == "__main__":
    main()
