"""
Generate the PyTorch reference fixtures that the Swift tests compare against.

  /tmp/torch/bin/python bench/make_fixtures.py

Writes into Tests/TensorTests/Fixtures/:
  gpt2-tiny/            a GPT-2 checkpoint in Hugging Face layout (config.json, model.safetensors),
                        a token file (tokens.bin) and its exact windowed eval loss (expected.json);
  moe-<variant>.*       CoMiGS mixture-of-LoRA-experts checkpoints in our native (nanoGPT) layout,
                        with the loss, routing decisions and the gradients of every adapter/router
                        parameter for one fixed batch.

Weights are stored as float32, and the reference numbers are computed in float64 from exactly
those float32 values, so the fixture is more precise than the float32 engine under test.
Everything is drawn from seeded torch.Generators: re-running rewrites byte-identical files.
Only torch and numpy are used; safetensors files are written by hand.
"""
import json
import math
import struct
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

FIXTURES = Path(__file__).resolve().parent.parent / "Tests" / "TensorTests" / "Fixtures"

# Shared base model size.
N_LAYER, N_HEAD, N_EMBD, N_POS, VOCAB = 2, 2, 32, 16, 64
LN_EPS = 1e-5

# CoMiGS adapter settings.
LORA_R, LORA_ALPHA = 4, 16
LORA_SCALE = LORA_ALPHA / math.sqrt(LORA_R)  # rsLoRA scaling alpha / sqrt(r)
GENERALIST_IMPORTANCE = 0.5
LB_LAMBDA = 0.5  # large on purpose, so the load-balancing gradient is clearly visible
MOE_BATCH, MOE_TIME = 2, 16

ROUTE_MARGIN = 1e-3  # routing logits must be at least this far apart for float32 to agree
FD_REL_TOL = 1e-6

# -----------------------------------------------------------------------------
# safetensors, by hand


def write_safetensors(path, tensors, metadata):
    """Write float32 tensors (in dict order) plus string metadata in the safetensors format."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy(), dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    header["__metadata__"] = metadata
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * (-(8 + len(hb)) % 8)  # the data section starts 8-byte aligned
    path.write_bytes(struct.pack("<Q", len(hb)) + hb + b"".join(blobs))


def read_safetensors(path):
    """Minimal reader, used only to check that what we wrote reads back bit-exactly."""
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert (8 + n) % 8 == 0
    header = json.loads(raw[8:8 + n])
    metadata = header.pop("__metadata__", {})
    data = raw[8 + n:]
    end = 0
    out = {}
    for name, h in header.items():
        b, e = h["data_offsets"]
        assert b == end, "tensors must be contiguous and in order"
        end = e
        out[name] = torch.from_numpy(np.frombuffer(data[b:e], dtype="<f4").reshape(h["shape"]).copy())
    assert end == len(data)
    return out, metadata


def save_checked(path, tensors, metadata):
    write_safetensors(path, tensors, metadata)
    back, meta = read_safetensors(path)
    assert meta == metadata and list(back) == list(tensors)
    assert all(torch.equal(back[k], tensors[k].detach().float()) for k in tensors)


def write_json(path, obj):
    """One top-level key per line: compact, but still readable in a diff."""
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in obj.items()]
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n")


# -----------------------------------------------------------------------------
# random weights


def init_tensor(name, shape, gen):
    """float32 random tensor; the distribution is picked from the parameter name."""
    def normal(std, mean=0.0):
        return mean + std * torch.randn(shape, generator=gen, dtype=torch.float64)

    leaf = name.split(".")[-1]
    if leaf in ("lora_A", "lora_B"):
        t = normal(0.2)  # B non-zero, so that every adapter gradient is non-trivial
    elif ".router." in name:
        t = normal(1.0)  # spread-out routing logits: decisions far from ties
    elif ".ln_" in name or name.startswith("ln_"):
        t = normal(0.1, 1.0) if leaf == "weight" else normal(0.05)
    elif leaf == "bias":
        t = normal(0.05)
    else:
        t = normal(0.1)  # matrices and embeddings: big enough that the model is far from uniform
    return t.float()


def to_f64(tensors):
    return {k: v.double() for k, v in tensors.items()}


# -----------------------------------------------------------------------------
# model pieces (float64)


def layer_norm(x, w, b):
    return F.layer_norm(x, (x.shape[-1],), w, b, LN_EPS)


def gelu(x):
    return F.gelu(x, approximate="tanh")


def causal_attention(qkv):
    """qkv [B, T, 3C] -> [B, T, C]: causal multi-head attention, scale 1/sqrt(head size)."""
    B, T, C3 = qkv.shape
    C = C3 // 3
    hs = C // N_HEAD
    q, k, v = (t.view(B, T, N_HEAD, hs).transpose(1, 2) for t in qkv.split(C, dim=2))
    att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    att = att.masked_fill(future, float("-inf")).softmax(dim=-1)
    return (att @ v).transpose(1, 2).reshape(B, T, C)


def check_attention():
    """Our explicit attention agrees with torch's fused kernel (guards the head split / mask)."""
    gen = torch.Generator().manual_seed(0)
    qkv = torch.randn(3, 7, 3 * N_EMBD, generator=gen, dtype=torch.float64)
    B, T, _ = qkv.shape
    q, k, v = (t.view(B, T, N_HEAD, -1).transpose(1, 2) for t in qkv.split(N_EMBD, dim=2))
    ref = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, N_EMBD)
    assert torch.allclose(causal_attention(qkv), ref, rtol=0, atol=1e-12)


