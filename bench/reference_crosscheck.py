"""
Cross-check comigs (`compat: "reference"`) against the original CoMiGS code, on this project's
data folder and English base (issue 15 §4).

  python bench/reference_crosscheck.py [--reference ../shared/reference/CoMiGS] [--data data/multilingual]
        [--base models/english-byte-tiny.safetensors] [--rounds 10] [--steps 10] [--batch 8]
        [--seeds 42 45 47] [--methods local fedavg pfedmoe comigs-1g1s comigs-2g comigs-2s]
        [--threads 2] [--out runs/crosscheck/reference] [--bf16 eval|all]
  python bench/reference_crosscheck.py --comigs SWEEP.csv --reference-report EARLIER.md [--report OUT.md]

Runs `collab_run.py` unmodified, in CPU PyTorch, one process per (method, seed), with the
command line of its runscript (`collab_runscripts/table1/*.sh`) at the given protocol. Three
things are supplied from outside because the code reaches for the network or an account:
- `GPT.from_pretrained` accepts only Hugging Face GPT-2 names; here it builds `GPT(GPTConfig)`
  with the dimensions in the base's safetensors metadata and copies its weights by the code's
  own key rule (`GPT._transform_key`: `experts.N.` dropped; LoRA and router keys keep their init);
- `wandb` is a recorder: the code only evaluates when `-wandb` is on, and its `val_ppl` logs
  are the result (last evaluation of each client; `2.71828 ** loss` over 100 random test batches);
- `transformers` and `datasets` are imported but unused on this path: empty modules.
`--bf16 eval` evaluates under bf16 autocast as the original does on a GPU (`clients.py`: on
CPU it runs float32), and also scores the same batches in float32 (`client_ppl_fp32_eval`);
`--bf16 all` trains under it too. Each run writes
`<out>/<method>-seed<S>.json`; an existing file is reused (delete to re-run).
The last stdout line is a JSON list of {method, seed, mean_ppl, client_ppl, wall_s}.

With `--comigs <sweep.csv>` (of `comigs sweep scenarios/paper/crosscheck-multilingual.json`) it
also writes `--report` (markdown): per method the mean ± std over seeds of both, the difference,
whether it is within `--tolerance` (3%), both orders, and the mean wall time per run. With
`--reference-report EARLIER.md` (an earlier report of this script) the original code is not run:
its column is read from that report, and the new report says so.
"""
import argparse
import csv
import json
import platform
import re
import statistics
import os
import struct
import subprocess
import sys
import time

# The runscripts' flags (collab_runscripts/table1), minus output and wandb names.
# Local and CoMiGS-2S are one global round of all the steps there (ground=1, num_steps=200):
# 2S is 1G1S whose "generalist" is never averaged after the first synchronisation.
ONE_ROUND = {"local", "comigs-2s"}
RUNSCRIPTS = {
    "local":       ["-is_no_router", "-gating_update_iters", "0"],
    "fedavg":      ["-as", "experts", "-is_no_router", "-gating_update_iters", "0"],
    "pfedmoe":     ["-as", "expert_0", "-lb_lam", "0.01", "-gating_update_iters", "0"],
    "comigs-1g1s": ["--collaboration_strategy", "expert_0", "-gating_update_iters", "10", "-is_alter"],
    "comigs-2g":   ["--collaboration_strategy", "experts", "-gating_update_iters", "10", "-is_alter"],
    "comigs-2s":   ["--collaboration_strategy", "expert_0", "-gating_update_iters", "10", "-is_alter"],
}
COMMON = ["-nc", "4", "-eval_every", "20", "-log_every", "5", "-update_router_every", "30",
          "-exp0_importance", "0.5", "-wandb", "-device", "cpu"]


def read_safetensors(path):
    import numpy as np
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        blob = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise SystemExit(f"{path}: tensor {name} is {info['dtype']}, expected F32")
        lo, hi = info["data_offsets"]
        tensors[name] = np.frombuffer(blob[lo:hi], dtype=np.float32).reshape(info["shape"])
    return meta, tensors


