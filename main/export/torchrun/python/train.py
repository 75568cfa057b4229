#!/usr/bin/env python3
# train.py: trains a Mixture Studio cluster job (the folder `mixture-studio export RUN --format
# torchrun` writes) with PyTorch, one process or data parallel under torchrun, and writes what the
# studio reads back: metrics.jsonl, checkpoints in its own format (resumable), the final adapter.
#
# The math is the studio's, step for step (main/train/trainer.ts): the same micro-batches in the
# same order (data/plan.npy), padded the same way (main/train/batches.ts), each weighted by its
# share of the step's label tokens, global-norm clipping, then AdamW / SGD (torch.optim: the studio
# documents torch's semantics) or Adafactor (the studio's own, main/engine/optim/adafactor.ts), at
# the learning rate of its schedule (main/engine/optim/schedule.ts). Needs Python 3.8+, PyTorch
# 1.13 or newer and numpy; nothing else. `python train.py --help` lists the options.
import argparse
import json
import math
import os
import shutil
import signal
import socket
import struct
import sys
import time
from datetime import datetime, timezone

try:
    import numpy as np
    import torch
except ImportError as missing:  # pragma: no cover - the message is the point
    sys.stderr.write('train.py: %s. Install PyTorch 1.13 or newer and numpy: pip install -r requirements.txt\n' % missing)
    sys.exit(2)

JOB_FORMAT = 'mixture-studio-torchrun'
JOB_VERSION = 1
JOB_DIR = os.path.dirname(os.path.abspath(__file__))

NATIVE_FORMAT = 'mixture-studio-adapter'
ADAPTER_CONFIG_FILE = 'adapter_config.json'
ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors'
OPTIMIZER_FILE = 'optimizer.safetensors'
STATE_FILE = 'state.json'
CHECKPOINT_VERSION = 1
# The studio keeps the newest three checkpoints of a run (main/train/trainer.ts CHECKPOINTS_KEPT).
CHECKPOINTS_KEPT = 3
# Router statistics are logged at step 1, every this many steps and the last (ROUTER_STATS_EVERY there).
ROUTER_STATS_EVERY = 10

# fp16 dynamic loss scaling, as main/train/loss-scale.ts.
INITIAL_LOSS_SCALE = 2.0 ** 12
LOSS_SCALE_GROWTH_INTERVAL = 200
MIN_LOSS_SCALE = 1.0
MAX_LOSS_SCALE = 2.0 ** 24


class JobError(Exception):
    """Something about the job, its files or the options is wrong: the message says what and what to do."""

    exit_code = 2


class TrainingDiverged(Exception):
    """The loss or a gradient stopped being a finite number."""

    exit_code = 1


# ---------------------------------------------------------------------------------------------
# safetensors: an 8-byte little-endian header length, a JSON header
# { name: { dtype, shape, data_offsets }, "__metadata__"?: { str: str } }, then the raw bytes.
# Written as main/runtime/safetensors.ts writes it (header padded with spaces to 8 bytes).

_ST_READ = {'F32': np.float32, 'F16': np.float16, 'F64': np.float64, 'I64': np.int64, 'I32': np.int32, 'U8': np.uint8}


