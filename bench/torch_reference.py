"""
Reference training-step benchmark in PyTorch (fp32, CPU) for comparison with comigs.

  python bench/torch_reference.py --config gpt-tiny|comigs-tiny --threads N [--steps S] [--warmup W]

gpt-tiny:    nanoGPT-style GPT-2 (4 layers, 4 heads, n_embd 128, ctx 128, vocab 512), full AdamW.
comigs-tiny: same base weights frozen; rsLoRA r8 on attention c_attn/c_proj; MLP becomes a
             top-2 mixture of 2 experts (shared frozen MLP + per-expert LoRA on c_fc/c_proj)
             with a per-layer router and a load-balancing aux loss. AdamW on LoRA + router only.
The last stdout line is a single JSON object with the results.
"""
import argparse
import json
import math
import re
import statistics
import time

import torch
import torch.nn as nn
from torch.nn import functional as F
from torch.utils.flop_counter import FlopCounterMode, sdpa_backward_flop_count, sdpa_flop_count

N_LAYER, N_HEAD, N_EMBD, BLOCK, VOCAB = 4, 4, 128, 128, 512
BATCH = 16
LORA_R, LORA_ALPHA = 8, 16
N_EXPERT, TOP_K, AUX_COEF = 2, 2, 0.01

# -----------------------------------------------------------------------------
# base model (nanoGPT)

class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(N_EMBD, 3 * N_EMBD)
        self.c_proj = nn.Linear(N_EMBD, N_EMBD)

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(N_EMBD, dim=2)
        q, k, v = (t.view(B, T, N_HEAD, C // N_HEAD).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))

class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_fc = nn.Linear(N_EMBD, 4 * N_EMBD)
        self.c_proj = nn.Linear(4 * N_EMBD, N_EMBD)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate='tanh'))

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(N_EMBD, eps=1e-5)
        self.attn = CausalSelfAttention()
        self.ln_2 = nn.LayerNorm(N_EMBD, eps=1e-5)
        self.mlp = MLP()

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))

