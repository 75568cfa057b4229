// README.md of a cluster job folder: how to launch it (torchrun, accelerate, Slurm), what each
// file is, and how the run comes back into the studio.
import type { RunConfig } from '../../contract/run-config'
import type { TorchrunJobFacts } from './job-folder'

export interface JobReadmeFacts {
  config: RunConfig
  run: { id: string; name: string } | null
  model: string
  facts: TorchrunJobFacts
  /** Whether the objective has a load-balancing term (the one thing a split micro-batch approximates). */
  aux: boolean
}

export function jobReadme({ config, run, model, facts, aux }: JobReadmeFacts): string {
  const t = config.train
  const global = t.batch_size * t.grad_accum
  return `# Cluster job: ${run ? `run ${run.name} (${run.id})` : 'a Mixture Studio run configuration'}

Mixture Studio wrote this folder so that a machine with PyTorch trains the same run it would:
the ${config.adapter.method} adapter on ${config.model.path} — ${model} — for ${facts.totalSteps} optimizer steps
of ${global} examples (${t.batch_size} a batch × ${t.grad_accum} accumulated), ${t.optimizer} at lr ${t.lr} (${t.schedule}${t.warmup_steps ? `, ${t.warmup_steps} warmup steps` : ''}),
${facts.trainExamples} training and ${facts.validationExamples} validation examples, ${facts.parameters} trainable parameters.
The loss curve matches the studio's: the same forward pass, starting values, example order and update.

Job id: \`${facts.jobId}\`

## Requirements
PyTorch 1.13 or newer and numpy (\`pip install -r requirements.txt\`). Nothing else: the data is
already tokenized, so the job needs no tokenizer, no transformers and no network. The base model's
folder must be readable from every node: it is read from \`${config.model.path}\` unless
\`--model DIR\` says where it is on the cluster (its \`*.safetensors\` files are read by tensor name).

## Launch
One GPU or CPU:

    python train.py [--model /path/to/model] [--out out]

Several GPUs on one node (current PyTorch; NCCL on GPUs, gloo on CPUs):

    torchrun --standalone --nproc_per_node 4 train.py --model /path/to/model

Several nodes (run on each node, with its rank):

    torchrun --nnodes 2 --nproc_per_node 8 --node_rank $NODE_RANK \\
      --rdzv_backend c10d --rdzv_endpoint $HEAD_NODE:29500 train.py --model /path/to/model

Accelerate (it starts the processes; train.py does its own data parallelism):

    accelerate launch --multi_gpu --num_processes 4 train.py --model /path/to/model

Slurm (srun starts torchrun once per node; torchrun starts one process per GPU):

    #!/bin/bash
    #SBATCH --nodes=2 --ntasks-per-node=1 --gpus-per-node=8 --cpus-per-task=16
    head=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
    srun torchrun --nnodes "$SLURM_NNODES" --nproc_per_node 8 \\
      --rdzv_backend c10d --rdzv_endpoint "$head:29500" train.py --model /path/to/model

Without torchrun (Debian's PyTorch 1.13 on Python 3.11 cannot start it), start each process yourself:

    MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 WORLD_SIZE=2 RANK=0 python train.py &
    MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 WORLD_SIZE=2 RANK=1 python train.py

\`python train.py --help\` lists the options (device, precision, steps, threads).

## Data parallel
Every process takes its share of every global batch, so the global batch is the studio's whatever
the number of processes: when the accumulated micro-batches divide among the processes, each takes
whole micro-batches; otherwise each takes every n-th example of every micro-batch, and the losses
are weighted by label tokens so the step is the same token mean.${aux ? ' The load-balancing term is then computed over each process\'s share of a micro-batch rather than the whole micro-batch: the one place the split changes the objective (slightly).' : ''}
On GPUs the products with frozen weights run in bf16 (fp16 where bf16 is missing, with loss
scaling); adapters, routers, norms, softmax and the loss stay float32, as in the studio.

## Files
- \`job.json\`: the run configuration, the adapter's format, the optimizer and schedule, the batch layout.
- \`model.py\`: the model with the adapter as a PyTorch module, generated from the studio's own
  forward graph (one torch line per graph node). Adapter tensors are \`nn.Parameter\`s named as in
  the studio's adapter format; frozen weights are buffers read from the base model's safetensors.
- \`train.py\`: the training loop: optimizer, schedule, clipping, accumulation, evaluation,
  checkpoints and resume, data parallel.
- \`adapter_init.safetensors\`: the adapter's starting values.
- \`constants.safetensors\` (when present): the graph's large constants (rotary tables).
- \`data/\`: the tokenized examples (\`*.tokens.npy\`, \`*.trained.npy\`, \`*.offsets.npy\`), the examples
  of every micro-batch of every step (\`plan.npy\`) and the data position after each (\`positions.npy\`).

## Output (\`--out\`, default \`out/\`)
- \`metrics.jsonl\`: one line per step (\`step\`, \`loss\`, \`lr\`, \`grad_norm\`, \`tokens\`) and per evaluation (\`eval_loss\`).
- \`checkpoints/step-N/\`: the adapter in the studio's format with the optimizer state; run
  \`train.py\` again with the same \`--out\` to resume from the newest.
- \`adapter/\`: the final adapter (\`adapter_config.json\`, \`adapter_model.safetensors\`).

Stopped by a time limit or a preemption (SIGTERM, as Slurm and torchrun send it), train.py writes a
checkpoint of the last step and exits; started again with the same \`--out\`, it continues there.
Started again after its end, it says so and changes nothing.

## Bringing the run home
Copy this folder (with \`out/\`) back and run

    mixture-studio runs import-job ${'<this folder>'}

The run appears in the studio's history with its curves; Compare, export, eval and the
Playground work on it as on any run.
`
}
