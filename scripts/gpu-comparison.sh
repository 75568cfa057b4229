#!/usr/bin/env bash
# The GPU checks issues 17 and 18 wait for, as one device call (../shared/device/README.md):
#   run(command="bash scripts/gpu-comparison.sh", carry=[".device"], timeout_s=540)
# after `bash scripts/device-pack.sh` here (the shared pack.sh is over the carry limit with Node 24).
# Everything it measures lands in $OUT, most valuable first, each stage under its own time limit
# and all within BUDGET seconds (default 500, under the call's 540), so a slow stage costs only
# itself (the eager bench prints each method as it finishes):
# - matmul.json: the matmul limit on the app's device, float32 and fp16;
# - pytorch-eager-small.json: every method's train step, the app on WebGPU (the CUDA provider's
#   libraries cannot be carried there) against PyTorch eager on CUDA in the app's precision, on the
#   small shape at 8 x 256 (docs/BENCHMARKS.md "Against PyTorch eager"), with the app's step by op
#   type from onnxruntime's profiler (app_profile: where the time goes, should the ratio be low);
# - job/: a cluster job (the demo run, exported) trained by train.py under torchrun on one GPU:
#   NCCL, bf16; its metrics.jsonl's tokens/s beside the app's own run of it (app-run.json);
# - pytorch-eager-medium.json: the same comparison on the medium shape (254M parameters), with
#   what time is left;
# - label-rows.json: with what is left after that, the LM head at the labelled tokens only on the
#   GPU (a static bound on their number) against the head at every token.
# A dry run on a machine without a GPU checks the plumbing (unpacking, the bench, the export, the
# job starting under torchrun) before the device's scarce minutes are spent, in a clean clone:
#   APP_DEVICE=cpu JOB_DEVICE=cpu JOB_PRECISION=fp32 PYTHON=/usr/bin/python3 \
#     JOB_LAUNCHER=/usr/bin/python3 REPS=1 WARMUP=0 LARGEST_SHAPE=small BUDGET=1200 OUT=/tmp/dry \
#     bash scripts/gpu-comparison.sh
# (JOB_LAUNCHER: Debian's PyTorch 1.13 on Python 3.11 cannot start torchrun's agent; the device's
# PyTorch runs the real torchrun.)
set -uo pipefail
app_device=${APP_DEVICE:-webgpu}
job_device=${JOB_DEVICE:-cuda}
job_precision=${JOB_PRECISION:-bf16}
python=${PYTHON:-python3}
read -r -a launcher <<< "${JOB_LAUNCHER:-$python -m torch.distributed.run --standalone --nproc_per_node 1}"
bash .device/unpack.sh && . /tmp/ms/env.sh
export MIXTURE_STUDIO_HOME=/tmp/ms-home
budget=${BUDGET:-500}
cli=(node bin/mixture-studio.mjs)
# Runs "$@" for at most $1 seconds, and never past the budget.
within() { local cap=$1; shift; local left=$((budget - SECONDS - 5)); [ "$left" -gt 0 ] || return 124; timeout $((cap < left ? cap : left)) "$@"; }
stage() { echo "$(date +%T) +${SECONDS}s $*"; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.csv" 2>&1
"$python" -c 'import torch; print(torch.__version__, torch.version.cuda, torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA device")' > "$OUT/torch.txt" 2>&1

stage matmul
within 60 "${cli[@]}" bench --only matmul --device "$app_device" --reps 3 --warmup 1 --json > "$OUT/matmul.json" 2> "$OUT/matmul.err"
stage pytorch-eager small
within 180 "${cli[@]}" bench --only pytorch-eager --profile --device "$app_device" --python "$python" --reps "${REPS:-5}" --warmup "${WARMUP:-2}" --json > "$OUT/pytorch-eager-small.json" 2> "$OUT/pytorch-eager-small.err"

# The demo run (trained here by the app, on the GPU), exported and trained again by train.py.
stage demo run
within 90 "${cli[@]}" demo --steps 60 --json > "$OUT/app-run.json" 2> "$OUT/app-run.err"
run_id=$("$python" -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][-1]["run_id"])' "$OUT/app-run.json")
within 30 "${cli[@]}" export "$run_id" --format torchrun --out "$OUT/job" > "$OUT/export.txt" 2>&1
stage cluster job
(cd "$OUT/job" && within 120 "${launcher[@]}" train.py --device "$job_device" --precision "$job_precision" > train.out 2> train.err)
rm -f "$OUT/job/data/"*.npy "$OUT/job/constants.safetensors"

stage pytorch-eager medium
within 400 "${cli[@]}" bench --only pytorch-eager --train-shape "${LARGEST_SHAPE:-medium}" --device "$app_device" --python "$python" --reps "${REPS:-3}" --warmup "${WARMUP:-1}" --json > "$OUT/pytorch-eager-medium.json" 2> "$OUT/pytorch-eager-medium.err"
# With what is left: the head at the labelled tokens on the GPU (a static bound), against every token.
stage label-rows
within 120 "${cli[@]}" bench --only label-rows --device "$app_device" --reps 3 --warmup 1 --json > "$OUT/label-rows.json" 2> "$OUT/label-rows.err"
stage done