def write_safetensors(path, tensors, metadata=None):
    """tensors: [(name, float32 numpy array)]; written to a temporary name, then renamed."""
    header = {}
    if metadata:
        header['__metadata__'] = dict(metadata)
    offset = 0
    blobs = []
    for name, array in tensors:
        data = np.ascontiguousarray(array, dtype='<f4')
        header[name] = {'dtype': 'F32', 'shape': [int(d) for d in data.shape], 'data_offsets': [offset, offset + data.nbytes]}
        offset += data.nbytes
        blobs.append(data)
    text = json.dumps(header, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    tmp = '%s.tmp-%d' % (path, os.getpid())
    try:
        with open(tmp, 'wb') as f:
            f.write(struct.pack('<Q', len(text)))
            f.write(text)
            for data in blobs:
                f.write(data.tobytes())
        os.replace(tmp, path)
    except OSError:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def read_safetensors(path):
    """(dict name -> float32 numpy array in file order, metadata); every problem names the file."""
    try:
        with open(path, 'rb') as f:
            raw = f.read()
    except OSError as error:
        raise JobError('%s: cannot read (%s)' % (path, error.strerror or error))
    if len(raw) < 8:
        raise JobError('%s: %d bytes, too short for a safetensors file (truncated copy?)' % (path, len(raw)))
    (length,) = struct.unpack('<Q', raw[:8])
    if length > len(raw) - 8:
        raise JobError('%s: the header claims %d bytes but the file has %d after the length field (truncated copy?)' % (path, length, len(raw) - 8))
    try:
        header = json.loads(raw[8:8 + length].decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as error:
        raise JobError('%s: the header is not JSON (%s); the file is damaged or not safetensors' % (path, error))
    data = memoryview(raw)[8 + length:]
    metadata = header.pop('__metadata__', {}) or {}
    tensors = {}
    for name, entry in header.items():
        dtype = _ST_READ.get(entry.get('dtype'))
        if dtype is None:
            raise JobError('%s: tensor "%s" has dtype %s; expected F32' % (path, name, entry.get('dtype')))
        begin, end = entry['data_offsets']
        shape = [int(d) for d in entry['shape']]
        expected = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        if end - begin != expected or end > len(data):
            raise JobError('%s: tensor "%s" data_offsets [%d, %d] do not hold %s%s (truncated or damaged file)' % (path, name, begin, end, entry['dtype'], shape))
        tensors[name] = np.frombuffer(data[begin:end], dtype=np.dtype(dtype).newbyteorder('<')).reshape(shape).astype(np.float32)
    return tensors, metadata


def write_json(path, value):
    """As the studio writes its JSON files: two-space indent and a final newline."""
    with open(path, 'w', encoding='utf-8') as f:
        f.write(json.dumps(value, indent=2, ensure_ascii=False) + '\n')


def iso_now():
    """The time as JavaScript's toISOString writes it (milliseconds, Z)."""
    now = datetime.now(timezone.utc)
    return now.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (now.microsecond // 1000)


# ---------------------------------------------------------------------------------------------
# The job folder

def _field(obj, path, kinds, where='job.json'):
    value = obj
    for key in path.split('.'):
        if not isinstance(value, dict) or key not in value:
            raise JobError('%s: the field %s is missing; export the job again with this Mixture Studio' % (where, path))
        value = value[key]
    if kinds is not None and not isinstance(value, kinds):
        raise JobError('%s: %s is %r, which is not a %s' % (where, path, value, ' or '.join(k.__name__ for k in (kinds if isinstance(kinds, tuple) else (kinds,)))))
    return value


def load_job(job_dir):
    path = os.path.join(job_dir, 'job.json')
    try:
        with open(path, encoding='utf-8') as f:
            job = json.load(f)
    except FileNotFoundError:
        raise JobError('%s is missing: train.py runs from the job folder `mixture-studio export --format torchrun` writes (keep train.py beside job.json)' % path)
    except ValueError as error:
        raise JobError('%s: not valid JSON (%s)' % (path, error))
    if job.get('format') != JOB_FORMAT:
        raise JobError('%s: "format" is %r, expected "%s"' % (path, job.get('format'), JOB_FORMAT))
    if not isinstance(job.get('version'), int) or job['version'] > JOB_VERSION:
        raise JobError('%s: job version %r is newer than this train.py reads (%d); export the job again' % (path, job.get('version'), JOB_VERSION))
    train = _field(job, 'train', dict)
    if train.get('optimizer') not in ('adamw', 'sgd', 'adafactor'):
        raise JobError('%s: train.optimizer is %r; use adamw, sgd or adafactor' % (path, train.get('optimizer')))
    if train.get('schedule') not in ('constant', 'linear', 'cosine'):
        raise JobError('%s: train.schedule is %r; use constant, linear or cosine' % (path, train.get('schedule')))
    for key in ('grad_accum', 'batch_size', 'total_steps', 'eval_every', 'save_every'):
        value = _field(job, 'train.' + key, int)
        if value < 1:
            raise JobError('%s: train.%s is %d; it must be 1 or more' % (path, key, value))
    for key in ('warmup_steps', 'seed'):
        if _field(job, 'train.' + key, int) < 0:
            raise JobError('%s: train.%s must be 0 or more' % (path, key))
    _field(job, 'train.lr', (int, float))
    _field(job, 'train.weight_decay', (int, float))
    norm = train.get('max_grad_norm')
    if norm is not None and not (isinstance(norm, (int, float)) and norm > 0):
        raise JobError('%s: train.max_grad_norm is %r; give a number > 0, or null to only measure the norm' % (path, norm))
    _field(job, 'adapter_config', dict)
    _field(job, 'adapter_config.method', str)
    for p in _field(job, 'parameters', list):
        if not isinstance(p, dict) or not isinstance(p.get('name'), str) or not isinstance(p.get('shape'), list):
            raise JobError('%s: every entry of parameters needs a name and a shape; got %r' % (path, p))
    _field(job, 'layout.seq2seq', bool)
    _field(job, 'layout.pad_token_id', int)
    _field(job, 'layout.decoder_start_token_id', int)
    _field(job, 'model.path', str)
    _field(job, 'job_id', str)
    return job


def _load_npy(path, kinds, ndim):
    try:
        array = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise JobError('%s is missing; copy the whole job folder (data/ included)' % path)
    except ValueError as error:
        raise JobError('%s: not a numpy array file (%s); copy the job folder again' % (path, error))
    if array.dtype.kind not in kinds or array.ndim != ndim:
        raise JobError('%s: holds %s with %d dimension(s); the job expects %d-D %s values' % (path, array.dtype, array.ndim, ndim, 'integer' if 'i' in kinds else 'byte'))
    return array


class Split:
    """One data split: every example's token ids and trained flags, concatenated, and where each starts."""

    def __init__(self, data_dir, name, expected):
        base = os.path.join(data_dir, name)
        self.name = name
        self.tokens = _load_npy(base + '.tokens.npy', 'iu', 1).astype(np.int64)
        self.trained = _load_npy(base + '.trained.npy', 'iub', 1).astype(np.int64)
        self.offsets = _load_npy(base + '.offsets.npy', 'iu', 1).astype(np.int64)
        if len(self.offsets) != expected + 1:
            raise JobError('%s.offsets.npy has %d entries; job.json data.%s_examples = %d needs %d' % (base, len(self.offsets), name, expected, expected + 1))
        if len(self.trained) != len(self.tokens):
            raise JobError('%s.trained.npy has %d values, %s.tokens.npy %d; they must match' % (base, len(self.trained), base, len(self.tokens)))
        if self.offsets[0] != 0 or self.offsets[-1] != len(self.tokens) or np.any(np.diff(self.offsets) < 1):
            raise JobError('%s.offsets.npy must rise from 0 to %d, every example holding at least one token' % (base, len(self.tokens)))
        self.lengths = np.diff(self.offsets)

    def __len__(self):
        return len(self.offsets) - 1

    def example(self, i):
        start, end = self.offsets[i], self.offsets[i + 1]
        return self.tokens[start:end], self.trained[start:end]

    def label_count(self, i, seq2seq):
        """Label tokens of example i as its batch counts them: decoder-only, the trained tokens after
        the first (position t predicts t+1); T5, every trained token (all are decoder targets)."""
        _, trained = self.example(i)
        return int(np.count_nonzero(trained)) if seq2seq else int(np.count_nonzero(trained[1:]))


# ---------------------------------------------------------------------------------------------
# Batches, as main/train/batches.ts makeBatch builds them (one example per row, each batch as long
# as its longest row). Returns numpy int64 feeds, the label tokens and the real tokens.

def _pad_rows(rows, width, pad):
    out = np.full((len(rows), width), pad, dtype=np.int64)
    for b, row in enumerate(rows):
        out[b, :len(row)] = row
    return out


def _ones_rows(rows, width):
    out = np.zeros((len(rows), width), dtype=np.int64)
    for b, row in enumerate(rows):
        out[b, :len(row)] = 1
    return out


def next_token_targets(ids, trained):
    """Position t predicts token t+1 where that token is trained; the last position predicts nothing."""
    n = len(ids)
    labels = np.zeros(n, dtype=np.int64)
    mask = np.zeros(n, dtype=np.int64)
    if n > 1:
        predicts = np.asarray(trained[1:]) != 0
        labels[:-1] = np.where(predicts, ids[1:], 0)
        mask[:-1] = predicts
    return labels, mask


def seq2seq_parts(ids, trained, where):
    nonzero = np.flatnonzero(np.asarray(trained) != 0)
    first = int(nonzero[0]) if len(nonzero) else -1
    if first <= 0:
        raise JobError('%s: an encoder-decoder model needs a prompt (untrained tokens) before the completion; %s' % (
            where, 'this example is trained from its first token' if first == 0 else 'this example has no trained tokens'))
    return np.asarray(ids[:first]), np.asarray(ids[first:]), np.asarray(trained[first:])


def make_batch(examples, layout, where='a batch'):
    """examples: [(ids, trained)]; layout: job.json's layout. -> (feeds, label_tokens, tokens)."""
    if not examples:
        raise ValueError('a batch needs at least one example')
    if not layout['seq2seq']:
        ids = [np.asarray(e[0], dtype=np.int64) for e in examples]
        targets = [next_token_targets(i, t) for i, t in examples]
        width = max(len(r) for r in ids)
        feeds = {
            'input_ids': _pad_rows(ids, width, layout['pad_token_id']),
            'attention_mask': _ones_rows(ids, width),
            'labels': _pad_rows([t[0] for t in targets], width, 0),
            'label_mask': _pad_rows([t[1] for t in targets], width, 0),
        }
        return feeds, int(feeds['label_mask'].sum()), int(sum(len(r) for r in ids))
    parts = [seq2seq_parts(ids, trained, '%s, row %d' % (where, b)) for b, (ids, trained) in enumerate(examples)]
    encoder = [p[0].astype(np.int64) for p in parts]
    targets = [p[1].astype(np.int64) for p in parts]
    target_mask = [(p[2] != 0).astype(np.int64) for p in parts]
    src = max(len(r) for r in encoder)
    tgt = max(len(r) for r in targets)
    start = layout['decoder_start_token_id']
    feeds = {
        'input_ids': _pad_rows(encoder, src, layout['pad_token_id']),
        'attention_mask': _ones_rows(encoder, src),
        'decoder_input_ids': _pad_rows([np.concatenate([[start], t[:-1]]).astype(np.int64) for t in targets], tgt, layout['pad_token_id']),
        'decoder_attention_mask': _ones_rows(targets, tgt),
        'labels': _pad_rows(targets, tgt, 0),
        'label_mask': _pad_rows(target_mask, tgt, 0),
    }
    tokens = sum(len(r) for r in encoder) + sum(len(r) for r in targets)
    return feeds, int(feeds['label_mask'].sum()), int(tokens)


# ---------------------------------------------------------------------------------------------
# Learning-rate schedules (main/engine/optim/schedule.ts: HF's with linear warmup). `update` counts
# the updates already applied: the first update runs at schedule(0).

def schedule_factor(update, schedule, warmup_steps, total_steps):
    if update < warmup_steps:
        return update / max(1, warmup_steps)
    if schedule == 'constant':
        return 1.0
    if schedule == 'linear':
        return max(0.0, (total_steps - update) / max(1, total_steps - warmup_steps))
    if schedule == 'cosine':
        progress = (update - warmup_steps) / max(1, total_steps - warmup_steps)
        return max(0.0, 0.5 * (1 + math.cos(math.pi * progress)))
    raise JobError('schedule %r is unknown; use constant, linear or cosine' % schedule)


def learning_rate_at(update, train):
    return train['lr'] * schedule_factor(update, train['schedule'], train['warmup_steps'], train['total_steps'])


# ---------------------------------------------------------------------------------------------
# Optimizers. Each updates its parameters from their .grad at a given lr, counts its updates, and
# exposes its state as float32 "<parameter>/<slot>" tensors in the studio's order
# (main/engine/optim/slots.ts), so checkpoints interchange with the studio's.

def _size(shape):
    n = 1
    for d in shape:
        n *= int(d)
    return n


class _TorchOptimizer:
    """AdamW and SGD through torch.optim, whose semantics the studio's own copies follow."""

    def __init__(self, kind, named, weight_decay):
        self.kind = kind
        self.named = list(named)
        self.step = 0
        params = [p for _, p in self.named]
        if kind == 'adamw':
            self.torch = torch.optim.AdamW(params, lr=0.0, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay)
            self.slots = ('exp_avg', 'exp_avg_sq')
        else:
            # Plain SGD: no momentum, so no state; weight decay coupled (added to the gradient).
            self.torch = torch.optim.SGD(params, lr=0.0, momentum=0, weight_decay=weight_decay)
            self.slots = ()

    def slot_sizes(self):
        return [('%s/%s' % (name, slot), p.numel()) for name, p in self.named for slot in self.slots]

    def update(self, lr):
        for group in self.torch.param_groups:
            group['lr'] = lr
        self.torch.step()
        self.step += 1

    def state_tensors(self):
        out = []
        for name, p in self.named:
            state = self.torch.state.get(p, {})
            for slot in self.slots:
                value = state.get(slot)
                out.append(('%s/%s' % (name, slot), torch.zeros(p.numel()) if value is None else value.detach().reshape(-1).float().cpu()))
        return out

    def load_state(self, step, tensors):
        """tensors: dict "<param>/<slot>" -> flat float32 tensor (already checked to be complete)."""
        self.step = step
        if not self.slots:
            return
        for name, p in self.named:
            state = {'step': torch.tensor(float(step))}
            for slot in self.slots:
                state[slot] = tensors['%s/%s' % (name, slot)].to(device=p.device, dtype=torch.float32).reshape(p.shape).clone()
            self.torch.state[p] = state


class Adafactor:
    """main/engine/optim/adafactor.ts with the studio's settings (an external lr: no relative step, no
    parameter scale, no momentum; β2ₜ = 1 − t^−0.8, ε1 1e-30, update clipping at RMS 1). The
    arithmetic is float64 per element and the state float32, as there."""

    kind = 'adafactor'
    DECAY_RATE = -0.8
    EPS1 = 1e-30
    CLIP_THRESHOLD = 1.0

    def __init__(self, named, weight_decay):
        self.named = list(named)
        self.weight_decay = weight_decay
        self.step = 0
        self.state = {}
        for name, p in self.named:
            for slot, size in self._slot_specs(p):
                self.state['%s/%s' % (name, slot)] = torch.zeros(size, dtype=torch.float32, device=p.device)

    @staticmethod
    def _layout(p):
        shape = list(p.shape)
        if len(shape) < 2:
            return False, 1, 1, _size(shape)
        return True, _size(shape[:-2]), shape[-2], shape[-1]

    def _slot_specs(self, p):
        factored, batch, rows, cols = self._layout(p)
        return [('exp_avg_sq_row', batch * rows), ('exp_avg_sq_col', batch * cols)] if factored else [('exp_avg_sq', cols)]

    def slot_sizes(self):
        return [('%s/%s' % (name, slot), size) for name, p in self.named for slot, size in self._slot_specs(p)]

    def update(self, lr):
        t = self.step + 1
        beta2t = 1 - t ** self.DECAY_RATE
        alpha = lr
        with torch.no_grad():
            for name, p in self.named:
                g = p.grad.detach().reshape(-1).double()
                u = self._preconditioned(name, p, g, beta2t)
                rms = torch.sqrt((u * u).sum() / max(u.numel(), 1)).item()
                clip = max(1.0, rms / self.CLIP_THRESHOLD)
                u = (u / clip) * alpha
                decay = self.weight_decay * alpha
                x = p.detach().reshape(-1).double()
                p.copy_((x - decay * x - u).float().reshape(p.shape))
        self.step = t

    def _preconditioned(self, name, p, g, beta2t):
        """Updates the second moments with g and returns g over their root (float64)."""
        factored, batch, rows, cols = self._layout(p)
        if not factored:
            v = self.state[name + '/exp_avg_sq']
            v.copy_((beta2t * v.double() + (1 - beta2t) * (g * g + self.EPS1)).float())
            return g / torch.sqrt(v.double())
        row = self.state[name + '/exp_avg_sq_row']
        col = self.state[name + '/exp_avg_sq_col']
        G = g.reshape(batch, rows, cols)
        U = G * G + self.EPS1
        row.copy_((beta2t * row.double() + (1 - beta2t) * (U.sum(dim=2) / cols).reshape(-1)).float())
        col.copy_((beta2t * col.double() + (1 - beta2t) * (U / rows).sum(dim=1).reshape(-1)).float())
        r = row.double().reshape(batch, rows)
        c = col.double().reshape(batch, cols)
        row_mean = (r / rows).sum(dim=1, keepdim=True)
        r_factor = 1 / torch.sqrt(r / row_mean)
        return ((G * r_factor[:, :, None]) * (1 / torch.sqrt(c))[:, None, :]).reshape(-1)

    def state_tensors(self):
        return [(key, self.state[key].detach().cpu().clone()) for key, _ in self.slot_sizes()]

    def load_state(self, step, tensors):
        self.step = step
        for key, _ in self.slot_sizes():
            self.state[key].copy_(tensors[key].to(self.state[key].device, torch.float32))


def create_optimizer(kind, named, weight_decay):
    if kind == 'adafactor':
        return Adafactor(named, weight_decay)
    if kind in ('adamw', 'sgd'):
        return _TorchOptimizer(kind, named, weight_decay)
    raise JobError('train.optimizer %r is unknown; use adamw, sgd or adafactor' % kind)


def clip_gradients(named, max_norm):
    """Global-norm clipping as main/engine/optim/clip.ts: the norm in float64 before clipping; no
    scaling when it is within max_norm (None: only measure) or a gradient is not finite.
    -> (norm, names of non-finite gradients)."""
    squares = torch.stack([(p.grad.detach().double() ** 2).sum() for _, p in named])
    norm = math.sqrt(squares.sum().item())
    if not math.isfinite(norm):
        bad = [name for name, p in named if not bool(torch.isfinite(p.grad).all())]
        return norm, bad
    if max_norm is not None and norm > max_norm:
        scale = max_norm / (norm + 1e-6)
        with torch.no_grad():
            for _, p in named:
                p.grad.mul_(scale)
    return norm, []


class LossScale:
    """fp16 dynamic loss scaling (main/train/loss-scale.ts)."""

    def __init__(self, scale=INITIAL_LOSS_SCALE, good_steps=0):
        self.scale = float(scale)
        self.good_steps = int(good_steps)

    def after(self, finite):
        """'apply', 'skip' (the scale halved) or 'exhausted' for a step whose gradients were (not) finite."""
        if not finite:
            if self.scale / 2 < MIN_LOSS_SCALE:
                return 'exhausted'
            self.scale, self.good_steps = self.scale / 2, 0
            return 'skip'
        self.good_steps += 1
        if self.good_steps >= LOSS_SCALE_GROWTH_INTERVAL:
            self.scale, self.good_steps = min(self.scale * 2, MAX_LOSS_SCALE), 0
        return 'apply'


# ---------------------------------------------------------------------------------------------
# The best checkpoint and early stopping (main/train/best-metric.ts): the run watches
# train.early_stopping's metric, else eval_loss when it has validation data. Each evaluation that
# improves on the best checkpoints its step, which pruning keeps; patience running out stops the run.

def best_rule(early_stopping, has_validation):
    if early_stopping:
        return {'metric': early_stopping['metric'], 'min_delta': float(early_stopping.get('min_delta') or 0), 'patience': early_stopping.get('patience')}
    return {'metric': 'eval_loss', 'min_delta': 0.0, 'patience': None} if has_validation else None


def update_best(rule, previous, step, value):
    """(state, improved, exhausted) after an evaluation at `step` measuring `value`."""
    prior = previous if previous and previous['metric'] == rule['metric'] else None
    if prior is None:
        gain = math.inf
    else:
        gain = prior['value'] - value if rule['metric'] == 'eval_loss' else value - prior['value']
    if prior is None or gain > rule['min_delta']:
        return {'metric': rule['metric'], 'value': value, 'step': step, 'evalsWithoutImprovement': 0}, True, False
    state = dict(prior, evalsWithoutImprovement=prior['evalsWithoutImprovement'] + 1)
    return state, False, rule['patience'] is not None and state['evalsWithoutImprovement'] >= rule['patience']


def early_stop_message(rule, state):
    by = ' by more than %s' % rule['min_delta'] if rule['min_delta'] > 0 else ''
    n = state['evalsWithoutImprovement']
    return 'stopped early: no improvement of %s%s in %d evaluation%s; best was %.4g at step %d' % (rule['metric'], by, n, '' if n == 1 else 's', state['value'], state['step'])


# ---------------------------------------------------------------------------------------------
# Checkpoints: <out>/checkpoints/step-N/, exactly main/train/checkpoint.ts's format and handling
# (a temporary folder renamed into place; a step saved again moved aside until the new one is in).

def _checkpoint_path(checkpoints_dir, step):
    return os.path.join(checkpoints_dir, 'step-%d' % step)


def _put_back_replaced(checkpoints_dir):
    for name in os.listdir(checkpoints_dir):
        if not name.startswith('.replaced-step-'):
            continue
        parts = name[len('.replaced-step-'):].split('-')
        if len(parts) != 2 or not parts[0].isdigit():
            continue
        aside = os.path.join(checkpoints_dir, name)
        final = _checkpoint_path(checkpoints_dir, int(parts[0]))
        if os.path.exists(final):
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.rename(aside, final)


def write_adapter_files(folder, adapter_config, parameters):
    """parameters: [(name, float32 numpy array)] in the native order."""
    write_safetensors(os.path.join(folder, ADAPTER_WEIGHTS_FILE), parameters, {'format': NATIVE_FORMAT, 'method': adapter_config['method']})
    write_json(os.path.join(folder, ADAPTER_CONFIG_FILE), adapter_config)


def write_checkpoint(checkpoints_dir, step, position, adapter_config, parameters, optimizer_kind, optimizer_step, optimizer_tensors, loss_scale=None, best=None):
    os.makedirs(checkpoints_dir, exist_ok=True)
    _put_back_replaced(checkpoints_dir)
    for name in os.listdir(checkpoints_dir):
        if name.startswith('.tmp-'):
            shutil.rmtree(os.path.join(checkpoints_dir, name), ignore_errors=True)
    final = _checkpoint_path(checkpoints_dir, step)
    temp = os.path.join(checkpoints_dir, '.tmp-step-%d-%d' % (step, os.getpid()))
    os.makedirs(temp)
    try:
        write_adapter_files(temp, adapter_config, parameters)
        write_safetensors(os.path.join(temp, OPTIMIZER_FILE), [(k, v.reshape(-1)) for k, v in optimizer_tensors], {'kind': optimizer_kind, 'step': str(optimizer_step)})
        state = {'version': CHECKPOINT_VERSION, 'step': step, 'position': position, 'optimizer': {'kind': optimizer_kind, 'step': optimizer_step}}
        if loss_scale is not None:
            state['lossScale'] = {'scale': loss_scale.scale, 'goodSteps': loss_scale.good_steps}
        if best is not None:
            state['best'] = best
        state['savedAt'] = iso_now()
        write_json(os.path.join(temp, STATE_FILE), state)
        aside = os.path.join(checkpoints_dir, '.replaced-step-%d-%d' % (step, os.getpid())) if os.path.exists(final) else None
        if aside:
            os.rename(final, aside)
        os.rename(temp, final)
        if aside:
            shutil.rmtree(aside, ignore_errors=True)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return final


def list_checkpoints(checkpoints_dir):
    """Complete checkpoints (step-N with a state file), oldest first: [(step, path)]."""
    if not os.path.isdir(checkpoints_dir):
        return []
    _put_back_replaced(checkpoints_dir)
    found = []
    for name in os.listdir(checkpoints_dir):
        if name.startswith('step-') and name[5:].isdigit() and os.path.exists(os.path.join(checkpoints_dir, name, STATE_FILE)):
            found.append((int(name[5:]), os.path.join(checkpoints_dir, name)))
    return sorted(found)


def prune_checkpoints(checkpoints_dir, keep, protect):
    checkpoints = list_checkpoints(checkpoints_dir)
    doomed = [path for step, path in checkpoints[:max(0, len(checkpoints) - keep)] if step not in protect]
    for path in doomed:
        aside = os.path.join(checkpoints_dir, '.tmp-pruned-%s-%d' % (os.path.basename(path), os.getpid()))
        os.rename(path, aside)
        shutil.rmtree(aside, ignore_errors=True)
    return doomed


def read_checkpoint(path):
    """(state, dict name -> float32 array, dict "<param>/<slot>" -> float32 array)."""
    state_path = os.path.join(path, STATE_FILE)
    try:
        with open(state_path, encoding='utf-8') as f:
            state = json.load(f)
    except (OSError, ValueError) as error:
        raise JobError('%s: cannot read the checkpoint state (%s); delete %s to resume from the checkpoint before it' % (state_path, error, path))
    if state.get('version') != CHECKPOINT_VERSION:
        raise JobError('%s: checkpoint version %r is not one this train.py reads (%d)' % (state_path, state.get('version'), CHECKPOINT_VERSION))
    parameters, _ = read_safetensors(os.path.join(path, ADAPTER_WEIGHTS_FILE))
    slots, _ = read_safetensors(os.path.join(path, OPTIMIZER_FILE))
    return state, parameters, slots


def write_adapter_folder(folder, adapter_config, parameters):
    """main/train/adapter-files.ts writeAdapterFolder: a sibling temporary folder renamed into place."""
    parent = os.path.dirname(os.path.abspath(folder))
    os.makedirs(parent, exist_ok=True)
    temp = os.path.join(parent, '.tmp-%s-%d-%x' % (os.path.basename(folder), os.getpid(), int(time.time() * 1000)))
    os.makedirs(temp)
    try:
        write_adapter_files(temp, adapter_config, parameters)
        if os.path.exists(folder):
            shutil.rmtree(folder)
        os.rename(temp, folder)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


# ---------------------------------------------------------------------------------------------
# metrics.jsonl

class Metrics:
    """One JSON object a line, flushed as written (rank 0 only)."""

    def __init__(self, path, job_id):
        self.path = path
        self.job_id = job_id
        self.file = None

    def _read_lines(self):
        if not os.path.exists(self.path):
            return []
        lines = []
        with open(self.path, encoding='utf-8') as f:
            for text in f:
                try:
                    lines.append(json.loads(text))
                except ValueError:
                    pass  # a line cut short by a kill
        for line in lines:
            if line.get('event') == 'start' and line.get('job_id') not in (None, self.job_id):
                raise JobError('%s belongs to another job (%s, this is %s); give this job its own --out' % (self.path, line.get('job_id'), self.job_id))
        return lines

    def ended_at(self, step):
        """Whether the log already ends the run at `step` (a completed job run again)."""
        return any(line.get('event') == 'end' and line.get('step') == step for line in self._read_lines())

    def open(self, resumed_step):
        """Keeps the lines up to the step training continues from (none on a fresh start)."""
        lines = self._read_lines()
        kept = [] if resumed_step == 0 else [
            line for line in lines
            if line.get('event') != 'end' and not (isinstance(line.get('step'), int) and line['step'] > resumed_step)]
        tmp = '%s.tmp-%d' % (self.path, os.getpid())
        with open(tmp, 'w', encoding='utf-8') as f:
            for line in kept:
                f.write(json.dumps(line) + '\n')
        os.replace(tmp, self.path)
        self.file = open(self.path, 'a', encoding='utf-8')

    def write(self, obj):
        self.file.write(json.dumps(obj) + '\n')
        self.file.flush()

    def close(self):
        if self.file:
            self.file.close()


# ---------------------------------------------------------------------------------------------
# Data parallel

class Distributed:
    """torch.distributed from the environment torchrun (or a manual start) sets; one process without it."""

    def __init__(self, requested_device):
        self.world = int(os.environ.get('WORLD_SIZE', '1') or 1)
        self.rank = int(os.environ.get('RANK', '0') or 0)
        if self.world > 1 or os.environ.get('MASTER_ADDR'):
            missing = [k for k in ('MASTER_ADDR', 'MASTER_PORT', 'RANK') if not os.environ.get(k)]
            if missing:
                raise JobError('WORLD_SIZE is %d but %s %s not set: start the processes with torchrun, or set MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE for each' % (
                    self.world, ', '.join(missing), 'is' if len(missing) == 1 else 'are'))
        if not 0 <= self.rank < self.world:
            raise JobError('RANK %d is outside WORLD_SIZE %d' % (self.rank, self.world))
        if requested_device == 'auto':
            requested_device = 'cuda' if torch.cuda.is_available() else 'cpu'
        if requested_device == 'cuda':
            if not torch.cuda.is_available():
                raise JobError('--device cuda: this PyTorch sees no CUDA GPU (torch %s, built with CUDA %s); use --device cpu or a CUDA build of PyTorch' % (torch.__version__, torch.version.cuda))
            local = os.environ.get('LOCAL_RANK')
            self.local_rank = int(local) if local else self.rank % torch.cuda.device_count()
            torch.cuda.set_device(self.local_rank)
            self.device = torch.device('cuda', self.local_rank)
        else:
            self.local_rank = int(os.environ.get('LOCAL_RANK', '0') or 0)
            self.device = torch.device('cpu')
        self.backend = None
        # Launched as a distributed job (torchrun, or MASTER_ADDR set by hand), even one process joins
        # a process group: a one-GPU torchrun run goes through NCCL as a multi-GPU one does.
        if self.world > 1 or os.environ.get('MASTER_ADDR'):
            self.backend = 'nccl' if self.device.type == 'cuda' else 'gloo'
            torch.distributed.init_process_group(backend=self.backend, init_method='env://', rank=self.rank, world_size=self.world)

    @property
    def main(self):
        return self.rank == 0

    def sum_(self, tensor):
        if self.backend is not None:
            torch.distributed.all_reduce(tensor, op=torch.distributed.ReduceOp.SUM)
        return tensor

    def any_(self, flag):
        """Whether `flag` is true on any rank."""
        if self.backend is None:
            return flag
        return self.sum_(torch.tensor([1.0 if flag else 0.0], device=self.device)).item() > 0

    def broadcast_(self, tensor):
        if self.backend is not None:
            torch.distributed.broadcast(tensor, src=0)
        return tensor

    def close(self):
        if self.backend is not None and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()


# ---------------------------------------------------------------------------------------------
# Training

def resolve_precision(requested, device):
    """As the studio: float32 on CPUs; on GPUs auto is bf16 where the GPU has it, else fp16."""
    if device.type == 'cpu':
        if requested in ('auto', 'fp32'):
            return 'fp32'
        raise JobError('precision %s needs a GPU: the CPU trains in float32; use --precision auto or fp32, or --device cuda' % requested)
    if requested == 'auto':
        return 'bf16' if torch.cuda.is_bf16_supported() else 'fp16'
    if requested == 'bf16' and not torch.cuda.is_bf16_supported():
        raise JobError('precision bf16: this GPU has no bfloat16 support; use --precision fp16 (or auto)')
    if requested not in ('fp32', 'fp16', 'bf16'):
        raise JobError('precision %r is unknown; use auto, fp32, bf16 or fp16' % requested)
    return requested


FROZEN_DTYPES = {'fp32': torch.float32, 'bf16': torch.bfloat16, 'fp16': torch.float16}


def import_model_module():
    if JOB_DIR not in sys.path:
        sys.path.insert(0, JOB_DIR)
    try:
        import model as module
    except ImportError as error:
        raise JobError('cannot import model.py from %s (%s); keep train.py in the job folder beside model.py' % (JOB_DIR, error))
    for name in ('SEQ2SEQ', 'FEEDS', 'HAS_AUX_LOSS', 'MixtureModel'):
        if not hasattr(module, name):
            raise JobError('%s has no %s; export the job again' % (module.__file__, name))
    return module


def _as_job_error(error):
    """model.py's own file errors (ModelFilesError) are the user's to fix, not a crash."""
    if type(error).__name__ == 'ModelFilesError':
        return JobError(str(error))
    return None


class Job:
    """Everything one process needs to train: the job, its data, the model and the optimizer."""

    def __init__(self, args, dist):
        self.args = args
        self.dist = dist
        self.job = load_job(JOB_DIR)
        self.train = self.job['train']
        self.layout = self.job['layout']
        self.seq2seq = self.layout['seq2seq']
        self.total_steps = self.train['total_steps']
        self.out = os.path.abspath(args.out or os.path.join(JOB_DIR, 'out'))
        self.checkpoints_dir = os.path.join(self.out, 'checkpoints')
        self.precision = resolve_precision(args.precision or self.train.get('precision') or 'auto', dist.device)
        self._load_data()
        self._load_model()
        self.has_validation = self.validation is not None and len(self.validation) > 0
        self.rule = best_rule(self._early_stopping(), self.has_validation)
        self.best = None
        self._warned_missing_metric = False

    def _early_stopping(self):
        """train.early_stopping, from job.json's train section or the run configuration it carries."""
        if 'early_stopping' in self.train:
            return self.train['early_stopping']
        config_train = (self.job.get('config') or {}).get('train') or {}
        return config_train.get('early_stopping')

    def _load_data(self):
        data_dir = os.path.join(JOB_DIR, 'data')
        counts = self.job.get('data') or {}
        self.train_set = Split(data_dir, 'train', int(counts.get('train_examples', 0)))
        if len(self.train_set) == 0:
            raise JobError('%s: there are no training examples (job.json data.train_examples is 0)' % data_dir)
        has_validation = os.path.exists(os.path.join(data_dir, 'validation.offsets.npy'))
        self.validation = Split(data_dir, 'validation', int(counts.get('validation_examples', 0))) if has_validation else None
        plan_path = os.path.join(data_dir, 'plan.npy')
        self.plan = _load_npy(plan_path, 'i', 3).astype(np.int64)
        expected = (self.total_steps, self.train['grad_accum'], self.train['batch_size'])
        if tuple(self.plan.shape) != expected:
            raise JobError('%s is %s; job.json train (total_steps, grad_accum, batch_size) needs %s' % (plan_path, list(self.plan.shape), list(expected)))
        if self.plan.max() >= len(self.train_set) or self.plan.min() < -1:
            raise JobError('%s names examples outside 0..%d (-1 = none); copy the job folder again' % (plan_path, len(self.train_set) - 1))
        positions_path = os.path.join(data_dir, 'positions.npy')
        self.positions = _load_npy(positions_path, 'i', 2).astype(np.int64)
        if tuple(self.positions.shape) != (self.total_steps, 2):
            raise JobError('%s is %s; job.json train.total_steps needs [%d, 2]' % (positions_path, list(self.positions.shape), self.total_steps))

    def _load_model(self):
        model_dir = self.args.model or self.job['model']['path']
        if not os.path.isdir(model_dir):
            where = '--model' if self.args.model else 'job.json model.path, where the job was exported'
            raise JobError('the model folder %s (%s) does not exist on this machine; copy the model here and pass --model DIR' % (model_dir, where))
        m = import_model_module()
        if bool(m.SEQ2SEQ) != self.seq2seq:
            raise JobError('model.py is %s but job.json layout.seq2seq is %s; export the job again' % ('encoder-decoder' if m.SEQ2SEQ else 'decoder-only', self.seq2seq))
        self.feeds = list(m.FEEDS)
        self.has_aux = bool(m.HAS_AUX_LOSS)
        self.routers = list(getattr(m, 'ROUTERS', []))
        try:
            self.net = m.MixtureModel(model_dir, frozen_dtype=FROZEN_DTYPES[self.precision], device=self.dist.device, checkpointing=bool(self.train.get('gradient_checkpointing')))
        except Exception as error:  # model.py names the file or tensor at fault
            raise _as_job_error(error) or error
        params = self.net.adapter_parameters()
        expected = [(p['name'], [int(d) for d in p['shape']]) for p in self.job['parameters']]
        got = [(name, list(p.shape)) for name, p in params.items()]
        if got != expected:
            differs = [e for e in expected if e not in got] or [g for g in got if g not in expected] or expected
            raise JobError('model.py\'s adapter parameters differ from job.json parameters (first: %s %s); export the job again' % differs[0])
        self.named = list(params.items())
        init_path = os.path.join(JOB_DIR, 'adapter_init.safetensors')
        values, _ = read_safetensors(init_path)
        missing = [name for name, _ in self.named if name not in values]
        if missing:
            raise JobError('%s lacks %s; export the job again' % (init_path, ', '.join(missing[:3])))
        for name, p in self.named:
            if list(values[name].shape) != list(p.shape):
                raise JobError('%s: %s is %s, the adapter needs %s' % (init_path, name, list(values[name].shape), list(p.shape)))
        try:
            self.net.load_adapter({name: torch.from_numpy(values[name]) for name, _ in self.named})
        except Exception as error:
            raise _as_job_error(error) or error
        self.optimizer = create_optimizer(self.train['optimizer'], self.named, float(self.train['weight_decay']))
        self.loss_scale = LossScale() if self.precision == 'fp16' else None

    # -- resume ---------------------------------------------------------------------------------

    def resume(self):
        """The step to continue from (0: fresh). Rank 0 reads the newest checkpoint and sends it to
        the other ranks, so every rank continues from the same state whatever their disks hold."""
        meta = torch.zeros(8, dtype=torch.float64, device=self.dist.device)
        params = slots = None
        failure = None
        if self.dist.main:
            try:
                found = list_checkpoints(self.checkpoints_dir)
                if found:
                    state, params, slots = self._read_resume(found[-1][1])
                    scale = state.get('lossScale') or {}
                    best = state.get('best') if self.rule and (state.get('best') or {}).get('metric') == self.rule['metric'] else None
                    meta[:] = torch.tensor([
                        1, state['step'], scale.get('scale', INITIAL_LOSS_SCALE), scale.get('goodSteps', 0),
                        1 if best else 0, best['value'] if best else 0, best['step'] if best else 0, best['evalsWithoutImprovement'] if best else 0,
                    ], dtype=torch.float64)
            except JobError as error:
                failure = error
                meta[0] = -1
        self.dist.broadcast_(meta)
        if failure is not None:
            raise failure
        if meta[0].item() < 0:
            raise JobError('rank 0 could not resume from its newest checkpoint (its message says why)')
        if meta[0].item() == 0:
            return 0
        step = int(meta[1].item())
        with torch.no_grad():
            for name, p in self.named:
                value = torch.from_numpy(params[name]).to(self.dist.device) if params is not None else torch.zeros(p.shape, device=self.dist.device)
                p.copy_(self.dist.broadcast_(value.reshape(p.shape).float()))
        tensors = {}
        for key, size in self.optimizer.slot_sizes():
            value = torch.from_numpy(slots[key]).to(self.dist.device) if slots is not None else torch.zeros(size, device=self.dist.device)
            tensors[key] = self.dist.broadcast_(value.reshape(-1).float())
        self.optimizer.load_state(step, tensors)
        if self.loss_scale is not None:
            self.loss_scale = LossScale(meta[2].item(), int(meta[3].item()))
        if meta[4].item() == 1:
            self.best = {'metric': self.rule['metric'], 'value': meta[5].item(), 'step': int(meta[6].item()), 'evalsWithoutImprovement': int(meta[7].item())}
        return step

    def watch(self, evaluation):
        """(improved, exhausted) for the watched metric after an evaluation."""
        if not self.rule:
            return False, False
        value = evaluation.get(self.rule['metric'])
        if value is None or not math.isfinite(value):
            if not self._warned_missing_metric and self.dist.main:
                sys.stderr.write('step %d: the evaluation reported no %s (the cluster job evaluates eval_loss only), so no best checkpoint is chosen by it and early stopping waits\n' % (evaluation['step'], self.rule['metric']))
            self._warned_missing_metric = True
            return False, False
        self.best, improved, exhausted = update_best(self.rule, self.best, evaluation['step'], value)
        return improved, exhausted

    def patience_exhausted(self):
        """Resumed from the checkpoint early stopping wrote: the run stays stopped."""
        rule, best = self.rule, self.best
        return bool(rule and rule['patience'] is not None and best and best['evalsWithoutImprovement'] >= rule['patience'])

    def _read_resume(self, path):
        state, params, slots = read_checkpoint(path)
        where = os.path.join(path, STATE_FILE)
        step = state.get('step')
        if not isinstance(step, int) or not 1 <= step <= self.total_steps:
            raise JobError('%s: step %r is outside this job\'s 1..%d; give this job its own --out' % (where, step, self.total_steps))
        kind = (state.get('optimizer') or {}).get('kind')
        if kind != self.optimizer.kind:
            raise JobError('%s: the checkpoint holds %s optimizer state, this job trains with %s; give this job its own --out' % (where, kind, self.optimizer.kind))
        if (state['optimizer'].get('step') != step):
            raise JobError('%s: optimizer step %r differs from the checkpoint step %d; the checkpoint is damaged' % (where, state['optimizer'].get('step'), step))
        position = state.get('position') or {}
        planned = self.positions[step - 1]
        if [position.get('epoch'), position.get('batch')] != [int(planned[0]), int(planned[1])]:
            raise JobError('%s: data position %r differs from this job\'s after step %d (%s); the checkpoint is from another job: give this job its own --out' % (where, position, step, planned.tolist()))
        for name, p in self.named:
            if name not in params or list(params[name].shape) != list(p.shape):
                raise JobError('%s: %s is %s, this job needs %s' % (os.path.join(path, ADAPTER_WEIGHTS_FILE), name, list(params[name].shape) if name in params else 'missing', list(p.shape)))
        for key, size in self.optimizer.slot_sizes():
            if key not in slots or slots[key].size != size:
                raise JobError('%s: %s is %s, this job needs %d values' % (os.path.join(path, OPTIMIZER_FILE), key, 'missing' if key not in slots else '%d values' % slots[key].size, size))
        return state, params, slots

    # -- one step -------------------------------------------------------------------------------

    def _to_device(self, feeds, where):
        missing = [name for name in self.feeds if name not in feeds]
        if missing:
            raise JobError('model.py reads %s, which the batches do not have (%s); export the job again' % (', '.join(missing), where))
        return {name: torch.from_numpy(feeds[name]).to(self.dist.device) for name in self.feeds}

    def _forward(self, rows, where):
        examples = [self.train_set.example(i) for i in rows]
        feeds, _, _ = make_batch(examples, self.layout, where)
        return self.net(self._to_device(feeds, where))

    def my_share(self, step):
        """This rank's part of the step: [(example indices, weight)], the step's label tokens and tokens."""
        micro = [[int(i) for i in row if i >= 0] for row in self.plan[step - 1]]
        micro = [rows for rows in micro if rows]
        if not micro:
            raise JobError('data/plan.npy: step %d has no examples; copy the job folder again' % step)
        counts = [[self.train_set.label_count(i, self.seq2seq) for i in rows] for rows in micro]
        label_tokens = sum(sum(c) for c in counts)
        tokens = int(sum(int(self.train_set.lengths[i]) for rows in micro for i in rows))
        world, rank = self.dist.world, self.dist.rank
        work = []
        if len(micro) % world == 0:
            # Whole micro-batches per rank: the same batches, losses and aux terms as one process.
            for m in range(rank, len(micro), world):
                work.append((micro[m], sum(counts[m]) / label_tokens if label_tokens > 0 else 1 / len(micro)))
        else:
            # Every micro-batch's rows split among the ranks; a shard's weight is its label tokens'
            # share of the step, which keeps the step's token mean (the aux term is the shard's).
            for m, rows in enumerate(micro):
                mine = list(range(rank, len(rows), world))
                if not mine:
                    continue
                shard_labels = sum(counts[m][k] for k in mine)
                weight = shard_labels / label_tokens if label_tokens > 0 else (1 / len(micro)) * len(mine) / len(rows)
                work.append(([rows[k] for k in mine], weight))
        return work, label_tokens, tokens

    def train_step(self, step):
        began = time.perf_counter()
        lr = learning_rate_at(step - 1, self.train)
        work, _, tokens = self.my_share(step)
        scale = self.loss_scale.scale if self.loss_scale else 1.0
        grads = [torch.zeros_like(p) for _, p in self.named]
        totals = torch.zeros(2, dtype=torch.float64)
        # As the studio: the routers of the step's first micro-batch (rank 0 holds it, or its first rows).
        with_routers = bool(self.routers) and (step == 1 or step % ROUTER_STATS_EVERY == 0 or step == self.total_steps)
        routers = None
        for rows, weight in work:
            for _, p in self.named:
                p.grad = None
            out = self._forward(rows, 'training step %d' % step)
            loss = out['loss']
            objective = loss + out['aux_loss'] if self.has_aux else loss
            (objective * scale if scale != 1.0 else objective).backward()
            with torch.no_grad():
                # As the studio: each micro-batch's gradient (unscaled), weighted by its token share.
                for acc, (_, p) in zip(grads, self.named):
                    if p.grad is not None:
                        acc.add_(p.grad, alpha=weight / scale)
            if with_routers and routers is None:
                routers = [{'module': site['module'], 'site': site['site'], 'layer': site['layer'], 'load': [float(v) for v in load.detach().float().cpu().tolist()], 'entropy': float(entropy.item())}
                           for site, (load, entropy) in zip(self.routers, out['routers'])]
            totals[0] += weight * float(loss.item())
            if self.has_aux:
                totals[1] += weight * float(out['aux_loss'].item())
        if self.dist.backend is not None:
            flat = self.dist.sum_(torch.cat([g.reshape(-1) for g in grads]))
            at = 0
            for g in grads:
                g.copy_(flat[at:at + g.numel()].reshape(g.shape))
                at += g.numel()
            totals = self.dist.sum_(totals.to(self.dist.device)).cpu()
        for g, (_, p) in zip(grads, self.named):
            p.grad = g
        loss, aux = totals[0].item(), totals[1].item()
        if not math.isfinite(loss):
            raise TrainingDiverged(self._diverged(step, 'the loss is %s' % loss))
        ran_with_scale = self.loss_scale.scale if self.loss_scale else None
        norm, bad = clip_gradients(self.named, self.train.get('max_grad_norm'))
        what = 'the gradient of %s%s is not finite (NaN or infinity)' % (', '.join(bad[:3]), ' and %d more' % (len(bad) - 3) if len(bad) > 3 else '')
        skipped = False
        if self.loss_scale is not None:
            outcome = self.loss_scale.after(not bad)
            if outcome == 'exhausted':
                raise TrainingDiverged(self._diverged(step, '%s even at loss scale %s' % (what, ran_with_scale)))
            if outcome == 'skip':
                skipped = True
                if self.dist.main:
                    sys.stderr.write('step %d: the fp16 gradients overflowed at loss scale %s; this update was skipped and the scale lowered to %s\n' % (step, ran_with_scale, self.loss_scale.scale))
        elif bad:
            raise TrainingDiverged(self._diverged(step, what))
        if not skipped:
            self.optimizer.update(lr)
        seconds = time.perf_counter() - began
        line = {'step': step, 'loss': loss, 'lr': lr, 'grad_norm': 0.0 if skipped else norm, 'tokens': tokens}
        if self.has_aux:
            line['aux_loss'] = aux
        line['epoch'] = int(self.positions[step - 2][0]) if step >= 2 else 0
        line['seconds'] = round(seconds, 6)
        if routers is not None:
            line['routers'] = routers
        if self.loss_scale is not None:
            line['loss_scale'] = ran_with_scale
            if skipped:
                line['skipped_update'] = True
        return line

    def _diverged(self, step, what):
        found = list_checkpoints(self.checkpoints_dir) if self.dist.main else []
        kept = 'the last good checkpoint is kept at %s. ' % found[-1][1] if found else 'no checkpoint was written yet. '
        return 'step %d: %s. Training stopped; %sLower train.lr (or set train.max_grad_norm) in the studio and export again, or resume.' % (step, what, kept)

    # -- evaluation -----------------------------------------------------------------------------

    def evaluate(self, step):
        """Token-mean loss over the whole validation set (batch_size examples a batch, file order);
        ranks take every world-th batch and the sums are added."""
        size = self.train['batch_size']
        batches = [list(range(s, min(s + size, len(self.validation)))) for s in range(0, len(self.validation), size)]
        sums = torch.zeros(2, dtype=torch.float64)
        self.net.eval()
        with torch.no_grad():
            for b in range(self.dist.rank, len(batches), self.dist.world):
                examples = [self.validation.example(i) for i in batches[b]]
                feeds, label_tokens, _ = make_batch(examples, self.layout, 'validation batch %d' % b)
                out = self.net(self._to_device(feeds, 'validation batch %d' % b))
                sums[0] += float(out['loss'].item()) * label_tokens
                sums[1] += label_tokens
        self.net.train()
        sums = self.dist.sum_(sums.to(self.dist.device)).cpu()
        nll, tokens = sums[0].item(), int(sums[1].item())
        return {'step': step, 'eval_loss': nll / tokens if tokens > 0 else 0.0, 'eval_tokens': tokens}

    # -- files (rank 0) -------------------------------------------------------------------------

    def adapter_config_at(self, step):
        config = dict(self.job['adapter_config'])
        config['step'] = step
        return config

    def parameter_arrays(self):
        return [(name, p.detach().float().cpu().numpy().copy()) for name, p in self.named]

    def checkpoint(self, step):
        planned = self.positions[step - 1]
        path = write_checkpoint(
            self.checkpoints_dir, step, {'epoch': int(planned[0]), 'batch': int(planned[1])}, self.adapter_config_at(step),
            self.parameter_arrays(), self.optimizer.kind, self.optimizer.step,
            [(k, v.numpy()) for k, v in self.optimizer.state_tensors()], self.loss_scale, self.best)
        # The best checkpoint stays whatever its age: the studio's export, eval and Playground default to it.
        prune_checkpoints(self.checkpoints_dir, CHECKPOINTS_KEPT, [step] + ([self.best['step']] if self.best else []))
        return path


def run(args):
    dist = Distributed(args.device)
    terminated = []
    signal.signal(signal.SIGTERM, lambda signum, frame: terminated.append(signum))
    try:
        if args.threads:
            torch.set_num_threads(args.threads)
        job = Job(args, dist)
        torch.manual_seed(job.train['seed'])
        total = job.total_steps
        stop = min(total, args.max_steps) if args.max_steps else total
        start = job.resume()
        metrics = None
        if dist.main:
            os.makedirs(job.out, exist_ok=True)
            metrics = Metrics(os.path.join(job.out, 'metrics.jsonl'), job.job['job_id'])
            adapter_dir = os.path.join(job.out, 'adapter')
            complete = start > 0 and (start == total or job.patience_exhausted())
            if complete and metrics.ended_at(start) and os.path.exists(os.path.join(adapter_dir, ADAPTER_WEIGHTS_FILE)):
                print('the job is complete at step %d: nothing to train (the adapter is in %s)' % (start, adapter_dir), flush=True)
                return 0
            metrics.open(start)
            facts = {'world_size': dist.world, 'device': dist.device.type, 'backend': dist.backend, 'precision': job.precision,
                     'torch': torch.__version__, 'hostname': socket.gethostname()}
            if start == 0:
                metrics.write(dict({'event': 'start', 'job_id': job.job['job_id']}, **facts, started_at=iso_now()))
            else:
                metrics.write(dict({'event': 'resume', 'job_id': job.job['job_id'], 'step': start}, **facts, resumed_at=iso_now()))
                print('resuming from %s' % _checkpoint_path(job.checkpoints_dir, start), flush=True)

        def log_eval(step):
            line = job.evaluate(step)
            if dist.main:
                metrics.write(line)
                print('eval step %d: loss %.6f over %d tokens' % (step, line['eval_loss'], line['eval_tokens']), flush=True)
            return line

        # As the studio's Trainer.run: the step-0 evaluation (not a candidate for the best: there is no
        # checkpoint of it), then each step, its evaluation, its checkpoint, and early stopping.
        if job.has_validation and start == 0:
            log_eval(0)
        saved = start
        stopped_early = early_stop_message(job.rule, job.best) if start < total and job.patience_exhausted() else None
        done = start if stopped_early else None
        interrupted = None
        for step in range(start + 1, stop + 1) if not stopped_early else ():
            # SIGTERM (Slurm's time limit or preemption, passed on by torchrun) stops the run between
            # steps, as the studio's Cancel does: a checkpoint of the last step, then out. The ranks
            # agree on it before each step, so they stop together.
            if dist.any_(bool(terminated)):
                interrupted = step - 1
                break
            line = job.train_step(step)
            last = step == total
            if dist.main:
                metrics.write(line)
                print('step %d/%d  loss %.6f  lr %.3e  grad_norm %.4f  %.0f tokens/s' % (
                    step, total, line['loss'], line['lr'], line['grad_norm'], line['tokens'] / max(line['seconds'], 1e-9)), flush=True)
            improved = exhausted = False
            if job.has_validation and (step % job.train['eval_every'] == 0 or last):
                improved, exhausted = job.watch(log_eval(step))
            if step % job.train['save_every'] == 0 or last or improved or exhausted:
                if dist.main:
                    job.checkpoint(step)
                saved = step
            # Patience running out at the last step stops nothing: the run ends there anyway.
            if exhausted and not last:
                stopped_early = early_stop_message(job.rule, job.best)
                done = step
                break
        if interrupted is not None:
            if dist.main:
                if saved != interrupted and interrupted > 0:
                    job.checkpoint(interrupted)
                metrics.close()
                sys.stderr.write('train.py: stopped by SIGTERM after step %d of %d; run it again with the same --out to continue from that checkpoint\n' % (interrupted, total))
            return 128 + signal.SIGTERM
        if dist.main:
            if stopped_early or stop == total:
                done = total if done is None else done
                write_adapter_folder(os.path.join(job.out, 'adapter'), job.adapter_config_at(done), job.parameter_arrays())
                end = {'event': 'end', 'step': done, 'completed_at': iso_now()}
                if stopped_early:
                    end['stopped_early'] = stopped_early
                    print(stopped_early, flush=True)
                metrics.write(end)
                print('done: %d steps; the adapter is in %s' % (done, os.path.join(job.out, 'adapter')), flush=True)
            elif stop <= start:
                print('nothing to do: %s already holds step %d, past --max-steps %d' % (job.checkpoints_dir, start, stop), flush=True)
            else:
                if saved != stop:
                    job.checkpoint(stop)
                print('stopped after step %d of %d (--max-steps); run again without it to continue from that checkpoint' % (stop, total), flush=True)
            metrics.close()
        return 0
    finally:
        dist.close()


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='train.py',
        description='Train this Mixture Studio cluster job (data parallel under torchrun). Writes metrics.jsonl, '
                    'checkpoints/step-N/ and adapter/ into --out; run again with the same --out to resume.')
    parser.add_argument('--out', metavar='DIR', help='output folder (default: out/ in the job folder)')
    parser.add_argument('--model', metavar='DIR', help='the base model folder on this machine (default: job.json model.path)')
    parser.add_argument('--device', choices=('auto', 'cpu', 'cuda'), default='auto', help='auto: cuda when available (default)')
    parser.add_argument('--precision', choices=('auto', 'fp32', 'bf16', 'fp16'),
                        help='products with frozen weights (default: job.json train.precision; auto: bf16 on a GPU that has it, else fp16; fp32 on CPUs)')
    parser.add_argument('--max-steps', type=int, metavar='N', help='stop after step N (to try a job); writes a checkpoint there, and a later run continues')
    parser.add_argument('--threads', type=int, metavar='N', help='CPU threads per process (torch.set_num_threads)')
    args = parser.parse_args(argv)
    if args.max_steps is not None and args.max_steps < 1:
        parser.error('--max-steps must be 1 or more')
    if args.threads is not None and args.threads < 1:
        parser.error('--threads must be 1 or more')
    return args


def main(argv=None):
    args = parse_args(argv)
    prefix = 'train.py' if int(os.environ.get('WORLD_SIZE', '1') or 1) <= 1 else 'train.py (rank %s)' % os.environ.get('RANK', '?')
    try:
        return run(args)
    except (JobError, TrainingDiverged) as error:
        sys.stderr.write('%s: %s\n' % (prefix, error))
        return error.exit_code


if __name__ == '__main__':
    sys.exit(main())
