"""PyTorch on the `plantlab bench train` workloads (see keras_train.py for the models).
A plain training loop: Adam lr 0.001, batch 32 (--batch), BCE with logits, data in order, on the
CPU or (--device cuda) the GPU. Prints JSON."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from workload import EMBEDDING, SEQUENCE_LENGTH, VOCAB, arguments, random_tokens  # noqa: E402

args = arguments()
import torch  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(1)
tokens, labels = random_tokens(args.n)
device = torch.device(args.device)
tokens = torch.from_numpy(tokens).to(device)
labels = torch.from_numpy(labels).to(device)


class Net(nn.Module):
    def __init__(self, transformer):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, EMBEDDING)
        self.transformer = transformer
        if transformer:
            self.positions = nn.Parameter(torch.empty(SEQUENCE_LENGTH, EMBEDDING).uniform_(-0.05, 0.05))
            layer = nn.TransformerEncoderLayer(EMBEDDING, 4, 128, dropout=0.0, activation="gelu", batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.output = nn.Linear(EMBEDDING, 1)

    def forward(self, x):
        x = self.embedding(x)
        if self.transformer:
            x = self.encoder(x + self.positions)
        return self.output(x.mean(dim=1)).squeeze(1)


model = Net(args.workload == "w2").to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
loss_fn = nn.BCEWithLogitsLoss()

start = time.perf_counter()
last = float("nan")
for _ in range(args.epochs):
    for i in range(0, args.n, args.batch):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(tokens[i:i + args.batch]), labels[i:i + args.batch])
        loss.backward()
        optimizer.step()
        last = loss.item()
if device.type == "cuda":
    torch.cuda.synchronize()
seconds = time.perf_counter() - start
print(json.dumps({
    "framework": f"pytorch {torch.__version__} ({args.device})",
    "workload": args.workload, "n": args.n, "epochs": args.epochs, "threads": args.threads, "batch": args.batch,
    "seconds": seconds, "samples_per_s": args.n * args.epochs / seconds, "last_loss": last,
}))