def run_one(args):
    """Child process: run collab_run.py once and print {client_ppl} as the last line."""
    import types
    import numpy as np
    import torch
    torch.set_num_threads(args.threads)
    logs = []
    wandb = types.ModuleType("wandb")
    wandb.init = lambda **kw: None
    wandb.log = logs.append
    sys.modules["wandb"] = wandb
    sys.modules["transformers"] = types.ModuleType("transformers")
    datasets = types.ModuleType("datasets")
    datasets.load_dataset = None
    sys.modules["datasets"] = datasets
    sys.path.insert(0, args.reference)

    from models.model import GPT, GPTConfig
    meta, base = read_safetensors(args.base)
    shape = json.loads(meta["config"])
    fields = set(GPTConfig.__dataclass_fields__)

    def from_pretrained(cls, model_type, override_args=None):
        config = dict(n_layer=shape["n_layer"], n_head=shape["n_head"], n_embd=shape["n_embd"],
                      vocab_size=shape["vocab_size"], block_size=shape["n_positions"], bias=True)
        config.update({k: v for k, v in (override_args or {}).items() if k in fields})
        model = cls(GPTConfig(**config))
        state = model.state_dict()
        with torch.no_grad():
            for key, tensor in state.items():
                if "lora" in key or "router" in key or "gate" in key or key.endswith(".attn.bias"):
                    continue
                source = "transformer.wte.weight" if key == "lm_head.weight" else cls._transform_key(key)
                if source not in base or tuple(base[source].shape) != tuple(tensor.shape):
                    raise SystemExit(f"{args.base}: no tensor {source} of shape {tuple(tensor.shape)} for {key}")
                tensor.copy_(torch.from_numpy(np.array(base[source])))
        return model

    GPT.from_pretrained = classmethod(from_pretrained)
    if args.bf16:
        from collab_utils.clients import GeneralClient

        def under_bf16(method):
            def wrapped(self, *a, **kw):
                with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
                    return method(self, *a, **kw)
            return wrapped

        def both_ways(method):
            # The same batches scored in float32 first (the RNG state restored after), so the
            # difference is the precision alone and training sees the RNG of a bf16-only run.
            def wrapped(self, *a, **kw):
                state = torch.get_rng_state()
                _, _, fp32 = method(self, *a, **kw)
                torch.set_rng_state(state)
                result = under_bf16(method)(self, *a, **kw)
                logs.append({f"client_{self.client_id}/val_ppl_fp32": fp32})
                return result
            return wrapped
        GeneralClient.eval = both_ways(GeneralClient.eval)
        if args.bf16 == "all":
            GeneralClient.train = under_bf16(GeneralClient.train)
    rounds, steps = (1, args.rounds * args.steps) if args.method in ONE_ROUND else (args.rounds, args.steps)
    sys.argv = ["collab_run.py", "-gr", str(rounds), "-num_steps", str(steps),
                "-data_path", args.data, "-out_dir", os.path.join(args.out, "scratch"),
                "-bs", str(args.batch), "-micro_bs", str(args.batch), "-seed", str(args.seed)
                ] + COMMON + RUNSCRIPTS[args.method]
    os.chdir(args.reference)
    import runpy
    runpy.run_path("collab_run.py", run_name="__main__")
    last, fp32 = {}, {}
    for entry in logs:
        for key, value in entry.items():
            client = int(key.split("/")[0].split("_")[1]) if key.startswith("client_") else None
            if key.endswith("/val_ppl"):
                last[client] = value
            if key.endswith("/val_ppl_fp32"):
                fp32[client] = value
    out = {"client_ppl": [last[i] for i in sorted(last)]}
    if fp32:
        out["client_ppl_fp32_eval"] = [fp32[i] for i in sorted(fp32)]
    print(json.dumps(out))


LABELS = {"local": "Local", "fedavg": "FedAvg", "pfedmoe": "pFedMoE", "comigs-1g1s": "CoMiGS-1G1S",
          "comigs-2g": "CoMiGS-2G", "comigs-2s": "CoMiGS-2S"}


def mean_std(values):
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def summarize(rows, methods):
    """Per method: the original code's mean ± std over seeds, the seed count and s/run."""
    out = {}
    for m in methods:
        t = [r["mean_ppl"] for r in rows if r["method"] == m]
        mean, sd = mean_std(t)
        out[m] = dict(mean=mean, std=sd, n=len(t), wall=statistics.mean(r["wall_s"] for r in rows if r["method"] == m))
    return out


