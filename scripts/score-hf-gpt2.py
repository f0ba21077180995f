"""Scores a Hugging Face GPT-2 folder (what `comigs export` writes for a method without a router) with
`transformers`' own model, the way `comigs eval --checkpoint FOLDER --data FILE --context T` scores it:
mean cross-entropy over every full non-overlapping window of the uint16 token file (window w: inputs
tokens[wT : wT+T], targets tokens[wT+1 : wT+T+1], for every w with wT + T < count), in float32, the
sum in float64. Prints JSON: {"loss", "ppl", "tokens"}.

    python scripts/score-hf-gpt2.py FOLDER FILE.bin T"""
import json
import math
import sys

import numpy as np
import torch
from transformers import GPT2LMHeadModel

folder, data, t = sys.argv[1], sys.argv[2], int(sys.argv[3])
model = GPT2LMHeadModel.from_pretrained(folder, torch_dtype=torch.float32)
model.eval()
tokens = torch.from_numpy(np.fromfile(data, dtype="<u2").astype(np.int64))
windows = (len(tokens) - 1) // t if len(tokens) > t else 0
total = 0.0
with torch.no_grad():
    for w in range(windows):
        x = tokens[w * t: w * t + t].unsqueeze(0)
        y = tokens[w * t + 1: w * t + t + 1]
        logits = model(input_ids=x).logits[0]
        total += torch.nn.functional.cross_entropy(logits, y, reduction="sum").double().item()
loss = total / (windows * t)
print(json.dumps({"loss": loss, "ppl": math.exp(loss), "tokens": windows * t}))