# -----------------------------------------------------------------------------
# Fixture 1: GPT-2 in Hugging Face layout, and its windowed eval loss


GPT2_SEED = 1234
GPT2_TOKENS = 203


def gpt2_weights(gen):
    C = N_EMBD
    shapes = [("wte.weight", [VOCAB, C]), ("wpe.weight", [N_POS, C])]
    for i in range(N_LAYER):
        p = f"h.{i}."
        shapes += [
            (p + "ln_1.weight", [C]), (p + "ln_1.bias", [C]),
            # HF Conv1D stores weights as [in, out]: y = x @ W + b
            (p + "attn.c_attn.weight", [C, 3 * C]), (p + "attn.c_attn.bias", [3 * C]),
            (p + "attn.c_proj.weight", [C, C]), (p + "attn.c_proj.bias", [C]),
            (p + "ln_2.weight", [C]), (p + "ln_2.bias", [C]),
            (p + "mlp.c_fc.weight", [C, 4 * C]), (p + "mlp.c_fc.bias", [4 * C]),
            (p + "mlp.c_proj.weight", [4 * C, C]), (p + "mlp.c_proj.bias", [C]),
            (p + "attn.bias", None),  # causal-mask buffer, as HF stores it
        ]
    shapes += [("ln_f.weight", [C]), ("ln_f.bias", [C])]
    w = {}
    for name, shape in shapes:
        if shape is None:
            w[name] = torch.tril(torch.ones(N_POS, N_POS)).view(1, 1, N_POS, N_POS)
        else:
            w[name] = init_tensor(name, shape, gen)
    return w