def read_report(path, methods):
    """The original code's column of an earlier report of this script (`--reference-report`)."""
    found = {}
    with open(path) as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            m = re.fullmatch(r"([\d.]+) ± ([\d.]+) \((\d+)\)", cells[1]) if len(cells) == 7 else None
            if m:
                found[cells[0]] = dict(mean=float(m[1]), std=float(m[2]), n=int(m[3]), wall=float(cells[5]))
    missing = [LABELS[k] for k in methods if LABELS[k] not in found]
    if missing:
        raise SystemExit(f"{path}: no original-code row for {', '.join(missing)}")
    return {k: found[LABELS[k]] for k in methods}


def compare(theirs, sweep_csv, tolerance, report, args):
    """Markdown table: the original code's rows (`summarize` or `read_report`) against comigs'
    (`compat: "reference"`)."""
    with open(sweep_csv) as f:
        ours = list(csv.DictReader(f))
    lines, theirs_mean, ours_mean, passed = [], {}, {}, True
    for method in args.methods:
        label = LABELS[method]
        o = [float(r["mean_test_ppl"]) for r in ours if r["label"] == label]
        if not o:
            raise SystemExit(f"{sweep_csv}: no rows labelled {label}")
        t = theirs[method]
        tm, (om, os_) = t["mean"], mean_std(o)
        theirs_mean[method], ours_mean[method] = tm, om
        delta = (om - tm) / tm
        ok = abs(delta) <= tolerance
        passed &= ok
        ow = statistics.mean(float(r["wall_time_s"]) for r in ours if r["label"] == label)
        lines.append(f"| {label} | {tm:.3f} ± {t['std']:.3f} ({t['n']}) | {om:.3f} ± {os_:.3f} ({len(o)}) | {delta:+.1%} | "
                     f"{'yes' if ok else '**no**'} | {t['wall']:.0f} | {ow:.1f} |")
    order = lambda m: " < ".join(LABELS[k] for k in sorted(m, key=m.get))
    same = sorted(theirs_mean, key=theirs_mean.get) == sorted(ours_mean, key=ours_mean.get)
    # Pairs the two orders disagree on, and whether each is a tie: a gap below the seeds' std on both sides.
    spread = {m: max(theirs[m]["std"], mean_std([float(r["mean_test_ppl"]) for r in ours if r["label"] == LABELS[m]])[1])
              for m in args.methods}
    swapped = [(a, b) for a in args.methods for b in args.methods
               if theirs_mean[a] < theirs_mean[b] and ours_mean[a] > ours_mean[b]]
    ties = [(a, b) for a, b in swapped
            if abs(theirs_mean[a] - theirs_mean[b]) < max(spread[a], spread[b]) and abs(ours_mean[a] - ours_mean[b]) < max(spread[a], spread[b])]
    swaps = "; ".join(f"{LABELS[a]} vs {LABELS[b]} (gaps {theirs_mean[b] - theirs_mean[a]:.3f} and {ours_mean[a] - ours_mean[b]:.3f}, "
                      f"seed std up to {max(spread[a], spread[b]):.3f}: {'a tie' if (a, b) in ties else 'not a tie'})" for a, b in swapped)
    text = [f"# Cross-check: the original code against comigs `compat: \"reference\"`", "",
            f"Multilingual (`data/multilingual`), base `{os.path.basename(args.base)}`, {args.rounds} rounds × "
            f"{args.steps} local steps, batch {args.batch}; mean test perplexity over the 4 clients, mean ± std "
            f"over seeds (original: seeds {' '.join(map(str, args.seeds))}, its `2.71828 ** loss` over 100 random "
            f"test batches at the last evaluation; comigs: `scenarios/paper/crosscheck-multilingual.json`). "
            f"Wall time: seconds per run (all 4 clients), {platform.machine()} with {os.cpu_count()} cores "
            f"(`bench/reference_crosscheck.py`)."
            + (f" The original code was not run again for this report: its column (runs, seeds, s/run) is read from "
               f"an earlier version of `{os.path.relpath(args.reference_report, os.getcwd())}`; comigs' column is new, so "
               f"the two s/run columns were measured on different machines and do not compare."
               if args.reference_report else ""), "",
            "| method | original code | comigs | difference | within {:.0%} | original s/run | comigs s/run |".format(tolerance),
            "|---|---|---|---|---|---|---|", *lines, "",
            f"Order, original: {order(theirs_mean)}", "",
            f"Order, comigs: {order(ours_mean)}", "",
            f"Same order: {'yes' if same else 'no'}" + (f"; swapped: {swaps}" if swapped else "")
            + f". Same order up to ties: {'yes' if len(ties) == len(swapped) else 'no'}. "
            f"Every row within {tolerance:.0%}: {'yes' if passed else 'no'}.", ""]
    tmp = report + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(text))
    os.replace(tmp, report)
    print("\n".join(text), file=sys.stderr)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reference", default=os.path.join(root, "..", "shared", "reference", "CoMiGS"))
    p.add_argument("--data", default=os.path.join(root, "data", "multilingual"))
    p.add_argument("--base", default=os.path.join(root, "models", "english-byte-tiny.safetensors"))
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seeds", type=int, nargs="+", default=[42, 45, 47])
    p.add_argument("--methods", nargs="+", default=list(RUNSCRIPTS), choices=list(RUNSCRIPTS))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=os.path.join(root, "runs", "crosscheck", "reference"))
    p.add_argument("--bf16", choices=["eval", "all"])
    p.add_argument("--comigs", help="sweep.csv of comigs' crosscheck sweep: compare and write --report")
    p.add_argument("--report", default=os.path.join(root, "results", "paper", "crosscheck.md"))
    p.add_argument("--tolerance", type=float, default=0.03)
    p.add_argument("--reference-report", help="an earlier --report: take the original code's column from it "
                   "instead of running the original code (with --comigs)")
    p.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--method", help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    for name in ("reference", "data", "base", "out"):
        setattr(args, name, os.path.abspath(getattr(args, name)))
    if args.one:
        return run_one(args)
    if args.reference_report:
        if not args.comigs:
            raise SystemExit("--reference-report needs --comigs (the sweep.csv to compare against it)")
        theirs = read_report(args.reference_report, args.methods)
        return compare(theirs, args.comigs, args.tolerance, args.report, args)

    for i in range(4):
        for split in ("train", "valid", "test"):
            path = os.path.join(args.data, "4", f"{split}_{i}.bin")
            if not os.path.isfile(path):
                raise SystemExit(f"missing {path}: the original code reads <data>/4/<split>_<client>.bin "
                                 f"(run `comigs data prepare multilingual`)")
    os.makedirs(args.out, exist_ok=True)
    rows = []
    for method in args.methods:
        for seed in args.seeds:
            path = os.path.join(args.out, f"{method}-seed{seed}.json")
            if not os.path.exists(path):
                start = time.time()
                out = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", "--method", method,
                                      "--seed", str(seed), "--reference", args.reference, "--data", args.data,
                                      "--base", args.base, "--rounds", str(args.rounds), "--steps", str(args.steps),
                                      "--batch", str(args.batch), "--threads", str(args.threads), "--out", args.out]
                                     + (["--bf16", args.bf16] if args.bf16 else []),
                                     capture_output=True, text=True)
                if out.returncode != 0:
                    sys.stderr.write(out.stderr[-4000:])
                    raise SystemExit(f"{method} seed {seed}: the original code exited {out.returncode}")
                result = json.loads(out.stdout.strip().splitlines()[-1])
                client_ppl = result["client_ppl"]
                row = dict(method=method, seed=seed, client_ppl=client_ppl,
                           client_ppl_fp32_eval=result.get("client_ppl_fp32_eval"),
                           mean_ppl=sum(client_ppl) / len(client_ppl), wall_s=round(time.time() - start, 1),
                           protocol=dict(rounds=args.rounds, steps=args.steps, batch=args.batch), bf16=args.bf16)
                tmp = path + ".tmp"
                with open(tmp, "w") as f:
                    json.dump(row, f, indent=1)
                os.replace(tmp, path)
                print(f"{method} seed {seed}: {row['mean_ppl']:.3f} ({row['wall_s']} s)", file=sys.stderr)
            with open(path) as f:
                rows.append(json.load(f))
    if args.comigs:
        compare(summarize(rows, args.methods), args.comigs, args.tolerance, args.report, args)
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
