# model.py: the run's model with its adapter as a PyTorch module. Mixture Studio wrote it from the
# same forward graph it trains (main/engine/ir), one line of torch per graph node, so the math is
# the studio's: export the job again rather than editing it. Needs PyTorch >= 1.13 and numpy.
import json
import os
import struct

import numpy as np
import torch
import torch.utils.checkpoint

_SAFETENSORS_NUMPY = {
    'F32': np.float32, 'F16': np.float16, 'BF16': np.uint16, 'F64': np.float64,
    'I64': np.int64, 'I32': np.int32, 'U8': np.uint8, 'BOOL': np.bool_,
}


class ModelFilesError(Exception):
    """A model or job file is missing or does not hold what the job was exported with."""


class SafetensorsFile:
    """Reads tensors by name from a .safetensors file (a JSON header, then raw little-endian bytes)."""

    def __init__(self, path):
        self.path = path
        try:
            with open(path, 'rb') as f:
                (length,) = struct.unpack('<Q', f.read(8))
                self.header = json.loads(f.read(length))
        except FileNotFoundError:
            raise ModelFilesError('%s: the file is missing' % path)
        except (struct.error, ValueError) as error:
            raise ModelFilesError('%s: not a safetensors file (%s)' % (path, error))
        self.data_start = 8 + length
        self._bytes = None

    def tensor(self, name, shape):
        entry = self.header.get(name)
        if entry is None:
            raise ModelFilesError('%s: there is no tensor "%s"; the job was exported from a different model' % (self.path, name))
        if list(entry['shape']) != list(shape):
            raise ModelFilesError('%s: tensor "%s" is %s, the job needs %s; export the job again for this model' % (self.path, name, entry['shape'], list(shape)))
        if self._bytes is None:
            # Mapped, not read: only the tensors asked for are paged in.
            self._bytes = np.memmap(self.path, dtype=np.uint8, mode='r')
        start, end = entry['data_offsets']
        raw = self._bytes[self.data_start + start:self.data_start + end]
        array = np.frombuffer(raw, dtype=_SAFETENSORS_NUMPY[entry['dtype']]).reshape(shape).copy()
        tensor = torch.from_numpy(array)
        # numpy has no bfloat16: its bytes travel as uint16 and are reinterpreted here.
        return tensor.view(torch.bfloat16) if entry['dtype'] == 'BF16' else tensor


def _load_weights(model_dir, table, frozen_dtype):
    """The frozen weights by checkpoint name; those used only by frozen products come in frozen_dtype."""
    files = {}
    loaded = []
    for file_name, tensor_name, shape, in_frozen_dtype in table:
        path = os.path.join(model_dir, file_name)
        if path not in files:
            files[path] = SafetensorsFile(path)
        tensor = files[path].tensor(tensor_name, shape)
        if in_frozen_dtype and tensor.is_floating_point():
            tensor = tensor.to(frozen_dtype)
        loaded.append(tensor)
    return loaded


def _nest_parameter(root, name, parameter):
    """Registers `parameter` under its native dotted name (a.b.0.c), as nested modules."""
    module = root
    parts = name.split('.')
    for part in parts[:-1]:
        child = module._modules.get(part)
        if child is None:
            child = torch.nn.Module()
            module.add_module(part, child)
        module = child
    module.register_parameter(parts[-1], parameter)


def _gather(data, indices, axis):
    """ONNX Gather: negative indices count from the end."""
    size = data.shape[axis]
    indices = torch.where(indices < 0, indices + size, indices).long()
    picked = torch.index_select(data, axis, indices.reshape(-1))
    return picked.reshape(tuple(data.shape[:axis]) + tuple(indices.shape) + tuple(data.shape[axis + 1:]))


def _elements_index(indices, size):
    return torch.where(indices < 0, indices + size, indices).long()


def _pad(x, axis, before, after):
    pads = [0, 0] * (x.dim() - 1 - axis) + [before, after]
    return torch.nn.functional.pad(x, pads)


def _slice(x, axis, start, end):
    return x.narrow(axis, start, end - start)


def _int_div(a, b):
    return torch.div(a, b, rounding_mode='trunc')