def gpt2_logits(w, idx):
    """Hugging Face GPT-2 forward; w in HF names/layout (float64), idx [B, T]."""
    T = idx.shape[1]
    x = w["wte.weight"][idx] + w["wpe.weight"][:T]
    for i in range(N_LAYER):
        p = f"h.{i}."
        h = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"])
        y = causal_attention(h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"])
        x = x + y @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        h = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"])
        g = gelu(h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        x = x + g @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = layer_norm(x, w["ln_f.weight"], w["ln_f.bias"])
    return x @ w["wte.weight"].T  # LM head tied to the token embedding


def windowed_loss(w, data, T):
    """Mean CE over all full non-overlapping windows w*T .. w*T+T (targets shifted by one)."""
    n_windows = sum(1 for k in range(len(data)) if k * T + T < len(data))
    idx = torch.stack([data[k * T:k * T + T] for k in range(n_windows)])
    tgt = torch.stack([data[k * T + 1:k * T + T + 1] for k in range(n_windows)])
    logits = gpt2_logits(w, idx)
    loss = F.cross_entropy(logits.reshape(-1, VOCAB), tgt.reshape(-1))
    return loss.item(), n_windows * T


def check_layouts_agree(w_hf, idx, tgt):
    """The HF-layout forward must equal our native forward (moe_forward) on the same weights,
    transposed to [out, in], with a single expert and all-zero adapters: this pins down the
    Conv1D convention independently of the code path that computes the fixture."""
    native = {}
    for name, shape in moe_shapes(1):
        hf = name.removeprefix("transformer.")
        if is_trainable(name):
            native[name] = torch.zeros(shape, dtype=torch.float64)
        elif w_hf[hf].dim() == 2 and not hf.startswith("w"):
            native[name] = w_hf[hf].T  # Conv1D [in, out] -> Linear [out, in]
        else:
            native[name] = w_hf[hf]
    ce, *_ = moe_forward(native, idx, tgt, 1, 1)
    ref = F.cross_entropy(gpt2_logits(w_hf, idx).reshape(-1, VOCAB), tgt.reshape(-1))
    assert abs(ce.item() - ref.item()) < 1e-12, (ce.item(), ref.item())


def make_gpt2():
    gen = torch.Generator().manual_seed(GPT2_SEED)
    weights = gpt2_weights(gen)
    tokens = torch.randint(0, VOCAB, (GPT2_TOKENS,), generator=gen)

    w = to_f64(weights)
    loss, n = windowed_loss(w, tokens, N_POS)
    loss8, n8 = windowed_loss(w, tokens, 8)
    check_layouts_agree(w, tokens[:N_POS].view(1, -1), tokens[1:N_POS + 1].view(1, -1))
    # "far from uniform": the random model should clearly differ from ln(vocab)
    assert abs(loss - math.log(VOCAB)) > 0.05, loss

    out = FIXTURES / "gpt2-tiny"
    out.mkdir(parents=True, exist_ok=True)
    config = {"model_type": "gpt2", "n_layer": N_LAYER, "n_head": N_HEAD, "n_embd": N_EMBD,
              "n_positions": N_POS, "vocab_size": VOCAB, "layer_norm_epsilon": LN_EPS}
    (out / "config.json").write_text(json.dumps(config) + "\n")
    save_checked(out / "model.safetensors", weights, {"format": "pt"})
    (out / "tokens.bin").write_bytes(tokens.numpy().astype("<u2").tobytes())
    expected = {"context": N_POS, "loss": loss, "ppl": math.exp(loss), "tokens": n, "loss_context_8": loss8}
    write_json(out / "expected.json", expected)
    print(f"gpt2-tiny: loss {loss:.12f} ppl {math.exp(loss):.9f} over {n} tokens; "
          f"context 8: loss {loss8:.12f} over {n8} tokens")


# -----------------------------------------------------------------------------
# Fixture 2: CoMiGS mixture of LoRA experts (native nanoGPT layout, Linear weights [out, in])


MOE_VARIANTS = [  # name, experts, top-k, seed
    ("moe-e2-top2", 2, 2, 2100),
    ("moe-e3-top1", 3, 1, 2200),
    ("moe-e3-top2", 3, 2, 2300),
]
MAX_RESEEDS = 20


def moe_shapes(E):
    C, r = N_EMBD, LORA_R
    shapes = [("transformer.wte.weight", [VOCAB, C]), ("transformer.wpe.weight", [N_POS, C])]
    for i in range(N_LAYER):
        p = f"transformer.h.{i}"
        shapes += [
            (p + ".ln_1.weight", [C]), (p + ".ln_1.bias", [C]),
            (p + ".attn.c_attn.weight", [3 * C, C]), (p + ".attn.c_attn.bias", [3 * C]),
            (p + ".attn.c_attn.lora_A", [r, C]), (p + ".attn.c_attn.lora_B", [3 * C, r]),
            (p + ".attn.c_proj.weight", [C, C]), (p + ".attn.c_proj.bias", [C]),
            (p + ".attn.c_proj.lora_A", [r, C]), (p + ".attn.c_proj.lora_B", [C, r]),
            (p + ".ln_2.weight", [C]), (p + ".ln_2.bias", [C]),
            (p + ".mlp.c_fc.weight", [4 * C, C]), (p + ".mlp.c_fc.bias", [4 * C]),
            (p + ".mlp.c_proj.weight", [C, 4 * C]), (p + ".mlp.c_proj.bias", [C]),
        ]
        for e in range(E):
            q = f"{p}.mlp.experts.{e}"
            shapes += [
                (q + ".c_fc.lora_A", [r, C]), (q + ".c_fc.lora_B", [4 * C, r]),
                (q + ".c_proj.lora_A", [r, 4 * C]), (q + ".c_proj.lora_B", [C, r]),
            ]
        shapes += [(p + ".mlp.router.weight", [E, C])]
    shapes += [("transformer.ln_f.weight", [C]), ("transformer.ln_f.bias", [C])]
    return shapes


def is_trainable(name):
    return "lora_" in name or ".router." in name


def lora_delta(x, w, prefix):
    """s * (x A^T) B^T"""
    return LORA_SCALE * (x @ w[prefix + ".lora_A"].T) @ w[prefix + ".lora_B"].T


def linear(x, w, prefix):
    return x @ w[prefix + ".weight"].T + w[prefix + ".bias"]


def importance(E):
    """Generalist-importance weights c_e: expert 0 is the generalist."""
    g = GENERALIST_IMPORTANCE
    return torch.tensor([(1 / g) / E] + [((E - 1) / (1 - g)) / E] * (E - 1), dtype=torch.float64)


def moe_mlp(x, w, p, E, k):
    """x [N, C] (the ln_2 output). Returns output [N, C], LB loss, chosen experts [N, k],
    and the smallest routing-logit gap that decides the choices (or their order)."""
    logits = x @ w[p + ".mlp.router.weight"].T  # [N, E], no bias
    probs = logits.softmax(dim=-1)
    if k == 1:
        chosen = logits.argmax(dim=-1, keepdim=True)
        gate = probs.gather(-1, chosen)  # weight = the full-softmax probability of the winner
    else:
        top, chosen = logits.topk(k, dim=-1)  # descending, so choices are listed best first
        gate = top.softmax(dim=-1)  # softmax over the chosen k logits only

    # Margin: adjacent gaps in the sorted logits down to the first unchosen one (or, when all
    # experts are chosen, just their order). All must be clear of float32 rounding.
    ranked = logits.detach().sort(dim=-1, descending=True).values
    n_gaps = min(k, E - 1)
    margin = (ranked[:, :n_gaps] - ranked[:, 1:n_gaps + 1]).min().item() if n_gaps else math.inf

    # Dense evaluation of every expert on every token; unchosen experts get weight exactly 0,
    # so their parameters get exactly zero gradient from the output (as in sparse dispatch).
    h = linear(x, w, p + ".mlp.c_fc")
    out = torch.zeros_like(x)
    for e in range(E):
        q = f"{p}.mlp.experts.{e}"
        g = gelu(h + lora_delta(x, w, q + ".c_fc"))
        y = linear(g, w, p + ".mlp.c_proj") + lora_delta(g, w, q + ".c_proj")
        weight_e = (gate * (chosen == e)).sum(dim=-1, keepdim=True)
        out = out + weight_e * y

    # LB = E^2 * mean_e(p_e f_e c_e): p differentiable, f a constant fraction of (token, slot) pairs.
    N = x.shape[0]
    p_mean = probs.mean(dim=0)
    f = torch.bincount(chosen.flatten(), minlength=E).double() / (N * k)
    lb = E ** 2 * (p_mean * f * importance(E)).mean()
    return out, lb, chosen, margin


def moe_forward(w, idx, targets, E, k):
    """Returns (ce, lb, total loss, per-layer choices [N, k], smallest routing margin)."""
    B, T = idx.shape
    x = w["transformer.wte.weight"][idx] + w["transformer.wpe.weight"][:T]
    lbs, choices, margins = [], [], []
    for i in range(N_LAYER):
        p = f"transformer.h.{i}"
        h = layer_norm(x, w[p + ".ln_1.weight"], w[p + ".ln_1.bias"])
        qkv = linear(h, w, p + ".attn.c_attn") + lora_delta(h, w, p + ".attn.c_attn")
        y = causal_attention(qkv)
        x = x + linear(y, w, p + ".attn.c_proj") + lora_delta(y, w, p + ".attn.c_proj")
        h = layer_norm(x, w[p + ".ln_2.weight"], w[p + ".ln_2.bias"])
        out, lb, chosen, margin = moe_mlp(h.reshape(B * T, -1), w, p, E, k)
        x = x + out.view(B, T, -1)
        lbs.append(lb)
        choices.append(chosen)
        margins.append(margin)
    x = layer_norm(x, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"])
    logits = x @ w["transformer.wte.weight"].T
    ce = F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1))
    lb = torch.stack(lbs).mean()
    return ce, lb, ce + LB_LAMBDA * lb, choices, min(margins)


def finite_difference_check(w, idx, tgt, E, k, grads, choices):
    """Central differences in float64 against autograd: the largest-|grad| entry of a spread of
    tensors (attention LoRA, both expert LoRAs, both routers), plus one random direction over all
    trainable parameters at once. Returns the worst relative error."""
    def loss_at(name, delta):
        w2 = dict(w)
        w2[name] = w[name] + delta
        _, _, loss, ch, _ = moe_forward(w2, idx, tgt, E, k)
        assert all(torch.equal(a, b) for a, b in zip(ch, choices)), "routing changed under perturbation"
        return loss.item()

    def central(f, h):
        return (f(h) - f(-h)) / (2 * h)

    worst = 0.0
    probes = ["transformer.h.0.attn.c_attn.lora_A", "transformer.h.1.attn.c_proj.lora_B",
              f"transformer.h.0.mlp.experts.{E - 1}.c_fc.lora_A", "transformer.h.1.mlp.experts.0.c_proj.lora_B",
              "transformer.h.0.mlp.router.weight", "transformer.h.1.mlp.router.weight"]
    for name in probes:
        flat = grads[name].flatten().abs().argmax().item()
        one_hot = torch.zeros(grads[name].numel(), dtype=torch.float64)
        one_hot[flat] = 1.0
        one_hot = one_hot.view_as(grads[name])
        fd = central(lambda h: loss_at(name, h * one_hot), 1e-6)
        ad = grads[name].flatten()[flat].item()
        rel = abs(fd - ad) / abs(ad)
        worst = max(worst, rel)
        assert rel < FD_REL_TOL, (name, flat, fd, ad, rel)

    # Directional derivative along a random unit direction across every trainable tensor.
    gen = torch.Generator().manual_seed(7)
    direction = {n: torch.randn(g.shape, generator=gen, dtype=torch.float64) for n, g in grads.items()}
    norm = math.sqrt(sum((d ** 2).sum().item() for d in direction.values()))
    direction = {n: d / norm for n, d in direction.items()}

    def loss_along(h):
        w2 = dict(w)
        for n, d in direction.items():
            w2[n] = w[n] + h * d
        _, _, loss, ch, _ = moe_forward(w2, idx, tgt, E, k)
        assert all(torch.equal(a, b) for a, b in zip(ch, choices)), "routing changed under perturbation"
        return loss.item()

    fd = central(loss_along, 1e-6)
    ad = sum((grads[n] * d).sum().item() for n, d in direction.items())
    rel = abs(fd - ad) / abs(ad)
    assert rel < FD_REL_TOL, ("direction", fd, ad, rel)
    return max(worst, rel)


def make_moe(name, E, k, seed):
    # Reseed until no routing decision is within ROUTE_MARGIN of a tie, so that a float32
    # engine is guaranteed to route exactly as this reference does.
    for attempt in range(MAX_RESEEDS):
        gen = torch.Generator().manual_seed(seed + attempt)
        weights = {n: init_tensor(n, s, gen) for n, s in moe_shapes(E)}
        idx = torch.randint(0, VOCAB, (MOE_BATCH, MOE_TIME), generator=gen)
        tgt = torch.randint(0, VOCAB, (MOE_BATCH, MOE_TIME), generator=gen)
        w = to_f64(weights)
        with torch.no_grad():
            *_, margin = moe_forward(w, idx, tgt, E, k)
        if margin > ROUTE_MARGIN:
            break
        print(f"{name}: seed {seed + attempt} has a routing margin of only {margin:.2e}, reseeding")
    else:
        raise RuntimeError(f"{name}: no seed with clear routing decisions")

    trainable = [n for n in w if is_trainable(n)]
    for n in trainable:
        w[n].requires_grad_(True)
    ce, lb, loss, choices, margin = moe_forward(w, idx, tgt, E, k)
    grads = dict(zip(trainable, torch.autograd.grad(loss, [w[n] for n in trainable])))
    w = {n: t.detach() for n, t in w.items()}
    worst_fd = finite_difference_check(w, idx, tgt, E, k, grads, choices)

    # Every expert should be used somewhere, or its gradients would be trivially zero.
    for layer in choices:
        assert set(layer.flatten().tolist()) == set(range(E)), (name, "unused expert")

    config = json.dumps({"n_layer": N_LAYER, "n_head": N_HEAD, "n_embd": N_EMBD,
                         "n_positions": N_POS, "vocab_size": VOCAB}, separators=(",", ":"))
    adapters = json.dumps({"rank": LORA_R, "alpha": LORA_ALPHA, "experts": E, "router": "top_k", "topK": k,
                           "generalistImportance": GENERALIST_IMPORTANCE, "trainBase": False},
                          separators=(",", ":"))
    save_checked(FIXTURES / f"{name}.safetensors", weights,
                 {"format": "comigs", "config": config, "adapters": adapters})
    save_checked(FIXTURES / f"{name}-grads.safetensors", {n: g.float() for n, g in grads.items()},
                 {"format": "gradients", "loss": "ce + lambda * lb"})
    write_json(FIXTURES / f"{name}.json", {
        "inputs": idx.flatten().tolist(),
        "targets": tgt.flatten().tolist(),
        "batch": MOE_BATCH,
        "time": MOE_TIME,
        "lambda": LB_LAMBDA,
        "ce": ce.item(),
        "lb": lb.item(),
        "loss": loss.item(),
        "choices": [layer.tolist() for layer in choices],
    })
    gmax = max(g.abs().max().item() for g in grads.values())
    print(f"{name}: seed {seed + attempt}, ce {ce.item():.12f} lb {lb.item():.12f} loss {loss.item():.12f}; "
          f"min routing margin {margin:.3g}; max |grad| {gmax:.3g}; worst FD rel err {worst_fd:.2e}")


def main():
    torch.set_num_threads(1)  # single-threaded reductions: bit-reproducible output
    check_attention()
    FIXTURES.mkdir(parents=True, exist_ok=True)
    make_gpt2()
    for name, E, k, seed in MOE_VARIANTS:
        make_moe(name, E, k, seed)


if __name__ == "__main__":
    main()