class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, N_EMBD)
        self.wpe = nn.Embedding(BLOCK, N_EMBD)
        self.h = nn.ModuleList([Block() for _ in range(N_LAYER)])
        self.ln_f = nn.LayerNorm(N_EMBD, eps=1e-5)
        self.lm_head = nn.Linear(N_EMBD, VOCAB, bias=False)
        self.lm_head.weight = self.wte.weight  # weight tying
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():  # nanoGPT: scaled init of residual projections
            if pn.endswith('c_proj.weight'):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * N_LAYER))

    def _init_weights(self, m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward(self, idx, targets):
        pos = torch.arange(idx.size(1), device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        aux = [m.aux for m in self.modules() if isinstance(m, MoEMLP)]
        if aux:  # load-balancing loss, averaged over layers
            loss = loss + AUX_COEF * torch.stack(aux).mean()
        return loss

# -----------------------------------------------------------------------------
# comigs adapters: LoRA + mixture of LoRA experts over a shared frozen MLP

class LoRA(nn.Module):
    """The low-rank delta s * B(A x) alone; the frozen base product is computed by the caller."""
    def __init__(self, fan_in, fan_out):
        super().__init__()
        bound = 1 / math.sqrt(fan_in)  # kaiming-uniform(a=sqrt(5)) bound, as in peft/nn.Linear
        self.A = nn.Parameter(torch.empty(LORA_R, fan_in).uniform_(-bound, bound))
        # Standard LoRA zero-inits B; for the benchmark we use small normal noise instead so
        # that every gradient (dA in particular) is non-trivial from the first step.
        self.B = nn.Parameter(torch.empty(fan_out, LORA_R).normal_(0.0, 0.02))
        self.scale = LORA_ALPHA / math.sqrt(LORA_R)  # rsLoRA scaling

    def forward(self, x):
        return self.scale * F.linear(F.linear(x, self.A), self.B)

class LoRALinear(nn.Module):
    def __init__(self, base):
        super().__init__()
        self.base = base
        self.lora = LoRA(base.in_features, base.out_features)

    def forward(self, x):
        return self.base(x) + self.lora(x)

class MoEMLP(nn.Module):
    def __init__(self, base):
        super().__init__()
        self.c_fc, self.c_proj = base.c_fc, base.c_proj  # frozen, shared by all experts
        self.fc_lora = nn.ModuleList([LoRA(N_EMBD, 4 * N_EMBD) for _ in range(N_EXPERT)])
        self.proj_lora = nn.ModuleList([LoRA(4 * N_EMBD, N_EMBD) for _ in range(N_EXPERT)])
        self.router = nn.Linear(N_EMBD, N_EXPERT, bias=False)
        nn.init.normal_(self.router.weight, mean=0.0, std=0.02)
        # per-expert importance; generalist importance 0.5 with E=2 gives c = 1 for every expert
        self.register_buffer('importance', torch.ones(N_EXPERT))

    def forward(self, x):
        shape = x.shape
        x = x.view(-1, shape[-1])
        logits = self.router(x)
        topv, topi = logits.topk(TOP_K, dim=-1)
        weights = F.softmax(topv, dim=-1)  # softmax over the chosen k logits only
        h = self.c_fc(x)  # base c_fc product once for all tokens, shared by the experts
        out = torch.zeros_like(x)
        for e in range(N_EXPERT):
            rows, slot = torch.where(topi == e)
            if rows.numel() == 0:
                continue
            g = F.gelu(h[rows] + self.fc_lora[e](x[rows]), approximate='tanh')
            y = self.c_proj(g) + self.proj_lora[e](g)
            out.index_add_(0, rows, weights[rows, slot].unsqueeze(-1) * y)
        # load balancing: E^2 * mean_e(p_e * f_e * c_e); f_e counts (token, slot) pairs, no grad
        p = F.softmax(logits, dim=-1).mean(0)
        f = torch.bincount(topi.flatten(), minlength=N_EXPERT).float() / topi.numel()
        self.aux = N_EXPERT ** 2 * (p * f * self.importance).mean()
        return out.view(shape)

def build(config):
    model = GPT()
    if config == 'gpt-tiny':
        params = [p for p in model.parameters() if p.requires_grad]
        groups = [{'params': [p for p in params if p.dim() >= 2], 'weight_decay': 0.01},
                  {'params': [p for p in params if p.dim() < 2], 'weight_decay': 0.0}]
        return model, groups
    model.requires_grad_(False)
    for block in model.h:
        block.attn.c_attn = LoRALinear(block.attn.c_attn)
        block.attn.c_proj = LoRALinear(block.attn.c_proj)
        block.mlp = MoEMLP(block.mlp)
    lora = [p for n, p in model.named_parameters() if p.requires_grad and 'router' not in n]
    router = [p for n, p in model.named_parameters() if p.requires_grad and 'router' in n]
    return model, [{'params': lora, 'weight_decay': 0.01}, {'params': router, 'weight_decay': 0.0}]

# -----------------------------------------------------------------------------

def blas_core():
    cfg = torch.__config__.show()
    m = re.search(r'BLAS_INFO=(\w+)', cfg)
    name = m.group(1) if m else ('mkl' if 'Math Kernel Library' in cfg else 'unknown')
    cap = re.search(r'CPU capability usage: (\w+)', cfg)
    return f"torch:{name}" + (f"/{cap.group(1).lower()}" if cap else '')

def count_flops(model, x, y):
    # On CPU, SDPA dispatches to _scaled_dot_product_flash_attention_for_cpu, which torch's
    # flop counter has no formula for (attention would silently count 0). Map it to the same
    # formulas used for the GPU kernels (full T x T, i.e. the causal mask is not discounted).
    aten = torch.ops.aten
    cpu_sdpa = {
        aten._scaled_dot_product_flash_attention_for_cpu:
            lambda q, k, v, *a, **kw: sdpa_flop_count(q, k, v),
        aten._scaled_dot_product_flash_attention_for_cpu_backward:
            lambda g, q, k, v, *a, **kw: sdpa_backward_flop_count(g, q, k, v),
    }
    with FlopCounterMode(display=False, custom_mapping=cpu_sdpa) as fc:
        model(x, y).backward()
    model.zero_grad(set_to_none=True)
    return fc.get_total_flops()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--config', choices=['gpt-tiny', 'comigs-tiny'], required=True)
    ap.add_argument('--threads', type=int, required=True)
    ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--warmup', type=int, default=3)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # only allowed before any inter-op work has started
        pass
    torch.manual_seed(0)

    model, groups = build(args.config)
    # default AdamW constructor, as a user would write it (on CPU torch resolves foreach=None
    # to the single-tensor loop; foreach kernels are only auto-selected on accelerators)
    opt = torch.optim.AdamW(groups, lr=2e-3, betas=(0.9, 0.95), eps=1e-8)
    x = torch.randint(0, VOCAB, (BATCH, BLOCK))
    y = torch.randint(0, VOCAB, (BATCH, BLOCK))

    flops = count_flops(model, x, y)

    def step():
        loss = model(x, y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()

    losses = [step() for _ in range(args.warmup)]
    times = []  # per-step times too: shared/virtualised CPUs are noisy, so also report median/min
    for _ in range(args.steps):
        t0 = time.perf_counter()
        losses.append(step())  # loss.item() syncs, so the step is complete when the clock stops
        times.append(time.perf_counter() - t0)
    dt = sum(times) / len(times)

    n_train = sum(p.numel() for g in groups for p in g['params'])
    res = {
        'config': args.config,
        'threads': torch.get_num_threads(),
        'ms_per_step': round(dt * 1e3, 3),
        'tokens_per_s': round(BATCH * BLOCK / dt, 1),
        'gflops': round(flops / dt / 1e9, 3),
        'blas_core': blas_core(),
        'impl': 'torch',
        'torch_version': torch.__version__,
        'ms_per_step_median': round(statistics.median(times) * 1e3, 3),
        'ms_per_step_min': round(min(times) * 1e3, 3),
        'flops_per_step': flops,
        'trainable_params': n_train,
        'steps': args.steps,
        'warmup': args.warmup,
        'loss_first': round(losses[0], 4),
        'loss_last': round(losses[-1], 4),
    }
    print(f"torch {args.config} threads={res['threads']}: {res['ms_per_step']:.2f} ms/step "
          f"(median {res['ms_per_step_median']:.2f}, min {res['ms_per_step_min']:.2f}), "
          f"{res['tokens_per_s']:.0f} tok/s, {res['gflops']:.2f} GFLOP/s "
          f"({flops / 1e9:.3f} GFLOP/step), loss {losses[0]:.4f} -> {losses[-1]:.4f}")
    print(json.dumps(res))

if __name__ == '__main__':
    main()
