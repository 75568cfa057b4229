# The PyTorch side of `bench --only pytorch-eager` (main/bench/pytorch-eager.ts): the cluster job's
# model.py (the studio's own forward graph as torch eager code: frozen products in the requested
# dtype, the adapter float32) trained one step at a time, AdamW, for as long as the bench asks.
# Protocol on stdin/stdout, one line each: "step" -> {"seconds": s, "loss": l}; "quit" ends.
# argv: model_py model_dir feeds_dir adapter_init.safetensors device frozen_dtype threads
import importlib.util
import json
import os
import sys
import time

import numpy as np
import torch

model_py, model_dir, feeds_dir, init_path, device, frozen, threads = sys.argv[1:8]
torch.set_num_threads(int(threads))
spec = importlib.util.spec_from_file_location('bench_model', model_py)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
net = module.MixtureModel(model_dir, frozen_dtype=getattr(torch, frozen), device=device)
init = module.SafetensorsFile(init_path)
net.load_adapter({name: init.tensor(name, shape) for name, shape in module.PARAMETERS})
feeds = {name: torch.from_numpy(np.load(os.path.join(feeds_dir, name + '.npy'))).to(device) for name in module.FEEDS}
parameters = list(net.adapter_parameters().values())
optimizer = torch.optim.AdamW(parameters, lr=1e-4, weight_decay=0.0)
cuda = device.startswith('cuda')
print(json.dumps({'ready': True, 'torch': torch.__version__}), flush=True)
for command in sys.stdin:
    if command.strip() != 'step':
        break
    if cuda:
        torch.cuda.synchronize()
    began = time.perf_counter()
    optimizer.zero_grad(set_to_none=True)
    out = net(feeds)
    objective = out['loss'] + out['aux_loss'] if 'aux_loss' in out else out['loss']
    objective.backward()
    optimizer.step()
    loss = out['loss'].item()  # waits for the GPU
    print(json.dumps({'seconds': time.perf_counter() - began, 'loss': loss}), flush=True)
