"""PyTorch loop of the process language model's network (crates/model/src/process_lm.rs), for
the training-speed comparison: ordinal token embeddings summed per step, learned positions, a
2-layer pre-norm transformer encoder with a causal mask (d 32, 4 heads, feed-forward 64, GELU,
no dropout), the head's normal distribution per tag (mean, log spread, missing logit), the step
context (the same step's other tags, a tag query, layer norm, one hidden ReLU layer) and the
ordinal log-probabilities from the normal distribution function. Adam 1e-3, batch 32. One epoch
over --train windows, then a forward pass over --validation windows in batches of 256, timed
apart. Tokens are random (speed does not depend on them). Prints JSON."""

import argparse
import json
import math
import time

import torch
from torch import nn

p = argparse.ArgumentParser()
p.add_argument("--tags", type=int, default=50)
p.add_argument("--bins", type=int, default=16)
p.add_argument("--window", type=int, default=10)
p.add_argument("--train", type=int, default=28_070)
p.add_argument("--validation", type=int, default=6_470)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--epochs", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(1)
T, B, W, D, H, FF, L = a.tags, a.bins, a.window, 32, 4, 64, 2
TAIL = [0.5, 1.0, 2.0, 4.0, 8.0]
K = len(TAIL) + 1
TOKENS = B + 1 + 2 * K


def normal_quantile(q):
    lo, hi = -9.0, 9.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if 0.5 * (1 + math.erf(mid / math.sqrt(2))) < q:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


outer = normal_quantile(1 - 0.5 / (a.train + a.validation))
edges = [-outer] + [normal_quantile(k / B) for k in range(1, B)] + [outer]
line = [edges[0] - s for s in reversed(TAIL)] + edges + [edges[-1] + s for s in TAIL]
middles = [line[0] - 1.0] + [0.5 * (x + y) for x, y in zip(line, line[1:])] + [line[-1] + 1.0]
# Token layout: bins, missing, below (nearest first), above (nearest first); place on the line.
line_index = list(range(K, K + B)) + list(range(K - 1, -1, -1)) + list(range(K + B, B + 2 * K))
token_z = torch.tensor([middles[i] for i in line_index[:B]] + [0.0] + [middles[i] for i in line_index[B:]])
token_line = torch.tensor(line_index[:B] + [0] + line_index[B:])
boundaries = torch.tensor(line)
mid_t = torch.tensor([0.5 * (x + y) for x, y in zip(line, line[1:])])
log_w = torch.tensor([math.log(max(y - x, 1e-6)) for x, y in zip(line, line[1:])])
HALF_LN_TAU = 0.5 * math.log(2 * math.pi)


class ProcessLm(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale, self.bias, self.missing = nn.Embedding(T, D), nn.Embedding(T, D), nn.Embedding(T, D)
        self.positions = nn.Embedding(W, D)
        layer = nn.TransformerEncoderLayer(D, H, FF, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, L, enable_nested_tensor=False)
        self.head = nn.Linear(D, 3 * T)
        self.queries, self.norm = nn.Embedding(T, D), nn.LayerNorm(D)
        self.hidden, self.out = nn.Linear(D, FF), nn.Linear(FF, 3)

    def embed(self, tokens):
        z = token_z[tokens].unsqueeze(-1)
        miss = (tokens == B).float().unsqueeze(-1)
        return z * self.scale.weight + self.bias.weight + miss * self.missing.weight

    def forward(self, context, nxt):
        n = context.shape[0]
        x = self.embed(context).sum(2) + self.positions.weight
        mask = nn.Transformer.generate_square_subsequent_mask(W)
        enc = self.encoder(x, mask=mask, is_causal=True)
        raw = self.head(enc).view(n, W, T, 3)
        ne = self.embed(nxt)
        others = ne.sum(2, keepdim=True) - ne
        inp = self.norm(enc.unsqueeze(2) + others + self.queries.weight)
        return raw + self.out(torch.relu(self.hidden(inp)))


def log_probs_of(raw, targets):
    mean, log_scale, miss = raw[..., 0:1], raw[..., 1:2].clamp(-4, 3), raw[..., 2]
    scale = log_scale.exp()
    std = (boundaries - mean) / scale
    cdf = 0.5 * (1 + torch.erf(std / math.sqrt(2)))
    inner = cdf[..., 1:] - cdf[..., :-1]
    dens = -0.5 * ((mid_t - mean) / scale) ** 2 - log_scale + log_w - HALF_LN_TAU
    inner_log = torch.where(inner > 1e-6, inner.clamp_min(1e-12).log(), dens)

    def tail(mass, dist):
        dist = dist.clamp_min(1.0)
        far = -0.5 * dist**2 - dist.log() - HALF_LN_TAU
        return torch.where(mass > 1e-6, mass.clamp_min(1e-12).log(), far)

    first = tail(cdf[..., :1], -std[..., :1])
    last = tail(1 - cdf[..., -1:], std[..., -1:])
    on_line = torch.cat([first, inner_log, last], -1)
    present = nn.functional.logsigmoid(-miss)
    picked = on_line.gather(-1, token_line[targets].unsqueeze(-1)).squeeze(-1) + present
    return torch.where(targets == B, nn.functional.logsigmoid(miss), picked)


model = ProcessLm()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
windows = torch.randint(0, B, (a.train, W + 1, T))
val = torch.randint(0, B, (a.validation, W + 1, T))
epochs = []
for epoch in range(a.epochs):
    order = torch.randperm(a.train)
    start = time.perf_counter()
    for i in range(0, a.train, 32):
        batch = windows[order[i:i + 32]]
        optimizer.zero_grad(set_to_none=True)
        loss = -log_probs_of(model(batch[:, :W], batch[:, 1:]), batch[:, 1:]).mean()
        loss.backward()
        optimizer.step()
    train_s = time.perf_counter() - start
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, a.validation, 256):
            batch = val[i:i + 256]
            log_probs_of(model(batch[:, :W], batch[:, 1:]), batch[:, 1:]).mean()
    epochs.append({"train_s": train_s, "validation_s": time.perf_counter() - start})
best = min(epochs, key=lambda e: e["train_s"])
print(json.dumps({
    "framework": f"pytorch {torch.__version__} (cpu, {a.threads} threads)",
    "train_windows": a.train,
    "validation_windows": a.validation,
    "epochs": epochs,
    "train_windows_per_s_best": a.train / best["train_s"],
}))
